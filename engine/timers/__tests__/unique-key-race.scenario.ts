/**
 * Scenario of test/features/agenda-unique-key.test.ts (its own Node process: Agenda 6 is ESM only),
 * on a real database and two real Agenda 6.2.6 instances, each on its own connection (two workers):
 * - before the unique key index, both writers' upserts of the same new keys race (the count of
 *   doubled keys is printed, not asserted: it depends on timing); a collection holding such twins
 *   gets the index at start anyway — the extra copies removed, a locked copy kept;
 * - with the index, 20 rounds of both writers saving the same 100 new keys at the same instant
 *   (`saveUniqueJobs`, every other round the second given them in the opposite order: written in
 *   one order, so no deadlock — unsorted, DocumentDB took 30–60 s a round breaking deadlocks) and one job at a time (service-jobs' enqueue) leave one
 *   job per key, and no write fails;
 * - jobs without a key (Agenda's repeating jobs) and one key under two job names are not refused.
 * Run as `node --import tsx unique-key-race.scenario.ts <uri>`; prints `ok <name>` per check and
 * ALL_SCENARIOS_PASSED, exits 1 on the first failure.
 */
import assert from 'node:assert/strict';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { AGENDA_JOB_INDEXES, AGENDA_LOCK_INDEX } from '../../persistence/models';
import { createAgenda } from '../agenda-timers';
import { ensureUniqueJobKeyIndex, saveUniqueJobs, UNIQUE_JOB_KEY_INDEX, type UniqueJob } from '../unique-jobs';

const ok = (name: string) => console.log(`ok ${name}`);
const NAME = 'race.check';

/** The keys held by more than one job. */
async function doubled(jobs: Collection<Document>, name = NAME): Promise<{ key: string; n: number }[]> {
  const rows = await jobs.aggregate([{ $match: { name } }, { $group: { _id: '$data.key', n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
  return rows.map((r) => ({ key: String(r._id), n: r.n as number }));
}

const batch = (round: number, n: number, at: Date): UniqueJob[] => Array.from({ length: n }, (_, i) => ({ name: NAME, data: { key: `r${round}-k${i}`, round }, at }));

async function main(uri: string) {
  const c1 = await MongoClient.connect(uri);
  const c2 = await MongoClient.connect(uri);
  const jobs = c1.db().collection('agendaJobs');
  for (const key of AGENDA_JOB_INDEXES) await jobs.createIndex(key);
  await jobs.createIndex(AGENDA_LOCK_INDEX.key, { name: AGENDA_LOCK_INDEX.name });
  const w1 = createAgenda(c1.db() as any);
  const w2 = createAgenda(c2.db() as any);
  const at = new Date(Date.now() + 86_400_000);
  try {
    // ---- before the index: the race, as it was
    for (let round = 0; round < 10; round++) {
      const b = batch(1000 + round, 100, at);
      await Promise.all([saveUniqueJobs(w1, b), saveUniqueJobs(w2, b)]);
    }
    const before = (await doubled(jobs)).length;
    // twins made on purpose too (the race may not have made any): the copy a worker locked is the one kept
    await jobs.insertMany([
      { name: NAME, data: { key: 'twin' }, nextRunAt: at, lockedAt: null },
      { name: NAME, data: { key: 'twin' }, nextRunAt: at, lockedAt: new Date() },
      { name: NAME, data: { key: 'twin' }, nextRunAt: new Date(at.getTime() - 1000), lockedAt: null },
    ]);
    const warnings: string[] = [];
    const removed = await ensureUniqueJobKeyIndex(jobs, (m) => warnings.push(m));
    assert.ok(removed >= 2, `removed ${removed}`);
    assert.deepEqual(await doubled(jobs), [], 'one job per key after the index');
    const twin = await jobs.find({ 'data.key': 'twin' }).toArray();
    assert.equal(twin.length, 1);
    assert.ok(twin[0].lockedAt, 'the locked copy is kept');
    assert.equal(warnings.length, 1);
    assert.equal(await ensureUniqueJobKeyIndex(jobs), 0, 'created again at the next start: nothing to do');
    const idx = (await jobs.indexes()).find((i) => i.name === UNIQUE_JOB_KEY_INDEX.name);
    assert.ok(idx?.unique, 'the index is unique');
    assert.deepEqual(idx?.partialFilterExpression, { 'data.key': { $exists: true } });
    ok(`without the index two racing writers wrote ${before} of 1,000 keys twice; a collection holding a key twice gets the unique index at start: ${removed} extra copies removed, the locked one kept`);

    // ---- with the index: two writers, the same new keys at the same instant
    let batchFailures = 0;
    for (let round = 0; round < 20; round++) {
      const b = batch(round, 100, at);
      // the second writer given them in the opposite order every other round (unsorted, DocumentDB deadlocked)
      const r = await Promise.allSettled([saveUniqueJobs(w1, b), saveUniqueJobs(w2, round % 2 ? [...b].reverse() : b)]);
      batchFailures += r.filter((x) => x.status === 'rejected').length;
      for (const x of r) if (x.status === 'rejected') console.error(x.reason);
    }
    assert.equal(batchFailures, 0, 'no batch fails: a key the other writer inserted is already there');
    assert.deepEqual(await doubled(jobs), [], 'one job per key');
    assert.equal(await jobs.countDocuments({ name: NAME, 'data.round': { $gte: 0, $lt: 20 } }), 2000);
    ok('20 rounds of two writers saving the same 100 new keys at once (saveUniqueJobs): 2,000 jobs, one per key, no batch failed');

    // one job at a time (service-jobs/job-queue.ts enqueue), both workers, in opposite orders
    let singleFailures = 0;
    for (let round = 0; round < 5; round++) {
      const keys = Array.from({ length: 40 }, (_, i) => `single-${round}-${i}`);
      const one = (w: typeof w1, key: string) => saveUniqueJobs(w, [{ name: NAME, data: { key }, at }]).catch((err) => {
        singleFailures++;
        console.error(err);
      });
      await Promise.all([...keys.map((k) => one(w1, k)), ...[...keys].reverse().map((k) => one(w2, k))]);
    }
    assert.equal(singleFailures, 0, 'no single write fails');
    assert.deepEqual(await doubled(jobs), [], 'one job per key');
    assert.equal(await jobs.countDocuments({ name: NAME, 'data.key': /^single-/ }), 200);
    ok('single-job writes of the same keys from two workers at once (job-queue enqueue): 200 keys, one job each, none failed');

    // ---- what the index does not refuse
    await w1.create('no.key', { note: 'repeating jobs carry no key' }).schedule(at).save();
    await w2.create('no.key', { note: 'repeating jobs carry no key' }).schedule(at).save();
    assert.equal(await jobs.countDocuments({ name: 'no.key' }), 2);
    await saveUniqueJobs(w1, [{ name: 'other.name', data: { key: 'r0-k0' }, at }]);
    assert.equal(await jobs.countDocuments({ 'data.key': 'r0-k0' }), 2);
    ok('jobs without a key are not refused, and one key under two job names is two jobs');
  } finally {
    await w1.stop().catch(() => undefined);
    await w2.stop().catch(() => undefined);
    await c1.close();
    await c2.close();
  }
  console.log('ALL_SCENARIOS_PASSED');
}

main(process.argv[2]!).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
