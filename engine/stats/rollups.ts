/**
 * 统计汇总 (rollups): the statistics of one centre's cases received on one CST day, kept as one
 * document, so a report reads ≈ days × centres small documents by `_id` instead of scanning
 * every case, clock, escalation and rating (FerretDB 1.24 decodes every stored document for any
 * filter except an `_id` lookup: ≈1 ms a document on this machine, 20 minutes for 1 million).
 *
 * How it stays right:
 * - every audit event of a case (AuditLog listener) marks its bucket dirty: `stats_bucket_cases`
 *   gets the case number ($addToSet) and `stats_dirty` a marker for that case and bucket with a
 *   fresh token (upsert; `_id` `<bucket>#<caseNo>`, so clerks of one centre never write one document);
 *   escalations, complaints and ratings named by the event go into `stats_case_refs` (keyed, so
 *   a replayed event counts once);
 * - `refreshDirty()` recomputes each dirty bucket FROM THE SOURCES with the same accumulation as
 *   the scan (`addClock`), then deletes the marker only if its token is unchanged. A recompute is
 *   idempotent, so a crash or two workers at once cannot double anything; a change during a
 *   recompute leaves the bucket dirty.
 * - a recompute re-reads only the cases that changed: their markers name them, and
 *   `stats_bucket_facts` keeps, per bucket, each case's inputs as read last time (the case, its two
 *   clocks, its refs — one JSON line each). At 1 million cases FerretDB 1.24 takes ≈150 ms per
 *   `_id` lookup in the big collections, so re-reading a whole bucket (≈100 cases × 4 lookups) took
 *   a minute; one changed case takes four lookups. A bucket without facts is read whole once.
 * - a report first refreshes what is dirty (read-your-writes), then reads the buckets; "overdue
 *   now" is judged at query time from the running clocks' deadlines kept in the bucket.
 *
 * Scope: reports by town / window / department / item / person / year / month / day / all over
 * whole CST days, optionally for one centre. Reports filtered by window, department, item or
 * person, or over part of a day, use the scan (`StatsReport.meta.source` says which). Events not
 * tied to a case (a complaint about a window or person, the escalation of its clock) and every
 * violation (违规) are kept in the bucket of their centre and CST day (`stats_bucket_loose`,
 * `onLoose`) and counted as the scan counts them: in the total and by town, window, person and
 * period, not by department or item.
 */
import type { Db } from 'mongodb';
import { cstDay as cstIsoDay } from '../../common/cst';
import { randomUUID } from 'node:crypto';
import { addClock, mergeAcc, newAcc, OPEN_STATUSES, type Acc, type Doc } from './accumulator';
import type { WorkingDayCounter } from './working-day-counter';

export type RowDimension = 'window' | 'department' | 'item' | 'person';
const ROW_DIMENSIONS: RowDimension[] = ['window', 'department', 'item', 'person'];

export interface DueEntry {
  /** the case's keys in the row dimensions */
  w?: string; d?: string; i?: string; p?: string;
  kind: 'statutory' | 'promised';
  at: number;
}

export interface Bucket {
  _id: string;
  orgUnit: string;
  day: string;
  all: Acc;
  rows: Record<RowDimension, Acc[]>;
  due: DueEntry[];
  itemNames: { code: string; name: string }[];
  /** Escalations and complaints that name no case (only `escalations` / `complaints` are used): the centre's, and by window and person. */
  loose: { all: Acc; window: Acc[]; person: Acc[] };
  cases: number;
  estimated: number;
  computedAt: Date;
}

/** An escalation or complaint that names no case, as the rollups count it. */
export interface LooseEvent {
  kind: 'esc' | 'cmp' | 'vio';
  windowId?: string;
  person?: string;
}

export const bucketId = (orgUnit: string, day: string) => `${orgUnit}|${day}`;

/** A projection of the stored parts of a bucket. */
export type BucketFields = Record<string, 1>;
/**
 * The parts of a bucket a report reads: the totals (`all`, the loose events' `all`, the running
 * deadlines, the counts) and, for a report by window, department, item or person, that
 * dimension's rows (and the item names, the loose events by window or person). A report by town
 * or period leaves the four row lists out — most of a bucket (at a million cases, a day bucket
 * carries a row per window, department, item and person of its ≈ 70 cases).
 */
