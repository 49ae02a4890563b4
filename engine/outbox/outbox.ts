/**
 * The outbound feed to the provincial electronic supervision platform (省级电子监察平台数据推送),
 * as a transactional-outbox table: services `append` an event with the state change that caused
 * it; workers `deliverDue` pending events to the one configured endpoint, at least once, with a
 * stable `Idempotency-Key` per event so the receiver can drop repeats.
 *
 * Collections: `outbox` (one document per event, `_id` = the producer's dedupe key) and
 * `outbox_leases` (one document per delivery attempt, `_id` = `<eventId>:<attempt>`).
 *
 * Why an insert claims each attempt (DESIGN.md §2, ENGINE-NOTES.md "FerretDB"): FerretDB 1.24
 * does not make a conditional update atomic — `updateOne({ _id, status: 'pending' }, …)` reads and
 * then rewrites the whole document without re-checking the filter, so two workers could both
 * "claim" an event by update and both POST it. An insert on a unique `_id` is atomic on FerretDB
 * (a SQLite UNIQUE index) and on MongoDB. So before attempt n of event e a worker inserts
 * `{ _id: "e:n" }`; whoever gets duplicate key (11000) knows another worker owns attempt n and
 * skips the event. The attempt number in the key makes a stale read harmless: a worker that read
 * the event before attempt n was recorded still tries `e:n` and collides. The lease holder is the
 * only writer of the event's transition from n-1 to n attempts, which is why that plain
 * `updateOne` (not atomic on FerretDB) is safe.
 *
 * A worker that dies between its claim and recording the outcome leaves the event at n-1 with
 * lease `e:n` taken. When the lease has expired (claim time + request timeout + grace), the next
 * worker claims `e:n:abandoned` by insert and records attempt n as "outcome unknown", so attempt
 * n+1 can go out (the receiver may or may not have seen attempt n: hence the Idempotency-Key).
 *
 * Retention: the dedupe key protects against double appends only while the event document
 * exists; never delete events younger than the longest time a producer might repeat an append.
 * `pruneDelivered` (daily job `outbox.prune`, PROVINCE_FEED_RETENTION_DAYS) removes delivered
 * events and then `pruneLeases` their settled lease documents.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Schema, type Connection, type Model } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import type { Logger } from '../domain/types';
import { isDuplicateKey } from '../persistence/models';
import { newestFirst } from '../persistence/newest';
import { deleteEachById } from '../persistence/by-id-writes';
import { checkEndpoint } from './endpoint';
import { normaliseEventData } from './event-data';

export type OutboxStatus = 'pending' | 'delivered' | 'failed';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'failed'];

export interface OutboxEventInput {
  /** What happened, e.g. `case.accepted`, `clock.breached`. */
  type: string;
  caseNo?: string;
  orgUnit?: string;
  occurredAt: Date;
  /** Facts of the event; never personal data (refused). */
  data: Record<string, unknown>;
  /** The producer's key for "this event": appending it again is a no-op. Becomes the event id. */
  dedupeKey: string;
}

/** One delivery attempt as recorded in `attemptsLog`. */
export interface OutboxAttempt {
  attempt: number;
  at: Date;
  durationMs: number;
  /** HTTP status, when a response came. */
  statusCode?: number;
  /** Network error, timeout, or why the outcome is unknown. */
  error?: string;
  worker: string;
}

interface OutboxEventDoc {
  _id: string;
  type: string;
  caseNo?: string;
  orgUnit?: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  status: OutboxStatus;
  /** Attempts made so far (monotonic; lease ids are numbered by it). */
  attempts: number;
  /** `attempts` when the current budget started (0, or the value at the last `retry`). */
  budgetFrom: number;
  nextAttemptAt: Date;
  idempotencyKey: string;
  createdAt: Date;
  lastAttemptAt?: Date | null;
  lastStatus?: number | null;
  lastError?: string | null;
  deliveredAt?: Date | null;
  failedAt?: Date | null;
  requeues: number;
  requeuedAt?: Date | null;
  attemptsLog: OutboxAttempt[];
}

interface OutboxLeaseDoc {
  _id: string;
  eventId: string;
  attempt: number;
  kind: 'send' | 'abandoned';
  worker: string;
  claimedAt: Date;
  expiresAt: Date;
}

