/**
 * 办件查询 for the public: a case found by its number AND its query code (or the applicant's
 * phone) — the same answer for a wrong pair as for no case — with where it stands, its current
 * steps and their deadlines, and nothing about staff.
 */
import { NotFoundError } from '../domain/errors';
import { estimateNote } from '../calendar/working-calendar';
import type { CaseReadContext } from './context';
import { lookupHash } from './case-records';
import { maskName, normalizePhone } from './identity';
import { stepRemaining } from './step-deadline';
import { listNotices, workingCalendar } from './queries';
import { caseInstanceIds, officesOf, publicProgress } from './public-progress';

/**
 * The public lookup: needs the case number AND its query code (or the applicant's phone).
 * A wrong pair and an unknown number get the same answer, so nothing is revealed.
 */
export async function publicLookup(ctx: CaseReadContext, caseNo: string, secret: { queryCode?: string; phone?: string }) {
  return (await lookupWithInstances(ctx, caseNo, secret)).view;
}

/** The lookup and the case's instances it read (for the progress, which reads the same tree). */
async function lookupWithInstances(ctx: CaseReadContext, caseNo: string, secret: { queryCode?: string; phone?: string }) {
  const notFound = () => new NotFoundError('CASE_NOT_FOUND', 'no case matches this number and query code');
  const kase = await ctx.deps.models.ServiceCase.findById(caseNo).lean();
  if (!kase || kase.status === 'void') throw notFound();
  const okCode = secret.queryCode && lookupHash(ctx, 'q', caseNo, secret.queryCode.trim().toUpperCase()) === kase.queryCodeHash;
  const phone = secret.phone ? (normalizePhone(secret.phone) ?? secret.phone.trim()) : undefined;
  const okPhone = phone && kase.phoneHash && lookupHash(ctx, 'p', caseNo, phone) === kase.phoneHash;
  if (!okCode && !okPhone) throw notFound();
  // the case's instances: its own, those its call activities called (at every level), those a message started for it
  const instanceIds = kase.instanceId ? await caseInstanceIds(ctx.deps.models, String(kase.instanceId)) : [];
  const currentSteps = await publicCurrentSteps(ctx, instanceIds);
  const org = await ctx.deps.models.OrgUnit.findById(kase.orgUnit, { name: 1, phone: 1 }).lean();
  const notices = await listNotices(ctx, caseNo);
  const rounds = (kase.supplementRounds ?? []) as any[];
  const view = {
    caseNo,
    itemName: kase.itemName,
    centre: org?.name,
    centrePhone: org?.phone,
    applicantName: maskName((kase.applicant as any)?.name ?? ''),
    category: kase.category,
    status: kase.status,
    outcome: kase.outcome ?? undefined,
    receivedAt: kase.receivedAt,
    acceptedAt: kase.acceptedAt ?? undefined,
    endedAt: kase.endedAt ?? undefined,
    currentSteps,
    awaitingMaterials: kase.status === 'awaiting-supplement' ? (rounds[rounds.length - 1]?.materials ?? []).map((m: any) => ({ name: m.name, reason: m.reason })) : [],
    notices: notices.map((n) => ({ title: n.title, issuedAt: n.issuedAt })),
  };
  return { view, instanceIds };
}

/**
 * The open steps of a case as the public sees them (当前环节): the name, since when, and from the
 * step's clock its deadline (本环节办结时限), what is left of it (剩余 N 个工作日 / 小时, by the
 * inbox's rule) and, counted over a year without its holiday notice, the estimate's note
 * (预计，2027年放假安排尚未公布), and the office whose step it is (the city's centre for the city's part
 * of a 上报件). The steps of every instance of the case are the case's: the processes its call
 * activities called, at every level, and those a message started for it. Nothing about staff: no
 * window, post, holder or opinion. Reads by key: the open tasks, their clocks, the offices' names,
 * and the calendar in force.
 */
async function publicCurrentSteps(ctx: CaseReadContext, instanceIds: string[]) {
  const { models } = ctx.deps;
  if (!instanceIds.length) return [];
  // the path's own steps (a 加签 request, a 回访 or a 整改 of the centre is not where the case stands for the applicant)
  const open = (await models.Task.find({ instanceId: instanceIds.length > 1 ? { $in: instanceIds } : instanceIds[0], status: 'open' }, { name: 1, createdAt: 1, dueDate: 1, orgUnit: 1, kind: 1 }).sort({ createdAt: 1 }).lean())
    .filter((t: any) => (t.kind ?? 'engine') === 'engine');
  const offices = await officesOf(models, open.map((t: any) => t.orgUnit));
  const clocks = open.length ? await models.Clock.find({ _id: { $in: open.map((t) => `step:${t._id}`) } }, { dueAt: 1, status: 1, budget: 1, estimated: 1, estimatedYears: 1 }).lean() : [];
  const byId = new Map(clocks.map((c: any) => [String(c._id), c]));
  const calendar = clocks.some((c: any) => c.budget?.unit === 'working-days' && c.status === 'running') ? await workingCalendar(ctx).catch(() => undefined) : undefined;
  const now = ctx.deps.clock.now();
  return open.map((t) => {
    const c: any = byId.get(`step:${t._id}`);
    const dueAt: Date | undefined = c ? (c.dueAt ?? undefined) : (t.dueDate ?? undefined);
    const remaining = stepRemaining(c, dueAt ? new Date(dueAt) : undefined, now, calendar);
    const estimated = c && c.estimated && c.status !== 'stopped' ? { estimated: true as const, estimatedYears: (c.estimatedYears ?? []) as number[], estimateNote: estimateNote(c.estimatedYears ?? []) } : {};
    const office = (t as any).orgUnit ? offices.get(String((t as any).orgUnit)) : undefined;
    return {
      name: t.name,
      since: t.createdAt,
      ...(office?.name ? { office: office.name } : {}),
      ...(office?.level ? { level: office.level } : {}),
      dueDate: dueAt,
      ...(c ? { deadline: { dueAt, status: c.status as string, budget: c.budget, ...(remaining ? { remaining } : {}), ...estimated, overdue: !!dueAt && c.status === 'running' && new Date(dueAt).getTime() <= now.getTime() } } : {}),
    };
  });
}

/** 办件查询: the lookup (same answer for a wrong code as for no case) with the steps done and the deadlines. */
export async function publicCase(ctx: CaseReadContext, caseNo: string, secret: { queryCode?: string; phone?: string }) {
  const { view, instanceIds } = await lookupWithInstances(ctx, caseNo, secret);
  return { ...view, ...(await publicProgress(ctx.deps.models, caseNo, { instanceIds })) };
}
