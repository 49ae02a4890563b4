/**
 * Configuration of service/send task jobs (作业) and the applicant SMS gateway, read once by the
 * runnables (api/config.ts, workers/main.ts) from their environment and passed in; the engine
 * never reads `process.env`.
 */
import { z } from 'zod';
import { checkEndpoint } from '../outbox/endpoint';

const Env = z.object({
  /** Attempts of a job before it becomes an incident, unless the diagram says (svc:jobRetries). */
  SERVICE_JOB_RETRIES: z.coerce.number().int().min(1).max(20).default(3),
  /** First retry delay in ms; doubles per failed attempt. */
  SERVICE_JOB_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  /** Longest retry delay in ms. */
  SERVICE_JOB_MAX_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** The SMS gateway's URL (http/https; loopback or an allowed host); unset → the log channel. */
  SMS_GATEWAY_URL: z.string().max(2000).optional(),
  SMS_GATEWAY_TOKEN: z.string().max(2000).optional(),
  SMS_GATEWAY_ALLOWED_HOSTS: z.string().max(2000).default(''),
  SMS_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** The signature the gateway puts before every text (短信签名). */
  SMS_SIGNATURE: z.string().max(40).default('行政服务中心'),
});

export interface SmsConfig {
  /** The gateway endpoint; undefined → the log channel (nothing leaves the machine). */
  endpoint?: string;
  token?: string;
  timeoutMs: number;
  signature: string;
}

export interface ServiceJobConfig {
  /** Attempts before an incident (default 3). */
  retries: number;
  /** First retry delay, ms (default 1 000); doubles per attempt up to `maxBackoffMs` (default 60 000). */
  backoffMs: number;
  maxBackoffMs: number;
  sms: SmsConfig;
}

export const DEFAULT_SERVICE_JOB_CONFIG: ServiceJobConfig = { retries: 3, backoffMs: 1000, maxBackoffMs: 60_000, sms: { timeoutMs: 10_000, signature: '行政服务中心' } };

/** @throws Error naming every bad variable */
export function loadServiceJobConfig(env: NodeJS.ProcessEnv): ServiceJobConfig {
  const r = Env.safeParse(env);
  if (!r.success) throw new Error(`invalid configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = r.data;
  const url = e.SMS_GATEWAY_URL?.trim();
  if (url) {
    const allowed = e.SMS_GATEWAY_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    try {
      checkEndpoint(url, allowed, { token: e.SMS_GATEWAY_TOKEN });
    } catch (err) {
      throw new Error(`invalid configuration: SMS_GATEWAY_URL: ${(err as Error).message}`);
    }
  }
  return {
    retries: e.SERVICE_JOB_RETRIES,
    backoffMs: e.SERVICE_JOB_BACKOFF_MS,
    maxBackoffMs: Math.max(e.SERVICE_JOB_BACKOFF_MS, e.SERVICE_JOB_MAX_BACKOFF_MS),
    sms: { endpoint: url || undefined, token: e.SMS_GATEWAY_TOKEN, timeoutMs: e.SMS_GATEWAY_TIMEOUT_MS, signature: e.SMS_SIGNATURE },
  };
}
