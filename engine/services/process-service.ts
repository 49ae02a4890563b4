/**
 * The engine's use cases: deploy, start a case, complete a task, fire a timer, read cases,
 * tasks and escalations. Every state change is a command over persisted state (DESIGN.md §3):
 * load the latest revision → recover → apply → settle → insert revision n+1. The insert on a
 * unique `_id` is the concurrency claim on FerretDB and MongoDB alike: a duplicate key means
 * another process moved the instance first, so the command reloads and retries, or answers a
 * conflict when it no longer applies.
 *
 * A command costs a few round trips, each served by an index (issue 11): one aggregate reads
 * the instance head with the revision it names (and the task, for a completion); the new timer
 * jobs; the insert of revision n+1; the tasks it opens and closes in one bulk write; the head.
 * The projection works from what is in hand. The head may lag the series after a crash: the
 * next insert then fails, `project` catches the head up from the database, and the command
 * runs again; the repair sweep does the same for instances nobody touches.
 */
import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { BusinessRuleError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Clock, DefinitionSummary, HistoryEvent, Logger, UserTaskMeta } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { ENGINE_VERSION } from '../runtime/engine-factory';
import { evaluate, hasExpression } from '../runtime/expressions';
import { runEngine, type EndError, type EscalationRaised, type MessageWait, type PendingTimer, type ThrownMessage, type RunResult, type WaitingCall, type WaitingJob, type WaitingTask } from '../runtime/run-engine';
import type { ServiceJobScheduler } from '../domain/service-jobs';
import { validateDefinition, type CallActivityMeta, type DecisionTaskMeta, type VariableMapping } from '../runtime/validate-definition';
import type { LoadedDecision } from '../runtime/engine-factory';
import type { DecisionTable } from '../runtime/dmn';
import type { TimerScheduler } from '../timers/timer-port';
import type { TaskRouter } from '../org/org-service';
import { KeyedMutex } from './keyed-mutex';
import { crashPoint, holdPoint } from '../domain/fault';
import { checkVariables } from './variables';
import { RESERVED_VARIABLE_NAMES } from '../runtime/engine-factory';

export { checkVariables, MAX_VARIABLES_BYTES, MAX_VARIABLES_DEPTH, MAX_VARIABLES_NODES } from './variables';
import { actorReachesTask, actorReadsInstance, CITY_UNIT, reachableTasks, seesAcross } from '../org/scope';

/** The variables intake gives a case (case-service `accept`) that every instance a call activity starts for it gets too. */
const CASE_CONTEXT_VARIABLES = new Set(['caseNo', 'itemCode', 'orgUnit', 'receivingWindow', 'responsible', 'department', 'category', 'statutoryLimitDays', 'promisedLimitDays']);

/** Deepest chain of call activities followed in one request (a process that calls itself without waiting stops here). */
const MAX_CALL_DEPTH = 10;
/** A `starting` call link whose caller wrote no revision since is given up after this long (the command died before its revision). */
const CALL_START_GIVE_UP_MS = 10 * 60_000;

/** How many times a command reloads and retries after losing a revision race. */
const MAX_COMMAND_ATTEMPTS = 5;

export interface ProcessServiceDeps {
  models: Models;
  timers: TimerScheduler;
  clock: Clock;
  logger: Logger;
  /** Routes the tasks of cases taken in through intake to a window and person (org model). */
  router?: TaskRouter;
  /** Schedules the jobs of service and send tasks (engine/service-jobs); without it such a task only waits. */
  serviceJobs?: ServiceJobScheduler;
}

/** The message correlation as the process service uses it (engine/services/messages.ts). */
export interface MessagePort {
  waitsAppeared(instanceId: string, waits: MessageWait[]): Promise<void>;
  storeThrown(instanceId: string, revision: number, businessKey: string | undefined, thrown: ThrownMessage[]): Promise<void>;
  releaseThrown(instanceId: string, thrown: ThrownMessage[]): Promise<void>;
  sweep(olderThanMs: number): Promise<number>;
}

/** Who started a called instance (a call activity of another instance), as `start` needs it. */
interface CallParent {
  instanceId: string;
  elementId: string;
  executionId: string;
  rootInstanceId: string;
  /** The called definition version (resolved by the call's binding). */
  definitionId: string;
  orgUnit?: string;
  /** Call activities followed so far in this request. */
  depth: number;
}

/** The system as the actor of jobs and timers. */
const SYSTEM_ACTOR: Actor = { username: 'system', groups: [], roles: ['system'] };

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
  /**
   * `opened`: the task documents the projection inserted, by id, when it projected a command
   * just run (absent when the repair sweep projects: read the tasks then).
   */
  onProjected(p: { instanceId: string; status: string; variables: Record<string, unknown>; revisions: ProjectedRevision[]; opened?: ReadonlyMap<string, any>; openSteps?: OpenStep[]; rootInstanceId?: string }): Promise<void>;
}

/** A user task the engine waits on after the projected revisions (`openSteps` of a projection). */
export interface OpenStep {
  /** The task id (`instanceId:executionId`). */
  id: string;
  elementId: string;
  stepKind?: string;
}

/** What a command reads first: the instance head and the revision it names. */
interface Head {
  inst: any;
  rev: any | null;
}

interface EscalationSource {
  elementId: string;
  taskElementId: string;
  taskName?: string;
}

export function canWorkOn(actor: Actor, task: { candidateGroups: string[]; candidateUsers: string[]; assignee?: string | null }): boolean {
  if (actor.roles.includes('admin')) return true;
  if (task.assignee) return task.assignee === actor.username;
  if (task.candidateUsers.includes(actor.username)) return true;
  if (task.candidateGroups.some((g) => actor.groups.includes(g))) return true;
  return task.candidateGroups.length === 0 && task.candidateUsers.length === 0;
}

/** Longest 变更说明 kept with a version. */
export const MAX_CHANGE_NOTE = 500;

/**
 * A deploy says what it changes (变更说明): required, trimmed, at most MAX_CHANGE_NOTE characters.
 * @throws ValidationError CHANGE_NOTE_REQUIRED / CHANGE_NOTE_TOO_LONG
 */
