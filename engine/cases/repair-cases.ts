/**
 * 中断修复: the repair of decisions a killed process left half-done, from the intent journal
 * (`intents.ts`) — an acceptance finished (every step of it keyed), a refusal or notification
 * that did not get past its claim undone — and the audit follow-ups of appends cut short.
 */
import type { Actor } from '../domain/types';
import { SYSTEM_ACTOR, type CaseContext } from './context';
import { maskIdNumber, maskName } from './identity';
import { acceptApplication } from './accept-application';
import { deemAccepted, finishDeemed } from './deem-accepted';
import { startExaminationClock } from './examine-application';

/**
 * 中断修复: finishes what a killed process left half-done (decisions older than `olderThanMs`,
 * so work in flight is left alone). An acceptance is finished — its instance (by the id kept on
 * the case), status, audit event, notice and clocks are each idempotent. A refusal or a
 * one-time notification that did not get past the claim is undone: an examined case waits for
 * its decision again (its clock never stopped); a new intake is voided, as a failed intake is,
 * and the window takes it in again. Also re-runs the audit follow-ups (feed, statistics) of
 * appends cut short. Returns the decisions repaired.
 */
export async function repairInterrupted(ctx: CaseContext, now = ctx.deps.clock.now(), olderThanMs = 30_000): Promise<number> {
  const { models } = ctx.deps;
  await ctx.deps.audit.redispatchPending(now, olderThanMs);
  await ctx.deps.clocks?.repairPendingSignals(now, olderThanMs);
  const stale = await models.CaseIntent.find({ at: { $lt: new Date(now.getTime() - olderThanMs) } }).limit(200).lean();
  for (const it of stale) await ctx.deps.audit.asRepair(() => repairIntent(ctx, it, now));
  // clocks a kill left without their signal jobs (complaints', rectifications' too: issue 12)
  await ctx.deps.clocks?.repairClockJobs(now, olderThanMs);
  return stale.length;
}

/**
 * Finishes, now, a decision on the case whose process died (whatever its age): a resend under
 * the same Idempotency-Key, taken over from the dead attempt, must answer with the case that
 * attempt took in — not take the applicant in a second time because the sweep has not come yet.
 */
export async function finishInterrupted(ctx: CaseContext, caseNo: string, now = ctx.deps.clock.now()): Promise<void> {
  const intents = await ctx.deps.models.CaseIntent.find({ _id: { $in: ['intake', 'examine', 'deem', 'supplement'].map((op) => `${caseNo}:${op}`) } }).lean();
  for (const it of intents) await ctx.deps.audit.asRepair(() => repairIntent(ctx, it, now));
}

async function repairIntent(ctx: CaseContext, it: any, now: Date): Promise<void> {
  const { models } = ctx.deps;
  const id = it._id as string;
  const caseNo = id.slice(0, id.lastIndexOf(':'));
  const kase = await models.ServiceCase.findById(caseNo).lean();
  try {
    const status = kase?.status as string | undefined;
    // an intake killed between the case and its first event: the chain starts with the receipt
    if (kase && it.op === 'intake') await ensureReceived(ctx, kase);
    if (!kase) {
      // killed before the case was written: the number sweep voids the claimed number
    } else if (it.op === 'deem') {
      // automatic, and its breach signal fired once already: it must happen, claim included
      if (status === 'under-examination') await deemAccepted(ctx, caseNo);
      else if (status === 'accepting' || (status === 'in-progress' && kase.deemedAccepted)) await finishDeemed(ctx, caseNo, now);
    } else if (it.decision === 'accept') {
      // an examination decision counts once claimed; an intake or a completed supplement once asked for
      const claimed = it.op !== 'examine' || status !== 'under-examination';
      if (claimed && ['accepting', 'awaiting-supplement', 'in-progress'].includes(status!)) {
        const actor: Actor = it.by === 'system' ? SYSTEM_ACTOR : { username: it.by as string, groups: [], roles: [] };
        await acceptApplication(ctx, caseNo, actor, (kase as any).limitOverrides ?? undefined, undefined, (kase.acceptedAt as Date | undefined) ?? it.acceptedAt ?? it.at);
        if (it.op === 'examine') await ctx.deps.clocks?.stopClock(`${caseNo}:examination`, now);
        if (it.op === 'intake') await ctx.numbers.markUsed(caseNo);
        ctx.deps.logger?.warn({ caseNo, op: it.op }, 'finished an acceptance cut short');
      }
    } else if (status === 'accepting' && it.op === 'examine') {
      await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { status: 'under-examination', updatedAt: now } });
      await ctx.deps.audit.append(caseNo, 'case.decision-undone', 'system', { reason: 'interrupted', decision: it.decision });
    } else if (status === 'accepting' && it.op === 'intake') {
      await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { status: 'void', updatedAt: now } });
      await ctx.numbers.markVoid(caseNo, 'intake interrupted');
      await ctx.deps.audit.append(caseNo, 'case.voided', 'system', { reason: 'intake interrupted' });
    } else if (status === 'under-examination' && it.op === 'intake') {
      // taken in for examination: its five-day clock must run (startClock is idempotent)
      await startExaminationClock(ctx, kase as any);
      await ctx.numbers.markUsed(caseNo);
    }
    await models.CaseIntent.deleteOne({ _id: id, at: it.at });
  } catch (err) {
    ctx.deps.logger?.error({ caseNo, op: it.op, err: (err as Error).message }, 'repair of an interrupted decision failed; retried next run');
  }
}

/** Appends the case's `case.received` (as intake writes it) when a killed intake did not get to it; once, however many repairs meet it. */
async function ensureReceived(ctx: CaseContext, kase: any): Promise<void> {
  const { AuditEvent } = ctx.deps.models;
  if (await AuditEvent.exists({ caseNo: kase._id, type: 'case.received' })) return;
  const a = kase.applicant ?? {};
  await ctx.deps.audit.append(
    kase._id,
    'case.received',
    kase.responsible,
    { itemCode: kase.itemCode, window: kase.receivingWindow, responsible: kase.responsible, applicant: { kind: a.kind, name: maskName(a.name ?? ''), idNumber: maskIdNumber(a.idNumber ?? '') }, materials: kase.materials ?? [] },
    { at: kase.receivedAt, dedupeKey: `case:received:${kase._id}`, claimTakeoverMs: 0 },
  );
}
