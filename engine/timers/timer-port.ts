/**
 * Port through which the engine asks for durable timers (DESIGN.md §4). The Agenda
 * implementation is `agenda-timers.ts`; the engine's services know only this interface.
 */
export interface TimerRequest {
  instanceId: string;
  /** Element id of the timer event (boundary or intermediate catch). */
  elementId: string;
  /** When the timer comes due. */
  expireAt: Date;
  /** Makes a second job for the same timer (e.g. after a withdrawal restored an older state). */
  keySuffix?: string;
}

export interface TimerScheduler {
  /**
   * Persists one job per request, idempotently: the same (instance, element, expireAt) twice
   * is one job. Called BEFORE the revision that needs the timer is inserted, so a crash in
   * between leaves at most a harmless job whose firing finds nothing due.
   */
  schedule(requests: TimerRequest[]): Promise<void>;
}

/** The Agenda job name for BPMN timers. */
export const BPMN_TIMER_JOB = 'bpmn.timer.fire';

/** Unique key of a timer job. */
export function timerJobKey(r: TimerRequest): string {
  return `${r.instanceId}:${r.elementId}:${r.expireAt.toISOString()}${r.keySuffix ? `:${r.keySuffix}` : ''}`;
}
