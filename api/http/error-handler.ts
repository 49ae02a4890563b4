/**
 * The one table from error kind to HTTP status; every error leaves as
 * `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail` and a stable `code`.
 */
import { settledAfterDeadline } from './idempotency';
import type { ErrorRequestHandler, Response } from 'express';
import mongoose from 'mongoose';
import { z } from 'zod';
import {
  BusinessRuleError,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
  isDatabaseUnavailable,
  isDuplicateKey,
  type Logger,
} from '../../engine';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(res: Response, status: number, code: string, detail: string, extra?: Record<string, unknown>) {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: `urn:service-centre:problem:${code.toLowerCase().replace(/_/g, '-')}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra }));
}

/** Seconds a client is asked to wait after a 503 DATABASE_UNAVAILABLE. */
const RETRY_AFTER_SECONDS = 5;

/** During an outage every request fails: one log line per 10 s, with how many were answered 503. */
const unavailableLog = (() => {
  let last = 0;
  let count = 0;
  return {
    note() {
      count++;
      const now = Date.now();
      if (now - last < 10_000) return false;
      last = now;
      return true;
    },
    take() {
      const n = count;
      count = 0;
      return n;
    },
  };
})();

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300);

function statusOf(err: DomainError): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof UnauthenticatedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof BusinessRuleError) return 422;
  if (err instanceof UnavailableError) return 503;
  return 500;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      // answered already — by the request deadline's 503: the handler has settled now (api/http/idempotency.ts)
      settledAfterDeadline(res);
      return;
    }
    if (err instanceof UnavailableError) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    if (err instanceof DomainError) return sendProblem(res, statusOf(err), err.code, err.message, err.details ? { details: err.details } : undefined);
    if (err instanceof z.ZodError) {
      const issues = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return sendProblem(res, 400, 'INVALID_REQUEST', issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), { issues });
    }
    // body-parser errors carry `type` and `status`
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') return sendProblem(res, 400, 'MALFORMED_JSON', 'request body is not valid JSON');
    if (e.type === 'entity.too.large') return sendProblem(res, 413, 'BODY_TOO_LARGE', 'request body is too large');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return sendProblem(res, 415, 'UNSUPPORTED_ENCODING', e.message ?? 'unsupported encoding');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return sendProblem(res, e.status, 'BAD_REQUEST', e.message ?? 'bad request');
    if (isDuplicateKey(err)) return sendProblem(res, 409, 'DUPLICATE', 'the record already exists');
    if (err instanceof mongoose.Error.VersionError) return sendProblem(res, 409, 'STALE', 'the record changed meanwhile; reload and try again');
    if (isDatabaseUnavailable(err)) {
      // the database is down or restarting: the client may retry; the platform reconnects by itself
      if (unavailableLog.note()) logger.warn({ err: firstLine(err), method: req.method, path: req.path, answered503: unavailableLog.take() }, 'database unavailable');
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      return sendProblem(res, 503, 'DATABASE_UNAVAILABLE', 'the database is not reachable or restarting; try again shortly');
    }
    logger.error({ err: (err as Error)?.message, stack: (err as Error)?.stack, method: req.method, path: req.path }, 'unexpected error');
    return sendProblem(res, 500, 'INTERNAL', 'an unexpected error occurred; it has been logged');
  };
}
