/**
 * The records of requests answered under an Idempotency-Key (collection `idempotency_records`):
 * the repository behind api/http/idempotency.ts, which decides what HTTP says about them (issue
 * #14: api/ queries no models). A record is claimed by insert before the request's handler runs;
 * its state is `in-flight` (being answered, or its process died), `retry` (the attempt answered
 * 5xx or settled after its deadline's 503: a resend runs again at once) or `done` (the answer is
 * stored and replayed).
 */
import { isDuplicateKey, type Models } from './models';

export interface StoredAnswer {
  statusCode: number;
  contentType: string;
  body: string;
}

/** What a claim found. */
export type IdempotencyClaim =
  /** a new record, in flight: run the handler */
  | { kind: 'new' }
  /** taken over from an attempt that answered 5xx (or died): run the handler, told what it had named */
  | { kind: 'taken-over'; previous?: string }
  /** answered before: replay */
  | { kind: 'done'; answer: StoredAnswer }
  /** the same key with another request body */
  | { kind: 'reused' }
  /** another attempt is being answered */
  | { kind: 'in-flight' };

export class IdempotencyStore {
  constructor(private readonly models: Models) {}

  /**
   * Claims request `id` (caller, route and key hashed) for a body hashed `requestHash`: inserts an
   * in-flight record, or finds the existing one. One found `retry`, or `in-flight` for longer than
   * `staleMs` (its process is presumed dead), is taken over by a conditional update: one taker.
   */
  async claim(id: string, requestHash: string, now: Date, staleMs: number): Promise<IdempotencyClaim> {
    const { IdempotencyRecord } = this.models;
    try {
      await IdempotencyRecord.create({ _id: id, requestHash, state: 'in-flight', at: now });
      return { kind: 'new' };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const rec = await IdempotencyRecord.findById(id).lean();
    if (!rec) return { kind: 'in-flight' };
    if (rec.requestHash !== requestHash) return { kind: 'reused' };
    if (rec.state === 'done') return { kind: 'done', answer: { statusCode: rec.statusCode as number, contentType: (rec.contentType as string | undefined) ?? 'application/json', body: (rec.body as string | undefined) ?? '' } };
    if (rec.state !== 'retry' && now.getTime() - new Date(rec.at as Date).getTime() < staleMs) return { kind: 'in-flight' };
    const took = await IdempotencyRecord.updateOne({ _id: id, state: rec.state, at: rec.at }, { $set: { state: 'in-flight', at: now } });
    if (!took.modifiedCount) return { kind: 'in-flight' };
    return { kind: 'taken-over', previous: (rec.subject as string | undefined) ?? undefined };
  }

  /** Names what the request created (the intake's case number, a complaint's reference). */
  async attach(id: string, subject: string): Promise<void> {
    await this.models.IdempotencyRecord.updateOne({ _id: id }, { $set: { subject } });
  }

  /** Stores the answer (2xx, 4xx): a resend gets it back. */
  async markDone(id: string, answer: StoredAnswer, now: Date): Promise<void> {
    await this.models.IdempotencyRecord.updateOne({ _id: id }, { $set: { state: 'done', ...answer, doneAt: now } });
  }

  /** The attempt is over without an outcome (5xx, or settled after its deadline answered): a resend runs again. */
  async markRetry(id: string): Promise<void> {
    await this.models.IdempotencyRecord.updateOne({ _id: id, state: 'in-flight' }, { $set: { state: 'retry' } });
  }

  /** Deletes the records claimed before `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    return (await this.models.IdempotencyRecord.deleteMany({ at: { $lt: before } })).deletedCount ?? 0;
  }
}
