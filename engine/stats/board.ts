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
 * ## Queries
 * The open clocks are kept in memory by each process's BoardSource and brought up to date before
 * every computation by what changed since the previous one: the clocks whose `updatedAt` is
 * later than the last read (less a minute, for writes that committed late), on the index
 * `updatedAt_1` — every write of a clock sets `updatedAt` (start, reschedule, pause, resume,
 * extension, reassignment, a rung, stop; supervision-service.ts). A clock read with status
 * `stopped` (or no longer a board kind) leaves the set. The whole set is read again (the clocks
 * that have not stopped, by status) on the first computation and every 5 minutes, which also
 * heals a write made without `updatedAt` (a restore, a bulk copy) or stamped by a clock more than
 * the overlap behind this process's (the writers stamp the platform's Clock port; the reads assume
 * it is the wall clock, as it is outside tests). So a computation costs one
 * small indexed read plus the tally in memory (a few ms for 10,000 open clocks), not a read of
 * every open clock; the escalations not closed (few) are read each time. Org units and windows
 * (small) are cached for a minute. Shared by all pollers: api/routes/supervision.ts computes a
 * scope at most once per BOARD_TICK_MS. The queries are explained by
 * engine/persistence/__tests__/indexes.test.ts.
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
type CaseSetKey = 'openCases' | 'warned' | 'breached' | 'serious';

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

/** Source of the board for one process: the open clocks in memory (see the header), org units and windows cached. */
export class BoardSource {
  private lookups?: { at: number; value: Promise<Lookups> };
  private readonly open = new Map<string, OpenClock>();
  /** when the set was last read whole, and when the last read (whole or changes) began */
  private fullAt = 0;
  private readFrom?: Date;
  private refreshing?: Promise<void>;
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

  /** Brings the open clocks up to date: the changes since the last read, or all of them (one refresh at a time). */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const { Clock } = this.models;
      const startedAt = new Date();
      if (!this.readFrom || Date.now() - this.fullAt >= this.fullEveryMs) {
        const all = (await Clock.find({ status: { $in: ['running', 'paused'] }, kind: { $in: BOARD_KINDS } }, OPEN_CLOCK_FIELDS).lean()) as OpenClock[];
        this.open.clear();
        for (const c of all) this.open.set(String(c._id), c);
        this.fullAt = startedAt.getTime();
      } else {
        const changed = (await Clock.find({ updatedAt: { $gte: new Date(this.readFrom.getTime() - this.overlapMs) } }, OPEN_CLOCK_FIELDS).lean()) as OpenClock[];
        for (const c of changed) {
          if (isOpen(c)) this.open.set(String(c._id), c);
          else this.open.delete(String(c._id));
        }
      }
      this.readFrom = startedAt;
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async board(opts: { orgUnit?: string; now?: Date } = {}): Promise<Board> {
    const started = Date.now();
    const { models } = this;
    const scope = opts.orgUnit ? { orgUnit: opts.orgUnit } : {};
    const [lookups, escalations] = await Promise.all([
      this.cachedLookups(),
      models.Escalation.find({ status: { $in: OPEN_ESCALATION_STATES }, ...scope }, { _id: 1, orgUnit: 1, windowId: 1 }).lean() as Promise<EscalationDoc[]>,
      this.refresh(),
    ]);
    const clocks = [...this.open.values()];
    const b = tally(lookups, escalations, clocks, opts.orgUnit, opts.now ?? new Date());
    b.meta = { elapsedMs: Date.now() - started, openClocks: opts.orgUnit ? clocks.filter((c) => c.orgUnit === opts.orgUnit).length : clocks.length };
    return b;
  }
}

