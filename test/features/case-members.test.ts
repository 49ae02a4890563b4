/**
 * The instances of a case beyond its own process (issue 15 leftovers), through real HTTP, the real
 * engine and worker, and the embedded FerretDB:
 * - an instance a message start event started for a case in progress (消息开始事件, listed on the
 *   case's root as `messageStartedCases`) ends with the case, as a called process does: when the
 *   case is done (办结) while its check still runs, and when an admin ends the case (终止, cancelling
 *   its incident) — its step is cancelled, out of every inbox, its step clock stopped;
 * - a call within a call (调用活动 within 调用活动): the steps of a process the city's called process
 *   calls in turn are the case's steps on the staff case page (`GET /api/service-cases/{no}`), as
 *   the `calledCases` tree of `GET /api/cases/{id}` already lists their instances.
 */
import { readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { ROOT, dbUri } from '../helpers/server';
import { useServer } from '../helpers/suite';

const CHECK = fixture('message-start-case.bpmn');

/** The shipped 即办件 path with an SMS to the applicant (a send task run as a job) after the window's step. */
function immediateWithNotification(): string {
  const xml = readFileSync(path.join(ROOT, 'processes', 'diagrams', 'immediate-item.bpmn'), 'utf8');
  const out = xml
    .replace('<bpmn:endEvent id="case-completed" name="办结">', `<bpmn:sendTask id="notify-applicant" name="短信告知申请人" camunda:type="external" camunda:topic="applicant-notification">
      <bpmn:incoming>to-notify-applicant</bpmn:incoming>
      <bpmn:outgoing>to-case-completed</bpmn:outgoing>
    </bpmn:sendTask>
    <bpmn:endEvent id="case-completed" name="办结">`)
    .replace('<bpmn:outgoing>to-case-completed</bpmn:outgoing>\n    </bpmn:userTask>', '<bpmn:outgoing>to-notify-applicant</bpmn:outgoing>\n    </bpmn:userTask>')
    .replace('<bpmn:sequenceFlow id="to-case-completed" sourceRef="window-handle" targetRef="case-completed" />', '<bpmn:sequenceFlow id="to-notify-applicant" sourceRef="window-handle" targetRef="notify-applicant" />\n    <bpmn:sequenceFlow id="to-case-completed" sourceRef="notify-applicant" targetRef="case-completed" />');
  if (!out.includes('sourceRef="window-handle" targetRef="notify-applicant"') || !out.includes('<bpmn:outgoing>to-notify-applicant</bpmn:outgoing>\n    </bpmn:userTask>')) {
    throw new Error('immediate-item.bpmn changed: the test cannot put its send task on the path');
  }
  return out;
}

/** Takes in a case of the first item whose path is `procedure`; returns its number and its root instance. */
async function intake(clerk: ApiClient, procedure: string, name: string) {
  const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === procedure);
  const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(name, '0512-58881234'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
  expect([taken.status, taken.body?.code]).toEqual([201, undefined]);
  const caseNo: string = taken.body.case.caseNo;
  const instanceId: string = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.instanceId, 'the case’s instance');
  return { caseNo, instanceId };
}

