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
