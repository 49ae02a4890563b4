/**
 * Child process of audit-batch.test.ts (the platform's kills): the platform's own intake and
 * completion, SIGKILLed at a named point of an audit batch (`PLATFORM_FAULT_INJECTION=1
 * PLATFORM_KILL_AT=<point>`), then — in a new process — the repairs a restarted worker runs.
 * Run as `node --import tsx audit-batch-kill.scenario.ts <uri> <phase> [caseNo]`:
 * - `intake`: seeds (once) and takes in an immediate item at 丁堡镇's window; prints `case <no>`;
 * - `complete`: completes the case's open step;
 * - `repair`: the case repair and the projection sweep (as after a restart), then prints the
 *   case's chain as `chain <json>`.
 * The platform loads ES modules jest cannot, hence the child process.
 */
import pino from 'pino';
import { seedAll, startPlatform, type Actor } from '../..';
import { applicant } from '../../../test/helpers/people';

async function main(uri: string, phase: string, caseNo?: string) {
  const logger = pino({ level: 'silent' });
  const platform = await startPlatform({ mongodbUri: uri, dbName: 'unused', embeddedDataDir: '', agendaProcessEveryMs: 60_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true }, logger);
  try {
    const actor = async (username: string): Promise<Actor> => {
      const u: any = await platform.models.User.findById(username).lean();
      return { username, roles: u.roles, groups: u.groups ?? [], orgUnit: u.orgUnit, windowId: u.windowId };
    };
    if (phase === 'intake') {
      if (!(await platform.models.User.exists({ _id: 'clerk' }))) await seedAll(platform, 'demo123', logger);
      const item = (await platform.catalogue.listItems({})).find((i: any) => i.procedure === 'immediate-item')!;
      const clerk = await actor('clerk');
      await platform.cases.intake({ itemCode: item.code, applicant: applicant('欧阳·娜娜'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) } as any, clerk, {
        onNumber: async (no) => console.log(`case ${no}`),
      });
    } else if (phase === 'complete') {
      const kase: any = await platform.models.ServiceCase.findById(caseNo).lean();
      const task: any = await platform.models.Task.findOne({ instanceId: kase.instanceId, status: 'open' }).lean();
      await platform.taskActions.complete(task._id, { decision: 'approve', opinion: '材料齐全，准予办理。' }, await actor(task.assignee ?? 'clerk'));
    } else if (phase === 'repair') {
      const later = new Date(Date.now() + 60_000);
      await platform.processService.projectPending(0);
      await platform.cases.repairInterrupted(later, 0);
      // the follow-ups of what the repair itself appended, if any failed: a second sweep
      await platform.cases.repairInterrupted(later, 0);
      const events = await platform.models.AuditEvent.find({ caseNo }).sort({ seq: 1 }).lean();
      const verify = await platform.audit.verify(caseNo!);
      const pending = await platform.models.AuditPending.countDocuments({ caseNo });
      const kase: any = await platform.models.ServiceCase.findById(caseNo, { status: 1 }).lean();
      console.log(`chain ${JSON.stringify({ status: kase?.status, valid: verify.valid, pending, events: events.map((e) => ({ type: e.type, key: e.dedupeKey ?? null, data: JSON.parse(e.data) })) })}`);
    }
    console.log('done');
  } finally {
    await platform.close();
  }
}

main(process.argv[2], process.argv[3], process.argv[4]).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
