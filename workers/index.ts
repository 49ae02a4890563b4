/** Registers every job handler on an Agenda and starts processing. */
import type { Agenda } from 'agenda';
import { retryAllWhileDatabaseDown, watchAgenda, type CaseService, type DeliveryOptions, type Logger, type Outbox, type ProcessService, type ServiceJobs, type StatsRollups, type SupervisionService } from '../engine';
import { defineServiceTaskJob } from './jobs/service-task.job';
import { defineOutboxDeliveryJob, OUTBOX_DELIVERY_JOB } from './jobs/outbox-delivery.job';
import { defineOutboxPruneJob, OUTBOX_PRUNE_JOB } from './jobs/outbox-prune.job';
import { CASE_NUMBER_SWEEP_JOB, defineCaseNumberSweepJob } from './jobs/case-number-sweep.job';
import { defineBpmnTimerJob } from './jobs/bpmn-timer.job';
import { defineProjectionRepairJob, PROJECTION_REPAIR_JOB } from './jobs/projection-repair.job';
import { CASE_REPAIR_JOB, defineCaseRepairJob, REPAIR_EVERY } from './jobs/case-repair.job';
import { defineStatsRefreshJob, STATS_REFRESH_EVERY, STATS_REFRESH_JOB } from './jobs/stats-refresh.job';

export async function startWorkers(agenda: Agenda, service: ProcessService, logger: Logger, supervision?: SupervisionService, cases?: CaseService, feed?: { outbox: Outbox; delivery?: DeliveryOptions; retentionDays?: number }, rollups?: StatsRollups, serviceJobs?: ServiceJobs): Promise<void> {
  if (feed?.delivery) defineOutboxDeliveryJob(agenda, feed.outbox, feed.delivery, logger);
  if (feed) defineOutboxPruneJob(agenda, feed.outbox, feed.retentionDays ?? 90, logger);
  defineBpmnTimerJob(agenda, service, logger);
  if (serviceJobs) defineServiceTaskJob(agenda, serviceJobs, logger);
  if (rollups) defineStatsRefreshJob(agenda, rollups, logger);
  supervision?.defineJobs(agenda);
  if (cases) defineCaseNumberSweepJob(agenda, cases, logger);
  if (cases) defineCaseRepairJob(agenda, cases, logger);
  defineProjectionRepairJob(agenda, service, logger);
  // no job is lost to an outage: a handler that met one is retried until the database answers
  retryAllWhileDatabaseDown(agenda);
  // logs Agenda's errors (an outage once every 10 s) and releases locks an outage left behind
  watchAgenda(agenda, logger);
  await agenda.start();
  await agenda.every('10 seconds', PROJECTION_REPAIR_JOB, {}, { skipImmediate: false } as any);
  if (cases) await agenda.every('1 minute', CASE_NUMBER_SWEEP_JOB, {}, { skipImmediate: false } as any);
  if (rollups) await agenda.every(STATS_REFRESH_EVERY, STATS_REFRESH_JOB, {}, { skipImmediate: true } as any);
  if (cases) await agenda.every(REPAIR_EVERY, CASE_REPAIR_JOB, {}, { skipImmediate: false } as any);
  if (feed) await agenda.every('1 day', OUTBOX_PRUNE_JOB, {}, { skipImmediate: true } as any);
  if (feed?.delivery) await agenda.every('2 seconds', OUTBOX_DELIVERY_JOB, {}, { skipImmediate: false } as any);
  // Repair anything a previous process left half-projected before serving.
  await service.projectPending(0);
}