/** What `list`, `get` and `retry` return. */
export interface OutboxEventView {
  id: string;
  type: string;
  caseNo?: string;
  orgUnit?: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  idempotencyKey: string;
  createdAt: Date;
  lastAttemptAt?: Date;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: Date;
  failedAt?: Date;
  requeues: number;
  attemptsLog: OutboxAttempt[];
}

export interface OutboxOptions {
  /** Non-loopback hosts the feed may be sent to (exact names). */
  allowedHosts?: readonly string[];
  /** First retry delay; doubles per failed attempt. Default 1 000 ms. */
  baseBackoffMs?: number;
  /** Longest retry delay. Default 600 000 ms (10 min). */
  maxBackoffMs?: number;
  /** Attempts per budget before an event is dead-lettered (`failed`). Default 10. */
  maxAttempts?: number;
  /** How long after its request timeout a claimed attempt counts as abandoned. Default 60 000 ms. */
  leaseGraceMs?: number;
  /** Name of this worker in leases and the attempts log. Default host:pid:random. */
  workerId?: string;
  logger?: Logger;
}

export interface DeliveryOptions {
  /** The provincial platform's receiving URL (http or https; loopback or an allowed host). */
  endpoint: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Events handled per call, at most. */
  batch: number;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
}

export interface DeliveryReport {
  /** Due events read. */
  picked: number;
  delivered: number;
  /** Failed retryably and scheduled again. */
  retrying: number;
  /** Dead-lettered in this call (4xx, or attempts used up). */
  failed: number;
  /** Another worker owned the attempt. */
  skipped: number;
  /** Attempts of dead workers recorded as abandoned. */
  recovered: number;
  /** The endpoint was unreachable (network error or timeout): the rest of the batch waits. */
  stoppedEarly: boolean;
}

export const OUTBOX_COLLECTION = 'outbox';
export const OUTBOX_LEASES_COLLECTION = 'outbox_leases';

const attemptSchema = new Schema<OutboxAttempt>(
  {
    attempt: { type: Number, required: true },
    at: { type: Date, required: true },
    durationMs: { type: Number, required: true },
    statusCode: Number,
    error: String,
    worker: { type: String, required: true },
  },
  { _id: false, versionKey: false },
);

const eventSchema = new Schema<OutboxEventDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    caseNo: String,
    orgUnit: String,
    occurredAt: { type: Date, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    status: { type: String, required: true, enum: OUTBOX_STATUSES as OutboxStatus[] },
    attempts: { type: Number, required: true, default: 0 },
    budgetFrom: { type: Number, required: true, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    idempotencyKey: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastAttemptAt: Date,
    lastStatus: Number,
    lastError: String,
    deliveredAt: Date,
    failedAt: Date,
    requeues: { type: Number, default: 0 },
    requeuedAt: Date,
    attemptsLog: { type: [attemptSchema], default: [] },
  },
  { versionKey: false, minimize: false, collection: OUTBOX_COLLECTION },
);
eventSchema.index({ status: 1, nextAttemptAt: 1 });
eventSchema.index({ status: 1, occurredAt: 1 });
eventSchema.index({ caseNo: 1 });
eventSchema.index({ occurredAt: 1, _id: 1 });
eventSchema.index({ status: 1, deliveredAt: 1 });

const leaseSchema = new Schema<OutboxLeaseDoc>(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    attempt: { type: Number, required: true },
    kind: { type: String, required: true },
    worker: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: OUTBOX_LEASES_COLLECTION },
);
leaseSchema.index({ claimedAt: 1 });

/**
 * The event's Idempotency-Key: a UUID (RFC 9562 version 8, i.e. custom) made of the first 128
 * bits of SHA-256(dedupeKey), so it is the same on every attempt, in every process, forever.
 */
export function idempotencyKeyFor(dedupeKey: string): string {
  const b = createHash('sha256').update(dedupeKey, 'utf8').digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Delay before the next attempt after `failedInBudget` failed attempts (1 → base). */
export function backoffDelayMs(failedInBudget: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(failedInBudget - 1, 0), 40);
  return Math.min(baseMs * 2 ** exp, maxMs);
}

