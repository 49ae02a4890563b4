/**
 * Bootstraps the engine side of a process: database (the embedded FerretDB 2 + PostgreSQL when no URI is
 * given), mongoose models and indexes, Agenda, and the services. Both `api/main.ts` and
 * `workers/main.ts` start through here; the config is loaded by them and passed in.
 */
import { IdempotencyStore } from './persistence/idempotency-store';
import { MessageService } from './services/messages';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Agenda } from 'agenda';
import type { Clock, Logger } from './domain/types';
import { startEmbeddedDb, type EmbeddedDb } from './persistence/embedded-db';
import { createModels, ensureIndexes, type Models } from './persistence/models';
import { PROJECT_ROOT } from './runtime/moddle';
import { AgendaTimerScheduler, createAgenda } from './timers/agenda-timers';
import { ProcessService } from './services/process-service';
import { DecisionService } from './decisions/decision-service';
import { AuditLog } from './cases/audit';
import { CaseService, caseReadPort } from './cases/case-service';
import { notify } from './cases/notifications';
import { TaskActions } from './cases/task-actions';
import { CatalogueService } from './catalogue/catalogue-service';
import { OrgService } from './org/org-service';
import { SupervisionService } from './supervision/supervision-service';
import { MongoYearTableStore } from './calendar/mongo-year-table-store';
import { StatsService } from './stats/stats-service';
import { Outbox, type DeliveryOptions, type FeedConfig } from './outbox';
import { FeedbackService, type FeedbackConfig } from './supervision/feedback-service';
import { randomBytes } from 'node:crypto';
import { isDuplicateKey } from './persistence/models';
import { FormService } from './forms/form-service';
import { OpeningHours } from './org/opening-hours';
import { SessionService } from './org/session-service';
import { RecordAccess } from './org/record-access';
import { BoardSource } from './stats/board';
import { StatsRollups } from './stats/rollups';
import { StepDeadlines, type StepDeadline } from './supervision/step-deadlines';
import type { WorkingCalendar } from './calendar/working-calendar';
import { WorkingDayCounter } from './stats/working-day-counter';
import { DEFAULT_SERVICE_JOB_CONFIG, platformJobHandlers, ServiceJobQueue, ServiceJobs, type ServiceJobConfig } from './service-jobs';

export interface PlatformConfig {
  /** MongoDB URI including the database name; when unset the embedded FerretDB is started. */
  mongodbUri?: string;
  /** Database name used with the embedded FerretDB. Default `service_centre`. */
  dbName: string;
  /** Data folder of the embedded database (PostgreSQL cluster, FerretDB state, credential). Default `<project>/.data`. */
  embeddedDataDir: string;
  /** Agenda poll interval in ms. */
  agendaProcessEveryMs: number;
  /** Agenda lock lifetime in ms (a dead worker's jobs run again after it). */
  agendaLockLifetimeMs: number;
  /** Allow step time-limit overrides at intake (demos and tests only). Default false. */
  allowLimitOverrides?: boolean;
  /** The provincial supervision feed (省级电子监察平台), see engine/outbox/config.ts; off without a delivery URL. */
  feed?: FeedConfig;
  /** Complaint reply limit, rectification limit, follow-up sample (see FeedbackService). */
  feedback?: Partial<FeedbackConfig>;
  /** Service/send task jobs: attempts, backoff, the SMS gateway (engine/service-jobs/config.ts). */
  serviceJobs?: ServiceJobConfig;
  /** Statistics from the day rollups (default) or by scanning the cases (`scan`, a check of the rollups). */
  statsSource?: 'rollups' | 'scan';
  /** The time every service reads (the system clock unless a test passes its own). Agenda's own polling stays on real time. */
  clock?: Clock;
}

