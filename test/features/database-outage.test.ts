/**
 * Issue 11, bad input and failure: a database that is down or restarting. The test runs its own
 * embedded database (PostgreSQL 15 + DocumentDB under FerretDB 2, the product's default) because
 * it stops PostgreSQL under a running platform:
 * - while PostgreSQL is down, requests that need the database answer 503 problem+json with code
 *   DATABASE_UNAVAILABLE within a bound (no 500, no hanging), /api/health answers 503, and the
 *   server process stays up;
 * - a BPMN timer falls due during the outage and waits;
 * - PostgreSQL comes back: without any restart of the platform, requests succeed again within a
 *   bounded wait and the timer that fell due fires (Agenda resumes processing);
 * - timers that were being fired when PostgreSQL stopped (their unlock lost) fire soon after it is
 *   back, not a lock lifetime later (engine/timers/agenda-watchdog.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, fixture, untilPassed, waitFor, type ApiResponse } from '../helpers/api';
import { startOwnDatabase, type OwnDatabase } from '../helpers/outage';
import { startServer, type RunningProcess } from '../helpers/server';

/** A request during the outage must be answered within this bound. */
const ANSWER_BOUND_MS = 15_000;
/** The request deadline of this file's server (api/http/deadline.ts; default 30 s). */
const REQUEST_TIMEOUT_MS = 12_000;
/** The timer's limit: it falls due while PostgreSQL is down. */
const TIMER_SECONDS = 6;
/** Agenda's lock lifetime (the default): a lock lost in the outage would otherwise hold a job this long. */
const LOCK_LIFETIME_MS = 60_000;

const log = (msg: string) => process.stdout.write(`[outage] ${msg}\n`);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - t0 };
}

function expectUnavailable(r: ApiResponse, what: string) {
  if (r.status !== 503) throw new Error(`${what}: expected 503, got ${r.status} ${JSON.stringify(r.body)}`);
  expect(r.contentType).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
  expect(r.headers['retry-after']).toBeDefined();
}

