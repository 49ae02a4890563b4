/**
 * The command pipeline every use case that moves an instance goes through: load the head (and
 * the revision it names) → recover the engine from it and apply the command → settle → persist
 * revision n+1 with a conditional insert (the claim) → project it (projector.ts). A lost race
 * reloads and retries; a conflict on a head that lags the series catches the head up first.
 * After the instance's lock is released: the call activities to follow (call-links.ts) and the
 * messages to release and deliver (engine/services/messages.ts).
 */
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import { runEngine, type MessageWait, type PendingTimer, type RunResult, type ThrownMessage, type WaitingCall, type WaitingJob, type WaitingTask } from '../../runtime/run-engine';
import { loadDecisions, loadDefinitionById } from './definitions';
import { loadHead } from './instance-head';
import { persist, project } from './projector';
import { engineInputs } from './engine-inputs';
import type { Committed, Head, ProcessContext } from './context';

/** How many times a command reloads and retries after losing a revision race. */
const MAX_COMMAND_ATTEMPTS = 5;

/**
 * Whether revision `revision + 1` exists — the head the command ran on lags the series (a
 * projection still running in another process, or cut short). Then the head is brought up
 * (`project`) and the caller runs the command again. One read by `_id`; only on the paths
 * that decide without writing (a conflict, nothing due), where no insert claim would tell.
 */
async function behind(ctx: ProcessContext, instanceId: string, revision: number): Promise<boolean> {
  if (!(await ctx.deps.models.Revision.exists({ _id: `${instanceId}:${revision + 1}` }))) return false;
  await project(ctx, instanceId);
  return true;
}

/**
 * Runs one command with reload-and-retry on a lost revision race. `preloaded` is the head
 * the caller read already (the first attempt uses it instead of reading again).
 * @returns the instance head as written, or null when nothing was written
 */
export async function runCommand(
  ctx: ProcessContext,
  instanceId: string,
  command: Record<string, unknown>,
  actor: Actor,
  prepare: (prev: { openTasks: WaitingTask[]; timers: PendingTimer[]; jobs: WaitingJob[]; calls: WaitingCall[]; messageWaits: MessageWait[] }) => ((ctx: any) => void) | undefined,
  shouldWrite: (run: RunResult) => boolean = () => true,
  preloaded?: Head | null,
  depth = 0,
): Promise<any | null> {
  // a head read while another command of this process was moving the instance may be stale: read it again inside
  let head = preloaded && !ctx.mutex.busy(instanceId) ? preloaded : null;
  // call activities to follow once the instance's lock is released (a child's start or a caller's completion takes the other's lock)
  let follow = false;
  // message catches this command reached: a pending message may wait for them (after the lock)
  let newMessageWaits: MessageWait[] = [];
  let thrownMessages: ThrownMessage[] = [];
  let committed: Committed | undefined;
  const written = await ctx.mutex.run(instanceId, async () => {
    for (let attempt = 1; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
      head ??= await loadHead(ctx, instanceId);
      if (!head?.rev) {
        // no head yet (a start cut short before its projection) or a head without its revision: catch up
        await project(ctx, instanceId);
        head = await loadHead(ctx, instanceId);
        if (!head?.rev) throw new NotFoundError('CASE_NOT_FOUND', `case ${instanceId} does not exist`);
      }
      const { inst, rev: latest, stepClocks } = head;
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
        if (err instanceof ConflictError && (await behind(ctx, instanceId, latest.revision))) continue;
        throw err;
      }
      let def = await loadDefinitionById(ctx, inst.definitionId);
      if (!def.sourceContext) {
        // another process stored the shared context after this one cached the definition
        const fresh = await ctx.deps.models.Definition.findById(def._id).lean();
        if (fresh) {
          ctx.definitionCache.set(def._id, fresh);
          def = fresh;
        }
      }
      let run: RunResult;
      try {
        // the version's cached context: a state without it recovers on it (one with it inline, written before, on its own)
        const { context, timerClock } = await engineInputs(ctx, def, inst.orgUnit);
        run = await runEngine({ name: instanceId, state: latest.state, context, timerClock, previous, now: () => ctx.deps.clock.now(), apply, decisions: await loadDecisions(ctx, def) });
      } catch (err) {
        if (err instanceof ConflictError && (await behind(ctx, instanceId, latest.revision))) continue;
        throw err;
      }
      if (command.type === 'service-task') {
        run.events.push({ type: 'job.completed', elementId: String(command.elementId), executionId: String(command.executionId), at: ctx.deps.clock.now().toISOString(), actor: actor.username });
      }
      if (command.type === 'complete-task') {
        run.events.push({ type: 'task.completed', elementId: String(command.elementId), executionId: String(command.executionId), at: ctx.deps.clock.now().toISOString(), actor: actor.username });
      }
      if (!shouldWrite(run)) {
        // nothing to write (no timer due) — unless the head lags: a newer revision may wait on it
        if (await behind(ctx, instanceId, latest.revision)) continue;
        return null;
      }
      const persisted = await persist(ctx, instanceId, latest.revision + 1, def, run, command, actor, { inst, rev: latest, ...(stepClocks ? { stepClocks } : {}) });
      if (persisted) {
        // (a case's root that ends takes the instances messages started for its case with it)
        follow = run.calls.length > 0 || previous.calls.length > 0 || ((!!inst.parentInstanceId || !!inst.messageStartedInstances?.length) && run.status !== 'running');
        newMessageWaits = run.newMessageWaits;
        thrownMessages = run.thrownMessages;
        committed = persisted;
        return persisted.head;
      }
      ctx.deps.logger.info({ instanceId, revision: latest.revision + 1, attempt }, 'revision race lost; reloading');
      // the winner may have died before projecting: bring the head up to the series first
      await project(ctx, instanceId);
    }
    throw new ConflictError('CASE_CONTENDED', `case ${instanceId} is being changed by others; try again`);
  });
  if (follow) await ctx.followAfterCommit(instanceId, depth, committed);
  if (newMessageWaits.length || thrownMessages.length) await messagesAfterCommit(ctx, instanceId, newMessageWaits, thrownMessages);
  return written;
}

/**
 * After a revision committed: the messages it threw are released and sent; a pending message
 * may wait for the catches it reached: delivered now (the sweep retries on failure).
 */
export async function messagesAfterCommit(ctx: ProcessContext, instanceId: string, waits: MessageWait[], thrown: ThrownMessage[] = []): Promise<void> {
  if (!ctx.messages) return;
  try {
    if (thrown.length) await ctx.messages.releaseThrown(instanceId, thrown);
    await ctx.messages.waitsAppeared(instanceId, waits.filter((w) => w.kind === 'catch'));
  } catch (err) {
    ctx.deps.logger.warn({ instanceId, err: (err as Error).message }, 'delivering pending messages failed; the repair sweep goes on');
  }
}
