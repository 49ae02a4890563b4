/**
 * Scenario of clock-round-trips.test.ts (issue 11, item 3), on a real platform and database, round
 * trips counted with the driver's command monitoring (Agenda does not poll: nothing else runs):
 * - a clock starts in two round trips — ONE insert carrying its deadline and signal times (the
 *   centre's close of business from the org cache), ONE batch of its signal jobs; before, the org
 *   unit read, the insert, an update with the deadline, then a save per rung;
 * - starting it again (a repair after a kill) reads it and ensures its jobs: none doubled, the
 *   missing ones written again;
 * - two clocks start in the same two round trips (`startClocks`);
 * - a ledger change (a step changing hands) writes the clock, its new version's jobs in one
 *   batch and drops the older versions' jobs in one delete;
 * - a stale version's job that fires writes the current version's jobs when they are missing.
 * Run as `node --import tsx clock-round-trips.scenario.ts <uri>`; prints `ok <name>` per check and
 * ALL_SCENARIOS_PASSED, exits 1 on the first failure.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { seedAll, startPlatform } from '../..';
import { RoundTripCounter, withCommandMonitoring } from '../../services/round-trip-counter';
import { parseBudget } from '../clock-ledger';

const ok = (name: string) => console.log(`ok ${name}`);

async function main(uri: string) {
  const logger = pino({ level: 'silent' });
  const platform = await startPlatform({ mongodbUri: withCommandMonitoring(uri), dbName: 'unused', embeddedDataDir: '', agendaProcessEveryMs: 3_600_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true } as any, logger);
  const counter = new RoundTripCounter(platform.models.Instance.db.getClient() as any);
  try {
    await seedAll(platform, 'demo123', logger);
    const sup = platform.supervision;
    const { Clock } = platform.models;
    const jobs = platform.models.Instance.db.collection('agendaJobs');
    const jobsOf = async (clockId: string) => (await jobs.find({ name: 'supervision.clock.signal', 'data.clockId': clockId }).toArray()).sort((x: any, y: any) => x.data.key.localeCompare(y.data.key));
    const expectJobsOf = async (clockId: string) => {
      const c: any = await Clock.findById(clockId).lean();
      const want = Object.entries(c.signalsAt as Record<string, Date>).filter(([r]) => !(c.fired ?? []).includes(r)).map(([rung, at]) => ({ key: `${clockId}:${rung}:${c.version}`, at: new Date(at).getTime() })).sort((x, y) => x.key.localeCompare(y.key));
      const have = (await jobsOf(clockId)).map((j: any) => ({ key: j.data.key, at: new Date(j.nextRunAt).getTime() }));
      assert.deepEqual(have, want, `the jobs of ${clockId}: one per rung to come, of its version, at its time`);
      return c;
    };
    const now = new Date();
    const start = (id: string) => ({ id, kind: 'complaint', label: `投诉 ${id}`, orgUnit: 'dingbao', budget: parseBudget('5'), startedAt: now });
    await sup.startClock(start('complaint:warm')); // the calendar and the org cache read once

    // ---- one clock: two round trips
    const first = await counter.measure(() => sup.startClock(start('complaint:c1')));
    assert.deepEqual(first.byCommand, { 'insert clocks': 1, 'update agendaJobs': 1 }, `a clock start sent ${first.sequence.join(', ')}`);
    const c1 = await expectJobsOf('complaint:c1');
    assert.equal(c1.version, 1);
    assert.equal(c1.status, 'running');
    assert.equal(c1.closeTime, '17:30', "the centre's close of business");
    assert.ok(c1.dueAt && new Date(c1.dueAt).getTime() === new Date(c1.signalsAt.breach).getTime(), 'the deadline is written with the clock');
    assert.equal(Object.keys(c1.signalsAt).length, 4);
    ok('a clock starts in two round trips: one insert with its deadline and signals, one batch of its four signal jobs');

    // ---- started again: its jobs ensured, none doubled; lost ones written again
    const again = await counter.measure(() => sup.startClock(start('complaint:c1')));
    assert.deepEqual(again.byCommand, { 'insert clocks': 1, 'find clocks': 1, 'update agendaJobs': 1 }, `a repeated start sent ${again.sequence.join(', ')}`);
    await expectJobsOf('complaint:c1');
    await jobs.deleteMany({ 'data.clockId': 'complaint:c1', 'data.rung': { $in: ['breach', 'serious'] } }); // as if killed between the clock and its jobs
    await sup.startClock(start('complaint:c1'));
    await expectJobsOf('complaint:c1');
    ok('a clock started again (a repair) gets its missing jobs once, nothing doubled');

    // ---- two clocks in the same two round trips
    const two = await counter.measure(() => sup.startClocks([start('complaint:c2'), start('complaint:c3')]));
    assert.deepEqual(two.byCommand, { 'insert clocks': 1, 'update agendaJobs': 1 }, `two clock starts sent ${two.sequence.join(', ')}`);
    await expectJobsOf('complaint:c2');
    await expectJobsOf('complaint:c3');
    ok('two clocks start in the same two round trips (startClocks)');

    // ---- a ledger change: the clock, one batch of the new version's jobs, one delete of the older ones
    await sup.startClock({ ...start('step:t-move'), kind: 'step', taskId: 't-move', holder: 'dingbao-w01-a' });
    const reassign = await counter.measure(() => sup.reassign('t-move', 'dingbao-w01-b', 'dingbao-w01'));
    assert.deepEqual(reassign.byCommand, { 'findAndModify clocks': 1, 'update clocks': 1, 'update agendaJobs': 1, 'delete agendaJobs': 1 }, `a reassignment sent ${reassign.sequence.join(', ')}`);
    const moved2 = await expectJobsOf('step:t-move');
    assert.equal(moved2.version, 2);
    assert.equal(moved2.holder, 'dingbao-w01-b');
    const same = await counter.measure(() => sup.reassign('t-move', 'dingbao-w01-b', 'dingbao-w01'));
    assert.deepEqual(same.byCommand, { 'findAndModify clocks': 1 }, 'the same holder again: nothing rescheduled');
    ok('a step changing hands: the clock, its new version\'s jobs in one batch, the older versions\' in one delete');

    // ---- a stale version's job firing brings back the current version's jobs
    await jobs.deleteMany({ 'data.clockId': 'step:t-move' }); // as if killed after the clock's new version, before its jobs
    assert.equal(await sup.fire('step:t-move', 'warning', 1), false, 'a stale version does not fire');
    await expectJobsOf('step:t-move');
    ok("a stale version's job that fires writes the current version's jobs (insert-only)");

    // ---- three clocks stopped at once (a case's end): one read, one bulk write, one delete
    await Clock.updateOne({ _id: 'complaint:c3' }, { $set: { status: 'stopped', stoppedAt: now, result: 'early' } });
    const stopAt = new Date(now.getTime() + 60_000);
    const stop = await counter.measure(() => sup.stopClocks(['complaint:c1', 'complaint:c2', 'complaint:c3', 'complaint:c2'], stopAt));
    assert.deepEqual(stop.byCommand, { 'find clocks': 1, 'update clocks': 1, 'delete agendaJobs': 1 }, `stopping three clocks sent ${stop.sequence.join(', ')}`);
    for (const id of ['complaint:c1', 'complaint:c2']) {
      const c: any = await Clock.findById(id).lean();
      assert.equal(c.status, 'stopped');
      assert.equal(c.result, 'early', `${id} stopped a minute after it started: early`);
      assert.equal(new Date(c.stoppedAt).getTime(), stopAt.getTime());
      assert.equal(await jobs.countDocuments({ 'data.clockId': id }), 0, `${id} has no job left`);
    }
    assert.equal(((await Clock.findById('complaint:c3').lean()) as any).stoppedAt.getTime(), now.getTime(), 'a clock stopped before keeps its stop');
    assert.ok((await jobs.countDocuments({ 'data.clockId': 'step:t-move' })) > 0, 'other clocks keep their jobs');
    ok('three clocks stopped at once: one read, one bulk write of the stops, one delete of their jobs');
  } finally {
    counter.detach();
    await platform.close();
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
