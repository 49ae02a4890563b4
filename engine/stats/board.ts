/**
 * The supervisors' live board (实时看板): for the city centre and every town, and for each of
 * their windows, what is open now and how late it is.
 *
 * ## Counts (all "now")
 * - openCases 在办件: cases with a case clock (statutory, promised or examination) that has not
 *   stopped — accepted (or under examination) and not finished — by the case's org unit and
 *   receiving window.
 * - openSteps 在办环节: steps with a step clock that has not stopped (every step with a time
 *   limit), by the step's org unit and window.
 * - warned 预警 / breached 超期 / serious 严重超期: CASES (counted once per unit or window) with
 *   a not-yet-stopped statutory, promised, examination or step clock in that state, placed by the
 *   clock's org unit and window (a step clock belongs to the step's unit — the city for a
 *   report-up step). breached = the clock fired its breach rung, or it is running past its due
 *   time (so the board shows a breach the instant it happens, before the signal job runs);
 *   serious = the serious rung fired; warned = the warning rung fired and the case is not breached.
 * - openEscalations 未办结督办: escalations not closed, by their org unit and window.
 *
 * ## Queries and cost
 * Each process's BoardSource keeps the open clocks in memory AND the counts they make, per scope
 * (the city, each unit, each window, each unit's window), updated clock by clock: a clock that
 * changes takes its old part out of the counts and puts its new part in (per case, so a case is
 * still counted once per scope). A computation therefore costs the clocks changed since the
 * previous one, the open escalations (few) and the rows it shows (units and windows) — not a pass
 * over every open clock, which at 100,000 stored cases (≈ 20,000 open clocks) was the board's time.
 * Time makes a running clock breached when its due time passes: those clocks wait in a heap by
 * due time and are judged again when a computation's "now" reaches them (an earlier "now", which
 * only tests ask for, recounts everything).
 *
 * The changes are the clocks whose `updatedAt` is later than the last read (less a minute, for
 * writes that committed late), on the index `updatedAt_1` — every write of a clock sets
 * `updatedAt` (start, reschedule, pause, resume, extension, reassignment, a rung, stop;
 * supervision-service.ts). A clock read with status `stopped` (or no longer a board kind) leaves
 * the set. The whole set is read once on the first computation (`warm()` does it ahead: the API
 * calls it when it mounts the board), and again every 5 minutes IN THE BACKGROUND — the next
 * computation after it finished takes it and re-reads the changes since it began — which heals a
 * write made without `updatedAt` (a restore, a bulk copy) or stamped by a clock more than the
 * overlap behind this process's (the writers stamp the platform's Clock port; the reads assume it
 * is the wall clock, as it is outside tests). Org units and windows (small) are cached for a
 * minute. Shared by all pollers: api/routes/supervision.ts computes a scope at most once per
 * BOARD_TICK_MS. The queries are explained by engine/persistence/__tests__/indexes.test.ts.
 *
 * Windows: a window row counts the clocks of that window (for a town's board, the clocks of that
 * town in it). A window the catalogue does not list (closed, or another unit's window in a town's
 * board) shows under the unit of the clocks and escalations that name it, one row per unit.
 */
import type { BoardCounts, BoardOf, BoardUnit, BoardWindow } from '../../common/supervision';
import type { Models } from '../persistence/models';

// the board's shape is the console's contract with the browser (common/supervision.ts)
export type { BoardCounts, BoardUnit, BoardWindow };
export type Board = BoardOf<Date>;


const CASE_KINDS = new Set(['statutory', 'promised', 'examination']);
/** The clocks the board counts (reply clocks of supervision notices are not work on a case). */
const BOARD_KINDS = ['statutory', 'promised', 'examination', 'step'];
/** Escalation states before `closed`. */
export const OPEN_ESCALATION_STATES = ['open', 'acknowledged', 'notified', 'replied'];

/** What the board reads of a clock that has not stopped. */
export interface OpenClock {
  _id: string;
  caseNo?: string;
  kind: string;
  orgUnit?: string;
  windowId?: string;
  status: 'running' | 'paused';
  dueAt?: Date | null;
  fired?: string[];
}
const zero = (): BoardCounts => ({ openCases: 0, openSteps: 0, warned: 0, breached: 0, serious: 0, openEscalations: 0 });

interface Lookups { orgs: any[]; windows: any[] }
interface EscalationDoc { orgUnit?: string; windowId?: string }

/** Options of a BoardSource (tests shorten them). */
export interface BoardSourceOptions {
  /** Read every open clock again after this long, ms. Default 5 minutes. */
  fullEveryMs?: number;
  /** Changes are read from this long before the previous read, ms (late commits, clock skew between processes). Default 60 s. */
  overlapMs?: number;
}