describe('the platform survives a database outage and recovers by itself', () => {
  let own: OwnDatabase;
  let dataDir: string;
  let server: RunningProcess;
  /** a FerretDB the test started again itself (the third case) */
  let ferret: ChildProcess | undefined;
  /** PostgreSQL processes frozen by the fourth case (resumed in afterAll whatever happens) */
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen.splice(0)) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
  };

  beforeAll(async () => {
    own = await startOwnDatabase('outage');
    dataDir = own.dataDir;
    // this file's own database, on its own server (not the run's shared one: this test stops it)
    server = await startServer('outage', { MONGODB_URI: own.uriFor('outage'), ALLOW_LIMIT_OVERRIDES: 'true', AGENDA_LOCK_LIFETIME_MS: String(LOCK_LIFETIME_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    const designer = await ApiClient.login(server.url, 'designer');
    expect((await designer.deployXml(fixture('timers.bpmn'))).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    // OUTAGE_LOG=<file>: keep the server's log for a look after the run
    thaw();
    if (process.env.OUTAGE_LOG) writeFileSync(process.env.OUTAGE_LOG, server?.logs.join('\n') ?? '');
    await server?.kill();
    if (ferret && ferret.exitCode === null) {
      ferret.kill('SIGTERM');
      await new Promise((res) => ferret!.once('exit', res));
    }
    await own?.close();
  });

  afterEach(() => {
    // a case that failed half-way leaves PostgreSQL running for the next one
    thaw();
    own.ensurePostgresRunning();
  });

  it('answers 503 while PostgreSQL is down, and serves and fires the overdue timer once it is back', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    expect((await clerk.get('/api/health')).status).toBe(200);

    // a case whose step deadline (interrupting boundary timer) falls due during the outage
    const c = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: `PT${TIMER_SECONDS}S` } })).body;
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['slow-step']);
    const dueAt = Date.now() + TIMER_SECONDS * 1000;

    const down = await timed(() => own.stopPostgres());
    log(`PostgreSQL stopped (${down.ms} ms)`);
    const outageStart = Date.now();

    // requests that need the database: 503 problem+json, each answered within the bound
    const probes: [string, () => Promise<ApiResponse>][] = [
      ['GET /api/cases/:id', () => clerk.get(`/api/cases/${c.id}`)],
      ['GET /api/tasks', () => clerk.get('/api/tasks')],
      ['POST /api/cases', () => clerk.post('/api/cases', { definitionKey: 'timers', variables: {} })],
      ['POST /api/tasks/:id/complete', () => clerk.post(`/api/tasks/${c.openTasks[0].id}/complete`, { variables: {} })],
      ['POST /api/auth/login', () => new ApiClient(server.url).post('/api/auth/login', { username: 'clerk', password: 'demo123' })],
      ['GET /api/definitions', () => clerk.get('/api/definitions')],
    ];
    for (const [what, probe] of probes) {
      const { value, ms } = await timed(probe);
      log(`${what} during the outage: ${value.status} ${value.body?.code ?? ''} in ${ms} ms`);
      expectUnavailable(value, what);
      expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    // public pages (no session to check): served from memory or 503, never 500
    const visitor = new ApiClient(server.url);
    for (const [what, probe] of [
      ['GET /api/public/towns', () => visitor.get('/api/public/towns')],
      ['GET /api/public/items', () => visitor.get('/api/public/items')],
      ['GET /api/public/towns/dingbao/board', () => visitor.get('/api/public/towns/dingbao/board')],
      ['POST /api/public/case-lookup', () => visitor.post('/api/public/case-lookup', { caseNo: 'DB-20261207-0001', queryCode: '123456' })],
    ] as [string, () => Promise<ApiResponse>][]) {
      const { value, ms } = await timed(probe);
      log(`${what} during the outage: ${value.status} ${value.body?.code ?? ''} in ${ms} ms`);
      expect(ms).toBeLessThan(ANSWER_BOUND_MS);
      if (value.status !== 200) expectUnavailable(value, what);
    }
    const health = await timed(() => clerk.get('/api/health'));
    log(`GET /api/health during the outage: ${health.value.status} in ${health.ms} ms`);
    expect(health.value.status).toBe(503);
    expect(health.value.body.database.up).toBe(false);
    expect(health.ms).toBeLessThan(ANSWER_BOUND_MS);

    // stay down until the timer has been due for a while (Agenda polls and fails meanwhile)
    while (Date.now() < dueAt + 3000) {
      const r = await clerk.get(`/api/cases/${c.id}`);
      expectUnavailable(r, 'GET /api/cases/:id while waiting');
      await new Promise((res) => setTimeout(res, 1000));
    }
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();

    const up = await timed(() => own.startPostgres());
    const upAt = Date.now();
    log(`outage lasted ${upAt - outageStart} ms; the timer was due ${upAt - dueAt} ms before PostgreSQL was back (start took ${up.ms} ms)`);

    // requests succeed again, without restarting anything
    await waitFor(async () => (await clerk.get('/api/health')).status === 200, 'health 200 after the restart', 30_000, 100);
    log(`health 200 ${Date.now() - upAt} ms after PostgreSQL was back`);
    const again = await waitFor(async () => {
      const r = await clerk.get(`/api/cases/${c.id}`);
      return r.status === 200 ? r.body : undefined;
    }, 'the case page after the restart', 30_000, 100);
    log(`GET /api/cases/:id 200 ${Date.now() - upAt} ms after PostgreSQL was back`);
    expect(again.id).toBe(c.id);
    const created = await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT1H' } });
    expect(created.status).toBe(201);
    // the session made before the outage still works; a new login works too
    await ApiClient.login(server.url, 'supervisor');

    // the timer that fell due during the outage fires: Agenda resumed
    const ended = await waitFor(async () => {
      const x = (await clerk.get(`/api/cases/${c.id}`)).body;
      return x.status === 'completed' ? x : undefined;
    }, 'the overdue timer to fire after the restart', 90_000, 200);
    log(`the overdue timer fired: the case ended on the timeout path ${Date.now() - upAt} ms after PostgreSQL was back`);
    expect(ended.completedSteps.map((s: any) => s.elementId)).toContain('timed-out');

    // and Agenda keeps working for timers made after the outage
    const fresh = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT2S' } })).body;
    const t0 = Date.now();
    await waitFor(async () => (await clerk.get(`/api/cases/${fresh.id}`)).body.status === 'completed', 'a timer made after the outage', 30_000, 200);
    log(`a 2 s timer made after the outage fired after ${Date.now() - t0} ms`);
    expect(server.child.exitCode).toBeNull();
  }, 240_000);

  it('requests in flight when PostgreSQL stops get an answer, 201 or 503 — never 500 — and every 201 case is there afterwards', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const statuses = new Map<string, number>();
    const created: string[] = [];
    let stop = false;
    // 8 clerks taking in cases without pause
    const clerkLoop = async () => {
      while (!stop) {
        const r = await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT1H' } });
        const key = `${r.status} ${r.body?.code ?? ''}`.trim();
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (r.status === 201) created.push(r.body.id);
        if (r.status !== 201) await new Promise((res) => setTimeout(res, 100));
      }
    };
    const loops = Array.from({ length: 8 }, clerkLoop);
    const unavailable = () => statuses.get('503 DATABASE_UNAVAILABLE') ?? 0;
    // the clerks are taking cases in; then PostgreSQL stops under them until requests meet the outage,
    // and comes back until they are taking cases in again
    await waitFor(async () => created.length >= 8, 'intake under way', 30_000, 50);
    await own.stopPostgres();
    await waitFor(async () => unavailable() >= 8, 'requests to meet the outage (503)', 60_000, 50);
    await own.startPostgres();
    const createdBeforeUp = created.length;
    await waitFor(async () => created.length >= createdBeforeUp + 8, 'intake to succeed again', 60_000, 50);
    stop = true;
    await Promise.all(loops);
    log(`intake while PostgreSQL stopped and started: ${[...statuses].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    expect([...statuses.keys()].filter((k) => !/^(201|503 DATABASE_UNAVAILABLE)$/.test(k))).toEqual([]);
    expect(statuses.get('503 DATABASE_UNAVAILABLE')).toBeGreaterThan(0);
    for (const id of created) {
      const r = await clerk.get(`/api/cases/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.openTasks.map((t: any) => t.elementId)).toEqual(['slow-step']);
    }
  }, 120_000);

  it('timers that are firing when PostgreSQL stops fire once it is back', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const logsBefore = server.logs.length;
    // many timers due at the same instant, so that some are locked or running when PostgreSQL stops
    const N = 20;
    const target = Date.now() + N * 250 + 3000;
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const seconds = Math.max(0.5, (target - Date.now()) / 1000).toFixed(1);
      const r = await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: `PT${seconds}S` } });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    await untilPassed(target, 150);
    const logsAtStop = server.logs.length;
    await own.stopPostgres();
    log(`PostgreSQL stopped ${Date.now() - target} ms after ${N} timers fell due`);
    // down until Agenda itself has met the outage (its polling fails: agenda-watchdog.ts logs it)
    await waitFor(async () => server.logs.slice(logsAtStop).some((l) => l.includes('agenda: database unavailable; polling goes on')), 'Agenda to meet the outage', 30_000, 100);
    expect(server.child.exitCode).toBeNull();
    await own.startPostgres();
    const upAt = Date.now();
    const pending = new Set(ids);
    await waitFor(
      async () => {
        for (const id of [...pending]) {
          const r = await clerk.get(`/api/cases/${id}`);
          if (r.status === 200 && r.body.status === 'completed') pending.delete(id);
        }
        return pending.size === 0;
      },
      'every timer to fire after the restart',
      120_000,
      250,
    );
    const firedAfter = Date.now() - upAt;
    const released = server.logs.slice(logsBefore).filter((l) => l.includes('released a lock whose unlock was lost')).length;
    log(`all ${N} timers had fired ${firedAfter} ms after PostgreSQL was back (${released} locks left by the outage released by the watchdog)`);
    // well before Agenda's lock lifetime (60 s), after which it would retake a lost lock by itself
    expect(firedAfter).toBeLessThan(LOCK_LIFETIME_MS / 2);
    expect(server.logs.some((l) => l.includes('agenda: database answers again'))).toBe(true);
    // each fired once: one escalation per case
    const supervisor = await ApiClient.login(server.url, 'supervisor');
    const esc = (await supervisor.get('/api/escalations')).body.filter((e: any) => ids.includes(e.caseId));
    expect(esc.length).toBe(N);
  }, 240_000);

  it('FerretDB itself restarting (the driver loses its connections): 503 within the bound, then recovery and timers', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const c = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT4S' } })).body;
    const dueAt = Date.now() + 4000;
    // the FerretDB this test's embedded database runs: stopped, and later started with the same command line
    const pid = Number(readFileSync(path.join(dataDir, 'ferretdb.pid'), 'utf8').trim());
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // its PostgreSQL URL (with the credential) comes by environment
    const env = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'FerretDB to exit', 10_000, 50);
    const downAt = Date.now();
    log('FerretDB killed');
    for (const [what, probe] of [
      ['GET /api/cases/:id', () => clerk.get(`/api/cases/${c.id}`)],
      ['POST /api/cases', () => clerk.post('/api/cases', { definitionKey: 'timers', variables: {} })],
    ] as [string, () => Promise<ApiResponse>][]) {
      const { value, ms } = await timed(probe);
      log(`${what} with FerretDB down: ${value.status} ${value.body?.code ?? ''} in ${ms} ms`);
      expectUnavailable(value, what);
      expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    const health = await timed(() => clerk.get('/api/health'));
    log(`GET /api/health with FerretDB down: ${health.value.status} in ${health.ms} ms`);
    expect(health.value.status).toBe(503);
    expect(health.ms).toBeLessThan(ANSWER_BOUND_MS);
    await untilPassed(dueAt, 2000); // the timer falls due while FerretDB is down
    expect(server.child.exitCode).toBeNull();

    ferret = spawn(argv[0], argv.slice(1), { stdio: 'ignore', env });
    const upAt = Date.now();
    log(`FerretDB started again after ${upAt - downAt} ms down`);
    await waitFor(async () => (await clerk.get('/api/health')).status === 200, 'health 200 after FerretDB is back', 60_000, 100);
    log(`health 200 ${Date.now() - upAt} ms after FerretDB was back`);
    const ended = await waitFor(async () => {
      const r = await clerk.get(`/api/cases/${c.id}`);
      return r.status === 200 && r.body.status === 'completed' ? r.body : undefined;
    }, 'the timer due while FerretDB was down to fire', 60_000, 200);
    log(`the timer due while FerretDB was down fired ${Date.now() - upAt} ms after it was back`);
    expect(ended.completedSteps.map((s: any) => s.elementId)).toContain('timed-out');
  }, 240_000);

  it('PostgreSQL frozen (accepts nothing, answers nothing): requests end at the deadline with 503, health within 3 s, then recovery', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const c = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT3S' } })).body;
    expect(c.id).toBeTruthy();
    // every PostgreSQL process stopped with SIGSTOP: connections stay open, queries never return
    const pm = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(pm)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    frozen = [pm, ...children];
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    const frozenAt = Date.now();
    log(`PostgreSQL frozen (${frozen.length} processes)`);
    const [page, health] = await Promise.all([timed(() => clerk.get(`/api/cases/${c.id}`)), timed(() => new ApiClient(server.url).get('/api/health'))]);
    log(`GET /api/cases/:id with PostgreSQL frozen: ${page.value.status} ${page.value.body?.code ?? ''} after ${page.ms} ms`);
    log(`GET /api/health with PostgreSQL frozen: ${health.value.status} after ${health.ms} ms`);
    expect(page.value.status).toBe(503);
    expect(page.value.contentType).toMatch(/^application\/problem\+json/);
    expect(page.value.body.code).toBe('REQUEST_TIMEOUT');
    expect(page.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);
    expect(health.value.status).toBe(503);
    expect(health.ms).toBeLessThan(5000);
    expect(server.child.exitCode).toBeNull();
    thaw();
    const thawedAt = Date.now();
    log(`PostgreSQL resumed after ${thawedAt - frozenAt} ms frozen`);
    await waitFor(async () => (await clerk.get('/api/health')).status === 200, 'health 200 after the thaw', 30_000, 100);
    const ended = await waitFor(async () => {
      const r = await clerk.get(`/api/cases/${c.id}`);
      return r.status === 200 && r.body.status === 'completed' ? r.body : undefined;
    }, 'the timer due while PostgreSQL was frozen to fire', 60_000, 200);
    log(`the timer due while PostgreSQL was frozen fired ${Date.now() - thawedAt} ms after the thaw`);
    expect(ended.completedSteps.map((s: any) => s.elementId)).toContain('timed-out');
  }, 240_000);
});