export function bucketFields(dimension?: RowDimension): BucketFields {
  const f: BucketFields = { orgUnit: 1, day: 1, all: 1, 'loose.all': 1, due: 1, cases: 1, estimated: 1 };
  if (dimension) f[`rows.${dimension}`] = 1;
  if (dimension === 'item') f.itemNames = 1;
  if (dimension === 'window' || dimension === 'person') f[`loose.${dimension}`] = 1;
  return f;
}

// ---- storage: FerretDB 1.24 spends ≈10 ms decoding a document of a few hundred named fields
// (and refuses nested arrays), so each row of a bucket is stored as one tab-separated string —
// the same figures, a few dozen fields a document.
const LIMIT_FIELDS = ['early', 'onTime', 'late', 'running', 'paused', 'overdueNow'] as const;
const ACC_FIELDS = ['received', 'completed', 'rejected', 'open', 'supplement', 'handled', 'daysSum', 'promisedUseN', 'promisedUseSum', 'escalations', 'complaints'] as const;
const SEP = '\t';
const clean = (v: string) => v.replace(/[\t]/g, ' ');
// fields added later go after the levels, so lines stored before them still read (as 0)
const LATER_FIELDS = ['violations'] as const;
function packAcc(a: Acc): string {
  return [clean(a.key), ...ACC_FIELDS.map((f) => a[f]), ...LIMIT_FIELDS.map((f) => a.statutory[f]), ...LIMIT_FIELDS.map((f) => a.promised[f]), ...a.levels.slice(1), ...LATER_FIELDS.map((f) => a[f])].join(SEP);
}
function unpackAcc(text: string): Acc {
  const p = text.split(SEP);
  const a = newAcc(p[0]!);
  let i = 1;
  for (const f of ACC_FIELDS) a[f] = Number(p[i++]);
  for (const f of LIMIT_FIELDS) a.statutory[f] = Number(p[i++]);
  for (const f of LIMIT_FIELDS) a.promised[f] = Number(p[i++]);
  for (let l = 1; l <= 5; l++) a.levels[l] = Number(p[i++]);
  for (const f of LATER_FIELDS) a[f] = Number(p[i++] ?? 0);
  return a;
}
/** A bucket as stored. */
export function packBucket(b: Bucket) {
  return {
    _id: b._id,
    orgUnit: b.orgUnit,
    day: b.day,
    all: packAcc(b.all),
    rows: Object.fromEntries(ROW_DIMENSIONS.map((d) => [d, b.rows[d].map(packAcc)])),
    due: b.due.map((e) => [e.w ?? '', e.d ?? '', e.i ?? '', e.p ?? '', e.kind === 'statutory' ? 1 : 0, e.at].map((x) => clean(String(x))).join(SEP)),
    itemNames: b.itemNames.map((n) => `${clean(n.code)}${SEP}${clean(n.name)}`),
    loose: { all: packAcc(b.loose.all), window: b.loose.window.map(packAcc), person: b.loose.person.map(packAcc) },
    cases: b.cases,
    estimated: b.estimated,
    computedAt: b.computedAt,
  };
}
export function unpackBucket(d: any): Bucket {
  const rows = {} as Record<RowDimension, Acc[]>;
  for (const dim of ROW_DIMENSIONS) rows[dim] = (d.rows?.[dim] ?? []).map(unpackAcc);
  return {
    _id: d._id,
    orgUnit: d.orgUnit,
    day: d.day,
    all: unpackAcc(d.all),
    rows,
    due: (d.due ?? []).map((t: string) => {
      const e = t.split(SEP);
      return { w: e[0] || undefined, d: e[1] || undefined, i: e[2] || undefined, p: e[3] || undefined, kind: e[4] === '1' ? 'statutory' : 'promised', at: Number(e[5]) };
    }),
    itemNames: (d.itemNames ?? []).map((t: string) => {
      const [code, name] = t.split(SEP);
      return { code: code!, name: name ?? '' };
    }),
    loose: d.loose ? { all: unpackAcc(d.loose.all), window: (d.loose.window ?? []).map(unpackAcc), person: (d.loose.person ?? []).map(unpackAcc) } : emptyLoose(),
    cases: d.cases,
    estimated: d.estimated,
    computedAt: d.computedAt,
  };
}
/** A case's inputs to its bucket as stored in `stats_bucket_facts`: the case, its statutory and promised clocks, its refs. */
interface CaseFact {
  c: Doc;
  k: Doc[];
  r?: Doc;
}
const DATE_KEYS = new Set(['receivedAt', 'startedAt', 'stoppedAt', 'dueAt']);
const reviveDates = (key: string, v: unknown) => (DATE_KEYS.has(key) && typeof v === 'string' ? new Date(v) : v);

