/**
 * Start a case (启动流程实例): runs the engine from the definition's start event and inserts
 * revision 1 — the claim of the instance id; the head is written by its projection. Also the
 * start of a called instance (call-links.ts `startChild`), with its parent.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import { runEngine } from '../../runtime/run-engine';
import { engineInputs } from './engine-inputs';
import { checkVariables } from '../variables';
import { loadDecisions, loadDefinitionById } from './definitions';
import { persist, project } from './projector';
import { messagesAfterCommit } from './command';
import { caseView } from './queries';
import type { CallParent, ProcessContext } from './context';

/**
 * Starts a case on the latest version of `key` with `variables` and returns its view.
 * @throws NotFoundError when the key has no version; ValidationError for bad variables
 */
export async function startCase(ctx: ProcessContext, key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string) {
  const { instanceId, head } = await start(ctx, key, variables, actor, businessKey, givenId);
  return caseView(ctx, instanceId, head);
}

/**
 * Starts a case like `startCase` and returns only its id: the command without the view (what
 * the case layer's acceptance needs). Round trips: the latest version's id, the timer jobs
 * the first steps need, revision 1, the tasks, the instance head.
 */
export async function startInstance(ctx: ProcessContext, key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string, member?: CaseMember): Promise<string> {
  return (await start(ctx, key, variables, actor, businessKey, givenId, undefined, member)).instanceId;
}

/**
 * An instance started for a case it is not the root of, other than by a call activity: a message
 * start event's (消息开始事件, engine/services/messages.ts) whose business key is the case number of a
 * case in progress. It carries the case's root instance (its projection then belongs to the case
 * — steps, clocks, audit — and its end does not end the case) and the message that started it.
 */
export interface CaseMember {
  rootInstanceId?: string;
  message?: { id: string; name: string };
}

/**
 * Starts a case like `startInstance` and returns, besides its id, the status and head revision
 * the start wrote (or, on a repair of a start cut short, the head its projection brought up) —
 * so the caller needs no read of the head to learn whether the instance already ended.
 */
export async function startInstanceHead(ctx: ProcessContext, key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string): Promise<{ instanceId: string; status?: string; headRevision?: number }> {
  const { instanceId, head } = await start(ctx, key, variables, actor, businessKey, givenId);
  return { instanceId, ...(head ? { status: head.status as string, headRevision: head.headRevision as number } : {}) };
}

/**
 * The start command: checks the variables, resolves the version (latest, or the called version for
 * a call activity's child), runs the engine and persists revision 1 (the claim of the instance id).
 * A start with a chosen id (`givenId`, a called instance's) whose revision 1 is written already is
 * a repair: it only brings the read models up to it (`repaired`: its call activities were not
 * followed). @throws ConflictError CASE_CONTENDED / DEFINITION_ARCHIVED
 */
export async function start(ctx: ProcessContext, key: string, variables: Record<string, unknown>, actor: Actor, businessKey?: string, givenId?: string, parent?: CallParent, member?: CaseMember): Promise<{ instanceId: string; head?: any; repaired?: true }> {
  checkVariables(variables);
  let definitionId = parent?.definitionId;
  if (!definitionId) {
    const latest = await ctx.deps.models.Definition.findOne({ key }, { _id: 1, archived: 1 }).sort({ version: -1 }).lean();
    if (!latest) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
    if (latest.archived) throw new ConflictError('DEFINITION_ARCHIVED', `definition ${key} is archived: no new case starts on it (running cases finish on their version); a designer can restore it`, { key });
    definitionId = latest._id as string;
  }
  const def = await loadDefinitionById(ctx, definitionId);
  const instanceId = givenId ?? randomUUID();
  const now = ctx.deps.clock.now();
  const { context, timerClock } = await engineInputs(ctx, def, parent ? parent.orgUnit : actor.orgUnit);
  const run = await runEngine({ name: instanceId, context, timerClock, variables, previous: null, now: () => ctx.deps.clock.now(), decisions: await loadDecisions(ctx, def) });
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
    ...(!parent && member?.rootInstanceId ? { rootInstanceId: member.rootInstanceId } : {}),
    ...(member?.message ? { message: member.message } : {}),
  };
  const committed = await ctx.mutex.run(instanceId, () => persist(ctx, instanceId, 1, def, run, command, actor, null));
  if (committed) {
    if (run.calls.length || (parent && run.status !== 'running')) await ctx.followAfterCommit(instanceId, parent?.depth ?? 0, committed);
    if (run.newMessageWaits.length || run.thrownMessages.length) await messagesAfterCommit(ctx, instanceId, run.newMessageWaits, run.thrownMessages);
    return { instanceId, head: committed.head };
  }
  // A start with a chosen id is idempotent: a second call (a repair after a kill) finds
  // revision 1 written and only brings the read models up to it.
  if (!givenId) throw new ConflictError('CASE_CONTENDED', `instance id ${instanceId} is taken`);
  const projected = await ctx.mutex.run(instanceId, () => project(ctx, instanceId));
  return { instanceId, ...(projected ? { head: projected } : {}), repaired: true };
}
