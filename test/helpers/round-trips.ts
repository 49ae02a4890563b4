/**
 * Round trips per engine command and per HTTP operation, counted on a real platform (the
 * test database or the benchmark's) with the driver's command monitoring. Shared by
 * test/features/round-trips.test.ts and the benchmark (`roundTripsPerCommand`).
 *
 * The platform must be started on a URI with `monitorCommands=true` (see
 * `withCommandMonitoring`) and without Agenda processing (no workers), so nothing else runs on
 * the client while a measurement is taken.
 *
 * Run directly (`node --import tsx test/helpers/round-trips.ts <mongodb-uri>`) it starts a
 * platform on that database, seeds the demo data, measures, prints the table and one line
 * `ROUND_TRIPS_JSON {...}` (jest cannot load Agenda's ES modules in-process, so the test runs
 * it this way).
 */
import type { Server } from 'node:http';
import pino from 'pino';
import { seedAll, startPlatform, type Actor, type Platform } from '../../engine';
import { ProcessService } from '../../engine/services/process-service';
import { RoundTripCounter, withCommandMonitoring, type RoundTrips } from '../../engine/services/round-trip-counter';
import { AgendaTimerScheduler } from '../../engine/timers/agenda-timers';
import { createApp } from '../../api/app';
import { ApiClient, DEMO_PASSWORD } from './api';
import { applicant } from './people';

export { RoundTripCounter, withCommandMonitoring } from '../../engine/services/round-trip-counter';

