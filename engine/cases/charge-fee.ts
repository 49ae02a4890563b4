/** 一次收费: the fee of a case, charged once and only as the catalogue publishes it. */
import { BusinessRuleError, ConflictError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { isDuplicateKey } from '../persistence/models';
import { toItem } from '../catalogue/catalogue-service';
import type { CaseContext } from './context';
import { loadCase, requireResponsibleWindow } from './case-records';

/** 一次收费: records the fee of a case once, only as the catalogue lists it. */
export async function chargeFee(ctx: CaseContext, caseNo: string, input: { items: { name: string; amountFen: number }[]; receiptNo?: string }, actor: Actor) {
  const { models, clock } = ctx.deps;
  const kase = await loadCase(ctx, caseNo);
  requireResponsibleWindow(kase, actor);
  if (['rejected', 'void'].includes(kase.status)) throw new ConflictError('CASE_ENDED', `case ${caseNo} is ${kase.status}; nothing is charged`);
  const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
  const listed = item.fees.free ? [] : item.fees.items;
  const lines = input.items.map((l) => {
    const f = listed.find((x) => x.name === l.name);
    if (!f) throw new BusinessRuleError('FEE_NOT_IN_CATALOGUE', `"${l.name}" is not a fee of item ${item.code}${item.fees.free ? ' (the item is free)' : ''}; only the published fees may be charged`);
    if (!Number.isInteger(l.amountFen) || l.amountFen < 0 || l.amountFen > f.amountFen) throw new BusinessRuleError('FEE_ABOVE_PUBLISHED', `"${l.name}" may be at most ${f.amountFen} fen (published)`);
    return { name: l.name, amountFen: l.amountFen, basis: f.basis };
  });
  try {
    await models.AuditClaim.create({ _id: `fee:${caseNo}`, at: clock.now() });
  } catch (err) {
    if (isDuplicateKey(err)) throw new ConflictError('FEE_ALREADY_CHARGED', `case ${caseNo} has already been charged; fees are collected once (一次收费)`);
    throw err;
  }
  const fee = { items: lines, totalFen: lines.reduce((s, l) => s + l.amountFen, 0), receiptNo: input.receiptNo, chargedAt: clock.now(), chargedBy: actor.username };
  await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { fee, updatedAt: clock.now() } });
  await ctx.deps.audit.append(caseNo, 'fee.charged', actor.username, { items: lines, totalFen: fee.totalFen, receiptNo: input.receiptNo ?? null });
  return fee;
}
