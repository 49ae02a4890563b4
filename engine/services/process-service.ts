/**
 * The engine's use cases: deploy, start a case, complete a task, fire a timer, read cases,
 * tasks and escalations. Every state change is a command over persisted state (DESIGN.md §3):
 * load the latest revision → recover → apply → settle → insert revision n+1. The insert on a
 * unique `_id` is the concurrency claim on FerretDB and MongoDB alike: a duplicate key means
 * another process moved the instance first, so the command reloads and retries, or answers a
 * conflict when it no longer applies.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Clock, DefinitionSummary, HistoryEvent, Logger, UserTaskMeta } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { ENGINE_VERSION, RESERVED_VARIABLE_NAMES } from '../runtime/engine-factory';
import { evaluate, hasExpression } from '../runtime/expressions';
import { runEngine, type EscalationRaised, type PendingTimer, type RunResult, type WaitingTask } from '../runtime/run-engine';
import { validateDefinition } from '../runtime/validate-definition';
import type { TimerScheduler } from '../timers/timer-port';
import type { TaskRouter } from '../org/org-service';
import { KeyedMutex } from './keyed-mutex';

/** How many times a command reloads and retries after losing a revision race. */
const MAX_COMMAND_ATTEMPTS = 5;
/** Largest JSON size of the variables of one request, in bytes. */
export const MAX_VARIABLES_BYTES = 256 * 1024;

export interface ProcessServiceDeps {
  models: Models;
  timers: TimerScheduler;
  clock: Clock;
  logger: Logger;
  /** Routes the tasks of cases taken in through intake to a window and person (org model). */
  router?: TaskRouter;
}

/** A revision as the projection hands it to listeners. */
export interface ProjectedRevision {
  revision: number;
  command: Record<string, any>;
  actor: string;
  createdAt: Date;
  events: HistoryEvent[];
  escalations: any[];
  status: string;
}

/**
 * Told about every revision when the read models catch up with it. Must be idempotent: after
 * a crash the repair sweep hands the same revision again (use the revision as a dedupe key).
 */
export interface ProjectionListener {
  onProjected(p: { instanceId: string; status: string; variables: Record<string, unknown>; revisions: ProjectedRevision[] }): Promise<void>;
}

interface EscalationSource {
  elementId: string;
  taskElementId: string;
  taskName?: string;
}

/** Refuses variable names the engine overwrites or that documents cannot hold. */
export function checkVariables(vars: Record<string, unknown>): void {
  const size = Buffer.byteLength(JSON.stringify(vars));
  if (size > MAX_VARIABLES_BYTES) throw new ValidationError('VARIABLES_TOO_LARGE', `variables are ${size} bytes; the limit is ${MAX_VARIABLES_BYTES}`);
  for (const name of Object.keys(vars)) {
    if (RESERVED_VARIABLE_NAMES.has(name)) throw new ValidationError('RESERVED_VARIABLE', `variable name "${name}" is reserved by the engine`);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
      throw new ValidationError('INVALID_VARIABLE_NAME', `variable name "${name}" must start with a letter or _ and contain only letters, digits and _ (at most 64)`);
    }
  }
}

export function canWorkOn(actor: Actor, task: { candidateGroups: string[]; candidateUsers: string[]; assignee?: string | null }): boolean {
  if (actor.roles.includes('admin')) return true;
  if (task.assignee) return task.assignee === actor.username;
  if (task.candidateUsers.includes(actor.username)) return true;
  if (task.candidateGroups.some((g) => actor.groups.includes(g))) return true;
  return task.candidateGroups.length === 0 && task.candidateUsers.length === 0;
}

export class ProcessService {
  private readonly mutex = new KeyedMutex();
  private readonly definitionCache = new Map<string, any>();
  private readonly listeners: ProjectionListener[] = [];

  constructor(private readonly deps: ProcessServiceDeps) {}

  /** Adds a listener the projection calls for each newly projected revision. */
  addListener(l: ProjectionListener): void {
    this.listeners.push(l);
  }

