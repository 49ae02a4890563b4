/**
 * Whose a record is (DESIGN.md §6): a user sees and acts on the records of their own org unit;
 * the city office reaches the towns' steps routed up to one of its `city-*` groups; supervisors
 * and admins see across org units. Shared by the HTTP access guard (api/http/access.ts) and the
 * engine's own use cases, so a caller that bypasses HTTP (a worker, another use case, a script)
 * meets the same rule.
 *
 * A candidate group counts only inside its org unit: the shared group `town-window` never
 * reaches another town's task.
 */
import type { Models } from '../persistence/models';
import { orgCacheOf, type CachedUser } from './org-cache';

export const CITY_UNIT = 'city';

export interface ScopeActor {
  username: string;
  roles: string[];
  groups: string[];
  orgUnit?: string;
  windowId?: string;
}

/** Supervisors and admins see across org units. */
export const seesAcross = (a: ScopeActor) => a.roles.some((r) => r === 'admin' || r === 'supervisor');

/** Org units of a service case: its own and those it was handed to. */
export const caseUnits = (kase: any): string[] => [kase.orgUnit, ...((kase.involvedOrgUnits ?? []) as string[])].filter(Boolean);

/** May `actor` read the service case (its org unit or one it was handed to)? */
export function readsCase(actor: ScopeActor, kase: any): boolean {
  return seesAcross(actor) || (!!actor.orgUnit && caseUnits(kase).includes(actor.orgUnit));
}

/** What a task's org-unit check needs: the task and the org units of its case or instance. */
export interface TaskFacts { t: any; units: string[] }

/** Does the task name the actor, or sit at the actor's window? (no reads) */
function namesActor(actor: ScopeActor, t: any): boolean {
  const u = actor.username;
  if (t.assignee === u || t.claimedBy === u || t.completedBy === u || (t.candidateUsers ?? []).includes(u) || (t.ccTo ?? []).includes(u)) return true;
  return !!t.windowId && actor.windowId === t.windowId;
}

/** The city office over the towns: a step routed up to one of its own `city-*` groups. */
function cityOver(actor: ScopeActor, t: any): boolean {
  return actor.orgUnit === CITY_UNIT && (t.candidateGroups ?? []).some((g: string) => g.startsWith('city-') && actor.groups.includes(g));
}

/** May `actor` read or act on the task (the use case then checks who exactly may act)? */
export function reachesTask(actor: ScopeActor, { t, units }: TaskFacts): boolean {
  if (seesAcross(actor) || namesActor(actor, t)) return true;
  if (!actor.orgUnit) return false;
  if (t.orgUnit ? t.orgUnit === actor.orgUnit || units.includes(actor.orgUnit) : units.includes(actor.orgUnit)) return true;
  return cityOver(actor, t);
}

/** Org units of many tasks at once (cases by caseNo or instanceId, else the instance's starter's org unit). */
export async function taskFacts(models: Models, tasks: any[]): Promise<TaskFacts[]> {
  const fields = { orgUnit: 1, involvedOrgUnits: 1, instanceId: 1 };
  // By case number first, then by instance only for the tasks that carry none (or an unknown one):
  // two indexed reads, not one `$or` — DocumentDB 0.107 answers `{$or: [{_id: {$in}}, {instanceId: {$in}}]}`
  // by scanning (1.5–2 s at 100,000 stored cases, ENGINE-NOTES.md), each branch alone by its index.
  const caseNos = [...new Set(tasks.map((t) => t.caseNo).filter(Boolean))];
  const byNo = new Map((caseNos.length ? await models.ServiceCase.find({ _id: { $in: caseNos } }, fields).lean() : []).map((c: any) => [c._id as string, c]));
  const unmatched = tasks.filter((t) => !(t.caseNo && byNo.has(t.caseNo)));
  const instanceIds = [...new Set(unmatched.map((t) => t.instanceId ?? t.caseId).filter(Boolean))];
  const byInstance = new Map((instanceIds.length ? await models.ServiceCase.find({ instanceId: { $in: instanceIds } }, fields).lean() : []).map((c: any) => [c.instanceId as string, c]));
  const bare = instanceIds.filter((i) => !byInstance.has(i));
  const starterUnit = await instanceUnits(models, bare);
  return tasks.map((t) => {
    const iid = t.instanceId ?? t.caseId;
    const kase = (t.caseNo && byNo.get(t.caseNo)) || (iid && byInstance.get(iid));
    const units = kase ? caseUnits(kase) : [starterUnit.get(iid)].filter((x): x is string => !!x);
    return { t, units };
  });
}