const TYPE = /^[A-Za-z][A-Za-z0-9._:-]{0,99}$/;
const DEDUPE_KEY = /^[A-Za-z0-9:_.-]{1,200}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function optionalText(name: string, v: unknown, max: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max || CONTROL.test(v)) {
    throw new ValidationError('OUTBOX_EVENT_INVALID', `${name} must be a non-empty string of at most ${max} printable characters`);
  }
  return v;
}

function positiveInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new ValidationError('OUTBOX_OPTION_INVALID', `${name} must be a whole number from 1 to ${max}`);
  return v;
}

type Outcome =
  | { kind: 'delivered'; statusCode: number; durationMs: number }
  | { kind: 'rejected'; statusCode: number; durationMs: number; error: string }
  | { kind: 'retryable'; statusCode?: number; durationMs: number; error: string; retryAfterMs?: number; unreachable: boolean };

export class Outbox {
  private readonly events: Model<OutboxEventDoc>;
  private readonly leases: Model<OutboxLeaseDoc>;
  private readonly allowedHosts: readonly string[];
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  readonly maxAttempts: number;
  private readonly leaseGraceMs: number;
  readonly workerId: string;
  private readonly logger?: Logger;

  constructor(conn: Connection, options: OutboxOptions = {}) {
    this.events = (conn.models.OutboxEvent as Model<OutboxEventDoc> | undefined) ?? conn.model<OutboxEventDoc>('OutboxEvent', eventSchema, OUTBOX_COLLECTION);
    this.leases = (conn.models.OutboxLease as Model<OutboxLeaseDoc> | undefined) ?? conn.model<OutboxLeaseDoc>('OutboxLease', leaseSchema, OUTBOX_LEASES_COLLECTION);
    this.allowedHosts = options.allowedHosts ?? [];
    this.baseBackoffMs = options.baseBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 600_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.leaseGraceMs = options.leaseGraceMs ?? 60_000;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.logger = options.logger;
    if (!(this.baseBackoffMs > 0) || !(this.maxBackoffMs >= this.baseBackoffMs)) throw new ValidationError('OUTBOX_OPTION_INVALID', 'need 0 < baseBackoffMs <= maxBackoffMs');
    positiveInt('maxAttempts', this.maxAttempts, 1000);
    if (!(this.leaseGraceMs >= 0)) throw new ValidationError('OUTBOX_OPTION_INVALID', 'leaseGraceMs must not be negative');
  }

  /** Creates the indexes (the platform connects with `autoIndex: false`). */
  async ensureIndexes(): Promise<void> {
    await this.events.createIndexes();
    await this.leases.createIndexes();
  }

  /** Checks an endpoint against this outbox's rules (use at start-up to fail fast). */
  checkEndpoint(endpoint: string, token?: string): URL {
    return checkEndpoint(endpoint, this.allowedHosts, { token });
  }

  // ------------------------------------------------------------------ append

  /**
   * Records an event for delivery. A second append with the same dedupeKey changes nothing
   * (`created: false`), whatever else it carries.
   * @throws ValidationError for malformed input or personal data (`OUTBOX_PERSONAL_DATA`)
   */
  async append(event: OutboxEventInput, now: Date = new Date()): Promise<{ id: string; idempotencyKey: string; created: boolean }> {
    return (await this.appendMany([event], now))[0];
  }

