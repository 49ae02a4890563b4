/**
 * A service/send task job on the path of a real service case (办件) fails into an incident, and an
 * admin cancels the incident (终止): the case ends 异常终止 — not left 办理中 forever — with one end event
 * in its audit chain naming who ended it and why, the chain still valid, every clock stopped and
 * nothing of it left in anyone's inbox. Real server, worker, engine and FerretDB, over HTTP.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { ROOT, startServer, startWorker, uniqueDbName, type RunningProcess } from '../helpers/server';

const PHONE = '13912345678';

/** The standard 即办件 path with an SMS to the applicant (a send task run as a job) after the window's step. */
function immediateWithNotification(): string {
  const xml = readFileSync(path.join(ROOT, 'processes', 'diagrams', 'immediate-item.bpmn'), 'utf8');
  const out = xml
    .replace(
      '<bpmn:endEvent id="case-completed" name="办结">',
      `<bpmn:sendTask id="notify-applicant" name="短信告知申请人" camunda:type="external" camunda:topic="applicant-notification">
      <bpmn:incoming>to-notify-applicant</bpmn:incoming>
      <bpmn:outgoing>to-case-completed</bpmn:outgoing>
    </bpmn:sendTask>
    <bpmn:endEvent id="case-completed" name="办结">`,
    )
    .replace('<bpmn:outgoing>to-case-completed</bpmn:outgoing>\n    </bpmn:userTask>', '<bpmn:outgoing>to-notify-applicant</bpmn:outgoing>\n    </bpmn:userTask>')
    .replace('<bpmn:sequenceFlow id="to-case-completed" sourceRef="window-handle" targetRef="case-completed" />', '<bpmn:sequenceFlow id="to-notify-applicant" sourceRef="window-handle" targetRef="notify-applicant" />\n    <bpmn:sequenceFlow id="to-case-completed" sourceRef="notify-applicant" targetRef="case-completed" />')
    .replace(
      '<bpmndi:BPMNShape id="case-completed-di" bpmnElement="case-completed">',
      '<bpmndi:BPMNShape id="notify-applicant-di" bpmnElement="notify-applicant">\n        <dc:Bounds x="400" y="330" width="100" height="80" />\n      </bpmndi:BPMNShape>\n      <bpmndi:BPMNShape id="case-completed-di" bpmnElement="case-completed">',
    );
  if (!out.includes('sourceRef="window-handle" targetRef="notify-applicant"') || !out.includes('<bpmn:outgoing>to-notify-applicant</bpmn:outgoing>\n    </bpmn:userTask>')) {
    throw new Error('immediate-item.bpmn changed: the test cannot put its send task on the path');
  }
  return out;
}

describe('an incident on a service case (办件) cancelled by an admin', () => {
  const dbName = uniqueDbName('svc-case-incident');
  let api: RunningProcess;
  let worker: RunningProcess;
  let designer: ApiClient;
  let clerk: ApiClient;
  let admin: ApiClient;
  let gateway: Server;
  let gatewayCalls = 0;

  beforeAll(async () => {
    // an SMS gateway that is down for the whole test
    gateway = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        gatewayCalls++;
        res.writeHead(503).end('down');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
    const jobs = { SERVICE_JOB_RETRIES: '2', SERVICE_JOB_BACKOFF_MS: '200', SERVICE_JOB_MAX_BACKOFF_MS: '400', AGENDA_PROCESS_EVERY_MS: '200', SMS_GATEWAY_URL: gatewayUrl };
    api = await startServer(dbName, { ...jobs, RUN_WORKERS: 'false' });
    worker = await startWorker(dbName, jobs);
    designer = await ApiClient.login(api.url, 'designer');
    clerk = await ApiClient.login(api.url, 'clerk');
    admin = await ApiClient.login(api.url, 'admin');
  });
  afterAll(async () => {
    await worker?.kill();
    await api?.kill();
    gateway?.closeAllConnections();
    await new Promise((r) => gateway?.close(r));
  });

  it('the case ends 异常终止 (failed): one end event with the admin and the reason, chain valid, clocks stopped, inbox empty', async () => {
    const deployed = await designer.deployXml(immediateWithNotification(), '即办件：办结前短信告知申请人');
    expect(deployed.status).toBe(201);
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('林秀英', PHONE), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(taken.status).toBe(201);
    const caseNo: string = taken.body.case.caseNo;
    const step = (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps.find((s: any) => s.status === 'open');
    expect((await clerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve' })).status).toBe(200);

    // the SMS fails every attempt: an incident on the case, which waits at the send task
    const incident = await waitFor(async () => (await admin.get('/api/incidents')).body.find((i: any) => i.caseNo === caseNo), 'an incident on the case', 45_000);
    expect(incident).toMatchObject({ status: 'open', elementId: 'notify-applicant', attempts: 2, maxAttempts: 2 });
    expect(gatewayCalls).toBeGreaterThanOrEqual(2);
    const waiting = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(waiting.status).toBe('in-progress');
    expect((await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.filter((c: any) => c.status === 'running').map((c: any) => c.kind).sort()).toEqual(['promised', 'statutory']);

    const cancelled = await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: '短信平台停用，申请人已电话告知' });
    expect(cancelled.status).toBe(200);

    const ended = await waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      return c.status !== 'in-progress' ? c : undefined;
    }, 'the case to end', 20_000);
    expect(ended.status).toBe('failed');
    expect(ended.outcome).toBe('failed');
    expect(ended.endedAt).toBeTruthy();
    expect(ended.steps.filter((s: any) => s.status === 'open')).toEqual([]);

    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    const ends = audit.filter((e) => /^case\.(ended|failed|cancelled)$/.test(e.type));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ type: 'case.failed', actor: 'admin' });
    expect(JSON.stringify(ends[0].data)).toContain('短信平台停用');
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);

    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    expect(clocks.length).toBeGreaterThan(0);
    expect(clocks.filter((c) => c.status !== 'stopped')).toEqual([]);

    for (const filter of ['mine', 'window', 'all']) {
      const inbox = (await clerk.get(`/api/inbox?filter=${filter}`)).body;
      const rows = Array.isArray(inbox) ? inbox : (inbox.tasks ?? inbox.items ?? []);
      expect(rows.filter((t: any) => t.caseNo === caseNo)).toEqual([]);
    }
    // the incident is closed, and a second cancel is refused
    expect((await admin.get(`/api/incidents/${incident.id}`)).body.status).toBe('cancelled');
    expect((await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: 'again' })).status).toBe(409);
    // the full phone number is in no log
    for (const p of [api, worker]) expect(p.logs.join('\n')).not.toContain(PHONE);
  });
});
