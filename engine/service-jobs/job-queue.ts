/**
 * The scheduling half of service and send task jobs (作业): the `service_jobs` documents and the
 * Agenda run that starts each — what the engine's projector asks for (`ServiceJobScheduler`)
 * before it inserts the revision that waits on the task. It needs no engine, so `ProcessService`
 * is built with it; the half that runs the jobs through the engine (`ServiceJobs`,
 * service-jobs.ts) is built after both and enqueues its retries through it.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Agenda } from 'agenda';
import { saveUniqueJobs } from '../timers/unique-jobs';
import { SERVICE_TASK_JOB, serviceJobKey, type ServiceJobRequest, type ServiceJobScheduler } from '../domain/service-jobs';
import type { AttemptLogOf, IncidentHistoryEntryOf } from '../../common/incidents';

export type ServiceJobStatus = 'pending' | 'done' | 'gone' | 'incident' | 'cancelled';
export type AttemptLog = AttemptLogOf<Date>;
export type HistoryEntry = IncidentHistoryEntryOf<Date>;

/** One job of a service or send task, `_id` its key (see service-jobs.ts). */
export interface ServiceJobDoc {
  _id: string;
  instanceId: string;
  elementId: string;
  elementName?: string;
  executionId: string;
  topic: string;
  definitionKey: string;
  caseNo?: string;
  orgUnit?: string;
  status: ServiceJobStatus;
  /** Failed attempts since the job (or its last retry) started. */
  attempts: number;
  /** Attempts allowed before an incident. */
  maxAttempts: number;
  /** Runs started by `retry` (each is an Agenda job of its own). */
  runs: number;
  createdAt: Date;
  firstFailedAt?: Date;
  lastFailedAt?: Date;
  lastError?: string;
  incidentAt?: Date;
  doneAt?: Date;
  failures: AttemptLog[];
  history: HistoryEntry[];
}

const schema = new Schema<ServiceJobDoc>(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    elementId: { type: String, required: true },
    elementName: String,
    executionId: { type: String, required: true },
    topic: { type: String, required: true },
    definitionKey: { type: String, required: true },
    caseNo: String,
    orgUnit: String,
    status: { type: String, required: true },
    attempts: { type: Number, required: true, default: 0 },
    maxAttempts: { type: Number, required: true },
    runs: { type: Number, required: true, default: 0 },
    createdAt: { type: Date, required: true },
    firstFailedAt: Date,
    lastFailedAt: Date,
    lastError: String,
    incidentAt: Date,
    doneAt: Date,
    failures: { type: [Schema.Types.Mixed] as any, default: [] },
    history: { type: [Schema.Types.Mixed] as any, default: [] },
  },
  { versionKey: false, collection: 'service_jobs' },
);
// Incidents newest first by windows of incidentAt (persistence/newest.ts: DocumentDB reads no sort
// from an index), by state and per org unit for scoped lists — DocumentDB's composite index answers a
// range on incidentAt without the leading fields too (`all`; indexes.test.ts shows the plans); a
// case's jobs. Jobs that never failed (nearly all) have no incidentAt and are in no range of it.
schema.index({ status: 1, incidentAt: -1 });
schema.index({ orgUnit: 1, status: 1, incidentAt: -1 });
schema.index({ instanceId: 1 });

/** The `service_jobs` model on `conn` (one per connection). */
export function serviceJobModel(conn: Connection): Model<ServiceJobDoc> {
  return conn.models.ServiceJob ?? conn.model<ServiceJobDoc>('ServiceJob', schema);
}

/** Records and enqueues jobs; see the module header. */
export class ServiceJobQueue implements ServiceJobScheduler {
  readonly model: Model<ServiceJobDoc>;

  /** `retries`: attempts of a job whose diagram names none (SERVICE_JOB_RETRIES). */
  constructor(private readonly deps: { conn: Connection; agenda: Agenda; retries: number }) {
    this.model = serviceJobModel(deps.conn);
  }

  async ensureIndexes(): Promise<void> {
    await this.model.createIndexes();
  }

  /** See {@link ServiceJobScheduler.schedule}: the job document (if absent), then its first Agenda run. */
  async schedule(requests: ServiceJobRequest[]): Promise<void> {
    const now = new Date();
    for (const r of requests) {
      const key = serviceJobKey(r.instanceId, r.elementId, r.executionId);
      const doc: Omit<ServiceJobDoc, '_id'> = {
        instanceId: r.instanceId,
        elementId: r.elementId,
        ...(r.name ? { elementName: r.name } : {}),
        executionId: r.executionId,
        topic: r.topic,
        definitionKey: r.definitionKey,
        ...(r.caseNo ? { caseNo: r.caseNo } : {}),
        ...(r.orgUnit ? { orgUnit: r.orgUnit } : {}),
        status: 'pending',
        attempts: 0,
        maxAttempts: r.retries ?? this.deps.retries,
        runs: 0,
        createdAt: now,
        failures: [],
        history: [],
      };
      await this.model.updateOne({ _id: key }, { $setOnInsert: doc }, { upsert: true });
      await this.enqueue(key, 0);
    }
  }

  /** One Agenda run of `key`, unique per run number (a retry is a new run). */
  async enqueue(key: string, run: number): Promise<void> {
    // Agenda's insert-only unique save, written as unique-jobs.ts writes it: two writers of one run at once leave one job (issue 12)
    await saveUniqueJobs(this.deps.agenda, [{ name: SERVICE_TASK_JOB, data: { key: `${key}#${run}`, job: key }, at: new Date() }]);
  }
}
