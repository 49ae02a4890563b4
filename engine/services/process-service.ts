/**
 * The engine's process use cases behind one door, `ProcessService` — a thin facade: each method
 * hands its `ProcessContext` to the function in `./process/` that does the work. Where things live:
 *
 * | what | file in `engine/services/process/` |
 * |---|---|
 * | deploy, list, archive/restore, read definitions; checks of called processes and decisions | `definitions.ts` |
 * | the command pipeline: load head → run engine → insert revision n+1 → project, retry on a lost race | `command.ts` |
 * | the one projector: revision → escalations, tasks, call link, listeners, head (`persist`, `project`) | `projector.ts` |
 * | start a case · complete a task · withdraw a step · timers fired · a job's task done · cancel · a message | `start-case.ts` · `complete-task.ts` · `withdraw-task.ts` · `fire-timers.ts` · `complete-service-task.ts` · `cancel-instance.ts` · `deliver-message.ts` |
 * | call activities after a command (start child, cancel child, return to caller) | `call-links.ts` (pure part: `call-mapping.ts`) |
 * | the repair sweep | `repair.ts` |
 * | case and task reads, view mappers | `queries.ts` |
 * | the head reads a command starts from | `instance-head.ts` |
 * | the ports, lock, caches and shared shapes | `context.ts` |
 *
 * Every state change is a command over persisted state (DESIGN.md §3): load the latest revision →
 * recover → apply → settle → insert revision n+1. The insert on a unique `_id` is the concurrency
 * claim on FerretDB and MongoDB alike: a duplicate key means another process moved the instance
 * first, so the command reloads and retries, or answers a conflict when it no longer applies.
 *
 * A command costs a few round trips, each served by an index (issue 11): one aggregate reads
 * the instance head with the revision it names (and the task, for a completion); the new timer
 * jobs; the insert of revision n+1; the tasks it opens and closes in one bulk write; the head.
 * The projection works from what is in hand. The head may lag the series after a crash: the
 * next insert then fails, `project` catches the head up from the database, and the command
 * runs again; the repair sweep does the same for instances nobody touches.
 */
import type { Actor, DefinitionSummary } from '../domain/types';
import { KeyedMutex } from './keyed-mutex';
import type { CompleteOptions, Head, MessagePort, ProcessContext, ProcessServiceDeps, ProjectionListener } from './process/context';
import { SYSTEM_ACTOR } from './process/context';
import * as definitions from './process/definitions';
import { startCase, startInstance, startInstanceHead, type CaseMember } from './process/start-case';
import { loadTaskWithHead } from './process/instance-head';
import { completeStep, completeTask } from './process/complete-task';
import { withdrawTask } from './process/withdraw-task';
import { fireTimers } from './process/fire-timers';
import { completeServiceTask, jobCompleted, jobWaiting } from './process/complete-service-task';
import { cancelInstance } from './process/cancel-instance';
import { deliverMessage, messageTakenBy, messageWaitsOf } from './process/deliver-message';
import { followAfterCommit, followLinks } from './process/call-links';
import { project } from './process/projector';
import { DefinitionContexts } from '../runtime/definition-cache';
import { projectPending } from './process/repair';
import { getCase, listTasks } from './process/queries';

export { checkVariables, MAX_VARIABLES_BYTES, MAX_VARIABLES_DEPTH, MAX_VARIABLES_NODES } from './variables';
export type { ClosedStep, CompleteOptions, Head, MessagePort, OpenStep, ProcessServiceDeps, ProjectedRevision, ProjectionListener } from './process/context';
export { checkChangeNote, MAX_CHANGE_NOTE } from './process/definitions';
export { canWorkOn } from './process/complete-task';
export { taskView } from './process/queries';
export { childInstanceId, mapVariables } from './process/call-mapping';

/**
 * What a `ProcessService` is built with besides its ports: the parts that act through it. Each is
 * handed the service in its constructor and given to the use cases from then on — there is no
 * setter, so nothing outside the composition root (engine/platform.ts) can rewire a built service.
 */
export interface ProcessServiceParts {
  /**
   * Builds the message correlation (engine/services/messages.ts). It delivers through this
   * service and this service tells it what a command threw and which waits appeared: a true
   * cycle at run time, tied once, here, at construction. Called in the constructor: it may keep
   * the service but must not call it before the constructor returns.
   */
  messages?: (process: ProcessService) => MessagePort;
}

export class ProcessService {
  private readonly ctx: ProcessContext;

  /**
   * `deps.router` routes intake cases' tasks; `deps.serviceJobs` schedules service/send task jobs
   * (the queue, engine/service-jobs/job-queue.ts); `parts.messages` builds the message correlation.
   */
  constructor(deps: ProcessServiceDeps, parts: ProcessServiceParts = {}) {
    const ctx: ProcessContext = {
      deps,
      mutex: new KeyedMutex(),
      definitionCache: new Map<string, any>(),
      contexts: new DefinitionContexts(),
      listeners: [],
      // handed this service while it is being built: the factory keeps it, and calls it only later
      messages: parts.messages?.(this),
      followAfterCommit: (instanceId, depth = 0) => followAfterCommit(ctx, instanceId, depth),
    };
    this.ctx = ctx;
  }

  /** Adds a listener the projection calls for each newly projected revision. */
  addListener(l: ProjectionListener): void {
    this.ctx.listeners.push(l);
  }

