/**
 * The one projector: a revision just inserted (or, on the repair path, every revision the head
 * has not passed) becomes the read models — escalations, the tasks it opened and closed (one bulk
 * write), the call link of a called instance that ended, the listeners (the case layer), then the
 * instance head, which only moves forward. `persist` is the write of a command: the jobs, timers,
 * call links and thrown messages the revision needs first, the insert of revision n+1 (the claim),
 * then its projection from what is in hand. `project` is the same from the database, for a head
 * left behind by a process that died, a lost race or a withdrawal. Both are idempotent.
 */
import { isDuplicateKey } from '../../persistence/models';
import type { Actor, UserTaskMeta } from '../../domain/types';
import { crashPoint, holdPoint } from '../../domain/fault';
import { ENGINE_VERSION } from '../../runtime/engine-factory';
import { evaluate, hasExpression } from '../../runtime/expressions';
import type { EscalationRaised, RunResult, WaitingTask } from '../../runtime/run-engine';
import { callActivities, escalationSources, loadDefinitionById, resolveCalled, taskMetas } from './definitions';
import { latestRevision } from './instance-head';
import { childInstanceId, parentOf, type CallParentRef } from './call-mapping';
import type { ClosedStep, Committed, Head, OpenStep, ProcessContext, ProjectedRevision } from './context';
import { stateToStore } from './engine-inputs';

/**
 * Schedules the new timers, inserts revision n+1 (the claim), then projects it from what is
 * in hand: `prev` is the head the command ran on (null for a start), projected up to
 * `prev.rev`, so the tasks to open and close are the difference of the two open-task lists.
 * The revision is inserted `projected: false`; the repair sweep marks it (in batches) once
 * the head has passed it, and projects it itself when a crash left the head behind.
 * @returns the instance head as written with the revision inserted, or null when another process inserted revision n+1 first
 */
