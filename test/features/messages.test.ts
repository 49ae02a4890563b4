/**
 * Messages between instances and from external senders (消息, issue 15), end to end through real
 * HTTP, the real engine and the embedded FerretDB: a town case (test/fixtures/message-town-receipt.bpmn)
 * waits in a receive task for the material receipt (材料回执) and later at an intermediate catch
 * event for the city's result (市中心结果). POST /api/messages delivers to the one instance of the
 * business key (the case number) waiting on that name, exactly once; a message that arrives before
 * its catch waits is kept `pending` and taken by the revision that reaches the catch; a message
 * nobody waits for stays pending and listed; a resend with the same messageId delivers nothing
 * again; a town clerk — of this town or another — cannot post one.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { deployAll, useDeployedServer, useKillAndRepair } from '../helpers/deploy';
import { dbUri } from '../helpers/server';

const TOWN = fixture('message-town-receipt.bpmn');
/** The city's own process: 市中心审批, then an intermediate throw of city-result with cityOpinion and cityApprovedBy. */
const CITY = fixture('message-city-result.bpmn');

describe('messages between instances (消息)', () => {
  const server = useDeployedServer('messages', {}, [
    [TOWN, '上报件改为消息往来：材料回执与市中心结果'],
    [CITY, '市中心审批结果以消息回复镇窗口'],
  ]);
  const { designer, clerk, admin, supervisor } = server;

  let seq = 0;
  /** Starts a town case whose business key is a case number of its own. */
  async function startCase() {
    const caseNo = `DB2026120700${++seq}X`;
    const r = await clerk.post('/api/cases', { definitionKey: 'message-town', businessKey: caseNo, variables: { caseNo, applicantName: '阿卜杜·热合曼', mobile: '13800138000', windowPhone: '0750-1234567' } });
    expect([r.status, r.body?.code]).toEqual([201, undefined]);
    return { caseNo, id: r.body.id as string };
  }
  const caseOf = async (id: string) => (await clerk.get(`/api/cases/${id}`)).body;
  const openSteps = async (id: string) => ((await caseOf(id)).openTasks as any[]).map((t) => t.elementId);
  const revisionCount = async (id: string) => ((await caseOf(id)).history as any[]).filter((e) => e.type === 'activity.end' && e.elementId === 'receipt').length;

  async function completeStep(id: string, elementId: string, variables: Record<string, unknown> = {}) {
    const task = await waitFor(async () => ((await caseOf(id)).openTasks as any[]).find((t) => t.elementId === elementId), `step ${elementId}`);
    const r = await clerk.post(`/api/tasks/${task.id}/complete`, { variables });
    expect([r.status, r.body?.code]).toEqual([200, undefined]);
  }

  it('delivers to the instance waiting in its receive task, with the message variables, and a resend with the same messageId delivers nothing again', async () => {
    const { caseNo, id } = await startCase();
    expect(await openSteps(id)).toEqual([]);
    const sent = await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, variables: { receiptNo: 'HZ-0750-1234567' }, messageId: `receipt-${caseNo}` });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ id: `receipt-${caseNo}`, status: 'delivered', instanceId: id, elementId: 'receipt' });
    const c = await caseOf(id);
    expect(c.variables.receiptNo).toBe('HZ-0750-1234567');
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['report']);

    // the answer was lost: the sender resends — the same answer, nothing delivered twice
    const again = await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, variables: { receiptNo: 'HZ-0750-1234567' }, messageId: `receipt-${caseNo}` });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: `receipt-${caseNo}`, status: 'delivered', instanceId: id, revision: sent.body.revision, replayed: true });
    expect(await revisionCount(id)).toBe(1);
    expect((await caseOf(id)).revision).toBe(c.revision);

    // the same id for another message is refused, not delivered
    const reused = await supervisor.post('/api/messages', { name: 'city-result', businessKey: caseNo, messageId: `receipt-${caseNo}` });
    expect([reused.status, reused.body.code, reused.contentType]).toEqual([409, 'MESSAGE_ID_REUSED', expect.stringContaining('application/problem+json')]);

    // a second receipt (another id) finds nothing waiting on that name any more: kept pending
    const second = await designer.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, variables: { receiptNo: 'HZ-2' } });
    expect(second.body).toMatchObject({ status: 'pending' });
    expect(second.body.instanceId).toBeUndefined();
    expect((await caseOf(id)).variables.receiptNo).toBe('HZ-0750-1234567');
  });

  it('a message that arrives before its catch waits is kept pending and taken by the revision that reaches the catch', async () => {
    const { caseNo, id } = await startCase();
    const early = await supervisor.post('/api/messages', { name: 'city-result', businessKey: caseNo, variables: { cityOpinion: '予以批准' } });
    expect(early.body).toMatchObject({ status: 'pending' });
    const pending = (await admin.get('/api/messages?status=pending')).body as any[];
    expect(pending.find((m) => m.id === early.body.id)).toMatchObject({ name: 'city-result', businessKey: caseNo, status: 'pending' });

    const receipt = await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo });
    expect(receipt.body).toMatchObject({ status: 'delivered', instanceId: id });
    expect((await caseOf(id)).variables.cityOpinion).toBeUndefined();
    // completing 镇窗口上报 reaches the catch: the pending city result is delivered on that command
    await completeStep(id, 'report');
    const c = await caseOf(id);
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['notify']);
    expect(c.variables.cityOpinion).toBe('予以批准');
    const delivered = (await admin.get('/api/messages?status=delivered')).body as any[];
    expect(delivered.find((m) => m.id === early.body.id)).toMatchObject({ status: 'delivered', instanceId: id, elementId: 'city-result' });
    expect(((await admin.get('/api/messages?status=pending')).body as any[]).some((m) => m.id === early.body.id)).toBe(false);
  });

  it('delivers only to the instance whose variables equal the correlation keys', async () => {
    const { caseNo, id } = await startCase();
    const wrong = await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, correlationKeys: { mobile: '13900139000' } });
    expect(wrong.body).toMatchObject({ status: 'pending' });
    expect(await openSteps(id)).toEqual([]);
    const right = await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, correlationKeys: { mobile: '13800138000' } });
    expect(right.body).toMatchObject({ status: 'delivered', instanceId: id });
  });

  it('a message boundary event on a step (申请人撤回) takes its message: the step is cancelled and the case ends there', async () => {
    const { caseNo, id } = await startCase();
    await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo });
    await completeStep(id, 'report');
    await supervisor.post('/api/messages', { name: 'city-result', businessKey: caseNo, variables: { cityOpinion: '予以批准' } });
    expect(await openSteps(id)).toEqual(['notify']);
    const w = await supervisor.post('/api/messages', { name: 'applicant-withdraw', businessKey: caseNo, variables: { withdrawReason: '申请人·本人撤回' } });
    expect(w.body).toMatchObject({ status: 'delivered', instanceId: id, elementId: 'withdrawn' });
    const c = await caseOf(id);
    expect(c.status).toBe('completed');
    expect(c.openTasks).toEqual([]);
    expect(c.variables.withdrawReason).toBe('申请人·本人撤回');
    expect(c.tasks.find((t: any) => t.elementId === 'notify').status).toBe('cancelled');
  });

  it('a message nobody waits for stays pending and visible to admins', async () => {
    const sent = await supervisor.post('/api/messages', { name: 'no-one-waits', businessKey: 'DB20261207999X', variables: { note: '无人等待' } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'pending', name: 'no-one-waits' });
    const list = await admin.get('/api/messages?status=pending');
    expect(list.status).toBe(200);
    expect((list.body as any[]).find((m) => m.id === sent.body.id)).toMatchObject({ businessKey: 'DB20261207999X', status: 'pending', sentBy: 'supervisor' });
    // only admins list them
    expect((await supervisor.get('/api/messages?status=pending')).status).toBe(403);
  });

  it('a message whose name is a deployed process’s message start event starts a new instance of it, once per messageId', async () => {
    const d = await designer.deployXml(fixture('message-start-city.bpmn'), '市中心流程由乡镇上报消息启动');
    expect([d.status, d.body?.code]).toEqual([201, undefined]);
    const caseNo = 'DB20261207099X';
    const body = { name: 'report-up-request', businessKey: caseNo, messageId: `report-up-${caseNo}`, variables: { townOpinion: '材料齐全，同意上报', applicantName: '诸葛·明远', mobile: '13800138000' } };
    const sent = await supervisor.post('/api/messages', body);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'delivered', name: 'report-up-request', businessKey: caseNo, elementId: 'report-received' });
    const started = (await admin.get(`/api/cases/${sent.body.instanceId}`)).body;
    expect(started).toMatchObject({ definitionKey: 'message-start-city', businessKey: caseNo, status: 'running' });
    expect(started.variables).toMatchObject({ townOpinion: '材料齐全，同意上报', applicantName: '诸葛·明远' });
    expect(started.openTasks.map((t: any) => t.elementId)).toEqual(['city-review']);
    // the same message again: replayed, nothing started
    const again = await supervisor.post('/api/messages', body);
    expect(again.body).toMatchObject({ replayed: true, status: 'delivered', instanceId: sent.body.instanceId });
    const mongo = await MongoClient.connect(dbUri(server.dbName));
    try {
      expect(await mongo.db().collection('instances').countDocuments({ definitionKey: 'message-start-city', businessKey: caseNo })).toBe(1);
    } finally {
      await mongo.close();
    }
    // another message of that name (another id) starts another instance, as Camunda does
    const other = await supervisor.post('/api/messages', { ...body, messageId: `report-up-${caseNo}-2` });
    expect(other.body.status).toBe('delivered');
    expect(other.body.instanceId).not.toBe(sent.body.instanceId);
  });

  it('refuses town clerks (this town and another) with 403, and bad input with 400 problem+json', async () => {
    const { caseNo, id } = await startCase();
    const other = await server.as('dongzhen-w10-a');
    for (const who of [clerk, other]) {
      const r = await who.post('/api/messages', { name: 'material-receipt', businessKey: caseNo });
      expect([r.status, r.body.code]).toEqual([403, 'ROLE_REQUIRED']);
    }
    expect(await openSteps(id)).toEqual([]);
    for (const body of [{}, { name: 'material-receipt' }, { name: '<script>', businessKey: caseNo }, { name: 'material-receipt', businessKey: caseNo, variables: { caseNo: 'DB1' } }, { name: 'material-receipt', businessKey: caseNo, variables: [1] }, { name: 'material-receipt', businessKey: caseNo, messageId: 'a/b' }]) {
      const r = await supervisor.post('/api/messages', body);
      expect([r.status, r.contentType.includes('application/problem+json'), typeof r.body.code]).toEqual([400, true, 'string']);
    }
    expect((await admin.get('/api/messages?status=nonsense')).status).toBe(400);
    expect(await openSteps(id)).toEqual([]);
  });

  it('the city process\'s throw event delivers its result to the town instance of the same case number, once (before and after the town waits)', async () => {
    const cityclerk = await server.as('cityclerk');
    const startCity = async (caseNo: string) => {
      const r = await cityclerk.post('/api/cases', { definitionKey: 'message-city', businessKey: caseNo, variables: { caseNo } });
      expect([r.status, r.body?.code]).toEqual([201, undefined]);
      return r.body.id as string;
    };
    const approve = async (cityId: string, cityOpinion: string) => {
      const task = ((await cityclerk.get(`/api/cases/${cityId}`)).body.openTasks as any[]).find((t) => t.elementId === 'approve');
      const r = await cityclerk.post(`/api/tasks/${task.id}/complete`, { variables: { cityOpinion, cityApprovedBy: '陈志强', cityInternalNote: '内部意见，不回复' } });
      expect([r.status, r.body?.code]).toEqual([200, undefined]);
    };

    // the town waits at 等市中心结果 before the city decides
    const town = await startCase();
    await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: town.caseNo });
    await completeStep(town.id, 'report');
    expect(await openSteps(town.id)).toEqual([]);
    const cityId = await startCity(town.caseNo);
    await approve(cityId, '予以批准');
    expect((await cityclerk.get(`/api/cases/${cityId}`)).body.status).toBe('completed');
    const t = await caseOf(town.id);
    expect(t.openTasks.map((x: any) => x.elementId)).toEqual(['notify']);
    expect(t.variables).toMatchObject({ cityOpinion: '予以批准', cityApprovedBy: '陈志强' });
    expect(t.variables.cityInternalNote).toBeUndefined();
    const fromCity = ((await admin.get('/api/messages?status=delivered')).body as any[]).filter((m) => m.fromInstanceId === cityId);
    expect(fromCity).toEqual([expect.objectContaining({ name: 'city-result', businessKey: town.caseNo, status: 'delivered', instanceId: town.id, elementId: 'city-result', sentBy: 'system' })]);

    // the city decides before the town waits: its message is kept and taken when the town reaches the catch
    const early = await startCase();
    const earlyCity = await startCity(early.caseNo);
    await approve(earlyCity, '不予批准：材料不全');
    const kept = ((await admin.get('/api/messages?status=pending')).body as any[]).filter((m) => m.fromInstanceId === earlyCity);
    expect(kept).toEqual([expect.objectContaining({ name: 'city-result', businessKey: early.caseNo, status: 'pending' })]);
    await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: early.caseNo });
    await completeStep(early.id, 'report');
    const e = await caseOf(early.id);
    expect(e.openTasks.map((x: any) => x.elementId)).toEqual(['notify']);
    expect(e.variables.cityOpinion).toBe('不予批准：材料不全');
  });
});

