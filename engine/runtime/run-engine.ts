/**
 * One command's run of bpmn-engine: recover (or create) → resume → apply → settle → collect.
 * Pure with respect to persistence: it returns what happened; `command-runner.ts` stores it.
 */
import { EventEmitter } from 'node:events';
import { createEngine, type LoadedDecision, type WaitingJob } from './engine-factory';
import type { DefinitionContext } from './definition-cache';
import type { TimerClock } from './platform-timers';
import { BusinessRuleError } from '../domain/errors';

export type { WaitingJob } from './engine-factory';
import type { HistoryEvent } from '../domain/types';

/** A user task waiting in the engine. */
export interface WaitingTask {
  elementId: string;
  executionId: string;
  name?: string;
  createdAt: string;
  /**
   * One iteration of a multi-instance user task (会签: a step per signer): its loop index and, with a
   * `camunda:collection`, its element (the `camunda:elementVariable`'s value) — what the step's
   * assignee, candidate groups and due date resolve with (`${signer}`), as Camunda's local variables.
   */
  loop?: { index: number; elementVariable?: string; item?: unknown };
}

export interface EscalationRaised {
  executionId: string;
  elementId: string;
  /** Id of the `bpmn:escalation` element thrown. */
  escalationRef?: string;
  escalationCode?: string;
  escalationName?: string;
  /** For an escalation reached from a boundary event: the activity it is attached to. */
  attachedToId?: string;
  at: string;
}

export interface PendingTimer {
  elementId: string;
  executionId: string;
  expireAt: string;
  attachedToId?: string;
}

/**
 * A call activity (调用活动) waiting on its called process: bpmn-elements publishes
 * `activity.call` and waits (the called process is another deployed diagram, which the
 * definition cannot start itself); the host starts the child instance and later completes the
 * activity with the out-mapped variables (`returnCall`) or throws into it (`failCall`).
 */
export interface WaitingCall {
  elementId: string;
  executionId: string;
  calledElement: string;
  name?: string;
  /**
   * One iteration of a multi-instance call activity (联办件: one department's review per element of
   * the collection): its loop index and, with a collection, its element (the element variable's value).
   */
  loop?: { index: number; elementVariable?: string; item?: unknown };
}

/**
 * A message catch (消息) the instance waits on: an intermediate catch event, a boundary event, a
 * receive task or a message start event, with the `bpmn:Message` it expects. Groundwork for
 * correlating messages across instances (issue 15): the host finds the waiting instance by message
 * name (and business key) and delivers with `ApplyContext.deliverMessage`.
 */
export interface MessageWait {
  elementId: string;
  executionId: string;
  /** Id of the `bpmn:Message` element expected (what `deliverMessage` names). */
  messageId: string;
  /** Its `name` (what senders correlate by). */
  messageName?: string;
  /** `start` for a message start event (the instance waits there before anything else). */
  kind: 'start' | 'catch';
}

/**
 * A message thrown by an intermediate throw event, a message end event or a send task with a
 * `messageRef` (issue 15): the host sends it to the instances of the business key. It carries the process
 * variables its element names in `svc:messageVariables` (comma-separated), as they were when thrown.
 */
export interface ThrownMessage {
  elementId: string;
  executionId: string;
  messageId: string;
  messageName?: string;
  variables: Record<string, unknown>;
}

/** An error end event reached at the end of the process (an uncaught BPMN error for a caller). */
export interface EndError {
  elementId: string;
  code?: string;
  name?: string;
}