  /**
   * Records several events with one insert (the audit chain's feed events of one command), each
   * as `append` would: checked first (one bad event refuses them all), and an event whose
   * dedupeKey is recorded already changes nothing (`created: false`).
   * @throws ValidationError for malformed input or personal data (`OUTBOX_PERSONAL_DATA`)
   */
  async appendMany(events: OutboxEventInput[], now: Date = new Date()): Promise<{ id: string; idempotencyKey: string; created: boolean }[]> {
    const docs = events.map((e) => this.toDoc(e, now));
    if (!docs.length) return [];
    const dup = new Set<number>();
    try {
      await this.events.collection.insertMany(docs as any[], { ordered: false });
    } catch (err) {
      const writeErrors = (err as any)?.writeErrors;
      const list: any[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : isDuplicateKey(err) && docs.length === 1 ? [{ index: 0, code: 11000 }] : [];
      if (!list.length || list.some((w) => (w.code ?? w.err?.code) !== 11000)) throw err;
      for (const w of list) dup.add(Number(w.index ?? w.err?.index));
    }
    return docs.map((d, i) => ({ id: d._id, idempotencyKey: d.idempotencyKey, created: !dup.has(i) }));
  }

  private toDoc(event: OutboxEventInput, now: Date): OutboxEventDoc {
    const e = (event ?? {}) as Partial<OutboxEventInput>;
    if (typeof e.type !== 'string' || !TYPE.test(e.type)) {
      throw new ValidationError('OUTBOX_EVENT_INVALID', 'type must start with a letter and hold letters, digits, ".", "_", ":" or "-" (at most 100)');
    }
    // The dedupe key is the event id: kept to characters that are safe in a URL path segment.
    if (typeof e.dedupeKey !== 'string' || !DEDUPE_KEY.test(e.dedupeKey)) {
      throw new ValidationError('OUTBOX_EVENT_INVALID', 'dedupeKey must be 1 to 200 letters, digits, ":", "_", "." or "-"');
    }
    const dedupeKey = e.dedupeKey;
    const caseNo = optionalText('caseNo', e.caseNo, 100);
    const orgUnit = optionalText('orgUnit', e.orgUnit, 100);
    if (!(e.occurredAt instanceof Date) || Number.isNaN(e.occurredAt.getTime())) {
      throw new ValidationError('OUTBOX_EVENT_INVALID', 'occurredAt must be a valid Date');
    }
    const data = normaliseEventData(e.data);
    const idempotencyKey = idempotencyKeyFor(dedupeKey);
    const doc: OutboxEventDoc = {
      _id: dedupeKey,
      type: e.type,
      ...(caseNo ? { caseNo } : {}),
      ...(orgUnit ? { orgUnit } : {}),
      occurredAt: e.occurredAt,
      data,
      status: 'pending',
      attempts: 0,
      budgetFrom: 0,
      nextAttemptAt: now,
      idempotencyKey,
      createdAt: now,
      requeues: 0,
      attemptsLog: [],
    };
    return doc;
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Delivers up to `batch` due pending events, oldest `occurredAt` first, one at a time. Each
   * attempt is claimed by inserting its lease (see the file comment); a network error or timeout
   * ends the call early (the endpoint is unreachable: the rest wait rather than burn attempts).
   * @throws ValidationError when the endpoint or options are not acceptable (nothing is sent)
   */
  async deliverDue(now: Date, opts: DeliveryOptions): Promise<DeliveryReport> {
    const url = checkEndpoint(opts.endpoint, this.allowedHosts, { token: opts.token });
    const timeoutMs = positiveInt('timeoutMs', opts.timeoutMs, 600_000);
    const batch = positiveInt('batch', opts.batch, 1000);
    if (opts.token !== undefined && (opts.token.length === 0 || CONTROL.test(opts.token))) {
      throw new ValidationError('OUTBOX_OPTION_INVALID', 'token must be non-empty and printable');
    }
    const report: DeliveryReport = { picked: 0, delivered: 0, retrying: 0, failed: 0, skipped: 0, recovered: 0, stoppedEarly: false };
    const due = await this.events
      .find({ status: 'pending', nextAttemptAt: { $lte: now } })
      .sort({ occurredAt: 1, _id: 1 })
      .limit(batch)
      .lean<OutboxEventDoc[]>();
    report.picked = due.length;
    // The caller's clock, advanced by real elapsed time (so tests may pass a future `now`).
    const t0 = performance.now();
    const clock = () => new Date(now.getTime() + Math.round(performance.now() - t0));

    for (const ev of due) {
      const attempt = ev.attempts + 1;
      const claimedAt = clock();
      try {
        await this.leases.collection.insertOne({
          _id: `${ev._id}:${attempt}`,
          eventId: ev._id,
          attempt,
          kind: 'send',
          worker: this.workerId,
          claimedAt,
          expiresAt: new Date(claimedAt.getTime() + timeoutMs + this.leaseGraceMs),
        } as any);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // `now`, not the advanced clock: a recovered event is due again in this very round.
        if (await this.recoverAbandoned(ev, attempt, now)) report.recovered++;
        else report.skipped++;
        continue;
      }
      const outcome = await this.send(url, ev, timeoutMs, opts.token);
      const status = await this.record(ev, attempt, claimedAt, clock(), outcome);
      if (status === 'delivered') report.delivered++;
      else if (status === 'failed') report.failed++;
      else report.retrying++;
      if (outcome.kind === 'retryable' && outcome.unreachable) {
        report.stoppedEarly = true;
        break;
      }
    }
    return report;
  }

  private async send(url: URL, ev: OutboxEventDoc, timeoutMs: number, token?: string): Promise<Outcome> {
    const body = JSON.stringify({
      id: ev._id,
      type: ev.type,
      caseNo: ev.caseNo,
      orgUnit: ev.orgUnit,
      occurredAt: new Date(ev.occurredAt).toISOString(),
      data: ev.data ?? {},
    });
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Idempotency-Key': ev.idempotencyKey };
    if (token) headers.Authorization = `Bearer ${token}`;
    const signal = AbortSignal.timeout(timeoutMs);
    const start = performance.now();
    const elapsed = () => Math.round(performance.now() - start);
    let res: Response;
    try {
      // `redirect: 'manual'`: a redirect must not carry the feed to a host nobody allowed.
      res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || signal.aborted;
      const error = timedOut ? `timeout after ${timeoutMs} ms` : `network error: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
      return { kind: 'retryable', durationMs: elapsed(), error, unreachable: true };
    }
    const code = res.status;
    if (code >= 200 && code < 300) {
      await res.body?.cancel().catch(() => undefined);
      return { kind: 'delivered', statusCode: code, durationMs: elapsed() };
    }
    const snippet = await readSnippet(res, 300);
    const error = `HTTP ${code}${snippet ? `: ${snippet}` : ''}`;
    if (code >= 400 && code < 500 && code !== 408 && code !== 429) {
      return { kind: 'rejected', statusCode: code, durationMs: elapsed(), error };
    }
    return { kind: 'retryable', statusCode: code, durationMs: elapsed(), error, retryAfterMs: retryAfterMs(res.headers.get('retry-after')), unreachable: false };
  }

  /** Writes attempt `attempt`'s outcome; only the holder of lease `<id>:<attempt>` calls this. */
  private async record(ev: OutboxEventDoc, attempt: number, at: Date, end: Date, outcome: Outcome): Promise<OutboxStatus> {
    const entry: OutboxAttempt = {
      attempt,
      at,
      durationMs: outcome.durationMs,
      ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
      ...(outcome.kind !== 'delivered' ? { error: outcome.error } : {}),
      worker: this.workerId,
    };
    const set: Record<string, unknown> = { attempts: attempt, lastAttemptAt: at, lastStatus: outcome.statusCode ?? null };
    let status: OutboxStatus;
    if (outcome.kind === 'delivered') {
      status = 'delivered';
      Object.assign(set, { status, deliveredAt: end, lastError: null });
    } else if (outcome.kind === 'rejected') {
      status = 'failed';
      Object.assign(set, { status, failedAt: end, lastError: outcome.error });
    } else {
      const used = attempt - (ev.budgetFrom ?? 0);
      if (used >= this.maxAttempts) {
        status = 'failed';
        Object.assign(set, { status, failedAt: end, lastError: `gave up after ${used} attempts; last: ${outcome.error}` });
      } else {
        status = 'pending';
        const delay = Math.min(Math.max(backoffDelayMs(used, this.baseBackoffMs, this.maxBackoffMs), outcome.retryAfterMs ?? 0), this.maxBackoffMs);
        Object.assign(set, { status, nextAttemptAt: new Date(end.getTime() + delay), lastError: outcome.error });
      }
    }
    const r = await this.events.updateOne({ _id: ev._id, attempts: ev.attempts }, { $set: set, $push: { attemptsLog: entry } });
    if (r.matchedCount === 0) {
      // Only possible when this attempt's lease had expired and another worker recorded it as abandoned.
      this.logger?.warn({ eventId: ev._id, attempt, outcome: outcome.kind }, 'outbox attempt outcome arrived after its lease expired; not recorded');
    }
    return status;
  }

  /**
   * Lease `<id>:<attempt>` is taken. If it has expired and the event still waits on that attempt,
   * its worker died mid-attempt: record the attempt as abandoned (claimed by its own insert) so the
   * event can move on. Returns whether this call did so.
   */
  private async recoverAbandoned(ev: OutboxEventDoc, attempt: number, now: Date): Promise<boolean> {
    const leaseId = `${ev._id}:${attempt}`;
    const lease = await this.leases.findById(leaseId).lean<OutboxLeaseDoc>();
    if (!lease || lease.expiresAt.getTime() > now.getTime()) return false;
    const current = await this.events.findById(ev._id).lean<OutboxEventDoc>();
    if (!current || current.status !== 'pending' || current.attempts !== ev.attempts) return false;
    try {
      await this.leases.collection.insertOne({ _id: `${leaseId}:abandoned`, eventId: ev._id, attempt, kind: 'abandoned', worker: this.workerId, claimedAt: now, expiresAt: now } as any);
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    const used = attempt - (current.budgetFrom ?? 0);
    const error = `abandoned: worker ${lease.worker} claimed this attempt and never recorded its outcome; it may or may not have reached the endpoint`;
    const entry: OutboxAttempt = { attempt, at: lease.claimedAt, durationMs: Math.max(0, now.getTime() - lease.claimedAt.getTime()), error, worker: lease.worker };
    const set: Record<string, unknown> =
      used >= this.maxAttempts
        ? { attempts: attempt, status: 'failed', failedAt: now, lastError: `gave up after ${used} attempts; last: ${error}`, lastAttemptAt: lease.claimedAt, lastStatus: null }
        : // Resend at once: the receiver drops a repeat by its Idempotency-Key.
          { attempts: attempt, nextAttemptAt: now, lastError: error, lastAttemptAt: lease.claimedAt, lastStatus: null };
    await this.events.updateOne({ _id: ev._id, attempts: ev.attempts }, { $set: set, $push: { attemptsLog: entry } });
    this.logger?.warn({ eventId: ev._id, attempt, deadWorker: lease.worker }, 'outbox attempt of a dead worker recorded as abandoned');
    return true;
  }

  // ---------------------------------------------------------------- operator

  /**
   * Puts a dead-lettered event back in the queue, due now, with a fresh attempt budget
   * (attempt numbers go on from where they were, so old leases never clash).
   * @throws NotFoundError, ConflictError when the event is not `failed`
   */
  async retry(id: string, now: Date = new Date()): Promise<OutboxEventView> {
    const ev = await this.events.findById(id).lean<OutboxEventDoc>();
    if (!ev) throw new NotFoundError('OUTBOX_EVENT_NOT_FOUND', `no outbox event ${id}`);
    if (ev.status !== 'failed') throw new ConflictError('OUTBOX_EVENT_NOT_FAILED', `outbox event ${id} is ${ev.status}; only failed events can be retried`, { status: ev.status });
    // Failed events are written by nobody else (delivery only touches pending ones), so two
    // concurrent retries write the same values and the conditional update is enough.
    await this.events.updateOne(
      { _id: id, status: 'failed' },
      { $set: { status: 'pending', nextAttemptAt: now, budgetFrom: ev.attempts, requeuedAt: now, failedAt: null }, $inc: { requeues: 1 } },
    );
    return this.get(id);
  }

  async get(id: string): Promise<OutboxEventView> {
    const ev = await this.events.findById(id).lean<OutboxEventDoc>();
    if (!ev) throw new NotFoundError('OUTBOX_EVENT_NOT_FOUND', `no outbox event ${id}`);
    return view(ev);
  }

  /** Events by status (all when omitted), oldest `occurredAt` first unless `order: 'newest'`. */
  async list(q: { status?: OutboxStatus; limit?: number; order?: 'oldest' | 'newest' } = {}): Promise<OutboxEventView[]> {
    if (q.status !== undefined && !OUTBOX_STATUSES.includes(q.status)) throw new ValidationError('OUTBOX_STATUS_INVALID', `status must be one of ${OUTBOX_STATUSES.join(', ')}`);
    const limit = positiveInt('limit', q.limit ?? 50, 1000);
    const dir = q.order === 'newest' ? -1 : 1;
    // newest first: windows of occurredAt (persistence/newest.ts: DocumentDB reads no sort from an index)
    if (dir === -1) return (await newestFirst<OutboxEventDoc>(this.events, q.status ? { status: q.status } : {}, 'occurredAt', limit, new Date())).map(view);
    const docs = await this.events
      .find(q.status ? { status: q.status } : {})
      .sort({ occurredAt: dir, _id: dir })
      .limit(limit)
      .lean<OutboxEventDoc[]>();
    return docs.map(view);
  }

  /** Counts by status, how many are due, and the oldest undelivered event (the feed's lag). */
  async stats(now: Date = new Date()): Promise<{ pending: number; delivered: number; failed: number; total: number; due: number; oldestPendingOccurredAt?: Date }> {
    const [pending, delivered, failed, due, oldest] = await Promise.all([
      this.events.countDocuments({ status: 'pending' }),
      this.events.countDocuments({ status: 'delivered' }),
      this.events.countDocuments({ status: 'failed' }),
      this.events.countDocuments({ status: 'pending', nextAttemptAt: { $lte: now } }),
      this.events.find({ status: 'pending' }).sort({ occurredAt: 1 }).limit(1).lean<OutboxEventDoc[]>(),
    ]);
    return { pending, delivered, failed, total: pending + delivered + failed, due, ...(oldest[0] ? { oldestPendingOccurredAt: oldest[0].occurredAt } : {}) };
  }

  /**
   * Retention: deletes events delivered before `before` (and then the settled leases), a batch of
   * ids at a time. Pending and failed events stay whatever their age. Safe because the
   * Idempotency-Key is derived from the dedupe key: an append repeated after its event was pruned
   * (a producer replaying a months-old source) carries the same key, so the receiver drops it.
   * Returns the events deleted.
   */
  async pruneDelivered(before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = (await this.events.find({ status: 'delivered', deliveredAt: { $lt: before } }, { _id: 1 }).limit(1000).lean<{ _id: string }[]>()).map((d) => d._id);
      if (ids.length === 0) break;
      removed += await deleteEachById(this.events, ids, { status: 'delivered' }); // by _id each: a deleteMany by `_id $in` scans
      if (ids.length < 1000) break;
    }
    await this.pruneLeases(before);
    return removed;
  }

  /**
   * Deletes lease documents claimed before `before` whose attempt is settled (recorded on the
   * event, or the event is gone). Unsettled leases stay: they still guard their attempt.
   */
  async pruneLeases(before: Date): Promise<number> {
    let removed = 0;
    let after = '';
    for (;;) {
      const leases = await this.leases
        .find({ claimedAt: { $lt: before }, _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(500)
        .lean<OutboxLeaseDoc[]>();
      if (leases.length === 0) return removed;
      after = leases[leases.length - 1]._id;
      const ids = [...new Set(leases.map((l) => l.eventId))];
      const events = await this.events.find({ _id: { $in: ids } }, { attempts: 1 }).lean<Pick<OutboxEventDoc, '_id' | 'attempts'>[]>();
      const attempts = new Map(events.map((e) => [e._id, e.attempts]));
      const settled = leases.filter((l) => (attempts.get(l.eventId) ?? Infinity) >= l.attempt).map((l) => l._id);
      removed += await deleteEachById(this.leases, settled);
      if (leases.length < 500) return removed;
    }
  }
}

function view(d: OutboxEventDoc): OutboxEventView {
  return {
    id: d._id,
    type: d.type,
    ...(d.caseNo ? { caseNo: d.caseNo } : {}),
    ...(d.orgUnit ? { orgUnit: d.orgUnit } : {}),
    occurredAt: d.occurredAt,
    data: d.data ?? {},
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    idempotencyKey: d.idempotencyKey,
    createdAt: d.createdAt,
    ...(d.lastAttemptAt ? { lastAttemptAt: d.lastAttemptAt } : {}),
    ...(typeof d.lastStatus === 'number' ? { lastStatus: d.lastStatus } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt } : {}),
    ...(d.failedAt ? { failedAt: d.failedAt } : {}),
    requeues: d.requeues ?? 0,
    attemptsLog: d.attemptsLog ?? [],
  };
}

/** Reads at most `max` characters of an error response body, as one printable line. */
async function readSnippet(res: Response, max: number): Promise<string> {
  try {
    const reader = res.body?.getReader();
    if (!reader) return '';
    const chunks: Buffer[] = [];
    let size = 0;
    while (size < max * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
    }
    await reader.cancel().catch(() => undefined);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, max);
  } catch {
    return '';
  }
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), when present and sane. */
function retryAfterMs(h: string | null): number | undefined {
  if (!h) return undefined;
  if (/^\d{1,7}$/.test(h.trim())) return Number(h.trim()) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}
