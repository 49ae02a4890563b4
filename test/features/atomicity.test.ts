/**
 * Issue 11 item 2: atomicity is the database's. On the real test server (FerretDB 2 on
 * PostgreSQL + DocumentDB by default, or TEST_MONGODB_URI), separate client connections race:
 * - 10 clients on one compare-and-set `findOneAndUpdate({_id, rev: n}, {$set: {rev: n + 1}})`,
 *   200 trials: exactly one winner each time;
 * - 5 workers grabbing 100 due jobs the way Agenda locks them (one `findOneAndUpdate` on
 *   `lockedAt: null`): every job grabbed once, none twice.
 */
import { MongoClient, type Collection } from 'mongodb';
import { dbUri, uniqueDbName } from '../helpers/server';

const CLIENTS = 10;
const TRIALS = 200;
const JOBS = 100;
const WORKERS = 5;

describe('conditional updates are atomic on the real database', () => {
  const dbName = uniqueDbName('atomicity');
  const clients: MongoClient[] = [];

  beforeAll(async () => {
    // separate clients, one connection each: the race crosses connections, as between processes
    for (let i = 0; i < CLIENTS; i++) clients.push(await MongoClient.connect(dbUri(dbName), { maxPoolSize: 1, minPoolSize: 1, serverSelectionTimeoutMS: 10_000 }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it(`${CLIENTS} clients racing one compare-and-set: exactly one winner in each of ${TRIALS} trials`, async () => {
    const colls: Collection<{ _id: string; rev: number; by?: number }>[] = clients.map((c) => c.db(dbName).collection('cas'));
    await colls[0].insertOne({ _id: 'doc', rev: 0 });
    const winnersPerTrial: number[] = [];
    for (let n = 0; n < TRIALS; n++) {
      const results = await Promise.all(
        colls.map((coll, i) => coll.findOneAndUpdate({ _id: 'doc', rev: n }, { $set: { rev: n + 1, by: i } }, { returnDocument: 'after' })),
      );
      const winners = results.filter((r) => r !== null);
      winnersPerTrial.push(winners.length);
      // the stored document is the one winner's write
      const stored = await colls[0].findOne({ _id: 'doc' });
      expect(stored?.rev).toBe(n + 1);
      if (winners.length === 1) expect(stored?.by).toBe(winners[0]!.by);
    }
    const bad = winnersPerTrial.map((w, trial) => ({ trial, w })).filter((x) => x.w !== 1);
    expect(bad).toEqual([]);
  });

  it(`${WORKERS} workers grabbing ${JOBS} due jobs Agenda's way: each job grabbed exactly once`, async () => {
    type Job = { _id: number; name: string; nextRunAt: Date; lockedAt: Date | null; owner?: number };
    const colls: Collection<Job>[] = clients.slice(0, WORKERS).map((c) => c.db(dbName).collection('jobs'));
    const due = new Date(Date.now() - 1000);
    await colls[0].insertMany(Array.from({ length: JOBS }, (_, i) => ({ _id: i, name: 'race', nextRunAt: due, lockedAt: null })));
    await colls[0].createIndex({ name: 1, nextRunAt: 1, lockedAt: 1 });
    const grabs = new Map<number, number[]>();
    const worker = async (w: number) => {
      const coll = colls[w];
      for (;;) {
        // Agenda 6's MongoBackend locks the next due job with one findOneAndUpdate like this
        const job = await coll.findOneAndUpdate(
          { name: 'race', nextRunAt: { $lte: new Date() }, lockedAt: null },
          { $set: { lockedAt: new Date(), owner: w } },
          { sort: { nextRunAt: 1, _id: 1 }, returnDocument: 'after' },
        );
        if (!job) return;
        grabs.set(job._id, [...(grabs.get(job._id) ?? []), w]);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const twice = [...grabs].filter(([, by]) => by.length > 1);
    expect(twice).toEqual([]);
    expect(grabs.size).toBe(JOBS);
    // the stored owner is the one grabber
    const stored = await colls[0].find({}).toArray();
    expect(stored).toHaveLength(JOBS);
    for (const j of stored) expect(j.owner).toBe(grabs.get(j._id)![0]);
    // the work was shared, not done by one lucky worker only (not a correctness requirement, reported)
    const perWorker = Array.from({ length: WORKERS }, (_, w) => [...grabs.values()].filter((by) => by[0] === w).length);
    process.stdout.write(`[atomicity] jobs grabbed per worker: ${perWorker.join(', ')}\n`);
  });
});