export async function persist(ctx: ProcessContext, instanceId: string, revision: number, def: any, run: RunResult, command: Record<string, unknown>, actor: Actor, prev: Head | null): Promise<Committed | null> {
  const now = ctx.deps.clock.now();
  if (run.newTimers.length) {
    // before the revision: a crash in between leaves at most a job whose firing finds nothing due
    await ctx.deps.timers.schedule(run.newTimers.map((t) => ({ instanceId, elementId: t.elementId, expireAt: new Date(t.expireAt) })));
  }
  if (run.newJobs.length && ctx.deps.serviceJobs) {
    // before the revision too: a job whose revision never came finds its task not waiting and ends
    const jobTasks: { elementId: string; retries?: number }[] = (def.userTasks ?? []).find((t: any) => t.jobTasks)?.jobTasks ?? [];
    const businessKey = prev ? (prev.inst.businessKey ?? undefined) : ((command as any).businessKey ?? undefined);
    const orgUnit = prev ? (prev.inst.orgUnit ?? undefined) : ((command as any).orgUnit ?? undefined);
    await ctx.deps.serviceJobs.schedule(
      run.newJobs.map((j) => ({
        instanceId,
        elementId: j.elementId,
        executionId: j.executionId,
        topic: j.topic,
        name: j.name,
        definitionKey: def.key,
        caseNo: typeof run.variables.caseNo === 'string' ? run.variables.caseNo : businessKey,
        orgUnit,
        retries: jobTasks.find((t) => t.elementId === j.elementId)?.retries,
      })),
    );
  }
  if (run.newCalls.length) {
    // before the revision, like jobs: a link whose revision never came is found `starting` by the
    // sweep and given up; one whose revision came is followed (the child started) after it
    const metas = callActivities(def);
    const rootInstanceId = prev ? (prev.inst.rootInstanceId ?? instanceId) : ((command as any).parent?.rootInstanceId ?? (command as any).rootInstanceId ?? instanceId);
    for (const c of run.newCalls) {
      const definitionId = await resolveCalled(ctx, metas.find((m) => m.elementId === c.elementId), c);
      const childId = childInstanceId(instanceId, c.executionId);
      await ctx.deps.models.CallLink.updateOne(
        { _id: childId },
        {
          $setOnInsert: {
            parentInstanceId: instanceId,
            rootInstanceId,
            parentElementId: c.elementId,
            ...(c.name ? { parentElementName: c.name } : {}),
            parentExecutionId: c.executionId,
            calledElement: c.calledElement,
            definitionId,
            status: 'starting',
            createdAt: now,
            updatedAt: now,
          },
        },
        { upsert: true },
      );
    }
    crashPoint('engine.call.after-link');
  }
  if (run.thrownMessages.length && ctx.messages) {
    // before the revision, like call links: stored `thrown` (not deliverable) and released once the
    // revision committed; the sweep releases one whose revision names it, and drops one whose never came
    const businessKey = (prev ? prev.inst.businessKey : (command as any).businessKey) ?? (typeof run.variables.caseNo === 'string' ? run.variables.caseNo : undefined);
    await ctx.messages.storeThrown(instanceId, revision, businessKey, run.thrownMessages);
  }
  const sources = escalationSources(def);
  const declared: { id: string; code?: string; name?: string }[] = (def.userTasks ?? []).find((t: any) => t.escalations)?.escalations ?? [];
  const escalations = run.escalations.map((e: EscalationRaised) => {
    const src = sources.find((s) => s.elementId === e.elementId);
    const decl = declared.find((d) => d.id === e.escalationRef);
    return {
      ...e,
      escalationCode: e.escalationCode ?? decl?.code,
      escalationName: e.escalationName ?? decl?.name,
      attachedToId: src?.taskElementId,
      taskName: src?.taskName,
    };
  });
  const doc = {
    _id: `${instanceId}:${revision}`,
    instanceId,
    revision,
    command,
    actor: actor.username,
    createdAt: now,
    state: await stateToStore(ctx, run, def),
    engineVersion: ENGINE_VERSION,
    status: run.status,
    events: JSON.stringify(run.events),
    openTasks: JSON.stringify(run.openTasks),
    timers: JSON.stringify(run.timers),
    jobs: JSON.stringify(run.jobs),
    escalations: JSON.stringify(escalations),
    variables: JSON.stringify(run.variables),
    activeElements: JSON.stringify(run.activeElements),
    calls: JSON.stringify(run.calls),
    messageWaits: JSON.stringify(run.messageWaits),
    ...(run.thrownMessages.length ? { thrownMessages: JSON.stringify(run.thrownMessages.map((m) => m.executionId)) } : {}),
    ...(run.endError ? { endError: JSON.stringify(run.endError) } : {}),
    ...(run.error ? { error: run.error } : {}),
    projected: false,
  };
  try {
    await ctx.deps.models.Revision.create(doc as any);
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
  crashPoint('engine.after-revision');
  await holdPoint(`engine.after-revision:${String(command.type)}`);
  return { head: await projectNext(ctx, instanceId, def, prev, doc, run, escalations), rev: doc };
}

/**
 * The projection of the revision just inserted, from what is in hand (no reads but the step
 * clocks an escalation may join and the router's): escalations, the tasks it opened and
 * closed in one bulk write, the listeners, then the head. Idempotent like `project`.
 */
async function projectNext(ctx: ProcessContext, instanceId: string, def: any, prev: Head | null, rev: any, run: RunResult, escalations: any[]): Promise<any> {
  const businessKey: string | undefined = prev ? (prev.inst.businessKey ?? undefined) : (rev.command.businessKey ?? undefined);
  const escalationIds = await projectEscalations(ctx, instanceId, def, businessKey, [{ revision: rev.revision, escalations }], run.openTasks, prev?.stepClocks);
  const prevOpen = prev ? (JSON.parse(prev.rev.openTasks) as WaitingTask[]) : [];
  const before = new Set(prevOpen.map((t) => t.executionId));
  const after = new Set(run.openTasks.map((t) => t.executionId));
  const ops: any[] = [];
  const opened = new Map<string, any>();
  const metas = taskMetas(def);
  for (const t of run.openTasks) {
    if (before.has(t.executionId)) continue;
    const { _id, ...fields } = await newTask(ctx, instanceId, def, metas, t, run.variables, rev.revision, prev ? prev.inst.orgUnit : rev.command.orgUnit);
    opened.set(_id, { _id, ...fields });
    // an insert that a replay (or a racing repair) finds done already changes nothing
    ops.push({ updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } });
  }
  const closed: ClosedStep[] = [];
  for (const t of prevOpen) {
    if (after.has(t.executionId)) continue;
    const _id = `${instanceId}:${t.executionId}`;
    const completed = rev.command.type === 'complete-task' && rev.command.taskId === _id;
    closed.push({ id: _id, elementId: t.elementId, status: completed ? 'completed' : 'cancelled', completedAt: rev.createdAt, ...(completed ? { completedBy: rev.actor } : {}) });
    ops.push({
      updateOne: {
        filter: { _id, status: 'open' },
        update: completed
          ? { $set: { status: 'completed', completedAt: rev.createdAt, completedBy: rev.actor, outcome: rev.command.output ?? null, revision: rev.revision } }
          : { $set: { status: 'cancelled', completedAt: rev.createdAt, revision: rev.revision } },
      },
    });
  }
  await writeTasks(ctx, ops);
  const parent: CallParentRef | undefined = prev ? parentOf(prev.inst) : rev.command.parent;
  await tell(ctx, instanceId, def, run.openTasks, rev.status, run.variables, [{ ...rev, events: run.events, escalations }], escalationIds, opened, parent?.rootInstanceId ?? (prev ? prev.inst.rootInstanceId : rev.command.rootInstanceId) ?? undefined, closed);
  if (parent) await markCallEnded(ctx, instanceId, rev);
  const start = prev ? undefined : { createdAt: rev.createdAt, actor: rev.actor, businessKey, orgUnit: rev.command.orgUnit as string | undefined, parent, rootInstanceId: rev.command.rootInstanceId, message: rev.command.message };
  return moveHead(ctx, instanceId, def, rev, run.variables, run.activeElements, prev?.inst, start);
}

