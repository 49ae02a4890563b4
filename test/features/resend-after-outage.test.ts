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
 *   another key or another person gets 409 TASK_ALREADY_COMPLETED saying who completed it and when;
 * - the other keyed routes, each answered 503 after its write and resent with the same key once
 *   PostgreSQL is back: the examination decision (收件后审查), a supplement (补正材料到件), a further
 *   notification (补正告知), a public complaint (投诉, the same reference and query code) and a rating
 *   (好差评, a poor one opening its rectification) — each 2xx Idempotent-Replayed, written once, its
 *   follow-ups (events, notices, clocks, tasks) once; without a key the same person with the same
 *   input is answered as done, another person or other input 409;
 * - a request answered 503 REQUEST_TIMEOUT while its handler goes on releases its key once the
 *   handler settles: the resend is answered as done at once, not after IDEMPOTENCY_STALE_MS (set
 *   to ten minutes on that server).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { ApiClient, waitFor, type ApiResponse } from '../helpers/api';
import { healthyAgain, startOwnDatabase, type OwnDatabase } from '../helpers/outage';
import { applicant } from '../helpers/people';
import { startServer, type RunningProcess } from '../helpers/server';

const log = (msg: string) => process.stdout.write(`[resend] ${msg}\n`);
/** The hold points this file's server pauses at (engine/domain/fault.ts holdPoint): right after each command's write. */
const HOLD_AT = [
  'engine.after-revision:complete-task',
  'engine.after-revision:start',
  'case.after-write:examine',
  'case.after-write:supplement',
  'case.after-write:further-notice',
  'feedback.after-write:complaint',
  'feedback.after-write:rating',
].join(',');

