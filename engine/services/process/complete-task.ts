/**
 * Complete a user task (办理): the task's actor signals its execution with the form's variables
 * through the command pipeline; a resend of a completion that committed is answered as done.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import { actorReachesTask } from '../../org/scope';
import { checkVariables } from '../variables';
import { runCommand } from './command';
import { loadTaskWithHead } from './instance-head';
import { caseView } from './queries';
import type { CompleteOptions, ProcessContext } from './context';

/** Whether `actor` may work on `task`: an admin, its assignee, or (unassigned) one of its candidates; a task offered to nobody is anyone's. */
export function canWorkOn(actor: Actor, task: { candidateGroups: string[]; candidateUsers: string[]; assignee?: string | null }): boolean {
  if (actor.roles.includes('admin')) return true;
  if (task.assignee) return task.assignee === actor.username;
  if (task.candidateUsers.includes(actor.username)) return true;
  if (task.candidateGroups.some((g) => actor.groups.includes(g))) return true;
  return task.candidateGroups.length === 0 && task.candidateUsers.length === 0;
}

/**
 * Completes an open user task with `variables`, as `actor`, and returns the case view. A resend
 * of a completion that committed (same actor, and the same `opts.requestId`, or without one the
 * same variables) is answered with the case view marked `replayed: true`, nothing written.
 * @throws NotFoundError (no such task), ForbiddenError (not the actor's), ConflictError TASK_ALREADY_COMPLETED
 * (done by someone else, or by the actor under another request id or with other input; details say who and when)
 */
export async function completeTask(ctx: ProcessContext, taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}) {
  const { instanceId, head, replayed } = await complete(ctx, taskId, variables, actor, output, opts);
  const view = await caseView(ctx, instanceId, head);
  return replayed ? { ...view, replayed: true as const } : view;
}

/**
 * Completes a task like `completeTask` and returns the instance id: the command without the
 * view. Round trips: the task with its instance head and latest revision (one aggregate; none
 * when `opts.loaded` hands it over), the timer jobs of the steps it opens, revision n+1, the
 * tasks (one bulk write), the head.
 */
export async function completeStep(ctx: ProcessContext, taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}): Promise<string> {
  return (await complete(ctx, taskId, variables, actor, output, opts)).instanceId;
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
async function completedBefore(ctx: ProcessContext, task: any, actor: Actor, requestId: string | undefined, inputHash: string, cause: ConflictError): Promise<true> {
  const revs = await ctx.deps.models.Revision.find({ instanceId: task.instanceId, 'command.type': 'complete-task', 'command.taskId': String(task._id) }, { command: 1, actor: 1, revision: 1, createdAt: 1 }).lean();
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

async function complete(ctx: ProcessContext, taskId: string, variables: Record<string, unknown>, actor: Actor, output?: Record<string, unknown>, opts: CompleteOptions = {}): Promise<{ instanceId: string; head?: any; replayed?: boolean }> {
  checkVariables(variables);
  // the task its caller loaded for its own checks (the same record), else read here with its head
  const found = opts.loaded && String(opts.loaded.task?._id) === taskId ? opts.loaded : await loadTaskWithHead(ctx, taskId);
  const task = found?.task;
  if (!task) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
  // another org unit's task is answered as one that does not exist (DESIGN.md §6), whoever calls
  if (!(await actorReachesTask(ctx.deps.models, actor, task, found.head?.inst))) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
  if (task.kind && task.kind !== 'engine') throw new ValidationError('NOT_AN_ENGINE_TASK', `task ${taskId} is a ${task.kind} request; answer it through its own action`);
  if (!canWorkOn(actor, task as any)) throw new ForbiddenError('TASK_NOT_YOURS', `task ${taskId} is not assigned to you or your groups`);
  const instanceId = task.instanceId as string;
  const recorded = output ?? pickOutput(variables);
  // what a resend is recognised by (completedBefore): the request id and the input's hash
  const inputHash = createHash('sha256').update(canonicalize(variables) ?? '').digest('hex');
  const command = { type: 'complete-task', taskId, elementId: task.elementId, executionId: task.executionId, output: recorded, inputHash, ...(opts.requestId ? { requestId: opts.requestId } : {}) };
  let head: any;
  try {
    head = await runCommand(
      ctx,
      instanceId,
      command,
      actor,
      (prev) => {
        if (!prev.openTasks.some((t) => t.executionId === task.executionId)) {
          throw new ConflictError('TASK_ALREADY_COMPLETED', `task ${taskId} is no longer open (already completed or cancelled)`);
        }
        return (engine) => {
          if (!engine.isWaiting(task.executionId)) throw new ConflictError('TASK_ALREADY_COMPLETED', `task ${taskId} is no longer open`);
          engine.signalTask(task.executionId, variables);
        };
      },
      undefined,
      found.head,
    );
  } catch (err) {
    // a resend of a completion that did commit (its answer lost, or a 503 after the revision) is answered as done
    if (!(err instanceof ConflictError) || (err.code !== 'TASK_ALREADY_COMPLETED' && err.code !== 'CASE_ENDED')) throw err;
    await completedBefore(ctx, task, actor, opts.requestId, inputHash, err);
    return { instanceId, replayed: true };
  }
  return { instanceId, head: head ?? undefined };
}

/** What a completion records on the task: the decision and opinion (never the whole form). */
function pickOutput(variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['decision', 'opinion']) if (variables[k] !== undefined) out[k] = variables[k];
  return out;
}
