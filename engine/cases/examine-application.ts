/**
 * 收件后审查 (行政许可法 第三十二条第一款第（四）项): an application taken in for examination gets
 * its decision within five working days — refused, the ONE one-time notification of everything
 * still missing, or accepted — while its five-day examination clock runs from the receipt.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { toItem, type ServiceItem } from '../catalogue/catalogue-service';
import { parseBudget } from '../supervision/clock-ledger';
import { crashPoint, holdPoint } from '../domain/fault';
import { EXAMINATION_DAYS, inputHashOf, isResend, REJECT_REASONS, type CaseContext, type CommandMark, type CommandOptions } from './context';
import { missingMaterials, type HandedMaterial } from './materials';
import { loadCase, requireResponsibleWindow } from './case-records';
import { intend, settled } from './intents';
import { acceptApplication } from './accept-application';
import { issueNotice } from './issue-notice';
import { getCase } from './queries';

export interface ExaminationInput {
  materials?: HandedMaterial[];
  reject?: { reasonCode?: string; reason?: string };
}

/**
 * 审查决定: the decision on an application taken in for examination (`examine: true`), within
 * the five working days: the materials handed in meanwhile are added; then it is refused,
 * the ONE one-time notification lists everything still missing, or it is accepted.
 */
export async function examineApplication(ctx: CaseContext, caseNo: string, input: ExaminationInput, actor: Actor, opts: CommandOptions = {}) {
  const { models, clock } = ctx.deps;
  const kase = await loadCase(ctx, caseNo);
  requireResponsibleWindow(kase, actor);
  const inputHash = inputHashOf(input);
  if (kase.status !== 'under-examination') {
    const mark = kase.examination as CommandMark | undefined;
    if (!isResend(mark, actor, opts, inputHash)) {
      throw new ConflictError('NOT_UNDER_EXAMINATION', `case ${caseNo} is ${kase.status}, not waiting for the examination decision`, mark ? { decidedBy: mark.by, decidedAt: mark.at, byYou: mark.by === actor.username } : undefined);
    }
    // the resend of a decision that was written (its answer lost, or a 503 after its claim):
    // finish what the first attempt left undone (every step keyed by its token) and answer as done
    const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
    await applyExamination(ctx, caseNo, mark!, input, item, missingMaterials(item, kase.materials as HandedMaterial[]), actor, (kase as any).limitOverrides ?? undefined);
    return { ...(await getCase(ctx, caseNo, actor)), replayed: true as const };
  }
  if (input.reject && !input.reject.reasonCode && !input.reject.reason?.trim()) throw new ValidationError('REASON_REQUIRED', 'a refusal needs a reason (reasonCode from the kept list, or reason text)');
  if (input.reject?.reasonCode && !REJECT_REASONS[input.reject.reasonCode]) throw new ValidationError('UNKNOWN_REASON_CODE', `reasonCode must be one of: ${Object.keys(REJECT_REASONS).join(', ')}`);
  const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
  const known = new Set(item.materials.map((m) => m.code));
  for (const h of input.materials ?? []) if (!known.has(h.code)) throw new ValidationError('UNKNOWN_MATERIAL', `material ${h.code} is not on the list of item ${item.code}`);
  const merged = new Map<string, HandedMaterial>((kase.materials as HandedMaterial[]).map((m) => [m.code, m]));
  for (const h of input.materials ?? []) merged.set(h.code, { ...merged.get(h.code), ...h });
  const all = [...merged.values()];
  const now = clock.now();
  const missing = input.reject ? [] : missingMaterials(item, all);
  const decision = input.reject ? 'reject' : missing.length ? 'supplement' : 'accept';
  const mark: CommandMark = { by: actor.username, ...(opts.requestId ? { requestId: opts.requestId } : {}), inputHash, token: randomUUID(), decision, at: now };
  await intend(ctx, caseNo, 'examine', decision, actor.username);
  // claim the decision: one of two clerks (or the clock's deemed acceptance) wins; the mark is written with it
  const claimed = await models.ServiceCase.updateOne({ _id: caseNo, status: 'under-examination' }, { $set: { status: 'accepting', materials: all, examination: mark, updatedAt: now } });
  if (!claimed.modifiedCount) {
    await settled(ctx, caseNo, 'examine');
    throw new ConflictError('NOT_UNDER_EXAMINATION', `case ${caseNo} was decided meanwhile`);
  }
  crashPoint('examine.after-claim');
  await holdPoint('case.after-write:examine');
  await applyExamination(ctx, caseNo, mark, input, item, missing, actor, (kase as any).limitOverrides ?? undefined);
  return getCase(ctx, caseNo, actor);
}

