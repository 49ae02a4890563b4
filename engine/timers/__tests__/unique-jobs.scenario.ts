/**
 * Scenario of unique-jobs.test.ts (its own Node process: Agenda 6 is ESM only), on a real database
 * and a real Agenda 6.2.6 + @agendajs/mongo-backend 4.0.3:
 * - a job written by `saveUniqueJobs` is, field for field, the document Agenda's own insert-only
 *   `create().schedule().unique().save()` writes (nulls, type, priority, lastModifiedBy);
 * - insert-only both ways: a job already there keeps its time and data, whoever writes it again;
 * - the BPMN timers of one command cost one round trip (`update agendaJobs`), none for no timers;
 * - Agenda's batch lock (agenda-lock.ts) finds such jobs and runs each once.
 * Run as `node --import tsx unique-jobs.scenario.ts <uri>`; prints `ok <name>` per check and
 * ALL_SCENARIOS_PASSED, exits 1 on the first failure.
 */
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { AGENDA_DUE_INDEX, AGENDA_JOB_INDEXES, AGENDA_LOCK_INDEX } from '../../persistence/models';
import { RoundTripCounter, withCommandMonitoring } from '../../services/round-trip-counter';
import { AgendaTimerScheduler, createAgenda } from '../agenda-timers';
import { BPMN_TIMER_JOB } from '../timer-port';
import { agendaJobs, saveUniqueJobs } from '../unique-jobs';

const ok = (name: string) => console.log(`ok ${name}`);

async function main(uri: string) {
  const client = await MongoClient.connect(withCommandMonitoring(uri));
  const db = client.db();
  const raw = db.collection('agendaJobs');
  for (const key of AGENDA_JOB_INDEXES) await raw.createIndex(key);
  await raw.createIndex(AGENDA_LOCK_INDEX.key, { name: AGENDA_LOCK_INDEX.name });
  // the index the lock's due query names as its hint (agenda-lock.ts, e6800bc): without it the lock query fails and nothing runs
  await raw.createIndex(AGENDA_DUE_INDEX.key, { name: AGENDA_DUE_INDEX.name });
  const agenda = createAgenda(db as any, { processEveryMs: 100 });
  try {
    const jobs = await agendaJobs(agenda);
    assert.equal(jobs.collectionName, 'agendaJobs');

    // ---- the document Agenda writes
    const at = new Date(Date.now() + 3_600_000);
    await agenda.create('shape.check', { key: 'by-agenda', clockId: 'c1', rung: 'warning', version: 1 }).schedule(at).unique({ 'data.key': 'by-agenda' }, { insertOnly: true }).save();
    await saveUniqueJobs(agenda, [{ name: 'shape.check', data: { key: 'by-batch', clockId: 'c1', rung: 'warning', version: 1 }, at }]);
    const norm = (d: any) => {
      const { _id, ...rest } = d;
      assert.ok(_id, 'an _id');
      return { ...rest, data: { ...rest.data, key: 'K' } };
    };
    const a = await jobs.findOne({ 'data.key': 'by-agenda' });
    const b = await jobs.findOne({ 'data.key': 'by-batch' });
    assert.ok(a && b);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), 'the same fields');
    assert.deepEqual(norm(b), norm(a), 'the same values');
    assert.equal(typeof b.lastModifiedBy, 'string', "lastModifiedBy is this Agenda's name");
    assert.ok(b.nextRunAt instanceof Date && b.nextRunAt.getTime() === at.getTime());
    ok('a job written in a batch is the document Agenda writes (every field, nulls included)');

    // ---- insert-only, both ways
    const later = new Date(at.getTime() + 60_000);
    await saveUniqueJobs(agenda, [
      { name: 'shape.check', data: { key: 'by-batch', clockId: 'c1', rung: 'warning', version: 2 }, at: later },
      { name: 'shape.check', data: { key: 'by-agenda', clockId: 'c1', rung: 'warning', version: 2 }, at: later },
    ]);
    await agenda.create('shape.check', { key: 'by-batch', clockId: 'c1', rung: 'warning', version: 3 }).schedule(later).unique({ 'data.key': 'by-batch' }, { insertOnly: true }).save();
    for (const key of ['by-agenda', 'by-batch']) {
      const all = await jobs.find({ 'data.key': key }).toArray();
      assert.equal(all.length, 1, `one job ${key}`);
      assert.equal(all[0].nextRunAt.getTime(), at.getTime(), `${key} keeps its time`);
      assert.equal(all[0].data.version, 1, `${key} keeps its data`);
    }
    ok('insert-only: a job already there keeps its time and data, written again by a batch or by Agenda');

    // ---- one round trip for a command's timers
    const counter = new RoundTripCounter(client);
    const scheduler = new AgendaTimerScheduler(agenda);
    const due = new Date(Date.now() + 7_200_000);
    const three = await counter.measure(() =>
      scheduler.schedule([
        { instanceId: 'i-1', elementId: 'town-accept-deadline', expireAt: due },
        { instanceId: 'i-1', elementId: 'town-review-deadline', expireAt: due },
        { instanceId: 'i-1', elementId: 'city-approval-deadline', expireAt: due, keySuffix: 'r3' },
      ]),
    );
    assert.deepEqual(three.byCommand, { 'update agendaJobs': 1 }, `three timers in one round trip, not ${three.total}`);
    const none = await counter.measure(() => scheduler.schedule([]));
    assert.equal(none.total, 0);
    const again = await counter.measure(() => scheduler.schedule([{ instanceId: 'i-1', elementId: 'town-accept-deadline', expireAt: due }]));
    assert.equal(again.total, 1);
    assert.equal(await jobs.countDocuments({ name: BPMN_TIMER_JOB, 'data.instanceId': 'i-1' }), 3, 'the same timer again is the same job');
    const t = await jobs.findOne({ name: BPMN_TIMER_JOB, 'data.key': `i-1:city-approval-deadline:${due.toISOString()}:r3` });
    assert.deepEqual(t?.data, { key: `i-1:city-approval-deadline:${due.toISOString()}:r3`, instanceId: 'i-1', elementId: 'city-approval-deadline', expireAt: due.toISOString() });
    counter.detach();
    ok('the timers of a command are one round trip (update agendaJobs), none for no timers; the same timer twice is one job');

    // ---- Agenda's lock finds them and runs each once
    const ran: string[] = [];
    agenda.define('run.check', async (job: any) => {
      ran.push(job.attrs.data.key);
    });
    await saveUniqueJobs(agenda, [
      { name: 'run.check', data: { key: 'r1' }, at: new Date(Date.now() - 1000) },
      { name: 'run.check', data: { key: 'r2' }, at: new Date() },
      { name: 'run.check', data: { key: 'r3' }, at: new Date(Date.now() + 3_600_000) },
    ]);
    await agenda.start();
    for (const until = Date.now() + 15_000; ran.length < 2 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 600)); // a few more polls: nothing runs twice
    assert.deepEqual([...ran].sort(), ['r1', 'r2'], `ran ${JSON.stringify(ran)}`);
    assert.equal(await jobs.countDocuments({ name: 'run.check' }), 1, 'the jobs that ran are removed; the one not due stays');
    ok("Agenda's batch lock runs the due jobs written in a batch once each, and leaves the one not due");
  } finally {
    await agenda.stop().catch(() => undefined);
    await client.close();
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
