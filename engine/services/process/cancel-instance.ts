/**
 * Cancel a process instance (终止): a revision with status `cancelled`, written directly (the
 * engine state kept as it was), whose projection cancels the open steps; its called instances,
 * and on a case's root the instances messages started for the case, are cancelled with it
 * (call-links.ts, after the lock).
 */
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import { crashPoint } from '../../domain/fault';
import { isDuplicateKey } from '../../persistence/models';
import { ENGINE_VERSION } from '../../runtime/engine-factory';
import { latestRevision } from './instance-head';
import { project } from './projector';
import type { ProcessContext } from './context';

/**
 * Cancels (终止) a running process instance, as an operator resolving an incident by ending the
 * case (what Camunda offers for a failed external task): a revision with status `cancelled`
 * keeps the engine state as it was and waits on nothing; its projection cancels the open steps.
 * @throws NotFoundError when there is no such instance; ConflictError CASE_ENDED when it has ended
 */
export async function cancelInstance(ctx: ProcessContext, instanceId: string, actor: Actor, reason: string, depth = 0): Promise<void> {
  const { Revision } = ctx.deps.models;
  let follow = false;
  await ctx.mutex.run(instanceId, async () => {
    const latest: any = await latestRevision(ctx, instanceId);
    if (!latest) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
    if (latest.status !== 'running') throw new ConflictError('CASE_ENDED', `case ${instanceId} has already ended (${latest.status})`);
    const now = ctx.deps.clock.now();
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
    // its called instances are cancelled with it; a called instance cancelled on its own fails its caller's call;
    // a case's root takes the instances messages started for its case with it (call-links.ts `cancelMessageStarted`)
    follow =
      JSON.parse(latest.calls ?? '[]').length > 0 ||
      (await ctx.deps.models.CallLink.exists({ _id: instanceId })) !== null ||
      (((await ctx.deps.models.Instance.findById(instanceId, { messageStartedInstances: 1 }).lean()) as any)?.messageStartedInstances?.length ?? 0) > 0;
    await project(ctx, instanceId);
  });
  crashPoint('engine.cancel.before-follow');
  if (follow) await ctx.followAfterCommit(instanceId, depth);
}
