/**
 * bpmn.timer.fire — a BPMN timer (boundary or intermediate catch) came due.
 * Trigger: scheduled by the engine, before the revision that waits on the timer is written.
 * Idempotency: the job resumes the instance; the engine fires only timers that are due and still
 * waiting, and the revision insert lets one process win. A second run, or a run after the task
 * ended, writes nothing.
 * Retries: while the database is unavailable, every 5 s without limit (a timer is never dropped
 * for an outage); on another error with exponential backoff, 8 times.
 */
import { z } from 'zod';
import { exponential, type Agenda } from 'agenda';
import { BPMN_TIMER_JOB, retryWhileDatabaseDown, type Logger, type ProcessService } from '../../engine';

export const TimerJobData = z.object({
  key: z.string().min(1),
  instanceId: z.string().min(1),
  elementId: z.string().min(1),
  expireAt: z.iso.datetime(),
});

export function defineBpmnTimerJob(agenda: Agenda, service: ProcessService, logger: Logger) {
  agenda.define(
    BPMN_TIMER_JOB,
    async (job) => {
      const parsed = TimerJobData.safeParse(job.attrs.data);
      if (!parsed.success) {
        // A malformed job can never succeed: record and drop it rather than retry forever.
        logger.error({ jobName: BPMN_TIMER_JOB, issues: parsed.error.issues.map((i) => i.message) }, 'invalid timer job data; dropped');
        return;
      }
      const data = parsed.data;
      // Agenda may start a job a little before its time; wait for it (at most a few seconds).
      const early = new Date(data.expireAt).getTime() - Date.now();
      if (early > 0) await new Promise((r) => setTimeout(r, Math.min(early + 5, 5000)));
      const moved = await service.fireTimers(data.instanceId, data);
      logger.info({ jobName: BPMN_TIMER_JOB, instanceId: data.instanceId, activityId: data.elementId, moved }, 'timer job ran');
    },
    // Agenda 6 takes a backoff strategy function; an options object here made every failure throw "definition.backoff is not a function"
    { concurrency: 10, backoff: retryWhileDatabaseDown(exponential({ delay: 1000, maxDelay: 60_000, maxRetries: 8 }), 5000) },
  );
}
