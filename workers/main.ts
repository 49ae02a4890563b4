/**
 * `npm run worker`: a process that only runs Agenda jobs (BPMN timers, projection repair)
 * against the same database as the API. Several may run; Agenda's locks share the jobs and the
 * revision claim keeps every timer's effect single.
 */
import pino from 'pino';
import { z } from 'zod';
import { defaultEmbeddedDataDir, loadFeedConfig, loadServiceJobConfig, startPlatform } from '../engine';
import { startWorkers } from '.';

const Env = z.object({
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb://').optional(),
  DB_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).default('service_centre'),
  DATA_DIR: z.string().optional(),
  AGENDA_PROCESS_EVERY_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  AGENDA_LOCK_LIFETIME_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

async function main() {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  if (!e.MONGODB_URI) {
    throw new Error('a worker process needs MONGODB_URI (the embedded database belongs to "npm start"); e.g. MONGODB_URI=mongodb://127.0.0.1:27017/service_centre');
  }
  const logger = pino({ level: e.LOG_LEVEL, base: { role: 'worker' } });
  const platform = await startPlatform(
    {
      mongodbUri: e.MONGODB_URI,
      dbName: e.DB_NAME,
      embeddedDataDir: e.DATA_DIR ?? defaultEmbeddedDataDir(),
      agendaProcessEveryMs: e.AGENDA_PROCESS_EVERY_MS,
      agendaLockLifetimeMs: e.AGENDA_LOCK_LIFETIME_MS,
      feed: loadFeedConfig(process.env),
      serviceJobs: loadServiceJobConfig(process.env),
    },
    logger,
  );
  await startWorkers(platform.agenda, platform.processService, logger, platform.supervision, platform.cases, { outbox: platform.outbox, delivery: platform.feedDelivery, retentionDays: platform.feedRetentionDays }, platform.rollups, platform.serviceJobs);
  logger.info({}, 'worker started');
  const stop = async () => {
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

process.on('unhandledRejection', (err) => {
  console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String((err as Error)?.message ?? err) }));
});

main().catch((err) => {
  console.error(JSON.stringify({ level: 60, msg: 'worker failed to start', err: String(err?.message ?? err) }));
  process.exit(1);
});
