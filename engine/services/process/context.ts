/**
 * What every process use case works with: the ports (database models, timers, clock, logger,
 * router, service jobs, messages), the per-process lock, the definition cache and the projection
 * listeners — one `ProcessContext`, built once by `ProcessService` (the facade in
 * `../process-service.ts`) and handed to the functions of this folder as their first argument.
 * Also the shapes the use cases share (the instance head, a projected revision, a call's parent).
 */
import type { Actor, Clock, HistoryEvent, Logger } from '../../domain/types';
import type { Models } from '../../persistence/models';
import type { MessageWait, ThrownMessage } from '../../runtime/run-engine';
import type { ServiceJobScheduler } from '../../domain/service-jobs';
import type { TimerScheduler } from '../../timers/timer-port';
import type { TaskRouter } from '../../org/org-service';
import type { KeyedMutex } from '../keyed-mutex';
import type { DefinitionContexts } from '../../runtime/definition-cache';
import type { StepDeadline } from '../../supervision/step-deadlines';

export interface ProcessServiceDeps {
  models: Models;
  timers: TimerScheduler;
  clock: Clock;
  logger: Logger;
  /** Routes the tasks of cases taken in through intake to a window and person (org model). */
  router?: TaskRouter;
  /** Schedules the jobs of service and send tasks (engine/service-jobs); without it such a task only waits. */
  serviceJobs?: ServiceJobScheduler;
  /** Working-day step deadlines of a centre for the engine's boundary timers (supervision/step-deadlines.ts); calendar time without it. */
  stepDeadlines?: (orgUnit?: string) => Promise<StepDeadline>;
}

/** The message correlation as the process service uses it (engine/services/messages.ts). */
export interface MessagePort {
  waitsAppeared(instanceId: string, waits: MessageWait[]): Promise<void>;
  storeThrown(instanceId: string, revision: number, businessKey: string | undefined, thrown: ThrownMessage[]): Promise<void>;
  releaseThrown(instanceId: string, thrown: ThrownMessage[]): Promise<void>;
  sweep(olderThanMs: number): Promise<number>;
}

/** A revision as the projection hands it to listeners. */
export interface ProjectedRevision {
  revision: number;
  command: Record<string, any>;
  actor: string;
  createdAt: Date;
  events: HistoryEvent[];
  escalations: any[];
  status: string;
}

/**
 * Told about every revision when the read models catch up with it. Must be idempotent: after
 * a crash the repair sweep hands the same revision again (use the revision as a dedupe key).
 */
export interface ProjectionListener {
  /**
   * `opened`: the task documents the projection inserted, by id, when it projected a command
   * just run (absent when the repair sweep projects: read the tasks then).
   */
  onProjected(p: { instanceId: string; status: string; variables: Record<string, unknown>; revisions: ProjectedRevision[]; opened?: ReadonlyMap<string, any>; openSteps?: OpenStep[]; closedSteps?: ClosedStep[]; rootInstanceId?: string }): Promise<void>;
}

/**
 * A step the projected command closed (`closedSteps` of a projection): completed by the command,
 * or cancelled with it (a timer interrupted it, the case ended). Given when the projection
 * projects a command just run — the task as the bulk write set it, no read needed; absent when
 * the repair sweep projects (read the tasks then).
 */
export interface ClosedStep {
  /** The task id (`instanceId:executionId`). */
  id: string;
  elementId: string;
  status: 'completed' | 'cancelled';
  /** When it closed: the revision's time. */
  completedAt: Date;
  /** Who completed it (a completion only). */
  completedBy?: string;
}

/** A user task the engine waits on after the projected revisions (`openSteps` of a projection). */
export interface OpenStep {
  /** The task id (`instanceId:executionId`). */
  id: string;
  elementId: string;
  stepKind?: string;
}

/** What a command reads first: the instance head and the revision it names. */
export interface Head {
  inst: any;
  rev: any | null;
  /** The ids of the instance's step clocks when read with the head (a timer firing: `loadHead` with `stepClocks`). */
  stepClocks?: string[];
}

/**
 * What a command just committed: the instance head as its projection wrote it and revision n+1
 * as inserted (its lists as JSON strings, like every stored revision). What runs after the lock
 * (call activities) starts from it instead of reading the latest revision and the head again.
 */
export interface Committed {
  head: any;
  rev: any;
}

/** Who started a called instance (a call activity of another instance), as `start` needs it. */
export interface CallParent {
  instanceId: string;
  elementId: string;
  executionId: string;
  rootInstanceId: string;
  /** The called definition version (resolved by the call's binding). */
  definitionId: string;
  orgUnit?: string;
  /** Call activities followed so far in this request. */
  depth: number;
}

/** How a completion is told apart from its resends (see `completedBefore` in complete-task.ts). */
export interface CompleteOptions {
  /** The request's id (api/http/idempotency.ts, from the Idempotency-Key): recorded with the command; the same id finding the task completed is answered as done. */
  requestId?: string;
  /**
   * The task with its instance head as the caller read it for its own checks
   * (`ProcessService.taskWithHead`): the completion reads neither again. A head that went stale
   * meanwhile costs nothing but a retry (the revision insert is the claim).
   */
  loaded?: { task: any; head: Head | null };
}

/** The system as the actor of jobs and timers. */
export const SYSTEM_ACTOR: Actor = { username: 'system', groups: [], roles: ['system'] };

export interface ProcessContext {
  readonly deps: ProcessServiceDeps;
  /** One command at a time per instance within this process (the revision insert is the claim across processes). */
  readonly mutex: KeyedMutex;
  /** Definition documents by id (immutable versions; `sourceContext` may be filled in later). */
  readonly definitionCache: Map<string, any>;
  /** Parsed definition contexts by version, handed to every engine (runtime/definition-cache.ts; bounded). */
  readonly contexts: DefinitionContexts;
  readonly listeners: ProjectionListener[];
  /** The message correlation (engine/services/messages.ts), when the platform has one (set at construction only). */
  readonly messages?: MessagePort;
  /**
   * `followAfterCommit` of call-links.ts: follows the call activities of an instance after a
   * command on it committed. A slot filled by the facade, because call-links.ts calls the use
   * cases (start, cancel, the command pipeline) that call it — importing it would be a cycle.
   */
  followAfterCommit(instanceId: string, depth?: number, committed?: Committed): Promise<void>;
}
