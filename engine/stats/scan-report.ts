/**
 * The report read from the sources (`source: 'scan'`, and every report the rollups cannot answer):
 * the cases of the cohort and their clocks, escalations, complaints, violations and ratings.
 *
 * ## Why everything is aggregated here and not in the database
 *
 * The report is a few streamed `find`s with a filter and a projection (cursors with large
 * batches: a million cases never sit in memory as documents), aggregated in Node in one pass
 * over each collection with the same accumulation the rollups use (`addClock`, `mergeAcc`), so
 * a report from the rollups and one from the cases agree to the case. The cases, clocks,
 * escalations, complaints and ratings are read concurrently and joined by case number through a
 * case → row index (~80 MB for a million cases); an event read before its case waits in a
 * bounded buffer. (The first embedded database, FerretDB 1.24, had no `$lookup`, `$facet` or
 * `$cond` and decoded every document of a scan; FerretDB 2 serves them, but moving the
 * accumulation into a pipeline would give the rollups and the reports two definitions.) The
 * period filters are served by the indexes declared with the models
 * (engine/persistence/__tests__/indexes.test.ts).
 */
import type { Db, Filter } from 'mongodb';
import type { WorkingDayCounter } from './working-day-counter';
import { addClock, newAcc, OPEN_STATUSES, type Acc, type Doc } from './accumulator';
import { periodKey } from './period';
import { readLookups, sortRows, toRow } from './report-rows';
import type { StatsComputed, StatsDimension, StatsFilter, StatsReport } from './report-types';

/** Group key of a case (or an event) for a dimension; undefined = cannot be placed. */
type KeyFn = (doc: Doc, at: number | undefined) => string | undefined;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const ms = (v: unknown): number | undefined => (v instanceof Date ? v.getTime() : undefined);

export interface ScanOptions {
  /** Cursor batch size (documents per round trip). */
  batchSize: number;
  /** Events read ahead of their case that may wait in memory before their readers pause. */
  pendingLimit: number;
}

/**
 * The report of `dimension` over `filter` by one streamed pass over each collection, joined by
 * case number (see the header). `started`: when the request began (for `meta.elapsedMs`).
 */
