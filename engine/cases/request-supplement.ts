/**
 * 补正告知 after a supplement: a further notification while a case waits for materials. Allowed
 * only for problems in materials handed in with the last supplement (they could not have been
 * named before); anything else is refused and counted against the window (一次性告知 violated).
 * The first notification is part of intake or of the examination decision.
 */
import { randomUUID } from 'node:crypto';
import { BusinessRuleError, ConflictError, ValidationError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { isDuplicateKey } from '../persistence/models';
import { toItem, type Material } from '../catalogue/catalogue-service';
import { holdPoint } from '../domain/fault';
import { inputHashOf, isResend, type CaseContext, type CommandMark, type CommandOptions } from './context';
import { loadCase, requireResponsibleWindow } from './case-records';
import { issueNotice } from './issue-notice';
import { getCase } from './queries';

/**
 * A further notification after a supplement. Allowed only for problems in materials handed in
 * with the last supplement (they could not have been named before); anything else is refused
 * and counted against the window (一次性告知 violated).
 */
export async function requestSupplement(ctx: CaseContext, caseNo: string, materials: { code: string; reason: string }[], actor: Actor, opts: CommandOptions = {}) {
  const { models, clock } = ctx.deps;
  const kase = await loadCase(ctx, caseNo);
  requireResponsibleWindow(kase, actor);
  const inputHash = inputHashOf(materials);
  const rounds = kase.supplementRounds as any[];
  const last = rounds[rounds.length - 1];
  if (last && !last.receivedAt && isResend(last.requested, actor, opts, inputHash)) {
    // the resend of the notification this round records, nothing handed in since: its follow-ups, keyed, and the case
    await afterFurtherNotice(ctx, caseNo, last, actor);
    return { ...(await getCase(ctx, caseNo, actor)), replayed: true as const };
  }
  if (kase.status !== 'awaiting-supplement') throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} is ${kase.status}; a notification is given only while waiting for materials`);
  if (!materials.length) throw new ValidationError('NOTHING_TO_NOTIFY', 'name at least one material');
  const handedIn = new Set<string>(last?.handedIn ?? []);
  const couldHaveBeenNamed = materials.filter((m) => !handedIn.has(m.code));
  const now = clock.now();
  if (couldHaveBeenNamed.length) {
    // one violation per request: a resend of this refusal (after a 503) records nothing twice
    const violationId = opts.requestId ? `one-time:${caseNo}:${opts.requestId}` : randomUUID();
    await ctx.deps.onViolation?.('vio', violationId, kase.orgUnit as string, now);
    await models.Violation.create({
      _id: violationId,
      kind: 'one-time-notice',
      windowId: kase.receivingWindow,
      orgUnit: kase.orgUnit,
      caseNo,
      actor: actor.username,
      at: now,
      detail: { materials: couldHaveBeenNamed.map((m) => m.code) },
    }).catch((e: unknown) => {
      if (!isDuplicateKey(e)) throw e;
    });
    await ctx.deps.audit.append(caseNo, 'notice.refused', actor.username, { kind: 'one-time', materials: couldHaveBeenNamed, rule: '一次性告知' }, { dedupeKey: `notice:refused:${violationId}` });
    throw new BusinessRuleError(
      'ONE_TIME_NOTICE_VIOLATION',
      `materials ${couldHaveBeenNamed.map((m) => m.code).join(', ')} were not handed in with the last supplement, so they could have been named in the one-time notification; a second notification for them is refused and recorded against window ${kase.receivingWindow}`,
    );
  }
  const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
  const named = materials.map((m) => {
    const mat = item.materials.find((x: Material) => x.code === m.code)!;
    return { code: m.code, name: mat.name, reason: m.reason, requirement: mat.requirement };
  });
  const round = rounds.length + 1;
  const mark: CommandMark = { by: actor.username, ...(opts.requestId ? { requestId: opts.requestId } : {}), inputHash, token: randomUUID(), at: now };
  const entry = { round, requestedAt: now, requestedBy: actor.username, materials: named, requested: mark };
  const pushed = await models.ServiceCase.updateOne({ _id: caseNo, status: 'awaiting-supplement' }, { $push: { supplementRounds: entry }, $set: { updatedAt: now } });
  if (!pushed.modifiedCount) throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} stopped waiting for materials meanwhile`);
  await holdPoint('case.after-write:further-notice');
  await afterFurtherNotice(ctx, caseNo, entry, actor);
  return getCase(ctx, caseNo, actor);
}

/** A further notification's follow-ups after its round is written: the audit event (keyed) and the notice (its round's fixed id). */
async function afterFurtherNotice(ctx: CaseContext, caseNo: string, entry: { round: number; materials: any[]; requested: CommandMark }, actor: Actor) {
  await ctx.deps.audit.append(caseNo, 'supplement.requested', actor.username, { round: entry.round, materials: entry.materials }, { dedupeKey: `supplement:requested:${entry.requested.token}` });
  await issueNotice(ctx, caseNo, 'one-time', actor.username, { missing: entry.materials }, `${caseNo}:one-time:${entry.round}`);
}