const emptyLoose = (): Bucket['loose'] => ({ all: newAcc('all'), window: [], person: [] });

/** Counts loose events into `all` and the window / person rows. */
function looseOf(events: LooseEvent[]): Bucket['loose'] {
  const l = emptyLoose();
  const rows = { window: new Map<string, Acc>(), person: new Map<string, Acc>() };
  for (const e of events) {
    const accs = [l.all];
    for (const [dim, key] of [['window', e.windowId], ['person', e.person]] as const) {
      if (!key) continue;
      let a = rows[dim].get(key);
      if (!a) rows[dim].set(key, (a = newAcc(key)));
      accs.push(a);
    }
    for (const a of accs) {
      if (e.kind === 'esc') a.escalations++;
      else if (e.kind === 'cmp') a.complaints++;
      else a.violations++;
    }
  }
  l.window = [...rows.window.values()];
  l.person = [...rows.person.values()];
  return l;
}

const cstDay = (at: Date) => cstIsoDay(at);

/** The bucket of a centre's day from its cases, their clocks and refs (pure; used by the recompute and the benchmark). */
export function buildBucket(
  orgUnit: string,
  day: string,
  cases: Doc[],
  clocksOf: (caseNo: string) => Doc[],
  refsOf: (caseNo: string) => Doc | undefined,
  counter: WorkingDayCounter,
  loose: LooseEvent[] = [],
): Bucket {
  const all = newAcc('all');
  const rows: Record<RowDimension, Map<string, Acc>> = { window: new Map(), department: new Map(), item: new Map(), person: new Map() };
  const due: DueEntry[] = [];
  const names = new Map<string, string>();
  let estimated = 0;
  let n = 0;
  for (const c of cases) {
    if (c.status === 'void') continue;
    n++;
    const keys: Record<RowDimension, string> = { window: c.receivingWindow, department: c.department, item: c.itemCode, person: c.responsible };
    if (c.itemCode && c.itemName) names.set(c.itemCode, c.itemName);
    const accs = [all];
    for (const dim of ROW_DIMENSIONS) {
      const k = keys[dim];
      if (!k) continue;
      let a = rows[dim].get(k);
      if (!a) rows[dim].set(k, (a = newAcc(k)));
      accs.push(a);
    }
    for (const a of accs) {
      a.received++;
      if (c.status === 'completed') a.completed++;
      else if (c.status === 'rejected') a.rejected++;
      else if (OPEN_STATUSES.has(c.status)) a.open++;
      if (c.category === 'supplement') a.supplement++;
    }
    for (const k of clocksOf(String(c._id))) {
      if (k.kind !== 'statutory' && k.kind !== 'promised') continue;
      if (addClock(accs, k, counter, null)) estimated++;
      if (k.status !== 'stopped' && k.status !== 'paused' && k.dueAt instanceof Date) {
        due.push({ w: keys.window, d: keys.department, i: keys.item, p: keys.person, kind: k.kind, at: k.dueAt.getTime() });
      }
    }
    const refs = refsOf(String(c._id));
    const esc = (refs?.esc ?? []).length;
    const cmp = (refs?.cmp ?? []).length;
    for (const a of accs) {
      a.escalations += esc;
      a.complaints += cmp;
      for (const r of refs?.rat ?? []) if (Number.isInteger(r.level) && r.level >= 1 && r.level <= 5) a.levels[r.level as 1]++;
    }
  }
  return {
    _id: bucketId(orgUnit, day),
    orgUnit,
    day,
    all,
    rows: { window: [...rows.window.values()], department: [...rows.department.values()], item: [...rows.item.values()], person: [...rows.person.values()] },
    due,
    itemNames: [...names].map(([code, name]) => ({ code, name })),
    loose: looseOf(loose),
    cases: n,
    estimated,
    computedAt: new Date(),
  };
}

