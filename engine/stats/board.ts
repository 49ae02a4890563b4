/**
 * The supervisors' live board (实时看板): for the city centre and every town, and for each of
 * their windows, what is open now and how late it is.
 *
 * ## Counts (all "now")
 * - openCases 在办件: service cases with status accepting / awaiting-supplement / in-progress,
 *   by the case's org unit and receiving window.
 * - openSteps 在办环节: tasks with status open (engine steps and co-sign requests), by the task's
 *   org unit and window.
 * - warned 预警 / breached 超期 / serious 严重超期: CASES (counted once per unit or window) with
 *   a not-yet-stopped statutory, promised or step clock in that state, placed by the clock's org
 *   unit and window (a step clock belongs to the step's unit — the city for a report-up step).
 *   breached = the clock fired its breach rung, or it is running past its due time (so the board
 *   shows a breach the instant it happens, before the signal job runs); serious = the serious
 *   rung fired; warned = the warning rung fired and the clock is not breached.
 * - openEscalations 未办结督办: escalations not closed, by their org unit and window.
 *
 * ## Queries (FerretDB 1.24 subset)
 * Six plain `find`s with a filter and a projection — org units, windows, open cases, open
 * tasks, clocks not stopped, escalations not closed — counted here in one pass each. No
 * `$lookup`, `$facet` or `$group`; the sets read are the open ones, which stay small while the
 * history grows.
 */
import type { Models } from '../persistence/models';

export interface BoardCounts {
  openCases: number;
  openSteps: number;
  warned: number;
  breached: number;
  serious: number;
  openEscalations: number;
}

export interface BoardWindow extends BoardCounts {
  key: string;
  no?: number;
  label: string;
}

export interface BoardUnit extends BoardCounts {
  key: string;
  label: string;
  level: string;
  seq: number;
  windows: BoardWindow[];
}

export interface Board {
  /** When the board was computed. */
  at: Date;
  /** The org unit the board is limited to (a town manager sees his own), or undefined for all. */
  orgUnit?: string;
  total: BoardCounts;
  units: BoardUnit[];
  meta: { elapsedMs: number };
}

const OPEN_CASE = ['accepting', 'awaiting-supplement', 'in-progress'];
const CLOCK_KINDS = ['statutory', 'promised', 'step'];

const zero = (): BoardCounts => ({ openCases: 0, openSteps: 0, warned: 0, breached: 0, serious: 0, openEscalations: 0 });

type CaseSetKey = 'warned' | 'breached' | 'serious';

/** Computes the board; `orgUnit` limits it to one unit (its windows and its own counts). */
export async function computeBoard(models: Models, opts: { orgUnit?: string; now?: Date } = {}): Promise<Board> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const scope = opts.orgUnit;
  const inScope = <T extends Record<string, unknown>>(q: T): T => (scope ? { ...q, orgUnit: scope } : q);
  const [orgs, windows, cases, tasks, clocks, escalations] = await Promise.all([
    models.OrgUnit.find(scope ? { _id: scope } : {}, { _id: 1, shortName: 1, seq: 1, level: 1 }).lean(),
    models.Window.find(inScope({}), { _id: 1, orgUnit: 1, no: 1, name: 1, status: 1 }).lean(),
    models.ServiceCase.find(inScope({ status: { $in: OPEN_CASE } }), { _id: 1, orgUnit: 1, receivingWindow: 1 }).lean(),
    models.Task.find(inScope({ status: 'open' }), { _id: 1, orgUnit: 1, windowId: 1 }).lean(),
    models.Clock.find(inScope({ status: { $in: ['running', 'paused'] }, kind: { $in: CLOCK_KINDS } }), { _id: 1, caseNo: 1, orgUnit: 1, windowId: 1, fired: 1, dueAt: 1, status: 1 }).lean(),
    models.Escalation.find(inScope({ status: { $ne: 'closed' } }), { _id: 1, orgUnit: 1, windowId: 1 }).lean(),
  ]);

  const units = new Map<string, BoardUnit>();
  for (const o of orgs as any[]) units.set(String(o._id), { key: String(o._id), label: o.shortName ?? String(o._id), level: o.level ?? 'town', seq: typeof o.seq === 'number' ? o.seq : 99, ...zero(), windows: [] });
  const wins = new Map<string, BoardWindow & { orgUnit: string }>();
  for (const w of windows as any[]) {
    if ((w.status ?? 'active') !== 'active') continue;
    wins.set(String(w._id), { key: String(w._id), no: w.no, label: w.name ?? String(w._id), orgUnit: String(w.orgUnit), ...zero() });
  }
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

  for (const c of cases as any[]) {
    total.openCases++;
    const u = unitOf(c.orgUnit);
    if (u) u.openCases++;
    const w = winOf(c.receivingWindow, c.orgUnit);
    if (w) w.openCases++;
  }
  for (const t of tasks as any[]) {
    total.openSteps++;
    const u = unitOf(t.orgUnit);
    if (u) u.openSteps++;
    const w = winOf(t.windowId, t.orgUnit);
    if (w) w.openSteps++;
  }
  for (const e of escalations as any[]) {
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
  for (const c of clocks as any[]) {
    const fired: string[] = Array.isArray(c.fired) ? c.fired : [];
    const due = c.dueAt ? new Date(c.dueAt).getTime() : undefined;
    const breached = fired.includes('breach') || fired.includes('serious') || (c.status === 'running' && due !== undefined && due <= nowMs);
    const states: CaseSetKey[] = [];
    if (breached) states.push('breached');
    else if (fired.includes('warning')) states.push('warned');
    if (fired.includes('serious')) states.push('serious');
    if (!states.length) continue;
    const caseNo = String(c.caseNo ?? c._id);
    const u = unitOf(c.orgUnit);
    const w = winOf(c.windowId, c.orgUnit);
    for (const s of states) {
      if (mark('*', s, caseNo)) total[s]++;
      if (u && mark(`u:${u.key}`, s, caseNo)) u[s]++;
      if (w && mark(`w:${w.key}`, s, caseNo)) w[s]++;
    }
  }
  // a case both warned (one clock) and breached (another) counts as breached only
  for (const [k, set] of seen) {
    if (!k.endsWith('\u0000warned')) continue;
    const scopeKey = k.slice(0, k.indexOf('\u0000'));
    const br = seen.get(`${scopeKey}\u0000breached`);
    if (!br) continue;
    let overlap = 0;
    for (const c of set) if (br.has(c)) overlap++;
    if (!overlap) continue;
    if (scopeKey === '*') total.warned -= overlap;
    else if (scopeKey.startsWith('u:')) units.get(scopeKey.slice(2))!.warned -= overlap;
    else wins.get(scopeKey.slice(2))!.warned -= overlap;
  }

  for (const w of wins.values()) {
    const u = units.get(w.orgUnit);
    if (!u) continue;
    const { orgUnit: _o, ...rest } = w;
    u.windows.push(rest);
  }
  const list = [...units.values()].sort((a, b) => a.seq - b.seq || (a.key < b.key ? -1 : 1));
  for (const u of list) u.windows.sort((a, b) => (a.no ?? 999) - (b.no ?? 999) || (a.key < b.key ? -1 : 1));
  return { at: now, orgUnit: scope, total, units: list, meta: { elapsedMs: Date.now() - started } };
}