/** One bulk write of task upserts and closes; a racing repair's duplicate upsert is no error. */
async function writeTasks(ctx: ProcessContext, ops: any[]): Promise<void> {
  if (!ops.length) return;
  try {
    await ctx.deps.models.Task.bulkWrite(ops, { ordered: false });
  } catch (err: any) {
    const errors: any[] = err?.writeErrors ?? err?.result?.getWriteErrors?.() ?? [];
    if (!errors.length || errors.some((e) => (e.code ?? e.err?.code) !== 11000)) throw err;
  }
}

/** The task document of a user task the engine now waits on: routed, with its metadata resolved. */
/** The task document of a step the engine waits on; `instanceOrgUnit` (the starter's) scopes an unrouted step. */
async function newTask(ctx: ProcessContext, instanceId: string, def: any, metas: UserTaskMeta[], t: WaitingTask, variables: Record<string, unknown>, revision: number, instanceOrgUnit?: string) {
  const meta = metas.find((m) => m.elementId === t.elementId);
  // an iteration of a multi-instance step (会签) resolves with its element and index, as Camunda's local
  // variables (`camunda:assignee="${signer}"` with `camunda:elementVariable="signer"`)
  const scope = t.loop ? { ...variables, ...(t.loop.elementVariable ? { [t.loop.elementVariable]: t.loop.item } : {}), loopCounter: t.loop.index } : variables;
  const route = ctx.deps.router && meta ? await ctx.deps.router.route(scope, { window: meta.window, orgLevel: meta.orgLevel, elementId: t.elementId }) : undefined;
  const resolve = (v?: string) => (v && hasExpression(v) ? safeEval(v, scope) : v);
  const groups = (meta?.candidateGroups ?? []).flatMap((g) => String(resolve(g) ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  const due = resolve(meta?.dueDate);
  const doc: Record<string, unknown> = {
    _id: `${instanceId}:${t.executionId}`,
    instanceId,
    executionId: t.executionId,
    elementId: t.elementId,
    name: meta?.name ?? t.name ?? t.elementId,
    definitionKey: def.key,
    candidateGroups: groups,
    candidateUsers: meta?.candidateUsers ?? [],
    assignee: route?.assignee ?? ((resolve(meta?.assignee) as string | undefined) || undefined),
    caseNo: typeof variables.caseNo === 'string' ? variables.caseNo : undefined,
    // a step routed to a window is that window's org unit's; an unrouted one its instance's, so a
    // candidate group is offered only inside it (the shared group town-window never crosses towns)
    orgUnit: route?.orgUnit ?? instanceOrgUnit ?? undefined,
    windowId: route?.windowId,
    post: route?.post,
    actions: route?.windowId ? [{ type: 'routed', to: route.assignee, windowId: route.windowId, post: route.post, at: new Date(t.createdAt) }] : [],
    dueDate: due && !Number.isNaN(Date.parse(String(due))) ? new Date(String(due)) : undefined,
    formKey: meta?.formKey,
    timeLimit: meta?.timeLimit,
    window: meta?.window,
    orgLevel: meta?.orgLevel,
    stepKind: meta?.stepKind,
    status: 'open',
    createdAt: new Date(t.createdAt),
    revision,
    kind: 'engine',
    ccTo: [],
  };
  for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
  return doc as Record<string, any> & { _id: string };
}

/**
 * Escalations raised by `revisions` (inserts keyed by execution: idempotent). A boundary timer
 * on a step that also has its own deadline clock (环节时限) is the same lateness told twice:
 * it joins the clock's escalation (`clock:step:<task>`, whichever comes first creates it)
 * instead of opening a second one for the same supervisors.
 * `stepClocks`: the instance's step clocks read with its head (else read here).
 * @returns the escalation id of each `revision:executionId`
 */
async function projectEscalations(ctx: ProcessContext, instanceId: string, def: any, businessKey: string | undefined, revisions: { revision: number; escalations: string | any[] }[], open: WaitingTask[], stepClocks?: string[]) {
  const { Escalation, Clock } = ctx.deps.models;
  const ids = new Map<string, string>();
  const raised = revisions.flatMap((r) => (typeof r.escalations === 'string' ? (JSON.parse(r.escalations) as any[]) : r.escalations).map((e) => ({ revision: r.revision, e })));
  if (!raised.length) return ids;
  const stepClockOf = (e: any) => {
    const task = e.attachedToId ? open.find((t) => t.elementId === e.attachedToId) : undefined;
    return task ? `step:${instanceId}:${task.executionId}` : undefined;
  };
  const clockIds = [...new Set(raised.map(({ e }) => stepClockOf(e)).filter((x): x is string => !!x))];
  const clocks = new Set(!clockIds.length ? [] : stepClocks ? clockIds.filter((id) => stepClocks.includes(id)) : (await Clock.find({ _id: { $in: clockIds } }, { _id: 1 }).lean()).map((c) => String(c._id)));
  for (const { revision, e } of raised) {
    const stepClockId = stepClockOf(e);
    const joined = !!stepClockId && clocks.has(stepClockId);
    const id = joined ? `clock:${stepClockId}` : `${instanceId}:${e.executionId}`;
    ids.set(`${revision}:${e.executionId}`, id);
    // the business key of a service case's instance is its case number: the escalation joins the case in the statistics
    const fields = { instanceId, definitionKey: def.key, elementId: e.elementId, taskElementId: e.attachedToId, taskName: e.taskName, ...(businessKey ? { caseNo: businessKey } : {}) };
    const note = { status: 'bpmn-timer', at: new Date(e.at), by: 'system', reason: `流程图边界定时器到期（${e.escalationName ?? e.escalationCode ?? '超时'}）` };
    try {
      await Escalation.create({
        _id: id,
        ...fields,
        escalationCode: e.escalationCode,
        escalationName: e.escalationName,
        raisedAt: new Date(e.at),
        status: 'open',
        revision,
        ...(joined ? { source: 'clock', clockId: stepClockId, limitKind: 'step', history: [note] } : {}),
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // the clock's breach opened it first: add what the diagram knows, once
      if (joined) await Escalation.updateOne({ _id: id, elementId: { $exists: false } }, { $set: fields, $push: { history: note } });
    }
  }
  return ids;
}

/** Tells the listeners about revisions now in the read models (before the head passes them). */
async function tell(ctx: ProcessContext, instanceId: string, def: any, open: WaitingTask[], status: string, variables: Record<string, unknown>, revs: any[], escalationIds: Map<string, string>, opened?: Map<string, any>, rootInstanceId?: string, closedSteps?: ClosedStep[]) {
  if (!ctx.listeners.length || !revs.length) return;
  const revisions: ProjectedRevision[] = revs.map((r) => ({
    revision: r.revision,
    command: r.command as Record<string, any>,
    actor: r.actor,
    createdAt: r.createdAt,
    events: typeof r.events === 'string' ? JSON.parse(r.events) : r.events,
    escalations: (typeof r.escalations === 'string' ? (JSON.parse(r.escalations) as any[]) : r.escalations).map((e: any) => ({ ...e, escalationId: escalationIds.get(`${r.revision}:${e.executionId}`) ?? `${instanceId}:${e.executionId}` })),
    status: r.status,
  }));
  const metas = taskMetas(def);
  const openSteps: OpenStep[] = open.map((t) => ({ id: `${instanceId}:${t.executionId}`, elementId: t.elementId, stepKind: metas.find((m) => m.elementId === t.elementId)?.stepKind }));
  for (const l of ctx.listeners) await l.onProjected({ instanceId, status, variables, revisions, openSteps, ...(opened ? { opened } : {}), ...(closedSteps ? { closedSteps } : {}), ...(rootInstanceId ? { rootInstanceId } : {}) });
}

/**
 * Moves the instance head to `rev` — only forwards (a slower projection of an older revision
 * never moves it back). A start's head is created from revision 1 (`start`).
 * @returns the head as written
 */
async function moveHead(ctx: ProcessContext, instanceId: string, def: any, rev: any, variables: Record<string, unknown>, activeElements: string[], inst?: any, start?: StartFacts) {
  const set = {
    status: rev.status,
    headRevision: rev.revision,
    variables,
    activeElements,
    updatedAt: rev.createdAt,
    ...(rev.status !== 'running' ? { endedAt: rev.createdAt } : {}),
  };
  const { Instance } = ctx.deps.models;
  const filter = { _id: instanceId, headRevision: { $lt: rev.revision } };
  if (!start) {
    await Instance.updateOne(filter, { $set: set });
    return { ...inst, ...set };
  }
  const created = {
    definitionId: def._id,
    definitionKey: def.key,
    definitionVersion: def.version,
    name: def.name,
    ...(start.businessKey ? { businessKey: start.businessKey } : {}),
    startedAt: start.createdAt,
    startedBy: start.actor,
    ...(start.orgUnit ? { orgUnit: start.orgUnit } : {}),
    ...(start.parent ? { parentInstanceId: start.parent.instanceId, parentElementId: start.parent.elementId, parentExecutionId: start.parent.executionId, rootInstanceId: start.parent.rootInstanceId } : {}),
    // started by a message for a case in progress (start-case.ts CaseMember): the case's root, and the message
    ...(!start.parent && start.rootInstanceId ? { rootInstanceId: start.rootInstanceId } : {}),
    ...(start.message ? { startedByMessage: start.message } : {}),
  };
  try {
    await Instance.updateOne(filter, { $set: set, $setOnInsert: created }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // the head is there, and further on already
  }
  return inst ? { ...inst, ...set } : { _id: instanceId, ...created, ...set };
}

/** What revision 1 says about a new instance, for its head: who started it, for which case, from where. */
interface StartFacts {
  createdAt: Date;
  actor: string;
  businessKey?: string;
  orgUnit?: string;
  parent?: CallParentRef;
  /** An instance a message started for a case in progress: the case's root instance (no parent). */
  rootInstanceId?: string;
  message?: { id: string; name: string };
}

/**
 * Brings the read models (instance head, tasks, escalations) up to the latest revision, from
 * the database: the repair path, for a head left behind by a process that died, a lost
 * revision race, or a withdrawal. Idempotent; safe to run from any process at any time.
 * @returns the head as it stands at the latest revision (undefined when there is none yet)
 */
export async function project(ctx: ProcessContext, instanceId: string): Promise<any | undefined> {
  const { Revision, Instance, Task } = ctx.deps.models;
  const inst: any = await Instance.findById(instanceId).lean();
  const latest = await latestRevision(ctx, instanceId);
  if (!latest) return;
  const headRevision = inst?.headRevision ?? 0;
  let start: StartFacts | undefined;
  let definitionId = inst?.definitionId as string | undefined;
  if (!inst || headRevision === 0) {
    // a start cut short before its head was written: the head comes from revision 1
    const first: any = latest.revision === 1 ? latest : await Revision.findById(`${instanceId}:1`, { command: 1, createdAt: 1, actor: 1 }).lean();
    if (!first) return;
    definitionId ??= first.command?.definitionId;
    start = { createdAt: first.createdAt, actor: first.actor, businessKey: first.command?.businessKey ?? inst?.businessKey, orgUnit: first.command?.orgUnit ?? inst?.orgUnit, parent: first.command?.parent ?? parentOf(inst), rootInstanceId: first.command?.rootInstanceId, message: first.command?.message };
  }
  if (!definitionId) return;
  const def = await loadDefinitionById(ctx, definitionId);
  const metas = taskMetas(def);
  const variables = JSON.parse(latest.variables) as Record<string, unknown>;
  const open = JSON.parse(latest.openTasks) as WaitingTask[];
  // Revisions after the projected head (the head only moves once their listeners ran), in one indexed read.
  const unprojected: any[] =
    latest.revision > headRevision
      ? await Revision.find({ instanceId, revision: { $gt: headRevision } }, { events: 1, escalations: 1, revision: 1, actor: 1, command: 1, createdAt: 1, status: 1 }).sort({ revision: 1 }).lean()
      : [];
  const businessKey: string | undefined = inst?.businessKey ?? start?.businessKey;
  const escalationIds = await projectEscalations(ctx, instanceId, def, businessKey, unprojected, open);

  // Tasks: upsert the open ones, reopen withdrawn ones, close the ones that disappeared.
  const ops: any[] = [];
  const openIds = new Set(open.map((t) => `${instanceId}:${t.executionId}`));
  const known = new Map((await Task.find({ instanceId }, { status: 1 }).lean()).map((t) => [String(t._id), t.status as string]));
  for (const t of open) {
    const id = `${instanceId}:${t.executionId}`;
    const status = known.get(id);
    if (status === 'open') continue;
    if (status) {
      // Open again in the latest state although closed in the read model: a withdrawal (撤回).
      ops.push({
        updateOne: {
          filter: { _id: id, status: { $ne: 'open' } },
          update: {
            $set: { status: 'open', revision: latest.revision },
            $unset: { completedAt: 1, completedBy: 1, outcome: 1 },
            $push: { actions: { type: 'reopened', at: latest.createdAt, actor: latest.actor, reason: (latest.command as any)?.reason } },
          },
        },
      });
      continue;
    }
    const { _id, ...fields } = await newTask(ctx, instanceId, def, metas, t, variables, latest.revision, inst?.orgUnit ?? start?.orgUnit);
    ops.push({ updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } });
  }
  const stillOpen = [...known].filter(([id, status]) => status === 'open' && !openIds.has(id)).map(([id]) => id);
  if (stillOpen.length) {
    // Who completed it: the revision whose command completed this task, if any (the last 30).
    const recent = await Revision.find({ instanceId, revision: { $gte: Math.max(1, latest.revision - 30) } }, { actor: 1, createdAt: 1, command: 1, revision: 1 }).sort({ revision: -1 }).lean();
    for (const id of stillOpen) {
      const rev: any = recent.find((r: any) => r?.command?.type === 'complete-task' && r.command.taskId === id);
      ops.push({
        updateOne: {
          filter: { _id: id, status: 'open' },
          update: rev
            ? { $set: { status: 'completed', completedAt: rev.createdAt, completedBy: rev.actor, outcome: (rev.command as any)?.output ?? null, revision: latest.revision } }
            : { $set: { status: 'cancelled', completedAt: latest.createdAt, revision: latest.revision } },
        },
      });
    }
  }
  await writeTasks(ctx, ops);
  const parent = start?.parent ?? parentOf(inst);
  await tell(ctx, instanceId, def, open, latest.status, variables, unprojected, escalationIds, undefined, parent?.rootInstanceId ?? inst?.rootInstanceId ?? start?.rootInstanceId);
  if (parent) await markCallEnded(ctx, instanceId, latest);
  const head = await moveHead(ctx, instanceId, def, latest, variables, JSON.parse((latest as any).activeElements ?? '[]') as string[], inst ?? undefined, start);
  await Revision.updateMany({ instanceId, revision: { $lte: latest.revision }, projected: false }, { $set: { projected: true } });
  return head;
}

/** A called instance's final revision marks its link `ended` (before its head moves: a kill before is re-projected). */
async function markCallEnded(ctx: ProcessContext, instanceId: string, rev: any): Promise<void> {
  if (rev.status === 'running') return;
  await ctx.deps.models.CallLink.updateOne({ _id: instanceId, status: { $in: ['starting', 'running'] } }, { $set: { status: 'ended', childStatus: rev.status, updatedAt: rev.createdAt } });
}

function safeEval(expr: string, variables: Record<string, unknown>): unknown {
  try {
    return evaluate(expr, { environment: { variables } });
  } catch {
    return undefined;
  }
}