describe('a command answered 503 after it committed is answered as done when resent', () => {
  let own: OwnDatabase;
  let holdDir: string;
  let server: RunningProcess;
  let mongo: MongoClient;
  const DB = 'resend';
  let item: any;

  beforeAll(async () => {
    own = await startOwnDatabase('resend');
    holdDir = path.join(own.dataDir, 'hold');
    mkdirSync(holdDir);
    server = await startServer('resend', {
      MONGODB_URI: own.uriFor(DB),
      PLATFORM_FAULT_INJECTION: '1',
      PLATFORM_HOLD_AT: HOLD_AT,
      PLATFORM_HOLD_DIR: holdDir,
      REQUEST_TIMEOUT_MS: '30000',
    });
    mongo = await MongoClient.connect(own.uriFor(DB));
    const clerk = await ApiClient.login(server.url, 'clerk');
    item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
  }, 180_000);

  afterAll(async () => {
    if (holdDir && existsSync(path.join(holdDir, 'held'))) unlinkSync(path.join(holdDir, 'held'));
    await mongo?.close().catch(() => undefined);
    await server?.kill();
    await own?.close();
  });

  afterEach(() => {
    // a case that failed half-way leaves PostgreSQL running and nothing held for the next one
    for (const f of ['armed', 'held']) if (existsSync(path.join(holdDir, f))) unlinkSync(path.join(holdDir, f));
    own.ensurePostgresRunning();
  });

  /** Sends `send()` with the hold armed; once held, stops PostgreSQL and lets the command go on. Returns its answer. */
  async function answeredInOutage(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
    writeFileSync(path.join(holdDir, 'armed'), '');
    const pending = send();
    await waitFor(async () => existsSync(path.join(holdDir, 'held')), 'the command to reach the point after its write', 30_000, 50);
    await own.stopPostgres();
    log('PostgreSQL stopped after the write');
    unlinkSync(path.join(holdDir, 'held'));
    return pending;
  }

  async function backUp(c: ApiClient) {
    await own.startPostgres();
    await healthyAgain(c);
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
  // ---- the other keyed routes: answered 503 after their write, resent with the same key

  const allProvided = () => item.materials.map((m: any) => ({ code: m.code, provided: true }));
  const firstMandatory = () => item.materials.find((m: any) => m.requirement === 'mandatory').code as string;
  const count = (collection: string, filter: Record<string, unknown>) => mongo.db(DB).collection(collection).countDocuments(filter);
  /** The case's audit events of `type`, once the case layer has caught up (at least one). */
  async function eventsOnce(caseNo: string, type: string) {
    await waitFor(async () => (await count('audit_events', { caseNo, type })) >= 1, `the ${type} event of ${caseNo}`, 60_000);
    expect(await count('audit_events', { caseNo, type })).toBe(1);
  }

  /** An intake that leaves the case waiting for `materials` (one mandatory material missing). */
  async function awaitingSupplement(clerk: ApiClient, name: string) {
    const missing = firstMandatory();
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(name), materials: item.materials.map((m: any) => ({ code: m.code, provided: m.code !== missing })) });
    expect(r.status).toBe(201);
    expect(r.body.case.status).toBe('awaiting-supplement');
    return { caseNo: r.body.case.caseNo as string, missing };
  }

  it('resends an examination decision answered 503 after its claim: 200 with the accepted case, decided once; another clerk 409', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('阿卜杜·热合曼'), materials: allProvided(), examine: true });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo as string;
    expect(r.body.case.status).toBe('under-examination');
    const url = `/api/service-cases/${caseNo}/examination`;
    const body = { materials: allProvided() };
    const key = randomUUID();

    const first = await answeredInOutage(() => clerk.post(url, body, { 'Idempotency-Key': key }));
    log(`the examination during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    expect(first.contentType).toMatch(/^application\/problem\+json/);
    await backUp(clerk);

    const again = await resend(() => clerk.post(url, body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''} ${again.body?.status ?? ''} replayed=${again.headers['idempotent-replayed']}`);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ caseNo, status: 'in-progress', replayed: true });
    await eventsOnce(caseNo, 'case.examined');
    await eventsOnce(caseNo, 'case.accepted');
    expect(await count('notices', { caseNo, kind: 'acceptance' })).toBe(1);
    expect(await count('instances', { businessKey: caseNo })).toBe(1);
    // without a key: the same clerk with the same decision is answered as done; a colleague is told who decided
    const same = await clerk.post(url, body);
    expect(same.status).toBe(200);
    expect(same.headers['idempotent-replayed']).toBe('true');
    const colleague = await ApiClient.login(server.url, 'clerkb');
    const theirs = await colleague.post(url, body);
    expect([403, 409]).toContain(theirs.status);
    expect(theirs.contentType).toMatch(/^application\/problem\+json/);
    if (theirs.status === 409) expect(theirs.body).toMatchObject({ code: 'NOT_UNDER_EXAMINATION', details: { decidedBy: 'clerk', byYou: false } });
    expect(await count('audit_events', { caseNo, type: 'case.examined' })).toBe(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }, 240_000);

  it('resends a supplement answered 503 after its write: 200 with the accepted case, received once', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const { caseNo, missing } = await awaitingSupplement(clerk, '欧阳小明');
    const url = `/api/service-cases/${caseNo}/supplements`;
    const body = { materials: [{ code: missing, provided: true }] };
    const key = randomUUID();

    const first = await answeredInOutage(() => clerk.post(url, body, { 'Idempotency-Key': key }));
    log(`the supplement during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    await backUp(clerk);

    const again = await resend(() => clerk.post(url, body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''} ${again.body?.status ?? ''}`);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ caseNo, status: 'in-progress', replayed: true });
    await eventsOnce(caseNo, 'supplement.received');
    await eventsOnce(caseNo, 'case.accepted');
    expect(await count('instances', { businessKey: caseNo })).toBe(1);
    // the same clerk without a key, same materials: done; other materials: the case is no longer waiting
    expect((await clerk.post(url, body)).headers['idempotent-replayed']).toBe('true');
    const other = await clerk.post(url, { materials: [{ code: missing, provided: true, defect: '复印件不清晰' }] });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('NOT_AWAITING_SUPPLEMENT');
    expect(await count('audit_events', { caseNo, type: 'supplement.received' })).toBe(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }, 240_000);

  it('resends a further notification answered 503 after its round was written: 201, one round and one notice', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const { caseNo, missing } = await awaitingSupplement(clerk, '扎西·多吉');
    // handed in, but not in legal form: still missing, and now it may be named again
    const handed = await clerk.post(`/api/service-cases/${caseNo}/supplements`, { materials: [{ code: missing, provided: true, defect: '复印件不清晰' }] });
    expect(handed.status).toBe(200);
    expect(handed.body.status).toBe('awaiting-supplement');
    const url = `/api/service-cases/${caseNo}/supplement-notices`;
    const body = { materials: [{ code: missing, reason: '复印件不清晰，请提交原件' }] };
    const key = randomUUID();

    const first = await answeredInOutage(() => clerk.post(url, body, { 'Idempotency-Key': key }));
    log(`the further notification during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    await backUp(clerk);

    const again = await resend(() => clerk.post(url, body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''}`);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.replayed).toBe(true);
    const kase = await mongo.db(DB).collection('service_cases').findOne({ _id: caseNo as any });
    expect(kase?.supplementRounds).toHaveLength(2);
    await waitFor(async () => (await count('notices', { caseNo, kind: 'one-time' })) >= 2, 'the second one-time notice', 60_000);
    expect(await count('notices', { caseNo, kind: 'one-time' })).toBe(2);
    expect(await count('audit_events', { caseNo, type: 'supplement.requested' })).toBe(2);
    // the same clerk without a key, same materials, nothing handed in since: done, no third round
    const same = await clerk.post(url, body);
    expect(same.status).toBe(201);
    expect(same.headers['idempotent-replayed']).toBe('true');
    expect((await mongo.db(DB).collection('service_cases').findOne({ _id: caseNo as any }))?.supplementRounds).toHaveLength(2);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }, 240_000);

  it('resends a public complaint answered 503 after it was filed: 201 with the same reference and a query code that reads it, filed once', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const { caseNo } = await acceptedCase(clerk, '迪丽热巴·迪力木拉提');
    const visitor = new ApiClient(server.url);
    const content = `办件${caseNo}窗口人员让我来回跑了三次 ${randomUUID().slice(0, 8)}`;
    const body = { orgUnit: 'dingbao', target: { kind: 'case', caseNo }, content, contactName: '阿卜杜·热合曼', phone: '0750-1234567' };
    const key = randomUUID();

    const first = await answeredInOutage(() => visitor.post('/api/public/complaints', body, { 'Idempotency-Key': key }));
    log(`the complaint during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    await backUp(clerk);

    const again = await resend(() => visitor.post('/api/public/complaints', body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''} ${again.body?.reference ?? ''}`);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ status: 'received', replayed: true });
    expect(await count('complaints', { content })).toBe(1);
    const filed = await mongo.db(DB).collection('complaints').findOne({ content });
    expect(again.body.reference).toBe(filed?._id);
    // the query code handed back reads the complaint (it is derived again, never stored)
    const lookup = await visitor.post('/api/public/complaint-lookup', { reference: again.body.reference, queryCode: again.body.queryCode });
    expect(lookup.status).toBe(200);
    expect(lookup.body.status).toBe('received');
    await eventsOnce(caseNo, 'complaint.received');
    expect(await count('clocks', { _id: `complaint:${again.body.reference}` } as any)).toBe(1);
    const handlers = await mongo.db(DB).collection('users').countDocuments({ orgUnit: 'dingbao', roles: 'discipline' });
    expect(await count('notifications', { kind: 'complaint.received', title: `新投诉：${again.body.reference}` })).toBe(handlers);
  }, 240_000);

  it('resends a poor rating answered 503 after it was given: 201, rated once, one rectification; other input 409', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: { ...applicant('王·小明'), phone: '13800138000' }, materials: allProvided() });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo as string;
    const visitor = new ApiClient(server.url);
    const body = { caseNo, queryCode: r.body.queryCode, stage: 'acceptance', level: 2, comment: '等候时间太长，窗口只开了一个' };
    const key = randomUUID();

    const first = await answeredInOutage(() => visitor.post('/api/public/ratings', body, { 'Idempotency-Key': key }));
    log(`the rating during the outage: ${first.status} ${first.body?.code ?? ''}`);
    expect(first.status).toBe(503);
    await backUp(clerk);

    const again = await resend(() => visitor.post('/api/public/ratings', body, { 'Idempotency-Key': key }));
    log(`the resend with the same key: ${again.status} ${again.body?.code ?? ''}`);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ caseNo, stage: 'acceptance', level: 2, replayed: true, rectificationTaskId: `rectify:${caseNo}:acceptance` });
    expect(await count('ratings', { caseNo })).toBe(1);
    expect(await count('tasks', { caseNo, kind: 'rectification' })).toBe(1);
    await eventsOnce(caseNo, 'rating.given');
    await eventsOnce(caseNo, 'rectification.opened');
    // without a key the same rating is answered as done; another level is 409 ALREADY_RATED
    const same = await visitor.post('/api/public/ratings', body);
    expect(same.status).toBe(201);
    expect(same.headers['idempotent-replayed']).toBe('true');
    const other = await visitor.post('/api/public/ratings', { ...body, level: 5, comment: '满意' });
    expect(other.status).toBe(409);
    expect(other.contentType).toMatch(/^application\/problem\+json/);
    expect(other.body.code).toBe('ALREADY_RATED');
    expect(await count('audit_events', { caseNo, type: 'rating.given' })).toBe(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }, 240_000);

  it('a completion answered 503 REQUEST_TIMEOUT releases its key when its handler settles: the resend is answered as done at once', async () => {
    // a server of its own with a short request deadline and a stale window of ten minutes: a resend
    // that had to wait for the stale window would fail this test
    const timeoutHold = path.join(own.dataDir, 'hold-timeout');
    mkdirSync(timeoutHold, { recursive: true });
    const slow = await startServer('resend-timeout', {
      MONGODB_URI: own.uriFor('resend_timeout'),
      PLATFORM_FAULT_INJECTION: '1',
      PLATFORM_HOLD_AT: 'engine.after-revision:complete-task',
      PLATFORM_HOLD_DIR: timeoutHold,
      REQUEST_TIMEOUT_MS: '2000',
      IDEMPOTENCY_STALE_MS: '600000',
    });
    try {
      const clerk = await ApiClient.login(slow.url, 'clerk');
      const it0 = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
      const r = await clerk.post('/api/intake', { itemCode: it0.code, applicant: applicant('买买提·艾力'), materials: it0.materials.map((m: any) => ({ code: m.code, provided: true })) });
      expect(r.status).toBe(201);
      const caseNo = r.body.case.caseNo as string;
      const step = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps?.find((s: any) => s.status === 'open' && s.kind === 'engine'), `an open step of ${caseNo}`);
      const worker = await ApiClient.login(slow.url, step.assignee ?? 'clerk');
      const url = `/api/tasks/${encodeURIComponent(step.taskId)}/complete`;
      const body = { decision: 'approve', opinion: '同意。' };
      const key = randomUUID();

      writeFileSync(path.join(timeoutHold, 'armed'), '');
      const first = await worker.post(url, body, { 'Idempotency-Key': key });
      log(`the completion held past its deadline: ${first.status} ${first.body?.code ?? ''}`);
      expect(first.status).toBe(503);
      expect(first.body.code).toBe('REQUEST_TIMEOUT');
      expect(existsSync(path.join(timeoutHold, 'held'))).toBe(true);
      // while its handler is held, the key is in flight
      const meanwhile = await worker.post(url, body, { 'Idempotency-Key': key });
      expect(meanwhile.status).toBe(409);
      expect(meanwhile.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
      // the handler goes on and settles
      unlinkSync(path.join(timeoutHold, 'held'));
      const t0 = Date.now();
      const again = await waitFor(async () => {
        const x = await worker.post(url, body, { 'Idempotency-Key': key });
        return x.status === 409 && x.body?.code === 'IDEMPOTENCY_IN_FLIGHT' ? undefined : x;
      }, 'the resend to be answered (not in flight)', 30_000, 200);
      log(`the resend after the handler settled: ${again.status} replayed=${again.headers['idempotent-replayed']} after ${Date.now() - t0} ms`);
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.tasks.find((x: any) => x.id === step.taskId)).toMatchObject({ status: 'completed' });
      expect(await mongo.db('resend_timeout').collection('revisions').countDocuments({ 'command.type': 'complete-task', 'command.taskId': step.taskId })).toBe(1);
    } finally {
      if (existsSync(path.join(timeoutHold, 'held'))) unlinkSync(path.join(timeoutHold, 'held'));
      await slow.kill();
    }
  }, 240_000);
});
