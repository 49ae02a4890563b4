/**
 * Issue 12, the 503 ambiguity: during a database outage a command can commit and still answer 503
 * (its revision is written, then PostgreSQL goes away before the projection). The client cannot
 * tell; it sends the command again. What it must get back is the original outcome, not a second
 * case and not 409 TASK_ALREADY_COMPLETED for what it did itself.
 *
 * Real outage at an exact point: the server runs with the fault-injection hold point
 * (engine/domain/fault.ts `holdPoint`) after a command's revision; the test arms it, sends the
 * command, waits until it is held, stops PostgreSQL (`pg_ctl stop`) and lets it go on. The test
 * runs its own embedded database (FerretDB 2 on PostgreSQL 15 + DocumentDB) because it stops it.
 *
 * - a completion sent with an Idempotency-Key, answered 503 after its revision committed, resent
 *   with the same key once PostgreSQL is back: 200 with the case as it stands, Idempotent-Replayed,
 *   one completion in the revision series and one task.completed audit event;
 * - an intake answered 503 after its instance's revision committed, resent with the same key:
 *   201 with the same case number (recovered), one case for the applicant;
 * - without a key: the same clerk resending the same completion gets 200 (replayed); other input,
 *   another key or another person gets 409 TASK_ALREADY_COMPLETED saying who completed it and when.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedDb, type EmbeddedDb } from '../../engine/persistence/embedded-db';
import { ApiClient, waitFor, type ApiResponse } from '../helpers/api';
import { applicant } from '../helpers/people';
import { ROOT, startServer, type RunningProcess } from '../helpers/server';

const log = (msg: string) => process.stdout.write(`[resend] ${msg}\n`);
/** pg_ctl blocks the event loop (spawnSync): let closed keep-alive sockets be noticed first. */
const settle = () => new Promise((res) => setTimeout(res, 100));

