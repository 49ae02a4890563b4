/**
 * The per-case audit chain (审计链). Every state change of a case is appended as an event
 * `{caseNo, seq, type, actor, at, data, prevHash}` whose `hash` is the SHA-256 of its canonical
 * JSON (RFC 8785, via `canonicalize`). Each event names the previous event's hash, so changing,
 * removing or reordering any stored event breaks the chain from that point on, and `verify`
 * reports the first broken link.
 *
 * Appends are claims by insert on `_id = caseNo:seq`: two processes appending at once cannot
 * both take the same position; the loser re-reads the head and appends after it.
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

const seqId = (caseNo: string, seq: number) => `${caseNo}:${String(seq).padStart(6, '0')}`;

export function hashEvent(e: { caseNo: string; seq: number; type: string; actor: string; at: string; data: string; prevHash: string }): string {
  const text = canonicalize({ caseNo: e.caseNo, seq: e.seq, type: e.type, actor: e.actor, at: e.at, data: JSON.parse(e.data), prevHash: e.prevHash })!;
  return createHash('sha256').update(text).digest('hex');
}

/** Set while a repair finishes the work of a process known to be dead (`AuditLog.asRepair`). */
const repairing = new AsyncLocalStorage<boolean>();

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

  private readonly listeners: ((caseNo: string, seq: number, type: string, data: Record<string, unknown>) => Promise<void>)[] = [];
  /**
   * The last event this process appended per case (a bounded cache): the case layer appends
   * several events to one case in a row, and the next append need not read the head again. A
   * stale entry costs nothing but a retry — the insert of `seq` is the claim.
   */
  private readonly heads = new Map<string, { seq: number; hash: string }>();
  /** Called after each appended event (e.g. the statistics rollups mark the case's day dirty); a failing listener is logged, never fails the append. */
  onAppended(listener: (caseNo: string, seq: number, type: string, data: Record<string, unknown>) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Hands a feed event to the outbox (keyed by the audit position, so a replay is one event). Throws when the outbox could not take it: the append's marker then stays for the repair. */
  private async publish(caseNo: string, seq: number, type: string, at: string, data: Record<string, unknown>) {
    const fields = FEED_EVENTS[type];
    if (!this.feed || !fields) return;
    const picked: Record<string, unknown> = {};
    for (const f of fields) if (data[f] !== undefined && data[f] !== null) picked[f] = data[f];
    const kase = await this.models.ServiceCase.findById(caseNo, { orgUnit: 1, itemCode: 1 }).lean();
    await this.feed.outbox.append({ type, caseNo, orgUnit: kase?.orgUnit, occurredAt: new Date(at), data: { itemCode: kase?.itemCode, ...picked }, dedupeKey: `${caseNo}:${seq}` });
  }

  /**
   * Claims a dedupe key by insert. A held claim whose event is not in the chain `CLAIM_TAKEOVER_MS` after it (waited for here; the event carries its `dedupeKey`)
   * was left by a process killed between the claim
   * and the event — it is taken over (conditionally, so one taker wins) rather than losing the event.
   */
  private async claim(caseNo: string, key: string, takeoverMs = CLAIM_TAKEOVER_MS): Promise<boolean> {
    const { AuditClaim, AuditEvent } = this.models;
    try {
      await AuditClaim.create({ _id: key, at: new Date() });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
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
   * The follow-ups of an appended event: the provincial feed and the listeners. Each is idempotent
   * per (caseNo, seq). Never throws: returns false when one failed (logged), and the caller keeps
   * the append's marker so `redispatchPending` runs them again — a failed follow-up is retried,
   * not dropped (before, a feed append that failed was logged and its event never reached the outbox).
   */
  private async dispatch(caseNo: string, seq: number, type: string, at: string, data: Record<string, unknown>): Promise<boolean> {
    let ok = true;
    try {
      await this.publish(caseNo, seq, type, at, data);
    } catch (err) {
      ok = false;
      this.feed?.logger.error({ caseNo, type, err: (err as Error).message }, 'provincial feed append failed (the repair sends it again)');
    }
    for (const l of this.listeners) {
      try {
        await l(caseNo, seq, type, data);
      } catch (err) {
        ok = false;
        this.feed?.logger.warn({ caseNo, type, err: (err as Error).message }, 'audit listener failed (the repair runs it again)');
      }
    }
    return ok;
  }

  /**
   * Runs the follow-ups again for appends whose process died before finishing them (markers
   * older than `olderThanMs`, so appends in flight are left alone): every event of the case from
   * the marker's `fromSeq` on is dispatched again — the feed is keyed by position and the
   * rollups by case, so what already went out is not doubled. Returns the cases repaired.
   */
  async redispatchPending(now = new Date(), olderThanMs = 30_000): Promise<number> {
    const { AuditEvent, AuditPending } = this.models;
    const stale = await AuditPending.find({ at: { $lt: new Date(now.getTime() - olderThanMs) } }).limit(500).lean();
    for (const m of stale) {
      const caseNo = m.caseNo ?? m._id; // a marker of before per-append markers is keyed by its case
      const events = await AuditEvent.find({ caseNo, seq: { $gte: m.fromSeq } }).sort({ seq: 1 }).lean();
      let ok = true;
      for (const e of events) if (!(await this.dispatch(e.caseNo, e.seq, e.type, e.at, JSON.parse(e.data)))) ok = false;
      // a follow-up that failed again keeps the marker, tried on the next sweep
      if (ok) await AuditPending.deleteOne({ _id: m._id, token: m.token });
    }
    return stale.length;
  }

  /**
   * Appends one event. With `dedupeKey`, an append replayed from the same source (a projection
   * run twice, a retried job) is written once. `claimTakeoverMs`: a repair that knows the claim's
   * process died takes its claim over sooner than the default `CLAIM_TAKEOVER_MS` (0: at once).
   */
  async append(caseNo: string, type: string, actor: string, data: Record<string, unknown>, opts: { at?: Date; dedupeKey?: string; claimTakeoverMs?: number } = {}): Promise<void> {
    const { AuditEvent, AuditPending } = this.models;
    if (opts.dedupeKey && !(await this.claim(caseNo, opts.dedupeKey, opts.claimTakeoverMs ?? (repairing.getStore() ? 0 : undefined)))) return;
    crashPoint(`audit.after-claim:${type}`);
    const dataText = canonicalize(data ?? {})!;
    const at = (opts.at ?? new Date()).toISOString();
    const token = randomUUID();
    for (let attempt = 0; attempt < 20; attempt++) {
      const cached = attempt === 0 ? this.heads.get(caseNo) : undefined;
      const head = cached ?? (await this.head(caseNo));
      const seq = (head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? GENESIS_HASH;
      const doc = { caseNo, seq, type, actor, at, data: dataText, prevHash };
      // the follow-ups below are owed from here on: a kill before they finish leaves this marker.
      // One marker per append: with one per case, a second append in flight on the case (another
      // worker, a clock stopping beside a completion) replaced the first's token and removed the
      // marker when it finished, and a kill then lost the first event's feed entry (the soak:
      // "clock.stopped not in the outbox")
      const marker = { _id: token, caseNo, fromSeq: seq, token, at: new Date() };
      if (attempt === 0) await AuditPending.create(marker);
      else await AuditPending.updateOne({ _id: token }, { $min: { fromSeq: seq } });
      try {
        const hash = hashEvent(doc);
        await AuditEvent.create({ _id: seqId(caseNo, seq), ...doc, hash, dedupeKey: opts.dedupeKey });
        this.remember(caseNo, { seq, hash });
        crashPoint(`audit.after-event:${type}`);
        if (await this.dispatch(caseNo, seq, type, at, data ?? {})) await AuditPending.deleteOne({ _id: token });
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (opts.dedupeKey && String((err as Error).message).includes(AUDIT_DEDUPE_INDEX)) {
          // the event of this key is in the chain already (a slow append whose claim was taken over)
          await AuditPending.deleteOne({ _id: token });
          return;
        }
        this.heads.delete(caseNo);
      }
    }
    throw new ConflictError('AUDIT_CONTENDED', `could not append to the audit chain of case ${caseNo}`);
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