/** The buckets a report reads: its centres and, when bounded, its CST days (inclusive). */
export interface RefreshScope {
  units: string[];
  fromDay?: string;
  toDay?: string;
}

/** Cases read per batch when a bucket's facts are read again. */
const FACT_BATCH = 500;
/** Day buckets recomputed together by `refreshDirty`. */
const BUCKET_BATCH = 200;

export class StatsRollups {
  constructor(private readonly db: () => Db, private readonly counter: () => Promise<WorkingDayCounter>) {}

  private col(name: 'stats_buckets' | 'stats_months' | 'stats_years' | 'stats_bucket_cases' | 'stats_bucket_facts' | 'stats_bucket_loose' | 'stats_dirty' | 'stats_case_refs' | 'stats_range') {
    return this.db().collection<any>(name);
  }

  /** caseNo → its bucket, for cases whose number is in the bucket's list already (a case never changes centre or day of receipt). */
  private readonly known = new Map<string, string>();

  /** Audit listener, once per appended batch: the case's bucket is dirty; escalations, complaints and ratings are remembered by key. One write for most batches. */
  async onAudit(caseNo: string, events: { seq: number; type: string; data: Record<string, unknown> }[]): Promise<void> {
    if (!events.length) return;
    let id = this.known.get(caseNo);
    if (!id) {
      const c = await this.db().collection<any>('service_cases').findOne({ _id: caseNo }, { projection: { orgUnit: 1, receivedAt: 1 } });
      if (!c?.orgUnit || !(c.receivedAt instanceof Date)) return;
      id = bucketId(c.orgUnit, cstDay(c.receivedAt));
      await this.col('stats_bucket_cases').updateOne({ _id: id }, { $addToSet: { cases: caseNo } }, { upsert: true });
      if (this.known.size > 50_000) this.known.delete(this.known.keys().next().value!);
      this.known.set(caseNo, id);
    }
    // the refs the batch names, in one upsert (keyed, so a replayed batch counts once)
    const esc: string[] = [];
    const cmp: string[] = [];
    const rat: { seq: number; level: number }[] = [];
    for (const { seq, type, data } of events) {
      if ((type === 'escalation.opened' || type === 'deadline.breached') && typeof data.escalationId === 'string') esc.push(data.escalationId);
      if (type === 'complaint.received' && typeof data.complaintId === 'string') cmp.push(data.complaintId);
      if (type === 'rating.given' && typeof data.level === 'number') rat.push({ seq, level: data.level });
    }
    const refs: Record<string, { $each: unknown[] }> = {};
    if (esc.length) refs.esc = { $each: esc };
    if (cmp.length) refs.cmp = { $each: cmp };
    if (rat.length) refs.rat = { $each: rat };
    if (Object.keys(refs).length) await this.col('stats_case_refs').updateOne({ _id: caseNo }, { $addToSet: refs }, { upsert: true });
    // one marker per case and bucket: concurrent cases of one centre and day never write the same
    // document (one shared marker with `$addToSet` queued every clerk's events behind each other —
    // 2.1 s an upsert under 16 clerks on DocumentDB); one upsert per batch of events
    await this.col('stats_dirty').updateOne({ _id: `${id}#${caseNo}` }, { $set: { bucket: id, caseNo, token: randomUUID(), at: new Date() } }, { upsert: true });
  }

  /**
   * An escalation or complaint that names no case was created (FeedbackService, SupervisionService):
   * it joins the bucket of its centre and CST day, which is dirty now. Keyed by id, so a repeat counts once.
   */
  async onLoose(kind: 'esc' | 'cmp' | 'vio', id: string, orgUnit: string | undefined, at: Date): Promise<void> {
    if (!orgUnit) return;
    const day = cstDay(at);
    const bid = bucketId(orgUnit, day);
    await this.col('stats_bucket_loose').updateOne({ _id: bid }, { $addToSet: { [kind]: id } }, { upsert: true });
    await this.col('stats_range').updateOne({ _id: 'days' }, { $min: { first: day } }, { upsert: true });
    await this.col('stats_dirty').updateOne({ _id: `${bid}#` }, { $set: { bucket: bid, token: randomUUID(), at: new Date() } }, { upsert: true });
  }

