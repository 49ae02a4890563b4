/**
 * Reads: a case (process instance) with its steps and history, as an actor may read it, and the
 * task lists; the view mappers (`caseView`, `taskView`).
 */
import { NotFoundError } from '../../domain/errors';
import type { Actor, HistoryEvent } from '../../domain/types';
import { actorReadsInstance, CITY_UNIT, reachableTasks, seesAcross } from '../../org/scope';
import { project } from './projector';
import { calledCasesOf } from './called-tree';
import type { ProcessContext } from './context';

/**
 * A case (process instance) as `actor` may read it: with status, variables, open and completed
 * steps and its history. The engine checks the org unit itself (DESIGN.md §6; the same rule as
 * the HTTP guard, engine/org/scope.ts `actorReadsInstance`): another org unit's instance is
 * answered 404 CASE_NOT_FOUND, exactly as one that does not exist, so no caller — an endpoint, a
 * worker, a script — reads a foreign record by forgetting a guard. Supervisors, admins and the
 * system actor read across.
 * @throws NotFoundError CASE_NOT_FOUND
 */
export async function getCase(ctx: ProcessContext, instanceId: string, actor: Actor) {
  const { models } = ctx.deps;
  const refused = () => new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
  const inst: any = await models.Instance.findById(instanceId).lean();
  const reads = await actorReadsInstance(models, actor, instanceId, inst);
  if (reads === false) throw refused();
  const view = await caseView(ctx, instanceId, inst ?? undefined);
  // no head yet (a start cut short, projected by the view just now): decide on the projected head
  if (reads === undefined && !(await actorReadsInstance(models, actor, instanceId))) throw refused();
  return view;
}

/**
 * The events of every revision of an instance (by revision) and its tasks (by creation), in one
 * round trip: the revisions by the (instanceId, revision) index with the tasks of the
 * (instanceId, status) index appended (`$unionWith`). Tasks read in the same command as the
 * revisions cannot lag them by more than a projection running meanwhile.
 */
async function revisionsAndTasks(ctx: ProcessContext, instanceId: string): Promise<{ revs: { revision: number; events: string }[]; tasks: any[] }> {
  const { Revision, Task } = ctx.deps.models;
  const docs: any[] = await Revision.aggregate([
    { $match: { instanceId } },
    { $project: { _id: 0, revision: 1, events: 1 } },
    { $unionWith: { coll: Task.collection.collectionName, pipeline: [{ $match: { instanceId } }, { $addFields: { _isTask: true } }] } },
  ]);
  const revs: { revision: number; events: string }[] = [];
  const tasks: any[] = [];
  for (const d of docs) {
    if (d._isTask) {
      delete d._isTask;
      tasks.push(d);
    } else revs.push(d);
  }
  revs.sort((a, b) => a.revision - b.revision);
  tasks.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || (String(a._id) < String(b._id) ? -1 : String(a._id) > String(b._id) ? 1 : 0));
  return { revs, tasks };
}

/**
 * The case view without an access check: for the commands, whose actor was checked against the
 * task or instance before the command ran. `head` is the instance head a command just wrote
 * (saves reading it). Two indexed reads at most: the head, and the revisions' events with the
 * tasks (one aggregate); one with the head in hand. (The called instances, when there are some.)
 * @throws NotFoundError
 */
