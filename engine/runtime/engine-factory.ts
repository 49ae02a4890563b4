/**
 * Builds bpmn-engine instances with the platform's safe defaults. The engine never touches the
 * database or a real timer: the host persists on events and Agenda owns durable time
 * (DESIGN.md §3–§4). Functions are not part of saved state, so every Engine — new or
 * recovered — is made here.
 */
import { Engine } from 'bpmn-engine';
import { Timers } from 'bpmn-elements';
import { createSafeExpressions } from './expressions';
import { moddleOptions } from './moddle';

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
    if (!language) return undefined;
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
function completionVariables(activity: any) {
  if (activity.type !== 'bpmn:UserTask' && activity.type !== 'bpmn:ReceiveTask' && activity.type !== 'bpmn:ManualTask') return undefined;
  const tag = `_svc-vars-${activity.id}`;
  return {
    activate() {
      activity.broker.subscribeTmp(
        'event',
        'activity.end',
        (_routingKey: string, message: any) => {
          const vars = message.content?.output?.variables;
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

export interface EngineHandle {
  engine: InstanceType<typeof Engine>;
  timers: DueTimerTracker;
}

/** A fresh engine for a new instance from diagram XML. */
export function createEngine(name: string, source?: string): EngineHandle {
  const timers: DueTimerTracker = { pending: 0 };
  const engine = new Engine({
    name,
    source,
    moddleOptions,
    expressions: createSafeExpressions(),
    scripts: denyScripts,
    timers: createDeferredTimers(timers),
    extensions: { completionVariables },
    settings: { enableDummyService: false },
  } as any);
  return { engine, timers };
}
