/**
 * Call activities (调用活动) after a command: the caller starts the child of each call it waits
 * on, cancels the child of a call it no longer waits on; a called instance that ended returns to
 * its caller. Every step is a conditional write, so the repair sweep may run it again.
 */
import { ConflictError, NotFoundError } from '../../domain/errors';
import { crashPoint } from '../../domain/fault';
import type { EndError, WaitingCall } from '../../runtime/run-engine';
import { runCommand } from './command';
import { cancelInstance } from './cancel-instance';
import { callActivities, loadDefinitionById } from './definitions';
import { latestRevision } from './instance-head';
import { mapVariables } from './call-mapping';
import { start } from './start-case';
import { SYSTEM_ACTOR, type ProcessContext } from './context';

/** The variables intake gives a case (case-service `accept`) that every instance a call activity starts for it gets too. */
const CASE_CONTEXT_VARIABLES = new Set(['caseNo', 'itemCode', 'orgUnit', 'receivingWindow', 'responsible', 'department', 'category', 'statutoryLimitDays', 'promisedLimitDays']);

/** Deepest chain of call activities followed in one request (a process that calls itself without waiting stops here). */
const MAX_CALL_DEPTH = 10;
/** A `starting` call link whose caller wrote no revision since is given up after this long (the command died before its revision). */
const CALL_START_GIVE_UP_MS = 10 * 60_000;

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
export async function followLinks(ctx: ProcessContext, instanceId: string, depth = 0): Promise<void> {
  if (depth > MAX_CALL_DEPTH) {
    ctx.deps.logger.warn({ instanceId, depth }, 'call activities nested too deep in one request; the repair sweep goes on');
    return;
  }
  const { CallLink } = ctx.deps.models;
  const latest: any = await latestRevision(ctx, instanceId);
  if (!latest) return;
  const running = latest.status === 'running';
  const waiting = new Set(running ? (JSON.parse(latest.calls ?? '[]') as WaitingCall[]).map((c) => c.executionId) : []);
  const links = await CallLink.find({ parentInstanceId: instanceId, status: { $in: ['starting', 'running'] } }).lean();
  for (const link of links) {
    if (waiting.has(link.parentExecutionId as string)) {
      if (link.status === 'starting') await startChild(ctx, link, latest, depth);
      continue;
    }
    if (link.status === 'starting') {
      // the call does not wait: its revision was overtaken (a lost race, a kill before it) or the call ended first
      const decided = new Date(latest.createdAt).getTime() >= new Date(link.createdAt).getTime() || !running;
      if (decided || ctx.deps.clock.now().getTime() - new Date(link.createdAt).getTime() > CALL_START_GIVE_UP_MS) {
        await CallLink.updateOne({ _id: link._id, status: 'starting' }, { $set: { status: 'gone', updatedAt: ctx.deps.clock.now() } });
      }
      continue;
    }
    // a child the caller no longer waits for: cancelled with it
    try {
      await cancelInstance(ctx, String(link._id), SYSTEM_ACTOR, running ? `调用活动"${link.parentElementName ?? link.parentElementId}"已中断，被调用流程随之终止` : '上级流程已结束，被调用流程随之终止', depth + 1);
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === 'CASE_ENDED') && !(err instanceof NotFoundError)) throw err;
    }
    await CallLink.updateOne({ _id: link._id, status: 'running' }, { $set: { status: 'cancelled', updatedAt: ctx.deps.clock.now() } });
  }
  if (!running) {
    const own: any = await CallLink.findById(instanceId).lean();
    if (own && ['starting', 'running', 'ended'].includes(own.status)) {
      crashPoint('engine.call.before-return');
      await returnToCaller(ctx, own, latest, depth);
    } else if (!own) {
      // a case's root instance that ended: the instances messages started for its case end with it
      await cancelMessageStarted(ctx, instanceId, latest.status, depth);
    }
  }
}

