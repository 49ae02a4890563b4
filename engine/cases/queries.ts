/**
 * Reads of cases as staff see them: the case page (personal data masked, its steps in every
 * instance of it, notices, proxy-handling record), the case list, the notices, the access check
 * alone, and the counting calendar in force.
 */
import { NotFoundError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { newestFirst } from '../persistence/newest';
import type { WorkingCalendar } from '../calendar/working-calendar';
import type { CaseReadContext } from './context';
import { canRead, loadCase } from './case-records';
import { maskIdNumber, maskName, maskPhone } from './identity';
import { caseMemberIds } from '../services/process/called-tree';

/** The counting calendar in force (the inbox counts the working days left with it); none without supervision. */
export async function workingCalendar(ctx: CaseReadContext): Promise<WorkingCalendar | undefined> {
  return ctx.deps.clocks?.currentCalendar();
}

/**
 * The access check of `getCase` alone — one read of two fields by `_id` — for routes that read
 * something else of the case (its clocks, audit chain, ratings). Before, those routes called
 * `getCase` as their guard: the case, every task, the notices, the instance and the people's names
 * read and thrown away on each request. Another town's case: 404 CASE_NOT_FOUND, as `getCase`.
 */
export async function assertReadable(ctx: CaseReadContext, caseNo: string, actor: Actor): Promise<void> {
  const kase = await ctx.deps.models.ServiceCase.findById(caseNo, { orgUnit: 1, involvedOrgUnits: 1 }).lean();
  if (!kase || !canRead(kase, actor)) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
}

/** The case as staff see it: personal data masked, steps, notices, proxy record. `known.kase`: the case as its caller just wrote it (not read again). */
export async function getCase(ctx: CaseReadContext, caseNo: string, actor: Actor, known: { kase?: any } = {}) {
  const { models } = ctx.deps;
  const kase = known.kase?._id === caseNo ? known.kase : await loadCase(ctx, caseNo);
  if (!canRead(kase, actor)) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
  // engine steps and the case's own tasks (co-sign, rectification, follow-up) share the instance id
  const inst = kase.instanceId ? await models.Instance.findById(kase.instanceId, { definitionVersion: 1, calledInstances: 1, messageStartedInstances: 1 }).lean() : null;
  // the steps of the instances its call activities started (调用活动: the city's part of a report-up case) are the case's too,
  // at every depth (a call within a call), and of those a message started for the case (消息开始事件, engine/services/messages.ts)
  const called = inst ? await caseMemberIds(models, inst) : [];
  const tasks = kase.instanceId ? await models.Task.find({ instanceId: called.length ? { $in: [kase.instanceId, ...called] } : kase.instanceId }).sort({ createdAt: 1 }).lean() : [];
  const notices = await listNotices(ctx, caseNo);
  const summary = caseSummary(kase);
  const address = (kase.applicant as any)?.address;
  const people = [kase.responsible, ...tasks.flatMap((t) => [t.assignee, t.completedBy, t.claimedBy]), ...((kase.proxyRecord ?? []) as any[]).map((r) => r.toPerson)];
  const names = await ctx.deps.org.displayNames(people as (string | undefined)[]);
  const nameOf = (u?: string | null) => (u ? (names.get(u) ?? undefined) : undefined);
  return {
    ...summary,
    responsibleName: nameOf(kase.responsible),
    /** display names (姓名) of the people this case names, by login */
    people: Object.fromEntries(names),
    applicant: address ? { ...summary.applicant, address } : summary.applicant,
    definitionVersion: (inst as any)?.definitionVersion ?? undefined,
    materials: kase.materials,
    supplementRounds: kase.supplementRounds,
    fee: kase.fee ?? null,
    rejectReason: kase.rejectReason ?? undefined,
    instanceId: kase.instanceId ?? undefined,
    definitionKey: kase.definitionKey ?? undefined,
    steps: tasks.map((t) => ({
      taskId: t._id,
      kind: t.kind ?? 'engine',
      elementId: t.elementId,
      name: t.name,
      status: t.status,
      orgUnit: t.orgUnit,
      windowId: t.windowId,
      assignee: t.assignee,
      assigneeName: nameOf(t.assignee),
      post: t.post,
      createdAt: t.createdAt,
      completedAt: t.completedAt,
      completedBy: t.completedBy,
      completedByName: nameOf(t.completedBy),
      outcome: t.outcome,
      dueDate: t.dueDate,
    })),
    notices,
    proxyRecord: kase.proxyRecord ?? [],
  };
}

/** A case in a list: who, what, where it stands; ID and phone numbers masked. */
export function caseSummary(kase: any) {
  const a = kase.applicant ?? {};
  return {
    caseNo: kase._id,
    itemCode: kase.itemCode,
    itemName: kase.itemName,
    category: kase.category,
    status: kase.status,
    outcome: kase.outcome ?? undefined,
    orgUnit: kase.orgUnit,
    receivingWindow: kase.receivingWindow,
    responsible: kase.responsible,
    applicant: { kind: a.kind, name: a.name, idType: a.idType, idNumber: maskIdNumber(a.idNumber ?? ''), phone: a.phone ? maskPhone(a.phone) : undefined },
    receivedAt: kase.receivedAt,
    acceptedAt: kase.acceptedAt ?? undefined,
    deemedAccepted: kase.deemedAccepted ? true : undefined,
    endedAt: kase.endedAt ?? undefined,
  };
}

/** Cases the actor may see, newest first; personal data masked. */
export async function listCases(ctx: CaseReadContext, actor: Actor, filter: { status?: string; category?: string; orgUnit?: string; mine?: boolean; limit?: number } = {}) {
  const q: Record<string, unknown> = {};
  const wide = actor.roles.some((r) => r === 'admin' || r === 'supervisor');
  if (!wide) {
    if (!actor.orgUnit) return [];
    q.$or = [{ orgUnit: actor.orgUnit }, { involvedOrgUnits: actor.orgUnit }];
  } else if (filter.orgUnit) q.orgUnit = filter.orgUnit;
  if (filter.status) q.status = filter.status;
  if (filter.category) q.category = filter.category;
  if (filter.mine) q.responsible = actor.username;
  // windows of time: DocumentDB reads no sort from an index (persistence/newest.ts)
  const docs = await newestFirst(ctx.deps.models.ServiceCase, q, 'receivedAt', Math.min(filter.limit ?? 100, 500), ctx.deps.clock.now());
  // a list (办件查询) masks a person's name by the one rule (欧阳**, 阿**·**曼; common/identity/masking.ts); the case page shows it whole
  return docs.map((d) => {
    const s = caseSummary(d);
    return s.applicant.kind === 'company' ? s : { ...s, applicant: { ...s.applicant, name: maskName(s.applicant.name ?? '') } };
  });
}

/** The notices of a case, oldest first (without their text); with `actor`, only a reader of the case gets them. */
export async function listNotices(ctx: CaseReadContext, caseNo: string, actor?: Actor) {
  if (actor) await getCase(ctx, caseNo, actor);
  const docs = await ctx.deps.models.Notice.find({ caseNo }, { html: 0, text: 0 }).sort({ issuedAt: 1 }).lean();
  return docs.map((d) => ({ id: d._id, kind: d.kind, title: d.title, issuedAt: d.issuedAt, issuedBy: d.issuedBy, sha256: d.sha256 }));
}

/** One notice of a case with its text, for a reader of the case. */
export async function getNotice(ctx: CaseReadContext, caseNo: string, noticeId: string, actor: Actor) {
  await getCase(ctx, caseNo, actor);
  const d = await ctx.deps.models.Notice.findById(noticeId).lean();
  if (!d || d.caseNo !== caseNo) throw new NotFoundError('NOTICE_NOT_FOUND', `notice ${noticeId} of case ${caseNo} does not exist`);
  return { id: d._id, kind: d.kind, title: d.title, html: d.html, text: d.text, issuedAt: d.issuedAt, sha256: d.sha256 };
}

/** 代办记录: the hand-overs of a case between org units and windows. */
export async function proxyRecord(ctx: CaseReadContext, caseNo: string, actor: Actor) {
  const c = await getCase(ctx, caseNo, actor);
  return c.proxyRecord;
}