  /**
   * Recomputes the dirty buckets of at most `limit` markers (a marker: one case of a bucket, or the
   * bucket's loose events); returns how many markers were cleared.
   */
  async refreshDirty(limit = 10_000, scope?: RefreshScope): Promise<number> {
    let dirty: any[];
    if (!scope) dirty = await this.col('stats_dirty').find({}).limit(limit).toArray();
    else {
      // markers are `<orgUnit>|<day>#<caseNo>`: a range of `_id` per centre ('$' sorts right after '#')
      dirty = [];
      for (const unit of scope.units) {
        if (dirty.length >= limit) break;
        const range = { $gte: `${unit}|${scope.fromDay ?? ''}`, $lt: `${unit}|${scope.toDay ?? '9999-12-31'}$` };
        dirty.push(...(await this.col('stats_dirty').find({ _id: range } as any).limit(limit - dirty.length).toArray()));
      }
    }
    // markers by bucket (a marker written before markers were per case is its bucket's `_id`, with a `cases` list)
    const byBucket = new Map<string, Set<string>>();
    for (const m of dirty) {
      const bucket = String(m.bucket ?? m._id);
      const changed = byBucket.get(bucket) ?? new Set<string>();
      if (typeof m.caseNo === 'string') changed.add(m.caseNo);
      for (const c of (m.cases as string[] | undefined) ?? []) changed.add(c);
      byBucket.set(bucket, changed);
    }
    // each day, then each month and year they touch once (several dirty days of a month need one month recompute)
    const months = new Set<string>();
    const ids = [...byBucket.keys()];
    for (let i = 0; i < ids.length; i += BUCKET_BATCH) {
      await this.recomputeMany(ids.slice(i, i + BUCKET_BATCH).map((id) => [id, [...byBucket.get(id)!]]));
    }
    for (const bucket of ids) months.add(bucket.slice(0, bucket.length - 3));
    const years = new Set<string>();
    for (const id of months) {
      const [orgUnit, month] = id.split('|') as [string, string];
      await this.recomputeMonth(orgUnit, month, false);
      years.add(id.slice(0, id.length - 3));
    }
    for (const id of years) {
      const [orgUnit, year] = id.split('|') as [string, string];
      await this.recomputeYear(orgUnit, year);
    }
    // markers go last: a crash before this leaves the buckets dirty, to be recomputed again
    // (one round trip per 1,000: each marker goes only if its token is unchanged — a change during the recompute keeps it)
    for (let i = 0; i < dirty.length; i += 1000) {
      await this.col('stats_dirty').bulkWrite(dirty.slice(i, i + 1000).map((m) => ({ deleteOne: { filter: { _id: m._id, token: m.token } } })), { ordered: false });
    }
    return dirty.length;
  }

  /** Markers not yet refreshed in a scope (counted by `_id` range per centre). */
  async pendingCount(scope: RefreshScope): Promise<number> {
    let n = 0;
    for (const unit of scope.units) {
      n += await this.col('stats_dirty').countDocuments({ _id: { $gte: `${unit}|${scope.fromDay ?? ''}`, $lt: `${unit}|${scope.toDay ?? '9999-12-31'}$` } } as any);
    }
    return n;
  }