  setRouter(router: TaskRouter): void {
    this.deps.router = router;
  }

  /**
   * The latest revision of an instance by `_id` lookups only: FerretDB 1.24 decodes every
   * document of a collection for any filter but `_id`, and revisions are large. Starts at the
   * projected head (`Instance.headRevision`, which may lag) and probes `id:n+1` upwards.
   */
  private async latestRevision(instanceId: string, hint?: number): Promise<any | null> {
    const { Revision, Instance } = this.deps.models;
    let n = hint ?? (await Instance.findById(instanceId, { headRevision: 1 }).lean())?.headRevision ?? 0;
    let latest: any = null;
    if (n > 0) {
      latest = await Revision.findById(`${instanceId}:${n}`).lean();
      if (!latest) return Revision.findOne({ instanceId }).sort({ revision: -1 }).lean(); // inconsistent hint: the slow, sure way
    }
    for (;;) {
      const next = await Revision.findById(`${instanceId}:${n + 1}`).lean();
      if (!next) return latest;
      latest = next;
      n++;
    }
  }

  // ---------------------------------------------------------------- definitions

  /**
   * Validates and stores `xml` as the next immutable version of its process id (the key).
   * @throws ValidationError / BusinessRuleError from `validateDefinition`
   */
  async deploy(xml: string, actor: Actor): Promise<DefinitionSummary> {
    const v = await validateDefinition(xml);
    const { Definition } = this.deps.models;
    const latest = await Definition.findOne({ key: v.processId }).sort({ version: -1 }).lean();
    let version = (latest?.version ?? 0) + 1;
    const sha256 = createHash('sha256').update(xml).digest('hex');
    for (let attempt = 0; attempt < 20; attempt++, version++) {
      const doc = {
        _id: `${v.processId}:${version}`,
        key: v.processId,
        version,
        name: v.name,
        processId: v.processId,
        xml,
        sha256,
        deployedAt: this.deps.clock.now(),
        deployedBy: actor.username,
        caseCategory: v.caseCategory,
        itemCode: v.itemCode,
        orgLevel: v.orgLevel,
        userTasks: [...v.userTasks, { escalationSources: v.escalationSources, escalations: v.escalations }],
      };
      try {
        await Definition.create(doc);
        this.deps.logger.info({ key: doc.key, version }, 'definition deployed');
        return this.summary(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new ConflictError('DEPLOY_CONTENDED', `could not claim a version number for ${v.processId}`);
  }

  private summary(d: any): DefinitionSummary {
    return {
      id: d._id,
      key: d.key,
      version: d.version,
      name: d.name,
      processId: d.processId,
      deployedAt: d.deployedAt,
      deployedBy: d.deployedBy,
      sha256: d.sha256,
      caseCategory: d.caseCategory ?? undefined,
      itemCode: d.itemCode ?? undefined,
      orgLevel: d.orgLevel ?? undefined,
    };
  }

  /** Every key with its versions, newest first. */
  async listDefinitions() {
    const docs = await this.deps.models.Definition.find({}, { xml: 0, sourceContext: 0 }).sort({ key: 1, version: -1 }).lean();
    const byKey = new Map<string, any>();
    for (const d of docs) {
      let entry = byKey.get(d.key);
      if (!entry) {
        entry = { key: d.key, name: d.name, latestVersion: d.version, caseCategory: d.caseCategory ?? undefined, versions: [] };
        byKey.set(d.key, entry);
      }
      entry.versions.push({ version: d.version, name: d.name, deployedAt: d.deployedAt, deployedBy: d.deployedBy, sha256: d.sha256 });
    }
    return [...byKey.values()];
  }

  /** One version (latest when `version` is omitted), including its XML. @throws NotFoundError */
  async getDefinition(key: string, version?: number) {
    const { Definition } = this.deps.models;
    const d = version ? await Definition.findById(`${key}:${version}`).lean() : await Definition.findOne({ key }).sort({ version: -1 }).lean();
    if (!d) throw new NotFoundError('DEFINITION_NOT_FOUND', version ? `definition ${key} version ${version} does not exist` : `definition ${key} does not exist`);
    return { ...this.summary(d), xml: d.xml as string, userTasks: this.taskMetas(d) };
  }

  private taskMetas(d: any): UserTaskMeta[] {
    return (d.userTasks ?? []).filter((t: any) => t.elementId);
  }

  private escalationSources(d: any): EscalationSource[] {
    return (d.userTasks ?? []).find((t: any) => t.escalationSources)?.escalationSources ?? [];
  }

  private async loadDefinitionById(id: string) {
    let d = this.definitionCache.get(id);
    if (!d) {
      d = await this.deps.models.Definition.findById(id).lean();
      if (!d) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${id} does not exist`);
      this.definitionCache.set(id, d);
    }
    return d;
  }

  // ---------------------------------------------------------------- cases

  /**
   * Starts a case on the latest version of `key` with `variables`.
   * @throws NotFoundError when the key has no version; ValidationError for bad variables
   */
  async startCase(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string) {
    checkVariables(variables);
    if (givenId) {
      // a start with a chosen id is idempotent: a second call (a repair after a kill) returns the
      // instance if its first revision was written, else clears the orphan and starts it again
      if (await this.deps.models.Revision.exists({ _id: `${givenId}:1` })) return this.getCase(givenId);
      await this.deps.models.Instance.deleteOne({ _id: givenId, headRevision: 0 });
    }
    const def = await this.deps.models.Definition.findOne({ key }).sort({ version: -1 }).lean();
    if (!def) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
    this.definitionCache.set(def._id as string, def);
    const instanceId = givenId ?? randomUUID();
    const now = this.deps.clock.now();
    const run = await runEngine({ name: instanceId, source: def.xml, variables, previous: null, now: () => this.deps.clock.now() });
    const startEvent: HistoryEvent = { type: 'case.started', elementId: def.processId, name: def.name, at: now.toISOString(), actor: actor.username };
    run.events.unshift(startEvent);
    // Instance document first (a harmless orphan if we crash before the revision), then timers, then revision 1.
    await this.deps.models.Instance.create({
      _id: instanceId,
      definitionId: def._id,
      definitionKey: def.key,
      definitionVersion: def.version,
      name: def.name,
      businessKey,
      status: 'starting',
      headRevision: 0,
      variables: {},
      startedAt: now,
      startedBy: actor.username,
    });
    await this.persist(instanceId, 1, def, run, { type: 'start', definitionId: def._id }, actor);
    return this.getCase(instanceId);
  }

  /**
   * Completes an open user task with `variables`, as `actor`.
   * @throws NotFoundError (no such task), ForbiddenError (not the actor's), ConflictError (already done)
   */
  async completeTask(taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>) {
    checkVariables(variables);
    const task = await this.deps.models.Task.findById(taskId).lean();
    if (!task) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
    if (task.kind && task.kind !== 'engine') throw new ValidationError('NOT_AN_ENGINE_TASK', `task ${taskId} is a ${task.kind} request; answer it through its own action`);
    if (!canWorkOn(actor, task as any)) throw new ForbiddenError('TASK_NOT_YOURS', `task ${taskId} is not assigned to you or your groups`);
    const instanceId = task.instanceId;
    const recorded = output ?? pickOutput(variables);
    await this.command(instanceId, { type: 'complete-task', taskId, elementId: task.elementId, executionId: task.executionId, output: recorded }, actor, (prev) => {
      if (!prev.openTasks.some((t) => t.executionId === task.executionId)) {
        throw new ConflictError('TASK_ALREADY_COMPLETED', `task ${taskId} is no longer open (already completed or cancelled)`);
      }
      return (ctx) => {
        if (!ctx.isWaiting(task.executionId)) throw new ConflictError('TASK_ALREADY_COMPLETED', `task ${taskId} is no longer open`);
        ctx.signalTask(task.executionId, variables);
      };
    });
    return this.getCase(instanceId);
  }

  /**
   * 撤回: takes back a step `actor` just completed, before anyone has touched the next one.
   * Inserts a revision that restores the engine state from before the completion (the revision
   * series makes this exact), reopens the task and cancels the steps it had opened.
   * @throws ConflictError when the case has moved on since, or the next step was claimed
   */
  async withdrawTask(taskId: string, actor: Actor, reason: string) {
    const { Task, Revision } = this.deps.models;
    const task = await Task.findById(taskId).lean();
    if (!task) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
    if (task.status !== 'completed') throw new ConflictError('TASK_NOT_COMPLETED', `task ${taskId} is ${task.status}; only a completed step can be withdrawn`);
    if (task.completedBy !== actor.username && !actor.roles.includes('admin')) throw new ForbiddenError('NOT_YOUR_STEP', 'only the person who completed the step can withdraw it');
    const instanceId = task.instanceId;
    await this.mutex.run(instanceId, async () => {
      const latest = await this.latestRevision(instanceId);
      if (!latest || (latest.command as any)?.type !== 'complete-task' || (latest.command as any)?.taskId !== taskId) {
        throw new ConflictError('WITHDRAW_TOO_LATE', 'the case has moved on since this step was completed; it can no longer be withdrawn (ask the next step to return it instead)');
      }
      const opened = await Task.find({ instanceId, revision: latest.revision, status: 'open' }).lean();
      const touched = opened.find((t) => t.claimedAt || (t.actions ?? []).some((a: any) => a.type !== 'routed'));
      if (touched) throw new ConflictError('NEXT_STEP_TAKEN', `the next step "${touched.name}" has already been taken up; it can no longer be withdrawn`);
      const before = await Revision.findById(`${instanceId}:${latest.revision - 1}`).lean();
      if (!before) throw new ConflictError('WITHDRAW_TOO_LATE', 'there is no earlier state to return to');
      const now = this.deps.clock.now();
      const revision = latest.revision + 1;
      const timers = JSON.parse((before as any).timers ?? '[]') as PendingTimer[];
      if (timers.length) {
        await this.deps.timers.schedule(timers.map((t) => ({ instanceId, elementId: t.elementId, expireAt: new Date(t.expireAt), keySuffix: `r${revision}` })));
      }
      await this.mark(instanceId, revision);
      try {
        await Revision.create({
          _id: `${instanceId}:${revision}`,
          instanceId,
          revision,
          command: { type: 'withdraw', taskId, restoredRevision: before.revision, reason },
          actor: actor.username,
          createdAt: now,
          state: before.state,
          engineVersion: ENGINE_VERSION,
          status: before.status,
          events: JSON.stringify([{ type: 'task.withdrawn', elementId: task.elementId, executionId: task.executionId, at: now.toISOString(), actor: actor.username }]),
          openTasks: before.openTasks,
          timers: (before as any).timers ?? '[]',
          escalations: '[]',
          variables: before.variables,
          activeElements: (before as any).activeElements ?? '[]',
          projected: false,
        } as any);
      } catch (err) {
        if (isDuplicateKey(err)) throw new ConflictError('CASE_CONTENDED', 'the case changed while withdrawing; reload and try again');
        throw err;
      }
      await this.project(instanceId);
    });
    return this.getCase(instanceId);
  }

  /**
   * The "timer fired" command: resumes the instance so every timer that is due fires.
   * Does nothing (writes nothing) when no timer is due any more — a job that runs twice, or
   * after its task was completed, changes nothing twice.
   * @returns true when the instance moved
   */
  async fireTimers(instanceId: string, job: { elementId: string; expireAt: string }): Promise<boolean> {
    const inst = await this.deps.models.Instance.findById(instanceId).lean();
    if (!inst || inst.status === 'completed' || inst.status === 'failed') return false;
    let moved = false;
    await this.command(instanceId, { type: 'timer', elementId: job.elementId, expireAt: job.expireAt }, { username: 'system', groups: [], roles: ['system'] }, () => undefined, (run) => {
      moved = run.changed;
      return run.changed;
    });
    return moved;
  }

  /** Runs one command with reload-and-retry on a lost revision race. */
  private async command(
    instanceId: string,
    command: Record<string, unknown>,
    actor: Actor,
    prepare: (prev: { openTasks: WaitingTask[]; timers: PendingTimer[] }) => ((ctx: any) => void) | undefined,
    shouldWrite: (run: RunResult) => boolean = () => true,
  ): Promise<void> {
    return this.mutex.run(instanceId, async () => {
      for (let attempt = 1; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
        const latest = await this.latestRevision(instanceId);
        if (!latest) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
        if (latest.status !== 'running') {
          if (!latest.projected) await this.project(instanceId);
          throw new ConflictError('CASE_ENDED', `case ${instanceId} has already ended (${latest.status})`);
        }
        const previous = { openTasks: JSON.parse(latest.openTasks) as WaitingTask[], timers: JSON.parse((latest as any).timers ?? '[]') as PendingTimer[] };
        const apply = prepare(previous);
        const inst = await this.deps.models.Instance.findById(instanceId).lean();
        const def = await this.loadDefinitionById(inst!.definitionId);
        let def2 = def;
        if (!def.sourceContext) {
          // another process stored the shared context after this one cached the definition
          def2 = await this.deps.models.Definition.findById(def._id).lean();
          if (def2) this.definitionCache.set(def._id, def2);
          else def2 = def;
        }
        const run = await runEngine({ name: instanceId, state: withSource(latest.state, def2), previous, now: () => this.deps.clock.now(), apply });
        if (command.type === 'complete-task') {
          run.events.push({ type: 'task.completed', elementId: String(command.elementId), executionId: String(command.executionId), at: this.deps.clock.now().toISOString(), actor: actor.username });
        }
        if (!shouldWrite(run)) return;
        try {
          await this.persist(instanceId, latest.revision + 1, def, run, command, actor);
          return;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          this.deps.logger.info({ instanceId, revision: latest.revision + 1, attempt }, 'revision race lost; reloading');
        }
      }
      throw new ConflictError('CASE_CONTENDED', `case ${instanceId} is being changed by others; try again`);
    });
  }

  /**
   * Engine state without the definition's serialized moddle context (`definitions[].source`,
   * ~27 KB of a ~41 KB state), which is the same for every instance of a version: it is kept
   * once on the definition and put back before `recover` (see `withSource`). Revisions shrink
   * to a third, and FerretDB decodes a third as much on every load.
   */
  private async stripSource(state: string, def: any): Promise<string> {
    const parsed = JSON.parse(state);
    const source = parsed.definitions?.[0]?.source;
    if (typeof source !== 'string' || parsed.definitions.length !== 1) return state;
    if (!def.sourceContext) {
      await this.deps.models.Definition.updateOne({ _id: def._id }, { $set: { sourceContext: source } });
      def.sourceContext = source;
    } else if (def.sourceContext !== source) {
      return state; // a different context (engine upgrade?): keep it inline
    }
    delete parsed.definitions[0].source;
    return JSON.stringify(parsed);
  }

  /** Queues a revision for projection BEFORE it is written, so a crash after the write is repaired. */
  private async mark(instanceId: string, revision: number) {
    try {
      await this.deps.models.ProjectionQueue.create({ _id: `${instanceId}:${revision}`, instanceId, at: this.deps.clock.now() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Schedules timers, inserts the revision (the claim), then projects read models. */
  private async persist(instanceId: string, revision: number, def: any, run: RunResult, command: Record<string, unknown>, actor: Actor) {
    const now = this.deps.clock.now();
    if (run.newTimers.length) {
      await this.deps.timers.schedule(run.newTimers.map((t) => ({ instanceId, elementId: t.elementId, expireAt: new Date(t.expireAt) })));
    }
    const sources = this.escalationSources(def);
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
    await this.mark(instanceId, revision);
    await this.deps.models.Revision.create({
      _id: `${instanceId}:${revision}`,
      instanceId,
      revision,
      command,
      actor: actor.username,
      createdAt: now,
      state: await this.stripSource(run.state, def),
      engineVersion: ENGINE_VERSION,
      status: run.status,
      events: JSON.stringify(run.events),
      openTasks: JSON.stringify(run.openTasks),
      timers: JSON.stringify(run.timers),
      escalations: JSON.stringify(escalations),
      variables: JSON.stringify(run.variables),
      activeElements: JSON.stringify(run.activeElements),
      error: run.error,
      projected: false,
    } as any);
    await this.project(instanceId);
  }

  /**
   * Brings the read models (instance summary, tasks, escalations) up to the latest revision.
   * Idempotent; safe to run from any process at any time (the repair sweep calls it).
   */
  async project(instanceId: string): Promise<void> {
    const { Revision, Instance, Task, Escalation } = this.deps.models;
    const inst = await Instance.findById(instanceId).lean();
    if (!inst) return;
    const latest = await this.latestRevision(instanceId, inst.headRevision ?? 0);
    if (!latest) return;
    const def = await this.loadDefinitionById(inst.definitionId);
    const metas = this.taskMetas(def);
    const variables = JSON.parse(latest.variables) as Record<string, unknown>;
    const open = JSON.parse(latest.openTasks) as WaitingTask[];
    // Revisions after the projected head, by _id (the head only moves once their listeners ran).
    const unprojected: any[] = [];
    for (let r = (inst.headRevision ?? 0) + 1; r <= latest.revision; r++) {
      const doc = r === latest.revision ? latest : await Revision.findById(`${instanceId}:${r}`, { events: 1, escalations: 1, revision: 1, actor: 1, command: 1, createdAt: 1, status: 1 }).lean();
      if (doc) unprojected.push(doc);
    }

    // Escalations of every revision not yet projected (inserts keyed by execution: idempotent).
    // A boundary timer on a step that also has its own deadline clock (环节时限) is the same
    // lateness told twice: it joins the clock's escalation (`clock:step:<task>`, whichever comes
    // first creates it) instead of opening a second one for the same supervisors.
    const escalationIds = new Map<string, string>();
    for (const r of unprojected) {
      for (const e of JSON.parse(r.escalations) as any[]) {
        const task = e.attachedToId ? open.find((t) => t.elementId === e.attachedToId) : undefined;
        const stepClockId = task ? `step:${instanceId}:${task.executionId}` : undefined;
        const joined = stepClockId ? Boolean(await this.deps.models.Clock.exists({ _id: stepClockId })) : false;
        const id = joined ? `clock:${stepClockId}` : `${instanceId}:${e.executionId}`;
        escalationIds.set(`${r.revision}:${e.executionId}`, id);
        // the business key of a service case's instance is its case number: the escalation joins the case in the statistics
        const fields = { instanceId, definitionKey: def.key, elementId: e.elementId, taskElementId: e.attachedToId, taskName: e.taskName, ...(inst.businessKey ? { caseNo: inst.businessKey } : {}) };
        const note = { status: 'bpmn-timer', at: new Date(e.at), by: 'system', reason: `流程图边界定时器到期（${e.escalationName ?? e.escalationCode ?? '超时'}）` };
        try {
          await Escalation.create({
            _id: id,
            ...fields,
            escalationCode: e.escalationCode,
            escalationName: e.escalationName,
            raisedAt: new Date(e.at),
            status: 'open',
            revision: r.revision,
            ...(joined ? { source: 'clock', clockId: stepClockId, limitKind: 'step', history: [note] } : {}),
          });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // the clock's breach opened it first: add what the diagram knows, once
          if (joined) await Escalation.updateOne({ _id: id, elementId: { $exists: false } }, { $set: fields, $push: { history: note } });
        }
      }
    }

    // Tasks: upsert the open ones, close the ones that disappeared.
    const openIds = new Set(open.map((t) => `${instanceId}:${t.executionId}`));
    for (const t of open) {
      const meta = metas.find((m) => m.elementId === t.elementId);
      const id = `${instanceId}:${t.executionId}`;
      const existing = await Task.findById(id).lean();
      if (existing && existing.status === 'open') continue;
      if (existing) {
        // Open again in the latest state although closed in the read model: a withdrawal (撤回).
        await Task.updateOne(
          { _id: id, status: { $ne: 'open' } },
          {
            $set: { status: 'open', revision: latest.revision },
            $unset: { completedAt: 1, completedBy: 1, outcome: 1 },
            $push: { actions: { type: 'reopened', at: latest.createdAt, actor: latest.actor, reason: (latest.command as any)?.reason } },
          },
        );
        continue;
      }
      const route = this.deps.router && meta ? await this.deps.router.route(variables, { window: meta.window, orgLevel: meta.orgLevel, elementId: t.elementId }) : undefined;
      const resolve = (v?: string) => (v && hasExpression(v) ? safeEval(v, variables) : v);
      const groups = (meta?.candidateGroups ?? []).flatMap((g) => String(resolve(g) ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
      const due = resolve(meta?.dueDate);
      try {
        await Task.create({
          _id: id,
          instanceId,
          executionId: t.executionId,
          elementId: t.elementId,
          name: meta?.name ?? t.name ?? t.elementId,
          definitionKey: def.key,
          candidateGroups: groups,
          candidateUsers: meta?.candidateUsers ?? [],
          assignee: route?.assignee ?? ((resolve(meta?.assignee) as string | undefined) || undefined),
          caseNo: typeof variables.caseNo === 'string' ? variables.caseNo : undefined,
          orgUnit: route?.orgUnit,
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
          revision: latest.revision,
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    const stillOpen = await Task.find({ instanceId, status: 'open' }, { _id: 1 }).lean();
    for (const t of stillOpen) {
      if (openIds.has(t._id as string)) continue;
      // Who completed it: the revision whose command completed this task, if any.
      const isCompletion = (r: any) => r?.command?.type === 'complete-task' && r.command.taskId === t._id;
      let rev: any = [...unprojected].reverse().find(isCompletion);
      for (let r = latest.revision; !rev && r >= Math.max(1, latest.revision - 30); r--) {
        const doc = await Revision.findById(`${instanceId}:${r}`, { actor: 1, createdAt: 1, command: 1 }).lean();
        if (isCompletion(doc)) rev = doc;
      }
      await Task.updateOne(
        { _id: t._id, status: 'open' },
        rev
          ? { $set: { status: 'completed', completedAt: rev.createdAt, completedBy: rev.actor, outcome: (rev.command as any)?.output ?? null, revision: latest.revision } }
          : { $set: { status: 'cancelled', completedAt: latest.createdAt, revision: latest.revision } },
      );
    }

    if (this.listeners.length && unprojected.length) {
      const revisions: ProjectedRevision[] = unprojected.map((r) => ({
        revision: r.revision,
        command: r.command as Record<string, any>,
        actor: r.actor,
        createdAt: r.createdAt,
        events: JSON.parse(r.events),
        escalations: (JSON.parse(r.escalations) as any[]).map((e) => ({ ...e, escalationId: escalationIds.get(`${r.revision}:${e.executionId}`) ?? `${instanceId}:${e.executionId}` })),
        status: (r as any).status,
      }));
      for (const l of this.listeners) await l.onProjected({ instanceId, status: latest.status, variables, revisions });
    }
    const activeElements = JSON.parse((latest as any).activeElements ?? '[]') as string[];
    if ((inst.headRevision ?? 0) <= latest.revision) {
      await Instance.updateOne(
        { _id: instanceId },
        {
          $set: {
            status: latest.status,
            headRevision: latest.revision,
            variables,
            activeElements,
            updatedAt: latest.createdAt,
            ...(latest.status !== 'running' ? { endedAt: latest.createdAt } : {}),
          },
        },
      );
    }
    for (const r of unprojected) await Revision.updateOne({ _id: `${instanceId}:${r.revision}` }, { $set: { projected: true } });
    if (unprojected.length) await this.deps.models.ProjectionQueue.deleteMany({ _id: { $in: unprojected.map((r) => `${instanceId}:${r.revision}`) } });
  }

  /** Repairs read models behind revisions written by a process that died before projecting. */
  async projectPending(olderThanMs = 2000): Promise<number> {
    const { ProjectionQueue, Revision } = this.deps.models;
    const now = this.deps.clock.now();
    const cutoff = new Date(now.getTime() - olderThanMs);
    // The queue holds a marker per revision written and not yet projected (small; never the large revisions).
    const pending = await ProjectionQueue.find({ at: { $lt: cutoff } }).limit(500).lean();
    const ids = [...new Set(pending.map((p) => p.instanceId))];
    for (const id of ids) await this.mutex.run(id, () => this.project(id));
    // Markers of revisions that were never written (the process died between marker and revision).
    for (const m of pending) {
      if (now.getTime() - new Date(m.at).getTime() < 60_000) continue;
      if (!(await Revision.exists({ _id: m._id }))) await ProjectionQueue.deleteOne({ _id: m._id });
    }
    return ids.length;
  }

  // ---------------------------------------------------------------- reads

  /** A case with status, variables, open and completed steps and its history. @throws NotFoundError */
  async getCase(instanceId: string) {
    const { Instance, Revision, Task } = this.deps.models;
    let inst = await Instance.findById(instanceId).lean();
    if (!inst) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
    const head = await this.latestRevision(instanceId, inst.headRevision ?? 0);
    if (!head) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} did not start`);
    if (head.revision > (inst.headRevision ?? 0) || inst.status === 'starting') {
      await this.mutex.run(instanceId, () => this.project(instanceId));
      inst = (await Instance.findById(instanceId).lean())!;
    }
    const revs: any[] = [];
    for (let r = 1; r <= head.revision; r++) {
      const doc = r === head.revision ? head : await Revision.findById(`${instanceId}:${r}`, { events: 1, revision: 1 }).lean();
      if (doc) revs.push(doc);
    }
    const history = revs.flatMap((r) => (JSON.parse(r.events) as HistoryEvent[]).map((e) => ({ ...e, revision: r.revision })));
    const tasks = await Task.find({ instanceId }).sort({ createdAt: 1 }).lean();
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
  async listTasks(actor: Actor, filter: 'mine' | 'groups' | 'all' = 'all', instanceId?: string) {
    const or: any[] = [];
    if (filter !== 'groups') or.push({ assignee: actor.username });
    if (filter !== 'mine') {
      or.push({ candidateGroups: { $in: actor.groups }, assignee: null });
      or.push({ candidateUsers: actor.username, assignee: null });
    }
    const query: any = { status: 'open', $or: or };
    if (actor.roles.includes('admin') && filter === 'all') delete query.$or;
    if (instanceId) query.instanceId = instanceId;
    const tasks = await this.deps.models.Task.find(query).sort({ createdAt: 1 }).limit(500).lean();
    return tasks.map(taskView);
  }
}

/** Puts the definition's serialized context back into a stored state (see `stripSource`). */
function withSource(state: string, def: any): string {
  const parsed = JSON.parse(state);
  const d = parsed.definitions?.[0];
  if (!d || d.source || !def.sourceContext) return state;
  d.source = def.sourceContext;
  return JSON.stringify(parsed);
}

/** What a completion records on the task: the decision and opinion (never the whole form). */
function pickOutput(variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['decision', 'opinion']) if (variables[k] !== undefined) out[k] = variables[k];
  return out;
}

function safeEval(expr: string, variables: Record<string, unknown>): unknown {
  try {
    return evaluate(expr, { environment: { variables } });
  } catch {
    return undefined;
  }
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
