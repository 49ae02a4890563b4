/**
 * The diagram heat map (流程热力图) of one service item (or one definition): for each user-task
 * step of its diagram, how many tasks it had, how long they waited, how many are open now and
 * how many broke their step limit — drawn by the console on the item's BPMN diagram.
 *
 * ## Definitions
 * - tasks 任务数: tasks of the step (engine user tasks, not co-sign requests; cancelled ones left out).
 * - waiting time 等待时长: from the task's creation to its completion, or to now while it is
 *   open; in hours (elapsed, 3 decimals) and in working days (the working-day calendar: first day not
 *   counted, as the deadline clocks count). avg = mean, p90 = the nearest-rank 90th percentile.
 * - open 当前在办: tasks of the step open now.
 * - breaches 超期: tasks of the step whose step clock fired its breach signal (`signals`, rung
 *   breach, clock `step:<taskId>`).
 * - heatWait 0–5: ceil(5 × mean wait / the largest mean wait of the map); heatBreach 0–5:
 *   ceil(5 × breaches / the largest breaches of the map); 0 for a step with no task / no breach.
 *
 * ## Period and scope (统计区间与范围)
 * The map covers the tasks created in a period — by default the 30 days up to today (Beijing
 * time), at most 366 days — plus every task of the path still open now, whenever it was
 * created (the oldest waits are what a supervisor chases). A town's centre sees its own
 * centre's tasks; the city office and supervisors every centre, or one (`orgUnit`).
 *
 * ## Queries (cost bounded by the period's work, never by the years stored)
 * The period's tasks of the definition (index `definitionKey, createdAt`), the open tasks of the
 * definition (index `definitionKey, status`: work in progress), then — for those tasks only — the
 * cases of the item (when an item is given: several items share one path-pattern diagram), by
 * `_id` in chunks, and the tasks' breach signals, by `_id` (`step:<taskId>:breach`) in chunks, two
 * chunks at a time. Before, the map read every task of the definition and every breach signal
 * ever raised: at 100,000 stored cases that is hundreds of thousands of documents per view; then
 * every breach signal of the tasks' cases (their case clocks' too), one chunk after another.
 */
import { ValidationError, NotFoundError } from '../domain/errors';
import { CST_OFFSET_MS } from '../calendar/cst';
import type { HeatmapOf, HeatStep } from '../../common/supervision';
import type { Models } from '../persistence/models';
import type { WorkingCalendar } from '../calendar/working-calendar';
import { WorkingDayCounter } from './working-day-counter';

// the heat map's shape is the console's contract with the browser (common/supervision.ts)
export type { HeatStep };
export type Heatmap = HeatmapOf<Date>;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Longest period a heat map covers (a year and a day: a leap year's whole year). */
export const HEATMAP_MAX_DAYS = 366;
/** The period when none is given: the 30 days up to today. */
export const HEATMAP_DEFAULT_DAYS = 30;
const DAY = 86_400_000;
const CHUNK = 500;

/** `read` over `ids` in chunks of CHUNK, two chunks at a time (the machine's two cores). */
async function inChunks<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += CHUNK) chunks.push(ids.slice(i, i + CHUNK));
  const out: T[][] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++;
      out[i] = await read(chunks[i]);
    }
  };
  await Promise.all([worker(), worker()]);
  return out.flat();
}

