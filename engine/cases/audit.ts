/**
 * The per-case audit chain (审计链). Every state change of a case is appended as an event
 * `{caseNo, seq, type, actor, at, data, prevHash}` whose `hash` is the SHA-256 of its canonical
 * JSON (RFC 8785, via `canonicalize`). Each event names the previous event's hash, so changing,
 * removing or reordering any stored event breaks the chain from that point on, and `verify`
 * reports the first broken link.
 *
 * Appends are claims by insert on `_id = caseNo:seq`: two processes appending at once cannot
 * both take the same position; the loser re-reads the head and appends after it.
 *
 * The events one command appends to a case go together (`appendMany`, or `batch` around the
 * command): their dedupe claims in one insert, one pending marker, the events of consecutive
 * positions in one insert, one pass of follow-ups (feed, listeners), one marker delete — a
 * constant number of round trips for the batch instead of about five per event.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ConflictError, NotFoundError } from '../domain/errors';
import { isDuplicateKey, type Models } from '../persistence/models';
import { AUDIT_DEDUPE_INDEX } from '../persistence/domain-models';
import type { Logger } from '../domain/types';
import type { Outbox } from '../outbox';
import { crashPoint } from '../domain/fault';

/**
 * Case events the provincial supervision platform receives (省级电子监察平台): the life cycle and
 * every deadline event, with the fields named here only — never applicant data.
 */
export const FEED_EVENTS: Record<string, string[]> = {
  'case.accepted': ['procedure', 'promisedLimitDays', 'statutoryLimitDays'],
  'case.rejected': ['reasonCode'],
  'case.ended': ['outcome'],
  'supplement.requested': ['round'],
  'clock.warning': ['clockId', 'dueAt'],
  'clock.breach': ['clockId', 'dueAt'],
  'clock.serious': ['clockId', 'dueAt'],
  'clock.stopped': ['clockId', 'result', 'dueAt'],
  'clock.paused': ['kind'],
  'clock.resumed': [],
  'clock.extended': ['clockId', 'days'],
  'escalation.opened': ['escalationId', 'limitKind'],
  'escalation.acknowledged': ['escalationId'],
  'escalation.notified': ['escalationId'],
  'escalation.replied': ['escalationId'],
  'escalation.closed': ['escalationId'],
  'escalation.open': ['escalationId'],
  'complaint.received': ['complaintId'],
  'rating.given': ['stage', 'level'],
};

/**
 * A dedupe claim with no event after this long was left by a killed process (an append takes
 * milliseconds; under heavy load a second or so). Taking over a claim whose append was only slow
 * cannot double the event: the unique index on (caseNo, dedupeKey) refuses the second insert.
 */
