/**
 * A bound on every API request (issue 11: a database that hangs — PostgreSQL frozen, a network
 * that drops packets — must not hold requests forever; the MongoDB driver 7 has no operation
 * timeout of its own: `timeoutMS` is ignored). A request without an answer after `ms` gets
 * 503 problem+json `REQUEST_TIMEOUT` with Retry-After; its work may still complete, so an
 * idempotent request keeps its key's record "in flight" until its handler settles, then `retry`
 * (api/http/idempotency.ts): a resend with the same key is told to wait meanwhile, then runs again
 * and is answered as done by the route when the first attempt committed.
 * Streams (server-sent events) answer their headers at once and are not affected.
 */
import type { RequestHandler } from 'express';
import { sendProblem } from './error-handler';

export function requestDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent || res.writableEnded) return;
      res.locals.deadlinePassed = true;
      res.set('Retry-After', '5');
      sendProblem(res, 503, 'REQUEST_TIMEOUT', `no answer within ${Math.round(ms / 1000)} s (the database may be unreachable or overloaded); the request may still take effect — retry with the same Idempotency-Key`);
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
