/**
 * A service or send task's job finished (engine/service-jobs): whether the task still waits, and
 * the command that completes it with the handler's output, through the command pipeline.
 */
import { ConflictError } from '../../domain/errors';
import type { WaitingJob } from '../../runtime/run-engine';
import { checkVariables } from '../variables';
import { runCommand } from './command';
import { latestRevision } from './instance-head';
import { SYSTEM_ACTOR, type ProcessContext } from './context';

/**
 * Whether the instance still waits on the job of service/send task execution `executionId`,
 * read from the latest revision (the head may lag). Returns what a job handler needs, or null
 * when the task no longer waits (completed by an earlier run, interrupted, the case ended).
 */
export async function jobWaiting(ctx: ProcessContext, instanceId: string, executionId: string): Promise<{ variables: Record<string, unknown> } | null> {
  const latest: any = await latestRevision(ctx, instanceId);
  if (!latest || latest.status !== 'running') return null;
  const jobs = JSON.parse(latest.jobs ?? '[]') as WaitingJob[];
  if (!jobs.some((j) => j.executionId === executionId)) return null;
  return { variables: JSON.parse(latest.variables) as Record<string, unknown> };
}

/** Whether a job's command completed service/send task execution `executionId` (one read within the instance's revisions). */
export async function jobCompleted(ctx: ProcessContext, instanceId: string, executionId: string): Promise<boolean> {
  return !!(await ctx.deps.models.Revision.exists({ instanceId, 'command.type': 'service-task', 'command.executionId': executionId }));
}

/**
 * The "job completed" command: completes the service/send task waiting on its job with the
 * handler's output `variables` (copied into the process variables) and lets the instance run on.
 * The same conditional revision write as a user task's completion, so of two runs of one job
 * (a double delivery, a run after a kill) only one moves the instance.
 * @throws ConflictError SERVICE_TASK_NOT_WAITING when the task no longer waits (done already),
 *   CASE_ENDED when the case has ended; ValidationError for bad variables
 */
export async function completeServiceTask(ctx: ProcessContext, instanceId: string, elementId: string, executionId: string, variables: Record<string, unknown>): Promise<void> {
  checkVariables(variables);
  await runCommand(ctx, instanceId, { type: 'service-task', elementId, executionId }, SYSTEM_ACTOR, (prev) => {
    if (!prev.jobs.some((j) => j.executionId === executionId)) {
      throw new ConflictError('SERVICE_TASK_NOT_WAITING', `service task ${elementId} (${executionId}) of case ${instanceId} no longer waits for its job`);
    }
    return (engine) => {
      engine.completeJob(executionId, variables);
    };
  });
}
