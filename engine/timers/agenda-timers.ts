/**
 * Agenda 6 wiring: one Agenda per process, on the same database, tuned so a due timer fires
 * within about a second and a dead worker's locks are taken over after about a minute
 * (its defaults are a 5 s poll and a 10 min lock).
 */
import { Agenda } from 'agenda';
import { batchLockingBackend } from './agenda-lock';
import type { Db } from 'mongodb';
import { agendaInstanceName } from './agenda-watchdog';
import { BPMN_TIMER_JOB, timerJobKey, type TimerRequest, type TimerScheduler } from './timer-port';
import { saveUniqueJobs } from './unique-jobs';

export interface AgendaOptions {
  /** How often Agenda polls for due jobs, in milliseconds. Default 500. */
  processEveryMs?: number;
  /** How long a job lock lives before another worker may take the job over, in ms. Default 60 000. */
  lockLifetimeMs?: number;
  /** Jobs run at once by this process. Default 10. */
  maxConcurrency?: number;
  /** Jobs of one name this process holds locked (running or about to). Default 4 × maxConcurrency. */
  lockLimit?: number;
}

export function createAgenda(db: Db, options: AgendaOptions = {}): Agenda {
  return new Agenda({
    // recorded as lastModifiedBy on the jobs this process locks (agenda-watchdog.ts)
    name: agendaInstanceName(),
    // The lock query without a sort: Agenda sorts the due jobs of a name by (nextRunAt, priority)
    // to lock one, and DocumentDB reads no sort from an index, so every lock read and sorted every
    // due job — 15.6 ms a lock with 1,000 due against 5.5 ms unsorted (measured on the embedded
    // database), and a deadline at the centre's close of business (17:30) makes hundreds due at
    // once. Order among due jobs does not matter here: no job sets a priority, each runs once by
    // its key, and the index on (name, nextRunAt) still hands out the oldest first when it is used.
    // (`{}` is truthy: the backend keeps it instead of its default sort.) The backend would build
    // its lock index from the sort — other keys under the same name on an existing database, and
    // its creation throws — so it builds none, and ensureIndexes creates `findAndLockNextJobIndex`
    // with the keys it always had (persistence/models.ts AGENDA_LOCK_INDEX).
    // The lock itself runs as two index ranges and locks due jobs in batches (agenda-lock.ts): the
    // backend's single `$or` query read every index entry of the job name per lock and per poll.
    backend: batchLockingBackend({ mongo: db as any, sort: {}, ensureIndex: false } as any),
    processEvery: options.processEveryMs ?? 500,
    defaultLockLifetime: options.lockLifetimeMs ?? 60_000,
    maxConcurrency: options.maxConcurrency ?? 10,
    defaultConcurrency: options.maxConcurrency ?? 10,
    // Jobs of one name locked by this process and not yet finished: Agenda otherwise locks every
    // due job at once (1,000 timers of a close-of-business deadline), queues them in memory, and
    // drops — to run again after the lock lifetime — those that waited there longer than it; a
    // second worker process finds them all locked meanwhile.
    defaultLockLimit: options.lockLimit ?? 4 * (options.maxConcurrency ?? 10),
    // A one-off job that ran is deleted: agendaJobs holds what is still to run, not every timer
    // and clock signal of every case ever (Agenda keeps them by default). Each poll's lock query
    // reads a job name's index entries (DocumentDB's planner cannot range both branches of its
    // $or), so a collection that grew with cases made every poll slower: 23 ms per job name and
    // poll at 60,000 kept jobs, measured. Firing twice is guarded elsewhere: a fired timer no
    // longer waits in its instance, a clock's signal is claimed by insert.
    removeOnComplete: true,
  } as any);
}

/**
 * Timer scheduling through Agenda jobs with a unique `data.key`, insert-only: the timers of one
 * command in one round trip (unique-jobs.ts; it was one `findAndModify` per timer).
 */
export class AgendaTimerScheduler implements TimerScheduler {
  constructor(private readonly agenda: Agenda) {}

  async schedule(requests: TimerRequest[]): Promise<void> {
    await saveUniqueJobs(
      this.agenda,
      requests.map((r) => ({
        name: BPMN_TIMER_JOB,
        data: { key: timerJobKey(r), instanceId: r.instanceId, elementId: r.elementId, expireAt: r.expireAt.toISOString() },
        at: r.expireAt,
      })),
    );
  }
}