export async function caseView(ctx: ProcessContext, instanceId: string, head?: any) {
  const { Instance, Revision } = ctx.deps.models;
  let inst: any = head ?? (await Instance.findById(instanceId).lean());
  if (!inst) {
    // a start cut short before its head was written has its revision 1: project it
    if (!(await Revision.exists({ _id: `${instanceId}:1` }))) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
    inst = await ctx.mutex.run(instanceId, () => project(ctx, instanceId));
    if (!inst) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
  }
  let { revs, tasks } = await revisionsAndTasks(ctx, instanceId);
  const top = revs.length ? revs[revs.length - 1].revision : 0;
  if (!top) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} did not start`);
  if (top > (inst.headRevision ?? 0) || inst.status === 'starting') {
    // the head lags the series (a projection cut short): bring it up, then read what it wrote
    inst = (await ctx.mutex.run(instanceId, () => project(ctx, instanceId))) ?? inst;
    ({ revs, tasks } = await revisionsAndTasks(ctx, instanceId));
  }
  const history = revs.flatMap((r) => (JSON.parse(r.events) as HistoryEvent[]).map((e) => ({ ...e, revision: r.revision })));
  // 调用活动: the instances this one's call activities started, and theirs (one read per level, only when there are some)
  const calledCases = await calledCasesOf(ctx, inst);
  return {
    id: inst._id,
    definitionKey: inst.definitionKey,
    definitionVersion: inst.definitionVersion,
    name: inst.name,
    businessKey: inst.businessKey ?? undefined,
    status: inst.status,
    revision: inst.headRevision,
    variables: inst.variables,
    activeElements: inst.activeElements,
    startedAt: inst.startedAt,
    startedBy: inst.startedBy,
    endedAt: inst.endedAt ?? undefined,
    ...(inst.parentInstanceId ? { parent: { instanceId: inst.parentInstanceId, elementId: inst.parentElementId, rootInstanceId: inst.rootInstanceId ?? inst.parentInstanceId } } : {}),
    // 消息开始事件: the message that started it, and the case's root instance when it joined a case in progress
    ...(inst.startedByMessage ? { startedByMessage: inst.startedByMessage, ...(!inst.parentInstanceId && inst.rootInstanceId ? { rootInstanceId: inst.rootInstanceId } : {}) } : {}),
    // on a case's root: the instances messages started for the case (instance id, message id and name)
    ...(inst.messageStartedInstances?.length ? { messageStartedCases: inst.messageStartedInstances } : {}),
    calledCases,
    openTasks: tasks.filter((t) => t.status === 'open').map(taskView),
    completedSteps: history
      .filter((e) => e.type === 'activity.end' && e.elementType !== 'bpmn:SequenceFlow')
      .map((e) => ({ elementId: e.elementId, name: e.name, type: e.elementType, endedAt: e.at })),
    tasks: tasks.map(taskView),
    history,
  };
}

/**
 * Open tasks the actor may work on. `filter`: `mine` (assigned to the actor), `groups`
 * (offered to one of the actor's groups), `all` (both; default).
 */
/**
 * Open tasks of `actor`: held (`mine`), offered to a group or by name (`groups`), or both.
 * A candidate group offers a step only inside its org unit (DESIGN.md §6): the query asks for
 * the actor's org unit (and steps of no recorded org unit, from before it was recorded, which
 * are then checked one by one), the city office also for its `city-*` groups across the towns;
 * supervisors and admins across.
 */
export async function listTasks(ctx: ProcessContext, actor: Actor, filter: 'mine' | 'groups' | 'all' = 'all', instanceId?: string) {
  const wide = seesAcross(actor);
  const or: any[] = [];
  if (filter !== 'groups') or.push({ assignee: actor.username });
  if (filter !== 'mine') {
    or.push({ candidateGroups: { $in: actor.groups }, assignee: null, ...(wide ? {} : { orgUnit: { $in: [actor.orgUnit ?? null, null] } }) });
    const cityGroups = actor.orgUnit === CITY_UNIT ? actor.groups.filter((g) => g.startsWith('city-')) : [];
    if (!wide && cityGroups.length) or.push({ candidateGroups: { $in: cityGroups }, assignee: null });
    or.push({ candidateUsers: actor.username, assignee: null });
  }
  const query: any = { status: 'open', $or: or };
  if (actor.roles.includes('admin') && filter === 'all') delete query.$or;
  if (instanceId) query.instanceId = instanceId;
  const tasks = await ctx.deps.models.Task.find(query).sort({ createdAt: 1 }).limit(500).lean();
  return (await reachableTasks(ctx.deps.models, actor, tasks)).map(taskView);
}

export function taskView(t: any) {
  return {
    id: t._id,
    caseId: t.instanceId,
    elementId: t.elementId,
    name: t.name,
    definitionKey: t.definitionKey,
    candidateGroups: t.candidateGroups,
    candidateUsers: t.candidateUsers,
    assignee: t.assignee ?? undefined,
    dueDate: t.dueDate ?? undefined,
    formKey: t.formKey ?? undefined,
    timeLimit: t.timeLimit ?? undefined,
    window: t.window ?? undefined,
    orgLevel: t.orgLevel ?? undefined,
    status: t.status,
    createdAt: t.createdAt,
    completedAt: t.completedAt ?? undefined,
    completedBy: t.completedBy ?? undefined,
    kind: t.kind ?? 'engine',
    caseNo: t.caseNo ?? undefined,
    orgUnit: t.orgUnit ?? undefined,
    windowId: t.windowId ?? undefined,
    post: t.post ?? undefined,
    claimedBy: t.claimedBy ?? undefined,
    claimedAt: t.claimedAt ?? undefined,
    movedFrom: t.movedFrom ?? undefined,
    parentTaskId: t.parentTaskId ?? undefined,
    outcome: t.outcome ?? undefined,
    actions: t.actions ?? [],
    ccTo: t.ccTo ?? [],
  };
}
