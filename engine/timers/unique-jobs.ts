/**
 * Agenda jobs unique by `data.key`, written in ONE round trip per batch (issue 11, item 3: a case
 * start saved 7–10 jobs one `findAndModify` each).
 *
 * What `agenda.create(name, data).schedule(at).unique({ 'data.key': key }, { insertOnly: true }).save()`
 * sends (agenda 6.2.6 Job.save → @agendajs/mongo-backend 4.0.3 MongoJobRepository.saveJob, read in
 * node_modules): `findOneAndUpdate({ 'data.key': key, name }, { $setOnInsert: doc }, { upsert: true })`
 * where `doc` is the job's attributes without `_id`, `unique`, `uniqueOpts` (`name`, `data`,
 * `type: 'normal'`, `priority` — the definition's, 0 here —, `nextRunAt`) with every optional field
 * written as null and `lastModifiedBy` the Agenda's name. Here the same filter and the same
 * `$setOnInsert` go as the upserts of one `update` command (`bulkWrite`, unordered): a job already
 * there is left exactly as it is (insert-only, as before), a missing one is written with the
 * document Agenda writes — the lock (agenda-lock.ts: `{ name, nextRunAt ≤, lockedAt: null,
 * disabled ≠ true }` on `findAndLockNextJobIndex`) and the watchdog find it the same way.
 *
 * Not sent: the notification Job.save publishes when a notification channel is configured
 * (createAgenda configures none; Agenda polls). Like Agenda's own upsert, two processes writing the
 * same new key at the same instant can both insert (the `{ name, data.key }` index is not unique):
 * every job here is idempotent by its data (a clock signal is claimed by insert, a timer fires
 * only while it still waits), as it was with `save()`.
 */
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';

/** One job to have exactly once: `data.key` is its identity. */
export interface UniqueJob {
  name: string;
  /** The job's data; `key` identifies it (unique per `name`). */
  data: { key: string } & Record<string, unknown>;
  /** When it runs (Agenda's `nextRunAt`). */
  at: Date;
}

/** Agenda's collection, once its backend is connected (`agenda.ready`: no round trip after the first). */
export async function agendaJobs(agenda: Agenda): Promise<Collection<Document>> {
  const a = agenda as any;
  await a.ready;
  const collection = a.db?.collection as Collection<Document> | undefined;
  if (!collection) throw new Error('Agenda is not connected to its collection');
  return collection;
}

/**
 * The document Agenda 6.2.6 inserts for a new one-off job (`saveJob` of `Job.toJson(true)`), field
 * for field: `lastModifiedBy` is `agendaName` (Agenda's `name` option, else null).
 */
export function agendaJobDocument(job: UniqueJob, agendaName: string | null, priority = 0): Document {
  return {
    name: job.name,
    data: job.data,
    type: 'normal',
    priority,
    nextRunAt: job.at,
    lockedAt: null,
    lastFinishedAt: null,
    failedAt: null,
    failCount: null,
    failReason: null,
    repeatTimezone: null,
    lastRunAt: null,
    repeatInterval: null,
    repeatAt: null,
    disabled: null,
    progress: null,
    debounceStartedAt: null,
    fork: null,
    startDate: null,
    endDate: null,
    skipDays: null,
    lastModifiedBy: agendaName,
  };
}

/** The upsert of one unique job, as Agenda's insert-only `save()` filters and writes it. */
export function uniqueJobUpsert(job: UniqueJob, agendaName: string | null, priority = 0): AnyBulkWriteOperation<Document> {
  return {
    updateOne: {
      filter: { 'data.key': job.data.key, name: job.name },
      update: { $setOnInsert: agendaJobDocument(job, agendaName, priority) },
      upsert: true,
    },
  };
}

/**
 * Writes the jobs not there yet (by `name` + `data.key`), leaves the others untouched: one `update`
 * command for the whole batch, none for an empty one. Throws the first write error (the batch is
 * unordered: the other jobs are written anyway, and a retry writes only what is missing).
 */
export async function saveUniqueJobs(agenda: Agenda, jobs: UniqueJob[]): Promise<void> {
  if (!jobs.length) return;
  const collection = await agendaJobs(agenda);
  const a = agenda as any;
  const agendaName: string | null = a.attrs?.name || null;
  // a job's priority is its definition's (Agenda.create); none of ours sets one, so 0
  const priorityOf = (name: string): number => (typeof a.definitions?.[name]?.priority === 'number' ? a.definitions[name].priority : 0);
  await collection.bulkWrite(jobs.map((j) => uniqueJobUpsert(j, agendaName, priorityOf(j.name))), { ordered: false });
}
