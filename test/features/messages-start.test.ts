/**
 * Message start events and cases (消息开始事件, issue 15), through real HTTP, the real engine and the
 * embedded FerretDB, with diagrams as Camunda Modeler 5 exports them:
 * - a message whose business key is the case number of a case in progress starts an instance that
 *   belongs to the case, as a called process does: the case's number, org unit and windows, its step
 *   among the case's steps and in its audit chain; its end does not end the case; the town's clerk
 *   reads it;
 * - a business key that is no case number starts an instance of no case, and the message says so;
 *   the case number of a case that has ended starts nothing: the message is kept pending, with why;
 * - a message starts one process: a second process (another key) starting on the same message is
 *   refused at deploy (422 naming the message and the other process);
 * - a send task with a message sends it like a throw event: the city's send task answers the town;
 * - a server SIGKILLed after the instance started and before the message was delivered to it: the
 *   next server delivers it to that instance, once — no second instance, no second delivery.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { completeOpenStep, deployAll, intakeCase, useDeployedServer, useKillAndRepair } from '../helpers/deploy';
import { applicant } from '../helpers/people';
import { dbUri } from '../helpers/server';

const CHECK = fixture('message-start-case.bpmn');
const TOWN = fixture('message-town-receipt.bpmn');
const CITY_SEND = fixture('message-city-send-task.bpmn');

/** Takes in a case of the first item whose path is `procedure`, the applicant with a landline; returns its number and its instance. */
const intake = (clerk: ApiClient, procedure: string, name: string) => intakeCase(clerk, procedure, applicant(name, '0512-58881234'));