  /**
   * The inputs of cases to their bucket (the case, its statutory and promised clocks, its refs),
   * read by `_id` in batches: three `$in` reads per 500 cases instead of four lookups per case (a
   * bulk load or import marks every case dirty; the catch-up read 100,000 cases one by one).
   * A case that does not exist is absent from the answer.
   */
  private async readFacts(caseNos: string[]): Promise<Map<string, CaseFact>> {
    const clock = { _id: 1, caseNo: 1, kind: 1, status: 1, startedAt: 1, stoppedAt: 1, dueAt: 1, result: 1, budget: 1 };
    const out = new Map<string, CaseFact>();
    for (let i = 0; i < caseNos.length; i += FACT_BATCH) {
      const ids = caseNos.slice(i, i + FACT_BATCH);
      const [cases, clocks, refs] = await Promise.all([
        this.db().collection<any>('service_cases').find({ _id: { $in: ids } }, { projection: { orgUnit: 1, receivingWindow: 1, department: 1, itemCode: 1, itemName: 1, responsible: 1, category: 1, status: 1, receivedAt: 1 } }).toArray(),
        this.db().collection<any>('clocks').find({ _id: { $in: ids.flatMap((n) => [`${n}:statutory`, `${n}:promised`]) } }, { projection: clock }).toArray(),
        this.col('stats_case_refs').find({ _id: { $in: ids } as any }, { projection: { esc: 1, cmp: 1, rat: 1 } }).toArray(),
      ]);
      const clockById = new Map(clocks.map((k) => [String(k._id), k]));
      const refOf = new Map(refs.map((r) => [String(r._id), r]));
      for (const c of cases) {
        const n = String(c._id);
        // statutory first, then promised: the order the one-by-one read gave (the facts are compared as text)
        const k = [clockById.get(`${n}:statutory`), clockById.get(`${n}:promised`)].filter(Boolean);
        const r = refOf.get(n);
        out.set(n, { c, k, ...(r ? { r } : {}) } as CaseFact);
      }
    }
    return out;
  }

  /**
   * Recomputes one bucket, by `_id` reads only; `cascade` also its month and year. `changed`: the
   * cases to read again (the rest come from the bucket's stored facts); without it, every case.
   */
  async recompute(id: string, cascade = true, changed?: string[]): Promise<Bucket> {
    const bucket = (await this.recomputeMany([[id, changed]])).get(id)!;
    if (cascade) await this.recomputeMonth(bucket.orgUnit, bucket.day.slice(0, 7));
    return bucket;
  }

