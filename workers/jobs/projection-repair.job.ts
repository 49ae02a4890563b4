/**
 * engine.projection.repair — brings read models (tasks, case summary, escalations) up to
 * revisions written by a process that died between the revision insert and its projection.
 * Trigger: every 10 seconds (Agenda `every`, one shared job). Idempotency: projection is
 * idempotent. Retries: the next run.
 */
import type { Agenda } from 'agenda';
import type { Logger, ProcessService } from '../../engine';

export const PROJECTION_REPAIR_JOB = 'engine.projection.repair';

export function defineProjectionRepairJob(agenda: Agenda, service: ProcessService, logger: Logger) {
  agenda.define(PROJECTION_REPAIR_JOB, async () => {
    const n = await service.projectPending();
    if (n) logger.warn({ jobName: PROJECTION_REPAIR_JOB, instances: n }, 'repaired read models');
  });
}