const OPEN_CLOCK_FIELDS = { _id: 1, caseNo: 1, kind: 1, orgUnit: 1, windowId: 1, status: 1, dueAt: 1, fired: 1 } as const;
const isOpen = (c: { status?: string; kind?: string }) => (c.status === 'running' || c.status === 'paused') && BOARD_KINDS.includes(String(c.kind));


/** A clock's part in the counts, as judged at one instant; kept so the same part can be taken out again. */
interface Part {
  caseNo: string;
  /** '*', 'u:<unit>', 'w:<window>', 'uw:<unit>\0<window>' */
  scopes: string[];
  isCase: boolean;
  isStep: boolean;
  breached: boolean;
  serious: boolean;
  /** a warning rung fired and this clock is not breached */
  warning: boolean;
  /** a running clock not breached yet: it is breached from this instant (ms) on */
  breachAt?: number;
}
interface Held {
  clock: OpenClock;
  part: Part;
}
/** Per scope and case: how many of the case's clocks in the scope are open (case kinds), breached, serious, warned. */
interface CaseCounts {
  open: number;
  br: number;
  se: number;
  wa: number;
}
/** The counts of one scope, and what makes them (the cases with a clock in it). */
interface ScopeCounts {
  clocks: number;
  openSteps: number;
  openCases: number;
  breached: number;
  serious: number;
  warned: number;
  cases: Map<string, CaseCounts>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The part of a clock in the board at `nowMs` (the header's definitions). */
function judge(c: OpenClock, nowMs: number): Part {
  const fired = Array.isArray(c.fired) ? c.fired : [];
  const due = c.dueAt ? new Date(c.dueAt).getTime() : undefined;
  const rung = fired.includes('breach') || fired.includes('serious');
  const running = c.status === 'running' && due !== undefined && !Number.isNaN(due);
  const breached = rung || (running && due! <= nowMs);
  const unit = str(c.orgUnit);
  const win = str(c.windowId);
  const scopes = ['*'];
  if (unit) scopes.push(`u:${unit}`);
  if (win) scopes.push(`w:${win}`);
  if (unit && win) scopes.push(`uw:${unit}\u0000${win}`);
  return {
    caseNo: String(c.caseNo ?? c._id),
    scopes,
    isCase: CASE_KINDS.has(c.kind),
    isStep: c.kind === 'step',
    breached,
    serious: fired.includes('serious'),
    warning: !breached && fired.includes('warning'),
    ...(!breached && running ? { breachAt: due } : {}),
  };
}

/** A min-heap of (instant, held clock): the running clocks that breach when time reaches them. */
class DueHeap {
  private readonly items: { at: number; held: Held }[] = [];
  get size() {
    return this.items.length;
  }
  clear() {
    this.items.length = 0;
  }
  peek() {
    return this.items[0];
  }
  push(at: number, held: Held) {
    const a = this.items;
    a.push({ at, held });
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p].at <= a[i].at) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].at < a[m].at) m = l;
        if (r < a.length && a[r].at < a[m].at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Source of the board for one process: the open clocks and their counts in memory (see the header), org units and windows cached. */
export class BoardSource {
  private lookups?: { at: number; value: Promise<Lookups> };
  private readonly held = new Map<string, Held>();
  private readonly scopes = new Map<string, ScopeCounts>();
  private readonly due = new DueHeap();
  /** the instant the parts are judged at (ms) */
  private evalAt = 0;
  /** when the set was last read whole (begun), and when the last read (whole or changes) began */
  private fullAt = 0;
  private readFrom?: Date;
  private refreshing?: Promise<void>;
  /** the background whole read: running, or done and waiting to be taken by the next refresh */
  private fullRunning = false;
  private fullDone?: { clocks: OpenClock[]; startedAt: Date };
  private readonly fullEveryMs: number;
  private readonly overlapMs: number;

  constructor(private readonly models: Models, options: BoardSourceOptions = {}) {
    this.fullEveryMs = options.fullEveryMs ?? 300_000;
    this.overlapMs = options.overlapMs ?? 60_000;
  }

  private cachedLookups(): Promise<Lookups> {
    if (this.lookups && Date.now() - this.lookups.at < 60_000) return this.lookups.value;
    const { models } = this;
    const value = (async () => {
      const [orgs, windows] = await Promise.all([
        models.OrgUnit.find({}, { _id: 1, shortName: 1, seq: 1, level: 1 }).lean(),
        models.Window.find({}, { _id: 1, orgUnit: 1, no: 1, name: 1, status: 1 }).lean(),
      ]);
      return { orgs, windows };
    })();
    this.lookups = { at: Date.now(), value };
    value.catch(() => (this.lookups = undefined));
    return value;
  }

  // ---- the counts, clock by clock

  private add(part: Part, sign: 1 | -1) {
    for (const key of part.scopes) {
      let s = this.scopes.get(key);
      if (!s) this.scopes.set(key, (s = { clocks: 0, openSteps: 0, openCases: 0, breached: 0, serious: 0, warned: 0, cases: new Map() }));
      s.clocks += sign;
      if (part.isStep) s.openSteps += sign;
      if (part.isCase || part.breached || part.serious || part.warning) {
        let c = s.cases.get(part.caseNo);
        if (!c) s.cases.set(part.caseNo, (c = { open: 0, br: 0, se: 0, wa: 0 }));
        const open0 = c.open > 0, br0 = c.br > 0, se0 = c.se > 0, wa0 = c.wa > 0 && c.br === 0;
        if (part.isCase) c.open += sign;
        if (part.breached) c.br += sign;
        if (part.serious) c.se += sign;
        if (part.warning) c.wa += sign;
        s.openCases += Number(c.open > 0) - Number(open0);
        s.breached += Number(c.br > 0) - Number(br0);
        s.serious += Number(c.se > 0) - Number(se0);
        s.warned += Number(c.wa > 0 && c.br === 0) - Number(wa0);
        if (!c.open && !c.br && !c.se && !c.wa) s.cases.delete(part.caseNo);
      }
      if (!s.clocks) this.scopes.delete(key);
    }
  }

  /** A clock as read now: its old part out, its new part in (none when it stopped). */
  private put(c: OpenClock) {
    const id = String(c._id);
    const old = this.held.get(id);
    if (old) {
      this.add(old.part, -1);
      this.held.delete(id);
    }
    if (!isOpen(c)) return;
    const h: Held = { clock: c, part: judge(c, this.evalAt) };
    this.held.set(id, h);
    this.add(h.part, 1);
    if (h.part.breachAt !== undefined) this.due.push(h.part.breachAt, h);
  }

  /** Every count again from `clocks`, judged at `nowMs`. */
  private rebuild(clocks: Iterable<OpenClock>, nowMs: number) {
    const list = [...clocks];
    this.held.clear();
    this.scopes.clear();
    this.due.clear();
    this.evalAt = nowMs;
    for (const c of list) this.put(c);
  }

  /** Judges the counts at `nowMs`: the clocks whose due time passed since breach now. */
  private advance(nowMs: number) {
    if (nowMs < this.evalAt) return this.rebuild([...this.held.values()].map((h) => h.clock), nowMs);
    this.evalAt = nowMs;
    while (this.due.size && this.due.peek().at <= nowMs) {
      const { at, held } = this.due.pop();
      // a clock changed or gone since it was queued is queued again under its new part, if any
      if (this.held.get(String(held.clock._id)) !== held || held.part.breachAt !== at) continue;
      this.add(held.part, -1);
      held.part = judge(held.clock, nowMs);
      this.add(held.part, 1);
    }
  }

  // ---- reading

  private readAll(): Promise<OpenClock[]> {
    return this.models.Clock.find({ status: { $in: ['running', 'paused'] }, kind: { $in: BOARD_KINDS } }, OPEN_CLOCK_FIELDS).lean() as Promise<OpenClock[]>;
  }

  /** The periodic whole read, off the request path: taken by the next refresh when done. */
  private startFullRead() {
    this.fullRunning = true;
    const startedAt = new Date();
    this.fullAt = startedAt.getTime();
    this.readAll().then(
      (clocks) => {
        this.fullDone = { clocks, startedAt };
        this.fullRunning = false;
      },
      () => (this.fullRunning = false), // tried again after fullEveryMs; the changes keep the set right meanwhile
    );
  }

  /** Brings the open clocks up to date: the changes since the last read, or all of them (one refresh at a time). */
  private refresh(nowMs: number): Promise<void> {
    this.refreshing ??= (async () => {
      const startedAt = new Date();
      if (!this.readFrom) {
        const all = await this.readAll();
        this.fullAt = startedAt.getTime();
        this.rebuild(all, Math.max(this.evalAt, nowMs));
        this.readFrom = startedAt;
        return;
      }
      // a finished whole read replaces the set, and what changed since it began is applied on top:
      // both after the read below, so no computation sees the set older than it was
      const taken = this.fullDone;
      this.fullDone = undefined;
      if (!this.fullRunning && Date.now() - this.fullAt >= this.fullEveryMs) this.startFullRead();
      const since = Math.min(this.readFrom.getTime(), taken?.startedAt.getTime() ?? Infinity) - this.overlapMs;
      const changed = (await this.models.Clock.find({ updatedAt: { $gte: new Date(since) } }, OPEN_CLOCK_FIELDS).lean()) as OpenClock[];
      if (taken) this.rebuild(taken.clocks, this.evalAt);
      for (const c of changed) this.put(c);
      this.readFrom = startedAt;
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Reads the open clocks ahead of the first board (the API calls it when it mounts the board); never throws. */
  async warm(): Promise<void> {
    await this.refresh(Date.now()).catch(() => undefined);
  }

  async board(opts: { orgUnit?: string; now?: Date } = {}): Promise<Board> {
    const started = Date.now();
    const { models } = this;
    const scope = opts.orgUnit ? { orgUnit: opts.orgUnit } : {};
    const asked = opts.now?.getTime();
    const [lookups, escalations] = await Promise.all([
      this.cachedLookups(),
      models.Escalation.find({ status: { $in: OPEN_ESCALATION_STATES }, ...scope }, { _id: 1, orgUnit: 1, windowId: 1 }).lean() as Promise<EscalationDoc[]>,
      this.refresh(asked ?? started),
    ]);
    // no "now" asked: the latest instant judged is as good (computations a few ms apart need no recount)
    const nowMs = asked ?? Math.max(Date.now(), this.evalAt);
    this.advance(nowMs);
    const b = this.assemble(lookups, escalations, opts.orgUnit, new Date(nowMs));
    b.meta = { elapsedMs: Date.now() - started, openClocks: this.scopes.get(opts.orgUnit ? `u:${opts.orgUnit}` : '*')?.clocks ?? 0 };
    return b;
  }

  private countsOf(key: string): BoardCounts {
    const s = this.scopes.get(key);
    return s ? { openCases: s.openCases, openSteps: s.openSteps, warned: s.warned, breached: s.breached, serious: s.serious, openEscalations: 0 } : zero();
  }

  /** The board from the counts: units and windows of the lookups, and those only clocks or escalations name. */
  private assemble(lookups: Lookups, escalations: EscalationDoc[], scope: string | undefined, now: Date): Board {
    const units = new Map<string, BoardUnit>();
    for (const o of lookups.orgs) {
      if (scope && String(o._id) !== scope) continue;
      units.set(String(o._id), { key: String(o._id), label: o.shortName ?? String(o._id), level: o.level ?? 'town', seq: typeof o.seq === 'number' ? o.seq : 99, ...zero(), windows: [] });
    }
    const unitOf = (key: string): BoardUnit | undefined => {
      let u = units.get(key);
      if (!u && !scope) units.set(key, (u = { key, label: key, level: 'town', seq: 999, ...zero(), windows: [] }));
      return u;
    };
    // known windows: active, of a unit shown; key = window id
    const known = new Map<string, BoardWindow & { orgUnit: string }>();
    for (const w of lookups.windows) {
      if ((w.status ?? 'active') !== 'active' || !units.has(String(w.orgUnit))) continue;
      const key = String(w._id);
      known.set(key, { key, no: w.no, label: w.name ?? key, orgUnit: String(w.orgUnit), ...(scope ? this.countsOf(`uw:${scope}\u0000${key}`) : this.countsOf(`w:${key}`)) });
    }
    // windows not in the catalogue: one row per unit naming it; key = unit \0 window id
    const other = new Map<string, BoardWindow & { orgUnit: string }>();
    const otherOf = (unit: string, win: string) => {
      const k = `${unit}\u0000${win}`;
      let w = other.get(k);
      if (!w && units.has(unit)) other.set(k, (w = { key: win, label: win, orgUnit: unit, ...this.countsOf(`uw:${k}`) }));
      return w;
    };
    const total = scope ? this.countsOf(`u:${scope}`) : this.countsOf('*');
    if (!scope) for (const key of this.scopes.keys()) if (key.startsWith('u:')) unitOf(key.slice(2));
    for (const u of units.values()) Object.assign(u, this.countsOf(`u:${u.key}`));
    for (const key of this.scopes.keys()) {
      if (!key.startsWith('uw:')) continue;
      const [unit, win] = key.slice(3).split('\u0000') as [string, string];
      if (scope && unit !== scope) continue;
      if (!known.has(win)) otherOf(unit, win);
    }

    for (const e of escalations) {
      if (scope && e.orgUnit !== scope) continue;
      total.openEscalations++;
      const unit = str(e.orgUnit);
      const u = unit ? unitOf(unit) : undefined;
      if (u) u.openEscalations++;
      const win = str(e.windowId);
      if (!win) continue;
      const w = known.get(win) ?? (unit ? otherOf(unit, win) : undefined);
      if (w) w.openEscalations++;
    }

    for (const w of [...known.values(), ...other.values()]) {
      const u = units.get(w.orgUnit);
      if (!u) continue;
      const { orgUnit: _o, ...rest } = w;
      u.windows.push(rest);
    }
    const list = [...units.values()].sort((a, b) => a.seq - b.seq || (a.key < b.key ? -1 : 1));
    for (const u of list) u.windows.sort((a, b) => (a.no ?? 999) - (b.no ?? 999) || (a.key < b.key ? -1 : 1));
    return { at: now, orgUnit: scope, total, units: list, meta: { elapsedMs: 0, openClocks: 0 } };
  }
}