/** The org unit of each bare instance: recorded at its start, else its starter's (instances started before it was recorded). */
export async function instanceUnits(models: Models, instanceIds: string[]): Promise<Map<string, string | undefined>> {
  if (!instanceIds.length) return new Map();
  const insts = await models.Instance.find({ _id: { $in: instanceIds } }, { startedBy: 1, orgUnit: 1 }).lean();
  const starters = [...new Set(insts.filter((i: any) => !i.orgUnit).map((i: any) => i.startedBy as string))];
  // the starters through the org cache (org-cache.ts): the same few people for every instance they started
  const users = starters.length ? await orgCacheOf(models).usersById(starters) : new Map<string, CachedUser>();
  const unitOfUser = new Map([...users].map(([id, u]) => [id, (u.orgUnit ?? undefined) as string | undefined]));
  return new Map(insts.map((i: any) => [i._id as string, (i.orgUnit as string | undefined) ?? unitOfUser.get(i.startedBy)]));
}

/**
 * May `actor` read the process instance `instanceId` (GET /api/cases/{id}, ProcessService.getCase)?
 * Its service case decides when it has one (its org unit or one it was handed to); a bare
 * instance goes by its starter, its recorded org unit (else the starter's), and the org units of
 * its steps. `undefined` when there is no such instance (the caller answers 404 either way).
 * `inst` is the instance head when the caller has it (saves a read). The system actor (timers,
 * repairs) and supervisors and admins read across.
 */
export async function actorReadsInstance(models: Models, actor: ScopeActor, instanceId: string, inst?: { startedBy?: string | null; orgUnit?: string | null } | null): Promise<boolean | undefined> {
  if (seesAcross(actor) || actor.roles.includes('system')) return true;
  const kase = await models.ServiceCase.findOne({ instanceId }, { orgUnit: 1, involvedOrgUnits: 1 }).lean();
  if (kase) return readsCase(actor, kase);
  const head: any = inst ?? (await models.Instance.findById(instanceId, { startedBy: 1, orgUnit: 1 }).lean());
  if (!head) return undefined;
  if (head.startedBy === actor.username) return true;
  if (actor.orgUnit) {
    const unit = head.orgUnit ?? (await instanceUnits(models, [instanceId])).get(instanceId);
    if (unit === actor.orgUnit) return true;
  }
  const tasks = await models.Task.find({ instanceId }).lean();
  const facts = await taskFacts(models, tasks);
  return facts.some((f) => reachesTask(actor, f));
}

/**
 * May `actor` read the escalation (督办) `e` (its `orgUnit` and `instanceId` are enough)? Its org
 * unit's staff; the city office supervises its towns; an escalation of a bare instance (no org
 * unit recorded) goes by the instance. Supervisors, admins and the system read across.
 */
export async function actorReadsEscalation(models: Models, actor: ScopeActor, e: { orgUnit?: string | null; instanceId?: string | null }): Promise<boolean> {
  if (seesAcross(actor) || actor.roles.includes('system') || actor.orgUnit === CITY_UNIT) return true;
  if (e.orgUnit) return e.orgUnit === actor.orgUnit;
  return !!e.instanceId && (await actorReadsInstance(models, actor, e.instanceId)) !== false;
}

/**
 * The engine's check before a use case reads or acts on a task for `actor`: true when the task
 * names the actor or sits in the actor's org unit. No reads when the task or its instance head
 * (`inst`, when the caller has it) already answers yes; a refusal is always decided from the
 * database (the task's case or instance), never from what the caller handed in.
 */
export async function actorReachesTask(models: Models, actor: ScopeActor, t: any, inst?: { orgUnit?: string | null } | null): Promise<boolean> {
  if (seesAcross(actor) || namesActor(actor, t) || cityOver(actor, t)) return true;
  if (actor.orgUnit && (t.orgUnit === actor.orgUnit || (!t.caseNo && !t.orgUnit && inst?.orgUnit === actor.orgUnit))) return true;
  return reachesTask(actor, (await taskFacts(models, [t]))[0]!);
}

/**
 * The tasks of a list `actor` may see (an engine list narrowed before it leaves the engine): the
 * ones that name the actor or sit in the actor's org unit pass without reads; the rest are
 * checked against their case or instance in one go.
 */
export async function reachableTasks<T extends Record<string, any>>(models: Models, actor: ScopeActor, tasks: T[]): Promise<T[]> {
  if (seesAcross(actor) || !tasks.length) return tasks;
  const quick = (t: T) => namesActor(actor, t) || cityOver(actor, t) || (!!actor.orgUnit && t.orgUnit === actor.orgUnit);
  const rest = tasks.filter((t) => !quick(t));
  if (!rest.length) return tasks;
  const facts = await taskFacts(models, rest);
  const keep = new Set(rest.filter((_t, i) => reachesTask(actor, facts[i]!)));
  return tasks.filter((t) => quick(t) || keep.has(t));
}