describe('message start events and the case they belong to (消息开始事件)', () => {
  const server = useDeployedServer('messages-start', {}, [[CHECK, '市中心核查由乡镇消息启动']]);
  const { designer, clerk, supervisor, admin } = server;

  /** Completes the open step `elementId` of the case as whoever holds it (or `fallback`). */
  const complete = (caseNo: string, elementId: string, fallback: string, body: Record<string, unknown>) => completeOpenStep(server, caseNo, elementId, fallback, body);

  it('a case number of a case in progress: the instance belongs to the case — its number, org unit, windows, steps and audit; its end does not end the case', async () => {
    const { caseNo, instanceId: root } = await intake(clerk, 'report-up-item', '司马·伊明');
    const rootCase = (await admin.get(`/api/cases/${root}`)).body;
    const sent = await supervisor.post('/api/messages', { name: 'city-check-request', businessKey: caseNo, messageId: `check-${caseNo}`, variables: { checkReason: '镇窗口请市中心核查宅基地四至' } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'delivered', startedInstance: true, caseNo, elementId: 'check-requested' });
    expect(sent.body.note).toBeUndefined();
    const id: string = sent.body.instanceId;

    // the town's clerk reads it: it is the town's case's
    const started = (await clerk.get(`/api/cases/${id}`)).body;
    expect(started).toMatchObject({ definitionKey: 'message-start-case', businessKey: caseNo, status: 'running', rootInstanceId: root, startedByMessage: { id: `check-${caseNo}`, name: 'city-check-request' } });
    expect(started.parent).toBeUndefined();
    expect(started.variables).toMatchObject({ caseNo, checkReason: '镇窗口请市中心核查宅基地四至', orgUnit: rootCase.variables.orgUnit, receivingWindow: rootCase.variables.receivingWindow, itemCode: rootCase.variables.itemCode });
    expect(started.openTasks).toEqual([expect.objectContaining({ elementId: 'city-check', caseNo })]);
    // another town's clerk does not learn of it
    expect((await (await server.as('dongzhen-w10-a')).get(`/api/cases/${id}`)).status).toBe(404);
    // the case's root instance lists it (not as a call)
    const rootAfter = (await clerk.get(`/api/cases/${root}`)).body;
    expect(rootAfter.messageStartedCases).toEqual([{ instanceId: id, messageId: `check-${caseNo}`, name: 'city-check-request' }]);
    expect(rootAfter.calledCases).toEqual([]);

    // the city's check is a step of the case, with its step clock; done, the case goes on
    const step = await complete(caseNo, 'city-check', 'cityclerk', { decision: 'approve', opinion: '四至清楚，核查无误' });
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    expect(clocks.some((c) => c.kind === 'step' && c.taskId === step.taskId)).toBe(true);
    await waitFor(async () => ((await admin.get(`/api/cases/${id}`)).body.status === 'completed' ? true : undefined), 'the check to end');
    const sc = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(sc.status).toBe('in-progress');
    expect(sc.steps.find((s: any) => s.elementId === 'town-accept')).toMatchObject({ status: 'open' });
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    expect(audit.filter((e) => e.data?.elementId === 'city-check').map((e) => e.type)).toEqual(['task.opened', 'task.completed']);
    expect(audit.filter((e) => /^case\.(ended|failed)$/.test(e.type))).toEqual([]);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);

    // the same message again: replayed, nothing started
    const again = await supervisor.post('/api/messages', { name: 'city-check-request', businessKey: caseNo, messageId: `check-${caseNo}`, variables: { checkReason: '镇窗口请市中心核查宅基地四至' } });
    expect(again.body).toMatchObject({ replayed: true, status: 'delivered', instanceId: id, caseNo });
  });

  it('a business key that is no case number starts an instance of no case, and says so; a case that ended starts nothing and the message waits, saying why', async () => {
    const sent = await supervisor.post('/api/messages', { name: 'city-check-request', businessKey: 'EXT-2026-000123', messageId: 'ext-check-1' });
    expect(sent.body).toMatchObject({ status: 'delivered', startedInstance: true });
    expect(sent.body.caseNo).toBeUndefined();
    expect(sent.body.note).toContain('不属于任何办件');
    const bare = (await admin.get(`/api/cases/${sent.body.instanceId}`)).body;
    expect(bare).toMatchObject({ businessKey: 'EXT-2026-000123', status: 'running', startedByMessage: { id: 'ext-check-1' } });
    expect(bare.rootInstanceId).toBeUndefined();
    expect(bare.variables.caseNo).toBeUndefined();
    expect((await clerk.get(`/api/cases/${sent.body.instanceId}`)).status).toBe(404);
    const listed = ((await admin.get('/api/messages?status=delivered')).body as any[]).find((m) => m.id === 'ext-check-1');
    expect(listed).toMatchObject({ startedInstance: true, note: expect.stringContaining('EXT-2026-000123') });

    // an immediate case (即办件) done at the window
    const { caseNo } = await intake(clerk, 'immediate-item', '诸葛·明远');
    await complete(caseNo, 'window-handle', 'clerk', { decision: 'done', opinion: '当场办结' });
    await waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.status === 'completed' ? true : undefined), 'the immediate case to end');
    const late = await supervisor.post('/api/messages', { name: 'city-check-request', businessKey: caseNo, messageId: `late-${caseNo}` });
    expect(late.body).toMatchObject({ status: 'pending', note: expect.stringContaining(`办件 ${caseNo} 当前状态为「completed」`) });
    expect(late.body.instanceId).toBeUndefined();
    const pending = ((await admin.get('/api/messages?status=pending')).body as any[]).find((m) => m.id === `late-${caseNo}`);
    expect(pending.note).toContain('消息保留待处理');
    const mongo = await MongoClient.connect(dbUri(server.dbName));
    try {
      expect(await mongo.db().collection('instances').countDocuments({ definitionKey: 'message-start-case', businessKey: caseNo })).toBe(0);
    } finally {
      await mongo.close();
    }
  });

  it('refuses at deploy a second process starting on the same message (422, naming the message and the other process); a new version of the same process is fine', async () => {
    const clash = await designer.deployXml(CHECK.replace(/message-start-case/g, 'county-check').replace('市中心核查（乡镇消息启动）', '县级核查'), '县级核查也由该消息启动');
    expect([clash.status, clash.body.code, clash.contentType]).toEqual([422, 'MESSAGE_START_TAKEN', expect.stringContaining('application/problem+json')]);
    expect(clash.body.detail).toBe('消息开始事件 check-requested（收到核查请求） 的消息「city-check-request」已是已部署流程「市中心核查（乡镇消息启动）」（message-start-case，第 1 版）的消息开始事件：同一消息只能启动一个流程，请改用其他消息名称，或先修改该流程');
    expect(clash.body.details).toMatchObject({ elementId: 'check-requested', messageName: 'city-check-request', otherProcess: 'message-start-case', otherVersion: 1 });
    expect(((await designer.get('/api/definitions')).body as any[]).some((d) => d.key === 'county-check')).toBe(false);
    // the designer's lint is told which messages start which process
    expect(((await designer.get('/api/definitions')).body as any[]).find((d) => d.key === 'message-start-case')).toMatchObject({ messageStarts: ['city-check-request'] });
    const v2 = await designer.deployXml(CHECK.replace('市中心核查（乡镇消息启动）', '市中心核查（第二版）'), '名称调整');
    expect([v2.status, v2.body.version]).toEqual([201, 2]);
  });

  it('a send task with a message answers the town like a throw event: once, with the variables it names', async () => {
    expect((await designer.deployXml(TOWN, '上报件消息往来')).status).toBe(201);
    const d = await designer.deployXml(CITY_SEND, '市中心以发送任务回复镇窗口');
    expect([d.status, d.body?.code]).toEqual([201, undefined]);
    const caseNo = 'DB20261208031X';
    const town = await clerk.post('/api/cases', { definitionKey: 'message-town', businessKey: caseNo, variables: { caseNo, applicantName: '阿卜杜·热合曼', mobile: '13800138000' } });
    expect(town.status).toBe(201);
    await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo });
    const report = await waitFor(async () => ((await clerk.get(`/api/cases/${town.body.id}`)).body.openTasks as any[]).find((t) => t.elementId === 'report'), 'the town to report');
    expect((await clerk.post(`/api/tasks/${report.id}/complete`, { variables: {} })).status).toBe(200);

    const cityclerk = await server.as('cityclerk');
    const city = await cityclerk.post('/api/cases', { definitionKey: 'message-city-send', businessKey: caseNo, variables: { caseNo } });
    expect([city.status, city.body?.code]).toEqual([201, undefined]);
    const approve = (city.body.openTasks as any[]).find((t) => t.elementId === 'approve');
    const done = await cityclerk.post(`/api/tasks/${approve.id}/complete`, { variables: { cityOpinion: '予以批准', cityApprovedBy: '陈志强', cityInternalNote: '内部意见，不回复' } });
    expect([done.status, done.body?.code]).toEqual([200, undefined]);
    expect(done.body.openTasks.map((t: any) => t.elementId)).toEqual(['archive']);

    const t = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${town.body.id}`)).body;
      return c.openTasks.some((x: any) => x.elementId === 'notify') ? c : undefined;
    }, 'the town to receive the city’s answer');
    expect(t.variables).toMatchObject({ cityOpinion: '予以批准', cityApprovedBy: '陈志强' });
    expect(t.variables.cityInternalNote).toBeUndefined();
    const fromCity = ((await admin.get('/api/messages?status=delivered')).body as any[]).filter((m) => m.fromInstanceId === city.body.id);
    expect(fromCity).toEqual([expect.objectContaining({ name: 'city-result', businessKey: caseNo, status: 'delivered', instanceId: town.body.id, elementId: 'city-result' })]);
    // archiving (the next command) sends nothing again
    const archive = await cityclerk.post(`/api/tasks/${done.body.openTasks[0].id}/complete`, { variables: {} });
    expect(archive.body.status).toBe('completed');
    const mongo = await MongoClient.connect(dbUri(server.dbName));
    try {
      expect(await mongo.db().collection('messages').countDocuments({ fromInstanceId: city.body.id })).toBe(1);
      expect(await mongo.db().collection('revisions').countDocuments({ instanceId: town.body.id, 'command.type': 'message', 'command.name': 'city-result' })).toBe(1);
    } finally {
      await mongo.close();
    }
  });
});

describe('a server killed after a message started its instance, before delivering to it (中断修复)', () => {
  const run = useKillAndRepair();

  it('the next server delivers the message to the instance started, once: one instance, one delivery, one step', async () => {
    const { dbName, db } = await run.database('messages-start-kill');
    const doomed = await run.doomed(dbName, 'messages.after-start');
    await deployAll(await ApiClient.login(doomed.url, 'designer'), [[CHECK, '市中心核查由乡镇消息启动']]);
    const clerk = await ApiClient.login(doomed.url, 'clerk');
    const { caseNo, instanceId: root } = await intake(clerk, 'report-up-item', '欧阳·娜仁');
    const supervisor = await ApiClient.login(doomed.url, 'supervisor');
    const body = { name: 'city-check-request', businessKey: caseNo, messageId: `check-kill-${caseNo}`, variables: { checkReason: '核查宅基地四至' } };
    await supervisor.post('/api/messages', body).catch(() => undefined);
    await run.killed(doomed);
    // killed between the start and the delivery: the instance waits at its message start, the message is held
    const held = await db.collection('messages').findOne({ _id: body.messageId as any });
    expect(held!.status).toBe('delivering');
    const instances = await db.collection('instances').find({ definitionKey: 'message-start-case', businessKey: caseNo }).toArray();
    expect(instances.map((i) => [i.status, i.rootInstanceId])).toEqual([['running', root]]);
    const id = String(instances[0]!._id);
    expect(await db.collection('revisions').countDocuments({ instanceId: id, 'command.type': 'message' })).toBe(0);

    const second = await run.next(dbName, { CASE_REPAIR_AFTER_MS: '1000', CASE_REPAIR_EVERY: '2 seconds' });
    const m = await waitFor(async () => {
      const doc = await db.collection('messages').findOne({ _id: body.messageId as any });
      return doc?.status === 'delivered' ? doc : undefined;
    }, 'the sweep to deliver the message', 60_000);
    expect(m).toMatchObject({ instanceId: id, elementId: 'check-requested', startedInstance: true, caseNo });
    const supervisor2 = await ApiClient.login(second.url, 'supervisor');
    const resent = await supervisor2.post('/api/messages', body);
    expect(resent.body).toMatchObject({ status: 'delivered', instanceId: id, replayed: true });
    expect(await db.collection('instances').countDocuments({ definitionKey: 'message-start-case', businessKey: caseNo })).toBe(1);
    expect(await db.collection('revisions').countDocuments({ instanceId: id, 'command.type': 'message' })).toBe(1);
    const clerk2 = await ApiClient.login(second.url, 'clerk');
    const c = await waitFor(async () => {
      const b = (await clerk2.get(`/api/cases/${id}`)).body;
      return b.openTasks?.length ? b : undefined;
    }, 'the check at its step');
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['city-check']);
    expect(c.variables).toMatchObject({ caseNo, checkReason: '核查宅基地四至' });
    expect(await db.collection('tasks').countDocuments({ instanceId: id })).toBe(1);
    const steps = ((await clerk2.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).filter((s) => s.elementId === 'city-check');
    expect(steps).toHaveLength(1);
    expect((await db.collection('instances').findOne({ _id: root as any }))!.messageStartedInstances).toEqual([{ instanceId: id, messageId: body.messageId, name: 'city-check-request' }]);
  }, 180_000);
});
