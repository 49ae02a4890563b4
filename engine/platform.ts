/**
 * Bootstraps the engine side of a process: database (the embedded FerretDB when no URI is
 * given), mongoose models and indexes, Agenda, and the services. Both `api/main.ts` and
 * `workers/main.ts` start through here; the config is loaded by them and passed in.
 */
import path from 'node:path';
import mongoose from 'mongoose';
import type { Agenda } from 'agenda';
import type { Logger } from './domain/types';
import { ferretdbBinary, startEmbeddedDb, type EmbeddedDb } from './persistence/embedded-db';
import { createModels, ensureIndexes, type Models } from './persistence/models';
import { PROJECT_ROOT } from './runtime/moddle';
import { AgendaTimerScheduler, createAgenda } from './timers/agenda-timers';
import { ProcessService } from './services/process-service';

export interface PlatformConfig {
  /** MongoDB URI including the database name; when unset the embedded FerretDB is started. */
  mongodbUri?: string;
  /** Database name used with the embedded FerretDB. Default `service_centre`. */
  dbName: string;
  /** Data folder of the embedded FerretDB. Default `<project>/.data/ferretdb`. */
  embeddedDataDir: string;
  /** Agenda poll interval in ms. */
  agendaProcessEveryMs: number;
  /** Agenda lock lifetime in ms (a dead worker's jobs run again after it). */
  agendaLockLifetimeMs: number;
}

export interface Platform {
  models: Models;
  agenda: Agenda;
  processService: ProcessService;
  embeddedDb?: EmbeddedDb;
  dbUri: string;
  isDatabaseUp(): Promise<boolean>;
  close(): Promise<void>;
}

export function defaultEmbeddedDataDir(): string {
  return path.join(PROJECT_ROOT, '.data', 'ferretdb');
}

export async function startPlatform(config: PlatformConfig, logger: Logger): Promise<Platform> {
  let embeddedDb: EmbeddedDb | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embeddedDb = await startEmbeddedDb({ binary: ferretdbBinary(PROJECT_ROOT), dataDir: config.embeddedDataDir });
    uri = `${embeddedDb.uri}${config.dbName}`;
    logger.info({ port: embeddedDb.port, dataDir: config.embeddedDataDir }, 'embedded FerretDB started');
  }
  const conn = mongoose.createConnection(uri, { autoIndex: false, autoCreate: true, serverSelectionTimeoutMS: 10_000 });
  await conn.asPromise();
  const models = createModels(conn);
  await ensureIndexes(models);
  const agenda = createAgenda(conn.db as any, { processEveryMs: config.agendaProcessEveryMs, lockLifetimeMs: config.agendaLockLifetimeMs });
  const processService = new ProcessService({
    models,
    timers: new AgendaTimerScheduler(agenda),
    clock: { now: () => new Date() },
    logger,
  });
  return {
    models,
    agenda,
    processService,
    embeddedDb,
    dbUri: uri.replace(/\/\/[^@/]*@/, '//***@'),
    async isDatabaseUp() {
      try {
        await conn.db!.admin().command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      try {
        await agenda.stop();
      } catch {
        /* already stopped */
      }
      await conn.close();
      await embeddedDb?.stop();
    },
  };
}
