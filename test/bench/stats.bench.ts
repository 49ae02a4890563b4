/**
 * Statistics benchmark: `node --import tsx test/bench/stats.bench.ts`
 * (BENCH_CASES = number of cases, default 1 000 000; BENCH_BATCH = cases per insertMany, default 5000).
 *
 * Starts its own embedded FerretDB in a temp dir, creates the platform's models and indexes,
 * bulk-inserts N service cases with their statutory and promised clocks — spread over the 20
 * org units (12 windows each, 2 staff per window), 30 service items and two years
 * (2024–2025) — plus escalations, complaints and ratings, then times every StatsService query
 * and prints the machine and the milliseconds per query. The data are reproducible (seeded).
 *
 * The reports run on the day rollups (engine/stats/rollups.ts): the benchmark builds one bucket
 * per centre and day of receipt from the generated cases with the product's `buildBucket`, times
 * the real recompute of a few buckets from the stored sources — read whole, then after one case
 * changed — then times the reports. The full scan (`source: 'scan'`, and reports with a window
 * filter, which use it) is timed too when BENCH_SCAN=1 or N ≤ 200 000 (FerretDB 1.24 reads
 * ≈1 000 documents a second per scan here: at 1 million cases one scan report takes ≈20 minutes).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startEmbeddedDb } from '../../engine/persistence/embedded-db';
import { createModels, ensureIndexes } from '../../engine/persistence/models';
import { PROJECT_ROOT } from '../../engine/runtime/moddle';
import { WorkingCalendar } from '../../engine/calendar/working-calendar';
import { dayFromNumber, dayNumber } from '../../engine/calendar/cst';
import { completionResult } from '../../engine/supervision/clock-ledger';
import { StatsService, STATS_CSV_COLUMNS, periodOfMonth, toCsv, type StatsReport } from '../../engine/stats';
import { buildBucket, bucketId, mergeBuckets, packBucket, StatsRollups } from '../../engine/stats/rollups';
import { WorkingDayCounter } from '../../engine/stats/working-day-counter';

const N = Number(process.env.BENCH_CASES ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
const KEEP = process.env.BENCH_KEEP === '1';
const SCAN = process.env.BENCH_SCAN === '1' || N <= 200_000;

// ---------------------------------------------------------------- reference data

type CatalogueWindow = { id: string; no: number; name: string; department: string; departmentName?: string; kind: string };
type CatalogueOrg = { id: string; code: string; name: string; shortName: string; level: string; parent: string | null; windows: CatalogueWindow[] };
type CatalogueItem = { code: string; name: string; department: string; defaultCategory: string; procedure: string; statutoryLimitDays: number; promisedLimitDays: number; orgLevel: string };

const orgs: CatalogueOrg[] = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'processes/catalogue/org-units.json'), 'utf8'));
const items: CatalogueItem[] = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'processes/catalogue/items.json'), 'utf8')) as CatalogueItem[]).slice(0, 30);

// 12 windows per unit: the catalogue's, padded with comprehensive windows where it has fewer
for (const o of orgs) {
  for (let no = o.windows.length + 1; no <= 12; no++) {
    o.windows.push({ id: `${o.id}-w${String(no).padStart(2, '0')}`, no, name: `${o.shortName}综合窗口${no}`, department: 'comprehensive', kind: 'comprehensive' });
  }
  o.windows = o.windows.slice(0, 12);
}

// ---------------------------------------------------------------- generator

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cal = WorkingCalendar.official();
const START_DAY = dayNumber('2024-01-01');
const END_DAY = dayNumber('2025-12-31');
const NOW = new Date('2025-12-31T17:00:00+08:00');
const workingDays: number[] = [];
for (let d = START_DAY; d <= END_DAY; d++) if (cal.isWorkingDay(dayFromNumber(d))) workingDays.push(d);
const DAY_MS = 86_400_000;
const CST = 8 * 3600_000;
/** Epoch ms of CST day number `d` at minute `m` after midnight. */
const at = (d: number, m: number) => d * DAY_MS - CST + m * 60_000;