describe('a server killed after the delivering revision, before the message was marked (中断修复)', () => {
  const run = useKillAndRepair();

  it('the next server’s sweep finds the revision that took the message and marks it delivered; nothing is delivered twice', async () => {
    const { dbName, db } = await run.database('messages-kill');
    const doomed = await run.doomed(dbName, 'messages.after-delivery');
    await deployAll(await ApiClient.login(doomed.url, 'designer'), [[TOWN, '上报件改为消息往来']]);
    const clerk = await ApiClient.login(doomed.url, 'clerk');
    const caseNo = 'DB20261207123X';
    const started = await clerk.post('/api/cases', { definitionKey: 'message-town', businessKey: caseNo, variables: { caseNo } });
    expect(started.status).toBe(201);
    const instanceId: string = started.body.id;
    const supervisor = await ApiClient.login(doomed.url, 'supervisor');
    await supervisor.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, variables: { receiptNo: 'HZ-0750-1234567' }, messageId: 'receipt-kill-1' }).catch(() => undefined);
    await run.killed(doomed);
    expect((await db.collection('messages').findOne({ _id: 'receipt-kill-1' as any }))!.status).toBe('delivering');
    expect(await db.collection('revisions').countDocuments({ instanceId, 'command.type': 'message', 'command.messageId': 'receipt-kill-1' })).toBe(1);

    const second = await run.next(dbName);
    const m = await waitFor(async () => {
      const doc = await db.collection('messages').findOne({ _id: 'receipt-kill-1' as any });
      return doc?.status === 'delivered' ? doc : undefined;
    }, 'the sweep to mark the message delivered', 45_000);
    expect(m).toMatchObject({ instanceId, elementId: 'receipt' });
    const supervisor2 = await ApiClient.login(second.url, 'supervisor');
    const resent = await supervisor2.post('/api/messages', { name: 'material-receipt', businessKey: caseNo, variables: { receiptNo: 'HZ-0750-1234567' }, messageId: 'receipt-kill-1' });
    expect(resent.body).toMatchObject({ status: 'delivered', instanceId, replayed: true });
    expect(await db.collection('revisions').countDocuments({ instanceId, 'command.type': 'message' })).toBe(1);
    const clerk2 = await ApiClient.login(second.url, 'clerk');
    const c = await waitFor(async () => {
      const body = (await clerk2.get(`/api/cases/${instanceId}`)).body;
      return body.openTasks?.length ? body : undefined;
    }, 'the case at 镇窗口上报');
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['report']);
    expect(c.variables.receiptNo).toBe('HZ-0750-1234567');
    expect(await db.collection('tasks').countDocuments({ instanceId, elementId: 'report' })).toBe(1);
  });
});
