/**
 * Keeps Agenda working through a database outage (issue 11: "Agenda is known to stop processing
 * after a lost connection"). What Agenda 6 does by itself, read in its source and seen in
 * test/features/database-outage.test.ts: its poll is a plain `setInterval` whose lock query
 * errors are caught and emitted as `error`, so polling goes on and jobs due during the outage
 * run once the database answers. What it does not do:
 *
 * 1. A job that was locked or running when the database went away cannot be unlocked (the save
 *    at its end fails and Agenda only logs it): it stays locked in the database and runs again
 *    only when its lock lifetime has passed (60 s by default) — a timer fired a minute late.
 *    The watchdog remembers every lock this process took (`getNextJobToRun`), and once such a
 *    job is no longer held in memory but still carries that same lock in the database, releases
 *    it with one conditional update by `_id` (`{_id, lockedAt: <that lock>}`), so it runs again
 *    at the next poll. Locks taken by other processes, or retaken after expiry, never match.
 * 2. Each failed poll is an `error` event, one per job name every poll (dozens a second): the
 *    watchdog logs the outage once every 10 s and says when the database answers again.
 * 3. If Agenda's processor ever stops without being asked to (not seen in 6.2.6, cheap to
 *    check), it starts it again.
 *
 * A job whose handler fails because the database is unavailable is retried every few seconds
 * for as long as that lasts (`retryWhileDatabaseDown`, given to every job by workers/index.ts);
 * other failures keep each job's own strategy.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Agenda, BackoffStrategy } from 'agenda';
import { ObjectId, type Collection } from 'mongodb';
import { isDatabaseUnavailable } from '../domain/errors';
import type { Logger } from '../domain/types';

/** A name for this process's Agenda (recorded as `lastModifiedBy` on the jobs it locks). */
export function agendaInstanceName(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface AgendaWatchdogOptions {
  /** How often the watchdog looks, ms. Default 2000. */
  everyMs?: number;
  /** A lock is considered for release only when it is at least this old, ms. Default 3000. */
  graceMs?: number;
  /** Outage log lines at most this often, ms. Default 10 000. */
  logEveryMs?: number;
}

export interface AgendaWatchdog {
  /** Locks this process took whose jobs may still need checking. */
  readonly trackedLocks: number;
  /** Locks released after a failed unlock, since start. */
  readonly released: number;
  stop(): void;
}

interface JobLike {
  attrs: { _id?: unknown };
}

const idOf = (id: unknown) => String(id);

/**
 * Installs the watchdog on an Agenda that has not been started yet; it begins looking once
 * `agenda.start()` resolved. `agenda.stop()`/`drain()` stop it.
 */
export function watchAgenda(agenda: Agenda, logger: Logger, options: AgendaWatchdogOptions = {}): AgendaWatchdog {
  const everyMs = options.everyMs ?? 2000;
  const graceMs = options.graceMs ?? 3000;
  const logEveryMs = options.logEveryMs ?? 10_000;
  const a = agenda as any;
  const repo = a.db as { getNextJobToRun: (...args: any[]) => Promise<any>; collection?: Collection };
  /** job id → the lockedAt this process wrote */
  const locks = new Map<string, Date>();
  let released = 0;
  let stopped = false;
  let started = false;
  let timer: NodeJS.Timeout | undefined;

  // --- outage bookkeeping: one line per logEveryMs, one when it is over
  let downSince: number | undefined;
  let errorsSinceLog = 0;
  let lastLog = 0;
  const noteDown = (err: unknown) => {
    const now = Date.now();
    errorsSinceLog++;
    if (downSince === undefined) downSince = now;
    if (now - lastLog >= logEveryMs) {
      logger.warn({ err: String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300), errors: errorsSinceLog, downForMs: now - downSince }, 'agenda: database unavailable; polling goes on');
      lastLog = now;
      errorsSinceLog = 0;
    }
  };
  const noteUp = () => {
    if (downSince === undefined) return;
    logger.info({ downForMs: Date.now() - downSince }, 'agenda: database answers again; processing resumed');
    downSince = undefined;
    errorsSinceLog = 0;
    lastLog = 0;
  };

  // --- remember every lock this process takes
  const getNextJobToRun = repo.getNextJobToRun.bind(repo);
  repo.getNextJobToRun = async (...args: any[]) => {
    const job = await getNextJobToRun(...args); // a failure reaches the 'error' listener below
    noteUp();
    if (job?._id && job.lockedAt) locks.set(idOf(job._id), new Date(job.lockedAt));
    return job;
  };

  agenda.on('error', (err: Error) => {
    if (isDatabaseUnavailable(err)) return noteDown(err); // counted, logged at most every logEveryMs
    logger.error({ err: err?.message }, 'agenda error');
  });

  const start = agenda.start.bind(agenda);
  (agenda as any).start = async (...args: any[]) => {
    const r = await (start as any)(...args);
    started = true;
    stopped = false;
    return r;
  };
  for (const m of ['stop', 'drain'] as const) {
    const orig = (agenda as any)[m].bind(agenda);
    (agenda as any)[m] = (...args: any[]) => {
      stopped = true;
      if (timer) clearInterval(timer);
      return orig(...args);
    };
  }

  const held = (): Set<string> => {
    const jp = a.jobProcessor as { lockedJobs?: JobLike[]; runningJobs?: JobLike[] } | undefined;
    const ids = new Set<string>();
    for (const j of [...(jp?.lockedJobs ?? []), ...(jp?.runningJobs ?? [])]) ids.add(idOf(j.attrs._id));
    return ids;
  };

  let busy = false;
  const tick = async () => {
    if (!started || stopped || busy) return;
    busy = true;
    try {
      // 3. a processor that stopped by itself is started again
      const jp = a.jobProcessor as { isRunning?: boolean; processInterval?: unknown; stop(): unknown } | undefined;
      if (!jp || jp.isRunning === false || jp.processInterval === undefined) {
        logger.warn({}, 'agenda: job processing had stopped; starting it again');
        if (jp) {
          jp.stop(); // its locks stay; this process takes them up again or they expire
          a.jobProcessor = undefined;
        }
        await start();
        return;
      }
      // 1. locks left behind by a failed unlock
      const inMemory = held();
      const cutoff = Date.now() - graceMs;
      const candidates = [...locks].filter(([id, at]) => !inMemory.has(id) && at.getTime() <= cutoff);
      if (candidates.length === 0 || !repo.collection) return;
      const byHex = candidates.filter(([id]) => ObjectId.isValid(id));
      const docs = await repo.collection
        .find({ _id: { $in: byHex.map(([id]) => new ObjectId(id)) } as any }, { projection: { lockedAt: 1, nextRunAt: 1, name: 1 } })
        .toArray();
      const found = new Map(docs.map((d: any) => [idOf(d._id), d]));
      for (const [id, at] of candidates) {
        const doc = found.get(id);
        if (!doc || !doc.lockedAt || new Date(doc.lockedAt).getTime() !== at.getTime()) {
          locks.delete(id); // unlocked as usual (or taken over by another process after expiry)
          continue;
        }
        if (held().has(id)) continue; // picked up again meanwhile
        // still locked by this process, which no longer holds it: the unlock was lost
        const r = await repo.collection.updateOne({ _id: doc._id, lockedAt: doc.lockedAt }, { $set: { lockedAt: null, nextRunAt: doc.nextRunAt ?? new Date() } });
        locks.delete(id);
        if (r.modifiedCount) {
          released++;
          logger.warn({ jobName: doc.name, jobId: id, lockedAt: at.toISOString() }, 'agenda: released a lock whose unlock was lost in a database outage; the job runs again');
        }
      }
    } catch (err) {
      if (!isDatabaseUnavailable(err)) logger.error({ err: (err as Error)?.message }, 'agenda watchdog failed');
    } finally {
      busy = false;
    }
  };
  timer = setInterval(() => void tick(), everyMs);
  timer.unref();

  return {
    get trackedLocks() {
      return locks.size;
    },
    get released() {
      return released;
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}

/**
 * A backoff strategy that retries for as long as the database is unavailable (every `delayMs`,
 * the attempts not counted against `strategy`'s limit), and otherwise asks `strategy`.
 * A timer must not be dropped because its retries ran out during an outage.
 */
export function retryWhileDatabaseDown(strategy: BackoffStrategy, delayMs = 5000): BackoffStrategy {
  const wrapped: BackoffStrategy & { whileDatabaseDown?: true } = (context) => (isDatabaseUnavailable(context.error) ? delayMs : strategy(context));
  wrapped.whileDatabaseDown = true;
  return wrapped;
}

/**
 * Gives every job defined so far `retryWhileDatabaseDown` around its own strategy (none: no retry,
 * Agenda's default). Without it a one-off job (a supervision clock's signal, say) whose handler
 * met an outage would be marked failed and never run again. Call after the last `define`.
 */
export function retryAllWhileDatabaseDown(agenda: Agenda, delayMs = 5000): void {
  const definitions = (agenda as any).definitions as Record<string, { backoff?: BackoffStrategy & { whileDatabaseDown?: true } }>;
  for (const def of Object.values(definitions)) {
    if (def.backoff?.whileDatabaseDown) continue;
    def.backoff = retryWhileDatabaseDown(def.backoff ?? (() => null), delayMs);
  }
}