const deadlineCache = new Map<string, number>();
function deadline(acceptMs: number, days: number): number {
  // all acceptances are before 17:30, so the deadline depends on the day and the limit only
  const day = Math.floor((acceptMs + CST) / DAY_MS);
  const key = `${day}:${days}`;
  let v = deadlineCache.get(key);
  if (v === undefined) {
    v = cal.deadlineFor(new Date(acceptMs), days).dueAt.getTime();
    deadlineCache.set(key, v);
  }
  return v;
}
const addWd = (d: number, n: number) => dayNumber(cal.addWorkingDays(dayFromNumber(d), n));
const addWdCache = new Map<number, number>();
function addWorking(d: number, n: number): number {
  const k = d * 1000 + n;
  let v = addWdCache.get(k);
  if (v === undefined) addWdCache.set(k, (v = addWd(d, n)));
  return v;
}

/** Per-unit quality 0.5–1: better units are late less often and rated higher (so the ranking has something to rank). */
const quality = new Map(orgs.map((o, i) => [o.id, 0.5 + 0.5 * prng(1000 + i)()]));
const seqCounter = new Map<string, number>();
const rnd = prng(20251001);
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

type Batch = { cases: any[]; clocks: any[]; escalations: any[]; complaints: any[]; ratings: any[] };

function makeBatch(from: number, count: number): Batch {
  const b: Batch = { cases: [], clocks: [], escalations: [], complaints: [], ratings: [] };
  for (let i = from; i < from + count; i++) {
    const org = orgs[Math.floor(rnd() * orgs.length)];
    const q = quality.get(org.id)!;
    const win = org.windows[Math.floor(rnd() * 12)];
    const item = items[Math.floor(rnd() * items.length)];
    const who = `${win.id}-${rnd() < 0.8 ? 'a' : 'b'}`;
    const recvDay = workingDays[Math.floor(rnd() * workingDays.length)];
    const recvMs = at(recvDay, 510 + Math.floor(rnd() * 500)); // 08:30–16:50
    const dayKey = `${org.code}${dayFromNumber(recvDay).replace(/-/g, '')}`;
    const seq = (seqCounter.get(dayKey) ?? 0) + 1;
    seqCounter.set(dayKey, seq);
    const caseNo = `${org.code}-${dayKey.slice(2)}-${String(seq).padStart(4, '0')}`;
    const r = rnd();
    const category = r < 0.03 ? 'rejected' : r < 0.15 ? 'supplement' : item.defaultCategory;
    const base = {
      _id: caseNo,
      itemCode: item.code,
      itemName: item.name,
      department: item.department,
      orgUnit: org.id,
      receivingWindow: win.id,
      responsible: who,
      category,
      applicant: { kind: 'person', name: `申请人${i}`, idType: 'id-card', idNoMasked: '4409**********1234', phoneMasked: '138****0000' },
      queryCodeHash: hex(`q${i}`),
      phoneHash: hex(`p${i}`),
      materials: [
        { code: 'M1', name: '申请表', handedIn: true },
        { code: 'M2', name: '身份证明', handedIn: true },
        { code: 'M3', name: '相关证明材料', handedIn: category !== 'supplement' },
      ],
      supplementRounds: [] as any[],
      proxyRecord: [],
      involvedOrgUnits: [org.id],
      receivedAt: new Date(recvMs),
      updatedAt: new Date(recvMs),
    };
    if (category === 'rejected') {
      b.cases.push({ ...base, status: 'rejected', outcome: 'rejected', rejectReason: '不符合规划', endedAt: new Date(recvMs + 600_000) });
      continue;
    }
    // supplement: accepted 1–5 working days later when the missing materials arrive
    let acceptMs = recvMs + 300_000;
    if (category === 'supplement') {
      const d = addWorking(recvDay, 1 + Math.floor(rnd() * 5));
      acceptMs = at(d, 510 + Math.floor(rnd() * 480));
      base.supplementRounds = [{ round: 1, requestedAt: new Date(recvMs), materials: ['M3'], receivedAt: new Date(acceptMs) }];
    }
    const acceptDay = Math.floor((acceptMs + CST) / DAY_MS);
    // working days used: mostly within the promised limit, late more often in weaker units
    const p = item.promisedLimitDays;
    const x = rnd();
    const lateP = 0.25 * (1 - q) + 0.02;
    const used = x < lateP ? p + 1 + Math.floor(rnd() * 8) : Math.floor(rnd() * (p + 1));
    const stopDay = used === 0 ? acceptDay : addWorking(acceptDay, used);
    let stopMs = at(stopDay, 540 + Math.floor(rnd() * 470));
    if (stopMs <= acceptMs) stopMs = acceptMs + 3_600_000;
    const ended = stopMs <= NOW.getTime();
    const decision = rnd() < 0.02 ? 'rejected' : 'completed';
    b.cases.push({
      ...base,
      status: ended ? decision : 'in-progress',
      outcome: ended ? (decision === 'completed' ? 'approved' : 'rejected') : undefined,
      acceptedAt: new Date(acceptMs),
      endedAt: ended ? new Date(stopMs) : undefined,
      instanceId: `inst-${i}`,
      definitionKey: item.procedure,
    });
    let promisedLate = false;
    for (const [kind, days] of [['statutory', item.statutoryLimitDays], ['promised', item.promisedLimitDays]] as const) {
      const due = deadline(acceptMs, days);
      const result = ended ? completionResult(new Date(stopMs), new Date(due)) : undefined;
      if (kind === 'promised') promisedLate = ended ? result === 'late' : due < NOW.getTime();
      b.clocks.push({
        _id: `${caseNo}:${kind}`,
        caseNo,
        kind,
        label: item.name,
        orgUnit: org.id,
        windowId: win.id,
        holder: who,
        budget: { unit: 'working-days', days },
        startedAt: new Date(acceptMs),
        pauses: [],
        extension: null,
        status: ended ? 'stopped' : 'running',
        stoppedAt: ended ? new Date(stopMs) : undefined,
        dueAt: new Date(due),
        estimated: false,
        signalsAt: { breach: new Date(due) },
        fired: [],
        result,
        version: 1,
        updatedAt: new Date(ended ? stopMs : acceptMs),
      });
    }
    if (promisedLate) {
      b.escalations.push({
        _id: `clock:${caseNo}:promised`,
        caseNo,
        clockId: `${caseNo}:promised`,
        limitKind: 'promised',
        source: 'clock',
        orgUnit: org.id,
        windowId: win.id,
        responsible: who,
        raisedAt: new Date(deadline(acceptMs, p)),
        status: ended ? 'closed' : 'open',
        level: 1,
        history: [],
      });
    }
    if (ended && rnd() < 0.2) {
      const y = rnd() + (q - 0.75) * 0.3;
      const level = y > 0.4 ? 5 : y > 0.15 ? 4 : y > 0.05 ? 3 : y > 0.02 ? 2 : 1;
      b.ratings.push({ _id: `${caseNo}:completion`, caseNo, stage: 'completion', level, orgUnit: org.id, windowId: win.id, responsible: who, createdAt: new Date(stopMs + 3_600_000) });
    }
    if (rnd() < 0.003 * (1.5 - q)) {
      const by = rnd() < 0.5;
      b.complaints.push({
        _id: `TS-${caseNo}`,
        orgUnit: org.id,
        day: dayFromNumber(acceptDay).replace(/-/g, ''),
        seq: 1,
        targetKind: by ? 'case' : 'window',
        caseNo: by ? caseNo : undefined,
        windowId: by ? undefined : win.id,
        content: '办事效率低',
        queryCodeHash: hex(`c${i}`),
        status: 'received',
        createdAt: new Date(acceptMs + 86_400_000),
        history: [],
      });
    }
  }
  return b;
}

