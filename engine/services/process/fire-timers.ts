/**
 * A timer fired (Agenda job `bpmn.timer.fire`): resumes the instance so every timer that is due
 * fires, through the command pipeline; writes nothing when none is due any more.
 */
import { ConflictError } from '../../domain/errors';
import { runCommand } from './command';
import { loadHead } from './instance-head';
import type { ProcessContext } from './context';

/**
 * The "timer fired" command: resumes the instance so every timer that is due fires.
 * Does nothing (writes nothing) when no timer is due any more — a job that runs twice, or
 * after its task was completed, or after the case ended, changes nothing twice.
 * Round trips: the instance head with its latest revision and its step clocks (one aggregate),
 * revision n+1, the escalations it raises (an insert), the tasks it opens or closes, the head.
 * @returns true when the instance moved
 */
export async function fireTimers(ctx: ProcessContext, instanceId: string, job: { elementId: string; expireAt: string }): Promise<boolean> {
  // with the step clocks an escalation it raises joins (no read of them after the revision)
  const head = await loadHead(ctx, instanceId, { stepClocks: true });
  if (!head || head.inst.status !== 'running') return false;
  let moved = false;
  try {
    await runCommand(ctx, instanceId, { type: 'timer', elementId: job.elementId, expireAt: job.expireAt }, { username: 'system', groups: [], roles: ['system'] }, () => undefined, (run) => {
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
