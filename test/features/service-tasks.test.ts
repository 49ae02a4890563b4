/**
 * Diagrams from Camunda Modeler with service and send tasks run (issue #15): the tasks are jobs a
 * worker runs (the external-task pattern), FEEL decides the gateway, a timer waits; a failing
 * handler retries and then becomes an incident that an admin retries or cancels; a worker killed
 * in the middle of a job loses nothing and doubles nothing. Real servers, engine, FerretDB, HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { dbUri, startServer, startWorker, uniqueDbName, type RunningProcess } from '../helpers/server';

const PHONE = '13812345678';

/** Waits for `p` to exit, failing after `ms`; the timer is cleared either way (an uncleared 30 s timer kept jest from exiting). */
async function exitWithin(p: RunningProcess, ms: number, failure: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p.exited, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(failure)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('service and send tasks as jobs, FEEL conditions and incidents (事件/故障)', () => {
  const dbName = uniqueDbName('service-tasks');
  let api: RunningProcess;
  const workers: RunningProcess[] = [];
  let designer: ApiClient;
  let clerk: ApiClient;
  let supervisor: ApiClient;
  let admin: ApiClient;
  let mongo: MongoClient;
  let gateway: Server;
  let gatewayUrl = '';
  let gatewayFails = false;
  const sms: { key: string; body: any }[] = [];

  const JOBS = { SERVICE_JOB_RETRIES: '3', SERVICE_JOB_BACKOFF_MS: '300', SERVICE_JOB_MAX_BACKOFF_MS: '1200', AGENDA_LOCK_LIFETIME_MS: '2000', AGENDA_PROCESS_EVERY_MS: '200' };

  beforeAll(async () => {
    gateway = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (gatewayFails) return void res.writeHead(503).end('down');
        sms.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
    api = await startServer(dbName, { ...JOBS, RUN_WORKERS: 'false' });
    designer = await ApiClient.login(api.url, 'designer');
    clerk = await ApiClient.login(api.url, 'clerk');
    supervisor = await ApiClient.login(api.url, 'supervisor');
    admin = await ApiClient.login(api.url, 'admin');
    mongo = await MongoClient.connect(dbUri(dbName));
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await api?.kill();
    await mongo?.close();
    gateway.closeAllConnections();
    await new Promise((r) => gateway.close(r));
  });

  const caseOf = async (id: string) => (await clerk.get(`/api/cases/${id}`)).body;
  const endedCase = (id: string, status = 'completed') =>
    waitFor(async () => {
      const c = await caseOf(id);
      return c.status === status ? c : undefined;
    }, `case ${id} ${status}`, 45_000);
  const startAndAccept = async (businessKey: string, variables: Record<string, unknown>) => {
    const c = (await clerk.post('/api/cases', { definitionKey: 'camunda7-jobs', businessKey, variables })).body;
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['Activity_accept']);
    const done = await clerk.post(`/api/tasks/${c.openTasks[0].id}/complete`, { variables: { approved: true } });
    expect(done.status).toBe(200);
    return c.id as string;
  };

  it('deploys a Camunda Modeler 5 (Camunda 7) export with user, external service and send tasks, a FEEL gateway and a timer', async () => {
    const r = await designer.deployXml(fixture('camunda7-jobs.bpmn'), 'Camunda Modeler 导出：作业与 FEEL');
    expect(r.status).toBe(201);
    expect(r.body.key).toBe('camunda7-jobs');
  });

  it('refuses what it cannot run with a 422 that names the element and why', async () => {
    const xml = fixture('camunda7-jobs.bpmn');
    const noTopic = await designer.deployXml(xml.replace(' camunda:type="external" camunda:topic="provincial-feed"', ''));
    expect(noTopic.status).toBe(422);
    expect(noTopic.contentType).toContain('application/problem+json');
    expect(noTopic.body.detail).toMatch(/Activity_push: service task has no job topic/);
    const javaDelegate = await designer.deployXml(xml.replace(' camunda:type="external" camunda:topic="provincial-feed"', ' camunda:class="cn.gov.Push"'));
    expect(javaDelegate.status).toBe(422);
    expect(javaDelegate.body.detail).toMatch(/Activity_push: .*camunda:class/);
    const unknown = await designer.deployXml(xml.replace('provincial-feed', 'print-money'));
    expect(unknown.body.detail).toMatch(/topic "print-money" has no handler/);
    const badFeel = await designer.deployXml(xml.replace('= amount &gt; 1000 and', '= amount &gt; and'));
    expect(badFeel.status).toBe(422);
    expect(badFeel.body.detail).toMatch(/Flow_large: FEEL condition: .*FEEL syntax error at character/);
    const hostileFeel = await designer.deployXml(xml.replace('= amount &gt; 1000 and category = "联办件"', '= count(for i in 1..100000000 return i) &gt; 0'));
    expect(hostileFeel.status).toBe(422);
    expect(hostileFeel.body.detail).toMatch(/Flow_large: .*iterations are not supported/);
    const inclusive = await designer.deployXml(fixture('inclusive-join.bpmn'));
    expect(inclusive.status).toBe(422);
    expect(inclusive.body.code).toBe('INCLUSIVE_JOIN_UNSUPPORTED');
  });

  it('runs end to end; a worker SIGKILLed after the handler, before the continuation, loses nothing and doubles nothing', async () => {
    // a worker that dies right after the provincial-feed handler appended its event
    const doomed = await startWorker(dbName, { ...JOBS, SMS_GATEWAY_URL: gatewayUrl, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'service-job.after-handler' });
    workers.push(doomed);
    const id = await startAndAccept('SJ-001', { amount: 5000, category: '联办件', applicantPhone: PHONE });
    await exitWithin(doomed, 30_000, 'the worker did not reach service-job.after-handler');
    expect(doomed.child.signalCode).toBe('SIGKILL');
    expect((await caseOf(id)).activeElements).toEqual(['Activity_push']);

    // a second worker (log channel for SMS) takes the job over once the dead worker's lock expires
    const worker = await startWorker(dbName, JOBS);
    workers.push(worker);
    const done = await endedCase(id);
    const ended = done.completedSteps.map((s: any) => s.elementId);
    expect(ended).toEqual(expect.arrayContaining(['Activity_accept', 'Activity_push', 'Gateway_amount', 'Activity_notify', 'Event_wait', 'Event_large']));
    expect(ended).not.toContain('Event_small');
    // the continuation ran once per job, and the provincial feed has one event for it
    const jobEvents = done.history.filter((e: any) => e.type === 'job.completed').map((e: any) => e.elementId);
    expect(jobEvents).toEqual(['Activity_push', 'Activity_notify']);
    const db = mongo.db(dbName);
    const feed = await db.collection('outbox').find({ type: 'case.step-reported', caseNo: 'SJ-001' }).toArray();
    expect(feed).toHaveLength(1);
    expect(feed[0].data).toMatchObject({ elementId: 'Activity_push', step: '推送省平台', instanceId: id });
    const jobs = await db.collection('service_jobs').find({ instanceId: id }).toArray();
    expect(jobs.map((j) => [j.elementId, j.status])).toEqual(expect.arrayContaining([['Activity_push', 'done'], ['Activity_notify', 'done']]));
    expect((await db.collection('revisions').countDocuments({ instanceId: id, 'command.type': 'service-task' }))).toBe(2);
    // the SMS went to the log channel with the number masked; the full number is nowhere in any log
    const line = await worker.waitForLog((l) => l.msg === 'sms (log channel)' && l.caseNo === 'SJ-001');
    expect(line.to).toBe('138****5678');
    for (const p of [api, doomed, worker]) expect(p.logs.join('\n')).not.toContain(PHONE);
    // the output of the jobs is in the process variables
    expect(done.variables.provincialFeedEventId).toBe(feed[0]._id);
    expect(typeof done.variables.notifiedAt).toBe('string');
    // the FEEL default: a small amount ends without any SMS
    const small = await startAndAccept('SJ-002', { amount: 10, category: '联办件', applicantPhone: PHONE });
    expect((await endedCase(small)).completedSteps.map((s: any) => s.elementId)).toContain('Event_small');
    await worker.kill();
  });

  it('a failing handler retries with backoff, becomes an incident, and an admin retry completes the case', async () => {
    const worker = await startWorker(dbName, { ...JOBS, SMS_GATEWAY_URL: gatewayUrl });
    workers.push(worker);
    gatewayFails = true;
    const id = await startAndAccept('SJ-003', { amount: 5000, category: '联办件', applicantPhone: PHONE });
    const incident = await waitFor(async () => (await supervisor.get('/api/incidents')).body.find((i: any) => i.instanceId === id), 'an incident', 45_000);
    expect(incident).toMatchObject({ status: 'open', topic: 'applicant-notification', elementId: 'Activity_notify', elementName: '短信告知申请人', caseNo: 'SJ-003', definitionKey: 'camunda7-jobs', attempts: 3, maxAttempts: 3 });
    expect(incident.error).toMatch(/SMS gateway answered 503/);
    expect(incident.errors.map((e: any) => e.attempt)).toEqual([1, 2, 3]);
    expect(new Date(incident.lastFailedAt).getTime()).toBeGreaterThan(new Date(incident.firstFailedAt).getTime());
    // exponential backoff: at least 300 ms, then at least 600 ms between the attempts
    const at = incident.errors.map((e: any) => new Date(e.at).getTime());
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(280);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(580);
    // the case waits at the send task; nothing was sent
    expect((await caseOf(id)).activeElements).toEqual(['Activity_notify']);
    expect(sms.filter((s) => s.body.text.includes('SJ-003'))).toHaveLength(0);
    // who may see and act
    expect((await clerk.get('/api/incidents')).status).toBe(403);
    expect((await supervisor.post(`/api/incidents/${incident.id}/retry`, {})).status).toBe(403);
    expect((await supervisor.get(`/api/incidents/${incident.id}`)).body.id).toBe(incident.id);
    expect((await admin.get('/api/incidents/no-such-incident')).status).toBe(404);

    gatewayFails = false;
    const retried = await admin.post(`/api/incidents/${incident.id}/retry`, { note: '短信网关已恢复' });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('retrying');
    expect((await admin.post(`/api/incidents/${incident.id}/retry`, {})).status).toBe(409);
    const done = await endedCase(id);
    expect(done.completedSteps.map((s: any) => s.elementId)).toContain('Event_large');
    const sent = sms.filter((s) => s.body.text.includes('SJ-003'));
    expect(sent).toHaveLength(1);
    expect(sent[0].key).toBe(incident.id);
    expect(sent[0].body.to).toBe(PHONE);
    expect((await supervisor.get('/api/incidents')).body.find((i: any) => i.id === incident.id)).toBeUndefined();
    const resolved = (await supervisor.get('/api/incidents?status=resolved')).body.find((i: any) => i.id === incident.id);
    expect(resolved.status).toBe('resolved');
    expect(resolved.history.map((h: any) => [h.action, h.by])).toEqual([['incident', 'system'], ['retry', 'admin']]);
  });

  it('a double delivery of one job, and a kill after the continuation, still move the case once', async () => {
    for (const w of workers) await w.kill();
    const db = mongo.db(dbName);
    // no worker runs: the case waits at the provincial-feed task with its job scheduled
    const id = await startAndAccept('SJ-005', { amount: 10, category: '即办件' });
    const job = await waitFor(() => db.collection('service_jobs').findOne({ instanceId: id, elementId: 'Activity_push' }), 'the job document');
    const agendaJob = await waitFor(() => db.collection('agendaJobs').findOne({ name: 'bpmn.service-task.run', 'data.job': job._id }), 'the Agenda job');
    // Agenda hands the same job out twice (a double delivery)
    const { _id: _ignored, ...copy } = agendaJob;
    await db.collection('agendaJobs').insertOne({ ...copy, data: { ...agendaJob.data, key: `${agendaJob.data.key}:dup` } });
    // this worker dies right after the first continuation's revision, before the job is marked done
    // (the job is due at once: it may die while starting, before it says it is ready)
    const doomed = await startWorker(dbName, { ...JOBS, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'service-job.after-complete' }).catch(() => undefined);
    if (doomed) {
      workers.push(doomed);
      await exitWithin(doomed, 30_000, 'the worker did not reach service-job.after-complete');
      expect(doomed.child.signalCode).toBe('SIGKILL');
    }
    // killed between the continuation's revision and marking the job
    expect(await db.collection('revisions').countDocuments({ instanceId: id, 'command.type': 'service-task' })).toBe(1);
    expect((await db.collection('service_jobs').findOne({ _id: job._id }))!.status).toBe('pending');
    const worker = await startWorker(dbName, JOBS);
    workers.push(worker);
    const done = await endedCase(id);
    expect(done.completedSteps.map((s: any) => s.elementId)).toContain('Event_small');
    expect(done.history.filter((e: any) => e.type === 'job.completed').map((e: any) => e.elementId)).toEqual(['Activity_push']);
    expect(await db.collection('revisions').countDocuments({ instanceId: id, 'command.type': 'service-task' })).toBe(1);
    expect(await db.collection('outbox').countDocuments({ type: 'case.step-reported', caseNo: 'SJ-005' })).toBe(1);
    // both deliveries finish without retrying or raising an incident
    await waitFor(async () => (await db.collection('agendaJobs').countDocuments({ name: 'bpmn.service-task.run', 'data.job': job._id })) === 0, 'both deliveries to finish');
    const after = await db.collection('service_jobs').findOne({ _id: job._id });
    expect(after!.status).toBe('done');
    expect(after!.attempts).toBe(0);
  });

  it('cancelling an incident cancels the case instance (as Camunda does), its open steps with it', async () => {
    for (const w of workers) await w.kill();
    workers.push(await startWorker(dbName, { ...JOBS, SMS_GATEWAY_URL: gatewayUrl }));
    gatewayFails = true;
    const id = await startAndAccept('SJ-004', { amount: 5000, category: '联办件', applicantPhone: PHONE });
    const incident = await waitFor(async () => (await supervisor.get('/api/incidents')).body.find((i: any) => i.instanceId === id), 'an incident', 45_000);
    const noReason = await admin.post(`/api/incidents/${incident.id}/cancel`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.contentType).toContain('application/problem+json');
    const cancelled = await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: '申请人撤回申请' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const c = await endedCase(id, 'cancelled');
    expect(c.history.some((e: any) => e.type === 'case.cancelled' && e.actor === 'admin')).toBe(true);
    expect((await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: 'again' })).status).toBe(409);
    gatewayFails = false;
  });
});
