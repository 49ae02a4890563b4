/**
 * Service and send tasks run as jobs (作业, the external-task pattern): names, keys and the port
 * through which the engine asks for them. Pure: no database, no Agenda.
 *
 * A diagram marks a task as a job with `camunda:type="external"` + `camunda:topic="…"` (Camunda
 * 7) or our own `svc:jobTopic="…"`; `svc:jobRetries` overrides the attempts. When the engine
 * reaches the task the instance waits; a durable Agenda job keyed by (instance, element,
 * execution) runs the topic's handler and completes the task with the handler's output. After
 * the last failed attempt the job becomes an incident (事件/故障) for an operator to retry, or to
 * cancel the case's process instance (what Camunda offers for a failed external task).
 */

/** Agenda job name that runs a service/send task's handler. */
export const SERVICE_TASK_JOB = 'bpmn.service-task.run';

/** The topics this platform has handlers for. A diagram naming another topic is refused at deploy. */
export const JOB_TOPICS = {
  /** 省级电子监察平台: push a case event to the provincial feed (the outbox). */
  provincialFeed: 'provincial-feed',
  /** 申请人短信通知: an SMS to the applicant through the configured gateway (a log channel by default). */
  applicantNotification: 'applicant-notification',
} as const;
export const KNOWN_JOB_TOPICS: readonly string[] = Object.values(JOB_TOPICS);

/** Most attempts a diagram may ask for (`svc:jobRetries`). */
export const MAX_JOB_RETRIES = 20;

/** The unique key of one job: one per (instance, element, execution). */
export function serviceJobKey(instanceId: string, elementId: string, executionId: string): string {
  return `${instanceId}:${elementId}:${executionId}`;
}

export interface ServiceJobRequest {
  instanceId: string;
  elementId: string;
  executionId: string;
  topic: string;
  name?: string;
  definitionKey: string;
  /** The case number (the instance's business key), when it has one. */
  caseNo?: string;
  orgUnit?: string;
  /** Attempts before an incident; the platform default when absent. */
  retries?: number;
}

/** Port through which the engine asks for jobs (engine/service-jobs/service-jobs.ts implements it). */
export interface ServiceJobScheduler {
  /**
   * Records and schedules one job per request, idempotently by its key. Called BEFORE the
   * revision that waits on the task is inserted: a crash in between leaves at most a job whose
   * run finds the task not waiting and ends without doing anything.
   */
  schedule(requests: ServiceJobRequest[]): Promise<void>;
}
