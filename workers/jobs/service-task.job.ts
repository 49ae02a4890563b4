/**
 * bpmn.service-task.run — runs the handler of a service or send task's job (作业) and completes the
 * task (engine/service-jobs/service-jobs.ts).
 * Trigger: scheduled by the engine before the revision that waits on the task (due at once), and
 * again by an operator's retry of an incident (a new run number, a new Agenda job).
 * Idempotency: by the job key (instance:element:execution) — the handlers' effects are keyed by
 * it, and the completion is the engine's conditional revision write, so a double delivery or a
 * run after a kill moves the instance once.
 * Retries: exponential backoff from SERVICE_JOB_BACKOFF_MS (doubling, up to
 * SERVICE_JOB_MAX_BACKOFF_MS); the attempts are counted on the job, whose last allowed attempt
 * (SERVICE_JOB_RETRIES or svc:jobRetries) becomes an incident instead of a retry. While the
 * database is unavailable: every 5 s without limit (workers/index.ts), not counted.
 */
import { z } from 'zod';
import { exponential, type Agenda } from 'agenda';
import { SERVICE_TASK_JOB, type Logger, type ServiceJobs } from '../../engine';

export const ServiceTaskJobData = z.object({
  key: z.string().min(1).max(1000),
  job: z.string().min(1).max(1000),
});

export function defineServiceTaskJob(agenda: Agenda, jobs: ServiceJobs, logger: Logger) {
  const { backoffMs, maxBackoffMs } = jobs.config;
  agenda.define(
    SERVICE_TASK_JOB,
    async (job) => {
      const parsed = ServiceTaskJobData.safeParse(job.attrs.data);
      if (!parsed.success) {
        logger.error({ jobName: SERVICE_TASK_JOB, issues: parsed.error.issues.map((i) => i.message) }, 'invalid service task job data; dropped');
        return;
      }
      await jobs.run(parsed.data.job);
    },
    // the job's own attempt count decides when to stop (an incident): Agenda's limit is only a backstop
    { concurrency: 5, backoff: exponential({ delay: backoffMs, maxDelay: maxBackoffMs, maxRetries: 25 }) },
  );
}
