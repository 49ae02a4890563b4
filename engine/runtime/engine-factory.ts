/**
 * Builds bpmn-engine instances with the platform's safe defaults. The engine never touches the
 * database or a real timer: the host persists on events and Agenda owns durable time
 * (DESIGN.md §3–§4). Functions are not part of saved state, so every Engine — new or
 * recovered — is made here.
 */
import { createRequire } from 'node:module';
import { Engine } from 'bpmn-engine';
import { Timers } from 'bpmn-elements';
import { createSafeExpressions } from './expressions';
import { moddleOptions } from './moddle';
import { BusinessRuleError } from '../domain/errors';
import { evaluateDecision, mapDecisionResult, type DecisionTable, type MapDecisionResult } from './dmn';
import { PlatformTimerEventDefinition, type TimerClock } from './platform-timers';

/** Engine version stamped into every saved revision, for state upgrades. */
export const ENGINE_VERSION = 'bpmn-engine@25.0.1';

/** Variable names the engine overwrites (ENGINE-NOTES.md): refused at the API boundary. */
export const RESERVED_VARIABLE_NAMES = new Set(['fields', 'content', 'properties', 'environment', '__proto__', 'constructor', 'prototype']);

/**
 * Deny-by-default script handler: no diagram code ever runs. Script tasks are refused at deploy;
 * this is the second wall. Returning a script only when a language is named keeps expression
 * conditions (no language) working (ENGINE-NOTES.md, "Expressions and scripts").
 */
const denyScripts = {
  register() {},
  getScript(language?: string) {
    // no language, or FEEL (`language="feel"` with a `= …` body): an expression condition
    if (!language || language.toLowerCase() === 'feel') return undefined;
    return {
      execute(_context: unknown, callback: (err: Error) => void) {
        callback(new Error('scripts are disabled on this platform'));
      },
    };
  },
};

/**
 * A timer scheduler that never holds durable time in memory. A timer that is already due when
 * the engine (re)starts fires at once; any later one is left to its Agenda job, which resumes the
 * instance when it comes due, and the engine then sees it due.
 */
export interface DueTimerTracker {
  /** Number of due timers queued to fire in this tick. */
  pending: number;
}

function createDeferredTimers(tracker: DueTimerTracker) {
  // Only handles created here are ever passed to clearImmediate: bpmn-elements also calls
  // clearTimeout with its own Timer wrappers, and clearImmediate on a foreign object corrupts
  // Node's immediate queue (every later setImmediate silently never runs).
  const mine = new Set<NodeJS.Immediate>();
  return new Timers(<any>{
    setTimeout(callback: (...args: unknown[]) => void, delay: number, ...args: unknown[]) {
      if (delay > 0) return { deferred: true };
      tracker.pending++;
      const handle = setImmediate(() => {
        mine.delete(handle);
        tracker.pending--;
        callback(...args);
      });
      mine.add(handle);
      return handle;
    },
    clearTimeout(ref: unknown) {
      if (ref && mine.delete(ref as NodeJS.Immediate)) {
        clearImmediate(ref as NodeJS.Immediate);
        tracker.pending--;
      }
      return undefined;
    },
  });
}

/**
 * Copies the variables a user task was completed with (`signal({ variables })`) into the
 * process variables when the task ends, so a gateway after it can route on them
 * (the signal payload otherwise stays in the task's output only).
 */
const COMPLETION_TYPES = new Set(['bpmn:UserTask', 'bpmn:ReceiveTask', 'bpmn:ManualTask', 'bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask', 'bpmn:CallActivity',
  // a message catch ends with the delivered message ({ id, variables }) as its output
  'bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent', 'bpmn:StartEvent']);

function completionVariables(activity: any) {
  if (!COMPLETION_TYPES.has(activity.type)) return undefined;
  const tag = `_svc-vars-${activity.id}`;
  return {
    activate() {
      activity.broker.subscribeTmp(
        'event',
        'activity.end',
        (_routingKey: string, message: any) => {
          const output = message.content?.output;
          // a multi-instance activity ends with its iterations' outputs by loop index: each variable they
          // returned becomes a list in loop order — a call activity's (联办件: every department's opinion) and a
          // user task's (会签: every signer's decision, as submitted with the step), null where one iteration
          // did not return it (discarded by a completion condition, or submitted without it). While the loop
          // runs, each completed iteration's variables are the process's as they come (the last one's).
          if (Array.isArray(output) && (activity.type === 'bpmn:CallActivity' || activity.behaviour?.loopCharacteristics)) {
            const names = new Set<string>();
            for (const o of output) if (o?.variables && typeof o.variables === 'object') for (const k of Object.keys(o.variables)) names.add(k);
            for (const k of names) activity.environment.variables[k] = output.map((o: any) => (o?.variables && k in o.variables ? o.variables[k] : null));
            return;
          }
          const vars = output?.variables;
          if (vars && typeof vars === 'object') Object.assign(activity.environment.variables, vars);
        },
        { noAck: true, consumerTag: tag },
      );
    },
    deactivate() {
      activity.broker.cancel(tag);
    },
  };
}

