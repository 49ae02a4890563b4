/**
 * Idempotency-Key for POSTs that create or decide (IETF draft-ietf-httpapi-idempotency-key-header,
 * as Stripe and the payment APIs use it). A clerk's browser that times out and sends the intake
 * again with the same key gets the first answer back (`Idempotent-Replayed: true`), not a second
 * case. Without the header a request runs as before.
 *
 * - The key is scoped by caller, method and path (one clerk's key never answers another's request)
 *   and bound to the request body: the same key with a different body is 422
 *   IDEMPOTENCY_KEY_REUSED. A key must be 8–200 printable ASCII characters (a UUID is typical).
 * - The record is claimed by insert before the handler runs, so two identical requests at once run
 *   once: the second gets 409 IDEMPOTENCY_IN_FLIGHT with Retry-After.
 * - The answer is stored before it is sent (2xx and 4xx). Records are kept 24 hours: about one new
 *   record in 200 also deletes the expired ones (`pruneIdempotency`; the collection holds a day of
 *   requests, so the delete stays small).
 * - A 5xx is not an outcome: it does not say the work did not happen (during a database outage a
 *   command can commit and its follow-up or its answer's read then fail: 503). The record is kept,
 *   marked `retry` with whatever the attempt had named, and the resend with the same key runs the
 *   handler again at once, told what the first attempt created and under which request id:
 *   * `res.locals.idempotency.attach(caseNo)` names what a handler created (the intake's case
 *     number); the resend gets it as `previous` and answers with that case instead of a second one;
 *   * `res.locals.idempotency.requestId` (one per caller, route and key) is recorded with the
 *     command (a task completion's revision), so the resend of a completion that did commit is
 *     answered 200 with the case as it stands, `Idempotent-Replayed: true`, not 409.
 *   When the database is still down the `retry` mark cannot be written: the record stays in flight,
 *   is marked as soon as the database answers (every 2 s within the stale window), and a resend
 *   meanwhile is 409 IDEMPOTENCY_IN_FLIGHT with Retry-After.
 * - A request answered 503 REQUEST_TIMEOUT by the request deadline (api/http/deadline.ts) while its
 *   handler goes on keeps its record in flight until the handler settles — answers (its answer is
 *   not sent: the 503 was) or throws — and then marks it `retry` at once, so the resend runs again
 *   and the route's own replay answers it as done; before, the resend waited IDEMPOTENCY_STALE_MS.
 *   A record left in flight by a killed process (or a handler that never settles) is taken over
 *   after IDEMPOTENCY_STALE_MS, the same way.
 * - Every keyed route answers a resend of what committed as done (`Idempotent-Replayed: true`):
 *   intake (`previous`: its case), task completion, examination, supplements and further notices
 *   (the command's `requestId` recorded with its write, CaseService), public complaints (the
 *   reference named before it is written, the query code derived from the request id) and ratings
 *   (the rating records its request id). The records live behind `platform.idempotency`
 *   (engine/persistence/idempotency-store.ts).
 */
import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import canonicalize from 'canonicalize';
import { BusinessRuleError, ConflictError, ValidationError, type IdempotencyStore } from '../../engine';

const KEY = /^[\x21-\x7e]{8,200}$/;
/** An in-flight record older than this was left by a process that died (a request takes seconds at most); IDEMPOTENCY_STALE_MS. */
export const IDEMPOTENCY_STALE_MS = Number(process.env.IDEMPOTENCY_STALE_MS ?? 60_000);
/** How long answers are kept for replay. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export interface IdempotencyLocals {
  /** Names what this request created, as soon as it exists (e.g. the claimed case number). */
  attach(subject: string): Promise<void>;
  /** What an earlier attempt of this request (its process died, or it was answered 5xx) had created. */
  previous?: string;
  /** This request's id (caller, method, path and key hashed): the same on every resend; commands record it. */
  requestId: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const inFlight = () => new ConflictError('IDEMPOTENCY_IN_FLIGHT', 'a request with this Idempotency-Key is being answered; retry in a moment');

export function idempotent(store: IdempotencyStore): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key)) throw new ValidationError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 8 to 200 printable ASCII characters without spaces (a UUID is typical)');
    const caller = req.actor?.username ?? `ip:${req.ip}`;
    const id = sha256(`${caller}\n${req.method} ${req.baseUrl}${req.path}\n${key}`);
    const requestHash = sha256(canonicalize(req.body ?? {}) ?? '');
    const now = new Date();
    const claim = await store.claim(id, requestHash, now, IDEMPOTENCY_STALE_MS);
    switch (claim.kind) {
      case 'reused':
        throw new BusinessRuleError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request body; use a new key for a new request');
      case 'in-flight':
        // an attempt answered 5xx is over and taken over at once; one in flight only once its process is presumed dead
        res.set('Retry-After', '2');
        throw inFlight();
      case 'done':
        res.set('Idempotent-Replayed', 'true').status(claim.answer.statusCode).type(claim.answer.contentType).send(claim.answer.body);
        return;
      case 'new':
        if (Math.random() < 1 / 200) void store.prune(new Date(now.getTime() - IDEMPOTENCY_TTL_MS)).catch(() => undefined);
    }
    const locals: IdempotencyLocals = {
      attach: (subject) => store.attach(id, subject),
      previous: claim.kind === 'taken-over' ? claim.previous : undefined,
      requestId: id,
    };
    res.locals.idempotency = locals;
    // store the answer before it leaves (res.json ends in res.send)
    const send = res.send.bind(res);
    let stored = false;
    let late = false;
    /** The handler settled after the deadline's 503 went out: its attempt is over, a resend runs again (once). */
    const settledLate = () => {
      if (late) return;
      late = true;
      store.markRetry(id).then(
        () => undefined,
        () => retryLater(store, id),
      );
    };
    res.locals.idempotencySettledLate = settledLate;
    res.send = ((body: unknown) => {
      if (res.locals.deadlinePassed) {
        // the deadline's own 503 goes out; anything after it is the handler settling (not sent)
        if (!res.headersSent && !stored) {
          stored = true;
          return send(body as any);
        }
        settledLate();
        return res;
      }
      if (stored) return send(body as any);
      stored = true;
      const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body ?? null);
      const status = res.statusCode;
      // a 5xx is no outcome (the work may have committed): the resend runs again, told what this attempt named
      const write = status >= 500 ? store.markRetry(id) : store.markDone(id, { statusCode: status, contentType: String(res.get('Content-Type') ?? 'application/json'), body: text }, new Date());
      write.then(
        () => send(body as any),
        () => {
          send(body as any);
          // the database is down (the answer is then a 503): mark the attempt over once it is back,
          // so the client's resend with the same key is served rather than told "in flight"
          if (status >= 500) retryLater(store, id);
        },
      );
      return res;
    }) as typeof res.send;
    next();
  };
}

/**
 * Called by the error handler for an error thrown after the answer went out: when it was the
 * request deadline's 503, the handler has now settled (thrown, or failed to set a header on the
 * answered response) and its idempotency record is released for the resend.
 */
export function settledAfterDeadline(res: Response): void {
  if (res.locals.deadlinePassed) (res.locals.idempotencySettledLate as (() => void) | undefined)?.();
}

/** Marks a failed attempt's record `retry` every 2 s within the stale window (after that a resend takes it over anyway). */
function retryLater(store: IdempotencyStore, id: string, until = Date.now() + IDEMPOTENCY_STALE_MS) {
  const t = setTimeout(() => {
    store.markRetry(id).then(
      () => undefined,
      () => Date.now() < until && retryLater(store, id, until),
    );
  }, 2000);
  t.unref();
}
