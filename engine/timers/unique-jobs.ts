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
 * (createAgenda configures none; Agenda polls).
 *
 * One job per key, also when two processes write the same new key at the same instant (issue 12):
 * both upserts can miss and both insert, so Agenda's collection carries a unique index on
 * `(data.key, name)` for the jobs that have a key (`UNIQUE_JOB_KEY_INDEX`, partial: Agenda's
 * repeating jobs have none), created at start (`ensureUniqueJobKeyIndex`, from
 * persistence/models.ts ensureIndexes). The loser's duplicate-key error means "already there" and
 * is not an error here. A batch is written in (name, key) order, so two writers of the same keys do
 * not deadlock; a write DocumentDB broke off as a deadlock all the same is sent again. The `{ name, data.key }` index still serves
 * the reads. Measured (engine/timers/__tests__/unique-key-race.scenario.ts): without the unique
 * index two writers saving the same 100 new keys at once wrote about three keys in four twice.
 */
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';

/**
 * The unique index on a job's key: only jobs with a `data.key` (partial), unique per name. Its keys
 * are in the other order than the `{ name, data.key }` read index so both can exist (one key
 * pattern cannot carry two indexes).
 */
export const UNIQUE_JOB_KEY_INDEX = {
  name: 'uniqueJobKey',
  key: { 'data.key': 1, name: 1 } as Record<string, 1 | -1>,
  options: { name: 'uniqueJobKey', unique: true, partialFilterExpression: { 'data.key': { $exists: true } } },
} as const;

/**
 * Creates the unique index on the jobs' keys (at start, idempotent). A collection written before it
 * may hold a key twice (two writers raced): the extra copies are removed first — every keyed job is
 * idempotent by its data (a signal is claimed by insert, a timer fires only while it waits), so one
 * copy does what both would — the one already locked by a worker kept, else the one due first.
 * Returns how many copies were removed.
 */
export async function ensureUniqueJobKeyIndex(jobs: Collection<Document>, warn: (msg: string) => void = () => undefined): Promise<number> {
  try {
    await jobs.createIndex(UNIQUE_JOB_KEY_INDEX.key, UNIQUE_JOB_KEY_INDEX.options);
    return 0;
  } catch (err) {
    // the build met a key held twice (E11000; DocumentDB: InternalError "could not create exclusion constraint")
    if (!isDuplicate(err as any)) throw err;
  }
  let removed = 0;
  const twins = await jobs
    .aggregate([
      { $match: { 'data.key': { $exists: true } } },
      { $group: { _id: { key: '$data.key', name: '$name' }, n: { $sum: 1 }, jobs: { $push: { _id: '$_id', lockedAt: '$lockedAt', nextRunAt: '$nextRunAt' } } } },
      { $match: { n: { $gt: 1 } } },
    ])
    .toArray();
  for (const t of twins) {
    const copies = [...(t.jobs as { _id: unknown; lockedAt?: Date | null; nextRunAt?: Date | null }[])].sort(
      (a, b) => Number(!!b.lockedAt) - Number(!!a.lockedAt) || (a.nextRunAt?.getTime() ?? Infinity) - (b.nextRunAt?.getTime() ?? Infinity),
    );
    const r = await jobs.deleteMany({ _id: { $in: copies.slice(1).map((c) => c._id) } as any });
    removed += r.deletedCount ?? 0;
  }
  warn(`agendaJobs held ${removed} extra cop${removed === 1 ? 'y' : 'ies'} of ${twins.length} job key(s) (two writers raced before the unique index ${UNIQUE_JOB_KEY_INDEX.name} existed); removed, one job per key kept`);
  await jobs.createIndex(UNIQUE_JOB_KEY_INDEX.key, UNIQUE_JOB_KEY_INDEX.options);
  return removed;
}

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
 * command for the whole batch, none for an empty one. A duplicate-key error is a job another process
 * inserted at the same instant (the unique key index): already there, not an error. Throws the first
 * other write error (the batch is unordered: the other jobs are written anyway, and a retry writes
 * only what is missing).
 */
export async function saveUniqueJobs(agenda: Agenda, jobs: UniqueJob[]): Promise<void> {
  if (!jobs.length) return;
  const collection = await agendaJobs(agenda);
  const a = agenda as any;
  const agendaName: string | null = a.attrs?.name || null;
  // a job's priority is its definition's (Agenda.create); none of ours sets one, so 0
  const priorityOf = (name: string): number => (typeof a.definitions?.[name]?.priority === 'number' ? a.definitions[name].priority : 0);
  // in one order (name, key) for every writer: DocumentDB writes a batch in one transaction, so two
  // writers of the same keys in opposite orders deadlock (PostgreSQL breaks one off after its 1 s
  // deadlock_timeout — 30–60 s for two batches of 100 in the race scenario); in one order the second
  // waits for the first
  let batch = [...jobs].sort((x, y) => (x.name === y.name ? (x.data.key < y.data.key ? -1 : x.data.key > y.data.key ? 1 : 0) : x.name < y.name ? -1 : 1));
  for (let attempt = 1; ; attempt++) {
    try {
      await collection.bulkWrite(batch.map((j) => uniqueJobUpsert(j, agendaName, priorityOf(j.name))), { ordered: false });
      return;
    } catch (err) {
      const again = jobsToWriteAgain(err, batch);
      if (!again.length) return; // every failure a duplicate key: the other writer's job is there
      if (attempt >= 5) throw err;
      batch = again;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.floor(Math.random() * 20)));
    }
  }
}

/** A duplicate key, as MongoDB and DocumentDB name it (DocumentDB: 11000, or InternalError "conflicting key value violates exclusion constraint" under a concurrent insert). */
function isDuplicate(e: { code?: number; errmsg?: string; message?: string }): boolean {
  return e.code === 11000 || /E11000|duplicate key|exclusion constraint/i.test(String(e.errmsg ?? e.message ?? ''));
}

/** A write the database gave up on and that succeeds when sent again (DocumentDB: PostgreSQL's "deadlock detected", 16908292, between two writers of the same keys in another order). */
function isRetryable(e: { code?: number; errmsg?: string; message?: string }): boolean {
  return e.code === 16908292 || /deadlock detected|could not serialize/i.test(String(e.errmsg ?? e.message ?? ''));
}

/**
 * After a failed batch: the jobs to write again (deadlocked with another writer), none when every
 * failure was a duplicate key (the job is there). Throws the error when a failure is neither.
 */
function jobsToWriteAgain(err: unknown, batch: UniqueJob[]): UniqueJob[] {
  const writeErrors: any[] = (err as any)?.writeErrors ? [].concat((err as any).writeErrors) : [];
  if (!writeErrors.length) {
    if (isDuplicate(err as any)) return [];
    if (isRetryable(err as any)) return batch;
    throw err;
  }
  const again: UniqueJob[] = [];
  for (const e of writeErrors) {
    if (isDuplicate(e)) continue;
    if (!isRetryable(e) || typeof e.index !== 'number' || !batch[e.index]) throw err;
    again.push(batch[e.index]);
  }
  return again;
}