/**
 * The job topic of a service or send task run as an external job (作业): `camunda:type="external"`
 * with `camunda:topic` (Camunda 7), or our own `svc:jobTopic`. Undefined for any other element.
 */
export function jobTopicOf(behaviour: any): string | undefined {
  if (!behaviour) return undefined;
  if (typeof behaviour.jobTopic === 'string' && behaviour.jobTopic.trim()) return behaviour.jobTopic.trim();
  if (behaviour.type === 'external' && typeof behaviour.topic === 'string' && behaviour.topic.trim()) return behaviour.topic.trim();
  return undefined;
}

/** A service or send task the engine waits on until its job completes it. */
export interface WaitingJob {
  elementId: string;
  executionId: string;
  topic: string;
  name?: string;
}

/**
 * The host side of service and send tasks run as jobs (the external-task pattern) for one
 * command: the engine reaches the task and waits (its service never calls back by itself); the
 * host persists the wait and an Agenda job runs the topic's handler; a later command completes
 * it by calling back with the job's output variables. On resume bpmn-elements executes a running
 * service task again with the same `executionId` (ENGINE-NOTES.md), so the wait is re-registered
 * on every command.
 */
export class ServiceJobHost {
  /** Waiting jobs by execution id, with the engine's callback. */
  readonly waiting = new Map<string, WaitingJob & { callback: (err: Error | null, output?: unknown) => void }>();

  /** Completes a waiting job with `variables` (copied into the process variables when it ends). */
  complete(executionId: string, variables: Record<string, unknown>): void {
    const w = this.waiting.get(executionId);
    if (!w) throw new Error(`service task execution ${executionId} is not waiting`);
    this.waiting.delete(executionId);
    w.callback(null, { variables });
  }

  /** The bpmn-elements extension that gives every job-backed service/send task its behaviour. */
  extension() {
    const host = this;
    return function serviceJobs(activity: any) {
      if (activity.type !== 'bpmn:ServiceTask' && activity.type !== 'bpmn:SendTask') return undefined;
      const topic = jobTopicOf(activity.behaviour);
      if (!topic) return undefined;
      activity.behaviour.Service = function ExternalJobService(this: any) {
        this.type = 'external-job';
        this.execute = (executeMessage: any, callback: (err: Error | null, output?: unknown) => void) => {
          const executionId: string = executeMessage.content.executionId;
          host.waiting.set(executionId, { elementId: activity.id, executionId, topic, name: activity.name, callback });
        };
        this.discard = (message: any) => {
          host.waiting.delete(message?.content?.executionId);
        };
        this.stop = () => undefined;
      };
      return undefined;
    };
  }
}

/**
 * A message a send task sent (发送任务 with a `messageRef` and no job topic): handed on by runEngine
 * with the messages of throw events (run-engine `ThrownMessage`), stored before the revision that
 * sent it and released after it commits — the same exactly-once path.
 */
export interface SentMessage {
  elementId: string;
  executionId: string;
  /** Id of the `bpmn:Message` element. */
  messageId: string;
  /** Its name (what receivers correlate by). */
  messageName?: string;
  /** The process variables named in `svc:messageVariables`, as they were when it was sent. */
  variables: Record<string, unknown>;
}

/**
 * The host side of send tasks that send a message (Camunda: a send task with a message; the
 * platform runs no Java delegate to send it): bpmn-elements runs a send task as a service task, so
 * each such task gets a service that records the message for this command and completes at once —
 * like an intermediate message throw event. A send task with a job topic runs as a job instead
 * (ServiceJobHost); deploy refuses one with both.
 */
export class MessageSendHost {
  /** Messages sent in this command, in order. */
  readonly sent: SentMessage[] = [];

  extension() {
    const host = this;
    return function sendTaskMessages(activity: any) {
      if (activity.type !== 'bpmn:SendTask' || jobTopicOf(activity.behaviour)) return undefined;
      const ref = activity.behaviour?.messageRef;
      if (!ref || typeof ref.id !== 'string') return undefined;
      activity.behaviour.Service = function MessageSendService(this: any) {
        this.type = 'message-send';
        this.execute = (executeMessage: any, callback: (err: Error | null, output?: unknown) => void) => {
          const env = activity.environment;
          const names = String(activity.behaviour.messageVariables ?? '').split(',').map((n) => n.trim()).filter(Boolean);
          const current: Record<string, unknown> = env.variables ?? {};
          const variables: Record<string, unknown> = {};
          for (const n of names) if (Object.hasOwn(current, n)) variables[n] = current[n];
          const name = typeof ref.name === 'string' ? env.resolveExpression(ref.name, executeMessage) : undefined;
          host.sent.push({ elementId: activity.id, executionId: executeMessage.content.executionId, messageId: ref.id, ...(name ? { messageName: String(name) } : {}), variables });
          callback(null, {});
        };
        this.discard = () => undefined;
        this.stop = () => undefined;
      };
      return undefined;
    };
  }
}

/** A business rule task's decision table as loaded for one command, with how its result is written. */
export interface LoadedDecision {
  table: DecisionTable;
  resultVariable: string;
  mapDecisionResult: MapDecisionResult;
}

