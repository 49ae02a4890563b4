/**
 * Jobs of service and send tasks (作业), and the incidents (事件/故障) they become.
 *
 * One document per job in `service_jobs`, `_id` = the job key (instance:element:execution), made
 * by `schedule` (job-queue.ts, the half the engine is built with) before the revision that waits
 * on the task, with an Agenda job (`bpmn.service-task.run`, unique `data.key` = `<job key>#<run>`)
 * due at once. This file is the other half, built after the engine. A run:
 *   1. reads the job; one that is not `pending` any more (done, incident, cancelled) does nothing;
 *   2. asks the engine whether the task still waits (the latest revision); if not, the job is
 *      `gone` (the revision never came, the task was interrupted, the case ended);
 *   3. runs the topic's handler (handlers.ts; idempotent by the job key);
 *   4. completes the task by the engine's conditional revision write — a second run (a kill
 *      between 3 and 4, a double delivery) finds it no longer waiting: SERVICE_TASK_NOT_WAITING,
 *      and the continuation has run once;
 *   5. marks the job `done`.
 * A failed attempt is counted here (attempts, first/last failure, the last errors) and thrown, so
 * Agenda retries with exponential backoff (SERVICE_JOB_BACKOFF_MS doubling, up to
 * SERVICE_JOB_MAX_BACKOFF_MS); the last allowed attempt (SERVICE_JOB_RETRIES, or the diagram's
 * svc:jobRetries) makes the job an incident instead. A database outage is not an attempt: it is
 * retried while it lasts (workers/index.ts).
 *
 * Incidents are resolved as Camunda resolves a failed external task's: `retry` gives the job its
 * attempts again and runs it at once (Camunda: set retries); `cancel` cancels the case's process
 * instance (Camunda: cancel the process instance) — open steps are cancelled, the case ends.
 */
import type { Model } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError, isDatabaseUnavailable } from '../domain/errors';
import { crashPoint } from '../domain/fault';
import { SERVICE_TASK_JOB } from '../domain/service-jobs';
import type { Actor, Logger } from '../domain/types';
import { seesAcross } from '../org/scope';
import { newestFirst } from '../persistence/newest';
import type { ProcessService } from '../services/process-service';
import type { ServiceJobConfig } from './config';
import type { JobHandler } from './handlers';
import type { ServiceJobDoc, ServiceJobQueue } from './job-queue';
import type { IncidentViewOf } from '../../common/incidents';

export { serviceJobModel, ServiceJobQueue, type ServiceJobStatus } from './job-queue';

/** `open`: incidents waiting for an operator; `resolved`: retried or cancelled since; `all`. */
export const INCIDENT_FILTERS = ['open', 'resolved', 'all'] as const;
export type IncidentFilter = (typeof INCIDENT_FILTERS)[number];

/** An incident as the API shows it (common/incidents.ts, shared with the console). */
export type IncidentView = IncidentViewOf<Date>;

/** Longest error text kept (a handler's message; never personal data by the handlers' rule). */
const MAX_ERROR_CHARS = 500;
/** Attempt errors kept per job. */
const MAX_ERRORS_KEPT = 20;

export interface ServiceJobsDeps {
  /** The scheduling half (job documents, Agenda runs), built before the engine. */
  queue: ServiceJobQueue;
  processService: ProcessService;
  handlers: Record<string, JobHandler>;
  config: ServiceJobConfig;
  logger: Logger;
}

/** What one run did. */
export type RunOutcome = 'done' | 'gone' | 'skipped' | 'incident';

/**
 * The half of the jobs that acts through the engine: runs them and resolves their incidents.
 * Scheduling is the queue's (job-queue.ts), which the engine is built with: no cycle, no setter.
 */
export class ServiceJobs {
  readonly model: Model<ServiceJobDoc>;

  constructor(private readonly deps: ServiceJobsDeps) {
    this.model = deps.queue.model;
  }

  /** Attempts and backoff (for the Agenda job's retry strategy). */
  get config(): ServiceJobConfig {
    return this.deps.config;
  }

