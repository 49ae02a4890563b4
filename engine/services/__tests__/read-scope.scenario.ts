/**
 * Scenario of read-scope.test.ts: the engine's reads that used to trust their caller —
 * ProcessService.getCase, SupervisionService.get and clocksOf, FeedbackService.ratingsOf — called
 * directly (no HTTP, no access guard) on a real platform with a real case of 东镇街道 (dongzhen),
 * its clocks and a real escalation (its promised limit breached), and a bare instance of 丁堡镇.
 * Readers: a clerk of another town (丁堡镇 `clerk`), a department clerk (`deptclerk`, 丁堡镇), the
 * centre head of another town (`manager`), a supervisor, the own town's clerk and centre head.
 * Foreign records are refused with the HTTP layer's codes (404 CASE_NOT_FOUND /
 * ESCALATION_NOT_FOUND, 403 ROLE_REQUIRED) and nothing of the record; the own town reads.
 * Run as `node --import tsx read-scope.scenario.ts <uri>`; prints `ok <name>` per check and
 * ALL_SCENARIOS_PASSED, exits 1 on the first failure.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { ForbiddenError, NotFoundError, SYSTEM_ACTOR, seedAll, startPlatform, type Actor } from '../..';
import { applicant } from '../../../test/helpers/people';

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

async function main(uri: string) {
  const logger = pino({ level: 'silent' });
  // the platform's clock, moved forward by the scenario (no waiting for the breach)
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const platform = await startPlatform({ mongodbUri: uri, dbName: 'unused', embeddedDataDir: '', agendaProcessEveryMs: 60_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true, clock }, logger);
  const ok = (name: string) => console.log(`ok ${name}`);
  try {
    await seedAll(platform, 'demo123', logger);
    const actor = async (username: string): Promise<Actor> => {
      const u: any = await platform.models.User.findById(username).lean();
      assert.ok(u, `demo user ${username}`);
      return { username, roles: u.roles, groups: u.groups ?? [], orgUnit: u.orgUnit, windowId: u.windowId };
    };
    const dingbaoClerk = await actor('clerk');
    const dingbaoClerkB = await actor('clerkb');
    const deptClerk = await actor('deptclerk');
    const dingbaoHead = await actor('manager');
    const supervisor = await actor('supervisor');
    const ownClerk = await actor('dongzhen-w10-a');
    const ownHead = await actor('dongzhen-manager');
    assert.equal(deptClerk.orgUnit, 'dingbao');

    // a 东镇街道 case whose promised limit (2 s) breaches: a real clock and a real escalation
    const name = '阿依古丽·买买提';
    const item = (await platform.catalogue.listItems({})).find((i: any) => i.procedure === 'report-up-item')!;
    const out = await platform.cases.intake({ itemCode: item.code, applicant: applicant(name), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT2S', statutoryLimit: 'PT1H' } } as any, ownClerk);
    const caseNo = out.case.caseNo as string;
    const kase: any = await platform.models.ServiceCase.findById(caseNo).lean();
    assert.equal(kase.orgUnit, 'dongzhen');
    const instanceId = kase.instanceId as string;
    const promised: any = await platform.models.Clock.findById(`${caseNo}:promised`).lean();
    assert.ok(promised?.signalsAt?.breach, 'the case has a promised clock with a breach time');
    // the platform's clock past the breach, then the signal job's use case (Agenda polls once a minute here)
    offsetMs = new Date(promised.signalsAt.breach).getTime() - Date.now() + 1000;
    assert.equal(await platform.supervision.fire(promised._id, 'breach', promised.version), true, 'the breach rang');
    const esc: any = await platform.models.Escalation.findOne({ caseNo }).lean();
    assert.ok(esc, 'the breach opened an escalation');
    assert.equal(esc.orgUnit, 'dongzhen');
    const escId = String(esc._id);

    // a bare instance (no service case) started by a 丁堡镇 clerk
    const defKey = item.procedure as string;
    const bare = await platform.processService.startCase(defKey, { orgUnit: 'dingbao', receivingWindow: 'dingbao-w01', responsible: 'clerk', department: 'land' }, dingbaoClerk);

    const expectRefused = async (what: string, call: () => Promise<unknown>, kind: typeof NotFoundError | typeof ForbiddenError, code: string) => {
      const err: any = await failure(call());
      assert.ok(err instanceof kind, `${what}: expected ${kind.name} ${code}, got ${err?.name ?? 'an answer'} ${err?.code ?? JSON.stringify(err ?? null)?.slice(0, 200)}`);
      assert.equal(err.code, code, what);
      assert.doesNotMatch(JSON.stringify({ message: err.message, details: err.details ?? null }), new RegExp(`${name}|applicant|variables|dueAt`), `${what}: the refusal shows something of the record`);
      ok(`${what}: ${kind === NotFoundError ? 404 : 403} ${code}`);
    };

    // ---- a clerk of another town, a department clerk (丁堡镇), the centre head of another town
    for (const [who, a] of [['clerk of 丁堡镇', dingbaoClerk], ['department clerk of 丁堡镇', deptClerk], ['centre head of 丁堡镇', dingbaoHead]] as const) {
      await expectRefused(`processService.getCase of a 东镇街道 case by the ${who}`, () => platform.processService.getCase(instanceId, a), NotFoundError, 'CASE_NOT_FOUND');
      await expectRefused(`supervision.clocksOf a 东镇街道 case by the ${who}`, () => platform.supervision.clocksOf(caseNo, a), NotFoundError, 'CASE_NOT_FOUND');
      await expectRefused(`feedback.ratingsOf a 东镇街道 case by the ${who}`, () => platform.feedback.ratingsOf(caseNo, a), NotFoundError, 'CASE_NOT_FOUND');
    }
    // an escalation: a clerk has no such role (403, as the HTTP table); the other town's head is told it does not exist
    await expectRefused('supervision.get of a 东镇街道 escalation by the clerk of 丁堡镇', () => platform.supervision.get(escId, dingbaoClerk), ForbiddenError, 'ROLE_REQUIRED');
    await expectRefused('supervision.get of a 东镇街道 escalation by the department clerk', () => platform.supervision.get(escId, deptClerk), ForbiddenError, 'ROLE_REQUIRED');
    await expectRefused('supervision.get of a 东镇街道 escalation by the centre head of 丁堡镇', () => platform.supervision.get(escId, dingbaoHead), NotFoundError, 'ESCALATION_NOT_FOUND');
    await expectRefused('supervision.get of a 东镇街道 escalation by its own town\'s clerk (no such role)', () => platform.supervision.get(escId, ownClerk), ForbiddenError, 'ROLE_REQUIRED');
    // a bare instance of 丁堡镇: another town's clerk is refused, the starter's colleague reads
    await expectRefused('processService.getCase of a 丁堡镇 bare instance by a 东镇街道 clerk', () => platform.processService.getCase(bare.id, ownClerk), NotFoundError, 'CASE_NOT_FOUND');
    // nothing that does not exist is readable, whoever asks
    await expectRefused('processService.getCase of no instance, by a supervisor', () => platform.processService.getCase('no-such-instance', supervisor), NotFoundError, 'CASE_NOT_FOUND');
    await expectRefused('supervision.clocksOf no case, by a supervisor', () => platform.supervision.clocksOf('DZ-20260101-9999', supervisor), NotFoundError, 'CASE_NOT_FOUND');

    // ---- the own town's clerk and head, and a supervisor, read the records
    for (const [who, a] of [['own town\'s clerk', ownClerk], ['own town\'s centre head', ownHead], ['supervisor', supervisor]] as const) {
      const view: any = await platform.processService.getCase(instanceId, a);
      assert.equal(view.id, instanceId, who);
      assert.ok(view.tasks.length > 0, `${who} sees the steps`);
      const clocks = await platform.supervision.clocksOf(caseNo, a);
      assert.ok(clocks.some((c: any) => c.id === `${caseNo}:promised` && (c.fired ?? []).includes('breach')), `${who} sees the breached promised clock`);
      assert.deepEqual(await platform.feedback.ratingsOf(caseNo, a), [], `${who} reads the (no) ratings`);
      ok(`the ${who} reads the case, its clocks and ratings`);
    }
    assert.equal((await platform.supervision.get(escId, ownHead)).id, escId);
    assert.equal((await platform.supervision.get(escId, supervisor)).id, escId);
    ok('the own town\'s centre head and the supervisor read the escalation');
    assert.equal((await platform.processService.getCase(bare.id, dingbaoClerkB)).id, bare.id);
    assert.equal((await platform.processService.getCase(bare.id, SYSTEM_ACTOR)).id, bare.id);
    ok('a 丁堡镇 colleague of the starter and the system read the bare instance');
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