export interface Platform {
  models: Models;
  agenda: Agenda;
  processService: ProcessService;
  /** The record checks of the HTTP access guard (api/http/access.ts): may this actor see that case, instance, task, escalation. */
  access: RecordAccess;
  /** The live board's source (大屏): counts kept up incrementally between full reads. One per platform: the API's board stream reads it. */
  board: BoardSource;
  /** Decisions (决策表, DMN) deployed next to diagrams, with versions. */
  decisions: DecisionService;
  audit: AuditLog;
  org: OrgService;
  catalogue: CatalogueService;
  cases: CaseService;
  taskActions: TaskActions;
  supervision: SupervisionService;
  feedback: FeedbackService;
  yearTables: MongoYearTableStore;
  stats: StatsService;
  /** 开放时间 of each centre (5+X), editable through the API. */
  openingHours: OpeningHours;
  /** Sign-in sessions (bearer tokens) of the staff. */
  sessions: SessionService;
  /** Records of requests answered under an Idempotency-Key (api/http/idempotency.ts). */
  idempotency: IdempotencyStore;
  /** The statistics day rollups (kept fresh by the worker job stats.rollups.refresh). */
  rollups: StatsRollups;
  /** Task and intake forms (form-js schemas with versions). */
  forms: FormService;
  /** Outbound feed to the provincial supervision platform. */
  outbox: Outbox;
  /** Jobs of service and send tasks, and their incidents. */
  serviceJobs: ServiceJobs;
  /** Messages between instances and from external senders (issue 15). */
  messages: MessageService;
  /** How the feed is delivered; undefined when it is off. */
  feedDelivery?: DeliveryOptions;
  /** Days a delivered feed event is kept (PROVINCE_FEED_RETENTION_DAYS). */
  feedRetentionDays: number;
  embeddedDb?: EmbeddedDb;
  dbUri: string;
  /** Reachability of the database and what it is (FerretDB or MongoDB, with its version). */
  databaseInfo(): Promise<DatabaseInfo>;
  close(): Promise<void>;
}

export interface DatabaseInfo {
  up: boolean;
  kind?: 'ferretdb' | 'mongodb';
  version?: string;
  /** true when the platform runs its own embedded FerretDB + PostgreSQL */
  embedded: boolean;
}

export function defaultEmbeddedDataDir(): string {
  return path.join(PROJECT_ROOT, '.data');
}