  /**
   * One run of job `key` (the Agenda handler's work; see the module header).
   * @returns what it did; throws the handler's error when the attempt failed and attempts remain
   */
  async run(key: string): Promise<RunOutcome> {
    const job = await this.model.findById(key).lean();
    if (!job || job.status !== 'pending') return 'skipped';
    const waiting = await this.deps.processService.jobWaiting(job.instanceId, job.executionId);
    if (!waiting) {
      // completed by an earlier run (killed before it marked the job), or the task went away
      const completed = await this.deps.processService.jobCompleted(job.instanceId, job.executionId);
      await this.model.updateOne({ _id: key, status: 'pending' }, { $set: { status: completed ? 'done' : 'gone', doneAt: new Date() } });
      return completed ? 'done' : 'gone';
    }
    const log = { jobName: SERVICE_TASK_JOB, instanceId: job.instanceId, activityId: job.elementId, topic: job.topic, caseNo: job.caseNo };
    try {
      const handler = Object.hasOwn(this.deps.handlers, job.topic) ? this.deps.handlers[job.topic] : undefined;
      if (!handler) throw new Error(`no handler for topic ${job.topic}`);
      const output = await handler({
        key,
        topic: job.topic,
        instanceId: job.instanceId,
        elementId: job.elementId,
        elementName: job.elementName,
        executionId: job.executionId,
        definitionKey: job.definitionKey,
        caseNo: job.caseNo,
        orgUnit: job.orgUnit,
        variables: waiting.variables,
        attempt: job.attempts + 1,
      });
      crashPoint('service-job.after-handler');
      try {
        await this.deps.processService.completeServiceTask(job.instanceId, job.elementId, job.executionId, output ?? {});
      } catch (err) {
        // a run before this one (killed after its write, or running beside it) completed it: once is enough
        if (!(err instanceof ConflictError && (err.code === 'SERVICE_TASK_NOT_WAITING' || err.code === 'CASE_ENDED'))) throw err;
        this.deps.logger.info({ ...log, code: err.code }, 'service task already moved on; job done');
      }
      crashPoint('service-job.after-complete');
      await this.model.updateOne({ _id: key, status: 'pending' }, { $set: { status: 'done', doneAt: new Date() } });
      this.deps.logger.info(log, 'service task job done');
      return 'done';
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err; // not an attempt: Agenda retries while the outage lasts
      const now = new Date();
      const message = String((err as Error)?.message ?? err).slice(0, MAX_ERROR_CHARS);
      const failed = await this.model.findOneAndUpdate(
        { _id: key, status: 'pending' },
        {
          $inc: { attempts: 1 },
          $set: { lastFailedAt: now, lastError: message },
          $min: { firstFailedAt: now },
          $push: { failures: { $each: [{ attempt: job.attempts + 1, at: now, error: message }], $slice: -MAX_ERRORS_KEPT } },
        },
        { returnDocument: 'after' },
      ).lean();
      if (!failed) return 'skipped';
      if (failed.attempts >= failed.maxAttempts) {
        await this.model.updateOne({ _id: key, status: 'pending' }, { $set: { status: 'incident', incidentAt: now }, $push: { history: { action: 'incident', at: now, by: 'system', note: message } } });
        this.deps.logger.warn({ ...log, attempts: failed.attempts, err: message }, 'service task job failed its last attempt: incident');
        return 'incident';
      }
      this.deps.logger.warn({ ...log, attempt: failed.attempts, of: failed.maxAttempts, err: message }, 'service task job attempt failed; retrying');
      throw err;
    }
  }

  // ---------------------------------------------------------------- incidents

  /**
   * Incidents: `open` (default), `resolved` (retried or cancelled since) or `all`, newest first, at
   * most 200. Supervisors and admins see every org unit; anyone else only their own.
   */
  async listIncidents(actor: Actor, filter: IncidentFilter = 'open'): Promise<IncidentView[]> {
    // only jobs that have been an incident have incidentAt: a range on it (not $exists, which no
    // index serves) keeps the other jobs out of every read, newest first by windows of it
    const query: Record<string, unknown> = { incidentAt: { $gt: new Date(0) } };
    if (filter === 'open') query.status = 'incident';
    else if (filter === 'resolved') query.status = { $in: ['pending', 'done', 'gone', 'cancelled'] };
    if (!seesAcross(actor)) query.orgUnit = actor.orgUnit ?? '\u0000none';
    const docs = await newestFirst<ServiceJobDoc>(this.model, query, 'incidentAt', 200, new Date());
    return docs.map(view);
  }