  // ---------------------------------------------------------------- definitions (process/definitions.ts)

  /** See {@link definitions.deploy}. */
  deploy(xml: string, actor: Actor, changeNote?: string): Promise<DefinitionSummary> {
    return definitions.deploy(this.ctx, xml, actor, changeNote);
  }

  /** See {@link definitions.listDefinitions}. */
  listDefinitions() {
    return definitions.listDefinitions(this.ctx);
  }

  /** See {@link definitions.setArchived}. */
  setArchived(key: string, archived: boolean, actor: Actor, note?: string) {
    return definitions.setArchived(this.ctx, key, archived, actor, note);
  }

  /** See {@link definitions.definitionEntry}. */
  definitionEntry(key: string) {
    return definitions.definitionEntry(this.ctx, key);
  }

  /** See {@link definitions.getDefinition}. */
  getDefinition(key: string, version?: number) {
    return definitions.getDefinition(this.ctx, key, version);
  }

  // ---------------------------------------------------------------- commands (one file each)

  /** process/start-case.ts */
  startCase(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string) {
    return startCase(this.ctx, key, variables, actor, businessKey, givenId);
  }

  /** process/start-case.ts */
  startInstance(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string, member?: CaseMember): Promise<string> {
    return startInstance(this.ctx, key, variables, actor, businessKey, givenId, member);
  }

  /**
   * process/start-case.ts — `startInstance` with what the start wrote: the instance's status and
   * head revision (the case layer needs no read of the head after it). On a repair (revision 1
   * written already) the head as the projection brought it up.
   */
  startInstanceHead(key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string): Promise<{ instanceId: string; status?: string; headRevision?: number }> {
    return startInstanceHead(this.ctx, key, variables, actor, businessKey, givenId);
  }

  /**
   * process/instance-head.ts: a task with its instance head and the revision it names, in one
   * round trip — what a caller that checks the task before completing it reads, and hands to
   * `completeTask`/`completeStep` as `opts.loaded` (the completion then reads neither again).
   */
  taskWithHead(taskId: string): Promise<{ task: any; head: Head | null } | null> {
    return loadTaskWithHead(this.ctx, taskId);
  }

  /** process/complete-task.ts */
  completeTask(taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}) {
    return completeTask(this.ctx, taskId, variables, actor, output, opts);
  }

  /** process/complete-task.ts */
  completeStep(taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}): Promise<string> {
    return completeStep(this.ctx, taskId, variables, actor, output, opts);
  }

  /** process/withdraw-task.ts */
  withdrawTask(taskId: string, actor: Actor, reason: string) {
    return withdrawTask(this.ctx, taskId, actor, reason);
  }

  /** process/fire-timers.ts */
  fireTimers(instanceId: string, job: { elementId: string; expireAt: string }): Promise<boolean> {
    return fireTimers(this.ctx, instanceId, job);
  }

  /** process/complete-service-task.ts */
  jobWaiting(instanceId: string, executionId: string): Promise<{ variables: Record<string, unknown> } | null> {
    return jobWaiting(this.ctx, instanceId, executionId);
  }

  /** process/complete-service-task.ts */
  jobCompleted(instanceId: string, executionId: string): Promise<boolean> {
    return jobCompleted(this.ctx, instanceId, executionId);
  }

  /** process/complete-service-task.ts */
  completeServiceTask(instanceId: string, elementId: string, executionId: string, variables: Record<string, unknown>): Promise<void> {
    return completeServiceTask(this.ctx, instanceId, elementId, executionId, variables);
  }

  /** process/cancel-instance.ts */
  cancelInstance(instanceId: string, actor: Actor, reason: string, depth = 0): Promise<void> {
    return cancelInstance(this.ctx, instanceId, actor, reason, depth);
  }

  /** process/deliver-message.ts */
  messageWaitsOf(instanceId: string) {
    return messageWaitsOf(this.ctx, instanceId);
  }

  /** process/deliver-message.ts */
  messageTakenBy(instanceId: string, messageId: string) {
    return messageTakenBy(this.ctx, instanceId, messageId);
  }

  /** process/deliver-message.ts */
  deliverMessage(instanceId: string, message: { id: string; name: string; variables: Record<string, unknown> }, actor: Actor = SYSTEM_ACTOR): Promise<{ revision: number; elementId: string }> {
    return deliverMessage(this.ctx, instanceId, message, actor);
  }

  // ---------------------------------------------------------------- call activities, projection, repair

  /** process/call-links.ts */
  followLinks(instanceId: string, depth = 0): Promise<void> {
    return followLinks(this.ctx, instanceId, depth);
  }

  /** process/projector.ts: brings the read models up to the latest revision from the database (idempotent). */
  project(instanceId: string): Promise<void> {
    return project(this.ctx, instanceId);
  }

  /** process/repair.ts */
  projectPending(olderThanMs = 2000): Promise<number> {
    return projectPending(this.ctx, olderThanMs);
  }

  // ---------------------------------------------------------------- reads (process/queries.ts)

  /** process/queries.ts */
  getCase(instanceId: string, actor: Actor) {
    return getCase(this.ctx, instanceId, actor);
  }

  /** process/queries.ts */
  listTasks(actor: Actor, filter: 'mine' | 'groups' | 'all' = 'all', instanceId?: string) {
    return listTasks(this.ctx, actor, filter, instanceId);
  }
}
