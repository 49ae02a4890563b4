/**
 * Configuration of the provincial feed, read from the environment (both `api/main.ts` and
 * `workers/main.ts` may call this). The feed is off unless `PROVINCE_FEED_URL` is set; a bad
 * setting fails start-up with a message naming it (never echoing the token).
 *
 *   PROVINCE_FEED_URL            receiving URL (http/https; loopback or an allowed host)
 *   PROVINCE_FEED_ALLOWED_HOSTS  comma-separated non-loopback host names the URL may use
 *   PROVINCE_FEED_TOKEN          bearer token (optional; refused over plain http to a remote host)
 *   PROVINCE_FEED_TIMEOUT_MS     per-request timeout, default 10 000
 *   PROVINCE_FEED_BATCH          events per run, default 50
 *   PROVINCE_FEED_MAX_ATTEMPTS   attempts before dead-lettering, default 10
 *   PROVINCE_FEED_BACKOFF_MS     first retry delay (doubles, capped at 10 min), default 1 000
 *   PROVINCE_FEED_RETENTION_DAYS delivered events are deleted this many days after delivery, default 90
 *                                (failed and pending ones never: an operator acts on them)
 */
import { z } from 'zod';
import { checkEndpoint } from './endpoint';
import type { DeliveryOptions, OutboxOptions } from './outbox';

const Env = z.object({
  PROVINCE_FEED_URL: z.string().max(2000).optional(),
  PROVINCE_FEED_ALLOWED_HOSTS: z.string().max(2000).default(''),
  PROVINCE_FEED_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{1,4096}$/, 'printable ASCII without spaces')
    .optional(),
  PROVINCE_FEED_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PROVINCE_FEED_BATCH: z.coerce.number().int().min(1).max(1000).default(50),
  PROVINCE_FEED_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  PROVINCE_FEED_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  PROVINCE_FEED_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
});

export interface FeedConfig {
  /** Options for `new Outbox(conn, …)`: always usable (appending works with the feed off). */
  outbox: Pick<OutboxOptions, 'allowedHosts' | 'maxAttempts' | 'baseBackoffMs'>;
  /** Days a delivered event is kept (then `pruneDelivered` removes it). */
  retentionDays: number;
  /** Options for `deliverDue`; undefined when the feed is off (no URL). */
  delivery?: DeliveryOptions;
}

/** @throws Error naming every bad variable */
export function loadFeedConfig(env: NodeJS.ProcessEnv): FeedConfig {
  const r = Env.safeParse(env);
  if (!r.success) throw new Error(`invalid configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = r.data;
  const allowedHosts = e.PROVINCE_FEED_ALLOWED_HOSTS.split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const outbox = { allowedHosts, maxAttempts: e.PROVINCE_FEED_MAX_ATTEMPTS, baseBackoffMs: e.PROVINCE_FEED_BACKOFF_MS };
  const url = e.PROVINCE_FEED_URL?.trim();
  if (!url) return { outbox, retentionDays: e.PROVINCE_FEED_RETENTION_DAYS };
  try {
    checkEndpoint(url, allowedHosts, { token: e.PROVINCE_FEED_TOKEN });
  } catch (err) {
    throw new Error(`invalid configuration: PROVINCE_FEED_URL: ${(err as Error).message}`);
  }
  return { outbox, retentionDays: e.PROVINCE_FEED_RETENTION_DAYS, delivery: { endpoint: url, timeoutMs: e.PROVINCE_FEED_TIMEOUT_MS, batch: e.PROVINCE_FEED_BATCH, token: e.PROVINCE_FEED_TOKEN } };
}
