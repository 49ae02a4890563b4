/**
 * The reads and checks a case use case starts from: the case by its number, who may act on it
 * (its responsible person or window) and who may read it, and the salted lookup hashes of its
 * query code and the applicant's phone.
 */
import { ForbiddenError, NotFoundError } from '../domain/errors';
import type { Actor } from '../domain/types';
import type { CaseReadContext } from './context';
import { hashPersonal } from './identity';

/** The case, whole; 404 CASE_NOT_FOUND when there is none. */
export async function loadCase(ctx: CaseReadContext, caseNo: string) {
  const kase = await ctx.deps.models.ServiceCase.findById(caseNo).lean();
  if (!kase) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
  return kase;
}

/** Commands on a case are its responsible person's or window's (or an admin's). */
export function requireResponsibleWindow(kase: any, actor: Actor) {
  if (actor.roles.includes('admin')) return;
  if (actor.username === kase.responsible || actor.windowId === kase.receivingWindow) return;
  throw new ForbiddenError('NOT_RESPONSIBLE', `case ${kase._id} belongs to window ${kase.receivingWindow}; its responsible person or window handles this`);
}

/** Who may read a case: its org units' staff, supervisors and admins. */
export function canRead(kase: any, actor: Actor) {
  if (actor.roles.some((r) => r === 'admin' || r === 'supervisor')) return true;
  return !!actor.orgUnit && ((kase.involvedOrgUnits ?? []) as string[]).concat(kase.orgUnit).includes(actor.orgUnit);
}

/** The salted hash a lookup secret of a case is kept as (`q` query code, `p` phone). */
export function lookupHash(ctx: CaseReadContext, kind: string, caseNo: string, value: string) {
  return hashPersonal(`${kind}:${caseNo}:${value}`, ctx.deps.lookupSalt);
}