/**
 * The examination decision after its claim, each step keyed (the mark's token, fixed notice ids)
 * and conditional on the case still being where the decision left it, so the resend of a decision
 * cut short (`examineApplication`) finishes it without doubling anything, and does nothing to a case that
 * moved on.
 */
async function applyExamination(ctx: CaseContext, caseNo: string, mark: CommandMark, input: ExaminationInput, item: ServiceItem, missing: ReturnType<typeof missingMaterials>, actor: Actor, limitOverrides: Record<string, string> | undefined) {
  const { models, clock } = ctx.deps;
  const now = clock.now();
  await ctx.deps.audit.append(caseNo, 'case.examined', actor.username, { decision: mark.decision, materials: input.materials ?? [] }, { dedupeKey: `case:examined:${mark.token}` });
  if (mark.decision === 'reject') {
    const reason = [input.reject?.reasonCode ? REJECT_REASONS[input.reject.reasonCode] : undefined, input.reject?.reason?.trim()].filter(Boolean).join('；');
    await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { category: 'rejected', status: 'rejected', outcome: 'rejected', rejectReason: reason, endedAt: now, updatedAt: now } });
    await ctx.deps.audit.append(caseNo, 'case.rejected', actor.username, { reasonCode: input.reject?.reasonCode, reason }, { dedupeKey: `case:rejected:${mark.token}` });
    // the only return notice before the end of a case refused at examination: a fixed id
    await issueNotice(ctx, caseNo, 'return', actor.username, { reason, legalBasis: item.legalBasis }, `${caseNo}:return:1`);
  } else if (mark.decision === 'supplement') {
    await models.ServiceCase.updateOne(
      { _id: caseNo, status: 'accepting' },
      { $set: { category: 'supplement', status: 'awaiting-supplement', supplementRounds: [{ round: 1, requestedAt: now, requestedBy: actor.username, materials: missing }], updatedAt: now } },
    );
    await ctx.deps.audit.append(caseNo, 'supplement.requested', actor.username, { round: 1, materials: missing }, { dedupeKey: `supplement:requested:${mark.token}` });
    const kase: any = await models.ServiceCase.findById(caseNo, { supplementRounds: 1 }).lean();
    await issueNotice(ctx, caseNo, 'one-time', actor.username, { missing: kase?.supplementRounds?.[0]?.materials ?? missing }, `${caseNo}:one-time:1`);
  } else if ((await models.ServiceCase.findById(caseNo, { status: 1 }).lean())?.status === 'accepting') {
    await acceptApplication(ctx, caseNo, actor, limitOverrides);
  }
  // the examination clock stops once the decision is in place (a kill before leaves it running, and the case repairable)
  await ctx.deps.clocks?.stopClock(`${caseNo}:examination`, now);
  await settled(ctx, caseNo, 'examine');
}

/** The five-working-day examination clock (行政许可法第三十二条) of a case taken in for examination, from its receipt. */
export async function startExaminationClock(ctx: CaseContext, kase: { _id: string; itemName: string; orgUnit: string; receivingWindow: string; responsible: string; receivedAt: Date; limitOverrides?: Record<string, string> | null }) {
  const override = kase.limitOverrides?.examinationLimit;
  await ctx.deps.clocks?.startClock({
    id: `${kase._id}:examination`, kind: 'examination', caseNo: kase._id, label: kase.itemName, orgUnit: kase.orgUnit, windowId: kase.receivingWindow, holder: kase.responsible,
    budget: override ? parseBudget(override) : { unit: 'working-days', days: EXAMINATION_DAYS }, startedAt: kase.receivedAt,
  });
}
