/** Registers every job handler on an Agenda and starts processing. */
import type { Agenda } from 'agenda';
import type { Logger, ProcessService, SupervisionService } from '../engine';
import { defineBpmnTimerJob } from './jobs/bpmn-timer.job';
import { defineProjectionRepairJob, PROJECTION_REPAIR_JOB } from './jobs/projection-repair.job';

export async function startWorkers(agenda: Agenda, service: ProcessService, logger: Logger, supervision?: SupervisionService): Promise<void> {
  defineBpmnTimerJob(agenda, service, logger);
  supervision?.defineJobs(agenda);
  defineProjectionRepairJob(agenda, service, logger);
  agenda.on('error', (err: Error) => logger.error({ err: err.message }, 'agenda error'));
  await agenda.start();
  await agenda.every('10 seconds', PROJECTION_REPAIR_JOB, {}, { skipImmediate: false } as any);
  // Repair anything a previous process left half-projected before serving.
  await service.projectPending(0);
}
