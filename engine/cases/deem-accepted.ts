/**
 * 视为受理 (行政许可法 第三十二条): five working days passed without a one-time notification, so
 * the application counts as accepted from the day its materials were received. Run by the
 * examination clock's breach (platform: `supervision.onBreach('examination', …)`) and by the repair.
 */
import { isDuplicateKey } from '../persistence/models';
import { crashPoint } from '../domain/fault';
import { ART32_TEXT, SYSTEM_ACTOR, type CaseContext } from './context';
import { loadCase } from './case-records';
import { intend, settled } from './intents';
import { acceptApplication } from './accept-application';

/**
 * 视为受理: the five working days passed without a one-time notification, so by 行政许可法
 * 第三十二条 the application counts as accepted from the day the materials were received —
 * the path starts and the statutory and promised clocks run from the receipt, not from now.
 * The window gets a violation; the clock's breach has already opened an escalation.
 */
export async function deemAccepted(ctx: CaseContext, caseNo: string): Promise<boolean> {
  const { models, clock } = ctx.deps;
  const now = clock.now();
  const receivedAt = (await models.ServiceCase.findById(caseNo, { receivedAt: 1 }).lean())?.receivedAt as Date | undefined;
  await intend(ctx, caseNo, 'deem', 'accept', 'system', receivedAt);
  const claimed = await models.ServiceCase.updateOne({ _id: caseNo, status: 'under-examination' }, { $set: { status: 'accepting', deemedAccepted: true, updatedAt: now } });
  if (!claimed.modifiedCount) {
    // claimed before by a process that died half-way (its breach signal is being finished by the
    // repair): finish that acceptance rather than drop its intent and leave the case accepting
    const k = await models.ServiceCase.findById(caseNo, { status: 1, deemedAccepted: 1 }).lean();
    if (k?.status === 'accepting' && k.deemedAccepted) await finishDeemed(ctx, caseNo, now);
    else await settled(ctx, caseNo, 'deem');
    return false;
  }
  crashPoint('deem.after-claim');
  await finishDeemed(ctx, caseNo, now);
  return true;
}

/** The steps of a deemed acceptance after its claim; each is idempotent, so the repair sweep runs them again after a kill. */
export async function finishDeemed(ctx: CaseContext, caseNo: string, now: Date) {
  const { models } = ctx.deps;
  await ctx.deps.clocks?.stopClock(`${caseNo}:examination`, now);
  const kase = await loadCase(ctx, caseNo);
  await ctx.deps.onViolation?.('vio', `art32:${caseNo}`, kase.orgUnit as string, now);
  await models.Violation.create({ _id: `art32:${caseNo}`, kind: 'examination-overdue', windowId: kase.receivingWindow, orgUnit: kase.orgUnit, caseNo, actor: kase.responsible, at: now, detail: { receivedAt: kase.receivedAt } }).catch((e: unknown) => {
    if (!isDuplicateKey(e)) throw e;
  });
  await ctx.deps.audit.append(caseNo, 'case.deemed-accepted', 'system', { law: ART32_TEXT, receivedAt: (kase.receivedAt as Date).toISOString() }, { dedupeKey: `case:deemed:${caseNo}` });
  await acceptApplication(ctx, caseNo, SYSTEM_ACTOR, (kase as any).limitOverrides ?? undefined, undefined, kase.receivedAt as Date);
  await settled(ctx, caseNo, 'deem');
}
