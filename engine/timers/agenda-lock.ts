/**
 * Agenda's job lock, in batches and by index ranges (issue 11: 1,000 timers due in the same
 * second fired 30–50 s late).
 *
 * @agendajs/mongo-backend locks one job per round trip with
 * `findOneAndUpdate({name, disabled: {$ne: true}, $or: [{lockedAt: null, nextRunAt: {$lte: scan}},
 * {lockedAt: {$lte: deadline}}]})`. DocumentDB cannot range an index over both branches of the
 * `$or`, so every lock — and every empty poll, per job name and poll — reads all the index
 * entries of that job name (every timer of every open case), and a burst of N due jobs costs N
 * such reads, one after another. Here the two branches are separate queries, each a range of an
 * index:
 * 1. due and not locked: `{name, nextRunAt ≤ scan, lockedAt: null}`, a range of the due index
 *    (nextRunAt, named as the hint: the planner prefers the lock index, where it ranges only the
 *    name — every clock signal of every open case per poll, 84–130 ms at 100,000 cases) — the
 *    ids of up to `batch` due jobs, then each one locked by `_id`
 *    with the same conditional update (`lockedAt: null` still), in parallel: of two processes
 *    racing for a job exactly one wins, as before. The jobs won beyond the first are handed out
 *    on the next calls (Agenda asks again at once while it may lock more).
 * 2. a lock that expired (a dead worker's), `{name, lockedAt ≤ deadline}`: the lock index's
 *    entries of that name, with lockedAt tested in the index (PostgreSQL picks that index over a
 *    (name, lockedAt) one, tried), so at most once per `expiredEveryMs` per job name — Agenda
 *    looked on every lock; a dead worker's job is taken over up to that much later than its
 *    lock lifetime.
 *
 * A job handed out later than `maxHoldMs` after it was locked here (Agenda stopped asking: a lock
 * limit, a stop) is unlocked instead, so it is not left to expire.
 */
import { MongoBackend, MongoJobRepository } from '@agendajs/mongo-backend';
import { AGENDA_DUE_INDEX } from '../persistence/models';

export interface BatchLockOptions {
  /** Due jobs locked per query. Default 20. */
  batch?: number;
  /** How often a job name's expired locks are looked for, ms. Default 5000. */
  expiredEveryMs?: number;
  /** A job locked here but not handed to Agenda within this time is unlocked again, ms. Default 10 000. */
  maxHoldMs?: number;
}

/** What the backend hands Agenda for a locked job (its document, ids as strings). */
function jobObject(doc: any) {
  const out: Record<string, unknown> = { ...doc, _id: doc._id.toHexString() };
  for (const k of Object.keys(out)) if (out[k] === null) out[k] = undefined;
  return out;
}

export class BatchLockingJobRepository extends MongoJobRepository {
  private readonly ready = new Map<string, { job: any; at: number }[]>();
  private readonly expiredCheckedAt = new Map<string, number>();
  private readonly batch: number;
  private readonly expiredEveryMs: number;
  private readonly maxHoldMs: number;

  constructor(connectOptions: ConstructorParameters<typeof MongoJobRepository>[0], options: BatchLockOptions = {}) {
    super(connectOptions);
    this.batch = options.batch ?? 20;
    this.expiredEveryMs = options.expiredEveryMs ?? 5000;
    this.maxHoldMs = options.maxHoldMs ?? 10_000;
  }

  private get jobs(): any {
    return (this as any).collection;
  }

  /** Whether the due index exists (named as the hint); a database without it is polled unhinted. */
  private hintDue = true;

  /** Ids of up to `batch` due, unlocked jobs of a name: a range of the due index (see above). */
  private async dueIds(jobName: string, nextScanAt: Date): Promise<any[]> {
    const filter = { name: jobName, nextRunAt: { $lte: nextScanAt }, lockedAt: null, disabled: { $ne: true } };
    if (this.hintDue) {
      try {
        return await this.jobs.find(filter, { projection: { _id: 1 }, hint: AGENDA_DUE_INDEX.name }).limit(this.batch).toArray();
      } catch (err) {
        // a collection ensureIndexes has not prepared (a bare Agenda in a test, an old database before
        // the platform's start): MongoDB and FerretDB refuse the hint with BadValue (2) — poll unhinted
        if ((err as { code?: number }).code !== 2 || !/hint/i.test((err as Error).message)) throw err;
        this.hintDue = false;
      }
    }
    return this.jobs.find(filter, { projection: { _id: 1 } }).limit(this.batch).toArray();
  }

  override async getNextJobToRun(jobName: string, nextScanAt: Date, lockDeadline: Date, now?: Date, options?: { lastModifiedBy?: string }): Promise<any> {
    const held = this.ready.get(jobName);
    while (held?.length) {
      const h = held.shift()!;
      if (Date.now() - h.at <= this.maxHoldMs) return h.job;
      await this.unlockJob(h.job as any).catch(() => undefined); // left too long: free it for anyone
    }
    const lockTime = now ?? new Date();
    const set = { $set: { lockedAt: lockTime, lastModifiedBy: options?.lastModifiedBy ?? null } };
    // 1. a lock that expired (its process died), looked for now and then
    const last = this.expiredCheckedAt.get(jobName) ?? 0;
    if (Date.now() - last >= this.expiredEveryMs) {
      this.expiredCheckedAt.set(jobName, Date.now());
      const expired = await this.jobs.findOneAndUpdate({ name: jobName, lockedAt: { $lte: lockDeadline }, disabled: { $ne: true } }, set, { returnDocument: 'after' });
      if (expired) {
        this.expiredCheckedAt.delete(jobName); // there may be more: look again on the next call
        return jobObject(expired);
      }
    }
    // 2. due and not locked (a range of the due index), then each locked by _id, conditionally
    const due = await this.dueIds(jobName, nextScanAt);
    if (!due.length) return undefined;
    const won = (
      await Promise.all(
        due.map((d: any) =>
          this.jobs.findOneAndUpdate({ _id: d._id, name: jobName, nextRunAt: { $lte: nextScanAt }, lockedAt: null, disabled: { $ne: true } }, set, { returnDocument: 'after' }),
        ),
      )
    ).filter(Boolean);
    // none won: all taken by another process meanwhile, and the next poll looks again
    if (!won.length) return undefined;
    const at = Date.now();
    const jobs = won.map(jobObject);
    if (jobs.length > 1) this.ready.set(jobName, [...(this.ready.get(jobName) ?? []), ...jobs.slice(1).map((job) => ({ job, at }))]);
    return jobs[0];
  }
}

/** A MongoBackend whose repository locks in batches by index ranges (see above). */
export function batchLockingBackend(config: ConstructorParameters<typeof MongoBackend>[0], options?: BatchLockOptions): MongoBackend {
  const backend = new MongoBackend(config);
  const c = config as any;
  (backend as any)._repository = new BatchLockingJobRepository(
    { mongo: c.mongo, db: { collection: c.collection }, ensureIndex: c.ensureIndex, sort: c.sort } as any,
    options,
  );
  return backend;
}
