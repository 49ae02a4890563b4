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
 * The database counts; the board never reads a clock document. Two aggregations per computation,
 * on indexed fields (status, and the org unit for a town's board), both explained by
 * engine/persistence/__tests__/indexes.test.ts:
 * - the clocks that have not stopped (the open work, not the history): each clock is reduced to
 *   its flags (case clock, step clock, breached, serious, warned), grouped by (case, unit, window),
 *   then — in one $facet — by (case, unit), (case, window) and case, so a case with several
 *   clocks in one unit or window counts once there, and finally summed per unit, per window and
 *   overall. What comes back is one row per unit and window, however many clocks are open.
 * - the escalations not closed, counted per (unit, window).
 * The breach "running past its due time" is evaluated against the request's `now` inside the
 * pipeline. Cost: grows with the open clocks (read on the server), never with stored history;
 * ~N rows cross the wire where N is the number of units and windows. Org units and windows
 * (small) are cached for a minute. This is how a workflow engine's cockpit counts its runtime
 * (Camunda's statistics are SQL GROUP BYs over the runtime tables, not over history).
 */
import type { BoardCounts, BoardOf, BoardUnit, BoardWindow } from '../../common/supervision';
import type { Models } from '../persistence/models';

// the board's shape is the console's contract with the browser (common/supervision.ts)
export type { BoardCounts, BoardUnit, BoardWindow };
export type Board = BoardOf<Date>;


const CASE_KINDS = ['statutory', 'promised', 'examination'];
/** The clocks the board counts (reply clocks of supervision notices are not work on a case). */
const BOARD_KINDS = ['statutory', 'promised', 'examination', 'step'];
/** Escalation states before `closed`. */
export const OPEN_ESCALATION_STATES = ['open', 'acknowledged', 'notified', 'replied'];

const zero = (): BoardCounts => ({ openCases: 0, openSteps: 0, warned: 0, breached: 0, serious: 0, openEscalations: 0 });

/** One row of a clock count: a unit, a window or everything (key null). */
export interface ClockCountRow {
  _id: string | null;
  /** the org unit of the window (of one of its clocks), for a window not in the lookups */
  u?: string | null;
  clocks: number;
  openCases: number;
  openSteps: number;
  breached: number;
  serious: number;
  warned: number;
}
export interface ClockCounts { units: ClockCountRow[]; windows: ClockCountRow[]; total: ClockCountRow[] }

const fired = { $ifNull: ['$fired', []] };
const hasFired = (rung: string) => ({ $in: [rung, fired] });

/**
 * The board's clock counts as one aggregation (see the header): the open clocks of the scope,
 * reduced to flags per clock, merged per (case, unit, window), then counted per unit, window and
 * overall with each case once. `now` decides "running past its due time".
 */
export function boardClockPipeline(scope: string | undefined, now: Date): Record<string, unknown>[] {
  const breached = {
    $or: [
      hasFired('breach'),
      hasFired('serious'),
      { $and: [{ $eq: ['$status', 'running'] }, { $eq: [{ $type: '$dueAt' }, 'date'] }, { $lte: ['$dueAt', now] }] },
    ],
  };
  const flags = { n: { $sum: '$n' }, o: { $max: '$o' }, s: { $sum: '$s' }, b: { $max: '$b' }, x: { $max: '$x' }, g: { $max: '$g' } };
  /** merge a case's rows under `key`, then count the cases per `outKey` */
  const perCase = (key: unknown, outKey: unknown, notNull?: string) => [
    ...(notNull ? [{ $match: { [notNull]: { $ne: null } } }] : []),
    { $group: { _id: key, u: { $first: '$_id.u' }, ...flags } },
    {
      $group: {
        _id: outKey,
        u: { $first: '$u' },
        clocks: { $sum: '$n' },
        openCases: { $sum: '$o' },
        openSteps: { $sum: '$s' },
        breached: { $sum: '$b' },
        serious: { $sum: '$x' },
        // warned: a warning fired on a clock that is not breached, and the case is not breached there
        warned: { $sum: { $cond: [{ $and: [{ $eq: ['$g', 1] }, { $eq: ['$b', 0] }] }, 1, 0] } },
      },
    },
  ];
  return [
    { $match: { status: { $in: ['running', 'paused'] }, kind: { $in: BOARD_KINDS }, ...(scope ? { orgUnit: scope } : {}) } },
    {
      $project: {
        _id: 0,
        c: { $ifNull: ['$caseNo', '$_id'] },
        u: { $ifNull: ['$orgUnit', null] },
        w: { $ifNull: ['$windowId', null] },
        o: { $cond: [{ $in: ['$kind', CASE_KINDS] }, 1, 0] },
        s: { $cond: [{ $eq: ['$kind', 'step'] }, 1, 0] },
        b: { $cond: [breached, 1, 0] },
        x: { $cond: [hasFired('serious'), 1, 0] },
        g: { $cond: [{ $and: [hasFired('warning'), { $not: [breached] }] }, 1, 0] },
      },
    },
    { $group: { _id: { c: '$c', u: '$u', w: '$w' }, ...flags, n: { $sum: 1 } } },
    {
      $facet: {
        units: perCase({ c: '$_id.c', u: '$_id.u' }, '$_id.u', '_id.u'),
        windows: perCase({ c: '$_id.c', w: '$_id.w' }, '$_id.w', '_id.w'),
        total: perCase('$_id.c', null),
      },
    },
  ];
}

/** Open escalations counted per (unit, window). */
export function boardEscalationPipeline(scope: string | undefined): Record<string, unknown>[] {
  return [
    { $match: { status: { $in: OPEN_ESCALATION_STATES }, ...(scope ? { orgUnit: scope } : {}) } },
    { $group: { _id: { u: { $ifNull: ['$orgUnit', null] }, w: { $ifNull: ['$windowId', null] } }, n: { $sum: 1 } } },
  ];
}

interface Lookups { orgs: any[]; windows: any[] }
interface EscalationCount { _id: { u: string | null; w: string | null }; n: number }

/** Source of the board for one process: caches the org units and windows (they change rarely). */
export class BoardSource {
  private lookups?: { at: number; value: Promise<Lookups> };

  constructor(private readonly models: Models) {}

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

  async board(opts: { orgUnit?: string; now?: Date } = {}): Promise<Board> {
    const started = Date.now();
    const { models } = this;
    const now = opts.now ?? new Date();
    const [lookups, escalations, clockFacets] = await Promise.all([
      this.cachedLookups(),
      models.Escalation.aggregate(boardEscalationPipeline(opts.orgUnit) as any[]) as unknown as Promise<EscalationCount[]>,
      models.Clock.aggregate(boardClockPipeline(opts.orgUnit, now) as any[]) as unknown as Promise<ClockCounts[]>,
    ]);
    const counts: ClockCounts = clockFacets[0] ?? { units: [], windows: [], total: [] };
    const b = assemble(lookups, escalations, counts, opts.orgUnit, now);
    b.meta = { elapsedMs: Date.now() - started, openClocks: counts.total[0]?.clocks ?? 0 };
    return b;
  }
}

const COUNTED: ('openCases' | 'openSteps' | 'warned' | 'breached' | 'serious')[] = ['openCases', 'openSteps', 'warned', 'breached', 'serious'];

/** Places the database's counts on the units and windows of the lookups (scoped to one unit or all). */
function assemble(lookups: Lookups, escalations: EscalationCount[], counts: ClockCounts, scope: string | undefined, now: Date): Board {
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
  // a unit the lookups do not know (deleted since) is shown on the city-wide board under its key
  const unitOf = (key: unknown): BoardUnit | undefined => {
    if (typeof key !== 'string' || !key) return undefined;
    let u = units.get(key);
    if (!u && !scope) {
      u = { key, label: key, level: 'town', seq: 999, ...zero(), windows: [] };
      units.set(key, u);
    }
    return u;
  };
  // a window the lookups do not know (closed since) is shown under its unit's board, by its key
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
    if (!inScope(e._id.u)) continue;
    total.openEscalations += e.n;
    const u = unitOf(e._id.u);
    if (u) u.openEscalations += e.n;
    const w = winOf(e._id.w, e._id.u);
    if (w) w.openEscalations += e.n;
  }
  const add = (to: BoardCounts, row: ClockCountRow) => {
    for (const k of COUNTED) to[k] += row[k] ?? 0;
  };
  for (const row of counts.total) add(total, row);
  for (const row of counts.units) {
    const u = unitOf(row._id);
    if (u) add(u, row);
  }
  for (const row of counts.windows) {
    const w = winOf(row._id, row.u);
    if (w) add(w, row);
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