export interface RoundTripReport {
  /** The engine command alone: ProcessService without the case layer's listeners and without the org router. */
  engine: { start: RoundTrips; complete: RoundTrips; timer: RoundTrips };
  /** The engine command as the platform runs it: with the org router (task routing reads) but no case layer. */
  routedEngine: { start: RoundTrips; complete: RoundTrips };
  /** The case view `startCase`/`completeTask` return after the command. */
  caseView: RoundTrips;
  /** Whole HTTP requests (auth, validation, engine, case layer follow-ups, response). */
  http: { intake: RoundTrips; complete: RoundTrips; timer: RoundTrips };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Measures, on `platform` (seeded with the demo data and the report-up-item diagram):
 * the engine commands alone, with routing, and the HTTP operations intake → complete the
 * first step → a step deadline timer firing. Deadline timers of one second are used so the
 * timer firing can be measured; the job's own Agenda round trips (lock, unlock) are not in
 * `http.timer` (they are the scheduler's, about two per job).
 */
export async function measureRoundTrips(platform: Platform): Promise<RoundTripReport> {
  const logger = pino({ level: 'silent' });
  const counter = new RoundTripCounter(platform.models.Instance.db.getClient() as any);
  const clerk: Actor = { username: 'clerk', groups: ['town-window', 'city-approval'], roles: ['clerk'], orgUnit: 'dingbao' };
  try {
    // ---- the engine alone
    const engine = new ProcessService({ models: platform.models, timers: new AgendaTimerScheduler(platform.agenda), clock: { now: () => new Date() }, logger });
    await engine.startInstance('report-up-item', { warmUp: true }, clerk); // loads the definition into the cache once
    const start = await counter.measure(() => engine.startInstance('report-up-item', { townAcceptLimit: 'PT1S' }, clerk));
    const instanceId = start.result;
    const firstTask = (await platform.models.Task.findOne({ instanceId, status: 'open' }).lean())!;
    const timerDue = Date.now() + 1000;
    const complete = await counter.measure(() => engine.completeStep(String(firstTask._id), { decision: 'approve' }, clerk));
    const caseView = await counter.measure(() => engine.getCase(instanceId, clerk));
    // the next step's deadline: start another case and let its town-accept deadline (PT1S) come due
    const timed = await engine.startInstance('report-up-item', { townAcceptLimit: 'PT1S' }, clerk);
    await wait(Math.max(0, timerDue - Date.now()) + 1100);
    const timer = await counter.measure(() => engine.fireTimers(timed, { elementId: 'town-accept-deadline', expireAt: new Date().toISOString() }));
    if (!timer.result) throw new Error('the timer did not move the instance');

    // ---- with the org router (the platform's own ProcessService minus the case layer)
    const routed = new ProcessService({ models: platform.models, timers: new AgendaTimerScheduler(platform.agenda), clock: { now: () => new Date() }, logger, router: platform.org.router() });
    const vars = { orgUnit: 'dingbao', receivingWindow: 'dingbao-w01', responsible: 'clerk', department: 'land' };
    await routed.startInstance('report-up-item', vars, clerk);
    const rStart = await counter.measure(() => routed.startInstance('report-up-item', vars, clerk));
    const rTask = (await platform.models.Task.findOne({ instanceId: rStart.result, status: 'open' }).lean())!;
    const rComplete = await counter.measure(() => routed.completeStep(String(rTask._id), { decision: 'approve' }, clerk));

    // ---- whole HTTP requests through the platform (case layer included)
    const app = createApp({ platform, logger, sessionHours: 8, lookupPerMinute: 1000 });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const addr = server.address();
      const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const http = await ApiClient.login(url, 'clerk', DEMO_PASSWORD);
      const items = (await http.get('/api/items')).body as any[];
      const item = items.find((i) => i.procedure === 'report-up-item');
      const body = () => ({ itemCode: item.code, applicant: applicant('王建华'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { townReviewLimit: 'PT1S' } });
      const warm = await http.post('/api/intake', body()); // first intake warms the caches (definition, catalogue)
      if (warm.status !== 201) throw new Error(`intake failed: ${warm.status} ${JSON.stringify(warm.body)}`);
      // and its first step completed: warms what a completion keeps (the step's form version, the definition's steps)
      const warmStep = (await platform.models.Task.findOne({ caseNo: warm.body.case.caseNo, status: 'open', elementId: 'town-accept' }).lean())!;
      const warmDone = await http.post(`/api/tasks/${encodeURIComponent(String(warmStep._id))}/complete`, { decision: 'approve' });
      if (warmDone.status !== 200) throw new Error(`complete failed: ${warmDone.status} ${JSON.stringify(warmDone.body)}`);
      const intake = await counter.measure(() => http.post('/api/intake', body()));
      if (intake.result.status !== 201) throw new Error(`intake failed: ${intake.result.status}`);
      const caseNo = intake.result.body.case.caseNo;
      const step = (await platform.models.Task.findOne({ caseNo, status: 'open', elementId: 'town-accept' }).lean())!;
      const httpComplete = await counter.measure(() => http.post(`/api/tasks/${encodeURIComponent(String(step._id))}/complete`, { decision: 'approve' }));
      if (httpComplete.result.status !== 200) throw new Error(`complete failed: ${httpComplete.result.status} ${JSON.stringify(httpComplete.result.body)}`);
      // town-review's deadline (PT1S by the override) fires: what the bpmn.timer.fire job runs
      await wait(1300);
      const inst = String(step.instanceId);
      const httpTimer = await counter.measure(() => platform.processService.fireTimers(inst, { elementId: 'town-review-deadline', expireAt: new Date().toISOString() }));
      if (!httpTimer.result) throw new Error('the case timer did not move the instance');
      return {
        engine: { start, complete, timer },
        routedEngine: { start: rStart, complete: rComplete },
        caseView,
        http: { intake, complete: httpComplete, timer: httpTimer },
      };
    } finally {
      await new Promise((r) => server.close(r));
    }
  } finally {
    counter.detach();
  }
}

/** One line per measurement, for the console and the benchmark's output. */
export function formatRoundTrips(r: RoundTripReport): string {
  const line = (name: string, m: RoundTrips) => `${name.padEnd(28)} ${String(m.total).padStart(3)}  ${Object.entries(m.byCommand).map(([k, v]) => `${k}×${v}`).join(', ')}`;
  return [
    'database round trips (commands sent), by operation:',
    line('engine start', r.engine.start),
    line('engine complete', r.engine.complete),
    line('engine timer fire', r.engine.timer),
    line('engine start (routed)', r.routedEngine.start),
    line('engine complete (routed)', r.routedEngine.complete),
    line('case view (getCase)', r.caseView),
    line('HTTP intake', r.http.intake),
    line('HTTP complete', r.http.complete),
    line('timer firing + case layer', r.http.timer),
    // each HTTP operation's commands in the order sent: where a round trip comes from
    ...(['intake', 'complete', 'timer'] as const).map((k) => `  ${k} in order: ${r.http[k].sequence.join(' → ')}`),
  ].join('\n');
}

/** The JSON summary: totals and the commands of each measurement. */
export function summarizeRoundTrips(r: RoundTripReport) {
  const pick = (m: RoundTrips) => ({ total: m.total, byCommand: m.byCommand });
  return {
    engine: { start: pick(r.engine.start), complete: pick(r.engine.complete), timer: pick(r.engine.timer) },
    routedEngine: { start: pick(r.routedEngine.start), complete: pick(r.routedEngine.complete) },
    caseView: pick(r.caseView),
    http: { intake: pick(r.http.intake), complete: pick(r.http.complete), timer: pick(r.http.timer) },
  };
}

/** Starts a platform on `uri` (a database of its own), seeds it, measures and prints. */
export async function printRoundTrips(uri: string) {
  const logger = pino({ level: 'silent' });
  const platform = await startPlatform({ mongodbUri: withCommandMonitoring(uri), dbName: 'unused', embeddedDataDir: '', agendaProcessEveryMs: 60_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true }, logger);
  try {
    await seedAll(platform, DEMO_PASSWORD, logger);
    const report = await measureRoundTrips(platform);
    console.log(formatRoundTrips(report));
    console.log(`ROUND_TRIPS_JSON ${JSON.stringify(summarizeRoundTrips(report))}`);
  } finally {
    await platform.close();
  }
}

if (require.main === module) {
  if (!process.argv[2]) throw new Error('usage: round-trips.ts <mongodb-uri-with-database>');
  printRoundTrips(process.argv[2]).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
