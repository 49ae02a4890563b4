/** The outbound feed to the provincial electronic supervision platform (see outbox.ts). */
export {
  Outbox,
  OUTBOX_STATUSES,
  OUTBOX_COLLECTION,
  OUTBOX_LEASES_COLLECTION,
  idempotencyKeyFor,
  backoffDelayMs,
  type OutboxStatus,
  type OutboxEventInput,
  type OutboxEventView,
  type OutboxAttempt,
  type OutboxOptions,
  type DeliveryOptions,
  type DeliveryReport,
} from './outbox';
export { checkEndpoint, isLoopbackHost } from './endpoint';
export { normaliseEventData, isPersonalKey, MAX_EVENT_DATA_BYTES } from './event-data';
export { loadFeedConfig, type FeedConfig } from './config';
