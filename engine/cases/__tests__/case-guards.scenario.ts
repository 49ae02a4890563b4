/**
 * Scenario of case-guards.test.ts: the platform's use cases (engine/index.ts's Platform) called
 * directly, not through HTTP, with real cases of 丁堡镇 (dingbao) and 东镇街道 (dongzhen) on a
 * real database: an actor of the other town is refused by the engine itself (404, nothing of the
 * record), the own town works. Run as `node --import tsx case-guards.scenario.ts <uri>` (the
 * platform loads ES modules jest cannot); prints `ok <name>` per check and ALL_SCENARIOS_PASSED.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { NotFoundError, seedAll, startPlatform, type Actor } from '../..';
import { applicant } from '../../../test/helpers/people';

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

async function main(uri: string) {
  const logger = pino({ level: 'silent' });
  const platform = await startPlatform({ mongodbUri: uri, dbName: 'unused', embeddedDataDir: '', agendaProcessEveryMs: 60_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true }, logger);
  const ok = (name: string) => console.log(`ok ${name}`);
  try {
    await seedAll(platform, 'demo123', logger);
    const actor = async (username: string): Promise<Actor> => {
      const u: any = await platform.models.User.findById(username).lean();
      return { username, roles: u.roles, groups: u.groups ?? [], orgUnit: u.orgUnit, windowId: u.windowId };
    };
    const clerk = await actor('clerk');
    const other = await actor('dongzhen-w10-a');
    const otherHead = await actor('dongzhen-manager');
    const item = (await platform.catalogue.listItems({})).find((i: any) => i.procedure === 'report-up-item')!;
    const intake = async (who: Actor, name: string) => {
      const out = await platform.cases.intake({ itemCode: item.code, applicant: applicant(name), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) } as any, who);
      return out.case.caseNo as string;
    };
    const caseNo = await intake(clerk, '丁堡申请人丙');
    await intake(other, '东镇申请人丁');
    const kase: any = await platform.models.ServiceCase.findById(caseNo).lean();
    const task: any = await platform.models.Task.findOne({ instanceId: kase.instanceId, status: 'open', kind: 'engine' }).lean();
    assert.ok(task, 'the dingbao case has an open step');
    const before = JSON.stringify(await platform.models.Task.findById(task._id).lean());

    const refusals: [string, () => Promise<unknown>][] = [
      ['taskActions.get', () => platform.taskActions.get(task._id, other)],
      ['taskActions.form', () => platform.taskActions.form(task._id, other)],
      ['taskActions.claim', () => platform.taskActions.claim(task._id, other, '越权签收')],
      ['taskActions.complete', () => platform.taskActions.complete(task._id, { decision: 'approve', opinion: '越权' }, other)],
      ['taskActions.urge', () => platform.taskActions.urge(task._id, '越权催办', otherHead)],
      ['processService.completeTask', () => platform.processService.completeTask(task._id, { decision: 'approve' }, otherHead)],
      ['cases.getCase', () => platform.cases.getCase(caseNo, other)],
      ['supervision.pause', () => platform.supervision.pause(caseNo, { kind: 'supplement', reason: '越权暂停' }, other)],
      ['supervision.extend', () => platform.supervision.extend(caseNo, { clock: 'promised', days: 3, reason: '越权延长' }, otherHead)],
    ];
    for (const [name, call] of refusals) {
      const err = await failure(call());
      assert.ok(err instanceof NotFoundError, `${name} by another town: ${err}`);
      assert.doesNotMatch(JSON.stringify({ message: err.message, details: err.details }), /丁堡申请人丙|applicant|variables/, name);
      ok(`${name} by another town: 404 ${err.code}, nothing of the record`);
    }
    assert.equal(JSON.stringify(await platform.models.Task.findById(task._id).lean()), before, 'a refused action changed the task');
    const clocks = await platform.supervision.clocksOf(caseNo, clerk);
    assert.ok(clocks.every((c: any) => !c.extension && !(c.pauses ?? []).length), 'a refused pause or extension was written');
    ok('nothing a refused action would write was written');
    // the own town works
    assert.equal((await platform.taskActions.get(task._id, clerk)).id, task._id);
    const mine = await platform.taskActions.inbox(clerk, 'all');
    assert.ok(!(await platform.taskActions.inbox(other, 'all')).some((t: any) => t.caseNo === caseNo), 'another town\'s inbox shows the dingbao case');
    assert.ok(mine.some((t: any) => t.id === task._id) || (await platform.taskActions.inbox(clerk, 'mine')).some((t: any) => t.id === task._id), 'the own inbox lacks the step');
    await platform.taskActions.complete(task._id, { decision: 'approve', opinion: '同意' }, { ...clerk, username: task.assignee ?? clerk.username });
    ok('the own town reads, lists and completes the step');
    console.log('ALL_SCENARIOS_PASSED');
  } finally {
    await platform.close();
  }
}

main(process.argv[2]!).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
