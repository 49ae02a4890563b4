/**
 * Explains query shapes against a kept benchmark database (issue 11): which plan PostgreSQL picks
 * for the platform's queries at the size `BENCH_DATA_DIR` holds — a plan on the 4,000 cases of
 * `indexes.test.ts` is not the plan at 100,000. Prints each shape's plan nodes and the time of one
 * run (`executionStats`).
 *
 *   BENCH_DATA_DIR=/path/kept/by/BENCH_KEEP=1 npx tsx test/bench/explain.ts [file.json]
 *
 * The shapes come from a JSON file ({ name, collection, filter, projection?, sort?, limit? }[],
 * values of `{"$date": "…"}` are dates; `"$now-<ms>"` / `"$now+<ms>"` strings are relative dates) or,
 * without one, from real documents of the database (a case, its clocks, the due timer jobs).
 */
import { readFileSync } from 'node:fs';
import { MongoClient, type Document } from 'mongodb';
import { startEmbeddedDb } from '../../engine/persistence/embedded-db';

interface Shape { name: string; collection: string; filter: Document; projection?: Document; sort?: Document; limit?: number }

function revive(v: any): any {
  if (typeof v === 'string') {
    const m = /^\$now([+-]\d+)$/.exec(v);
    return m ? new Date(Date.now() + Number(m[1])) : v;
  }
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    if (typeof v.$date === 'string') return new Date(v.$date);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

function nodes(plan: any, out: string[] = [], depth = 0): string[] {
  if (!plan || typeof plan !== 'object') return out;
  if (typeof plan['Node Type'] === 'string') {
    const rows = plan['Actual Rows'] !== undefined ? ` rows ${plan['Actual Rows']}` : plan['Plan Rows'] !== undefined ? ` est ${plan['Plan Rows']}` : '';
    const ms = plan['Actual Total Time'] !== undefined ? ` ${plan['Actual Total Time']} ms` : '';
    out.push(`${'  '.repeat(depth)}${plan['Node Type']}${plan['Index Name'] ? ` ${plan['Index Name']}` : ''}${rows}${ms}`);
  }
  for (const k of ['Plans', 'Plan']) {
    const c = plan[k];
    if (Array.isArray(c)) for (const p of c) nodes(p, out, depth + 1);
    else if (c) nodes(c, out, depth + 1);
  }
  return out;
}

async function main() {
  const dataDir = process.env.BENCH_DATA_DIR;
  if (!dataDir) throw new Error('BENCH_DATA_DIR: a folder kept by `BENCH_KEEP=1 npm run bench`');
  const db = await startEmbeddedDb({ dataDir });
  const client = await MongoClient.connect(db.uriFor('bench'));
  try {
    const d = client.db('bench');
    let shapes: Shape[];
    if (process.argv[2]) shapes = revive(JSON.parse(readFileSync(process.argv[2], 'utf8')));
    else {
      const kase: any = await d.collection('service_cases').findOne({ status: 'in-progress' });
      shapes = [
        { name: 'clocks of a case (project-case.ts)', collection: 'clocks', filter: { caseNo: kase._id, kind: { $in: ['statutory', 'promised', 'step'] } }, projection: { kind: 1, status: 1, taskId: 1, pauses: 1, updatedAt: 1 } },
        { name: 'clocks of a case, by case alone', collection: 'clocks', filter: { caseNo: kase._id } },
        { name: 'due timer jobs to lock (agenda-lock.ts)', collection: 'agendaJobs', filter: { name: 'bpmn.timer.fire', nextRunAt: { $lte: new Date() }, lockedAt: null, disabled: { $ne: true } }, projection: { _id: 1 }, limit: 20 },
        { name: 'due clock signals to lock (agenda-lock.ts)', collection: 'agendaJobs', filter: { name: 'supervision.clock.signal', nextRunAt: { $lte: new Date() }, lockedAt: null, disabled: { $ne: true } }, projection: { _id: 1 }, limit: 20 },
        { name: 'case numbers of a centre and day', collection: 'case_numbers', filter: { orgUnit: kase.orgUnit, day: '20261208' }, sort: { seq: -1 }, limit: 1 },
        { name: 'steps of a case by status', collection: 'tasks', filter: { caseNo: kase._id, status: 'completed' }, sort: { completedAt: 1 } },
        { name: 'tasks of an instance', collection: 'tasks', filter: { instanceId: kase.instanceId }, sort: { createdAt: 1 } },
        { name: 'case list of a town ($or)', collection: 'service_cases', filter: { $or: [{ orgUnit: kase.orgUnit }, { involvedOrgUnits: kase.orgUnit }] }, sort: { receivedAt: -1 }, limit: 100 },
      ];
    }
    for (const s of shapes) {
      const find: Document = { find: s.collection, filter: s.filter };
      if (s.projection) find.projection = s.projection;
      if (s.sort) find.sort = s.sort;
      if (s.limit) find.limit = s.limit;
      const t0 = performance.now();
      const ex: any = await d.command({ explain: find, verbosity: 'executionStats' });
      const ms = Math.round(performance.now() - t0);
      const plan = ex.queryPlanner?.Plan ?? ex.queryPlanner ?? ex;
      // the query itself, five times (the median: the first may read pages from disk)
      const runs: number[] = [];
      let rows = 0;
      for (let i = 0; i < 5; i++) {
        const r0 = performance.now();
        let c = d.collection(s.collection).find(s.filter, { projection: s.projection });
        if (s.sort) c = c.sort(s.sort);
        if (s.limit) c = c.limit(s.limit);
        rows = (await c.toArray()).length;
        runs.push(performance.now() - r0);
      }
      runs.sort((a, b) => a - b);
      console.log(`\n${s.name} — query ${runs[2].toFixed(1)} ms (${rows} rows; explain ${ms} ms)\n  ${JSON.stringify(s.filter)}\n${nodes(plan).map((l) => '  ' + l).join('\n')}`);
    }
  } finally {
    await client.close();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
