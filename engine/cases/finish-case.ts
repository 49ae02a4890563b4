/**
 * The end of a case (办结): approved unless a review or approval step's last decision was reject,
 * failed when its instance was cancelled or failed — its clocks stopped, `case.ended` (or
 * `case.failed`), the completion or return notice, a follow-up visit for the sample, the
 * responsible clerk told.
 */
import { isDuplicateKey } from '../persistence/models';
import type { CaseContext } from './context';
import { issueNotice } from './issue-notice';
import { notify } from './notifications';

/**
 * Ends the case: approved unless a review or approval step's last decision was reject. Only the
 * writer whose conditional update moves the case out of `in-progress` writes the end's events,
 * notices and messages: a projection that finds the case not in progress (still `accepting`, its
 * acceptance cut short — the acceptance ends it when it finishes — or ended already) writes
 * nothing, so `case.ended` never precedes `case.accepted` (the acceptance writes its events before
 * the case is in progress: `accept-application.ts`). The update names the instance that
 * ended the case (`endedByInstance`); a later call for that instance (a replayed projection: the
 * writer was killed, lost the database half-way, or its audit batch did not go out) writes the
 * follow-ups again, each keyed, so nothing doubles.
 *
 * A case not yet in progress whose path is started (its acceptance under way: `accepting`, or
 * `awaiting-supplement` while a supplement's acceptance starts the path) is told that its instance
 * ended (`instanceEnded` on the case): the acceptance's write of 'in-progress' returns the case
 * and ends it. Both are writes of the one case document, so whichever comes second sees the
 * other — unlike the instance head, which moves only after the projection's listeners, the mark
 * cannot lag (issue 12: an acceptance that read a head not yet moved left the case in progress).
 */
export async function finishCase(ctx: CaseContext, caseNo: string, instanceId: string, engineStatus: string) {
  const { models, clock, clocks, followUps } = ctx.deps;
  // the case's steps in every instance of it: a called process's too (调用活动: the city's 不予批准 in a 上报件)
  const tasks = await models.Task.find({ caseNo, status: 'completed' }).sort({ completedAt: 1 }).lean();
  const lastByElement = new Map<string, any>();
  for (const t of tasks) if ((t.kind ?? 'engine') === 'engine') lastByElement.set(`${t.instanceId}:${t.elementId}`, t);
  const rejected = [...lastByElement.values()].some((t) => (t.outcome as any)?.decision === 'reject');
  let outcome = engineStatus === 'completed' ? (rejected ? 'rejected' : 'approved') : 'failed';
  let now = clock.now();
  const end = async () =>
    (
      await models.ServiceCase.updateOne(
        { _id: caseNo, status: 'in-progress' },
        { $set: { status: outcome === 'approved' ? 'completed' : outcome, outcome, endedAt: now, updatedAt: now, endedByInstance: instanceId } },
      )
    ).modifiedCount > 0;
  let moved = await end();
  if (!moved) {
    // an acceptance under way: told on the case, it ends the case after its write of 'in-progress'
    const told = await models.ServiceCase.updateOne({ _id: caseNo, status: { $in: ACCEPTANCE_UNDER_WAY }, instanceId }, { $set: { instanceEnded: { instanceId, status: engineStatus } } });
    if (told.matchedCount) return;
    // neither: the acceptance put it in progress in between (end it now), or it ended already
    moved = await end();
  }
  if (!moved) {
    const k: any = await models.ServiceCase.findById(caseNo, { endedByInstance: 1, outcome: 1, endedAt: 1 }).lean();
    if (k?.endedByInstance !== instanceId) return; // not ended by this instance (yet): nothing of the end to write
    outcome = k.outcome as string;
    now = (k.endedAt as Date | undefined) ?? now;
  }
  // Every write below is keyed (fixed notice ids, dedupe keys), so finishing them again redoes nothing.
  // both case clocks in one read, one bulk write and one delete of their jobs (stopClocks; keyed events as stopClock's)
  if (clocks) await clocks.stopClocks([`${caseNo}:statutory`, `${caseNo}:promised`], now);
  if (outcome === 'failed') {
    // an operator who ended the instance (终止, e.g. cancelling an incident) is who ended the case,
    // with the reason given: the chain says so instead of a bare 'system' failure
    const cancel: any = engineStatus === 'cancelled' ? await models.Revision.findOne({ instanceId }, { command: 1, actor: 1, createdAt: 1 }).sort({ revision: -1 }).lean() : null;
    const by = cancel?.command?.type === 'cancel' ? cancel : null;
    await ctx.deps.audit.append(caseNo, 'case.failed', by?.actor ?? 'system', by ? { cancelled: true, reason: by.command.reason ?? null } : {}, { dedupeKey: `case:failed:${caseNo}`, ...(by?.createdAt ? { at: by.createdAt } : {}) });
    return;
  }
  const reason = [...lastByElement.values()].filter((t) => (t.outcome as any)?.decision === 'reject').map((t) => `${t.name}：${(t.outcome as any)?.opinion ?? '不予许可'}`).join('；');
  const kase = await models.ServiceCase.findById(caseNo).lean();
  await ctx.deps.audit.append(caseNo, 'case.ended', 'system', { outcome }, { dedupeKey: `case:ended:${caseNo}` });
  const item = await models.ServiceItem.findById(kase!.itemCode).lean();
  if (outcome === 'rejected') {
    await issueNotice(ctx, caseNo, 'return', 'system', { reason, legalBasis: item?.legalBasis ?? [] }, `${caseNo}:return:final`);
  } else {
    await issueNotice(ctx, caseNo, 'completion', 'system', { outcome: 'approved', completedAt: now, resultDocument: item?.outcome ?? undefined, fees: (kase?.fee as any)?.items }, `${caseNo}:completion:final`);
  }
  if (followUps?.inSample(caseNo)) await followUps.openFollowUp(caseNo, 'sample');
  if (await claimOnce(ctx, `finish-notify:${caseNo}`)) await notify(ctx, kase!.responsible, 'case.ended', `办件已办结：${kase!.itemName}`, `${caseNo} ${outcome === 'rejected' ? '不予许可' : '准予办理'}，请告知申请人`, caseNo);
}

/** The statuses of a case whose acceptance may have started its path but not yet put it in progress. */
export const ACCEPTANCE_UNDER_WAY = ['accepting', 'awaiting-supplement'];

/** Claims `key` once for the case layer (true the first time only): a follow-up done once however often the end is finished. */
async function claimOnce(ctx: CaseContext, key: string): Promise<boolean> {
  try {
    await ctx.deps.models.AuditClaim.create({ _id: `case:${key}`, at: new Date() });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