export async function startPlatform(config: PlatformConfig, logger: Logger): Promise<Platform> {
  let embeddedDb: EmbeddedDb | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embeddedDb = await startEmbeddedDb({ dataDir: config.embeddedDataDir, log: (msg) => (msg.startsWith('warning: ') ? logger.warn({}, msg.slice(9)) : logger.info({}, msg)) });
    uri = embeddedDb.uriFor(config.dbName);
    logger.info({ port: embeddedDb.port, pgPort: embeddedDb.pgPort, dataDir: config.embeddedDataDir }, 'embedded database started (FerretDB 2 on PostgreSQL + DocumentDB)');
  }
  const conn = mongoose.createConnection(uri, { autoIndex: false, autoCreate: true, serverSelectionTimeoutMS: 10_000 });
  await conn.asPromise();
  const models = createModels(conn);
  await ensureIndexes(models, (msg) => logger.warn({}, msg));
  const clock: Clock = config.clock ?? { now: () => new Date() };
  const agenda = createAgenda(conn.db as any, { processEveryMs: config.agendaProcessEveryMs, lockLifetimeMs: config.agendaLockLifetimeMs });
  const decisions = new DecisionService({ models, clock, logger });
  const outbox = new Outbox(conn, { ...config.feed?.outbox, logger });
  await outbox.ensureIndexes();
  const audit = new AuditLog(models, config.feed?.delivery ? { outbox, logger } : undefined);
  const org = new OrgService(models, audit, logger);
  const catalogue = new CatalogueService(models, logger);
  const jobConfig = config.serviceJobs ?? DEFAULT_SERVICE_JOB_CONFIG;
  // service/send task jobs: the queue the projector writes to is built before the engine, the
  // runner that completes the tasks through the engine after it (no setter either way)
  const jobQueue = new ServiceJobQueue({ conn, agenda, retries: jobConfig.retries });
  await jobQueue.ensureIndexes();
  // the message correlation delivers through the engine, which tells it what its commands threw:
  // built by the engine's constructor, handed the engine (ProcessServiceParts)
  let messages!: MessageService; // assigned by the factory, inside the constructor below
  const processService = new ProcessService(
    {
      models,
      timers: new AgendaTimerScheduler(agenda),
      clock,
      logger,
      router: org.router(),
      serviceJobs: jobQueue,
      // boundary timers of a working-day step limit fire at the step clock's breach (supervision/step-deadlines.ts)
      stepDeadlines: (orgUnit?: string): Promise<StepDeadline> => stepDeadlines.of(orgUnit),
    },
    { messages: (engine) => (messages = new MessageService({ models, processService: engine, clock, logger })) },
  );
  const serviceJobs = new ServiceJobs({ queue: jobQueue, processService, handlers: platformJobHandlers({ conn, models, outbox, sms: jobConfig.sms, logger }), config: jobConfig, logger });
  const lookupSalt = await installationSecret(conn, 'lookup-salt');
  // Built in the order of their needs, each service a constructor dependency of the next (no setters):
  // supervision, the rollups, feedback (the cases' reads as its port), the cases, the inbox actions.
  const yearTables = new MongoYearTableStore(conn);
  const supervision = new SupervisionService({
    yearTables,
    models,
    agenda,
    audit,
    clock,
    logger,
    channel: { send: (to, n) => notify({ deps: { models, clock } }, to, n.kind, n.title, n.body, n.caseNo, n.taskId, n.key) },
  });
  const stepDeadlines: StepDeadlines = new StepDeadlines(models, (): Promise<WorkingCalendar> => supervision.currentCalendar());
  let counterCache: { calendar: unknown; counter: WorkingDayCounter } | undefined;
  const rollups = new StatsRollups(() => conn.db as any, async () => {
    const calendar = await supervision.currentCalendar();
    if (counterCache?.calendar !== calendar) counterCache = { calendar, counter: new WorkingDayCounter(calendar) };
    return counterCache.counter;
  });
  audit.onAppended((caseNo, events) => rollups.onAudit(caseNo, events));
  const stats = new StatsService({ models, clock, currentCalendar: () => supervision.currentCalendar(), rollups: config.statsSource === 'scan' ? undefined : rollups });
  const feedback = new FeedbackService({ models, audit, clock, cases: caseReadPort({ models, clock, lookupSalt, org, clocks: supervision }), supervision, lookupSalt, config: config.feedback });
  // complaints and escalations that name no case join the rollup of their centre and day
  feedback.onLooseEvent((kind, id, orgUnit, at) => rollups.onLoose(kind, id, orgUnit, at));
  supervision.onLooseEvent((kind, id, orgUnit, at) => rollups.onLoose(kind, id, orgUnit, at));
  const cases = new CaseService({
    models,
    processService,
    catalogue,
    org,
    audit,
    clock,
    logger,
    lookupSalt,
    allowLimitOverrides: config.allowLimitOverrides,
    clocks: supervision,
    followUps: feedback,
    // violations (一次性告知, 第三十二条) join the rollup of their centre and day
    onViolation: (kind, id, orgUnit, at) => rollups.onLoose(kind, id, orgUnit, at),
  });
  processService.addListener(cases);
  // 行政许可法 第三十二条: no notification within five working days → accepted from receipt
  supervision.onBreach('examination', async (c) => c.caseNo && cases.deemAccepted(c.caseNo));
  const forms = new FormService(conn, models);
  const taskActions = new TaskActions({ models, processService, org, audit, cases, clock, feedback, forms });
  return {
    models,
    agenda,
    processService,
    access: new RecordAccess(models),
    board: new BoardSource(models),
    decisions,
    audit,
    org,
    catalogue,
    cases,
    taskActions,
    supervision,
    feedback,
    yearTables,
    stats,
    rollups,
    forms,
    openingHours: new OpeningHours(models, () => supervision.currentCalendar()),
    sessions: new SessionService({ models, clock }),
    idempotency: new IdempotencyStore(models),
    outbox,
    serviceJobs,
    messages,
    feedDelivery: config.feed?.delivery,
    feedRetentionDays: config.feed?.retentionDays ?? 90,
    embeddedDb,
    dbUri: uri.replace(/\/\/[^@/]*@/, '//***@'),
    async databaseInfo() {
      try {
        // ping reaches the storage (FerretDB answers buildInfo even while PostgreSQL is down)
        await conn.db!.admin().command({ ping: 1 });
        // buildInfo answers on both servers; FerretDB adds its own section
        const info = await conn.db!.admin().command({ buildInfo: 1 });
        const ferret = info.ferretdb as { version?: string } | undefined;
        return { up: true, kind: ferret ? 'ferretdb' : 'mongodb', version: String(ferret?.version ?? info.version), embedded: !!embeddedDb };
      } catch {
        return { up: false, embedded: !!embeddedDb };
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

/**
 * A random secret of this installation, created once and kept in the database (claimed by
 * insert, so concurrent first starts agree on one value).
 */
async function installationSecret(conn: mongoose.Connection, name: string): Promise<string> {
  const coll = conn.db!.collection<{ _id: string; value: string }>('settings');
  try {
    await coll.insertOne({ _id: name, value: randomBytes(32).toString('hex') });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const doc = await coll.findOne({ _id: name });
  return doc!.value;
}
