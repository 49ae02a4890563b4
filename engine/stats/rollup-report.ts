/**
 * The report read from the rollups (rollups.ts): the day, month and year buckets of the report's
 * centres over its period, summed with the same accumulation as the scan (`mergeAcc`), so both
 * answer alike (test/features/stats-rollups.test.ts compares every dimension).
 */
import type { Db } from 'mongodb';
import { mergeAcc, newAcc, type Acc, type Doc } from './accumulator';
import { cstIso, cstStartOfDay } from './period';
import { readLookups, sortRows, toRow } from './report-rows';
import type { StatsComputed, StatsDimension, StatsFilter, StatsReport } from './report-types';
import { bucketFields, daysOfMonth, type Bucket, type RowDimension, type StatsRollups } from './rollups';

/** Changed cases a report brings into the rollups before it reads them (the worker refreshes the rest). */
export const REPORT_REFRESH_LIMIT = 2000;

/**
 * The report from the day rollups, or undefined when they cannot answer it (a window,
 * department, item or person filter, or a period that does not start and end at CST midnight).
 */
export async function rollupReport(db: Db, r: StatsRollups, dimension: StatsDimension, filter: StatsFilter, now: Date, started: number): Promise<StatsComputed | undefined> {
  if (filter.windowId || filter.department || filter.itemCode || filter.responsible) return undefined;
  const dayOf = (d: Date) => cstIso(d.getTime()).slice(0, 10);
  const midnight = (d?: Date) => !d || cstStartOfDay(dayOf(d)).getTime() === d.getTime();
  if (!midnight(filter.from) || !midnight(filter.to)) return undefined;
  // whole months from the month buckets, the days around them (and every day for a report by day) from the day buckets
  const nextDay = (d: string) => dayOf(new Date(cstStartOfDay(d).getTime() + 36 * 3600_000));
  const units = filter.orgUnit ? [filter.orgUnit] : (await db.collection<Doc>('org_units').find({}, { projection: { _id: 1 } }).toArray()).map((u) => String(u._id));
  // read-your-writes for the buckets this report reads (its centres and days), at most
  // REPORT_REFRESH_LIMIT changed cases: after a bulk import the worker catches up on the rest,
  // and the report says how many changes it does not count yet (meta.pendingChanges)
  const refreshed = await r.refreshDirty(REPORT_REFRESH_LIMIT, { units, fromDay: filter.from ? dayOf(filter.from) : undefined, toDay: filter.to ? dayOf(new Date(filter.to.getTime() - 1)) : undefined });
  const pendingChanges = refreshed < REPORT_REFRESH_LIMIT ? 0 : await r.pendingCount({ units, fromDay: filter.from ? dayOf(filter.from) : undefined, toDay: filter.to ? dayOf(new Date(filter.to.getTime() - 1)) : undefined });
  // no end: nothing is received after now, so the current year (month for a report by month) can be read whole
  const today = dayOf(now);
  const lastDay = filter.to ? dayOf(new Date(filter.to.getTime() - 1)) : dimension === 'day' ? today : dimension === 'month' ? daysOfMonth(today.slice(0, 7)).pop()! : `${today.slice(0, 4)}-12-31`;
  let buckets: Bucket[] = [];
  // no start: from the first day any case was received (kept by the rollups)
  const first = filter.from ? undefined : await r.firstDay();
  const firstDay = filter.from ? dayOf(filter.from) : first ? (dimension === 'day' ? first : dimension === 'month' ? `${first.slice(0, 7)}-01` : `${first.slice(0, 4)}-01-01`) : undefined;
  if (firstDay) {
    const days: string[] = [];
    const months: string[] = [];
    const years: string[] = [];
    for (let d = firstDay; d <= lastDay; ) {
      const monthEnd = daysOfMonth(d.slice(0, 7)).pop()!;
      const yearEnd = `${d.slice(0, 4)}-12-31`;
      if (dimension !== 'day' && dimension !== 'month' && d.endsWith('-01-01') && yearEnd <= lastDay) {
        years.push(d.slice(0, 4));
        d = nextDay(yearEnd);
      } else if (dimension !== 'day' && d.endsWith('-01') && monthEnd <= lastDay) {
        months.push(d.slice(0, 7));
        d = nextDay(monthEnd);
      } else {
        days.push(d);
        d = nextDay(d);
      }
    }
    // only the parts the dimension reads; a report by day reads its days as one range per centre
    const rowDim = dimension === 'window' || dimension === 'department' || dimension === 'item' || dimension === 'person' ? dimension : undefined;
    const fields = bucketFields(rowDim);
    const [ys, ms, ds] = await Promise.all([
      r.readYears(units, years, fields),
      r.readMonths(units, months, fields),
      dimension === 'day' ? r.readDays(units, firstDay, lastDay, fields) : r.read(units, days, fields),
    ]);
    buckets.push(...ys, ...ms, ...ds);
  }
  const groups = new Map<string, Acc>();
  const total = newAcc('all');
  const rowKey = (b: Bucket): string | undefined =>
    dimension === 'town' ? b.orgUnit : dimension === 'year' ? b.day.slice(0, 4) : dimension === 'month' ? b.day.slice(0, 7) : dimension === 'day' ? b.day : dimension === 'all' ? 'all' : undefined;
  const row = (key: string, orgUnit: string) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = newAcc(key)));
    if (g.orgUnit === undefined) g.orgUnit = orgUnit;
    return g;
  };
  const nowMs = now.getTime();
  let estimated = 0;
  let cases = 0;
  const names = new Map<string, string>();
  for (const b of buckets) {
    cases += b.cases;
    estimated += b.estimated;
    mergeAcc(total, b.all);
    for (const n of b.itemNames) names.set(n.code, n.name);
    const k = rowKey(b);
    if (k !== undefined) mergeAcc(row(k, b.orgUnit), b.all);
    else for (const a of b.rows[dimension as RowDimension] ?? []) mergeAcc(row(a.key, b.orgUnit), a);
    // events that name no case, counted where the scan counts them (see looseRow): total only
    // for 'all', by the event's centre or day for town and periods, by its window or person
    if (dimension === 'all') mergeAcc(total, b.loose.all);
    else if (k !== undefined) {
      mergeAcc(total, b.loose.all);
      mergeAcc(row(k, b.orgUnit), b.loose.all);
    } else if (dimension === 'window' || dimension === 'person') {
      for (const a of b.loose[dimension]) {
        mergeAcc(total, a);
        mergeAcc(row(a.key, b.orgUnit), a);
      }
    }
    for (const e of b.due) {
      if (e.at >= nowMs) continue;
      total[e.kind].overdueNow++;
      const rk = k ?? (dimension === 'window' ? e.w : dimension === 'department' ? e.d : dimension === 'item' ? e.i : e.p);
      if (rk !== undefined) row(rk, b.orgUnit)[e.kind].overdueNow++;
    }
  }
  if (dimension === 'item') for (const g of groups.values()) g.labelHint = names.get(g.key);
  const list = [...groups.values()];
  const lookups = await readLookups(db, dimension === 'person' ? 'all' : dimension, []);
  if (dimension === 'person' && list.length) lookups.people = (await readLookups(db, 'person', list.map((g) => g.key))).people;
  const rows = list.map((g) => toRow(g, dimension, lookups));
  sortRows(rows, dimension, lookups);
  const report: StatsReport = {
    dimension,
    filter: { ...filter },
    now,
    rows,
    total: toRow(total, 'all', lookups),
    meta: { casesScanned: cases, clocksMatched: 0, estimatedHandlingTimes: estimated, elapsedMs: Date.now() - started, source: 'rollup', bucketsRead: buckets.length, ...(pendingChanges ? { pendingChanges } : {}) },
  };
  return { report, lookups };
}
