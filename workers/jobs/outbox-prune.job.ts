/**
 * outbox.prune — retention of the provincial feed: deletes events delivered more than
 * PROVINCE_FEED_RETENTION_DAYS ago (default 90) and their settled lease documents; pending and
 * failed events stay for an operator. Trigger: once a day (Agenda `every`, one shared job).
 * Idempotency: a delete of what is already gone changes nothing. Retries: the next day.
 */
import type { Agenda } from 'agenda';
import type { Logger, Outbox } from '../../engine';

export const OUTBOX_PRUNE_JOB = 'outbox.prune';

export function defineOutboxPruneJob(agenda: Agenda, outbox: Outbox, retentionDays: number, logger: Logger) {
  agenda.define(OUTBOX_PRUNE_JOB, async () => {
    const n = await outbox.pruneDelivered(new Date(Date.now() - retentionDays * 86_400_000));
    if (n) logger.info({ jobName: OUTBOX_PRUNE_JOB, deleted: n, retentionDays }, 'pruned delivered feed events');
  });
}