function tally(lookups: Lookups, escalations: EscalationDoc[], clocks: OpenClock[], scope: string | undefined, now: Date): Board {
  const units = new Map<string, BoardUnit>();
  for (const o of lookups.orgs) {
    if (scope && String(o._id) !== scope) continue;
    units.set(String(o._id), { key: String(o._id), label: o.shortName ?? String(o._id), level: o.level ?? 'town', seq: typeof o.seq === 'number' ? o.seq : 99, ...zero(), windows: [] });
  }
  const wins = new Map<string, BoardWindow & { orgUnit: string }>();
  for (const w of lookups.windows) {
    if ((w.status ?? 'active') !== 'active' || !units.has(String(w.orgUnit))) continue;
    wins.set(String(w._id), { key: String(w._id), no: w.no, label: w.name ?? String(w._id), orgUnit: String(w.orgUnit), ...zero() });
  }
  const inScope = (orgUnit: unknown) => !scope || orgUnit === scope;
  const unitOf = (key: unknown): BoardUnit | undefined => {
    if (typeof key !== 'string' || !key) return undefined;
    let u = units.get(key);
    if (!u && !scope) {
      u = { key, label: key, level: 'town', seq: 999, ...zero(), windows: [] };
      units.set(key, u);
    }
    return u;
  };
  const winOf = (key: unknown, orgUnit: unknown): BoardWindow | undefined => {
    if (typeof key !== 'string' || !key) return undefined;
    let w = wins.get(key);
    if (!w && typeof orgUnit === 'string' && units.has(orgUnit)) {
      w = { key, label: key, orgUnit, ...zero() };
      wins.set(key, w);
    }
    return w;
  };
  const total = zero();

  for (const e of escalations) {
    if (!inScope(e.orgUnit)) continue;
    total.openEscalations++;
    const u = unitOf(e.orgUnit);
    if (u) u.openEscalations++;
    const w = winOf(e.windowId, e.orgUnit);
    if (w) w.openEscalations++;
  }

  // cases per state, counted once per unit / window / overall
  const seen = new Map<string, Set<string>>();
  const mark = (scopeKey: string, state: CaseSetKey, caseNo: string): boolean => {
    const k = `${scopeKey}\u0000${state}`;
    let s = seen.get(k);
    if (!s) seen.set(k, (s = new Set()));
    if (s.has(caseNo)) return false;
    s.add(caseNo);
    return true;
  };
  const nowMs = now.getTime();
  const breachedCases = new Set<string>();
  const pendingWarned: { caseNo: string; u?: BoardUnit; w?: BoardWindow }[] = [];
  for (const c of clocks) {
    if (!inScope(c.orgUnit)) continue;
    const caseNo = String(c.caseNo ?? c._id);
    const u = unitOf(c.orgUnit);
    const w = winOf(c.windowId, c.orgUnit);
    if (c.kind === 'step') {
      total.openSteps++;
      if (u) u.openSteps++;
      if (w) w.openSteps++;
    }
    const states: CaseSetKey[] = CASE_KINDS.has(c.kind) ? ['openCases'] : [];
    const fired = Array.isArray(c.fired) ? c.fired : [];
    const due = c.dueAt ? new Date(c.dueAt).getTime() : undefined;
    const breached = fired.includes('breach') || fired.includes('serious') || (c.status === 'running' && due !== undefined && due <= nowMs);
    if (breached) states.push('breached');
    if (fired.includes('serious')) states.push('serious');
    if (!breached && fired.includes('warning')) pendingWarned.push({ caseNo, u, w });
    if (breached) {
      breachedCases.add(`*\u0000${caseNo}`);
      if (u) breachedCases.add(`u:${u.key}\u0000${caseNo}`);
      if (w) breachedCases.add(`w:${w.key}\u0000${caseNo}`);
    }
    for (const s of states) {
      if (mark('*', s, caseNo)) total[s]++;
      if (u && mark(`u:${u.key}`, s, caseNo)) u[s]++;
      if (w && mark(`w:${w.key}`, s, caseNo)) w[s]++;
    }
  }
  // warned: a warning fired and the case is not breached (in that unit / window)
  for (const p of pendingWarned) {
    if (!breachedCases.has(`*\u0000${p.caseNo}`) && mark('*', 'warned', p.caseNo)) total.warned++;
    if (p.u && !breachedCases.has(`u:${p.u.key}\u0000${p.caseNo}`) && mark(`u:${p.u.key}`, 'warned', p.caseNo)) p.u.warned++;
    if (p.w && !breachedCases.has(`w:${p.w.key}\u0000${p.caseNo}`) && mark(`w:${p.w.key}`, 'warned', p.caseNo)) p.w.warned++;
  }

  for (const w of wins.values()) {
    const u = units.get(w.orgUnit);
    if (!u) continue;
    const { orgUnit: _o, ...rest } = w;
    u.windows.push(rest);
  }
  const list = [...units.values()].sort((a, b) => a.seq - b.seq || (a.key < b.key ? -1 : 1));
  for (const u of list) u.windows.sort((a, b) => (a.no ?? 999) - (b.no ?? 999) || (a.key < b.key ? -1 : 1));
  return { at: now, orgUnit: scope, total, units: list, meta: { elapsedMs: 0, openClocks: 0 } };
}