const CLAIM_TAKEOVER_MS = 3_000;

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventView {
  seq: number;
  type: string;
  actor: string;
  at: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ChainVerification {
  caseNo: string;
  valid: boolean;
  events: number;
  /** The first broken link, when the chain is not valid. */
  brokenAt?: { seq: number; reason: string; expected?: string; found?: string };
  headHash?: string;
}

/** One event to append (`appendMany`). With `dedupeKey`, a replay of the same source writes it once. */
export interface AuditAppend {
  type: string;
  actor: string;
  data: Record<string, unknown>;
  at?: Date;
  dedupeKey?: string;
  /** A repair that knows the claim's process died takes its claim over sooner (0: at once). */
  claimTakeoverMs?: number;
}

/** An event as the listeners get it: the events of one batch (one command, one case) together. */
export interface AppendedEvent {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export type AuditListener = (caseNo: string, events: AppendedEvent[]) => Promise<void>;

/** The appends a `batch` holds back until its end (or the end of a nested `batch`). */
interface BatchScope {
  queue: { caseNo: string; event: AuditAppend }[];
  /** Set once the outermost batch ended: an append from work the batch left running goes straight in. */
  closed: boolean;
}

const seqId = (caseNo: string, seq: number) => `${caseNo}:${String(seq).padStart(6, '0')}`;

export function hashEvent(e: { caseNo: string; seq: number; type: string; actor: string; at: string; data: string; prevHash: string }): string {
  const text = canonicalize({ caseNo: e.caseNo, seq: e.seq, type: e.type, actor: e.actor, at: e.at, data: JSON.parse(e.data), prevHash: e.prevHash })!;
  return createHash('sha256').update(text).digest('hex');
}

/** Set while a repair finishes the work of a process known to be dead (`AuditLog.asRepair`). */
const repairing = new AsyncLocalStorage<boolean>();

/** The first write error of a failed insertMany (the driver's bulk error, or a single-document error). */
function writeErrorsOf(err: unknown): { index: number; code?: number; message: string }[] {
  const e = err as any;
  const list = Array.isArray(e?.writeErrors) ? e.writeErrors : e?.writeErrors ? [e.writeErrors] : [];
  if (list.length) return list.map((w: any) => ({ index: Number(w.index ?? w.err?.index ?? 0), code: w.code ?? w.err?.code, message: String(w.errmsg ?? w.err?.errmsg ?? w.message ?? '') }));
  return e?.code === 11000 ? [{ index: 0, code: 11000, message: String(e.message ?? '') }] : [];
}

export class AuditLog {
  /**
   * Runs `fn` as a repair of a dead process's work: a dedupe claim that process left without its
   * event is taken over at once, not after the seconds a live append is given (the repair would
   * otherwise skip the event — e.g. an acceptance finished without its case.accepted).
   */
  asRepair<T>(fn: () => Promise<T>): Promise<T> {
    return repairing.run(true, fn);
  }

  constructor(
    private readonly models: Models,
    private readonly feed?: { outbox: Outbox; logger: Logger },
  ) {}

  private readonly listeners: AuditListener[] = [];
  /**
   * The last event this process appended per case (a bounded cache): the case layer appends
   * several events to one case in a row, and the next append need not read the head again. A
   * stale entry costs nothing but a retry — the insert of `seq` is the claim.
   */
  private readonly heads = new Map<string, { seq: number; hash: string }>();
  /** A case's centre and item as the feed names them (neither changes once the case is written; bounded). */
  private readonly caseFacts = new Map<string, { orgUnit?: string; itemCode?: string }>();
  private readonly scope = new AsyncLocalStorage<BatchScope>();

  /**
   * Called once per appended batch with its events in order (e.g. the statistics rollups mark the
   * case's day dirty once); a failing listener is logged, never fails the append — its batch's
   * marker stays and `redispatchPending` calls it again.
   */
  onAppended(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  /**
   * Runs `fn` with the appends it makes held back and written together when it ends (one
   * `appendMany` per case, in the order they were made), also when it fails. Nested, it writes
   * what the outer batch holds so far at its own end: put a `batch` around work whose end must
   * see its events written (a projection listener, after which the projection counts as done).
   *
   * Crash safety: an event held back is not yet owed by any marker, so only work whose events
   * the repair writes again after a kill belongs in a batch — keyed appends of idempotent steps
   * repeated by a sweep (the acceptance under its intent, a projection replayed, a clock started
   * or stopped again). An append of anything else made inside goes out at the batch's end.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.scope.getStore();
    if (outer && !outer.closed) return this.runAndFlush(outer, fn);
    const s: BatchScope = { queue: [], closed: false };
    return this.scope.run(s, async () => {
      try {
        return await this.runAndFlush(s, fn);
      } finally {
        s.closed = true;
      }
    });
  }

  private async runAndFlush<T>(s: BatchScope, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      // the events of what was done before the failure are owed as if appended one by one
      await this.flush(s).catch((e: unknown) => this.feed?.logger.error({ err: (e as Error).message }, 'audit batch could not be written after a failed command'));
      throw err;
    }
    await this.flush(s);
    return result;
  }

  private async flush(s: BatchScope): Promise<void> {
    while (s.queue.length) {
      const taken = s.queue.splice(0, s.queue.length);
      const byCase = new Map<string, AuditAppend[]>();
      for (const q of taken) {
        const list = byCase.get(q.caseNo);
        if (list) list.push(q.event);
        else byCase.set(q.caseNo, [q.event]);
      }
      for (const [caseNo, events] of byCase) await this.appendMany(caseNo, events);
    }
  }

  /** The case's centre and item for the feed: read once per case (and process), then kept. */
  private async factsOf(caseNo: string): Promise<{ orgUnit?: string; itemCode?: string }> {
    const known = this.caseFacts.get(caseNo);
    if (known) return known;
    const kase = await this.models.ServiceCase.findById(caseNo, { orgUnit: 1, itemCode: 1 }).lean();
    const facts = { orgUnit: (kase?.orgUnit as string | undefined) ?? undefined, itemCode: (kase?.itemCode as string | undefined) ?? undefined };
    if (kase) {
      this.caseFacts.set(caseNo, facts);
      if (this.caseFacts.size > 2000) this.caseFacts.delete(this.caseFacts.keys().next().value!);
    }
    return facts;
  }

  /** Hands the feed events of a batch to the outbox (keyed by the audit position, so a replay is one event). Throws when the outbox could not take one: the batch's marker then stays for the repair. */
  private async publish(caseNo: string, events: AppendedEvent[]) {
    if (!this.feed) return;
    const fed = events.filter((e) => FEED_EVENTS[e.type]);
    if (!fed.length) return;
    const kase = await this.factsOf(caseNo);
    await this.feed.outbox.appendMany(
      fed.map((e) => {
        const picked: Record<string, unknown> = {};
        for (const f of FEED_EVENTS[e.type]) if (e.data[f] !== undefined && e.data[f] !== null) picked[f] = e.data[f];
        return { type: e.type, caseNo, orgUnit: kase.orgUnit, occurredAt: new Date(e.at), data: { itemCode: kase.itemCode, ...picked }, dedupeKey: `${caseNo}:${e.seq}` };
      }),
    );
  }

  /**
   * Claims dedupe keys by one insert (unordered: each key wins or loses alone); returns the keys
   * won. A key held already goes through `contested`, as a single claim always did.
   */
  private async claimMany(caseNo: string, claims: { key: string; takeoverMs: number }[]): Promise<Set<string>> {
    const won = new Set<string>();
    if (!claims.length) return won;
    const at = new Date();
    const lost: number[] = [];
    try {
      await this.models.AuditClaim.collection.insertMany(claims.map((c) => ({ _id: c.key, at }) as any), { ordered: false });
    } catch (err) {
      const errors = writeErrorsOf(err);
      if (!errors.length || errors.some((w) => w.code !== 11000)) throw err;
      for (const w of errors) lost.push(w.index);
    }
    const lostSet = new Set(lost);
    claims.forEach((c, i) => {
      if (!lostSet.has(i)) won.add(c.key);
    });
    const taken = await Promise.all(lost.map((i) => this.contested(caseNo, claims[i].key, claims[i].takeoverMs)));
    lost.forEach((i, j) => {
      if (taken[j]) won.add(claims[i].key);
    });
    return won;
  }

  /**
   * A dedupe key claimed already. A held claim whose event is not in the chain `takeoverMs` after it (waited for here; the event carries its `dedupeKey`)
   * was left by a process killed between the claim
   * and the event — it is taken over (conditionally, so one taker wins) rather than losing the event.
   */
  private async contested(caseNo: string, key: string, takeoverMs: number): Promise<boolean> {
    const { AuditClaim, AuditEvent } = this.models;
    const c = await AuditClaim.findById(key).lean();
    if (!c || c.seq != null || !c.at) return false;
    // held: a live append writes its event in moments, so wait for it up to `takeoverMs` from the
    // claim; an event that has not come by then belongs to a process that died after its claim
    // (before, a repair meeting a young claim skipped the event for good: the soak lost
    // task.completed events of completions whose process was killed between claim and event)
    for (;;) {
      // the event may also have been written with the process killed before the claim learnt its seq
      const e = await AuditEvent.findOne({ caseNo, dedupeKey: key }, { seq: 1 }).lean();
      if (e) {
        await AuditClaim.updateOne({ _id: key }, { $set: { seq: e.seq } });
        return false;
      }
      const left = takeoverMs - (Date.now() - new Date(c.at).getTime());
      if (left <= 0) break;
      await new Promise((r) => setTimeout(r, Math.min(left, 100)));
    }
    const took = await AuditClaim.updateOne({ _id: key, at: c.at, seq: { $exists: false } }, { $set: { at: new Date() } });
    return took.modifiedCount === 1;
  }

  /**
   * The follow-ups of appended events: the provincial feed and the listeners, once for the batch.
   * Each is idempotent per (caseNo, seq). Never throws: returns false when one failed (logged), and the caller keeps
   * the batch's marker so `redispatchPending` runs them again — a failed follow-up is retried,
   * not dropped (before, a feed append that failed was logged and its event never reached the outbox).
   */
  private async dispatch(caseNo: string, events: AppendedEvent[]): Promise<boolean> {
    if (!events.length) return true;
    let ok = true;
    try {
      await this.publish(caseNo, events);
    } catch (err) {
      ok = false;
      this.feed?.logger.error({ caseNo, types: events.map((e) => e.type), err: (err as Error).message }, 'provincial feed append failed (the repair sends it again)');
    }
    for (const l of this.listeners) {
      try {
        await l(caseNo, events);
      } catch (err) {
        ok = false;
        this.feed?.logger.warn({ caseNo, types: events.map((e) => e.type), err: (err as Error).message }, 'audit listener failed (the repair runs it again)');
      }
    }
    return ok;
  }

  /**
   * Runs the follow-ups again for appends whose process died before finishing them (markers
   * older than `olderThanMs`, so appends in flight are left alone): every event of the case from
   * the marker's `fromSeq` on is dispatched again, as one batch — the feed is keyed by position and the
   * rollups by case, so what already went out is not doubled. Returns the cases repaired.
   */
  async redispatchPending(now = new Date(), olderThanMs = 30_000): Promise<number> {
    const { AuditEvent, AuditPending } = this.models;
    const stale = await AuditPending.find({ at: { $lt: new Date(now.getTime() - olderThanMs) } }).limit(500).lean();
    for (const m of stale) {
      const caseNo = m.caseNo ?? m._id; // a marker of before per-append markers is keyed by its case
      const events = await AuditEvent.find({ caseNo, seq: { $gte: m.fromSeq } }).sort({ seq: 1 }).lean();
      const ok = await this.dispatch(caseNo, events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: JSON.parse(e.data) })));
      // a follow-up that failed again keeps the marker, tried on the next sweep
      if (ok) await AuditPending.deleteOne({ _id: m._id, token: m.token });
    }
    return stale.length;
  }

  /**
   * Appends one event. With `dedupeKey`, an append replayed from the same source (a projection
   * run twice, a retried job) is written once. `claimTakeoverMs`: a repair that knows the claim's
   * process died takes its claim over sooner than the default `CLAIM_TAKEOVER_MS` (0: at once).
   * Inside a `batch` it is held back and written with the batch.
   */
  async append(caseNo: string, type: string, actor: string, data: Record<string, unknown>, opts: { at?: Date; dedupeKey?: string; claimTakeoverMs?: number } = {}): Promise<void> {
    const event: AuditAppend = { type, actor, data, ...opts };
    const s = this.scope.getStore();
    if (s && !s.closed) {
      // the time and the repair's shorter takeover are decided where the append is made
      event.at ??= new Date();
      if (event.claimTakeoverMs === undefined && repairing.getStore()) event.claimTakeoverMs = 0;
      s.queue.push({ caseNo, event });
      return;
    }
    await this.appendMany(caseNo, [event]);
  }

  /**
   * Appends one event that no repair would append again (its step is not repeated after a kill):
   * written before this returns, inside a `batch` together with what the batch holds so far (in order).
   */
  appendNow(caseNo: string, type: string, actor: string, data: Record<string, unknown>, opts: { at?: Date; dedupeKey?: string; claimTakeoverMs?: number } = {}): Promise<void> {
    return this.batch(() => this.append(caseNo, type, actor, data, opts));
  }

  /**
   * A case just written (so its chain is empty) and the centre and item the feed names: the first
   * append reads neither. A wrong hint costs a retry, never a wrong chain (the insert of `seq` is the claim).
   */
  startsChain(caseNo: string, facts: { orgUnit?: string; itemCode?: string }): void {
    this.remember(caseNo, { seq: 0, hash: GENESIS_HASH });
    this.caseFacts.delete(caseNo);
    this.caseFacts.set(caseNo, facts);
    if (this.caseFacts.size > 2000) this.caseFacts.delete(this.caseFacts.keys().next().value!);
  }

  /**
   * Appends the events of one case in order, as one batch: the dedupe claims by one unordered
   * insert (a key held already is waited for and taken over as `claim` did), one pending marker,
   * the events at consecutive positions by one ordered insert (a position taken meanwhile → the
   * head is read again and the rest of the batch goes after it; an event whose dedupe key is in
   * the chain already is dropped), the follow-ups once, the marker deleted. A kill anywhere loses
   * no event (claims are taken over, the marker makes the repair dispatch again) and doubles none
   * (the unique (caseNo, dedupeKey) index).
   */
  async appendMany(caseNo: string, events: AuditAppend[]): Promise<void> {
    const { AuditEvent, AuditPending } = this.models;
    const inRepair = !!repairing.getStore();
    // one event per dedupe key in the batch: a key named twice is one event
    const seen = new Set<string>();
    const unique = events.filter((e) => !e.dedupeKey || (!seen.has(e.dedupeKey) && seen.add(e.dedupeKey)));
    const won = await this.claimMany(caseNo, unique.filter((e) => e.dedupeKey).map((e) => ({ key: e.dedupeKey!, takeoverMs: e.claimTakeoverMs ?? (inRepair ? 0 : CLAIM_TAKEOVER_MS) })));
    const todo = unique.filter((e) => !e.dedupeKey || won.has(e.dedupeKey));
    if (!todo.length) return;
    for (const e of todo) crashPoint(`audit.after-claim:${e.type}`);
    let rest = todo.map((e) => ({ e, data: canonicalize(e.data ?? {})!, at: (e.at ?? new Date()).toISOString() }));
    const token = randomUUID();
    let marked = false;
    const written: AppendedEvent[] = [];
    // the head the next position follows: undefined = read it from the chain
    let head: { seq: number; hash: string } | null | undefined = this.heads.get(caseNo);
    for (let attempt = 0; rest.length && attempt < 20; attempt++) {
      if (head === undefined) head = await this.head(caseNo);
      let seq: number = head?.seq ?? 0;
      let prevHash: string = head?.hash ?? GENESIS_HASH;
      const docs = rest.map((r): { _id: string; caseNo: string; seq: number; type: string; actor: string; at: string; data: string; prevHash: string; hash: string; dedupeKey?: string } => {
        seq += 1;
        const doc: { caseNo: string; seq: number; type: string; actor: string; at: string; data: string; prevHash: string } = { caseNo, seq, type: r.e.type, actor: r.e.actor, at: r.at, data: r.data, prevHash };
        const hash: string = hashEvent(doc);
        prevHash = hash;
        return { _id: seqId(caseNo, seq), ...doc, hash, ...(r.e.dedupeKey ? { dedupeKey: r.e.dedupeKey } : {}) };
      });
      // the follow-ups are owed from here on: a kill before they finish leaves this marker. One
      // marker per batch: a second append in flight on the case (another worker, a clock stopping
      // beside a completion) has its own, so neither removes the other's (the soak once lost a
      // clock.stopped feed entry to a shared per-case marker)
      if (!marked) {
        await AuditPending.create({ _id: token, caseNo, fromSeq: docs[0].seq, token, at: new Date() });
        marked = true;
      } else await AuditPending.updateOne({ _id: token }, { $min: { fromSeq: docs[0].seq } });
      let inserted = docs.length;
      let failure: { index: number; message: string } | undefined;
      try {
        await AuditEvent.collection.insertMany(docs as any[], { ordered: true });
      } catch (err) {
        const errors = writeErrorsOf(err);
        if (!errors.length || errors[0].code !== 11000) throw err;
        failure = errors[0];
        inserted = failure.index;
      }
      for (const d of docs.slice(0, inserted)) written.push({ seq: d.seq, type: d.type, at: d.at, data: JSON.parse(d.data) });
      if (inserted > 0) {
        head = { seq: docs[inserted - 1].seq, hash: docs[inserted - 1].hash };
        this.remember(caseNo, head);
      }
      rest = rest.slice(inserted);
      if (!failure) break;
      if (rest[0]?.e.dedupeKey && failure.message.includes(AUDIT_DEDUPE_INDEX)) {
        // the event of this key is in the chain already (a slow append whose claim was taken over):
        // dropped; its position is still free, so the rest follows the same head
        rest = rest.slice(1);
      } else {
        // the position was taken by another append: read the head again
        this.heads.delete(caseNo);
        head = undefined;
      }
    }
    for (const w of written) crashPoint(`audit.after-event:${w.type}`);
    if (rest.length) {
      // the events written so far are owed their follow-ups (the marker stays if these fail)
      if (written.length && (await this.dispatch(caseNo, written))) await AuditPending.deleteOne({ _id: token });
      else if (!written.length) await AuditPending.deleteOne({ _id: token });
      throw new ConflictError('AUDIT_CONTENDED', `could not append to the audit chain of case ${caseNo}`);
    }
    if (!written.length || (await this.dispatch(caseNo, written))) {
      if (marked) await AuditPending.deleteOne({ _id: token });
    }
  }

  private remember(caseNo: string, head: { seq: number; hash: string }) {
    this.heads.delete(caseNo);
    this.heads.set(caseNo, head);
    if (this.heads.size > 2000) this.heads.delete(this.heads.keys().next().value!);
  }

  /** The last event of a case: one read by the (caseNo, seq) index. The insert claim keeps the chain right whatever it says. */
  private async head(caseNo: string): Promise<{ seq: number; hash: string } | null> {
    return this.models.AuditEvent.findOne({ caseNo }, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean() as Promise<{ seq: number; hash: string } | null>;
  }

  async list(caseNo: string): Promise<AuditEventView[]> {
    const docs = await this.models.AuditEvent.find({ caseNo }).sort({ seq: 1 }).lean();
    return docs.map((d) => ({ seq: d.seq, type: d.type, actor: d.actor, at: d.at, data: JSON.parse(d.data), prevHash: d.prevHash, hash: d.hash }));
  }

  /** Recomputes the chain and reports the first event whose hash, link or position is wrong. */
  async verify(caseNo: string): Promise<ChainVerification> {
    const docs = await this.models.AuditEvent.find({ caseNo }).sort({ seq: 1 }).lean();
    if (docs.length === 0) throw new NotFoundError('AUDIT_EMPTY', `case ${caseNo} has no audit events`);
    let prev = GENESIS_HASH;
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i];
      const expectedSeq = i + 1;
      if (d.seq !== expectedSeq || d._id !== seqId(caseNo, d.seq)) {
        return { caseNo, valid: false, events: docs.length, brokenAt: { seq: expectedSeq, reason: `event ${expectedSeq} is missing or out of place (found seq ${d.seq})` } };
      }
      if (d.prevHash !== prev) {
        return { caseNo, valid: false, events: docs.length, brokenAt: { seq: d.seq, reason: 'prevHash does not match the hash of the previous event', expected: prev, found: d.prevHash } };
      }
      let recomputed: string;
      try {
        recomputed = hashEvent({ caseNo: d.caseNo, seq: d.seq, type: d.type, actor: d.actor, at: d.at, data: d.data, prevHash: d.prevHash });
      } catch {
        return { caseNo, valid: false, events: docs.length, brokenAt: { seq: d.seq, reason: 'event data is not valid JSON' } };
      }
      if (recomputed !== d.hash) {
        return { caseNo, valid: false, events: docs.length, brokenAt: { seq: d.seq, reason: 'event content does not match its hash (altered after it was written)', expected: recomputed, found: d.hash } };
      }
      prev = d.hash;
    }
    return { caseNo, valid: true, events: docs.length, headHash: prev };
  }
}
