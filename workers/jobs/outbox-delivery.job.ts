/**
 * outbox.deliver — sends due events of the outbound feed to the provincial electronic
 * supervision platform (省级电子监察平台). Trigger: every 2 seconds (Agenda `every`, one shared
 * job). Idempotency: every attempt is claimed by inserting its lease (`<eventId>:<attempt>`), so
 * two workers — or a run started twice by Agenda's non-atomic lock on FerretDB — never send the
 * same attempt; the receiver drops repeats of an event by its Idempotency-Key.
 * Retries: per event, with exponential backoff inside the outbox (not Agenda's); a failed run
 * (database down) is simply the next run's work.
 */
import type { Agenda } from 'agenda';
import type { Logger } from '../../engine';
import type { DeliveryOptions, Outbox } from '../../engine';

export const OUTBOX_DELIVERY_JOB = 'outbox.deliver';

export function defineOutboxDeliveryJob(agenda: Agenda, outbox: Outbox, config: DeliveryOptions, logger: Logger) {
  // Fail at start-up, not on every run, when the endpoint is not acceptable.
  outbox.checkEndpoint(config.endpoint, config.token);
  agenda.define(
    OUTBOX_DELIVERY_JOB,
    async () => {
      try {
        const r = await outbox.deliverDue(new Date(), config);
        if (r.failed || r.recovered || r.stoppedEarly) {
          logger.warn({ jobName: OUTBOX_DELIVERY_JOB, ...r }, 'outbox delivery: some events failed or the endpoint is unreachable');
        } else if (r.delivered || r.retrying) {
          logger.info({ jobName: OUTBOX_DELIVERY_JOB, ...r }, 'outbox delivery ran');
        }
      } catch (err) {
        logger.error({ jobName: OUTBOX_DELIVERY_JOB, err: (err as Error).message }, 'outbox delivery failed');
        throw err;
      }
    },
    // One run per process at a time; the lock outlives a full batch of timeouts, so Agenda does
    // not hand a slow run to a second worker (harmless anyway: the leases keep attempts single).
    { concurrency: 1, lockLifetime: Math.max(60_000, config.batch * config.timeoutMs + 10_000) },
  );
}
