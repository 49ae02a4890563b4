/**
 * Scenario of working-day-timers.test.ts: the engine's boundary timers of the shipped report-up
 * path fire when the step clock breaches (issue 11 / issue 13's leftover), on a real platform and
 * database, time moved through the platform's Clock port (no sleeps; Agenda does not poll — the
 * timer job's use case `fireTimers` is called with the job's own data, as the worker does).
 * - 镇窗口受理 `PT8H` taken in on Friday 4 December 2026 09:00 at 东镇街道: its timer job and its
 *   step clock are both due Monday 7 December at close of business;
 * - 镇级初审 `P3D` reached on Friday 10:00: both due Wednesday 9 December 17:30; the job run on
 *   Monday after 72 hours changes nothing; run at the due time it escalates, and the escalation is
 *   the step clock's (one for the step, not two);
 * - 镇窗口受理 taken in on 30 September 2026 (National Day 1–7 October): due 8 October 17:30.
 * Run as `node --import tsx working-day-timers.scenario.ts <uri>`; prints `ok <name>` per check and
 * ALL_SCENARIOS_PASSED, exits 1 on the first failure.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { seedAll, startPlatform, type Actor } from '../..';
import { applicant } from '../../../test/helpers/people';

const cst = (s: string) => new Date(`${s}+08:00`);

async function main(uri: string) {
  const logger = pino({ level: 'silent' });
  let at = cst('2026-12-04T09:00:00');
  const clock = { now: () => new Date(at) };
  const platform = await startPlatform({ mongodbUri: uri, dbName: 'unused', embeddedDataDir: '', agendaProcessEveryMs: 3_600_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true, clock } as any, logger);
  const ok = (name: string) => console.log(`ok ${name}`);
  try {
    await seedAll(platform, 'demo123', logger);
    const u: any = await platform.models.User.findById('dongzhen-w10-a').lean();
    const clerk: Actor = { username: u._id, roles: u.roles, groups: u.groups ?? [], orgUnit: u.orgUnit, windowId: u.windowId };
    const item = (await platform.catalogue.listItems({})).find((i: any) => i.procedure === 'report-up-item')!;
    const jobs = platform.models.Instance.db.collection('agendaJobs');
    const intake = async (name: string) => {
      const out = await platform.cases.intake({ itemCode: item.code, applicant: applicant(name, '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) } as any, clerk);
      const kase: any = await platform.models.ServiceCase.findById(out.case.caseNo).lean();
      return { caseNo: kase._id as string, instanceId: kase.instanceId as string };
    };
    const openTask = async (instanceId: string, elementId: string) => {
      const t: any = await platform.models.Task.findOne({ instanceId, elementId, status: 'open' }).lean();
      assert.ok(t, `${elementId} is open`);
      return t;
    };
    const timerJob = async (instanceId: string, elementId: string) => {
      const j: any = await jobs.findOne({ name: 'bpmn.timer.fire', 'data.instanceId': instanceId, 'data.elementId': elementId });
      assert.ok(j, `a timer job for ${elementId}`);
      return j;
    };
    const stepClock = async (taskId: string) => {
      const c: any = await platform.models.Clock.findById(`step:${taskId}`).lean();
      assert.ok(c, `the step clock of ${taskId}`);
      return c;
    };

    // ---- Friday: 镇窗口受理 (PT8H = one working day) at 东镇街道
    const a = await intake('阿卜杜·热合曼');
    const accept = await openTask(a.instanceId, 'town-accept');
    const acceptJob = await timerJob(a.instanceId, 'town-accept-deadline');
    const monday1730 = cst('2026-12-07T17:30:00').toISOString();
    assert.equal(new Date(acceptJob.nextRunAt).toISOString(), monday1730, '镇窗口受理 timer due Monday at close of business');
    assert.equal(new Date((await stepClock(accept._id)).dueAt).toISOString(), monday1730, 'the step clock says the same');
    ok('镇窗口受理 PT8H taken on Friday 09:00: timer job and step clock both due Monday 17:30');

    // ---- Friday 10:00: 镇级初审 (P3D)
    at = cst('2026-12-04T10:00:00');
    await platform.processService.completeTask(accept._id, { decision: 'approve' }, clerk);
    const review = await openTask(a.instanceId, 'town-review');
    const reviewJob = await timerJob(a.instanceId, 'town-review-deadline');
    const wednesday1730 = cst('2026-12-09T17:30:00').toISOString();
    assert.equal(new Date(reviewJob.nextRunAt).toISOString(), wednesday1730, '镇级初审 timer due Wednesday at close of business');
    assert.equal(new Date((await stepClock(review._id)).dueAt).toISOString(), wednesday1730, 'the step clock says the same');
    ok('镇级初审 P3D reached on Friday 10:00: timer job and step clock both due Wednesday 17:30 (not Monday 10:00)');

    // Monday 10:00 — 72 hours later — the job (run early, e.g. scheduled by an older version) finds nothing due
    at = cst('2026-12-07T10:00:00');
    assert.equal(await platform.processService.fireTimers(a.instanceId, reviewJob.data), false, 'nothing moves on Monday');
    assert.equal(await platform.models.Escalation.countDocuments({ instanceId: a.instanceId, taskElementId: 'town-review' }), 0, 'no escalation on Monday');
    ok('on Monday after 72 hours the review timer does not fire');

    // Wednesday 17:30: due — it escalates, the step stays open, one escalation for the step
    at = cst('2026-12-09T17:30:00');
    assert.equal(await platform.processService.fireTimers(a.instanceId, reviewJob.data), true, 'the timer fires at the due time');
    const escs: any[] = await platform.models.Escalation.find({ instanceId: a.instanceId, taskElementId: 'town-review' }).lean();
    assert.equal(escs.length, 1, 'one escalation for the review step');
    assert.equal(escs[0].escalationCode, 'deadline.breach');
    assert.equal(escs[0].clockId, `step:${review._id}`, "it is the step clock's escalation (one for the lateness, not two)");
    assert.ok(await platform.models.Task.exists({ _id: review._id, status: 'open' }), 'the review stays open (non-interrupting)');
    ok('at Wednesday 17:30 the review timer escalates once; the step stays open');

    // ---- 30 September: 镇窗口受理 before National Day
    at = cst('2026-09-30T10:00:00');
    const b = await intake('阿依古丽·买买提');
    const holidayAccept = await openTask(b.instanceId, 'town-accept');
    const holidayJob = await timerJob(b.instanceId, 'town-accept-deadline');
    const oct8 = cst('2026-10-08T17:30:00').toISOString();
    assert.equal(new Date(holidayJob.nextRunAt).toISOString(), oct8, 'due on the first working day after the holiday');
    assert.equal(new Date((await stepClock(holidayAccept._id)).dueAt).toISOString(), oct8, 'the step clock says the same');
    at = cst('2026-10-01T18:00:00');
    assert.equal(await platform.processService.fireTimers(b.instanceId, holidayJob.data), false, 'not on 1 October');
    at = cst('2026-10-08T17:30:00');
    assert.equal(await platform.processService.fireTimers(b.instanceId, holidayJob.data), true, 'on 8 October 17:30');
    ok('镇窗口受理 on 30 September: due 8 October 17:30 (National Day 1–7 October not counted); fires then, not on 1 October');

    console.log('ALL_SCENARIOS_PASSED');
  } finally {
    await platform.close();
  }
}

main(process.argv[2]).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