export interface RunResult {
  /**
   * The engine state after the command, as JSON. Run with a cached `context`, the definition's
   * serialized context (`definitions[].source`, the same for every instance of the version) is left
   * out: the state recovers on the cached context again (see definition-cache.ts).
   */
  state: string;
  /** The definition's serialized context when `state` leaves it out (it then recovers only on the cached `context`). */
  omittedSource?: string;
  status: 'running' | 'completed' | 'failed';
  error?: string;
  events: HistoryEvent[];
  openTasks: WaitingTask[];
  timers: PendingTimer[];
  newTimers: PendingTimer[];
  /** Service and send tasks waiting on their job after the command (作业). */
  jobs: WaitingJob[];
  /** Those of `jobs` that this command reached (a job must be scheduled for each). */
  newJobs: WaitingJob[];
  escalations: EscalationRaised[];
  /** Call activities waiting on their called process after the command. */
  calls: WaitingCall[];
  /** Those of `calls` this command reached (a child instance must be started for each). */
  newCalls: WaitingCall[];
  /** Message catches waiting after the command (see {@link MessageWait}). */
  messageWaits: MessageWait[];
  /** Those of `messageWaits` this command reached. */
  newMessageWaits: MessageWait[];
  /** Messages this command threw to other instances (see {@link ThrownMessage}). */
  thrownMessages: ThrownMessage[];
  /** The process ended through an error end event that nothing caught: its error, for the caller. */
  endError?: EndError;
  variables: Record<string, unknown>;
  /** Element ids that are active (waiting) after the command. */
  activeElements: string[];
  /** False when the command changed nothing (e.g. a timer job found nothing due). */
  changed: boolean;
}

export interface ApplyContext {
  execution: any;
  /** Signals (completes) a waiting user task; throws if it is not waiting. */
  signalTask(executionId: string, variables: Record<string, unknown>): void;
  isWaiting(executionId: string): boolean;
  /** Completes a service/send task waiting on its job; throws if it is not waiting. */
  completeJob(executionId: string, variables: Record<string, unknown>): void;
  /** Completes a call activity waiting on its called process with the out-mapped `variables`; throws if it is not waiting. */
  returnCall(executionId: string, variables: Record<string, unknown>): void;
  /**
   * Throws a BPMN error into a waiting call activity (its error boundary event catches it when
   * the codes match; otherwise the instance fails with the error); throws if it is not waiting.
   */
  failCall(executionId: string, error: { message: string; code?: string }): void;
  /**
   * Delivers message `messageId` (a `bpmn:Message` id) with `variables` to the catches waiting on it
   * (copied into the process variables when the catch ends); throws if nothing waits on it.
   */
  deliverMessage(messageId: string, variables: Record<string, unknown>): void;
}

/** The iterations of a multi-instance activity waiting (its execution's postponed messages but the activity's own). */
function iterationsOf(api: any): any[] {
  const all: any[] = api.owner?.execution?.getPostponed?.() ?? [];
  return all.filter((x) => x.executionId !== api.executionId);
}

const RECORDED = new Set(['activity.start', 'activity.wait', 'activity.end', 'activity.timer', 'activity.timeout', 'activity.escalate', 'activity.discard']);
const QUIET_TYPES = new Set(['bpmn:SequenceFlow']);

/**
 * Process variables live in each process's environment (not the engine's): task completions
 * write there. Merged over the engine-level variables the case started with.
 */
function processVariables(state: any): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...(state?.environment?.variables ?? {}) };
  for (const def of state?.definitions ?? []) {
    Object.assign(vars, def?.environment?.variables ?? {});
    for (const proc of def?.execution?.processes ?? []) Object.assign(vars, proc?.environment?.variables ?? {});
  }
  return vars;
}

/** Waits until the engine has nothing queued: due timers fired, no pending immediates. */
async function settle(engine: any, timers: { pending: number }): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setImmediate(r));
    if (timers.pending === 0 && engine.state !== 'running') return;
    if (timers.pending === 0 && i > 3) return;
  }
}

/**
 * The iteration of a multi-instance activity an event comes from (a call per department, a step per
 * signer): its loop index and, with a collection, its element (bpmn-elements puts the element
 * variable's value in the iteration's content). Undefined for any other event.
 */