export function checkChangeNote(note: unknown): string {
  const text = typeof note === 'string' ? note.trim() : '';
  if (!text) throw new ValidationError('CHANGE_NOTE_REQUIRED', 'a deploy needs a change note (变更说明): say what this version changes and why');
  if (text.length > MAX_CHANGE_NOTE) throw new ValidationError('CHANGE_NOTE_TOO_LONG', `the change note has ${text.length} characters; the limit is ${MAX_CHANGE_NOTE}`, { limit: MAX_CHANGE_NOTE });
  return text;
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

  setServiceJobs(scheduler: ServiceJobScheduler): void {
    this.deps.serviceJobs = scheduler;
  }

  // ---------------------------------------------------------------- definitions

  /**
   * Validates and stores `xml` as the next immutable version of its process id (the key).
   * @throws ValidationError / BusinessRuleError from `validateDefinition`
   */
  async deploy(xml: string, actor: Actor, changeNote?: string): Promise<DefinitionSummary> {
    const note = checkChangeNote(changeNote);
    const v = await validateDefinition(xml);
    await this.checkDecisionsExist(v.decisionTasks);
    const callActivities = await this.checkCalledProcesses(v.callActivities, v.processId);
    const { Definition } = this.deps.models;
    const latest = await Definition.findOne({ key: v.processId }).sort({ version: -1 }).lean();
    if (latest?.archived) {
      throw new ConflictError('DEFINITION_ARCHIVED', `definition ${v.processId} is archived (by ${latest.archivedBy}); restore it before deploying a new version`, { key: v.processId });
    }
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
        changeNote: note,
        caseCategory: v.caseCategory,
        itemCode: v.itemCode,
        orgLevel: v.orgLevel,
        userTasks: [...v.userTasks, { escalationSources: v.escalationSources, escalations: v.escalations, jobTasks: v.jobTasks, decisionTasks: v.decisionTasks, callActivities }],
      };
      try {
        await Definition.create(doc);
        this.deps.logger.info({ key: doc.key, version }, 'definition deployed');
        // an archive that raced this deploy covers the new version too
        const archived = await Definition.findOne({ key: doc.key, archived: true }, { archivedAt: 1, archivedBy: 1 }).lean();
        if (archived) await Definition.updateOne({ _id: doc._id }, { $set: { archived: true, archivedAt: archived.archivedAt, archivedBy: archived.archivedBy } });
        await this.deps.models.DefinitionEvent.create({ _id: randomUUID(), key: doc.key, action: 'deployed', version, actor: actor.username, at: doc.deployedAt, note });
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
      changeNote: d.changeNote ?? undefined,
      sha256: d.sha256,
      caseCategory: d.caseCategory ?? undefined,
      itemCode: d.itemCode ?? undefined,
      orgLevel: d.orgLevel ?? undefined,
    };
  }

  /** Display names (姓名) of deployers and archivers, by login (`system` is 系统). */
  private async peopleNames(usernames: (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(usernames.filter((u): u is string => !!u && u !== 'system'))];
    const users = wanted.length ? await this.deps.models.User.find({ _id: { $in: wanted } }, { displayName: 1 }).lean() : [];
    const out = new Map<string, string>(users.filter((u) => u.displayName).map((u) => [String(u._id), String(u.displayName)]));
    out.set('system', '系统');
    return out;
  }

  /** Every key with its versions, newest first; deployers and archivers with their display names. */
  async listDefinitions() {
    const docs = await this.deps.models.Definition.find({}, { xml: 0, sourceContext: 0 }).sort({ key: 1, version: -1 }).lean();
    const names = await this.peopleNames(docs.flatMap((d) => [d.deployedBy, d.archivedBy]));
    const byKey = new Map<string, any>();
    for (const d of docs) {
      let entry = byKey.get(d.key);
      if (!entry) {
        entry = {
          key: d.key,
          name: d.name,
          latestVersion: d.version,
          caseCategory: d.caseCategory ?? undefined,
          archived: !!d.archived,
          ...(d.archived ? { archivedAt: d.archivedAt, archivedBy: d.archivedBy, archivedByName: names.get(d.archivedBy ?? '') } : {}),
          versions: [],
        };
        byKey.set(d.key, entry);
      }
      entry.versions.push({ version: d.version, name: d.name, deployedAt: d.deployedAt, deployedBy: d.deployedBy, deployedByName: names.get(d.deployedBy), changeNote: d.changeNote ?? undefined, sha256: d.sha256 });
    }
    return [...byKey.values()];
  }

  /**
   * 归档 / 恢复: archives every version of `key` (no new case starts on it; running cases go on
   * on their version, whose document is untouched but for the flag) or restores it. Records who
   * did it, when and why in `definition_events`. Archiving what is archived (or restoring what is
   * not) changes nothing and records nothing.
   * @throws NotFoundError when the key has no version
   */
  async setArchived(key: string, archived: boolean, actor: Actor, note?: string) {
    const { Definition, DefinitionEvent } = this.deps.models;
    if (!(await Definition.exists({ key }))) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
    const text = note?.trim() ? note.trim().slice(0, MAX_CHANGE_NOTE) : undefined;
    const now = this.deps.clock.now();
    const changed = archived
      ? await Definition.updateMany({ key, archived: { $ne: true } }, { $set: { archived: true, archivedAt: now, archivedBy: actor.username } })
      : await Definition.updateMany({ key, archived: true }, { $unset: { archived: 1, archivedAt: 1, archivedBy: 1 } });
    if (changed.modifiedCount > 0) {
      await DefinitionEvent.create({ _id: randomUUID(), key, action: archived ? 'archived' : 'restored', actor: actor.username, at: now, ...(text ? { note: text } : {}) });
      this.deps.logger.info({ key, archived, actor: actor.username }, archived ? 'definition archived' : 'definition restored');
    }
    return this.definitionEntry(key);
  }

  /** One key as `listDefinitions` shows it, with its log of deploys, archives and restores (newest first). */
  async definitionEntry(key: string) {
    const docs = await this.deps.models.Definition.find({ key }, { xml: 0, sourceContext: 0, userTasks: 0 }).sort({ key: 1, version: -1 }).lean();
    if (docs.length === 0) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
    const d = docs[0];
    const log = await this.deps.models.DefinitionEvent.find({ key }, { _id: 0, key: 0 }).sort({ at: -1 }).limit(200).lean();
    const names = await this.peopleNames([...docs.flatMap((x) => [x.deployedBy, x.archivedBy]), ...log.map((e: any) => e.actor)]);
    return {
      key,
      name: d.name,
      latestVersion: d.version,
      caseCategory: d.caseCategory ?? undefined,
      archived: !!d.archived,
      ...(d.archived ? { archivedAt: d.archivedAt, archivedBy: d.archivedBy, archivedByName: names.get(d.archivedBy ?? '') } : {}),
      versions: docs.map((x) => ({ version: x.version, name: x.name, deployedAt: x.deployedAt, deployedBy: x.deployedBy, deployedByName: names.get(x.deployedBy), changeNote: x.changeNote ?? undefined, sha256: x.sha256 })),
      log: log.map((e: any) => ({ ...e, actorName: names.get(e.actor) })),
    };
  }

  /** One version (latest when `version` is omitted), including its XML. @throws NotFoundError */
  async getDefinition(key: string, version?: number) {
    const { Definition } = this.deps.models;
    const d = version ? await Definition.findById(`${key}:${version}`).lean() : await Definition.findOne({ key }).sort({ version: -1 }).lean();
    if (!d) throw new NotFoundError('DEFINITION_NOT_FOUND', version ? `definition ${key} version ${version} does not exist` : `definition ${key} does not exist`);
    return { ...this.summary(d), xml: d.xml as string, userTasks: this.taskMetas(d) };
  }

  /**
   * A business rule task's decision must be deployed (the version named, with binding version).
   * @throws BusinessRuleError DECISION_NOT_FOUND naming the element and the decision id
   */
  private async checkDecisionsExist(tasks: DecisionTaskMeta[]): Promise<void> {
    for (const t of tasks) {
      const found = await this.deps.models.Decision.exists(t.binding === 'version' ? { key: t.decisionRef, version: t.version } : { key: t.decisionRef });
      if (!found) {
        const which = t.binding === 'version' ? `decision "${t.decisionRef}" version ${t.version}` : `decision "${t.decisionRef}"`;
        throw new BusinessRuleError('DECISION_NOT_FOUND', `${t.elementId}: ${which} is not deployed; deploy it (POST /api/decisions) before the diagram`, { elementId: t.elementId, decisionRef: t.decisionRef, ...(t.version ? { version: t.version } : {}) });
      }
    }
  }

  /**
   * A call activity's called process must be deployed (the version named, with binding version);
   * a process may call itself (its first version is this deploy). Binding `deployment` is pinned
   * here to the called process's latest version now (Camunda: the version deployed with the caller).
   * @returns the call activities as stored with the definition
   * @throws BusinessRuleError CALLED_PROCESS_NOT_FOUND naming the element, its name and the process id
   */
  private async checkCalledProcesses(calls: CallActivityMeta[], ownId: string): Promise<CallActivityMeta[]> {
    const out: CallActivityMeta[] = [];
    for (const c of calls) {
      if (c.calledElement === ownId && c.binding !== 'version') {
        out.push(c);
        continue;
      }
      const { Definition } = this.deps.models;
      const found: any = c.binding === 'version' ? await Definition.findOne({ key: c.calledElement, version: c.version }, { version: 1 }).lean() : await Definition.findOne({ key: c.calledElement }, { version: 1 }).sort({ version: -1 }).lean();
      if (!found) {
        const which = c.binding === 'version' ? `process "${c.calledElement}" version ${c.version}` : `process "${c.calledElement}"`;
        throw new BusinessRuleError('CALLED_PROCESS_NOT_FOUND', `${c.elementId}${c.name ? ` (${c.name})` : ''}: ${which} is not deployed; deploy the called process before the diagram that calls it`, { elementId: c.elementId, ...(c.name ? { elementName: c.name } : {}), calledElement: c.calledElement, ...(c.version ? { version: c.version } : {}) });
      }
      out.push(c.binding === 'deployment' ? { ...c, version: found.version as number } : c);
    }
    return out;
  }

  private callActivities(def: any): CallActivityMeta[] {
    return (def.userTasks ?? []).find((t: any) => t.callActivities)?.callActivities ?? [];
  }

  /**
   * The definition version a call starts, by its binding: the latest version now, the version
   * named, or (deployment) the version pinned when the caller was deployed.
   * @throws BusinessRuleError CALLED_PROCESS_NOT_FOUND when it is not deployed (any more)
   */
  private async resolveCalled(meta: CallActivityMeta | undefined, call: WaitingCall): Promise<string> {
    const { Definition } = this.deps.models;
    const key = meta?.calledElement ?? call.calledElement;
    const version = meta && meta.binding !== 'latest' ? meta.version : undefined;
    const d: any = version ? await Definition.findById(`${key}:${version}`, { _id: 1 }).lean() : await Definition.findOne({ key }, { _id: 1 }).sort({ version: -1 }).lean();
    if (!d) {
      throw new BusinessRuleError('CALLED_PROCESS_NOT_FOUND', `${call.elementId}${call.name ? ` (${call.name})` : ''}: process "${key}"${version ? ` version ${version}` : ''} is not deployed`, { elementId: call.elementId, calledElement: key, ...(version ? { version } : {}) });
    }
    return String(d._id);
  }

  /**
   * The decision tables of a definition's business rule tasks for one command, by element id
   * (the latest version, or the version bound). No read for a definition without them.
   * @throws BusinessRuleError DECISION_NOT_FOUND when one is gone
   */
  private async loadDecisions(def: any): Promise<Map<string, LoadedDecision> | undefined> {
    const tasks: DecisionTaskMeta[] = (def.userTasks ?? []).find((t: any) => t.decisionTasks)?.decisionTasks ?? [];
    if (!tasks.length) return undefined;
    const out = new Map<string, LoadedDecision>();
    for (const t of tasks) {
      const { Decision } = this.deps.models;
      const doc: any = t.binding === 'version' ? await Decision.findOne({ key: t.decisionRef, version: t.version }, { table: 1 }).lean() : await Decision.findOne({ key: t.decisionRef }, { table: 1 }).sort({ version: -1 }).lean();
      if (!doc) throw new BusinessRuleError('DECISION_NOT_FOUND', `${t.elementId}: decision "${t.decisionRef}"${t.version ? ` version ${t.version}` : ''} is not deployed`, { elementId: t.elementId, decisionRef: t.decisionRef });
      out.set(t.elementId, { table: doc.table as DecisionTable, resultVariable: t.resultVariable, mapDecisionResult: t.mapDecisionResult });
    }
    return out;
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
   * Starts a case on the latest version of `key` with `variables` and returns its view.
   * @throws NotFoundError when the key has no version; ValidationError for bad variables
   */
  async startCase(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string) {
    const { instanceId, head } = await this.start(key, variables, actor, businessKey, givenId);
    return this.caseView(instanceId, head);
  }

  /**
   * Starts a case like `startCase` and returns only its id: the command without the view (what
   * the case layer's acceptance needs). Round trips: the latest version's id, the timer jobs
   * the first steps need, revision 1, the tasks, the instance head.
   */
  async startInstance(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string): Promise<string> {
    return (await this.start(key, variables, actor, businessKey, givenId)).instanceId;
  }

  private async start(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string, parent?: CallParent): Promise<{ instanceId: string; head?: any }> {
    checkVariables(variables);
    let definitionId = parent?.definitionId;
    if (!definitionId) {
      const latest = await this.deps.models.Definition.findOne({ key }, { _id: 1, archived: 1 }).sort({ version: -1 }).lean();
      if (!latest) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
      if (latest.archived) throw new ConflictError('DEFINITION_ARCHIVED', `definition ${key} is archived: no new case starts on it (running cases finish on their version); a designer can restore it`, { key });
      definitionId = latest._id as string;
    }
    const def = await this.loadDefinitionById(definitionId);
    const instanceId = givenId ?? randomUUID();
    const now = this.deps.clock.now();
    const run = await runEngine({ name: instanceId, source: def.xml, variables, previous: null, now: () => this.deps.clock.now(), decisions: await this.loadDecisions(def) });
    run.events.unshift({ type: 'case.started', elementId: def.processId, name: def.name, at: now.toISOString(), actor: actor.username });
    // No instance document before revision 1: the insert of revision 1 is the claim, and the head
    // is written by its projection (from the revision alone, so the repair sweep can write it too).
    // the starter's org unit is the instance's (DESIGN.md §6): a bare instance's tasks are scoped by it
    const orgUnit = parent ? parent.orgUnit : actor.orgUnit;
    const command = {
      type: 'start',
      definitionId: def._id,
      ...(businessKey ? { businessKey } : {}),
      ...(orgUnit ? { orgUnit } : {}),
      ...(parent ? { parent: { instanceId: parent.instanceId, elementId: parent.elementId, executionId: parent.executionId, rootInstanceId: parent.rootInstanceId } } : {}),
    };
    const head = await this.mutex.run(instanceId, () => this.persist(instanceId, 1, def, run, command, actor, null));
    if (head) {
      if (run.calls.length || (parent && run.status !== 'running')) await this.followAfterCommit(instanceId, parent?.depth ?? 0);
      if (run.newMessageWaits.length || run.thrownMessages.length) await this.messagesAfterCommit(instanceId, run.newMessageWaits, run.thrownMessages);
      return { instanceId, head };
    }
    // A start with a chosen id is idempotent: a second call (a repair after a kill) finds
    // revision 1 written and only brings the read models up to it.
    if (!givenId) throw new ConflictError('CASE_CONTENDED', `instance id ${instanceId} is taken`);
    await this.mutex.run(instanceId, () => this.project(instanceId));
    return { instanceId };
  }

  /**
   * Completes an open user task with `variables`, as `actor`, and returns the case view. A resend
   * of a completion that committed (same actor, and the same `opts.requestId`, or without one the
   * same variables) is answered with the case view marked `replayed: true`, nothing written.
   * @throws NotFoundError (no such task), ForbiddenError (not the actor's), ConflictError TASK_ALREADY_COMPLETED
   * (done by someone else, or by the actor under another request id or with other input; details say who and when)
   */
  async completeTask(taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}) {
    const { instanceId, head, replayed } = await this.complete(taskId, variables, actor, output, opts);
    const view = await this.caseView(instanceId, head);
    return replayed ? { ...view, replayed: true as const } : view;
  }

  /**
   * Completes a task like `completeTask` and returns the instance id: the command without the
   * view. Round trips: the task with its instance head and latest revision (one aggregate), the
   * timer jobs of the steps it opens, revision n+1, the tasks (one bulk write), the head.
   */
  async completeStep(taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}): Promise<string> {
    return (await this.complete(taskId, variables, actor, output, opts)).instanceId;
  }

  /**
   * A completion that finds its task no longer open asks whether it was itself (a resend after an
   * answer that was lost, or a 503 after the revision had committed): the task's last completion
   * was by the same actor and — with a request id (Idempotency-Key) — under the same request id,
   * or — without — with the same input (hash of the variables). Then the completion is answered as
   * done (`replayed`), nothing written; otherwise 409 TASK_ALREADY_COMPLETED saying who completed
   * it and when. A resend under another Idempotency-Key is another request: 409.
   * (Camunda answers any completion of a completed task with an error; the UI is promised a clear
   * answer instead: what the clerk did, done once.)
   */
  private async completedBefore(task: any, actor: Actor, requestId: string | undefined, inputHash: string, cause: ConflictError): Promise<true> {
    const revs = await this.deps.models.Revision.find({ instanceId: task.instanceId, 'command.type': 'complete-task', 'command.taskId': String(task._id) }, { command: 1, actor: 1, revision: 1, createdAt: 1 }).lean();
    const last: any = revs.reduce<any>((a, b: any) => (!a || b.revision > a.revision ? b : a), undefined);
    if (last && last.actor === actor.username && (requestId ? last.command?.requestId === requestId : last.command?.inputHash === inputHash)) return true;
    if (!last) throw cause;
    const byYou = last.actor === actor.username;
    throw new ConflictError(
      'TASK_ALREADY_COMPLETED',
      `task ${task._id} was already completed${byYou ? ' by you' : ''} at ${new Date(last.createdAt).toISOString()}${byYou ? (requestId ? ' under another Idempotency-Key' : ' with other input') : ''}`,
      { completedBy: last.actor, completedAt: last.createdAt, byYou, ...(byYou ? { output: last.command?.output ?? null } : {}) },
    );
  }

  private async complete(taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}): Promise<{ instanceId: string; head?: any; replayed?: boolean }> {
    checkVariables(variables);
    const found = await this.loadTaskWithHead(taskId);
    const task = found?.task;
    if (!task) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
    // another org unit's task is answered as one that does not exist (DESIGN.md §6), whoever calls
    if (!(await actorReachesTask(this.deps.models, actor, task, found.head?.inst))) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
    if (task.kind && task.kind !== 'engine') throw new ValidationError('NOT_AN_ENGINE_TASK', `task ${taskId} is a ${task.kind} request; answer it through its own action`);
    if (!canWorkOn(actor, task as any)) throw new ForbiddenError('TASK_NOT_YOURS', `task ${taskId} is not assigned to you or your groups`);
    const instanceId = task.instanceId as string;
    const recorded = output ?? pickOutput(variables);
    // what a resend is recognised by (completedBefore): the request id and the input's hash
    const inputHash = createHash('sha256').update(canonicalize(variables) ?? '').digest('hex');
    const command = { type: 'complete-task', taskId, elementId: task.elementId, executionId: task.executionId, output: recorded, inputHash, ...(opts.requestId ? { requestId: opts.requestId } : {}) };
    let head: any;
    try {
      head = await this.command(
        instanceId,
        command,
        actor,
        (prev) => {
          if (!prev.openTasks.some((t) => t.executionId === task.executionId)) {
            throw new ConflictError('TASK_ALREADY_COMPLETED', `task ${taskId} is no longer open (already completed or cancelled)`);
          }
          return (ctx) => {
            if (!ctx.isWaiting(task.executionId)) throw new ConflictError('TASK_ALREADY_COMPLETED', `task ${taskId} is no longer open`);
            ctx.signalTask(task.executionId, variables);
          };
        },
        undefined,
        found.head,
      );
    } catch (err) {
      // a resend of a completion that did commit (its answer lost, or a 503 after the revision) is answered as done
      if (!(err instanceof ConflictError) || (err.code !== 'TASK_ALREADY_COMPLETED' && err.code !== 'CASE_ENDED')) throw err;
      await this.completedBefore(task, actor, opts.requestId, inputHash, err);
      return { instanceId, replayed: true };
    }
    return { instanceId, head: head ?? undefined };
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
    let follow = false;
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
          jobs: (before as any).jobs ?? '[]',
          escalations: '[]',
          variables: before.variables,
          activeElements: (before as any).activeElements ?? '[]',
          calls: (before as any).calls ?? '[]',
          projected: false,
        } as any);
      } catch (err) {
        if (isDuplicateKey(err)) throw new ConflictError('CASE_CONTENDED', 'the case changed while withdrawing; reload and try again');
        throw err;
      }
      // a call the withdrawn completion reached no longer waits: its child is cancelled
      follow = (latest as any).calls !== undefined && (latest as any).calls !== '[]';
      // a reopened task is the one thing the incremental projection does not do: the full one does
      await this.project(instanceId);
    });
    if (follow) await this.followAfterCommit(instanceId);
    return this.caseView(instanceId);
  }

  /**
   * The "timer fired" command: resumes the instance so every timer that is due fires.
   * Does nothing (writes nothing) when no timer is due any more — a job that runs twice, or
   * after its task was completed, or after the case ended, changes nothing twice.
   * Round trips: the instance head with its latest revision (one aggregate), revision n+1, the
   * escalations it raises (a step-clock check and an insert), the tasks it opens or closes, the head.
   * @returns true when the instance moved
   */
  async fireTimers(instanceId: string, job: { elementId: string; expireAt: string }): Promise<boolean> {
    const head = await this.loadHead(instanceId);
    if (!head || head.inst.status !== 'running') return false;
    let moved = false;
    try {
      await this.command(instanceId, { type: 'timer', elementId: job.elementId, expireAt: job.expireAt }, { username: 'system', groups: [], roles: ['system'] }, () => undefined, (run) => {
        moved = run.changed;
        return run.changed;
      }, head);
    } catch (err) {
      // the head lagged: the case had ended meanwhile
      if (err instanceof ConflictError && err.code === 'CASE_ENDED') return false;
      throw err;
    }
    return moved;
  }

  /**
   * Whether the instance still waits on the job of service/send task execution `executionId`,
   * read from the latest revision (the head may lag). Returns what a job handler needs, or null
   * when the task no longer waits (completed by an earlier run, interrupted, the case ended).
   */
  async jobWaiting(instanceId: string, executionId: string): Promise<{ variables: Record<string, unknown> } | null> {
    const latest: any = await this.latestRevision(instanceId);
    if (!latest || latest.status !== 'running') return null;
    const jobs = JSON.parse(latest.jobs ?? '[]') as WaitingJob[];
    if (!jobs.some((j) => j.executionId === executionId)) return null;
    return { variables: JSON.parse(latest.variables) as Record<string, unknown> };
  }

  /** Whether a job's command completed service/send task execution `executionId` (one read within the instance's revisions). */
  async jobCompleted(instanceId: string, executionId: string): Promise<boolean> {
    return !!(await this.deps.models.Revision.exists({ instanceId, 'command.type': 'service-task', 'command.executionId': executionId }));
  }

  /**
   * The "job completed" command: completes the service/send task waiting on its job with the
   * handler's output `variables` (copied into the process variables) and lets the instance run on.
   * The same conditional revision write as a user task's completion, so of two runs of one job
   * (a double delivery, a run after a kill) only one moves the instance.
   * @throws ConflictError SERVICE_TASK_NOT_WAITING when the task no longer waits (done already),
   *   CASE_ENDED when the case has ended; ValidationError for bad variables
   */
  async completeServiceTask(instanceId: string, elementId: string, executionId: string, variables: Record<string, unknown>): Promise<void> {
    checkVariables(variables);
    await this.command(instanceId, { type: 'service-task', elementId, executionId }, SYSTEM_ACTOR, (prev) => {
      if (!prev.jobs.some((j) => j.executionId === executionId)) {
        throw new ConflictError('SERVICE_TASK_NOT_WAITING', `service task ${elementId} (${executionId}) of case ${instanceId} no longer waits for its job`);
      }
      return (ctx) => {
        ctx.completeJob(executionId, variables);
      };
    });
  }

  /**
   * Cancels (终止) a running process instance, as an operator resolving an incident by ending the
   * case (what Camunda offers for a failed external task): a revision with status `cancelled`
   * keeps the engine state as it was and waits on nothing; its projection cancels the open steps.
   * @throws NotFoundError when there is no such instance; ConflictError CASE_ENDED when it has ended
   */
  async cancelInstance(instanceId: string, actor: Actor, reason: string, depth = 0): Promise<void> {
    const { Revision } = this.deps.models;
    let follow = false;
    await this.mutex.run(instanceId, async () => {
      const latest: any = await this.latestRevision(instanceId);
      if (!latest) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
      if (latest.status !== 'running') throw new ConflictError('CASE_ENDED', `case ${instanceId} has already ended (${latest.status})`);
      const now = this.deps.clock.now();
      const revision = latest.revision + 1;
      try {
        await Revision.create({
          _id: `${instanceId}:${revision}`,
          instanceId,
          revision,
          command: { type: 'cancel', reason },
          actor: actor.username,
          createdAt: now,
          state: latest.state,
          engineVersion: latest.engineVersion ?? ENGINE_VERSION,
          status: 'cancelled',
          events: JSON.stringify([{ type: 'case.cancelled', elementId: (JSON.parse(latest.activeElements ?? '[]') as string[])[0] ?? instanceId, at: now.toISOString(), actor: actor.username }]),
          openTasks: '[]',
          timers: '[]',
          jobs: '[]',
          escalations: '[]',
          variables: latest.variables,
          activeElements: '[]',
          projected: false,
        } as any);
      } catch (err) {
        if (isDuplicateKey(err)) throw new ConflictError('CASE_CONTENDED', 'the case changed while cancelling; reload and try again');
        throw err;
      }
      // its called instances are cancelled with it; a called instance cancelled on its own fails its caller's call
      follow = JSON.parse(latest.calls ?? '[]').length > 0 || (await this.deps.models.CallLink.exists({ _id: instanceId })) !== null;
      await this.project(instanceId);
    });
    if (follow) await this.followAfterCommit(instanceId, depth);
  }

  // ---------------------------------------------------------------- call activities (调用活动)

  /**
   * Follows the call activities of `instanceId` after a command on it (outside its lock: a
   * child's start and a caller's completion take the other instance's lock). As the caller:
   * starts the child of each call it waits on whose link is `starting`; cancels the child of a
   * call it no longer waits on (the case was cancelled or failed, a boundary event interrupted
   * the call); gives up a `starting` link whose revision never came. As a called instance that
   * has ended: completes the caller's call activity (`returnToCaller`). Idempotent — every step
   * is guarded by a conditional write (the child's revision 1, the caller's next revision, the
   * link's status) — so the repair sweep may run it again after a kill.
   */
  async followLinks(instanceId: string, depth = 0): Promise<void> {
    if (depth > MAX_CALL_DEPTH) {
      this.deps.logger.warn({ instanceId, depth }, 'call activities nested too deep in one request; the repair sweep goes on');
      return;
    }
    const { CallLink } = this.deps.models;
    const latest: any = await this.latestRevision(instanceId);
    if (!latest) return;
    const running = latest.status === 'running';
    const waiting = new Set(running ? (JSON.parse(latest.calls ?? '[]') as WaitingCall[]).map((c) => c.executionId) : []);
    const links = await CallLink.find({ parentInstanceId: instanceId, status: { $in: ['starting', 'running'] } }).lean();
    for (const link of links) {
      if (waiting.has(link.parentExecutionId as string)) {
        if (link.status === 'starting') await this.startChild(link, latest, depth);
        continue;
      }
      if (link.status === 'starting') {
        // the call does not wait: its revision was overtaken (a lost race, a kill before it) or the call ended first
        const decided = new Date(latest.createdAt).getTime() >= new Date(link.createdAt).getTime() || !running;
        if (decided || this.deps.clock.now().getTime() - new Date(link.createdAt).getTime() > CALL_START_GIVE_UP_MS) {
          await CallLink.updateOne({ _id: link._id, status: 'starting' }, { $set: { status: 'gone', updatedAt: this.deps.clock.now() } });
        }
        continue;
      }
      // a child the caller no longer waits for: cancelled with it
      try {
        await this.cancelInstance(String(link._id), SYSTEM_ACTOR, running ? `调用活动"${link.parentElementName ?? link.parentElementId}"已中断，被调用流程随之终止` : '上级流程已结束，被调用流程随之终止', depth + 1);
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === 'CASE_ENDED') && !(err instanceof NotFoundError)) throw err;
      }
      await CallLink.updateOne({ _id: link._id, status: 'running' }, { $set: { status: 'cancelled', updatedAt: this.deps.clock.now() } });
    }
    if (!running) {
      const own: any = await CallLink.findById(instanceId).lean();
      if (own && ['starting', 'running', 'ended'].includes(own.status)) {
        crashPoint('engine.call.before-return');
        await this.returnToCaller(own, latest, depth);
      }
    }
  }

  /**
   * `followLinks` after a command committed: its failure (the database gone, a called process
   * archived away) must not fail the command that is written — the link stays `starting` or
   * `ended` and the repair sweep follows it again.
   */
  private async followAfterCommit(instanceId: string, depth = 0): Promise<void> {
    try {
      await this.followLinks(instanceId, depth);
    } catch (err) {
      this.deps.logger.warn({ instanceId, err: (err as Error).message }, 'following call activities failed; the repair sweep goes on');
    }
  }

  /** Starts the child instance of a `starting` link (idempotent: its id is fixed), with the in-mapped variables. */
  private async startChild(link: any, callerLatest: any, depth: number): Promise<void> {
    const { Instance, CallLink } = this.deps.models;
    const caller: any = await Instance.findById(link.parentInstanceId, { definitionId: 1, businessKey: 1, orgUnit: 1 }).lean();
    const callerDef = caller ? await this.loadDefinitionById(caller.definitionId) : undefined;
    const meta = callerDef ? this.callActivities(callerDef).find((m) => m.elementId === link.parentElementId) : undefined;
    const callerVars = JSON.parse(callerLatest.variables) as Record<string, unknown>;
    const variables = mapVariables(callerVars, meta?.inputs ?? []);
    // the child's steps belong to the same case (办件): its number, org unit, window and department (the
    // router's inputs) and its limit overrides go with it, whatever the mapping
    for (const [k, v] of Object.entries(callerVars)) if ((CASE_CONTEXT_VARIABLES.has(k) || /^[a-z][A-Za-z0-9]{0,60}Limit$/.test(k)) && !(k in variables)) variables[k] = v;
    const def = await this.loadDefinitionById(link.definitionId);
    const childId = String(link._id);
    await this.start(def.key, variables, SYSTEM_ACTOR, caller?.businessKey ?? undefined, childId, {
      instanceId: link.parentInstanceId,
      elementId: link.parentElementId,
      executionId: link.parentExecutionId,
      rootInstanceId: link.rootInstanceId,
      definitionId: link.definitionId,
      orgUnit: caller?.orgUnit ?? undefined,
      depth: depth + 1,
    });
    crashPoint('engine.call.after-child-start');
    await Instance.updateOne({ _id: link.parentInstanceId }, { $addToSet: { calledInstances: { elementId: link.parentElementId, executionId: link.parentExecutionId, instanceId: childId } } });
    await CallLink.updateOne({ _id: childId, status: 'starting' }, { $set: { status: 'running', updatedAt: this.deps.clock.now() } });
    this.deps.logger.info({ instanceId: link.parentInstanceId, activityId: link.parentElementId, childId, calledElement: link.calledElement }, 'call activity started its called process');
    // a start that found revision 1 written (a repair) did not follow the child: do it now
    await this.followLinks(childId, depth + 1);
  }

  /**
   * A called instance has ended: completes its caller's call activity with the out-mapped
   * variables, or — for an error end event, a failure or a cancellation — throws a BPMN error
   * into it (caught by its error boundary event when the codes match, else the caller fails).
   * Once: the caller's conditional revision write lets one return through; a second finds the
   * call no longer waiting (CALL_NOT_WAITING) or the caller ended.
   */
  private async returnToCaller(link: any, childLatest: any, depth: number): Promise<void> {
    const { Instance, CallLink } = this.deps.models;
    const caller: any = await Instance.findById(link.parentInstanceId, { definitionId: 1 }).lean();
    const callerDef = caller ? await this.loadDefinitionById(caller.definitionId) : undefined;
    const meta = callerDef ? this.callActivities(callerDef).find((m) => m.elementId === link.parentElementId) : undefined;
    const endError: EndError | undefined = childLatest.endError ? JSON.parse(childLatest.endError) : undefined;
    const childVars = JSON.parse(childLatest.variables) as Record<string, unknown>;
    const ok = childLatest.status === 'completed' && !endError;
    const executionId = String(link.parentExecutionId);
    const command = { type: 'call-returned', elementId: link.parentElementId, executionId, childInstanceId: String(link._id), childStatus: childLatest.status, ...(endError?.code ? { errorCode: endError.code } : {}) };
    try {
      await this.command(
        link.parentInstanceId,
        command,
        SYSTEM_ACTOR,
        (prev) => {
          if (!prev.calls.some((c) => c.executionId === executionId)) {
            throw new ConflictError('CALL_NOT_WAITING', `call activity ${link.parentElementId} of case ${link.parentInstanceId} no longer waits for its called process`);
          }
          return (ctx) => {
            if (ok) {
              const out = mapVariables(childVars, meta?.outputs ?? []);
              delete out.caseNo; // the case number is the caller's
              ctx.returnCall(executionId, out);
            } else if (endError) {
              ctx.failCall(executionId, { message: `called process ${link.calledElement} ended with error ${endError.code ?? ''}${endError.name ? ` (${endError.name})` : ''}`.trim(), code: endError.code });
            } else {
              ctx.failCall(executionId, { message: `called process ${link.calledElement} ${childLatest.status === 'cancelled' ? 'was cancelled' : 'failed'}`, code: childLatest.status === 'cancelled' ? 'CALLED_PROCESS_CANCELLED' : 'CALLED_PROCESS_FAILED' });
            }
          };
        },
        undefined,
        undefined,
        depth + 1,
      );
    } catch (err) {
      if (!(err instanceof ConflictError && (err.code === 'CALL_NOT_WAITING' || err.code === 'CASE_ENDED'))) throw err;
      this.deps.logger.info({ instanceId: link.parentInstanceId, activityId: link.parentElementId, childId: link._id, code: err.code }, 'caller already moved on; call return done');
    }
    crashPoint('engine.call.after-return');
    await CallLink.updateOne({ _id: link._id, status: { $in: ['starting', 'running', 'ended'] } }, { $set: { status: 'returned', childStatus: childLatest.status, updatedAt: this.deps.clock.now() } });
  }

  /** A called instance's final revision marks its link `ended` (before its head moves: a kill before is re-projected). */
  private async markCallEnded(instanceId: string, rev: any): Promise<void> {
    if (rev.status === 'running') return;
    await this.deps.models.CallLink.updateOne({ _id: instanceId, status: { $in: ['starting', 'running'] } }, { $set: { status: 'ended', childStatus: rev.status, updatedAt: rev.createdAt } });
  }

  /**
   * The instance head and the revision it names, in one round trip (a `$lookup` by `_id`).
   * The head may lag the series (a process died before projecting): the insert of the next
   * revision then fails, and the command catches the head up and runs again.
   */
  private async loadHead(instanceId: string): Promise<Head | null> {
    const { Instance, Revision } = this.deps.models;
    const [doc] = await Instance.aggregate([
      { $match: { _id: instanceId } },
      { $addFields: { _headId: { $concat: ['$_id', ':', { $toString: '$headRevision' }] } } },
      { $lookup: { from: Revision.collection.collectionName, localField: '_headId', foreignField: '_id', as: '_head' } },
    ]);
    if (!doc) return null;
    const rev = doc._head?.[0] ?? null;
    delete doc._head;
    delete doc._headId;
    return { inst: doc, rev };
  }

  /** A task with its instance head and the head's revision, in one round trip (two `$lookup`s by `_id`). */
  private async loadTaskWithHead(taskId: string): Promise<{ task: any; head: Head | null } | null> {
    const { Task, Instance, Revision } = this.deps.models;
    const [doc] = await Task.aggregate([
      { $match: { _id: taskId } },
      { $lookup: { from: Instance.collection.collectionName, localField: 'instanceId', foreignField: '_id', as: '_inst' } },
      { $addFields: { _headId: { $concat: ['$instanceId', ':', { $toString: { $arrayElemAt: ['$_inst.headRevision', 0] } }] } } },
      { $lookup: { from: Revision.collection.collectionName, localField: '_headId', foreignField: '_id', as: '_head' } },
    ]);
    if (!doc) return null;
    const inst = doc._inst?.[0];
    const rev = doc._head?.[0] ?? null;
    delete doc._inst;
    delete doc._head;
    delete doc._headId;
    return { task: doc, head: inst ? { inst, rev } : null };
  }

  /**
   * Whether revision `revision + 1` exists — the head the command ran on lags the series (a
   * projection still running in another process, or cut short). Then the head is brought up
   * (`project`) and the caller runs the command again. One read by `_id`; only on the paths
   * that decide without writing (a conflict, nothing due), where no insert claim would tell.
   */
  private async behind(instanceId: string, revision: number): Promise<boolean> {
    if (!(await this.deps.models.Revision.exists({ _id: `${instanceId}:${revision + 1}` }))) return false;
    await this.project(instanceId);
    return true;
  }

  /** The latest revision, by the index on (instanceId, revision). */
  private latestRevision(instanceId: string) {
    return this.deps.models.Revision.findOne({ instanceId }).sort({ revision: -1 }).lean();
  }

  /**
   * Runs one command with reload-and-retry on a lost revision race. `preloaded` is the head
   * the caller read already (the first attempt uses it instead of reading again).
   * @returns the instance head as written, or null when nothing was written
   */
  private async command(
    instanceId: string,
    command: Record<string, unknown>,
    actor: Actor,
    prepare: (prev: { openTasks: WaitingTask[]; timers: PendingTimer[]; jobs: WaitingJob[]; calls: WaitingCall[]; messageWaits: MessageWait[] }) => ((ctx: any) => void) | undefined,
    shouldWrite: (run: RunResult) => boolean = () => true,
    preloaded?: Head | null,
    depth = 0,
  ): Promise<any | null> {
    // a head read while another command of this process was moving the instance may be stale: read it again inside
    let head = preloaded && !this.mutex.busy(instanceId) ? preloaded : null;
    // call activities to follow once the instance's lock is released (a child's start or a caller's completion takes the other's lock)
    let follow = false;
    // message catches this command reached: a pending message may wait for them (after the lock)
    let newMessageWaits: MessageWait[] = [];
    let thrownMessages: ThrownMessage[] = [];
    const written = await this.mutex.run(instanceId, async () => {
      for (let attempt = 1; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
        head ??= await this.loadHead(instanceId);
        if (!head?.rev) {
          // no head yet (a start cut short before its projection) or a head without its revision: catch up
          await this.project(instanceId);
          head = await this.loadHead(instanceId);
          if (!head?.rev) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
        }
        const { inst, rev: latest } = head;
        head = null; // a retry reads again
        if (latest.status !== 'running') throw new ConflictError('CASE_ENDED', `case ${instanceId} has already ended (${latest.status})`);
        const previous = {
          openTasks: JSON.parse(latest.openTasks) as WaitingTask[],
          timers: JSON.parse((latest as any).timers ?? '[]') as PendingTimer[],
          jobs: JSON.parse((latest as any).jobs ?? '[]') as WaitingJob[],
          calls: JSON.parse((latest as any).calls ?? '[]') as WaitingCall[],
          messageWaits: JSON.parse((latest as any).messageWaits ?? '[]') as MessageWait[],
        };
        let apply: ((ctx: any) => void) | undefined;
        try {
          apply = prepare(previous);
        } catch (err) {
          // "no longer open" may only mean the head lags a revision that opened it
          if (err instanceof ConflictError && (await this.behind(instanceId, latest.revision))) continue;
          throw err;
        }
        let def = await this.loadDefinitionById(inst.definitionId);
        if (!def.sourceContext) {
          // another process stored the shared context after this one cached the definition
          const fresh = await this.deps.models.Definition.findById(def._id).lean();
          if (fresh) {
            this.definitionCache.set(def._id, fresh);
            def = fresh;
          }
        }
        let run: RunResult;
        try {
          run = await runEngine({ name: instanceId, state: withSource(latest.state, def), previous, now: () => this.deps.clock.now(), apply, decisions: await this.loadDecisions(def) });
        } catch (err) {
          if (err instanceof ConflictError && (await this.behind(instanceId, latest.revision))) continue;
          throw err;
        }
        if (command.type === 'service-task') {
          run.events.push({ type: 'job.completed', elementId: String(command.elementId), executionId: String(command.executionId), at: this.deps.clock.now().toISOString(), actor: actor.username });
        }
        if (command.type === 'complete-task') {
          run.events.push({ type: 'task.completed', elementId: String(command.elementId), executionId: String(command.executionId), at: this.deps.clock.now().toISOString(), actor: actor.username });
        }
        if (!shouldWrite(run)) {
          // nothing to write (no timer due) — unless the head lags: a newer revision may wait on it
          if (await this.behind(instanceId, latest.revision)) continue;
          return null;
        }
        const written = await this.persist(instanceId, latest.revision + 1, def, run, command, actor, { inst, rev: latest });
        if (written) {
          follow = run.calls.length > 0 || previous.calls.length > 0 || (!!inst.parentInstanceId && run.status !== 'running');
          newMessageWaits = run.newMessageWaits;
          thrownMessages = run.thrownMessages;
          return written;
        }
        this.deps.logger.info({ instanceId, revision: latest.revision + 1, attempt }, 'revision race lost; reloading');
        // the winner may have died before projecting: bring the head up to the series first
        await this.project(instanceId);
      }
      throw new ConflictError('CASE_CONTENDED', `case ${instanceId} is being changed by others; try again`);
    });
    if (follow) await this.followAfterCommit(instanceId, depth);
    if (newMessageWaits.length || thrownMessages.length) await this.messagesAfterCommit(instanceId, newMessageWaits, thrownMessages);
    return written;
  }

  // ---------------------------------------------------------------- messages (issue 15)

  /** Sets the message correlation (engine/services/messages.ts): told about every new message wait. */
  setMessages(messages: MessagePort): void {
    this.messages = messages;
  }

  private messages?: MessagePort;

  /**
   * After a revision committed: the messages it threw are released and sent; a pending message
   * may wait for the catches it reached: delivered now (the sweep retries on failure).
   */
  private async messagesAfterCommit(instanceId: string, waits: MessageWait[], thrown: ThrownMessage[] = []): Promise<void> {
    if (!this.messages) return;
    try {
      if (thrown.length) await this.messages.releaseThrown(instanceId, thrown);
      await this.messages.waitsAppeared(instanceId, waits.filter((w) => w.kind === 'catch'));
    } catch (err) {
      this.deps.logger.warn({ instanceId, err: (err as Error).message }, 'delivering pending messages failed; the repair sweep goes on');
    }
  }

  /**
   * The message catches the instance waits on, with its variables and business key, from the
   * latest revision (the head may lag). Null when the instance is not running.
   */
  async messageWaitsOf(instanceId: string): Promise<{ waits: MessageWait[]; variables: Record<string, unknown> } | null> {
    const latest: any = await this.latestRevision(instanceId);
    if (!latest || latest.status !== 'running') return null;
    return { waits: JSON.parse(latest.messageWaits ?? '[]') as MessageWait[], variables: JSON.parse(latest.variables) as Record<string, unknown> };
  }

  /** The revision of `instanceId` that took message `messageId`, if one did (within the instance's revisions). */
  async messageTakenBy(instanceId: string, messageId: string): Promise<{ revision: number; elementId?: string } | null> {
    const rev: any = await this.deps.models.Revision.findOne({ instanceId, 'command.type': 'message', 'command.messageId': messageId }, { revision: 1, command: 1 }).lean();
    return rev ? { revision: rev.revision as number, elementId: rev.command?.elementId } : null;
  }

  /**
   * The "message delivered" command: the catch waiting on a message named `name` takes it with its
   * `variables` (copied into the process variables). The same conditional revision write as a
   * task's completion: of two deliveries racing for one wait only one moves the instance.
   * @returns the revision written and the element that took the message
   * @throws ConflictError MESSAGE_NOT_WAITING when nothing waits on that name (any more), CASE_ENDED
   */
  async deliverMessage(instanceId: string, message: { id: string; name: string; variables: Record<string, unknown> }, actor: Actor = SYSTEM_ACTOR): Promise<{ revision: number; elementId: string }> {
    checkVariables(message.variables);
    let elementId = '';
    const command: Record<string, unknown> = { type: 'message', messageId: message.id, name: message.name };
    const head = await this.command(instanceId, command, actor, (prev) => {
      const w = prev.messageWaits.find((m) => m.kind === 'catch' && (m.messageName ?? m.messageId) === message.name);
      if (!w) throw new ConflictError('MESSAGE_NOT_WAITING', `case ${instanceId} does not wait for message ${message.name}`, { name: message.name });
      elementId = w.elementId;
      command.elementId = w.elementId;
      return (ctx) => {
        ctx.deliverMessage(w.messageId, message.variables);
      };
    });
    return { revision: head?.headRevision ?? 0, elementId };
  }

  /**
   * Engine state without the definition's serialized moddle context (`definitions[].source`,
   * ~27 KB of a ~41 KB state), which is the same for every instance of a version: it is kept
   * once on the definition and put back before `recover` (see `withSource`). Revisions shrink
   * to a third.
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

  /**
   * Schedules the new timers, inserts revision n+1 (the claim), then projects it from what is
   * in hand: `prev` is the head the command ran on (null for a start), projected up to
   * `prev.rev`, so the tasks to open and close are the difference of the two open-task lists.
   * The revision is inserted `projected: false`; the repair sweep marks it (in batches) once
   * the head has passed it, and projects it itself when a crash left the head behind.
   * @returns the instance head as written, or null when another process inserted revision n+1 first
   */
  private async persist(instanceId: string, revision: number, def: any, run: RunResult, command: Record<string, unknown>, actor: Actor, prev: Head | null): Promise<any | null> {
    const now = this.deps.clock.now();
    if (run.newTimers.length) {
      // before the revision: a crash in between leaves at most a job whose firing finds nothing due
      await this.deps.timers.schedule(run.newTimers.map((t) => ({ instanceId, elementId: t.elementId, expireAt: new Date(t.expireAt) })));
    }
    if (run.newJobs.length && this.deps.serviceJobs) {
      // before the revision too: a job whose revision never came finds its task not waiting and ends
      const jobTasks: { elementId: string; retries?: number }[] = (def.userTasks ?? []).find((t: any) => t.jobTasks)?.jobTasks ?? [];
      const businessKey = prev ? (prev.inst.businessKey ?? undefined) : ((command as any).businessKey ?? undefined);
      const orgUnit = prev ? (prev.inst.orgUnit ?? undefined) : ((command as any).orgUnit ?? undefined);
      await this.deps.serviceJobs.schedule(
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
      const metas = this.callActivities(def);
      const rootInstanceId = prev ? (prev.inst.rootInstanceId ?? instanceId) : ((command as any).parent?.rootInstanceId ?? instanceId);
      for (const c of run.newCalls) {
        const definitionId = await this.resolveCalled(metas.find((m) => m.elementId === c.elementId), c);
        const childId = childInstanceId(instanceId, c.executionId);
        await this.deps.models.CallLink.updateOne(
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
    if (run.thrownMessages.length && this.messages) {
      // before the revision, like call links: stored `thrown` (not deliverable) and released once the
      // revision committed; the sweep releases one whose revision names it, and drops one whose never came
      const businessKey = (prev ? prev.inst.businessKey : (command as any).businessKey) ?? (typeof run.variables.caseNo === 'string' ? run.variables.caseNo : undefined);
      await this.messages.storeThrown(instanceId, revision, businessKey, run.thrownMessages);
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
    const doc = {
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
      await this.deps.models.Revision.create(doc as any);
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    crashPoint('engine.after-revision');
    await holdPoint(`engine.after-revision:${String(command.type)}`);
    return this.projectNext(instanceId, def, prev, doc, run, escalations);
  }

  /**
   * The projection of the revision just inserted, from what is in hand (no reads but the step
   * clocks an escalation may join and the router's): escalations, the tasks it opened and
   * closed in one bulk write, the listeners, then the head. Idempotent like `project`.
   */
  private async projectNext(instanceId: string, def: any, prev: Head | null, rev: any, run: RunResult, escalations: any[]): Promise<any> {
    const businessKey: string | undefined = prev ? (prev.inst.businessKey ?? undefined) : (rev.command.businessKey ?? undefined);
    const escalationIds = await this.projectEscalations(instanceId, def, businessKey, [{ revision: rev.revision, escalations }], run.openTasks);
    const prevOpen = prev ? (JSON.parse(prev.rev.openTasks) as WaitingTask[]) : [];
    const before = new Set(prevOpen.map((t) => t.executionId));
    const after = new Set(run.openTasks.map((t) => t.executionId));
    const ops: any[] = [];
    const opened = new Map<string, any>();
    const metas = this.taskMetas(def);
    for (const t of run.openTasks) {
      if (before.has(t.executionId)) continue;
      const { _id, ...fields } = await this.newTask(instanceId, def, metas, t, run.variables, rev.revision, prev ? prev.inst.orgUnit : rev.command.orgUnit);
      opened.set(_id, { _id, ...fields });
      // an insert that a replay (or a racing repair) finds done already changes nothing
      ops.push({ updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } });
    }
    for (const t of prevOpen) {
      if (after.has(t.executionId)) continue;
      const _id = `${instanceId}:${t.executionId}`;
      const completed = rev.command.type === 'complete-task' && rev.command.taskId === _id;
      ops.push({
        updateOne: {
          filter: { _id, status: 'open' },
          update: completed
            ? { $set: { status: 'completed', completedAt: rev.createdAt, completedBy: rev.actor, outcome: rev.command.output ?? null, revision: rev.revision } }
            : { $set: { status: 'cancelled', completedAt: rev.createdAt, revision: rev.revision } },
        },
      });
    }
    await this.writeTasks(ops);
    const parent: CallParentRef | undefined = prev ? parentOf(prev.inst) : rev.command.parent;
    await this.tell(instanceId, def, run.openTasks, rev.status, run.variables, [{ ...rev, events: run.events, escalations }], escalationIds, opened, parent?.rootInstanceId);
    if (parent) await this.markCallEnded(instanceId, rev);
    const start = prev ? undefined : { createdAt: rev.createdAt, actor: rev.actor, businessKey, orgUnit: rev.command.orgUnit as string | undefined, parent };
    return this.moveHead(instanceId, def, rev, run.variables, run.activeElements, prev?.inst, start);
  }

  /** One bulk write of task upserts and closes; a racing repair's duplicate upsert is no error. */
  private async writeTasks(ops: any[]): Promise<void> {
    if (!ops.length) return;
    try {
      await this.deps.models.Task.bulkWrite(ops, { ordered: false });
    } catch (err: any) {
      const errors: any[] = err?.writeErrors ?? err?.result?.getWriteErrors?.() ?? [];
      if (!errors.length || errors.some((e) => (e.code ?? e.err?.code) !== 11000)) throw err;
    }
  }

  /** The task document of a user task the engine now waits on: routed, with its metadata resolved. */
  /** The task document of a step the engine waits on; `instanceOrgUnit` (the starter's) scopes an unrouted step. */
  private async newTask(instanceId: string, def: any, metas: UserTaskMeta[], t: WaitingTask, variables: Record<string, unknown>, revision: number, instanceOrgUnit?: string) {
    const meta = metas.find((m) => m.elementId === t.elementId);
    const route = this.deps.router && meta ? await this.deps.router.route(variables, { window: meta.window, orgLevel: meta.orgLevel, elementId: t.elementId }) : undefined;
    const resolve = (v?: string) => (v && hasExpression(v) ? safeEval(v, variables) : v);
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
   * @returns the escalation id of each `revision:executionId`
   */
  private async projectEscalations(instanceId: string, def: any, businessKey: string | undefined, revisions: { revision: number; escalations: string | any[] }[], open: WaitingTask[]) {
    const { Escalation, Clock } = this.deps.models;
    const ids = new Map<string, string>();
    const raised = revisions.flatMap((r) => (typeof r.escalations === 'string' ? (JSON.parse(r.escalations) as any[]) : r.escalations).map((e) => ({ revision: r.revision, e })));
    if (!raised.length) return ids;
    const stepClockOf = (e: any) => {
      const task = e.attachedToId ? open.find((t) => t.elementId === e.attachedToId) : undefined;
      return task ? `step:${instanceId}:${task.executionId}` : undefined;
    };
    const clockIds = [...new Set(raised.map(({ e }) => stepClockOf(e)).filter((x): x is string => !!x))];
    const clocks = new Set(clockIds.length ? (await Clock.find({ _id: { $in: clockIds } }, { _id: 1 }).lean()).map((c) => String(c._id)) : []);
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
  private async tell(instanceId: string, def: any, open: WaitingTask[], status: string, variables: Record<string, unknown>, revs: any[], escalationIds: Map<string, string>, opened?: Map<string, any>, rootInstanceId?: string) {
    if (!this.listeners.length || !revs.length) return;
    const revisions: ProjectedRevision[] = revs.map((r) => ({
      revision: r.revision,
      command: r.command as Record<string, any>,
      actor: r.actor,
      createdAt: r.createdAt,
      events: typeof r.events === 'string' ? JSON.parse(r.events) : r.events,
      escalations: (typeof r.escalations === 'string' ? (JSON.parse(r.escalations) as any[]) : r.escalations).map((e: any) => ({ ...e, escalationId: escalationIds.get(`${r.revision}:${e.executionId}`) ?? `${instanceId}:${e.executionId}` })),
      status: r.status,
    }));
    const metas = this.taskMetas(def);
    const openSteps: OpenStep[] = open.map((t) => ({ id: `${instanceId}:${t.executionId}`, elementId: t.elementId, stepKind: metas.find((m) => m.elementId === t.elementId)?.stepKind }));
    for (const l of this.listeners) await l.onProjected({ instanceId, status, variables, revisions, openSteps, ...(opened ? { opened } : {}), ...(rootInstanceId ? { rootInstanceId } : {}) });
  }

  /**
   * Moves the instance head to `rev` — only forwards (a slower projection of an older revision
   * never moves it back). A start's head is created from revision 1 (`start`).
   * @returns the head as written
   */
  private async moveHead(instanceId: string, def: any, rev: any, variables: Record<string, unknown>, activeElements: string[], inst?: any, start?: { createdAt: Date; actor: string; businessKey?: string; orgUnit?: string; parent?: CallParentRef }) {
    const set = {
      status: rev.status,
      headRevision: rev.revision,
      variables,
      activeElements,
      updatedAt: rev.createdAt,
      ...(rev.status !== 'running' ? { endedAt: rev.createdAt } : {}),
    };
    const { Instance } = this.deps.models;
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
    };
    try {
      await Instance.updateOne(filter, { $set: set, $setOnInsert: created }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // the head is there, and further on already
    }
    return inst ? { ...inst, ...set } : { _id: instanceId, ...created, ...set };
  }

  /**
   * Brings the read models (instance head, tasks, escalations) up to the latest revision, from
   * the database: the repair path, for a head left behind by a process that died, a lost
   * revision race, or a withdrawal. Idempotent; safe to run from any process at any time.
   */
  async project(instanceId: string): Promise<void> {
    const { Revision, Instance, Task } = this.deps.models;
    const inst: any = await Instance.findById(instanceId).lean();
    const latest = await this.latestRevision(instanceId);
    if (!latest) return;
    const headRevision = inst?.headRevision ?? 0;
    let start: { createdAt: Date; actor: string; businessKey?: string; orgUnit?: string; parent?: CallParentRef } | undefined;
    let definitionId = inst?.definitionId as string | undefined;
    if (!inst || headRevision === 0) {
      // a start cut short before its head was written: the head comes from revision 1
      const first: any = latest.revision === 1 ? latest : await Revision.findById(`${instanceId}:1`, { command: 1, createdAt: 1, actor: 1 }).lean();
      if (!first) return;
      definitionId ??= first.command?.definitionId;
      start = { createdAt: first.createdAt, actor: first.actor, businessKey: first.command?.businessKey ?? inst?.businessKey, orgUnit: first.command?.orgUnit ?? inst?.orgUnit, parent: first.command?.parent ?? parentOf(inst) };
    }
    if (!definitionId) return;
    const def = await this.loadDefinitionById(definitionId);
    const metas = this.taskMetas(def);
    const variables = JSON.parse(latest.variables) as Record<string, unknown>;
    const open = JSON.parse(latest.openTasks) as WaitingTask[];
    // Revisions after the projected head (the head only moves once their listeners ran), in one indexed read.
    const unprojected: any[] =
      latest.revision > headRevision
        ? await Revision.find({ instanceId, revision: { $gt: headRevision } }, { events: 1, escalations: 1, revision: 1, actor: 1, command: 1, createdAt: 1, status: 1 }).sort({ revision: 1 }).lean()
        : [];
    const businessKey: string | undefined = inst?.businessKey ?? start?.businessKey;
    const escalationIds = await this.projectEscalations(instanceId, def, businessKey, unprojected, open);

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
      const { _id, ...fields } = await this.newTask(instanceId, def, metas, t, variables, latest.revision, inst?.orgUnit ?? start?.orgUnit);
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
    await this.writeTasks(ops);
    const parent = start?.parent ?? parentOf(inst);
    await this.tell(instanceId, def, open, latest.status, variables, unprojected, escalationIds, undefined, parent?.rootInstanceId);
    if (parent) await this.markCallEnded(instanceId, latest);
    await this.moveHead(instanceId, def, latest, variables, JSON.parse((latest as any).activeElements ?? '[]') as string[], inst ?? undefined, start);
    await Revision.updateMany({ instanceId, revision: { $lte: latest.revision }, projected: false }, { $set: { projected: true } });
  }

  /**
   * The repair sweep: finds revisions still marked unprojected (older than `olderThanMs`), marks
   * those the head has passed (their projection finished: one update for all), and projects the
   * instances whose head is behind (a process died between the revision and its projection).
   * @returns how many instances it had to project
   */
  async projectPending(olderThanMs = 2000): Promise<number> {
    const { ProjectionQueue, Revision, Instance } = this.deps.models;
    const now = this.deps.clock.now();
    const cutoff = new Date(now.getTime() - olderThanMs);
    let repaired = 0;
    for (let batch = 0; batch < 10; batch++) {
      const pending = await Revision.find({ projected: false, createdAt: { $lt: cutoff } }, { instanceId: 1, revision: 1 }).limit(2000).lean();
      // markers written by earlier versions (a marker per revision, before the revision)
      const legacy = batch === 0 ? await ProjectionQueue.find({ at: { $lt: cutoff } }).limit(500).lean() : [];
      if (!pending.length && !legacy.length) break;
      const ids = [...new Set([...pending.map((p) => p.instanceId as string), ...legacy.map((m) => m.instanceId as string)])];
      const heads = new Map((await Instance.find({ _id: { $in: ids } }, { headRevision: 1 }).lean()).map((h) => [String(h._id), (h.headRevision as number) ?? 0]));
      const passed: string[] = [];
      const behind = new Set<string>(legacy.map((m) => m.instanceId as string));
      for (const p of pending) {
        if (p.revision <= (heads.get(p.instanceId as string) ?? 0)) passed.push(String(p._id));
        else behind.add(p.instanceId as string);
      }
      if (passed.length) await Revision.updateMany({ _id: { $in: passed } }, { $set: { projected: true } });
      for (const id of behind) await this.mutex.run(id, () => this.project(id));
      if (legacy.length) await ProjectionQueue.deleteMany({ _id: { $in: legacy.map((m) => m._id) } });
      repaired += behind.size;
      if (pending.length < 2000) break;
    }
    // call activities a kill left half-way: a child not started after its caller's revision, a
    // caller not completed after its child ended
    const links = await this.deps.models.CallLink.find({ status: { $in: ['starting', 'ended'] }, updatedAt: { $lt: cutoff } }, { status: 1, parentInstanceId: 1 }).limit(200).lean();
    for (const l of links) {
      try {
        await this.followLinks(l.status === 'starting' ? String(l.parentInstanceId) : String(l._id));
        repaired++;
      } catch (err) {
        this.deps.logger.warn({ instanceId: l.status === 'starting' ? l.parentInstanceId : l._id, err: (err as Error).message }, 'call activity repair failed; the next sweep tries again');
      }
    }
    // messages a kill left `delivering`, and pending ones whose wait appeared unseen
    if (this.messages) repaired += await this.messages.sweep(olderThanMs);
    return repaired;
  }

  // ---------------------------------------------------------------- reads

  /**
   * A case (process instance) as `actor` may read it: with status, variables, open and completed
   * steps and its history. The engine checks the org unit itself (DESIGN.md §6; the same rule as
   * the HTTP guard, engine/org/scope.ts `actorReadsInstance`): another org unit's instance is
   * answered 404 CASE_NOT_FOUND, exactly as one that does not exist, so no caller — an endpoint, a
   * worker, a script — reads a foreign record by forgetting a guard. Supervisors, admins and the
   * system actor read across.
   * @throws NotFoundError CASE_NOT_FOUND
   */
  async getCase(instanceId: string, actor: Actor) {
    const { models } = this.deps;
    const refused = () => new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
    const inst: any = await models.Instance.findById(instanceId).lean();
    const reads = await actorReadsInstance(models, actor, instanceId, inst);
    if (reads === false) throw refused();
    const view = await this.caseView(instanceId, inst ?? undefined);
    // no head yet (a start cut short, projected by the view just now): decide on the projected head
    if (reads === undefined && !(await actorReadsInstance(models, actor, instanceId))) throw refused();
    return view;
  }

  /**
   * The case view without an access check: for the commands, whose actor was checked against the
   * task or instance before the command ran. `head` is the instance head a command just wrote
   * (saves reading it). Three indexed reads at most: the head, the revisions' events, the tasks.
   * @throws NotFoundError
   */
  private async caseView(instanceId: string, head?: any) {
    const { Instance, Revision, Task } = this.deps.models;
    let inst: any = head ?? (await Instance.findById(instanceId).lean());
    if (!inst) {
      // a start cut short before its head was written has its revision 1: project it
      if (!(await Revision.exists({ _id: `${instanceId}:1` }))) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
      await this.mutex.run(instanceId, () => this.project(instanceId));
      inst = await Instance.findById(instanceId).lean();
      if (!inst) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
    }
    const revs = await Revision.find({ instanceId }, { events: 1, revision: 1 }).sort({ revision: 1 }).lean();
    const top = revs.length ? (revs[revs.length - 1].revision as number) : 0;
    if (!top) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} did not start`);
    if (top > (inst.headRevision ?? 0) || inst.status === 'starting') {
      await this.mutex.run(instanceId, () => this.project(instanceId));
      inst = (await Instance.findById(instanceId).lean())!;
    }
    const history = revs.flatMap((r) => (JSON.parse(r.events as string) as HistoryEvent[]).map((e) => ({ ...e, revision: r.revision })));
    const tasks = await Task.find({ instanceId }).sort({ createdAt: 1 }).lean();
    // 调用活动: the instances this one's call activities started (one read, only when there are some)
    const calledRefs: { elementId: string; executionId: string; instanceId: string }[] = inst.calledInstances ?? [];
    const called = calledRefs.length ? new Map((await Instance.find({ _id: { $in: calledRefs.map((c) => c.instanceId) } }, { status: 1, definitionKey: 1, definitionVersion: 1, name: 1 }).lean()).map((c: any) => [String(c._id), c])) : new Map<string, any>();
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
      calledCases: calledRefs.map((c) => {
        const child = called.get(c.instanceId);
        return { elementId: c.elementId, instanceId: c.instanceId, ...(child ? { definitionKey: child.definitionKey, definitionVersion: child.definitionVersion, name: child.name, status: child.status } : {}) };
      }),
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
  async listTasks(actor: Actor, filter: 'mine' | 'groups' | 'all' = 'all', instanceId?: string) {
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
    const tasks = await this.deps.models.Task.find(query).sort({ createdAt: 1 }).limit(500).lean();
    return (await reachableTasks(this.deps.models, actor, tasks)).map(taskView);
  }
}

/** Where a called instance came from (revision 1's `command.parent`, the instance head's parent fields). */
interface CallParentRef {
  instanceId: string;
  elementId: string;
  executionId: string;
  rootInstanceId: string;
}

function parentOf(inst: any): CallParentRef | undefined {
  if (!inst?.parentInstanceId) return undefined;
  return { instanceId: inst.parentInstanceId, elementId: inst.parentElementId, executionId: inst.parentExecutionId, rootInstanceId: inst.rootInstanceId ?? inst.parentInstanceId };
}

/**
 * The id of the instance a call starts: derived from the caller and the call's execution, so
 * every retry of the start (a repair after a kill) names the same instance. UUID-shaped.
 */
export function childInstanceId(parentInstanceId: string, executionId: string): string {
  const h = createHash('sha256').update(`call:${parentInstanceId}:${executionId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Variables passed by `camunda:in` / `camunda:out`: all of them (`variables="all"`) and/or the
 * named ones, each from source to target (a source that is not set is not passed). None without
 * a mapping, as in Camunda. Names the engine overwrites are never passed.
 */
export function mapVariables(from: Record<string, unknown>, mappings: VariableMapping[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of mappings) {
    if ('all' in m) {
      for (const [k, v] of Object.entries(from)) if (!RESERVED_VARIABLE_NAMES.has(k)) out[k] = v;
    } else if (Object.hasOwn(from, m.source) && !RESERVED_VARIABLE_NAMES.has(m.target)) {
      out[m.target] = from[m.source];
    }
  }
  return out;
}

/** Puts the definition's serialized context back into a stored state (see `stripSource`). */
function withSource(state: string, def: any): string {
  const parsed = JSON.parse(state);
  const d = parsed.definitions?.[0];
  if (!d || d.source || !def.sourceContext) return state;
  d.source = def.sourceContext;
  return JSON.stringify(parsed);
}

/** How a completion is told apart from its resends (see `completedBefore`). */
export interface CompleteOptions {
  /** The request's id (api/http/idempotency.ts, from the Idempotency-Key): recorded with the command; the same id finding the task completed is answered as done. */
  requestId?: string;
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