export async function scanReport(db: Db, counter: WorkingDayCounter, dimension: StatsDimension, filter: StatsFilter, now: Date, started: number, opts: ScanOptions): Promise<StatsComputed> {
  const nowMs = now.getTime();
  const groups: Acc[] = [];
  const index = new Map<string, number>();
  const total = newAcc('all');
  const rowOf = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      i = groups.length;
      groups.push(newAcc(key));
      index.set(key, i);
    }
    return i;
  };

  // 1. cases (the cohort): case number → row
  const caseKey: KeyFn = caseKeyFn(dimension);
  const caseRow = new Map<string, number>();
  const caseQuery: Filter<Doc> = { status: { $ne: 'void' } };
  if (filter.from || filter.to) caseQuery.receivedAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
  if (filter.orgUnit) caseQuery.orgUnit = filter.orgUnit;
  if (filter.windowId) caseQuery.receivingWindow = filter.windowId;
  if (filter.department) caseQuery.department = filter.department;
  if (filter.itemCode) caseQuery.itemCode = filter.itemCode;
  if (filter.responsible) caseQuery.responsible = filter.responsible;
  let casesScanned = 0;

  // The other collections are read AT THE SAME TIME as the cases (the reads overlap on the
  // server's cores: two in parallel take about half the time).
  // An event whose case has not been read yet waits in `pending` until it is; when more than
  // `pendingLimit` wait, their readers pause until the case scan ends (bounded memory). Once
  // the cases are all read, an event of an unknown case is simply not in the report.
  let casesDone = false;
  let markCasesDone!: () => void;
  const casesDonePromise = new Promise<void>((resolve) => (markCasesDone = resolve));
  const pending = new Map<string, Array<(row: number) => void>>();
  let pendingCount = 0;
  /** Applies `apply` to the row of `caseNo` now or once the case is read; true = the caller should wait. */
  const join = (caseNo: string, apply: (row: number) => void): boolean => {
    const i = caseRow.get(caseNo);
    if (i !== undefined) {
      apply(i);
      return false;
    }
    if (casesDone) return false;
    const list = pending.get(caseNo);
    if (list) list.push(apply);
    else pending.set(caseNo, [apply]);
    return ++pendingCount > opts.pendingLimit;
  };
  const casePass = async () => {
    try {
      const cases = db.collection<Doc>('service_cases').find(caseQuery, {
        projection: { _id: 1, itemCode: 1, itemName: 1, department: 1, orgUnit: 1, receivingWindow: 1, responsible: 1, category: 1, status: 1, receivedAt: 1 },
        batchSize: opts.batchSize,
      });
      for await (const c of cases) {
        casesScanned++;
        const i = rowOf(caseKey(c, ms(c.receivedAt)) ?? '(none)');
        const g = groups[i];
        if (g.orgUnit === undefined && typeof c.orgUnit === 'string') g.orgUnit = c.orgUnit;
        if (g.labelHint === undefined && dimension === 'item' && typeof c.itemName === 'string') g.labelHint = c.itemName;
        const caseNo = String(c._id);
        caseRow.set(caseNo, i);
        for (const a of [g, total]) {
          a.received++;
          if (c.status === 'completed') a.completed++;
          else if (c.status === 'rejected') a.rejected++;
          else if (OPEN_STATUSES.has(c.status)) a.open++;
          if (c.category === 'supplement') a.supplement++;
        }
        const waiting = pending.get(caseNo);
        if (waiting) {
          pending.delete(caseNo);
          pendingCount -= waiting.length;
          for (const apply of waiting) apply(i);
        }
      }
    } finally {
      casesDone = true;
      pending.clear();
      pendingCount = 0;
      markCasesDone();
    }
  };

  // 2. clocks, escalations, complaints, ratings — read with the cases; each joins on the case number
  const fromMs = filter.from?.getTime();
  const toMs = filter.to?.getTime();
  const inPeriod = (at: number | undefined) => at !== undefined && (fromMs === undefined || at >= fromMs) && (toMs === undefined || at < toMs);
  const sinceFrom = (field: string): Filter<Doc> => (filter.from ? { [field]: { $gte: filter.from } } : {});
  const looseAllowed = !filter.department && !filter.itemCode && dimension !== 'department' && dimension !== 'item';
  /** The row of an event that names no case, or undefined when it cannot be placed. */
  const looseRow = (doc: Doc, at: number | undefined, fields: { orgUnit: string; windowId: string; person: string }): Acc | null | undefined => {
    if (!looseAllowed || !inPeriod(at)) return undefined;
    const org = str(doc[fields.orgUnit]);
    const win = str(doc[fields.windowId]);
    const person = str(doc[fields.person]);
    if (filter.orgUnit && org !== filter.orgUnit) return undefined;
    if (filter.windowId && win !== filter.windowId) return undefined;
    if (filter.responsible && person !== filter.responsible) return undefined;
    let key: string | undefined;
    switch (dimension) {
      case 'town':
        key = org;
        break;
      case 'window':
        key = win;
        break;
      case 'person':
        key = person;
        break;
      case 'year':
      case 'month':
      case 'day':
        key = periodKey(dimension, at);
        break;
      case 'all':
        return null; // total only
    }
    if (!key) return undefined;
    const g = groups[rowOf(key)];
    if (g.orgUnit === undefined && org) g.orgUnit = org;
    return g;
  };

  let clocksMatched = 0;
  let estimated = 0;
  const clockQuery: Filter<Doc> = { kind: { $in: ['statutory', 'promised'] }, ...sinceFrom('startedAt') };
  // A clock carries its case's org unit (CaseService sets it at acceptance): a town's report
  // need not ship the other towns' clocks.
  if (filter.orgUnit) clockQuery.orgUnit = filter.orgUnit;
  const clockFields = { _id: 1, caseNo: 1, kind: 1, status: 1, startedAt: 1, stoppedAt: 1, dueAt: 1, result: 1, budget: 1 };
  // a report of one window, department, item or person (a few hundred cases of thousands) reads
  // its cases' two clocks by `_id` (`<caseNo>:statutory`, `<caseNo>:promised`) once the cases are
  // read, instead of every clock of the period (of the centre) — 1.25 s for one window at 100,000 stored
  const narrow = !!(filter.windowId || filter.department || filter.itemCode || filter.responsible);
  const clockPass = async () => {
    if (narrow) {
      await casesDonePromise;
      const ids = [...caseRow.keys()].flatMap((n) => [`${n}:statutory`, `${n}:promised`]);
      for (let i = 0; i < ids.length; i += 2000) {
        for (const k of await db.collection<Doc>('clocks').find({ _id: { $in: ids.slice(i, i + 2000) } }, { projection: clockFields }).toArray()) {
          const row = caseRow.get(str(k.caseNo) ?? String(k._id).replace(/:(statutory|promised)$/, ''));
          if (row !== undefined && (k.kind === 'statutory' || k.kind === 'promised')) applyClock(k, row);
        }
      }
      return;
    }
    const cur = db.collection<Doc>('clocks').find(clockQuery, { projection: clockFields, batchSize: opts.batchSize });
    for await (const k of cur) {
      const caseNo = str(k.caseNo) ?? String(k._id).replace(/:(statutory|promised)$/, '');
      if (join(caseNo, (i) => applyClock(k, i))) await casesDonePromise;
    }
  };
  const applyClock = (k: Doc, i: number) => {
    clocksMatched++;
    if (addClock([groups[i], total], k, counter, nowMs)) estimated++;
  };

  const escalationPass = async () => {
    const cur = db.collection<Doc>('escalations').find(sinceFrom('raisedAt'), { projection: { _id: 1, caseNo: 1, orgUnit: 1, windowId: 1, responsible: 1, raisedAt: 1 }, batchSize: opts.batchSize });
    for await (const e of cur) {
      const caseNo = str(e.caseNo);
      if (caseNo) {
        const count = (i: number) => {
          groups[i].escalations++;
          total.escalations++;
        };
        if (join(caseNo, count)) await casesDonePromise;
        continue;
      }
      const g = looseRow(e, ms(e.raisedAt), { orgUnit: 'orgUnit', windowId: 'windowId', person: 'responsible' });
      if (g === undefined) continue;
      if (g) g.escalations++;
      total.escalations++;
    }
  };

  const complaintPass = async () => {
    const cur = db.collection<Doc>('complaints').find(sinceFrom('createdAt'), { projection: { _id: 1, caseNo: 1, orgUnit: 1, windowId: 1, person: 1, createdAt: 1 }, batchSize: opts.batchSize });
    for await (const c of cur) {
      const caseNo = str(c.caseNo);
      if (caseNo) {
        const count = (i: number) => {
          groups[i].complaints++;
          total.complaints++;
        };
        if (join(caseNo, count)) await casesDonePromise;
        continue;
      }
      const g = looseRow(c, ms(c.createdAt), { orgUnit: 'orgUnit', windowId: 'windowId', person: 'person' });
      if (g === undefined) continue;
      if (g) g.complaints++;
      total.complaints++;
    }
  };

  // 违规 (violations) name a window and person and mostly a case, but belong to the window's
  // conduct on the day they happened: counted like the events that name no case (looseRow)
  const violationPass = async () => {
    const cur = db.collection<Doc>('violations').find(sinceFrom('at'), { projection: { _id: 1, orgUnit: 1, windowId: 1, actor: 1, at: 1 }, batchSize: opts.batchSize });
    for await (const v of cur) {
      const g = looseRow(v, ms(v.at), { orgUnit: 'orgUnit', windowId: 'windowId', person: 'actor' });
      if (g === undefined) continue;
      if (g) g.violations++;
      total.violations++;
    }
  };

  const ratingPass = async () => {
    const cur = db.collection<Doc>('ratings').find(sinceFrom('createdAt'), { projection: { _id: 1, caseNo: 1, level: 1 }, batchSize: opts.batchSize });
    for await (const r of cur) {
      const level = Number(r.level);
      if (typeof r.caseNo !== 'string' || !Number.isInteger(level) || level < 1 || level > 5) continue;
      const count = (i: number) => {
        groups[i].levels[level]++;
        total.levels[level]++;
      };
      if (join(r.caseNo, count)) await casesDonePromise;
    }
  };

  const [lookups] = await Promise.all([readLookups(db, dimension === 'person' ? 'all' : dimension, []), casePass(), clockPass(), escalationPass(), complaintPass(), violationPass(), ratingPass()]);
  caseRow.clear();
  if (dimension === 'person' && groups.length) lookups.people = (await readLookups(db, 'person', groups.map((g) => g.key))).people;

  const rows = groups.map((g) => toRow(g, dimension, lookups));
  sortRows(rows, dimension, lookups);
  const totalRow = toRow(total, 'all', lookups);
  const report: StatsReport = {
    dimension,
    filter: { ...filter },
    now,
    rows,
    total: totalRow,
    meta: { casesScanned, clocksMatched, estimatedHandlingTimes: estimated, elapsedMs: Date.now() - started, source: 'scan' },
  };
  return { report, lookups };
}

function caseKeyFn(dimension: StatsDimension): KeyFn {
  switch (dimension) {
    case 'town':
      return (c) => str(c.orgUnit);
    case 'window':
      return (c) => str(c.receivingWindow);
    case 'department':
      return (c) => str(c.department);
    case 'item':
      return (c) => str(c.itemCode);
    case 'person':
      return (c) => str(c.responsible);
    case 'year':
    case 'month':
    case 'day':
      return (_c, at) => periodKey(dimension, at);
    case 'all':
      return () => 'all';
  }
}