/**
 * The host side of business rule tasks (决策) for one command: the decision tables the diagram's
 * business rule tasks name are loaded before the engine runs (by element id), and each task
 * evaluates its table synchronously over the process variables when it is reached, completing
 * with `{ [resultVariable]: result }` (written to the process variables in the same revision).
 * An evaluation error is kept in {@link error}: runEngine throws it, so the command fails and
 * nothing is written (the task does not end with an engine error that would fail the instance).
 */
export class DecisionHost {
  error: Error | undefined;
  constructor(private readonly decisions: ReadonlyMap<string, LoadedDecision> = new Map()) {}

  extension() {
    const host = this;
    return function businessRuleTasks(activity: any) {
      if (activity.type !== 'bpmn:BusinessRuleTask') return undefined;
      activity.behaviour.Service = function DecisionService(this: any) {
        this.type = 'dmn-decision';
        this.execute = (_executeMessage: any, callback: (err: Error | null, output?: unknown) => void) => {
          const loaded = host.decisions.get(activity.id);
          if (!loaded) {
            host.error ??= new Error(`business rule task ${activity.id}: its decision is not loaded`);
            return;
          }
          let value: unknown;
          try {
            value = mapDecisionResult(evaluateDecision(loaded.table, { ...(activity.environment.variables ?? {}) }), loaded.mapDecisionResult);
          } catch (err) {
            // the task stays where it is: the command is refused by runEngine, naming the element
            const e = err as Error & { code?: string; details?: Record<string, unknown> };
            host.error ??= new BusinessRuleError(e instanceof BusinessRuleError ? e.code : 'DMN_EVALUATION_FAILED', `business rule task ${activity.id}: ${e.message}`, { ...(e.details ?? {}), elementId: activity.id });
            return;
          }
          callback(null, { variables: { [loaded.resultVariable]: value } });
        };
        this.discard = () => undefined;
        this.stop = () => undefined;
      };
      return undefined;
    };
  }
}

export interface EngineHandle {
  engine: InstanceType<typeof Engine>;
  timers: DueTimerTracker;
  jobs: ServiceJobHost;
  decisions: DecisionHost;
  /** Messages the send tasks sent in this command. */
  sends: MessageSendHost;
}

/**
 * bpmn-engine's default logger makes a `debug` logger (three, with a TTY check each) for every
 * element of every engine — ~1.5 ms of a timer firing, measured — and they print only with
 * `DEBUG=bpmn-engine:*`. Without it, a logger that does nothing.
 */
const engineDebug = createRequire(require.resolve('bpmn-engine'))('debug') as { enabled(name: string): boolean };
const quietLogger = () => ({ debug() {}, error() {}, warn() {} });
const loggerOption = () => (engineDebug.enabled('bpmn-engine:engine') ? {} : { Logger: quietLogger });

/**
 * Element behaviours that replace bpmn-elements' own: timers read the platform's clock and a
 * step's working-day deadline (platform-timers.ts). Bound into a context when it is deserialized,
 * so every engine and every cached context uses the same map.
 */
const ELEMENTS = { TimerEventDefinition: PlatformTimerEventDefinition };

let template: InstanceType<typeof Engine> | undefined;
/**
 * An engine that never runs: its type resolver and its XML parse (bpmn-moddle with the platform's
 * moddle options) build the cached definition contexts (definition-cache.ts), so they are exactly
 * what an engine given the XML would build.
 */
export function templateEngine(): InstanceType<typeof Engine> {
  template ??= new Engine({ name: 'template', moddleOptions, elements: ELEMENTS, ...loggerOption() } as any);
  return template;
}

export interface CreateEngineOptions {
  /** Diagram XML (parsed by this engine). */
  source?: string;
  /** A ready definition context (definition-cache.ts): nothing is parsed; a state without `source` recovers on it. */
  sourceContext?: unknown;
  decisions?: ReadonlyMap<string, LoadedDecision>;
  /** The platform's clock (and working-day deadlines) for the timers; the system clock without it. */
  timerClock?: TimerClock;
}

/** A fresh engine, to start an instance (`execute`) or recover one (`recover` + `resume`). */
export function createEngine(name: string, opts: CreateEngineOptions = {}): EngineHandle {
  const timers: DueTimerTracker = { pending: 0 };
  const jobs = new ServiceJobHost();
  const decisions = new DecisionHost(opts.decisions);
  const sends = new MessageSendHost();
  const engine = new Engine({
    name,
    ...(opts.sourceContext ? { sourceContext: opts.sourceContext } : { source: opts.source }),
    moddleOptions,
    elements: ELEMENTS,
    ...loggerOption(),
    ...(opts.timerClock ? { timerClock: opts.timerClock } : {}),
    expressions: createSafeExpressions(),
    scripts: denyScripts,
    timers: createDeferredTimers(timers),
    extensions: { completionVariables, serviceJobs: jobs.extension(), businessRuleTasks: decisions.extension(), sendTaskMessages: sends.extension() },
    settings: { enableDummyService: false },
  } as any);
  return { engine, timers, jobs, decisions, sends };
}
