/**
 * 补正材料到件: the applicant brings materials a one-time notification asked for. When nothing it
 * named is still missing the case is accepted and goes on; otherwise it keeps waiting.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { toItem } from '../catalogue/catalogue-service';
import { holdPoint } from '../domain/fault';
import { inputHashOf, isResend, type CaseContext, type CommandMark, type CommandOptions } from './context';
import { missingMaterials, type HandedMaterial } from './materials';
import { loadCase, requireResponsibleWindow } from './case-records';
import { intend, settled } from './intents';
import { acceptApplication } from './accept-application';
import { finishInterrupted } from './repair-cases';
import { getCase } from './queries';

/**
 * 补正材料到件: records what the applicant brought. When nothing named in the notification is
 * still missing the case is accepted and goes on; otherwise it keeps waiting.
 */
export async function receiveSupplement(ctx: CaseContext, caseNo: string, materials: HandedMaterial[], actor: Actor, opts: CommandOptions = {}) {
  const { models, clock } = ctx.deps;
  const kase = await loadCase(ctx, caseNo);
  requireResponsibleWindow(kase, actor);
  const inputHash = inputHashOf(materials);
  const rounds = [...(kase.supplementRounds as any[])];
  const last = rounds[rounds.length - 1];
  if (isResend(last?.received, actor, opts, inputHash)) {
    // the resend of the hand-in this round recorded (its answer lost, or a 503 after the write): its follow-ups, keyed, and the case
    await afterSupplement(ctx, caseNo, last.received as CommandMark, materials, (last.stillMissing ?? []) as string[], actor);
    return { ...(await getCase(ctx, caseNo, actor)), replayed: true as const };
  }
  if (kase.status !== 'awaiting-supplement') throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} is ${kase.status}, not waiting for materials`);
  const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
  const known = new Set(item.materials.map((m) => m.code));
  for (const h of materials) if (!known.has(h.code)) throw new ValidationError('UNKNOWN_MATERIAL', `material ${h.code} is not on the list of item ${item.code}`);
  const merged = new Map<string, HandedMaterial>((kase.materials as HandedMaterial[]).map((m) => [m.code, m]));
  for (const h of materials) merged.set(h.code, { ...merged.get(h.code), ...h, defect: h.defect });
  const all = [...merged.values()];
  const missing = missingMaterials(item, all).map((m) => m.code);
  const now = clock.now();
  const mark: CommandMark = { by: actor.username, ...(opts.requestId ? { requestId: opts.requestId } : {}), inputHash, token: randomUUID(), at: now };
  rounds[rounds.length - 1] = { ...last, receivedAt: now, receivedBy: actor.username, handedIn: materials.map((m) => m.code), received: mark, stillMissing: missing };
  const wrote = await models.ServiceCase.updateOne({ _id: caseNo, status: 'awaiting-supplement' }, { $set: { materials: all, supplementRounds: rounds, updatedAt: now } });
  if (!wrote.modifiedCount) throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} stopped waiting for materials meanwhile`);
  await holdPoint('case.after-write:supplement');
  await afterSupplement(ctx, caseNo, mark, materials, missing, actor);
  return getCase(ctx, caseNo, actor);
}

/** A hand-in's follow-ups after its write: the audit event (keyed by the mark's token) and, when nothing is missing any more, the acceptance. */
async function afterSupplement(ctx: CaseContext, caseNo: string, mark: CommandMark, materials: HandedMaterial[], stillMissing: string[], actor: Actor) {
  await ctx.deps.audit.append(caseNo, 'supplement.received', actor.username, { materials, stillMissing }, { dedupeKey: `supplement:received:${mark.token}` });
  if (stillMissing.length) return;
  const status = (await ctx.deps.models.ServiceCase.findById(caseNo, { status: 1 }).lean())?.status;
  if (status === 'awaiting-supplement') {
    await intend(ctx, caseNo, 'supplement', 'accept', actor.username);
    await acceptApplication(ctx, caseNo, actor, undefined);
    await settled(ctx, caseNo, 'supplement');
  } else if (status === 'in-progress' || status === 'accepting') {
    // an acceptance the first attempt began: finish it now (keyed steps), as the repair sweep would
    await finishInterrupted(ctx, caseNo);
  }
}
