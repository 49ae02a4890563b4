/**
 * Domain errors (领域错误). Services throw these; `api/http/error-handler.ts` is the one place
 * that turns them into HTTP problem responses. Each class says when it is thrown.
 */
export abstract class DomainError extends Error {
  /** Stable machine-readable code, e.g. `TASK_ALREADY_COMPLETED`. */
  readonly code: string;
  /** Extra fields for the client (never personal data). */
  readonly details?: Record<string, unknown>;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Input is malformed or fails validation (HTTP 400). */
export class ValidationError extends DomainError {}
/** No authenticated user, or the credentials are wrong (HTTP 401). */
export class UnauthenticatedError extends DomainError {}
/** The user is known but may not do this (HTTP 403). */
export class ForbiddenError extends DomainError {}
/** The thing asked for does not exist, or the user may not know it exists (HTTP 404). */
export class NotFoundError extends DomainError {}
/** The request no longer applies to the current state, e.g. a task already completed (HTTP 409). */
export class ConflictError extends DomainError {}
/** Well-formed input that breaks a business rule, e.g. a diagram the engine cannot run (HTTP 422). */
export class BusinessRuleError extends DomainError {}
/** A dependency (the database) is unavailable (HTTP 503). */
export class UnavailableError extends DomainError {}

/** MongoDB server error codes that mean "the server cannot serve now" (shutdown, failover, network). */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);
/** Driver and mongoose error names that mean the database could not be reached. */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
]);
/**
 * FerretDB 2 answers with a server error (code 1, InternalError) carrying PostgreSQL's own
 * message when PostgreSQL is down or restarting, e.g. "failed to connect to `user=postgres
 * database=postgres`: … connect: connection refused" or "terminating connection due to
 * administrator command" (SQLSTATE 57P01); mongoose says "buffering timed out" while its
 * connection is down.
 */
const UNAVAILABLE_MESSAGE =
  /failed to connect to `|\(\*Pool\)\.Acquire|dial error|connection refused|terminating connection due to administrator command|the database system is (shutting down|starting up|in recovery mode|not yet accepting connections)|server closed the connection unexpectedly|SQLSTATE (08|57P0[1-3])|buffering timed out|connection (reset by peer|closed)|conn closed|broken pipe|unexpected EOF/i;

/**
 * True when `err` (or an error it wraps through `cause`) means the database is unreachable, down
 * or restarting — a condition that passes by itself, answered with 503 rather than 500.
 * Duck-typed (names, codes, labels, messages) so it works for any copy of the driver.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { name?: unknown; code?: unknown; codeName?: unknown; message?: unknown; errorLabels?: unknown; errorLabelSet?: unknown };
    if (typeof x.name === 'string' && UNAVAILABLE_NAMES.has(x.name)) return true;
    if (typeof x.code === 'number' && UNAVAILABLE_CODES.has(x.code)) return true;
    const labels = x.errorLabelSet instanceof Set ? [...x.errorLabelSet] : Array.isArray(x.errorLabels) ? x.errorLabels : [];
    if (labels.includes('ResetPool') || labels.includes('SystemOverloadedError')) return true;
    const isDbError = typeof x.name === 'string' && /^Mongo|^Mongoose/.test(x.name);
    if (isDbError && typeof x.message === 'string' && UNAVAILABLE_MESSAGE.test(x.message)) return true;
  }
  return false;
}