function loopOf(api: any): { index: number; elementVariable?: string; item?: unknown } | undefined {
  const c = api?.content ?? {};
  if (!c.isMultiInstance || typeof c.index !== 'number') return undefined;
  const lc = api.owner?.behaviour?.loopCharacteristics?.behaviour;
  const elementVariable: string | undefined = lc?.collection ? String(lc.elementVariable || 'item') : undefined;
  return { index: c.index, ...(elementVariable ? { elementVariable, item: c[elementVariable] } : {}) };
}

/**
 * Runs the engine for one command. `previous` is the last revision's view (null for a start).
 * @throws whatever `apply` throws (e.g. ConflictError when the task is no longer waiting).
 */
export async function runEngine(opts: {
  name: string;
  /** Diagram XML, parsed for this command (when no `context` is given). */
  source?: string;
  /**
   * The definition version's cached context (definition-cache.ts): nothing is parsed or
   * deserialized, a state without `source` recovers on it, and the state returned leaves it out.
   */
  context?: DefinitionContext;
  /** The timers' clock and working-day step deadlines (platform-timers.ts); the system clock without it. */
  timerClock?: TimerClock;
  state?: string;
  variables?: Record<string, unknown>;
  previous: { openTasks: WaitingTask[]; timers: PendingTimer[]; jobs?: WaitingJob[]; calls?: WaitingCall[]; messageWaits?: MessageWait[] } | null;
  now: () => Date;
  apply?: (ctx: ApplyContext) => void | Promise<void>;
  /** Business rule tasks' decision tables by element id (loaded by the caller for this command). */
  decisions?: ReadonlyMap<string, LoadedDecision>;
}): Promise<RunResult> {
  const { engine, timers, jobs, decisions, sends } = createEngine(opts.name, {
    ...(opts.context ? { sourceContext: opts.context.context } : { source: opts.source }),
    decisions: opts.decisions,
    timerClock: opts.timerClock,
  });
  const listener = new EventEmitter();
  const raw: { key: string; api: any }[] = [];
  for (const key of [...RECORDED, 'process.end']) {
    listener.on(key, (api: any) => raw.push({ key, api }));
  }
  // call activities: the latest `activity.call` per execution (re-emitted on resume, with isRecovered)
  const called = new Map<string, { elementId: string; calledElement: string; name?: string; loop?: WaitingCall['loop'] }>();
  listener.on('activity.call', (api: any) => {
    const c = api.content ?? {};
    if (typeof c.calledElement !== 'string') return;
    const loop = loopOf(api);
    called.set(api.executionId ?? c.executionId, { elementId: api.id, calledElement: c.calledElement, name: api.name ?? c.name, ...(loop ? { loop } : {}) });
  });
  // message catches: the latest wait per execution (re-emitted on resume)
  const messageWaitsByExec = new Map<string, MessageWait>();
  listener.on('activity.wait', (api: any) => {
    const m = api.content?.message;
    if (m?.type !== 'bpmn:Message' || typeof m.id !== 'string') return;
    const executionId: string = api.executionId ?? api.content.executionId;
    // the element's own type is its broker owner's (the wait comes from its event definition)
    const isStart = api.owner?.type === 'bpmn:StartEvent';
    messageWaitsByExec.set(executionId, { elementId: api.id, executionId, messageId: m.id, ...(m.name ? { messageName: String(m.name) } : {}), kind: isStart ? 'start' : 'catch' });
  });
  // messages thrown (intermediate throw, message end event): sent to other instances by the host
  const thrownMessages: ThrownMessage[] = [];
  listener.on('activity.message', (api: any) => {
    const m = api.content?.message;
    if (api.content?.state !== 'throw' || m?.type !== 'bpmn:Message' || typeof m.id !== 'string') return;
    const names = String(api.owner?.behaviour?.messageVariables ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    const env: Record<string, unknown> = api.environment?.variables ?? {};
    const variables: Record<string, unknown> = {};
    for (const n of names) if (n in env) variables[n] = env[n];
    thrownMessages.push({ elementId: api.id, executionId: api.executionId ?? api.content.executionId, messageId: m.id, ...(m.name ? { messageName: String(m.name) } : {}), variables });
  });
  // an error end event's throw that no catch answered ends the process "normally" in bpmn-elements:
  // the error is kept so that a caller's call activity can receive it
  let endError: EndError | undefined;
  listener.on('activity.throw', (api: any) => {
    const c = api.content ?? {};
    const m = c.message ?? {};
    // an error end event at the process's top level (errors are thrown only by end events)
    if (m.type === 'bpmn:Error' && c.parent?.type === 'bpmn:Process') endError = { elementId: api.id, ...(m.code !== undefined ? { code: String(m.code) } : {}), ...(m.name ? { name: String(m.name) } : {}) };
  });
  listener.on('activity.catch', () => {
    endError = undefined;
  });
  let ended = false;
  let failed: Error | undefined;
  engine.once('end', () => {
    ended = true;
  });
  engine.once('error', (err: Error) => {
    failed = err;
  });

  let execution: any;
  if (opts.state) {
    engine.recover(JSON.parse(opts.state));
    execution = await engine.resume({ listener });
  } else {
    execution = await engine.execute({ listener, variables: { ...(opts.variables ?? {}) } });
  }
  await settle(engine, timers);

  const waitingIds = () => {
    const ids = new Set<string>();
    for (const api of execution.getPostponed()) {
      ids.add(api.executionId);
      for (const sub of api.getPostponed?.() ?? []) ids.add(sub.executionId);
      // a multi-instance activity (会签: a user task per signer) waits in its iterations
      for (const it of iterationsOf(api)) ids.add(it.executionId);
    }
    return ids;
  };
  // Waits re-emitted on resume: every user task waiting now, after resume.
  const waitsByExec = new Map<string, any>();
  for (const { key, api } of raw) if (key === 'activity.wait') waitsByExec.set(api.executionId, api);

  /** The waiting call activity (or multi-instance iteration of one, `iteration`) with this execution id. */
  const waitingCall = (executionId: string): { api: any; iteration: boolean } | undefined => {
    for (const p of execution.getPostponed()) {
      if (p.type !== 'bpmn:CallActivity') continue;
      if (p.executionId === executionId) return { api: p, iteration: false };
      const it = iterationsOf(p).find((x: any) => x.executionId === executionId);
      if (it) return { api: it, iteration: true };
    }
    return undefined;
  };
  if (opts.apply && !ended && !failed) {
    await opts.apply({
      execution,
      isWaiting: (executionId) => waitingIds().has(executionId),
      completeJob(executionId, variables) {
        jobs.complete(executionId, variables);
      },
      returnCall(executionId, variables) {
        const found = waitingCall(executionId);
        if (!found) throw new Error(`call activity execution ${executionId} is not waiting`);
        // an iteration of a multi-instance call is signalled on its own execution (its output is collected by index)
        if (found.iteration) found.api.signal({ variables });
        else execution.signal({ id: found.api.id, executionId, variables });
      },
      failCall(executionId, error) {
        const api = waitingCall(executionId)?.api;
        if (!api) throw new Error(`call activity execution ${executionId} is not waiting`);
        // CallActivityBehaviour turns an `error` api message into an ActivityError carrying `code`,
        // which an error boundary event with that errorCode (or none) catches
        api.sendApiMessage('error', { message: error.message, ...(error.code !== undefined ? { code: error.code } : {}) });
      },
      deliverMessage(messageId, variables) {
        if (![...messageWaitsByExec.values()].some((w) => w.messageId === messageId && waitingIds().has(w.executionId))) throw new Error(`nothing waits on message ${messageId}`);
        execution.signal({ id: messageId, variables });
      },
      signalTask(executionId, variables) {
        const api = waitsByExec.get(executionId);
        if (!api || !waitingIds().has(executionId)) throw new Error(`task execution ${executionId} is not waiting`);
        // an iteration of a multi-instance task is signalled on its own execution (the process's signal finds only the activity's)
        const iteration = execution.getPostponed().flatMap((p: any) => iterationsOf(p)).find((it: any) => it.executionId === executionId);
        if (iteration) iteration.signal({ id: api.id, executionId, variables });
        else execution.signal({ id: api.id, executionId, variables });
      },
    });
    await settle(engine, timers);
  }

  if (decisions.error) {
    // a business rule task's decision failed: the command is refused, nothing is written
    engine.stop();
    const err = decisions.error;
    if (err instanceof BusinessRuleError) throw err;
    throw new BusinessRuleError('DMN_EVALUATION_FAILED', err.message);
  }
  const at = () => opts.now().toISOString();
  const prevOpen = new Map((opts.previous?.openTasks ?? []).map((t) => [t.executionId, t]));
  const prevTimers = new Map((opts.previous?.timers ?? []).map((t) => [t.executionId, t]));

  const events: HistoryEvent[] = [];
  const escalations: EscalationRaised[] = [];
  const open = new Map(prevOpen);
  const timerMap = new Map(prevTimers);
  const newTimers: PendingTimer[] = [];
  let meaningful = !opts.previous;

  for (const { key, api } of raw) {
    const content = api.content ?? {};
    const executionId: string = api.executionId ?? content.executionId;
    const elementType: string = api.type ?? content.type;
    if (QUIET_TYPES.has(elementType) || elementType === 'bpmn:Process') continue;
    const isReplay = (key === 'activity.wait' && prevOpen.has(executionId)) || (key === 'activity.timer' && prevTimers.has(executionId));
    if (isReplay) continue;
    if (key === 'activity.start' && (prevOpen.has(executionId) || prevTimers.has(executionId))) continue;
    if (key === 'process.end') {
      meaningful = true;
      continue;
    }
    const ev: HistoryEvent = {
      type: key as HistoryEvent['type'],
      elementId: api.id,
      elementType,
      name: api.name ?? content.name,
      executionId,
      at: at(),
    };
    if (key === 'activity.wait' && elementType === 'bpmn:UserTask') {
      open.set(executionId, { elementId: api.id, executionId, name: api.name, createdAt: ev.at, ...(loopOf(api) ? { loop: loopOf(api) } : {}) });
    }
    if (key === 'activity.timer') {
      const expireAt = content.expireAt ? new Date(content.expireAt).toISOString() : undefined;
      ev.expireAt = expireAt;
      if (expireAt) {
        const t: PendingTimer = { elementId: api.id, executionId, expireAt, attachedToId: content.attachedTo };
        timerMap.set(executionId, t);
        newTimers.push(t);
      }
    }
    if (key === 'activity.end' || key === 'activity.discard') {
      open.delete(executionId);
      for (const [id, t] of timerMap) if (id === executionId || t.elementId === api.id) timerMap.delete(id);
      meaningful = true;
    }
    if (key === 'activity.timeout') meaningful = true;
    if (key === 'activity.escalate') {
      const esc = content.escalation ?? content.message ?? {};
      escalations.push({
        executionId,
        elementId: api.id,
        escalationRef: esc.id,
        escalationCode: esc.escalationCode ?? esc.code,
        escalationName: esc.name,
        at: ev.at,
      });
      meaningful = true;
    }
    if (key === 'activity.start' || key === 'activity.wait') meaningful = true;
    events.push(ev);
  }

  // Keep only what the engine really still waits on.
  const stillWaiting = ended || failed ? new Set<string>() : waitingIds();
  const postponedElements = new Set<string>();
  if (!ended && !failed) for (const api of execution.getPostponed()) postponedElements.add(api.id);
  for (const [id, t] of open) if (!stillWaiting.has(id) && !postponedElements.has(t.elementId)) open.delete(id);
  // a multi-instance task still waiting in some iterations: the iterations completed or discarded are not open
  if (!ended && !failed) {
    for (const api of execution.getPostponed()) {
      const iterations = iterationsOf(api);
      if (!iterations.length) continue;
      const live = new Set(iterations.map((it: any) => it.executionId));
      for (const [id, t] of open) if (t.elementId === api.id && id !== api.executionId && !live.has(id)) open.delete(id);
    }
  }
  for (const [id, t] of timerMap) if (!postponedElements.has(t.elementId)) timerMap.delete(id);

  const prevJobs = new Set((opts.previous?.jobs ?? []).map((j) => j.executionId));
  const waitingJobs: WaitingJob[] = ended || failed ? [] : [...jobs.waiting.values()].map(({ elementId, executionId, topic, name }) => ({ elementId, executionId, topic, ...(name ? { name } : {}) }));
  if (waitingJobs.some((j) => !prevJobs.has(j.executionId))) meaningful = true;

  const prevCalls = new Set((opts.previous?.calls ?? []).map((c) => c.executionId));
  const waitingCalls: WaitingCall[] = [];
  if (!ended && !failed) {
    const seen = new Set<string>();
    for (const api of execution.getPostponed()) {
      if (api.type !== 'bpmn:CallActivity') continue;
      // a multi-instance call activity waits in its iterations (one `activity.call` each)
      for (const it of [api, ...iterationsOf(api)]) {
        if (seen.has(it.executionId)) continue;
        seen.add(it.executionId);
        const c = called.get(it.executionId);
        if (c) waitingCalls.push({ elementId: c.elementId, executionId: it.executionId, calledElement: c.calledElement, ...(c.name ? { name: c.name } : {}), ...(c.loop ? { loop: c.loop } : {}) });
      }
    }
  }
  if (waitingCalls.some((c) => !prevCalls.has(c.executionId))) meaningful = true;
  const prevMessageWaits = new Set((opts.previous?.messageWaits ?? []).map((w) => w.executionId));
  const stillWaitingIds = ended || failed ? new Set<string>() : waitingIds();
  const messageWaits = [...messageWaitsByExec.values()].filter((w) => stillWaitingIds.has(w.executionId));

  // send tasks that sent a message (发送任务) in this command: handed on like throw events
  thrownMessages.push(...sends.sent);
  const rawState = await engine.getState();
  // the cached context's serialize() hands back its stored text (the same string): left out
  let omittedSource: string | undefined;
  if (opts.context && rawState.definitions?.length === 1 && rawState.definitions[0].source === opts.context.serialized) {
    omittedSource = opts.context.serialized;
    delete rawState.definitions[0].source;
  }
  const state = JSON.stringify(rawState);
  const variables = processVariables(rawState);
  // Stopping walks every element's broker (~6 ms of a timer firing, measured) only to cancel what
  // is queued; with nothing queued (no due timer pending) the engine is simply dropped: it holds no
  // real timer, socket or global registration, only objects of its own.
  if (timers.pending > 0) engine.stop();

  return {
    state,
    ...(omittedSource !== undefined ? { omittedSource } : {}),
    status: failed ? 'failed' : ended ? 'completed' : 'running',
    error: failed?.message,
    events,
    openTasks: [...open.values()],
    timers: [...timerMap.values()],
    newTimers,
    jobs: waitingJobs,
    newJobs: waitingJobs.filter((j) => !prevJobs.has(j.executionId)),
    escalations,
    calls: waitingCalls,
    messageWaits,
    newMessageWaits: messageWaits.filter((w) => !prevMessageWaits.has(w.executionId)),
    thrownMessages,
    newCalls: waitingCalls.filter((c) => !prevCalls.has(c.executionId)),
    ...(ended && !failed && endError ? { endError } : {}),
    variables,
    activeElements: [...postponedElements],
    changed: meaningful || !!failed || ended,
  };
}
