/**
 * Nothing is lost when a process dies in the middle of a decision (中断修复). A real server is
 * SIGKILLed at a named point between two writes (PLATFORM_KILL_AT, engine/domain/fault.ts); a
 * second server's repair sweep (cases.repair) finishes the work. Each test checks that nothing
 * is missing AND nothing is doubled: one process instance, one acceptance event and notice, the
 * clocks, the provincial feed and the statistics. Real servers, engine, FerretDB, HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { cstDay } from '../../common/cst';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const REPAIR = { CASE_REPAIR_AFTER_MS: '1000', CASE_REPAIR_EVERY: '2 seconds', ALLOW_LIMIT_OVERRIDES: 'true' };

/** Starts a server that SIGKILLs itself at `point`, runs `act` against it, and waits for the kill. */
async function killedAt(dbName: string, point: string, env: Record<string, string>, act: (clerk: ApiClient) => Promise<unknown>) {
  const doomed = await startServer(dbName, { ...REPAIR, ...env, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: point });
  const clerk = await ApiClient.login(doomed.url, 'clerk');
  await act(clerk).catch(() => undefined); // the request dies with the process
  await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`the server did not reach ${point}`)), 30_000))]);
  expect(doomed.child.signalCode).toBe('SIGKILL');
}

describe('a process killed in the middle of a decision (中断修复)', () => {
  let mongo: MongoClient;
  let province: Server;
  let provincePort = 0;
  const received: { key: string; body: any }[] = [];
  const servers: RunningProcess[] = [];

  beforeAll(async () => {
    province = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => province.listen(0, '127.0.0.1', r));
    provincePort = (province.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of servers) await s.kill();
    await mongo?.close();
    await new Promise((r) => province.close(r));
  });

  const db = async (dbName: string) => {
    mongo ??= await MongoClient.connect(dbUri(dbName));
    return mongo.db(dbName);
  };

  it('killed after the process instance started, before the case knew: the acceptance is finished once', async () => {
    const dbName = uniqueDbName('kill-accept');
    let item: any;
    await killedAt(dbName, 'accept.after-instance', {}, async (clerk) => {
      item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'joint-approval-item') ?? (await clerk.get('/api/items')).body.find((i: any) => i.procedure !== 'immediate-item');
      await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('郑晓东'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    });
    const d = await db(dbName);
    const stuck = await d.collection('service_cases').findOne({});
    expect(stuck?.status).toBe('accepting');
    const caseNo = stuck!._id as unknown as string;

    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    const clerk = await ApiClient.login(second.url, 'clerk');
    await waitFor(async () => (await d.collection('case_intents').countDocuments({})) === 0, 'the repair to finish the acceptance', 30_000);
    const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(c.status).toBe('in-progress');
    expect(c.acceptedAt).toBeTruthy();
    expect(await d.collection('instances').countDocuments({ businessKey: caseNo })).toBe(1);
    expect(c.notices.filter((n: any) => n.kind === 'acceptance')).toHaveLength(1);
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body;
    const events = audit.events ?? audit;
    expect(events.filter((e: any) => e.type === 'case.accepted')).toHaveLength(1);
    const chain = (await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body;
    expect(chain.valid).toBe(true);
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body;
    expect(clocks.map((k: any) => k.kind).filter((k: string) => k === 'statutory' || k === 'promised').sort()).toEqual(['promised', 'statutory']);
    // the first step's task is in an inbox once
    const tasks = await d.collection('tasks').find({ caseNo, status: 'open' }).toArray();
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    expect(new Set(tasks.map((t) => t.elementId)).size).toBe(tasks.length);
    expect((await d.collection('case_numbers').findOne({ _id: caseNo as any }))?.status).toBe('used');
  });

  it('a clerk who resends the intake that died with its server gets the case the repair finished, not a second one', async () => {
    const dbName = uniqueDbName('kill-idem');
    const key = randomUUID();
    let body: any;
    await killedAt(dbName, 'accept.after-instance', { IDEMPOTENCY_STALE_MS: '2000' }, async (clerk) => {
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      body = { itemCode: item.code, applicant: applicant('贺振华'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) };
      await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    });
    const second = await startServer(dbName, { ...REPAIR, IDEMPOTENCY_STALE_MS: '2000' });
    servers.push(second);
    const d = await db(dbName);
    await waitFor(async () => (await d.collection('case_intents').countDocuments({})) === 0, 'the repair to finish the acceptance', 30_000);
    const clerk = await ApiClient.login(second.url, 'clerk');
    // the clerk's browser resends as HTTP tells it: 409 IDEMPOTENCY_IN_FLIGHT with Retry-After while
    // the dead attempt is younger than the stale window (2 s here), then the taken-over answer
    let again = await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    for (let i = 0; i < 10 && again.status === 409; i++) {
      expect(again.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, Number(again.headers['retry-after']) * 1000));
      again = await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    }
    expect(again.status).toBe(201);
    expect(again.body.recovered).toBe(true);
    expect(again.body.queryCode).toBeNull();
    expect(again.body.case.status).toBe('in-progress');
    expect(await d.collection('service_cases').countDocuments({})).toBe(1);
    // and from now on the same resend is a plain replay
    const third = await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.body.case.caseNo).toBe(again.body.case.caseNo);
  });

  it('an acceptance finished late whose step was completed meanwhile ends the case, not leaves it in progress (soak R5 found it)', async () => {
    // the acceptance dies after its instance started: the case stays 'accepting' while the step is in the clerk's inbox
    const dbName = uniqueDbName('kill-late-accept');
    const key = randomUUID();
    let body: any;
    await killedAt(dbName, 'accept.after-instance', { IDEMPOTENCY_STALE_MS: '2000' }, async (clerk) => {
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      body = { itemCode: item.code, applicant: applicant('买买提·艾力'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) };
      await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    });
    // a server whose repair sweep is slow: the clerk gets there first
    const second = await startServer(dbName, { ...REPAIR, CASE_REPAIR_AFTER_MS: '600000', IDEMPOTENCY_STALE_MS: '2000' });
    servers.push(second);
    const d = await db(dbName);
    const kase = await d.collection('service_cases').findOne({});
    expect(kase?.status).toBe('accepting');
    const caseNo = kase!._id as unknown as string;
    const step = await waitFor(async () => d.collection('tasks').findOne({ instanceId: kase!.instanceId, status: 'open' }), 'the step in an inbox');
    const worker = await ApiClient.login(second.url, step.assignee ?? 'clerk');
    const done = await worker.post(`/api/tasks/${encodeURIComponent(String(step._id))}/complete`, { decision: 'approve', opinion: '材料齐全，当场办结。' });
    expect(done.status).toBe(200);
    expect((await d.collection('instances').findOne({ _id: kase!.instanceId }))?.status).toBe('completed');
    expect((await d.collection('service_cases').findOne({ _id: caseNo as any }))?.status).toBe('accepting');
    // the completion's projection found no case in progress: it wrote nothing of the end (before, its
    // case.ended and completion notice came first, and case.accepted followed them in the chain)
    expect(await d.collection('audit_events').countDocuments({ caseNo, type: 'case.ended' })).toBe(0);
    expect(await d.collection('notices').countDocuments({ caseNo, kind: 'completion' })).toBe(0);
    // the clerk's browser resends the intake: the acceptance is finished, and the case ends with its instance
    const clerk = await ApiClient.login(second.url, 'clerk');
    const again = await waitFor(async () => {
      const r = await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
      return r.status === 409 && r.body?.code === 'IDEMPOTENCY_IN_FLIGHT' ? undefined : r;
    }, 'the resend to be answered', 30_000, 500);
    expect(again.status).toBe(201);
    expect(again.body.case.caseNo).toBe(caseNo);
    const c = await d.collection('service_cases').findOne({ _id: caseNo as any });
    expect(c?.status).toBe('completed');
    expect(await d.collection('service_cases').countDocuments({})).toBe(1);
    // its clocks stopped, the end recorded once, the chain whole
    expect(await d.collection('clocks').countDocuments({ caseNo, status: { $ne: 'stopped' } })).toBe(0);
    expect(await d.collection('audit_events').countDocuments({ caseNo, type: 'case.ended' })).toBe(1);
    expect(await d.collection('notices').countDocuments({ caseNo, kind: 'completion' })).toBe(1);
    // written by the acceptance that ended the case, after it was accepted
    const seqOf = async (type: string) => (await d.collection('audit_events').findOne({ caseNo, type }))?.seq as number;
    expect(await seqOf('case.ended')).toBeGreaterThan(await seqOf('case.accepted'));
    expect(c?.endedByInstance).toBe(kase!.instanceId);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  });

  it('killed right after an audit event was written: the provincial feed and the statistics still get it, once', async () => {
    const dbName = uniqueDbName('kill-audit');
    const feed = { PROVINCE_FEED_URL: `http://127.0.0.1:${provincePort}/feed`, PROVINCE_FEED_BACKOFF_MS: '100' };
    await killedAt(dbName, 'audit.after-event:case.accepted', feed, async (clerk) => {
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('钱文静'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    });
    const d = await db(dbName);
    const kase = await d.collection('service_cases').findOne({});
    const caseNo = kase!._id as unknown as string;
    expect(await d.collection('audit_pending').countDocuments({ caseNo })).toBe(1);

    const second = await startServer(dbName, { ...REPAIR, ...feed });
    servers.push(second);
    const accepted = await waitFor(async () => received.find((e) => e.body.type === 'case.accepted' && e.body.caseNo === caseNo), 'case.accepted at the province', 30_000);
    expect(accepted.body.data.procedure).toBe('immediate-item');
    await waitFor(async () => (await d.collection('audit_pending').countDocuments({})) === 0, 'the pending marker to clear', 20_000);
    // delivered once (the idempotency key is the outbox event; the province saw one case.accepted): once the
    // case's feed events are all delivered, nothing of it is left to send again
    await waitFor(async () => (await d.collection('outbox').countDocuments({ caseNo, type: 'case.accepted', status: 'delivered' })) === 1 && (await d.collection('outbox').countDocuments({ caseNo, status: 'pending' })) === 0, 'the case’s feed events delivered', 30_000);
    expect(received.filter((e) => e.body.type === 'case.accepted' && e.body.caseNo === caseNo)).toHaveLength(1);
    expect(received.filter((e) => e.body.type === 'case.received' && e.body.caseNo === caseNo).length).toBeLessThanOrEqual(1);
    // the statistics (day rollups) count the case
    const supervisor = await ApiClient.login(second.url, 'supervisor');
    const day = cstDay(Date.now());
    const report = (await supervisor.get(`/api/stats/town?from=${day}&to=${day}`)).body;
    expect(report.meta?.source).toBe('rollup');
    expect(report.total.received).toBe(1);
    const audit = (await supervisor.get(`/api/service-cases/${caseNo}/audit`)).body;
    expect((audit.events ?? audit).filter((e: any) => e.type === 'case.accepted')).toHaveLength(1);
  });

  it('killed after claiming a deemed acceptance (行政许可法第三十二条): accepted from receipt, once', async () => {
    const dbName = uniqueDbName('kill-deem');
    let caseNo = '';
    const doomed = await startServer(dbName, { ...REPAIR, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'deem.after-claim' });
    const clerk1 = await ApiClient.login(doomed.url, 'clerk');
    const item = (await clerk1.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item' && i.materials.length >= 2);
    const r = await clerk1.post('/api/intake', { itemCode: item.code, applicant: applicant('冯建国'), examine: true, materials: [{ code: item.materials[0].code, provided: true }], limitOverrides: { examinationLimit: 'PT2S' } });
    expect(r.status).toBe(201);
    caseNo = r.body.case.caseNo;
    await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the breach did not come')), 30_000))]);
    expect(doomed.child.signalCode).toBe('SIGKILL');
    const d = await db(dbName);
    expect((await d.collection('service_cases').findOne({ _id: caseNo as any }))?.status).toBe('accepting');

    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    const clerk = await ApiClient.login(second.url, 'clerk');
    await waitFor(async () => (await d.collection('case_intents').countDocuments({})) === 0, 'the repair to finish the deemed acceptance', 30_000);
    const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(c.status).toBe('in-progress');
    expect(c.deemedAccepted).toBe(true);
    expect(c.acceptedAt).toBe(c.receivedAt);
    expect(await d.collection('instances').countDocuments({ businessKey: caseNo })).toBe(1);
    expect(await d.collection('violations').countDocuments({ caseNo, kind: 'examination-overdue' })).toBe(1);
    const body = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body;
    const events = (body.events ?? body) as any[];
    expect(events.filter((e) => e.type === 'case.deemed-accepted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'case.accepted')).toHaveLength(1);
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body;
    expect(clocks.find((k: any) => k.kind === 'examination').status).toBe('stopped');
    expect(clocks.find((k: any) => k.kind === 'statutory').startedAt).toBe(c.receivedAt);
  });
  it('a resend that takes over a dead intake before the repair sweep came gets that case, not a second one (soak R1)', async () => {
    const dbName = uniqueDbName('kill-idem-early');
    const key = randomUUID();
    let body: any;
    // the sweep would wait a minute: the resend (stale window 2 s) must finish the acceptance itself
    const slowSweep = { ALLOW_LIMIT_OVERRIDES: 'true', CASE_REPAIR_AFTER_MS: '600000', IDEMPOTENCY_STALE_MS: '2000' };
    await killedAt(dbName, 'accept.after-instance', slowSweep, async (clerk) => {
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      body = { itemCode: item.code, applicant: applicant('阿依古丽·买买提'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) };
      await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    });
    const d = await db(dbName);
    expect((await d.collection('service_cases').findOne({}))?.status).toBe('accepting');
    const second = await startServer(dbName, { ...REPAIR, ...slowSweep });
    servers.push(second);
    const clerk = await ApiClient.login(second.url, 'clerk');
    // no wait of our own: the server says when to resend (409 IDEMPOTENCY_IN_FLIGHT with Retry-After
    // while the dead attempt is younger than the stale window), and the loop below does as it says
    let again = await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    for (let i = 0; i < 10 && (again.status === 409 || again.status === 503); i++) {
      await new Promise((r) => setTimeout(r, Number(again.headers['retry-after'] ?? 1) * 1000));
      again = await clerk.post('/api/intake', body, { 'Idempotency-Key': key });
    }
    expect(again.status).toBe(201);
    expect(again.body.recovered).toBe(true);
    expect(again.body.case.status).toBe('in-progress');
    // one case, accepted once, with one instance and one acceptance notice
    expect(await d.collection('service_cases').countDocuments({})).toBe(1);
    const caseNo = again.body.case.caseNo;
    expect(await d.collection('instances').countDocuments({ businessKey: caseNo })).toBe(1);
    expect(await d.collection('notices').countDocuments({ caseNo, kind: 'acceptance' })).toBe(1);
    expect(await d.collection('case_intents').countDocuments({})).toBe(0);
    const events = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    expect(events.filter((e) => e.type === 'case.accepted')).toHaveLength(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  });

  it('killed after a deadline signal was claimed, before its follow-ups: the repair rings it once, with its event and escalation (soak R3)', async () => {
    const dbName = uniqueDbName('kill-signal');
    let caseNo = '';
    const doomed = await startServer(dbName, { ...REPAIR, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'signal.after-claim' });
    const clerk1 = await ApiClient.login(doomed.url, 'clerk');
    const item = (await clerk1.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const r = await clerk1.post('/api/intake', { itemCode: item.code, applicant: applicant('买买提·艾力'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT6S', statutoryLimit: 'PT1H' } });
    expect(r.status).toBe(201);
    caseNo = r.body.case.caseNo;
    // the first rung (the warning at 2/3 of the limit) kills the process right after its claim
    await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the signal did not come')), 30_000))]);
    expect(doomed.child.signalCode).toBe('SIGKILL');
    const d = await db(dbName);
    const claimed = await d.collection('signals').findOne({ caseNo });
    expect(claimed?.pending).toBe(true);

    const restartedAt = new Date();
    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    await waitFor(async () => (await d.collection('signals').countDocuments({ caseNo, pending: true })) === 0 && (await d.collection('signals').countDocuments({ caseNo, rung: 'breach' })) === 1, 'the claimed signal finished and the breach rung', 40_000);
    await waitFor(async () => (await d.collection('escalations').countDocuments({ caseNo })) === 1, 'the escalation', 20_000);
    // every signal job of the clock the second server could run has run and is gone (deleted when done): a
    // rung rung twice would be in by now (the job the dead server held stays locked for Agenda's lock
    // lifetime; run again after it, it finds its rung claimed)
    await waitFor(
      async () => (await d.collection('agendaJobs').countDocuments({ name: 'supervision.clock.signal', 'data.clockId': `${caseNo}:promised`, $or: [{ lockedAt: null }, { lockedAt: { $gte: restartedAt } }] })) === 0,
      'the promised clock’s signal jobs to finish',
      30_000,
    );
    const clerk = await ApiClient.login(second.url, 'clerk');
    const events = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    const clockId = `${caseNo}:promised`;
    for (const rung of ['warning', 'reminder', 'breach']) {
      expect(await d.collection('signals').countDocuments({ _id: `${clockId}:${rung}` as any })).toBe(1);
      expect(events.filter((e) => e.type === `clock.${rung}` && e.data.clockId === clockId)).toHaveLength(1);
    }
    expect(events.filter((e) => e.type === 'escalation.opened')).toHaveLength(1);
    expect(await d.collection('escalations').countDocuments({ caseNo })).toBe(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  });
  it('killed after a breach had notified the supervisors, before its escalation event: the repair rings it again, and each supervisor has the message once', async () => {
    const dbName = uniqueDbName('kill-notify');
    const doomed = await startServer(dbName, { ...REPAIR, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'audit.after-claim:escalation.opened' });
    const clerk1 = await ApiClient.login(doomed.url, 'clerk');
    const item = (await clerk1.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const r = await clerk1.post('/api/intake', { itemCode: item.code, applicant: applicant('欧阳·娜娜'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT4S', statutoryLimit: 'PT1H' } });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo;
    await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the breach did not come')), 30_000))]);
    expect(doomed.child.signalCode).toBe('SIGKILL');
    const d = await db(dbName);
    // the supervisors were told before the kill
    const before = await d.collection('notifications').countDocuments({ caseNo, kind: 'escalation.breach' });
    expect(before).toBeGreaterThan(0);
    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    await waitFor(async () => (await d.collection('signals').countDocuments({ caseNo, pending: true })) === 0 && (await d.collection('escalations').countDocuments({ caseNo })) === 1, 'the repair to finish the breach', 40_000);
    const clerk = await ApiClient.login(second.url, 'clerk');
    await waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[]).some((e) => e.type === 'escalation.opened'), 'escalation.opened in the chain', 20_000);
    // before: the repair's second ring wrote each supervisor's message again
    const sent = await d.collection('notifications').find({ caseNo, kind: 'escalation.breach' }).toArray();
    expect(sent.length).toBe(before);
    expect(new Set(sent.map((n) => n.to)).size).toBe(sent.length);
  });
  it('killed after the case was written, before its first audit event: the repair finishes it and its chain starts with the receipt, once (soak R1)', async () => {
    const dbName = uniqueDbName('kill-received');
    await killedAt(dbName, 'intake.after-case', {}, async (clerk) => {
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('欧阳明月'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    });
    const d = await db(dbName);
    const kase = await d.collection('service_cases').findOne({});
    const caseNo = kase!._id as unknown as string;
    expect(kase?.status).toBe('accepting');
    expect(await d.collection('audit_events').countDocuments({ caseNo })).toBe(0);
    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    await waitFor(async () => (await d.collection('case_intents').countDocuments({})) === 0, 'the repair to finish the acceptance', 30_000);
    const clerk = await ApiClient.login(second.url, 'clerk');
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('in-progress');
    const events = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    expect(events[0].type).toBe('case.received');
    expect(events[0].data.applicant.name).toBe('欧阳**');
    expect(events.filter((e) => e.type === 'case.received')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'case.accepted')).toHaveLength(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  });
  it('killed after claiming case.accepted, before writing it: the repair takes the claim over and writes it, once (soak R1)', async () => {
    const dbName = uniqueDbName('kill-claim');
    await killedAt(dbName, 'audit.after-claim:case.accepted', {}, async (clerk) => {
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('司马相如'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    });
    const d = await db(dbName);
    const caseNo = (await d.collection('service_cases').findOne({}))!._id as unknown as string;
    expect(await d.collection('audit_claims').countDocuments({ _id: `case:accepted:${caseNo}` as any })).toBe(1);
    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    await waitFor(async () => (await d.collection('case_intents').countDocuments({})) === 0, 'the repair to finish the acceptance', 30_000);
    const clerk = await ApiClient.login(second.url, 'clerk');
    const events = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    expect(events.filter((e) => e.type === 'case.accepted')).toHaveLength(1);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  });
});