/**
 * The instances message start events started for a case in progress (消息开始事件, listed on the
 * case's root as `messageStartedInstances`) belong to the case as its called processes do: when
 * the root ends — cancelled (终止), failed, or completed (办结) — those still running are cancelled
 * with it (their open steps and step clocks with them), as a caller's called instances are.
 * One read of the root's list and one of the members' heads (`_id $in`), none when it has none.
 */
async function cancelMessageStarted(ctx: ProcessContext, rootId: string, rootStatus: string, depth: number): Promise<void> {
  const { Instance } = ctx.deps.models;
  const root: any = await Instance.findById(rootId, { messageStartedInstances: 1 }).lean();
  const members = ((root?.messageStartedInstances ?? []) as any[]).map((m) => String(m.instanceId));
  if (!members.length) return;
  const live = await Instance.find({ _id: { $in: members }, status: { $in: ['running', 'starting'] } }, { _id: 1 }).lean();
  const reason = rootStatus === 'cancelled' ? '办件已终止，消息启动的流程随之终止' : rootStatus === 'completed' ? '办件已办结，消息启动的流程随之终止' : '办件流程已结束，消息启动的流程随之终止';
  for (const m of live) {
    try {
      await cancelInstance(ctx, String(m._id), SYSTEM_ACTOR, reason, depth + 1);
      ctx.deps.logger.info({ instanceId: String(m._id), rootInstanceId: rootId }, 'an instance a message started for the case was cancelled with its case');
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === 'CASE_ENDED') && !(err instanceof NotFoundError)) throw err;
    }
  }
}

/**
 * `followLinks` after a command committed: its failure (the database gone, a called process
 * archived away) must not fail the command that is written — the link stays `starting` or
 * `ended` and the repair sweep follows it again.
 */
export async function followAfterCommit(ctx: ProcessContext, instanceId: string, depth = 0): Promise<void> {
  try {
    await followLinks(ctx, instanceId, depth);
  } catch (err) {
    ctx.deps.logger.warn({ instanceId, err: (err as Error).message }, 'following call activities failed; the repair sweep goes on');
  }
}