export async function computeHeatmap(
  models: Models,
  calendar: WorkingCalendar,
  opts: { itemCode?: string; definitionKey?: string; now?: Date; from?: Date; to?: Date; orgUnit?: string },
): Promise<Heatmap> {
  const now = opts.now ?? new Date();
  // default: the 30 Beijing days up to and including today
  const endOfToday = new Date(Math.floor((now.getTime() + CST_OFFSET_MS) / DAY) * DAY + DAY - CST_OFFSET_MS);
  const to = opts.to ?? endOfToday;
  const from = opts.from ?? new Date(to.getTime() - HEATMAP_DEFAULT_DAYS * DAY);
  if (to.getTime() <= from.getTime()) throw new ValidationError('INVALID_PERIOD', 'the period ends before it starts');
  if (to.getTime() - from.getTime() > HEATMAP_MAX_DAYS * DAY) {
    throw new ValidationError('PERIOD_TOO_LONG', `a heat map covers at most ${HEATMAP_MAX_DAYS} days; choose a shorter period (from/to)`);
  }
  let definitionKey = opts.definitionKey;
  let itemName: string | undefined;
  if (opts.itemCode) {
    const item = await models.ServiceItem.findById(opts.itemCode, { _id: 1, name: 1, procedure: 1 }).lean();
    if (!item) throw new NotFoundError('ITEM_NOT_FOUND', `service item ${opts.itemCode} does not exist`);
    itemName = (item as any).name;
    definitionKey = (item as any).procedure;
  }
  if (!definitionKey) throw new ValidationError('ITEM_OR_DEFINITION_REQUIRED', 'name an item (itemCode) or a definition (definitionKey)');

  const fields = { _id: 1, elementId: 1, name: 1, status: 1, createdAt: 1, completedAt: 1, caseNo: 1, kind: 1, orgUnit: 1 };
  const unit = opts.orgUnit ? { orgUnit: opts.orgUnit } : {};
  // (the open tasks are asked for without `createdAt < from`: with it the planner took the
  // definitionKey_1_createdAt_1 index and read the path's whole history — indexes.test.ts)
  const [inPeriod, openNow] = await Promise.all([
    models.Task.find({ definitionKey, createdAt: { $gte: from, $lt: to }, ...unit }, fields).lean(),
    models.Task.find({ definitionKey, status: 'open', ...unit }, fields).lean(),
  ]);
  const byId = new Map<string, any>();
  for (const t of [...inPeriod, ...openNow] as any[]) byId.set(String(t._id), t);
  let tasks = [...byId.values()];
  const caseNos = [...new Set(tasks.map((t) => t.caseNo).filter((c): c is string => typeof c === 'string'))];
  if (opts.itemCode) {
    const ofItem = await inChunks(caseNos, (chunk) => models.ServiceCase.find({ _id: { $in: chunk }, itemCode: opts.itemCode }, { _id: 1 }).lean() as Promise<any[]>);
    const keep = new Set(ofItem.map((c) => String(c._id)));
    tasks = tasks.filter((t) => keep.has(String(t.caseNo)));
  }
  // a step's breach is the signal `step:<taskId>:breach` (supervision-service.ts names a signal `<clockId>:<rung>`):
  // read by `_id`, only the tasks' own — not every breach signal of their cases
  const signals = await inChunks(
    tasks.filter((t) => t.kind !== 'cosign' && t.status !== 'cancelled').map((t) => `step:${t._id}:breach`),
    (chunk) => models.Signal.find({ _id: { $in: chunk } }, { _id: 1, clockId: 1 }).lean() as Promise<any[]>,
  );
  const breachedTasks = new Set<string>();
  for (const s of signals as any[]) if (typeof s.clockId === 'string' && s.clockId.startsWith('step:')) breachedTasks.add(s.clockId.slice(5));

  const counter = new WorkingDayCounter(calendar);
  const nowMs = now.getTime();
  const by = new Map<string, { name: string; tasks: number; completed: number; open: number; breaches: number; hours: number[]; days: number[] }>();
  const cases = new Set<string>();
  for (const t of tasks as any[]) {
    if (t.kind === 'cosign' || t.status === 'cancelled') continue;
    let s = by.get(t.elementId);
    if (!s) by.set(t.elementId, (s = { name: t.name ?? t.elementId, tasks: 0, completed: 0, open: 0, breaches: 0, hours: [], days: [] }));
    s.tasks++;
    if (t.caseNo) cases.add(String(t.caseNo));
    const from = t.createdAt ? new Date(t.createdAt).getTime() : undefined;
    let to: number | undefined;
    if (t.status === 'completed') {
      s.completed++;
      to = t.completedAt ? new Date(t.completedAt).getTime() : undefined;
    } else if (t.status === 'open') {
      s.open++;
      to = nowMs;
    }
    if (from !== undefined && to !== undefined && to >= from) {
      s.hours.push((to - from) / 3_600_000);
      s.days.push(counter.used(from, to).days);
    }
    if (breachedTasks.has(String(t._id))) s.breaches++;
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const rawMean = new Map<string, number>();
  const steps: HeatStep[] = [...by.entries()].map(([elementId, s]) => {
    if (s.hours.length) rawMean.set(elementId, s.hours.reduce((a, b) => a + b, 0) / s.hours.length);
    const hours = [...s.hours].sort((a, b) => a - b);
    const days = [...s.days].sort((a, b) => a - b);
    const mean = (xs: number[], round: (x: number) => number) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
    const p90h = percentile(hours, 90);
    const p90d = percentile(days, 90);
    return {
      elementId,
      name: s.name,
      tasks: s.tasks,
      completed: s.completed,
      open: s.open,
      breaches: s.breaches,
      avgHours: mean(hours, r3),
      p90Hours: p90h === null ? null : r3(p90h),
      avgWorkingDays: mean(days, r2),
      p90WorkingDays: p90d,
      heatWait: 0,
      heatBreach: 0,
    };
  });
  const maxWait = Math.max(0, ...rawMean.values());
  const maxBreach = Math.max(0, ...steps.map((s) => s.breaches));
  for (const s of steps) {
    const w = rawMean.get(s.elementId) ?? 0;
    s.heatWait = maxWait > 0 && w > 0 ? Math.min(5, Math.max(1, Math.ceil((5 * w) / maxWait))) : 0;
    s.heatBreach = maxBreach > 0 && s.breaches ? Math.min(5, Math.max(1, Math.ceil((5 * s.breaches) / maxBreach))) : 0;
  }
  steps.sort((a, b) => (a.elementId < b.elementId ? -1 : 1));
  return {
    from,
    to,
    orgUnit: opts.orgUnit,
    itemCode: opts.itemCode,
    itemName,
    definitionKey,
    at: now,
    steps,
    totals: { tasks: steps.reduce((a, s) => a + s.tasks, 0), open: steps.reduce((a, s) => a + s.open, 0), breaches: steps.reduce((a, s) => a + s.breaches, 0), cases: cases.size },
  };
}
