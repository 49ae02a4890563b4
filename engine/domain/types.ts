/** Pure domain types shared by the engine's services, the API and the workers. */

/** Metadata of one user task element, read from the diagram at deploy time. */
export interface UserTaskMeta {
  elementId: string;
  name: string;
  /** `camunda:candidateGroups`, split on commas. May contain `${…}` expressions. */
  candidateGroups: string[];
  /** `camunda:candidateUsers`, split on commas. */
  candidateUsers: string[];
  /** `camunda:assignee`, raw (may be an expression). */
  assignee?: string;
  /** `camunda:dueDate`, raw (ISO date-time or expression). */
  dueDate?: string;
  /** `camunda:formKey`. */
  formKey?: string;
  /** `svc:timeLimit` — promised step time limit 承诺时限 (ISO-8601 duration or `NWD` working days). */
  timeLimit?: string;
  /** `svc:window` — window / department code 窗口. */
  window?: string;
  /** `svc:orgLevel` — town 镇 / city 市. */
  orgLevel?: string;
  /** `svc:stepKind` — accept 受理 / review 审查 / approve 审批 / notify 告知. */
  stepKind?: string;
  /** 退回 target: the earlier step a `decision == 'return'` flow leads back to, if the diagram has one. */
  returnTo?: string;
  /**
   * Decisions the diagram routes after this step: the `decision == '…'` values on the exclusive
   * gateway right after it, plus `approve` (its default flow). Empty when no gateway decides.
   */
  decisions?: string[];
}

export interface DefinitionSummary {
  id: string;
  key: string;
  version: number;
  name: string;
  processId: string;
  deployedAt: Date;
  deployedBy: string;
  /** 变更说明 given at deploy (versions deployed before it was required have none). */
  changeNote?: string;
  sha256: string;
  caseCategory?: string;
  itemCode?: string;
  orgLevel?: string;
}

export type CaseStatus = 'running' | 'completed' | 'failed';
export type TaskStatus = 'open' | 'completed' | 'cancelled';

/** One step of a case's history, as recorded in the revision that produced it. */
export interface HistoryEvent {
  type: 'activity.start' | 'activity.wait' | 'activity.end' | 'activity.timer' | 'activity.timeout' | 'activity.escalate' | 'activity.discard' | 'process.end' | 'case.started' | 'task.completed' | 'task.withdrawn' | 'job.completed' | 'case.cancelled';
  elementId: string;
  elementType?: string;
  name?: string;
  executionId?: string;
  at: string;
  actor?: string;
  expireAt?: string;
}

/** Who does something: the authenticated user, or the system (timers). */
export interface Actor {
  username: string;
  groups: string[];
  roles: string[];
  /** 所属机构: the org unit the person belongs to (city or a town). */
  orgUnit?: string;
  /** The window the person staffs, when a clerk. */
  windowId?: string;
}

export const SYSTEM_ACTOR: Actor = { username: 'system', groups: [], roles: ['system'] };

export interface Clock {
  now(): Date;
}

/** A logger port; the host injects pino. Never pass personal data (ID or phone numbers). */
/**
 * Told, before it is written, of an event the statistics count by centre and CST day rather than
 * with a case: an escalation (`esc`) or complaint (`cmp`) that names no case, or a violation (`vio`).
 */
export type LooseEventListener = (kind: 'esc' | 'cmp' | 'vio', id: string, orgUnit: string, at: Date) => Promise<void>;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