  /**
   * `recompute` for many day buckets at once (no cascade), each with the cases to read again
   * (`undefined`: every case, the stored facts ignored): the
   * same result, in a constant number of round trips per batch — the lists, stored facts and loose
   * events of all the buckets by `$in`, the changed cases by `readFacts`, the writes in bulk —
   * instead of about eight per bucket (a bulk import leaves thousands of buckets dirty).
   */
  private async recomputeMany(work: [string, string[] | undefined][]): Promise<Map<string, Bucket>> {
    const out = new Map<string, Bucket>();
    if (work.length === 0) return out;
    const ids = work.map(([id]) => id);
    const [lists, storedFacts, looseDocs] = await Promise.all(
      (['stats_bucket_cases', 'stats_bucket_facts', 'stats_bucket_loose'] as const).map(async (name) => new Map((await this.col(name).find({ _id: { $in: ids } }).toArray()).map((d: any) => [String(d._id), d]))),
    );
    const factsOf = new Map<string, Map<string, string>>();
    const toRead: string[] = [];
    for (const [id, changed] of work) {
      const facts = new Map<string, string>();
      for (const line of (changed ? (storedFacts.get(id)?.facts ?? []) : []) as string[]) {
        const tab = line.indexOf(SEP);
        facts.set(line.slice(0, tab), line.slice(tab + 1));
      }
      factsOf.set(id, facts);
      const again = new Set(changed ?? []);
      for (const caseNo of (lists.get(id)?.cases ?? []) as string[]) if (!facts.has(caseNo) || again.has(caseNo)) toRead.push(caseNo);
    }
    const read = await this.readFacts([...new Set(toRead)]);
    // loose events (escalations, complaints, violations naming no case or any) of all the buckets
    const LOOSE = [['esc', 'escalations', 'responsible'], ['cmp', 'complaints', 'person'], ['vio', 'violations', 'actor']] as const;
    const looseById = new Map<string, any>();
    for (const [kind, name, person] of LOOSE) {
      const wanted = [...new Set(ids.flatMap((id) => (looseDocs.get(id)?.[kind] ?? []) as string[]))];
      for (let i = 0; i < wanted.length; i += FACT_BATCH) {
        for (const e of await this.db().collection<any>(name).find({ _id: { $in: wanted.slice(i, i + FACT_BATCH) } }, { projection: { caseNo: 1, windowId: 1, [person]: 1 } }).toArray()) looseById.set(`${kind}:${e._id}`, e);
      }
    }
    const counter = await this.counter();
    const factWrites: any[] = [];
    const bucketWrites: any[] = [];
    let firstDay: string | undefined;
    for (const [id, changed] of work) {
      const [orgUnit, day] = id.split('|') as [string, string];
      const list = (lists.get(id)?.cases ?? []) as string[];
      const facts = factsOf.get(id)!;
      const again = new Set(changed ?? []);
      for (const caseNo of list) {
        if (facts.has(caseNo) && !again.has(caseNo)) continue;
        const f = read.get(caseNo);
        if (f) facts.set(caseNo, JSON.stringify(f));
        else facts.delete(caseNo);
      }
      const cases: Doc[] = [];
      const clocks = new Map<string, Doc[]>();
      const refs = new Map<string, Doc>();
      for (const caseNo of list) {
        const text = facts.get(caseNo);
        if (!text) continue;
        const f = JSON.parse(text, reviveDates) as CaseFact;
        cases.push(f.c);
        clocks.set(caseNo, f.k);
        if (f.r) refs.set(caseNo, f.r);
      }
      factWrites.push({ replaceOne: { filter: { _id: id }, replacement: { _id: id, facts: list.filter((n) => facts.has(n)).map((n) => `${n}${SEP}${facts.get(n)}`) }, upsert: true } });
      const loose: LooseEvent[] = [];
      for (const [kind, , person] of LOOSE) {
        for (const looseId of (looseDocs.get(id)?.[kind] ?? []) as string[]) {
          const e = looseById.get(`${kind}:${looseId}`);
          // a violation counts whether or not it names a case; escalations and complaints naming one count with their case
          if (e && (kind === 'vio' || !e.caseNo)) loose.push({ kind, windowId: e.windowId ?? undefined, person: e[person] ?? undefined });
        }
      }
      const bucket = buildBucket(orgUnit, day, cases, (n) => clocks.get(n) ?? [], (n) => refs.get(n), counter, loose);
      bucketWrites.push({ replaceOne: { filter: { _id: id }, replacement: packBucket(bucket), upsert: true } });
      out.set(id, bucket);
      if (!firstDay || day < firstDay) firstDay = day;
    }
    await this.col('stats_bucket_facts').bulkWrite(factWrites, { ordered: false });
    await this.col('stats_buckets').bulkWrite(bucketWrites, { ordered: false });
    await this.col('stats_range').updateOne({ _id: 'days' }, { $min: { first: firstDay } }, { upsert: true });
    return out;
  }

  /** A month bucket (`_id` = `<orgUnit>|YYYY-MM`): the sum of its day buckets, so long periods read ≈ 20 documents a month. */
  async recomputeMonth(orgUnit: string, month: string, cascade = true): Promise<Bucket> {
    const days = daysOfMonth(month);
    const parts = await this.byIds('stats_buckets', days.map((d) => bucketId(orgUnit, d)));
    const m = mergeBuckets(bucketId(orgUnit, month), orgUnit, month, parts);
    await this.col('stats_months').replaceOne({ _id: m._id }, packBucket(m), { upsert: true });
    if (cascade) await this.recomputeYear(orgUnit, month.slice(0, 4));
    return m;
  }

  /** A year bucket (`_id` = `<orgUnit>|YYYY`): the sum of its twelve month buckets. */
  async recomputeYear(orgUnit: string, year: string): Promise<Bucket> {
    const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
    const y = mergeBuckets(bucketId(orgUnit, year), orgUnit, year, await this.byIds('stats_months', months.map((m) => bucketId(orgUnit, m))));
    await this.col('stats_years').replaceOne({ _id: y._id }, packBucket(y), { upsert: true });
    return y;
  }

  /** Year buckets of the given centres and years, by `_id`; `fields`: only those parts (`bucketFields`). */
  readYears(orgUnits: string[], years: string[], fields?: BucketFields): Promise<Bucket[]> {
    return this.byIds('stats_years', orgUnits.flatMap((o) => years.map((y) => bucketId(o, y))), fields);
  }