describe('a command answered 503 after it committed is answered as done when resent', () => {
  let dataDir: string;
  let holdDir: string;
  let db: EmbeddedDb;
  let server: RunningProcess;
  let mongo: MongoClient;
  const DB = 'resend';
  let item: any;

  beforeAll(async () => {
    mkdirSync(path.join(ROOT, '.test-data'), { recursive: true });
    dataDir = mkdtempSync(path.join(ROOT, '.test-data', 'resend-'));
    holdDir = path.join(dataDir, 'hold');
    mkdirSync(holdDir);
    db = await startEmbeddedDb({ dataDir });
    server = await startServer('resend', {
      MONGODB_URI: db.uriFor(DB),
      PLATFORM_FAULT_INJECTION: '1',
      PLATFORM_HOLD_AT: 'engine.after-revision:complete-task,engine.after-revision:start',
      PLATFORM_HOLD_DIR: holdDir,
      REQUEST_TIMEOUT_MS: '30000',
    });
    mongo = await MongoClient.connect(db.uriFor(DB));
    const clerk = await ApiClient.login(server.url, 'clerk');
    item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
  }, 180_000);

  afterAll(async () => {
    if (dataDir && existsSync(path.join(holdDir, 'held'))) unlinkSync(path.join(holdDir, 'held'));
    await mongo?.close().catch(() => undefined);
    await server?.kill();
    try {
      db?.startPostgres();
    } catch {
      /* running */
    }
    await db?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    // a case that failed half-way leaves PostgreSQL running and nothing held for the next one
    for (const f of ['armed', 'held']) if (existsSync(path.join(holdDir, f))) unlinkSync(path.join(holdDir, f));
    if (!existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))) db.startPostgres();
  });

  /** Sends `send()` with the hold armed; once held, stops PostgreSQL and lets the command go on. Returns its answer. */
  async function answeredInOutage(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
    writeFileSync(path.join(holdDir, 'armed'), '');
    const pending = send();
    await waitFor(async () => existsSync(path.join(holdDir, 'held')), 'the command to reach the point after its revision', 30_000, 50);
    db.stopPostgres();
    await settle();
    log('PostgreSQL stopped after the revision was written');
    unlinkSync(path.join(holdDir, 'held'));
    return pending;
  }

  async function backUp(c: ApiClient) {
    db.startPostgres();
    await settle();
    await waitFor(async () => (await c.get('/api/health')).status === 200, 'health 200 after PostgreSQL is back', 60_000, 200);
  }

  /**
   * A careful client's resend: while the first attempt is still marked in flight (409
   * IDEMPOTENCY_IN_FLIGHT) or its intake is still being finished (503 INTAKE_REPAIR_PENDING), wait and send again.
   */
  async function resend(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
    return waitFor(async () => {
      const r = await send();
      const wait = (r.status === 409 && r.body?.code === 'IDEMPOTENCY_IN_FLIGHT') || (r.status === 503 && r.body?.code === 'INTAKE_REPAIR_PENDING');
      return wait ? undefined : r;
    }, 'an answer that is not "in flight" or "being finished"', 90_000, 500);
  }

  async function acceptedCase(clerk: ApiClient, name: string) {
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(name), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo as string;
    const step = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps?.find((s: any) => s.status === 'open' && s.kind === 'engine'), `an open step of ${caseNo}`);
    return { caseNo, step };
  }

  it('resends a completion answered 503 after its revision with the same Idempotency-Key: 200 with the case, done once', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const { caseNo, step } = await acceptedCase(clerk, '欧阳明月');
    const worker = await ApiClient.login(server.url, step.assignee ?? 'clerk');
    const url = `/api/tasks/${encodeURIComponent(step.taskId)}/complete`;
    const body = { decision: 'approve', opinion: '材料齐全，同意办理。' };
    const key = randomUUID();

    const first = await answeredInOutage(() => worker.post(url, body, { 'Idempotency-Key': key }));
    log(`the completion during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    expect(first.contentType).toMatch(/^application\/problem\+json/);
    await backUp(worker);

    const again = await resend(() => worker.post(url, body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''} replayed=${again.headers['idempotent-replayed']}`);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.replayed).toBe(true);
    const t = again.body.tasks.find((x: any) => x.id === step.taskId);
    expect(t).toMatchObject({ status: 'completed', completedBy: step.assignee ?? 'clerk' });
    // done once: one completion in the revision series, one task.completed event once the case layer has caught up
    const d = mongo.db(DB);
    expect(await d.collection('revisions').countDocuments({ 'command.type': 'complete-task', 'command.taskId': step.taskId })).toBe(1);
    await waitFor(async () => (await d.collection('audit_events').countDocuments({ caseNo, type: 'task.completed' })) >= 1, 'the task.completed event', 60_000);
    expect(await d.collection('audit_events').countDocuments({ caseNo, type: 'task.completed' })).toBe(1);
    // a further resend with the key is the stored answer
    const third = await worker.post(url, body, { 'Idempotency-Key': key });
    expect(third.status).toBe(200);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }, 240_000);

  it('resends an intake answered 503 after its instance was written with the same key: the same case, taken in once', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const name = '迪丽热巴·迪力木拉提';
    const body = { itemCode: item.code, applicant: { ...applicant(name), phone: '13800138000' }, materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) };
    const key = randomUUID();
    const d = mongo.db(DB);
    const before = await d.collection('service_cases').countDocuments({});

    const first = await answeredInOutage(() => clerk.post('/api/intake', body, { 'Idempotency-Key': key }));
    log(`the intake during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    await backUp(clerk);

    const again = await resend(() => clerk.post('/api/intake', body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''} ${again.body?.case?.caseNo ?? ''}`);
    // the first attempt's case is finished (by the resend or the repair sweep) and answered; never a second one
    const settled = again;
    expect(settled.status).toBe(201);
    expect(settled.body.recovered).toBe(true);
    expect(await d.collection('service_cases').countDocuments({})).toBe(before + 1);
    const caseNo = settled.body.case.caseNo as string;
    const kase = await d.collection('service_cases').findOne({ _id: caseNo as any });
    expect(kase?.status).not.toBe('void');
  }, 240_000);

  it('without a key: the same clerk with the same input gets 200 (replayed); other input, another key or another person 409 saying who and when', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const { step } = await acceptedCase(clerk, '扎西·多吉');
    const who = step.assignee ?? 'clerk';
    const worker = await ApiClient.login(server.url, who);
    const url = `/api/tasks/${encodeURIComponent(step.taskId)}/complete`;
    const body = { decision: 'approve', opinion: '同意。' };
    const first = await worker.post(url, body);
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const same = await worker.post(url, body);
    expect(same.status).toBe(200);
    expect(same.headers['idempotent-replayed']).toBe('true');
    expect(same.body.replayed).toBe(true);
    expect(same.body.id).toBe(first.body.id);

    const other = await worker.post(url, { decision: 'approve', opinion: '同意办理（改）。' });
    expect(other.status).toBe(409);
    expect(other.contentType).toMatch(/^application\/problem\+json/);
    expect(other.body.code).toBe('TASK_ALREADY_COMPLETED');
    expect(other.body.details).toMatchObject({ completedBy: who, byYou: true });
    expect(typeof other.body.details.completedAt).toBe('string');

    const keyed = await worker.post(url, body, { 'Idempotency-Key': randomUUID() });
    expect(keyed.status).toBe(409);
    expect(keyed.body.code).toBe('TASK_ALREADY_COMPLETED');

    // a colleague of the same window and town, same body: not their completion
    const colleague = await ApiClient.login(server.url, who === 'clerkb' ? 'clerk' : 'clerkb');
    const theirs = await colleague.post(url, body);
    expect([403, 409]).toContain(theirs.status);
    if (theirs.status === 409) expect(theirs.body.details).toMatchObject({ completedBy: who, byYou: false });
  }, 120_000);
});