  /** One incident (a job that has been one). @throws NotFoundError, also for another org unit's */
  async getIncident(id: string, actor: Actor): Promise<IncidentView> {
    return view(await this.incidentDoc(id, actor));
  }

  private async incidentDoc(id: string, actor: Actor): Promise<ServiceJobDoc> {
    const doc = await this.model.findById(id).lean();
    if (!doc || !doc.incidentAt || (!seesAcross(actor) && doc.orgUnit !== actor.orgUnit)) throw new NotFoundError('INCIDENT_NOT_FOUND', `incident ${id.slice(0, 200)} does not exist`);
    return doc;
  }

  /**
   * Retry (重试): the job gets its attempts again and runs at once.
   * @throws NotFoundError; ConflictError INCIDENT_NOT_OPEN when it is not an open incident
   */
  async retry(id: string, actor: Actor, note?: string): Promise<IncidentView> {
    await this.incidentDoc(id, actor);
    const now = new Date();
    const doc = await this.model.findOneAndUpdate(
      { _id: id, status: 'incident' },
      { $set: { status: 'pending', attempts: 0 }, $inc: { runs: 1 }, $push: { history: { action: 'retry', at: now, by: actor.username, ...(note ? { note: note.slice(0, 500) } : {}) } } },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) throw new ConflictError('INCIDENT_NOT_OPEN', `incident ${id} is not open (already retried or cancelled)`);
    await this.deps.queue.enqueue(id, doc.runs);
    this.deps.logger.info({ jobName: SERVICE_TASK_JOB, instanceId: doc.instanceId, activityId: doc.elementId, by: actor.username }, 'incident retried');
    return view(doc);
  }

  /**
   * Cancel (终止): cancels the case's process instance — its open steps are cancelled and it ends —
   * and closes the incident.
   * @throws NotFoundError; ConflictError INCIDENT_NOT_OPEN; ValidationError REASON_REQUIRED
   */
  async cancel(id: string, actor: Actor, reason: string): Promise<IncidentView> {
    const text = reason?.trim();
    if (!text) throw new ValidationError('REASON_REQUIRED', 'cancelling a case needs a reason');
    const doc = await this.incidentDoc(id, actor);
    if (doc.status !== 'incident') throw new ConflictError('INCIDENT_NOT_OPEN', `incident ${id} is not open (already retried or cancelled)`);
    try {
      await this.deps.processService.cancelInstance(doc.instanceId, actor, text.slice(0, 500));
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === 'CASE_ENDED')) throw err;
    }
    const now = new Date();
    const after = await this.model.findOneAndUpdate(
      { _id: id, status: 'incident' },
      { $set: { status: 'cancelled', doneAt: now }, $push: { history: { action: 'cancel', at: now, by: actor.username, note: text.slice(0, 500) } } },
      { returnDocument: 'after' },
    ).lean();
    if (!after) throw new ConflictError('INCIDENT_NOT_OPEN', `incident ${id} is not open (already retried or cancelled)`);
    // the instance's other jobs find their tasks gone when they run
    this.deps.logger.info({ instanceId: doc.instanceId, by: actor.username }, 'incident cancelled: process instance cancelled');
    return view(after);
  }
}

function view(d: ServiceJobDoc): IncidentView {
  const status = d.status === 'incident' ? 'open' : d.status === 'pending' ? 'retrying' : d.status === 'cancelled' ? 'cancelled' : 'resolved';
  return {
    id: d._id,
    status,
    topic: d.topic,
    instanceId: d.instanceId,
    caseNo: d.caseNo,
    orgUnit: d.orgUnit,
    definitionKey: d.definitionKey,
    elementId: d.elementId,
    elementName: d.elementName,
    error: d.lastError,
    attempts: d.status === 'incident' ? d.attempts : Math.max(d.attempts, d.failures?.length ? d.failures[d.failures.length - 1].attempt : 0),
    maxAttempts: d.maxAttempts,
    firstFailedAt: d.firstFailedAt,
    lastFailedAt: d.lastFailedAt,
    incidentAt: d.incidentAt,
    errors: d.failures ?? [],
    history: d.history ?? [],
  };
}