  /** Buckets by `_id`, in one query (`_id` index), in the order of `ids`; missing ones are left out. */
  private async byIds(name: 'stats_buckets' | 'stats_months' | 'stats_years', ids: string[], fields?: BucketFields): Promise<Bucket[]> {
    if (ids.length === 0) return [];
    const found = new Map<string, any>();
    for (const d of await this.col(name).find({ _id: { $in: ids } }, fields ? { projection: fields } : {}).toArray()) found.set(String(d._id), d);
    return ids.filter((id) => found.has(id)).map((id) => unpackBucket(found.get(id)));
  }

  /**
   * The day buckets of the given centres from `fromDay` to `toDay` inclusive, centre by centre,
   * then by day: one `_id` range per centre (read together) instead of an `$in` of every centre ×
   * day — a report by day over a year names 7,300 buckets. `fields`: only those parts.
   */
  async readDays(orgUnits: string[], fromDay: string, toDay: string, fields?: BucketFields): Promise<Bucket[]> {
    const parts = await Promise.all(
      orgUnits.map((o) => this.col('stats_buckets').find({ _id: { $gte: bucketId(o, fromDay), $lte: bucketId(o, toDay) } }, { ...(fields ? { projection: fields } : {}), sort: { _id: 1 } }).toArray()),
    );
    return parts.flat().map(unpackBucket);
  }

  /** The first day any bucket covers (undefined: no case yet). */
  async firstDay(): Promise<string | undefined> {
    return (await this.col('stats_range').findOne({ _id: 'days' }))?.first;
  }

  /** Month buckets of the given centres and months, by `_id`; `fields`: only those parts. */
  readMonths(orgUnits: string[], months: string[], fields?: BucketFields): Promise<Bucket[]> {
    return this.byIds('stats_months', orgUnits.flatMap((o) => months.map((m) => bucketId(o, m))), fields);
  }

  /** The buckets of the given centres and days (missing ones = no case that day), by `_id`; `fields`: only those parts. */
  read(orgUnits: string[], days: string[], fields?: BucketFields): Promise<Bucket[]> {
    return this.byIds('stats_buckets', orgUnits.flatMap((o) => days.map((d) => bucketId(o, d))), fields);
  }

}

/** The CST days of a month `YYYY-MM`. */
export function daysOfMonth(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** Sums buckets (of one centre) into one: counts, rows by key, running deadlines, item names. */
export function mergeBuckets(id: string, orgUnit: string, period: string, parts: Bucket[]): Bucket {
  const all = newAcc('all');
  const rows: Record<RowDimension, Map<string, Acc>> = { window: new Map(), department: new Map(), item: new Map(), person: new Map() };
  const names = new Map<string, string>();
  const due: DueEntry[] = [];
  let cases = 0;
  let estimated = 0;
  const loose = emptyLoose();
  const looseRows = { window: new Map<string, Acc>(), person: new Map<string, Acc>() };
  for (const b of parts) {
    mergeAcc(all, b.all);
    mergeAcc(loose.all, b.loose.all);
    for (const dim of ['window', 'person'] as const) {
      for (const a of b.loose[dim]) {
        let t = looseRows[dim].get(a.key);
        if (!t) looseRows[dim].set(a.key, (t = newAcc(a.key)));
        mergeAcc(t, a);
      }
    }
    for (const dim of ROW_DIMENSIONS) {
      for (const a of b.rows[dim] ?? []) {
        let t = rows[dim].get(a.key);
        if (!t) rows[dim].set(a.key, (t = newAcc(a.key)));
        mergeAcc(t, a);
      }
    }
    due.push(...b.due);
    for (const n of b.itemNames) names.set(n.code, n.name);
    cases += b.cases;
    estimated += b.estimated;
  }
  return {
    _id: id,
    orgUnit,
    day: period,
    all,
    rows: { window: [...rows.window.values()], department: [...rows.department.values()], item: [...rows.item.values()], person: [...rows.person.values()] },
    due,
    itemNames: [...names].map(([code, name]) => ({ code, name })),
    loose: { all: loose.all, window: [...looseRows.window.values()], person: [...looseRows.person.values()] },
    cases,
    estimated,
    computedAt: new Date(),
  };
}