/** Starts the child instance of a `starting` link (idempotent: its id is fixed), with the in-mapped variables. */
async function startChild(ctx: ProcessContext, link: any, callerLatest: any, depth: number): Promise<void> {
  const { Instance, CallLink } = ctx.deps.models;
  const caller: any = await Instance.findById(link.parentInstanceId, { definitionId: 1, businessKey: 1, orgUnit: 1 }).lean();
  const callerDef = caller ? await loadDefinitionById(ctx, caller.definitionId) : undefined;
  const meta = callerDef ? callActivities(callerDef).find((m) => m.elementId === link.parentElementId) : undefined;
  const callerVars = JSON.parse(callerLatest.variables) as Record<string, unknown>;
  // an iteration of a multi-instance call (联办件: one department's review) sees its element as a variable
  // of the caller's (Camunda's local element variable), for camunda:in to pass on; it is passed as is too
  const loop = (JSON.parse(callerLatest.calls ?? '[]') as WaitingCall[]).find((c) => c.executionId === link.parentExecutionId)?.loop;
  const source = loop?.elementVariable ? { ...callerVars, [loop.elementVariable]: loop.item, loopCounter: loop.index } : callerVars;
  const variables = mapVariables(source, meta?.inputs ?? []);
  if (loop?.elementVariable && !(loop.elementVariable in variables)) variables[loop.elementVariable] = loop.item;
  // the child's steps belong to the same case (办件): its number, org unit, window and department (the
  // router's inputs) and its limit overrides go with it, whatever the mapping
  for (const [k, v] of Object.entries(callerVars)) if ((CASE_CONTEXT_VARIABLES.has(k) || /^[a-z][A-Za-z0-9]{0,60}Limit$/.test(k)) && !(k in variables)) variables[k] = v;
  const def = await loadDefinitionById(ctx, link.definitionId);
  const childId = String(link._id);
  await start(ctx, def.key, variables, SYSTEM_ACTOR, caller?.businessKey ?? undefined, childId, {
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
  await CallLink.updateOne({ _id: childId, status: 'starting' }, { $set: { status: 'running', updatedAt: ctx.deps.clock.now() } });
  ctx.deps.logger.info({ instanceId: link.parentInstanceId, activityId: link.parentElementId, childId, calledElement: link.calledElement }, 'call activity started its called process');
  // a start that found revision 1 written (a repair) did not follow the child: do it now
  await followLinks(ctx, childId, depth + 1);
}

/**
 * A called instance has ended: completes its caller's call activity with the out-mapped
 * variables, or — for an error end event, a failure or a cancellation — throws a BPMN error
 * into it (caught by its error boundary event when the codes match, else the caller fails).
 * Once: the caller's conditional revision write lets one return through; a second finds the
 * call no longer waiting (CALL_NOT_WAITING) or the caller ended.
 */
async function returnToCaller(ctx: ProcessContext, link: any, childLatest: any, depth: number): Promise<void> {
  const { Instance, CallLink } = ctx.deps.models;
  const caller: any = await Instance.findById(link.parentInstanceId, { definitionId: 1 }).lean();
  const callerDef = caller ? await loadDefinitionById(ctx, caller.definitionId) : undefined;
  const meta = callerDef ? callActivities(callerDef).find((m) => m.elementId === link.parentElementId) : undefined;
  const endError: EndError | undefined = childLatest.endError ? JSON.parse(childLatest.endError) : undefined;
  const childVars = JSON.parse(childLatest.variables) as Record<string, unknown>;
  const ok = childLatest.status === 'completed' && !endError;
  const executionId = String(link.parentExecutionId);
  const command = { type: 'call-returned', elementId: link.parentElementId, executionId, childInstanceId: String(link._id), childStatus: childLatest.status, ...(endError?.code ? { errorCode: endError.code } : {}) };
  try {
    await runCommand(
      ctx,
      link.parentInstanceId,
      command,
      SYSTEM_ACTOR,
      (prev) => {
        if (!prev.calls.some((c) => c.executionId === executionId)) {
          throw new ConflictError('CALL_NOT_WAITING', `call activity ${link.parentElementId} of case ${link.parentInstanceId} no longer waits for its called process`);
        }
        return (engine) => {
          if (ok) {
            const out = mapVariables(childVars, meta?.outputs ?? []);
            delete out.caseNo; // the case number is the caller's
            engine.returnCall(executionId, out);
          } else if (endError) {
            engine.failCall(executionId, { message: `called process ${link.calledElement} ended with error ${endError.code ?? ''}${endError.name ? ` (${endError.name})` : ''}`.trim(), code: endError.code });
          } else {
            engine.failCall(executionId, { message: `called process ${link.calledElement} ${childLatest.status === 'cancelled' ? 'was cancelled' : 'failed'}`, code: childLatest.status === 'cancelled' ? 'CALLED_PROCESS_CANCELLED' : 'CALLED_PROCESS_FAILED' });
          }
        };
      },
      undefined,
      undefined,
      depth + 1,
    );
  } catch (err) {
    if (!(err instanceof ConflictError && (err.code === 'CALL_NOT_WAITING' || err.code === 'CASE_ENDED'))) throw err;
    ctx.deps.logger.info({ instanceId: link.parentInstanceId, activityId: link.parentElementId, childId: link._id, code: err.code }, 'caller already moved on; call return done');
  }
  crashPoint('engine.call.after-return');
  await CallLink.updateOne({ _id: link._id, status: { $in: ['starting', 'running', 'ended'] } }, { $set: { status: 'returned', childStatus: childLatest.status, updatedAt: ctx.deps.clock.now() } });
}