describe('the instances of a case beyond its own process', () => {
  // the SMS gateway refuses every connection: the send task's one attempt fails into an incident at once
  const server = useServer('case-members', { SMS_GATEWAY_URL: 'http://127.0.0.1:9/sms', SERVICE_JOB_RETRIES: '1', SERVICE_JOB_BACKOFF_MS: '200', AGENDA_PROCESS_EVERY_MS: '200' });
  let designer: ApiClient;
  let clerk: ApiClient;
  let cityclerk: ApiClient;
  let supervisor: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    designer = await server.as('designer');
    clerk = await server.as('clerk');
    cityclerk = await server.as('cityclerk');
    supervisor = await server.as('supervisor');
    admin = await server.as('admin');
    const d = await designer.deployXml(CHECK, '市中心核查由乡镇消息启动');
    expect([d.status, d.body?.code]).toEqual([201, undefined]);
  });

  /** The open step `elementId` of the case, as the case page lists it. */
  const openStep = (caseNo: string, elementId: string) =>
    waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === elementId && s.status === 'open'), `step ${elementId} to open`);

  /** Starts the city's check for the case by a message (the case number as business key); returns the check's instance and its step. */
  async function startCheck(caseNo: string, root: string) {
    const sent = await supervisor.post('/api/messages', { name: 'city-check-request', businessKey: caseNo, messageId: `check-${caseNo}`, variables: { checkReason: '请市中心核查宅基地四至' } });
    expect(sent.body).toMatchObject({ status: 'delivered', startedInstance: true, caseNo });
    const checkId: string = sent.body.instanceId;
    expect((await clerk.get(`/api/cases/${root}`)).body.messageStartedCases).toEqual([expect.objectContaining({ instanceId: checkId })]);
    const step = await openStep(caseNo, 'city-check');
    expect(step.taskId.startsWith(`${checkId}:`)).toBe(true);
    const inbox = (await cityclerk.get('/api/inbox?filter=all')).body;
    expect(((inbox.tasks ?? inbox) as any[]).some((t) => t.id === step.taskId)).toBe(true);
    return { checkId, step };
  }

  /** The check instance ended with its case: cancelled (saying why), its step cancelled and in no inbox, its step clock stopped. */
  async function expectEndedWithCase(caseNo: string, checkId: string, stepId: string, reason: string) {
    const check = await waitFor(async () => {
      const c = (await admin.get(`/api/cases/${checkId}`)).body;
      return c.status !== 'running' ? c : undefined;
    }, 'the check to end with its case');
    expect(check.status).toBe('cancelled');
    expect(check.openTasks).toEqual([]);
    expect(check.history.filter((e: any) => e.type === 'case.cancelled')).toEqual([expect.objectContaining({ actor: 'system' })]);
    const mongo = await MongoClient.connect(dbUri(server.dbName));
    try {
      const last: any = await mongo.db().collection('revisions').findOne({ instanceId: checkId }, { sort: { revision: -1 } });
      expect(last.command).toEqual({ type: 'cancel', reason });
    } finally {
      await mongo.close();
    }
    const sc = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(sc.steps.find((s: any) => s.taskId === stepId)).toMatchObject({ status: 'cancelled' });
    expect(sc.steps.filter((s: any) => s.status === 'open')).toEqual([]);
    for (const who of [cityclerk, admin]) {
      const inbox = (await who.get('/api/inbox?filter=all')).body;
      expect(((inbox.tasks ?? inbox) as any[]).filter((t) => t.caseNo === caseNo)).toEqual([]);
    }
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    expect(clocks.find((c) => c.kind === 'step' && c.taskId === stepId)).toMatchObject({ status: 'stopped' });
    expect(clocks.filter((c) => c.status !== 'stopped')).toEqual([]);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }

  it('the case is done (办结) while the city’s check a message started still runs: the check is cancelled with it', async () => {
    const { caseNo, instanceId: root } = await intake(clerk, 'immediate-item', '诸葛·明远');
    const { checkId, step } = await startCheck(caseNo, root);
    const handle = await openStep(caseNo, 'window-handle');
    const done = await clerk.post(`/api/tasks/${handle.taskId}/complete`, { decision: 'done', opinion: '当场办结' });
    expect([done.status, done.body?.code]).toEqual([200, undefined]);
    await waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.status === 'completed' ? true : undefined), 'the case to be done');
    await expectEndedWithCase(caseNo, checkId, step.taskId, '办件已办结，消息启动的流程随之终止');
  });

  it('an admin ends the case (终止, by cancelling its incident): the city’s check a message started is cancelled with it', async () => {
    const d = await designer.deployXml(immediateWithNotification(), '即办件：办结前短信告知申请人');
    expect([d.status, d.body?.code]).toEqual([201, undefined]);
    const { caseNo, instanceId: root } = await intake(clerk, 'immediate-item', '阿卜杜·热合曼');
    const handle = await openStep(caseNo, 'window-handle');
    expect((await clerk.post(`/api/tasks/${handle.taskId}/complete`, { decision: 'approve', opinion: '同意' })).status).toBe(200);
    // the case waits at its SMS (in progress): the city's check joins it
    const { checkId, step } = await startCheck(caseNo, root);
    const incident = await waitFor(async () => (await admin.get('/api/incidents')).body.find((i: any) => i.caseNo === caseNo), 'an incident on the case', 60_000);
    expect(incident).toMatchObject({ status: 'open', elementId: 'notify-applicant' });
    const cancelled = await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: '短信平台停用，申请人已电话告知' });
    expect([cancelled.status, cancelled.body?.code]).toEqual([200, undefined]);
    expect((await admin.get(`/api/cases/${root}`)).body.status).toBe('cancelled');
    await expectEndedWithCase(caseNo, checkId, step.taskId, '办件已终止，消息启动的流程随之终止');
    // the check cannot be worked on any more
    expect((await cityclerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve', opinion: '核查无误' })).status).toBe(409);
  });

  it('a call within a call: the department review the city’s process calls is among the case’s steps, before the city’s approval', async () => {
    const dept = await designer.deployXml(fixture('call-dept-review.bpmn'), '部门审查独立成流程');
    expect([dept.status, dept.body?.code]).toEqual([201, undefined]);
    const city = await designer.deployXml(fixture('city-report-up-consult.bpmn'), '市中心审批前征求国土部门意见');
    expect([city.status, city.body?.code]).toEqual([201, undefined]);
    const { caseNo, instanceId: root } = await intake(clerk, 'report-up-item', '买买提·艾力');
    const accept = await openStep(caseNo, 'town-accept');
    expect((await (await server.as(accept.assignee ?? 'clerk')).post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '受理' })).status).toBe(200);
    const review = await openStep(caseNo, 'town-review');
    // the town's review is the item department's window's (routed): done by whoever holds it
    const reviewer = await server.as(review.assignee ?? 'clerk');
    expect((await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，同意上报' })).status).toBe(200);

    // the tree: town → city → department
    const tree = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${root}`)).body;
      return c.calledCases?.[0]?.calledCases?.length ? c.calledCases : undefined;
    }, 'the department review under the city');
    const cityId: string = tree[0].instanceId;
    const deptId: string = tree[0].calledCases[0].instanceId;
    expect(tree[0]).toMatchObject({ elementId: 'report-to-city', definitionKey: 'city-report-up-approval', status: 'running' });
    expect(tree[0].calledCases[0]).toMatchObject({ elementId: 'city-consult', definitionKey: 'dept-review', status: 'running' });

    // the case page lists the grandchild's step, open, as the case's
    const deptStep = await openStep(caseNo, 'dept-review-task');
    expect(deptStep.taskId.startsWith(`${deptId}:`)).toBe(true);
    expect(deptStep.name).toBe('部门审查');
    const done = await clerk.post(`/api/tasks/${deptStep.taskId}/complete`, { decision: 'approve', opinion: '四至清楚，同意' });
    expect([done.status, done.body?.code]).toEqual([200, undefined]);

    // then the city's approval: the case page has every level's steps, in order
    const approval = await openStep(caseNo, 'city-approval');
    expect(approval.taskId.startsWith(`${cityId}:`)).toBe(true);
    const steps = ((await clerk.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).filter((s) => s.kind === 'engine');
    expect(steps.map((s) => [s.elementId, s.status])).toEqual([
      ['town-accept', 'completed'],
      ['town-review', 'completed'],
      ['dept-review-task', 'completed'],
      ['city-approval', 'open'],
    ]);
    // its step clock is the case's too
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    expect(clocks.some((c) => c.kind === 'step' && c.taskId === deptStep.taskId)).toBe(true);
    expect((await cityclerk.get(`/api/cases/${cityId}`)).body.variables.deptDecision).toBe('approve');
  });
});
