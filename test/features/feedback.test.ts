/**
 * The public's side of supervision through the HTTP API: complaints handled by the town
 * discipline commission within their own clock, and ratings whose poor marks open a
 * rectification with a deadline, a follow-up call and a re-rating.
 */
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { MongoClient } from 'mongodb';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('complaints and ratings', () => {
  let server: RunningProcess;
  const dbName = uniqueDbName('feedback');
  let clerk: ApiClient;
  let supervisor: ApiClient;
  const anon = () => new ApiClient(server.url);

  beforeAll(async () => {
    server = await startServer(dbName, { COMPLAINT_LIMIT: 'PT3S', RECTIFICATION_LIMIT: 'PT3S', FOLLOW_UP_SAMPLE_PERCENT: '0', LOOKUP_PER_MINUTE: '200' });
    clerk = await ApiClient.login(server.url, 'clerk');
    supervisor = await ApiClient.login(server.url, 'supervisor');
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('takes a complaint without login, lets the town discipline commission reply, and shows the reply only with the query code', async () => {
    const bad = await anon().post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'window' }, content: '窗口人员态度恶劣' });
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
    const r = await anon().post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'window', windowId: 'dingbao-w03' }, content: '窗口人员上班时间离岗，群众等候一小时', phone: '13600001111' });
    expect(r.status).toBe(201);
    expect(r.body.reference).toMatch(/^TS-DB-\d{8}-\d{4}$/);
    const jw = await ApiClient.login(server.url, 'dingbao-jw');
    const list = (await jw.get('/api/complaints')).body;
    const mine = list.find((c: any) => c.reference === r.body.reference);
    expect(mine.phone).toBe('136****1111');
    const otherTown = await ApiClient.login(server.url, 'dongzhen-jw');
    expect((await otherTown.get('/api/complaints')).body.map((c: any) => c.reference)).not.toContain(r.body.reference);
    expect((await otherTown.post(`/api/complaints/${r.body.reference}/reply`, { text: 'x' })).status).toBe(403);
    expect((await clerk.get('/api/complaints')).status).toBe(403);

    const before = await anon().post('/api/public/complaint-lookup', { reference: r.body.reference, queryCode: r.body.queryCode });
    expect(before.body).toMatchObject({ status: 'received', reply: null });
    expect((await jw.post(`/api/complaints/${r.body.reference}/reply`, { text: '经核查属实，已对当事人批评教育并通报' })).status).toBe(200);
    const after = await anon().post('/api/public/complaint-lookup', { reference: r.body.reference, queryCode: r.body.queryCode });
    expect(after.body.reply.text).toContain('批评教育');
    const wrong = await anon().post('/api/public/complaint-lookup', { reference: r.body.reference, queryCode: 'ZZZZZZ' });
    expect(wrong.status).toBe(404);
    expect(JSON.stringify(wrong.body)).not.toContain('批评教育');
  });

  it('answers a reply to a complaint older than the newest 500 with that complaint (a busy town\'s backlog)', async () => {
    const r = await anon().post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'window', windowId: 'dingbao-w05' }, content: '办理社保转移被要求反复提交同一材料', phone: '0871-65123456' });
    expect(r.status).toBe(201);
    // 600 newer complaints of the town (written straight into the real database: the public form is rate-limited)
    const db = await MongoClient.connect(dbUri(dbName));
    try {
      const col = db.db(dbName).collection('complaints');
      const old = await col.findOne({ _id: r.body.reference });
      expect(old).not.toBeNull();
      const later = Date.now() + 60_000;
      // copies of what the form filed, without its resend fingerprint (unique: each copy is another complaint)
      const { fingerprintSlot: _resendFingerprint, ...filed } = old!;
      await col.insertMany(Array.from({ length: 600 }, (_, k) => ({ ...filed, _id: `${r.body.reference}-N${k}` as any, createdAt: new Date(later + k * 1000), clockId: undefined })));
    } finally {
      await db.close();
    }
    const jw = await ApiClient.login(server.url, 'dingbao-jw');
    expect((await jw.get('/api/complaints')).body.map((c: any) => c.reference)).not.toContain(r.body.reference);
    const reply = await jw.post(`/api/complaints/${r.body.reference}/reply`, { text: '已责成窗口一次性告知所需材料' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ reference: r.body.reference, status: 'replied', reply: { text: '已责成窗口一次性告知所需材料' } });
    expect(reply.body.phone).not.toContain('65123456');
  });

  it('escalates a complaint the commission does not answer within its clock', async () => {
    const r = await anon().post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'person', person: '社会事务窗口A岗' }, content: '索要好处费，拖延办理' });
    const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.limitKind === 'complaint' && e.taskName?.includes(r.body.reference)), 'the complaint escalation', 20_000);
    expect(esc).toMatchObject({ source: 'clock', status: 'open', orgUnit: 'dingbao' });
    // named in Chinese where it is stored (it read "complaint超期")
    const db = await MongoClient.connect(dbUri(dbName));
    try {
      expect((await db.db(dbName).collection('escalations').findOne({ _id: esc.id }))?.escalationName).toBe('投诉答复时限超期');
    } finally {
      await db.close();
    }
  });

  it('a poor rating opens a rectification with a deadline, then a follow-up call, then a re-rating', async () => {
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const intake = (await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) })).body;
    const caseNo = intake.case.caseNo;
    const auth = { caseNo, queryCode: intake.queryCode };
    expect((await anon().post('/api/public/ratings', { ...auth, stage: 'completion', level: 5 })).status).toBe(422);
    expect((await anon().post('/api/public/ratings', { ...auth, stage: 'acceptance', level: 5, comment: '热情' })).status).toBe(201);
    expect((await anon().post('/api/public/ratings', { ...auth, stage: 'acceptance', level: 4 })).status).toBe(409);
    expect((await anon().post('/api/public/ratings', { caseNo, queryCode: 'ZZZZZZ', stage: 'acceptance', level: 1 })).status).toBe(404);
    const step = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps.find((s: any) => s.status === 'open'), 'open step');
    await clerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve' });
    await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.status === 'completed', 'completion');

    const poor = await anon().post('/api/public/ratings', { ...auth, stage: 'completion', level: 1, comment: '等了很久，没人解释' });
    expect(poor.status).toBe(201);
    expect(poor.body.label).toBe('非常不满意');
    const rectId = poor.body.rectificationTaskId;
    expect(rectId).toBeTruthy();
    expect((await anon().post('/api/public/ratings', { ...auth, stage: 're-rating', level: 4 })).status).toBe(422);
    // the rectification has its own clock: it breaches when nobody acts
    const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === caseNo && e.limitKind === 'step'), 'the rectification breach', 20_000);
    expect(esc.taskName).toBe('差评整改');
    const caseView = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(caseView.status).toBe('completed');
    const holder = await ApiClient.login(server.url, (await supervisorTask(rectId)).assignee);
    expect((await holder.post(`/api/tasks/${rectId}/complete`, {})).status).toBe(400);
    expect((await holder.post(`/api/tasks/${rectId}/complete`, { opinion: '已约谈窗口人员，增设叫号提示' })).status).toBe(200);
    const followUp = (await holder.get('/api/inbox?filter=mine')).body.find((t: any) => t.kind === 'follow-up' && t.caseNo === caseNo);
    expect(followUp).toBeTruthy();
    await holder.post(`/api/tasks/${followUp.id}/complete`, { opinion: '电话回访，申请人表示理解' });
    expect((await anon().post('/api/public/ratings', { ...auth, stage: 're-rating', level: 4, comment: '改进了' })).status).toBe(201);
    const ratings = (await clerk.get(`/api/service-cases/${caseNo}/ratings`)).body.map((r: any) => `${r.stage}:${r.level}`);
    expect(ratings).toEqual(['acceptance:5', 'completion:1', 're-rating:4']);
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body.map((e: any) => e.type);
    expect(audit).toEqual(expect.arrayContaining(['rating.given', 'rectification.opened', 'rectification.completed', 'follow-up.opened', 'follow-up.completed']));
  });

  async function supervisorTask(taskId: string) {
    const admin = await ApiClient.login(server.url, 'admin');
    const all = (await admin.get('/api/tasks?filter=all')).body as any[];
    const found = all.find((t) => t.id === taskId);
    if (found) return found;
    // not an engine task: read it from the inbox of the likely holders
    for (const u of ['manager', 'dingbao-manager']) {
      const c = await ApiClient.login(server.url, u);
      const t = (await c.get('/api/inbox?filter=mine')).body.find((x: any) => x.id === taskId);
      if (t) return t;
    }
    throw new Error(`task ${taskId} not found`);
  }
});
