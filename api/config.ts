/** Configuration of the API process, loaded once from the environment and validated. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { defaultEmbeddedDataDir, loadFeedConfig, loadServiceJobConfig, type PlatformConfig } from '../engine';

const Env = z.object({
  /** HTTP port; 0 picks a free one. Default 3000. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address to listen on. Default 127.0.0.1 (put a reverse proxy in front for the network). */
  HOST: z.string().default('127.0.0.1'),
  /** MongoDB URI with database name. Unset: the embedded FerretDB. */
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  /** Database name on the embedded FerretDB. */
  DB_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default('service_centre'),
  /** Data folder of the embedded FerretDB. */
  DATA_DIR: z.string().optional(),
  /** Run Agenda job processing in this process too. Default true ("npm start" is one process). */
  RUN_WORKERS: z.enum(['true', 'false']).default('true'),
  /** Agenda poll interval, ms. Default 500 (a due timer fires within about a second). */
  AGENDA_PROCESS_EVERY_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  /** Agenda lock lifetime, ms. Default 60 000 (a crashed worker's job is retaken after a minute). */
  AGENDA_LOCK_LIFETIME_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** Password of the seeded demo users (seeded only into an empty user table). */
  DEMO_PASSWORD: z.string().min(6).default('demo123'),
  /** Session lifetime, hours. Default 12 (one working day and a bit). */
  SESSION_HOURS: z.coerce.number().min(0.01).max(720).default(12),
  /** Allow step time-limit overrides at intake (demos and tests; never in production). */
  ALLOW_LIMIT_OVERRIDES: z.enum(['true', 'false']).default('false'),
  /** Another service catalogue to load instead of processes/catalogue/items.json (seed and first start). */
  CATALOGUE_FILE: z.string().min(1).optional(),
  /** Where statistics come from: the day rollups (default) or a scan of the cases (a check of the rollups). */
  STATS_SOURCE: z.enum(['rollups', 'scan']).default('rollups'),
  /** Reply limit of a complaint (working days like 10WD, or ISO duration). */
  COMPLAINT_LIMIT: z.string().max(20).default('10WD'),
  /** Rectification limit after a poor rating. */
  RECTIFICATION_LIMIT: z.string().max(20).default('5WD'),
  /** Percentage of ended cases that get a follow-up call (回访). */
  FOLLOW_UP_SAMPLE_PERCENT: z.coerce.number().int().min(0).max(100).default(10),
  /** Public lookups (case, complaint) per address and minute. */
  LOOKUP_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** An API request without an answer after this many ms gets 503 REQUEST_TIMEOUT (a hanging database must not hold requests forever). Default 30 000. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * The reverse proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDR
   * ranges (e.g. `127.0.0.1,10.0.0.0/8`), or `loopback`, `linklocal`, `uniquelocal`. Unset: none,
   * so rate limits key on the connecting peer and a client cannot choose its own address.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      for (const a of list) {
        const [addr, bits, more] = a.split('/');
        const named = ['loopback', 'linklocal', 'uniquelocal'].includes(a);
        const family = isIP(addr ?? '');
        const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
        if (!named && (!family || !okBits || more !== undefined)) {
          ctx.addIssue({ code: 'custom', message: `"${a}" is not an address, a CIDR range, or loopback/linklocal/uniquelocal` });
        }
      }
      return list;
    }),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface ApiConfig {
  port: number;
  host: string;
  runWorkers: boolean;
  demoPassword: string;
  sessionHours: number;
  logLevel: string;
  lookupPerMinute: number;
  requestTimeoutMs: number;
  /** Trusted reverse proxies (TRUST_PROXY); empty: X-Forwarded-For is ignored. */
  trustProxy: string[];
  /** CATALOGUE_FILE: the catalogue the seed loads (default processes/catalogue/items.json). */
  catalogueFile?: string;
  platform: PlatformConfig;
}

/** @throws Error naming every bad variable */
export function loadConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const r = Env.safeParse(env);
  if (!r.success) {
    throw new Error(`invalid configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    runWorkers: e.RUN_WORKERS === 'true',
    demoPassword: e.DEMO_PASSWORD,
    sessionHours: e.SESSION_HOURS,
    logLevel: e.LOG_LEVEL,
    lookupPerMinute: e.LOOKUP_PER_MINUTE,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
    catalogueFile: e.CATALOGUE_FILE,
    platform: {
      mongodbUri: e.MONGODB_URI,
      dbName: e.DB_NAME,
      embeddedDataDir: e.DATA_DIR ?? defaultEmbeddedDataDir(),
      agendaProcessEveryMs: e.AGENDA_PROCESS_EVERY_MS,
      agendaLockLifetimeMs: e.AGENDA_LOCK_LIFETIME_MS,
      allowLimitOverrides: e.ALLOW_LIMIT_OVERRIDES === 'true',
      statsSource: e.STATS_SOURCE,
      feed: loadFeedConfig(env),
      serviceJobs: loadServiceJobConfig(env),
      feedback: { complaintLimit: e.COMPLAINT_LIMIT, rectificationLimit: e.RECTIFICATION_LIMIT, followUpSamplePercent: e.FOLLOW_UP_SAMPLE_PERCENT },
    },
  };
}