// ---------------------------------------------------------------- run

function dirSize(dir: string): number {
  let s = 0;
  for (const f of readdirSync(dir)) s += statSync(path.join(dir, f)).size;
  return s;
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-stats-ferret-'));
  const db = await startEmbeddedDb({ dataDir });
  const conn = mongoose.createConnection(db.uriFor('bench_stats'), { autoIndex: false });
  try {
    await conn.asPromise();
    const models = createModels(conn);
    await ensureIndexes(models);
    const raw = (name: string) => conn.db!.collection(name);

    // reference data: org units, windows, items, staff
    await raw('org_units').insertMany(orgs.map((o, seq) => ({ _id: o.id as any, code: o.code, seq, name: o.name, shortName: o.shortName, level: o.level, parent: o.parent, openingHours: {} })));
    await raw('windows').insertMany(orgs.flatMap((o) => o.windows.map((w) => ({ _id: w.id as any, orgUnit: o.id, no: w.no, name: w.name, department: w.department, departmentName: w.departmentName, kind: w.kind, accepts: [w.department], status: 'active' }))));
    await raw('service_items').insertMany(items.map((it) => ({ _id: it.code as any, name: it.name, department: it.department, orgLevel: it.orgLevel, defaultCategory: it.defaultCategory, procedure: it.procedure, statutoryLimitDays: it.statutoryLimitDays, promisedLimitDays: it.promisedLimitDays, materials: [], fees: {} })));
    await raw('users').insertMany(orgs.flatMap((o) => o.windows.flatMap((w) => ['a', 'b'].map((p) => ({ _id: `${w.id}-${p}` as any, displayName: `${w.name}${p.toUpperCase()}岗`, passwordHash: 'x', roles: ['clerk'], groups: [], orgUnit: o.id, windowId: w.id, post: p.toUpperCase() })))));

    // what each day bucket holds, gathered while generating (the product builds the same from the stored sources)
    const cstDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const bucketCases = new Map<string, any[]>();
    const clocksByCase = new Map<string, any[]>();
    const refsByCase = new Map<string, { esc: string[]; cmp: string[]; rat: { seq: number; level: number }[] }>();
    const refs = (caseNo: string) => {
      let r = refsByCase.get(caseNo);
      if (!r) refsByCase.set(caseNo, (r = { esc: [], cmp: [], rat: [] }));
      return r;
    };
    const collect = (b: Batch) => {
      for (const c of b.cases) {
        const id = bucketId(c.orgUnit, cstDay(c.receivedAt));
        const list = bucketCases.get(id);
        const slim = { _id: c._id, orgUnit: c.orgUnit, receivingWindow: c.receivingWindow, department: c.department, itemCode: c.itemCode, itemName: c.itemName, responsible: c.responsible, category: c.category, status: c.status, receivedAt: c.receivedAt };
        if (list) list.push(slim);
        else bucketCases.set(id, [slim]);
      }
      for (const k of b.clocks) {
        const list = clocksByCase.get(k.caseNo);
        const slim = { _id: k._id, caseNo: k.caseNo, kind: k.kind, status: k.status, startedAt: k.startedAt, stoppedAt: k.stoppedAt, dueAt: k.dueAt, result: k.result, budget: k.budget };
        if (list) list.push(slim);
        else clocksByCase.set(k.caseNo, [slim]);
      }
      for (const e of b.escalations) if (e.caseNo) refs(e.caseNo).esc.push(e._id);
      for (const c of b.complaints) if (c.caseNo) refs(c.caseNo).cmp.push(c._id);
      for (const r of b.ratings) refs(r.caseNo).rat.push({ seq: 1, level: r.level });
    };

    // bulk insert, generating the next batch while the previous one is written
    console.log(`inserting ${N.toLocaleString('en')} cases in batches of ${BATCH} …`);
    const counts = { cases: 0, clocks: 0, escalations: 0, complaints: 0, ratings: 0 };
    const t0 = performance.now();
    let pending: Promise<unknown> = Promise.resolve();
    let lastReport = t0;
    for (let from = 0; from < N; from += BATCH) {
      const batch = makeBatch(from, Math.min(BATCH, N - from));
      collect(batch);
      await pending;
      pending = (async () => {
        for (const [name, docs] of [['service_cases', batch.cases], ['clocks', batch.clocks], ['escalations', batch.escalations], ['complaints', batch.complaints], ['ratings', batch.ratings]] as const) {
          if (docs.length) await raw(name).insertMany(docs, { ordered: false });
          counts[name === 'service_cases' ? 'cases' : (name as keyof typeof counts)] += docs.length;
        }
      })();
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const s = (lastReport - t0) / 1000;
        console.log(`  ${counts.cases.toLocaleString('en')} cases after ${s.toFixed(0)} s (${(counts.cases / s).toFixed(0)} cases/s)`);
      }
    }
    await pending;
    const insertS = (performance.now() - t0) / 1000;
    const docs = counts.cases + counts.clocks + counts.escalations + counts.complaints + counts.ratings;

    // the day rollups: built with the product's buildBucket, then a few recomputed from the stored sources
    const phase = (what: string) => console.log(`  ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s since the first insert)`);
    phase('inserted; building the rollups');
    const counter = new WorkingDayCounter(cal);
    const rollups = new StatsRollups(() => conn.db as any, async () => counter);
    const tb = performance.now();
    const buckets = [...bucketCases].map(([id, cases]) => {
      const [org, day] = id.split('|') as [string, string];
      return buildBucket(org, day, cases, (n) => clocksByCase.get(n) ?? [], (n) => refsByCase.get(n) as any, counter);
    });
    for (let i = 0; i < buckets.length; i += 500) await raw('stats_buckets').insertMany(buckets.slice(i, i + 500).map(packBucket) as any[], { ordered: false });
    phase(`${buckets.length} day buckets stored`);
    await raw('stats_range').insertOne({ _id: 'days' as any, first: buckets.map((b) => b.day).sort()[0] });
    const byMonth = new Map<string, typeof buckets>();
    for (const b of buckets) {
      const id = bucketId(b.orgUnit, b.day.slice(0, 7));
      byMonth.set(id, [...(byMonth.get(id) ?? []), b]);
    }
    const monthBuckets = [...byMonth].map(([id, parts]) => mergeBuckets(id, parts[0]!.orgUnit, parts[0]!.day.slice(0, 7), parts));
    await raw('stats_months').insertMany(monthBuckets.map(packBucket) as any[], { ordered: false });
    const byYear = new Map<string, typeof monthBuckets>();
    for (const m of monthBuckets) {
      const id = bucketId(m.orgUnit, m.day.slice(0, 4));
      byYear.set(id, [...(byYear.get(id) ?? []), m]);
    }
    const yearBuckets = [...byYear].map(([id, parts]) => mergeBuckets(id, parts[0]!.orgUnit, parts[0]!.day.slice(0, 4), parts));
    await raw('stats_years').insertMany(yearBuckets.map(packBucket) as any[], { ordered: false });
    const insertAll = async (name: string, docs: any[]) => {
      for (let i = 0; i < docs.length; i += 2000) await raw(name).insertMany(docs.slice(i, i + 2000), { ordered: false });
    };
    phase('month and year buckets stored; storing the case lists of the buckets');
    await insertAll('stats_bucket_cases', [...bucketCases].map(([id, cases]) => ({ _id: id, cases: cases.map((c) => c._id) })));
    phase(`storing the escalation, complaint and rating references of ${refsByCase.size.toLocaleString('en')} cases`);
    await insertAll('stats_case_refs', [...refsByCase].map(([caseNo, r]) => ({ _id: caseNo, ...r })));
    const buildS = (performance.now() - tb) / 1000;

    // the queries
    const stats = new StatsService({ models, clock: { now: () => NOW }, rollups });
    const scanStats = new StatsService({ models, clock: { now: () => NOW } });
    const month = periodOfMonth('2025-10');
    const timings: { name: string; ms: number; rows: number; scanned: string; rssMiB: number; check: string }[] = [];
    const time = async (name: string, run: () => Promise<{ rows: unknown[]; meta?: StatsReport['meta']; total?: StatsReport['total'] }>) => {
      const t = performance.now();
      const r = await run();
      const ms = performance.now() - t;
      const rss = process.memoryUsage().rss / 2 ** 20;
      timings.push({ name, ms, rows: r.rows.length, scanned: r.meta ? `${r.meta.casesScanned} ${r.meta.source === 'rollup' ? `(${r.meta.bucketsRead} buckets)` : '(scan)'}` : '—', rssMiB: rss, check: r.total ? `received ${r.total.received}, late(promised) ${r.total.promised.late}, overdue now ${r.total.promised.overdueNow}` : '' });
      console.log(`  ${name}: ${ms.toFixed(0)} ms`);
      return r;
    };
    console.log('queries …');
    const byTown = await time('per town (2 years)', () => stats.byTown());
    const byWindow = await time('per window (2 years)', () => stats.byWindow());
    await time('per item (2 years)', () => stats.byItem());
    await time('per person, one town (dingbao)', () => stats.byPerson({ orgUnit: 'dingbao' }));
    await time('per town, one month (2025-10)', () => stats.byTown(month));
    await time('per month (24 rows)', () => stats.byPeriod('month'));
    const ranking = await time('ranking of the 19 towns (2 years)', () => stats.rankTowns());
    if (SCAN) {
      await time('per item, one window (scan: filter)', () => stats.byItem({ ...month, orgUnit: 'dingbao', windowId: 'dingbao-w10' }));
      await time('SCAN per town (2 years)', () => scanStats.byTown());
      await time('SCAN per town, one month (2025-10)', () => scanStats.byTown(month));
    }
    const t = performance.now();
    const csv = toCsv(byWindow.rows as StatsReport['rows'], STATS_CSV_COLUMNS);
    const csvMs = performance.now() - t;

    // refreshes: after one case changed (the usual case: the bucket's stored facts plus one case
    // read again), then a bucket read whole (its first refresh, or a rebuild) — after the reports,
    // because at 1 million cases FerretDB 1.24 needs about a second per case for the 4 lookups
    const FULL = Number(process.env.BENCH_FULL_RECOMPUTES ?? (N > 200_000 ? 1 : 10));
    const sample = buckets.filter((_, i) => i % Math.max(1, Math.floor(buckets.length / Math.max(FULL, 3))) === 0).slice(0, Math.max(FULL, 3));
    phase(`recomputing ${sample.length} buckets after one case changed`);
    for (const b of sample) {
      const list = bucketCases.get(b._id) ?? [];
      const facts = list.map((c) => `${c._id}\t${JSON.stringify({ c, k: clocksByCase.get(c._id) ?? [], ...(refsByCase.get(c._id) ? { r: refsByCase.get(c._id) } : {}) })}`);
      await raw('stats_bucket_facts').replaceOne({ _id: b._id as any }, { _id: b._id, facts } as any, { upsert: true });
    }
    const oneCase: number[] = [];
    for (const b of sample) {
      for (const c of (bucketCases.get(b._id) ?? []).slice(0, 3)) {
        const t1 = performance.now();
        await rollups.recompute(b._id, true, [c._id]);
        oneCase.push(performance.now() - t1);
      }
    }
    const incrementalMs = oneCase.reduce((a, b) => a + b, 0) / oneCase.length;
    console.log(`  one case changed: ${incrementalMs.toFixed(0)} ms per refresh (mean of ${oneCase.length}, with the month and year)`);
    bucketCases.clear();
    clocksByCase.clear();
    refsByCase.clear();
    phase(`recomputing ${FULL} bucket(s) whole`);
    const whole = sample.slice(0, FULL);
    const tr = performance.now();
    for (const b of whole) await rollups.recompute(b._id);
    const recomputeMs = (performance.now() - tr) / whole.length;
    const avgCases = whole.reduce((n, b) => n + b.cases, 0) / whole.length;

    // report
    const cpu = os.cpus()[0]?.model ?? 'unknown';
    console.log('');
    console.log(`machine:  ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}`);
    console.log(`database: embedded FerretDB v1.24.2 (SQLite backend), same machine, platform indexes created`);
    console.log(
      `data:     ${counts.cases.toLocaleString('en')} cases, ${counts.clocks.toLocaleString('en')} clocks, ${counts.escalations.toLocaleString('en')} escalations, ${counts.complaints.toLocaleString('en')} complaints, ${counts.ratings.toLocaleString('en')} ratings; 20 org units × 12 windows, ${items.length} items, 2024-01-01…2025-12-31; on disk ${(dirSize(dataDir) / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(`insert:   ${insertS.toFixed(1)} s — ${(counts.cases / insertS).toFixed(0)} cases/s, ${(docs / insertS).toFixed(0)} documents/s (insertMany, ${BATCH} cases per batch)`);
    console.log(`rollups:  ${buckets.length.toLocaleString('en')} day, ${monthBuckets.length} month and ${yearBuckets.length} year buckets built and stored in ${buildS.toFixed(1)} s; recomputing one from the stored sources (by _id) takes ${recomputeMs.toFixed(0)} ms for ${avgCases.toFixed(0)} cases read whole, ${incrementalMs.toFixed(0)} ms after one case changed (with its month and year; mean of ${oneCase.length})`);
    console.log('');
    const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
    console.log(`${pad('query', 38)} ${pad('ms', 9)} ${pad('rows', 6)} ${pad('cases counted (source)', 26)} ${pad('rss MiB', 8)} check`);
    for (const x of timings) console.log(`${pad(x.name, 38)} ${pad(x.ms.toFixed(0), 9)} ${pad(String(x.rows), 6)} ${pad(x.scanned, 26)} ${pad(x.rssMiB.toFixed(0), 8)} ${x.check}`);
    console.log(`${pad('CSV of the window report', 38)} ${pad(csvMs.toFixed(1), 9)} ${pad(String(byWindow.rows.length), 6)} ${(csv.length / 1024).toFixed(0)} KiB`);
    console.log('');
    const top = (ranking.rows as Awaited<ReturnType<StatsService['rankTowns']>>['rows']).slice(0, 3).map((r) => `${r.rank}. ${r.label} ${r.score}`);
    console.log(`ranking top 3: ${top.join(' · ')}; towns in the town report: ${byTown.rows.length}`);
  } finally {
    await conn.close().catch(() => undefined);
    await db.stop();
    if (!KEEP) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`data kept in ${dataDir}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
