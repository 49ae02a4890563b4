/**
 * Withdraw a step (撤回): a revision that restores the engine state from before the completion,
 * written directly (no engine run), then the full projection reopens the task.
 */
import { ConflictError, ForbiddenError, NotFoundError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import { isDuplicateKey } from '../../persistence/models';
import { ENGINE_VERSION } from '../../runtime/engine-factory';
import type { PendingTimer } from '../../runtime/run-engine';
import { latestRevision } from './instance-head';
import { project } from './projector';
import { caseView } from './queries';
import type { ProcessContext } from './context';

/**
 * 撤回: takes back a step `actor` just completed, before anyone has touched the next one.
 * Inserts a revision that restores the engine state from before the completion (the revision
 * series makes this exact), reopens the task and cancels the steps it had opened.
 * @throws ConflictError when the case has moved on since, or the next step was claimed
 */
export async function withdrawTask(ctx: ProcessContext, taskId: string, actor: Actor, reason: string) {
  const { Task, Revision } = ctx.deps.models;
  const task = await Task.findById(taskId).lean();
  if (!task) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
  if (task.status !== 'completed') throw new ConflictError('TASK_NOT_COMPLETED', `task ${taskId} is ${task.status}; only a completed step can be withdrawn`);
  if (task.completedBy !== actor.username && !actor.roles.includes('admin')) throw new ForbiddenError('NOT_YOUR_STEP', 'only the person who completed the step can withdraw it');
  const instanceId = task.instanceId;
  let follow = false;
  await ctx.mutex.run(instanceId, async () => {
    const latest = await latestRevision(ctx, instanceId);
    if (!latest || (latest.command as any)?.type !== 'complete-task' || (latest.command as any)?.taskId !== taskId) {
      throw new ConflictError('WITHDRAW_TOO_LATE', 'the case has moved on since this step was completed; it can no longer be withdrawn (ask the next step to return it instead)');
    }
    const opened = await Task.find({ instanceId, revision: latest.revision, status: 'open' }).lean();
    const touched = opened.find((t) => t.claimedAt || (t.actions ?? []).some((a: any) => a.type !== 'routed'));
    if (touched) throw new ConflictError('NEXT_STEP_TAKEN', `the next step "${touched.name}" has already been taken up; it can no longer be withdrawn`);
    const before = await Revision.findById(`${instanceId}:${latest.revision - 1}`).lean();
    if (!before) throw new ConflictError('WITHDRAW_TOO_LATE', 'there is no earlier state to return to');
    const now = ctx.deps.clock.now();
    const revision = latest.revision + 1;
    const timers = JSON.parse((before as any).timers ?? '[]') as PendingTimer[];
    if (timers.length) {
      await ctx.deps.timers.schedule(timers.map((t) => ({ instanceId, elementId: t.elementId, expireAt: new Date(t.expireAt), keySuffix: `r${revision}` })));
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
    await project(ctx, instanceId);
  });
  if (follow) await ctx.followAfterCommit(instanceId);
  return caseView(ctx, instanceId);
}
