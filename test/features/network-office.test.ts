/**
 * The network office system through the HTTP API, as the real people use it: town clerks, the
 * city clerk, department windows, the applicant's lookup — against the embedded FerretDB, with
 * the real engine and real server processes.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('network office system: org model, catalogue, intake and the five categories', () => {
  const dbName = uniqueDbName('netoffice');
  let server: RunningProcess;
  let mongo: MongoClient;
  let clerk: ApiClient; // 丁堡镇 综合窗口 A岗 (first-inquiry responsible person)
  let admin: ApiClient;
  let items: any[];
  let dingbaoWindows: any[];
  let cityWindows: any[];
  const anon = () => new ApiClient(server.url);
  const sessions = new Map<string, ApiClient>();
  const as = async (username: string) => {
    if (!sessions.has(username)) sessions.set(username, await ApiClient.login(server.url, username));
    return sessions.get(username)!;
  };
  const item = (procedure: string) => {
    const it = items.find((i) => i.procedure === procedure);
    if (!it) throw new Error(`catalogue has no item with procedure ${procedure}`);
    return it;
  };
  const fullMaterials = (it: any) => it.materials.map((m: any) => ({ code: m.code, provided: true }));
  const windowOf = (windows: any[], department: string) => windows.find((w) => w.department === department);
  const openTask = async (caseNo: string, elementId: string, who: ApiClient = clerk) =>
    waitFor(async () => {
      const c = (await who.get(`/api/service-cases/${caseNo}`)).body;
      return c.steps?.find((s: any) => s.elementId === elementId && s.status === 'open' && s.kind === 'engine');
    }, `open step ${elementId} of ${caseNo}`);

  beforeAll(async () => {
    server = await startServer(dbName, { ALLOW_LIMIT_OVERRIDES: 'true' });
    mongo = await MongoClient.connect(dbUri(dbName));
    clerk = await as('clerk');
    admin = await as('admin');
    items = (await admin.get('/api/items')).body;
    dingbaoWindows = (await admin.get('/api/org/units/dingbao/windows')).body;
    cityWindows = (await admin.get('/api/org/units/city/windows')).body;
  });
  afterAll(async () => {
    await mongo?.close();
    await server?.kill();
  });

  describe('org model and catalogue', () => {
    it('has the city and the 19 towns, each town with 12 windows staffed on an A and a B post', async () => {
      const units = (await admin.get('/api/org/units')).body;
      expect(units).toHaveLength(20);
      expect(units[0]).toMatchObject({ id: 'city', level: 'city' });
      expect(units.map((u: any) => u.shortName)).toEqual(expect.arrayContaining(['东镇街道', '玉都街道', '丁堡镇', '水口镇', '北界镇']));
      expect(dingbaoWindows).toHaveLength(12);
      for (const w of dingbaoWindows) {
        expect(w.postA.username).toBeTruthy();
        expect(w.postB.username).toBeTruthy();
        expect(w.postA.username).not.toBe(w.postB.username);
        expect(w.receiver).toBe(w.postA.username);
      }
      const comprehensive = dingbaoWindows.find((w: any) => w.kind === 'comprehensive' && w.postA.username === 'clerk');
      expect(comprehensive.accepts.length).toBeGreaterThanOrEqual(9);
      const filings = (await admin.get('/api/org/filings?orgUnit=dingbao')).body;
      expect(filings.filter((f: any) => f.kind === 'window.registered')).toHaveLength(12);
    });

    it('serves the five disclosures of an item publicly, and lists per town and per department', async () => {
      const it = item('report-up-item');
      const guide = await anon().get(`/api/public/items/${it.code}`);
      expect(guide.status).toBe(200);
      expect(Object.keys(guide.body.disclosures).sort()).toEqual(['fees', 'materials', 'name', 'procedure', 'timeLimit']);
      expect(guide.body.disclosures.procedure.steps.map((s: any) => s.elementId)).toEqual(expect.arrayContaining(['town-review', 'city-approval']));
      expect(guide.body.disclosures.timeLimit.statutoryWorkingDays).toBeGreaterThanOrEqual(guide.body.disclosures.timeLimit.promisedWorkingDays);
      const town = (await anon().get('/api/public/towns/dingbao/items')).body;
      expect(town.length).toBe(items.length);
      expect(town.every((x: any) => x.window)).toBe(true);
      const dept = (await anon().get(`/api/public/departments/${it.department}/items`)).body;
      expect(dept.map((x: any) => x.code)).toContain(it.code);
      expect((await anon().get('/api/public/items/NOPE-999')).status).toBe(404);
    });

    it('lets the agriculture window publish to its town notice board, with expiry', async () => {
      const agri = windowOf(dingbaoWindows, 'agri-forestry-water');
      const agriClerk = await as(agri.postA.username);
      const post = await agriClerk.post('/api/info-posts', { windowId: agri.id, kind: 'produce-price', title: '本周荔枝收购价', body: '妃子笑 12 元/公斤', expireAt: new Date(Date.now() + 86_400_000).toISOString() });
      expect(post.status).toBe(201);
      const expired = await agriClerk.post('/api/info-posts', { windowId: agri.id, kind: 'notice', title: '旧通知', body: '已过期', publishAt: new Date(Date.now() - 3 * 86_400_000).toISOString(), expireAt: new Date(Date.now() - 86_400_000).toISOString() });
      expect(expired.status).toBe(201);
      const board = (await anon().get('/api/public/towns/dingbao/board')).body;
      expect(board.map((p: any) => p.title)).toContain('本周荔枝收购价');
      expect(board.map((p: any) => p.title)).not.toContain('旧通知');
      // a clerk of another window cannot publish for this one
      const other = await clerk.post('/api/info-posts', { windowId: agri.id, kind: 'notice', title: 'x', body: 'y', expireAt: new Date(Date.now() + 86_400_000).toISOString() });
      expect(other.status).toBe(403);
    });
  });

  describe('immediate (即办件)', () => {
    it('is accepted, done at the window in one step, and the applicant looks it up with number and query code', async () => {
      const it = item('immediate-item');
      const r = await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant('李秀英', '13912345678'), materials: fullMaterials(it) });
      expect(r.status).toBe(201);
      const { case: c, queryCode } = r.body;
      expect(c.caseNo).toMatch(/^DB-\d{8}-\d{4}$/);
      expect(queryCode).toMatch(/^[2-9A-Z]{6}$/);
      expect(c).toMatchObject({ category: 'immediate', status: 'in-progress', responsible: 'clerk' });
      expect(c.notices.map((n: any) => n.kind)).toEqual(['acceptance']);
      const step = await openTask(c.caseNo, 'window-handle');
      expect(step.assignee).toBe('clerk');
      const done = await clerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，当场办结' });
      expect(done.status).toBe(200);
      const ended = await waitFor(async () => {
        const x = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
        return x.status === 'completed' ? x : undefined;
      }, 'the case to complete');
      expect(ended.outcome).toBe('approved');
      expect(ended.notices.map((n: any) => n.kind)).toEqual(['acceptance', 'completion']);
      const html = await clerk.request('GET', `/api/service-cases/${c.caseNo}/notices/${ended.notices[1].id}`, undefined, { accept: 'text/html' });
      expect(html.contentType).toContain('text/html');
      expect(html.body).toContain(c.caseNo);
      expect(html.body).not.toContain('<script');

      const look = await anon().post('/api/public/case-lookup', { caseNo: c.caseNo, queryCode });
      expect(look.status).toBe(200);
      expect(look.body).toMatchObject({ caseNo: c.caseNo, status: 'completed' });
      expect(JSON.stringify(look.body)).not.toContain('李秀英');
      const byPhone = await anon().post('/api/public/case-lookup', { caseNo: c.caseNo, phone: '13912345678' });
      expect(byPhone.status).toBe(200);
      // the phone as people type it
      expect((await anon().post('/api/public/case-lookup', { caseNo: c.caseNo, phone: '+86 139 1234 5678' })).status).toBe(200);
      const wrong = await anon().post('/api/public/case-lookup', { caseNo: c.caseNo, queryCode: 'ZZZZZZ' });
      const unknown = await anon().post('/api/public/case-lookup', { caseNo: 'DB-20000101-9999', queryCode });
      expect(wrong.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(wrong.body.detail).toBe(unknown.body.detail);
      expect(wrong.contentType).toContain('application/problem+json');
      const numberOnly = await anon().post('/api/public/case-lookup', { caseNo: c.caseNo });
      expect(numberOnly.status).toBe(400);
    });
  });

  describe('supplement (补办件) and one-time notification (一次性告知)', () => {
    it('names every missing material at once, refuses a second notice that could have been the first, and goes on when the materials arrive', async () => {
      const it = items.find((i) => i.materials.filter((m: any) => m.requirement === 'mandatory').length >= 3)!;
      const mandatory = it.materials.filter((m: any) => m.requirement === 'mandatory');
      const handed = it.materials.map((m: any, i: number) => ({ code: m.code, provided: m.code !== mandatory[0].code, ...(m.code === mandatory[1].code ? { defect: '复印件不清晰' } : {}) }));
      const r = await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: handed });
      expect(r.status).toBe(201);
      const c = r.body.case;
      expect(c).toMatchObject({ category: 'supplement', status: 'awaiting-supplement' });
      expect(c.supplementRounds[0].materials.map((m: any) => m.code).sort()).toEqual([mandatory[0].code, mandatory[1].code].sort());
      const notice = (await clerk.get(`/api/service-cases/${c.caseNo}/notices/${c.notices[0].id}`)).body;
      expect(notice.title).toContain('一次性告知');
      expect(notice.text).toContain(mandatory[0].name);
      expect(notice.text).toContain(mandatory[1].name);
      // the applicant sees what is awaited
      const look = (await anon().post('/api/public/case-lookup', { caseNo: c.caseNo, queryCode: r.body.queryCode })).body;
      expect(look.awaitingMaterials).toHaveLength(2);

      // a second notice naming a material handed in (and accepted) at intake is refused and counted
      const second = await clerk.post(`/api/service-cases/${c.caseNo}/supplement-notices`, { materials: [{ code: mandatory[2].code, reason: '签名缺失' }] });
      expect(second.status).toBe(422);
      expect(second.body.code).toBe('ONE_TIME_NOTICE_VIOLATION');
      const violations = await mongo.db(dbName).collection('violations').find({ caseNo: c.caseNo }).toArray();
      expect(violations).toHaveLength(1);
      expect(violations[0].windowId).toBe(c.receivingWindow);

      // the applicant brings one of the two: still waiting
      const part = await clerk.post(`/api/service-cases/${c.caseNo}/supplements`, { materials: [{ code: mandatory[0].code, provided: true }] });
      expect(part.body.status).toBe('awaiting-supplement');
      // a problem in a material handed in with the supplement may be notified
      const allowed = await clerk.post(`/api/service-cases/${c.caseNo}/supplement-notices`, { materials: [{ code: mandatory[0].code, reason: '补交的证明未加盖公章' }] });
      expect(allowed.status).toBe(201);
      const done = await clerk.post(`/api/service-cases/${c.caseNo}/supplements`, {
        materials: [
          { code: mandatory[0].code, provided: true },
          { code: mandatory[1].code, provided: true },
        ],
      });
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('in-progress');
      expect(done.body.acceptedAt).toBeTruthy();
      expect(done.body.notices.map((n: any) => n.kind)).toEqual(['one-time', 'one-time', 'acceptance']);
    });
  });

  describe('supplement during review (补正): the clock waits', () => {
    it('pauses the case clocks while the applicant supplements, and resumes them when the materials arrive', async () => {
      const it = item('supplement-item');
      const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: fullMaterials(it) })).body.case;
      const accept = await openTask(c.caseNo, 'accept');
      await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve' });
      const review = await openTask(c.caseNo, 'review');
      const reviewer = await as(review.assignee);
      expect(review.windowId).toBe(windowOf(dingbaoWindows, it.department).id);
      await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'supplement', opinion: '宅基地四至界线图缺村委会盖章' });
      const wait = await openTask(c.caseNo, 'await-supplement');
      expect(wait.assignee).toBe('clerk');
      const paused = await waitFor(async () => {
        const clocks = (await clerk.get(`/api/service-cases/${c.caseNo}/clocks`)).body;
        const p = clocks.find((k: any) => k.kind === 'promised');
        return p?.status === 'paused' ? p : undefined;
      }, 'the promised clock to pause');
      expect(paused.dueAt).toBeUndefined();
      expect(paused.pauses[0]).toMatchObject({ kind: 'supplement' });
      await clerk.post(`/api/tasks/${wait.taskId}/complete`, { decision: 'done', opinion: '补正材料已到件' });
      const resumed = await waitFor(async () => {
        const p = (await clerk.get(`/api/service-cases/${c.caseNo}/clocks`)).body.find((k: any) => k.kind === 'promised');
        return p?.status === 'running' ? p : undefined;
      }, 'the promised clock to run again');
      expect(resumed.pauses[0].to).toBeTruthy();
      expect(resumed.dueAt).toBeTruthy();
      const review2 = await openTask(c.caseNo, 'review');
      await reviewer.post(`/api/tasks/${review2.taskId}/complete`, { decision: 'approve', opinion: '同意' });
      const notify = await openTask(c.caseNo, 'notify-result');
      await clerk.post(`/api/tasks/${notify.taskId}/complete`, { decision: 'done' });
      const ended = await waitFor(async () => {
        const x = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
        return x.status === 'completed' ? x : undefined;
      }, 'completion');
      expect(ended.outcome).toBe('approved');
    });
  });

  describe('report-up (上报件): town review → city → back to the town', () => {
    it('moves through the town department window, the city window and back to the responsible clerk, with the proxy record', async () => {
      const it = item('report-up-item');
      const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant('黄志强'), materials: fullMaterials(it) })).body.case;
      expect(c.category).toBe('report-up');
      const accept = await openTask(c.caseNo, 'town-accept');
      expect(accept.assignee).toBe('clerk');
      await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '受理' });

      const townWindow = windowOf(dingbaoWindows, it.department);
      const review = await openTask(c.caseNo, 'town-review');
      expect(review).toMatchObject({ windowId: townWindow.id, assignee: townWindow.postA.username, post: 'A', orgUnit: 'dingbao' });
      const townReviewer = await as(townWindow.postA.username);
      expect((await townReviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve', opinion: '初审同意，上报市中心' })).status).toBe(200);

      const cityWindow = windowOf(cityWindows, it.department);
      const city = await openTask(c.caseNo, 'city-approval');
      expect(city).toMatchObject({ orgUnit: 'city', windowId: cityWindow.id, assignee: cityWindow.postA.username });
      const cityClerk = await as(cityWindow.postA.username);
      // the city sees the case in its inbox with its materials
      const inbox = (await cityClerk.get('/api/inbox?filter=mine')).body;
      expect(inbox.map((t: any) => t.id)).toContain(city.taskId);
      const cityView = (await cityClerk.get(`/api/service-cases/${c.caseNo}`)).body;
      expect(cityView.materials.length).toBe(it.materials.length);
      // the city returns it to the town review once (退回), the town reviews again
      const ret = await cityClerk.post(`/api/tasks/${city.taskId}/return`, { reason: '请补充村委会意见' });
      expect(ret.status).toBe(200);
      const review2 = await openTask(c.caseNo, 'town-review');
      expect(review2.taskId).not.toBe(review.taskId);
      await townReviewer.post(`/api/tasks/${review2.taskId}/complete`, { decision: 'approve', opinion: '已补充村委会意见' });
      const city2 = await openTask(c.caseNo, 'city-approval');
      // the town follows progress: the case is at the city now
      const townView = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
      expect(townView.steps.find((s: any) => s.taskId === city2.taskId).orgUnit).toBe('city');
      await cityClerk.post(`/api/tasks/${city2.taskId}/complete`, { decision: 'approve', opinion: '同意' });

      const notify = await openTask(c.caseNo, 'town-notify-result');
      expect(notify.assignee).toBe('clerk');
      await clerk.post(`/api/tasks/${notify.taskId}/complete`, { decision: 'done', opinion: '已电话通知申请人领取' });
      const ended = await waitFor(async () => {
        const x = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
        return x.status === 'completed' ? x : undefined;
      }, 'completion');
      const types = ended.proxyRecord.map((e: any) => e.type);
      expect(types).toContain('report-up');
      expect(types).toContain('return-to-town');
      expect(ended.proxyRecord.find((e: any) => e.type === 'report-up')).toMatchObject({ fromOrgUnit: 'dingbao', toOrgUnit: 'city', toWindow: cityWindow.id });
      const audit = (await clerk.get(`/api/service-cases/${c.caseNo}/audit`)).body.map((e: any) => e.type);
      expect(audit).toEqual(expect.arrayContaining(['case.received', 'case.accepted', 'task.opened', 'task.completed', 'task.returned', 'case.handed-over', 'notice.issued', 'case.ended']));
      // a clerk of another town cannot read it
      const other = await as('dongzhen-w10-a');
      expect((await other.get(`/api/service-cases/${c.caseNo}`)).status).toBe(404);
    });
  });

  describe('A/B posts (A/B 岗)', () => {
    it('sends new tasks to B while A is away, moves untouched tasks to B and back, and never leaves a window without a receiver', async () => {
      const it = item('report-up-item');
      const w = windowOf(dingbaoWindows, it.department);
      const A = w.postA.username;
      const B = w.postB.username;
      const start = async () => {
        const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: fullMaterials(it) })).body.case;
        const a = await openTask(c.caseNo, 'town-accept');
        await clerk.post(`/api/tasks/${a.taskId}/complete`, { decision: 'approve' });
        return { c, review: await openTask(c.caseNo, 'town-review') };
      };
      const first = await start();
      expect(first.review.assignee).toBe(A);

      const a = await as(A);
      // B cannot go away too without a stand-in once A is away; A goes first
      const away = await a.request('PUT', `/api/org/staff/${A}/duty`, { status: 'away', reason: '参加培训' });
      expect(away.status).toBe(200);
      expect(away.body.movedTasks).toBeGreaterThanOrEqual(1);
      const moved = (await clerk.get(`/api/service-cases/${first.c.caseNo}`)).body.steps.find((s: any) => s.taskId === first.review.taskId);
      expect(moved.assignee).toBe(B);
      const second = await start();
      expect(second.review).toMatchObject({ assignee: B, post: 'B' });

      const b = await as(B);
      const last = await b.request('PUT', `/api/org/staff/${B}/duty`, { status: 'away', reason: '病假' });
      expect(last.status).toBe(422);
      expect(last.body.code).toBe('LAST_RECEIVER');
      expect(last.contentType).toContain('application/problem+json');

      // B takes up the second task (claim) but leaves the first untouched
      expect((await b.post(`/api/tasks/${second.review.taskId}/claim`, { reason: '顶岗签收' })).status).toBe(200);
      const back = await a.request('PUT', `/api/org/staff/${A}/duty`, { status: 'present' });
      expect(back.status).toBe(200);
      const steps = (await clerk.get(`/api/service-cases/${first.c.caseNo}`)).body.steps;
      expect(steps.find((s: any) => s.taskId === first.review.taskId).assignee).toBe(A);
      const steps2 = (await clerk.get(`/api/service-cases/${second.c.caseNo}`)).body.steps;
      expect(steps2.find((s: any) => s.taskId === second.review.taskId).assignee).toBe(B);
    });
  });

  describe('joint (联办件)', () => {
    it('runs each department’s review in parallel (department-review, called once per department of the item) with its own limit; late ones escalate; the receiving window notifies the combined result', async () => {
      const it = item('joint-approval-item');
      expect(it.jointDepartments.length).toBeGreaterThanOrEqual(3);
      const r = await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant('梁伟明'), materials: fullMaterials(it), limitOverrides: { deptReviewLimit: 'PT2S' } });
      expect(r.status).toBe(201);
      const c = r.body.case;
      expect(c.category).toBe('joint');
      const accept = await openTask(c.caseNo, 'joint-accept');
      await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve' });
      const parallel = await waitFor(async () => {
        const x = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
        const open = x.steps.filter((s: any) => s.status === 'open' && s.elementId === 'dept-review');
        return open.length === it.jointDepartments.length ? open : undefined;
      }, 'the departments’ parallel reviews');
      // one window per department of the item, in the case's town
      expect(c.orgUnit).toBe('dingbao');
      expect(new Set(parallel.map((s: any) => s.windowId))).toEqual(new Set(it.jointDepartments.map((d: string) => windowOf(dingbaoWindows, d).id)));
      // the land review is late: an escalation names it (its own called instance and step)
      const supervisor = await as('supervisor');
      const landStep = parallel.find((s: any) => s.windowId === windowOf(dingbaoWindows, 'land').id);
      const instanceId = landStep.taskId.split(':')[0];
      const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseId === instanceId), 'the land escalation', 20_000);
      expect(esc.taskElementId).toBe('dept-review');
      // the diagram's boundary timer and the step's own clock (环节时限) are one lateness: one escalation with the facts of both
      const ofStep = async () => (await supervisor.get('/api/escalations')).body.filter((e: any) => e.caseId === instanceId || (e.caseNo === c.caseNo && e.limitKind === 'step' && e.taskId === landStep.taskId));
      const joined = await waitFor(async () => {
        const all = await ofStep();
        return all.length === 1 && all[0].dueAt && all[0].history.some((h: any) => h.status === 'bpmn-timer') && all[0].history.some((h: any) => h.status === 'open') ? all[0] : undefined;
      }, 'the boundary timer and the step clock joined in one escalation', 20_000);
      expect(joined).toMatchObject({ source: 'clock', limitKind: 'step', taskElementId: 'dept-review', caseNo: c.caseNo });
      expect(joined.responsible).toBeTruthy();
      // both sources have done all they will do — the step clock's signal jobs (through 'serious') and the
      // called instance's timer jobs have run and are gone (deleted when done) — and still one escalation
      const jobs = mongo.db(dbName).collection('agendaJobs');
      await waitFor(
        async () => (await jobs.countDocuments({ name: 'supervision.clock.signal', 'data.clockId': `step:${landStep.taskId}` })) === 0 && (await jobs.countDocuments({ name: 'bpmn.timer.fire', 'data.instanceId': instanceId })) === 0,
        'the step clock’s signals and the boundary timer to have run',
        30_000,
      );
      expect(await ofStep()).toHaveLength(1);
      for (const s of parallel) {
        const who = await as(s.assignee);
        expect((await who.post(`/api/tasks/${s.taskId}/complete`, { decision: 'approve', opinion: '同意' })).status).toBe(200);
      }
      const notify = await openTask(c.caseNo, 'joint-notify');
      expect(notify.assignee).toBe('clerk');
      await clerk.post(`/api/tasks/${notify.taskId}/complete`, { decision: 'done' });
      const ended = await waitFor(async () => {
        const x = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
        return x.status === 'completed' ? x : undefined;
      }, 'completion');
      expect(ended.outcome).toBe('approved');
      const audit = (await clerk.get(`/api/service-cases/${c.caseNo}/audit`)).body.map((e: any) => e.type);
      expect(audit).toContain('deadline.breached');
    });
  });

  describe('rejected (退回件)', () => {
    it('refuses at intake with a kept reason and issues a return notice', async () => {
      const reasons = (await clerk.get('/api/reject-reasons')).body;
      expect(reasons.map((x: any) => x.code)).toContain('local-planning');
      const it = items[0];
      const r = await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: [], reject: { reasonCode: 'local-planning', reason: '拟建位置位于基本农田保护区' } });
      expect(r.status).toBe(201);
      expect(r.body.case).toMatchObject({ category: 'rejected', status: 'rejected', outcome: 'rejected' });
      const n = (await clerk.get(`/api/service-cases/${r.body.case.caseNo}/notices/${r.body.case.notices[0].id}`)).body;
      expect(n.title).toContain('退回');
      expect(n.text).toContain('基本农田保护区');
      const noReason = await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: [], reject: {} });
      expect(noReason.status).toBe(400);
    });

    it('ends with a return notice when the policy and planning review rejects (rejection path)', async () => {
      const it = item('rejection-item');
      const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: fullMaterials(it) })).body.case;
      const accept = await openTask(c.caseNo, 'accept');
      await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve' });
      const review = await openTask(c.caseNo, 'conformity-review');
      const reviewer = await as(review.assignee);
      expect((await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'reject' })).status).toBe(400); // a rejection needs its reason
      await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'reject', opinion: '拟建位置不符合村庄规划' });
      const notice = await openTask(c.caseNo, 'return-notice');
      await clerk.post(`/api/tasks/${notice.taskId}/complete`, { decision: 'done' });
      const ended = await waitFor(async () => {
        const x = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
        return x.status === 'rejected' ? x : undefined;
      }, 'the rejected end');
      expect(ended.outcome).toBe('rejected');
      const last = ended.notices[ended.notices.length - 1];
      expect(last.kind).toBe('return');
      const text = (await clerk.get(`/api/service-cases/${c.caseNo}/notices/${last.id}`)).body.text;
      expect(text).toContain('不符合村庄规划');
      expect(text).toContain('行政复议');
    });
  });

  describe('inbox actions', () => {
    it('claim, transfer, co-sign (blocks completion until answered), copy, urge, withdraw — each logged with its reason', async () => {
      const it = item('report-up-item');
      const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: fullMaterials(it) })).body.case;
      const accept = await openTask(c.caseNo, 'town-accept');
      await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve' });
      // 撤回: the next step is untouched, so the clerk can take the step back
      const review = await openTask(c.caseNo, 'town-review');
      const wd = await clerk.post(`/api/tasks/${accept.taskId}/withdraw`, { reason: '受理意见填写有误' });
      expect(wd.status).toBe(200);
      const after = (await clerk.get(`/api/service-cases/${c.caseNo}`)).body;
      expect(after.steps.find((s: any) => s.taskId === accept.taskId).status).toBe('open');
      expect(after.steps.find((s: any) => s.taskId === review.taskId).status).toBe('cancelled');
      await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '更正后受理' });
      const review2 = await openTask(c.caseNo, 'town-review');
      const w = windowOf(dingbaoWindows, it.department);
      const reviewer = await as(review2.assignee);
      expect((await reviewer.post(`/api/tasks/${review2.taskId}/claim`)).status).toBe(200);
      // once the next step is taken up, the withdrawal is refused
      expect((await clerk.post(`/api/tasks/${accept.taskId}/withdraw`, { reason: '再撤回' })).status).toBe(409);

      // 加签
      const land = windowOf(dingbaoWindows, 'land');
      const cs = await reviewer.post(`/api/tasks/${review2.taskId}/cosign`, { windowId: land.id, reason: '涉及用地，请国土所会签' });
      expect(cs.status).toBe(201);
      const blocked = await reviewer.post(`/api/tasks/${review2.taskId}/complete`, { decision: 'approve' });
      expect(blocked.status).toBe(409);
      expect(blocked.body.code).toBe('COSIGN_PENDING');
      const landClerk = await as(cs.body.assignee);
      expect((await landClerk.post(`/api/tasks/${cs.body.id}/complete`, { decision: 'agree', opinion: '用地符合规划' })).status).toBe(200);
      // 抄送 and 催办
      expect((await reviewer.post(`/api/tasks/${review2.taskId}/cc`, { to: ['manager'], note: '请主任知悉' })).status).toBe(200);
      const cc = (await (await as('manager')).get('/api/inbox?filter=cc')).body.map((t: any) => t.id);
      expect(cc).toContain(review2.taskId);
      expect((await clerk.post(`/api/tasks/${review2.taskId}/urge`, { reason: '申请人来电催问' })).status).toBe(200);
      const notes = (await reviewer.get('/api/notifications')).body.map((n: any) => n.kind);
      expect(notes).toEqual(expect.arrayContaining(['task.urged', 'task.cosign-answered']));
      // 转办 to another window
      const social = windowOf(dingbaoWindows, 'social-affairs');
      const target = social.id === w.id ? windowOf(dingbaoWindows, 'household') : social;
      const tr = await reviewer.post(`/api/tasks/${review2.taskId}/transfer`, { windowId: target.id, reason: '属社会事务办职责' });
      expect(tr.status).toBe(200);
      expect(tr.body).toMatchObject({ windowId: target.id, assignee: target.postA.username });
      const actions = tr.body.actions.map((a: any) => a.type);
      expect(actions).toEqual(expect.arrayContaining(['routed', 'claimed', 'cosign-requested', 'copied', 'urged', 'transferred']));
      const reasoned = tr.body.actions.filter((x: any) => x.type !== 'routed');
      expect(reasoned.length).toBeGreaterThanOrEqual(5); // claimed, cosign-requested, copied, urged, transferred
      for (const a of reasoned) expect(a.reason).toBeTruthy();
      // missing reason → problem+json
      const bad = await reviewer.post(`/api/tasks/${review2.taskId}/urge`, {});
      expect(bad.status).toBe(400);
      expect(bad.contentType).toContain('application/problem+json');
    });
  });

  describe('fees (一次收费)', () => {
    it('records the fee once, only as the catalogue lists it', async () => {
      const paid = items.find((i) => i.fees && i.fees.free === false);
      const c = (await clerk.post('/api/intake', { itemCode: paid.code, applicant: applicant(), materials: fullMaterials(paid) })).body.case;
      const fee = paid.fees.items[0];
      const tooMuch = await clerk.post(`/api/service-cases/${c.caseNo}/fee`, { items: [{ name: fee.name, amountFen: fee.amountFen + 1 }] });
      expect(tooMuch.status).toBe(422);
      const notListed = await clerk.post(`/api/service-cases/${c.caseNo}/fee`, { items: [{ name: '工本费以外的费用', amountFen: 100 }] });
      expect(notListed.status).toBe(422);
      const ok = await clerk.post(`/api/service-cases/${c.caseNo}/fee`, { items: [{ name: fee.name, amountFen: fee.amountFen }], receiptNo: 'GD-0001' });
      expect(ok.status).toBe(201);
      expect(ok.body.totalFen).toBe(fee.amountFen);
      const twice = await clerk.post(`/api/service-cases/${c.caseNo}/fee`, { items: [{ name: fee.name, amountFen: fee.amountFen }] });
      expect(twice.status).toBe(409);
    });
  });

  describe('personal data and audit', () => {
    it('masks ID and phone numbers in every listing and keeps them out of the log', async () => {
      const person = applicant('周丽华', '13711112222');
      const r = await clerk.post('/api/intake', { itemCode: item('immediate-item').code, applicant: person, materials: fullMaterials(item('immediate-item')) });
      const list = (await clerk.get('/api/service-cases')).body;
      const row = list.find((x: any) => x.caseNo === r.body.case.caseNo);
      expect(row.applicant.idNumber).not.toBe(person.idNumber);
      expect(row.applicant.idNumber).toMatch(/\*{6,}/);
      expect(row.applicant.phone).toBe('137****2222');
      const everything = JSON.stringify(list) + JSON.stringify((await clerk.get(`/api/service-cases/${r.body.case.caseNo}`)).body);
      expect(everything).not.toContain(person.idNumber);
      expect(everything).not.toContain('13711112222');
      expect(server.logs.join('\n')).not.toContain(person.idNumber);
      // invalid ID numbers are refused with the reason
      const bad = await clerk.post('/api/intake', { itemCode: item('immediate-item').code, applicant: { ...person, idNumber: person.idNumber.slice(0, 17) + (person.idNumber.endsWith('1') ? '2' : '1') }, materials: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('INVALID_APPLICANT');
    });

    it('verifies a case audit chain and finds an event tampered with directly in the database', async () => {
      const it = item('immediate-item');
      const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: fullMaterials(it) })).body.case;
      await openTask(c.caseNo, 'window-handle');
      const ok = (await clerk.get(`/api/service-cases/${c.caseNo}/audit/verify`)).body;
      expect(ok).toMatchObject({ valid: true });
      expect(ok.events).toBeGreaterThanOrEqual(4);
      const events = mongo.db(dbName).collection('audit_events');
      const third = await events.findOne({ caseNo: c.caseNo, seq: 3 });
      const data = JSON.parse(third!.data);
      await events.updateOne({ _id: third!._id }, { $set: { data: JSON.stringify({ ...data, forged: true }) } });
      const broken = (await clerk.get(`/api/service-cases/${c.caseNo}/audit/verify`)).body;
      expect(broken.valid).toBe(false);
      expect(broken.brokenAt.seq).toBe(3);
      // deleting an event is found too
      await events.updateOne({ _id: third!._id }, { $set: { data: third!.data } });
      expect((await clerk.get(`/api/service-cases/${c.caseNo}/audit/verify`)).body.valid).toBe(true);
      await events.deleteOne({ caseNo: c.caseNo, seq: 2 });
      const gap = (await clerk.get(`/api/service-cases/${c.caseNo}/audit/verify`)).body;
      expect(gap).toMatchObject({ valid: false, brokenAt: { seq: 2 } });
    });
  });

  describe('a failed intake', () => {
    it('leaves nothing half-written: its claimed number is recorded void and never reused', async () => {
      const base = item('immediate-item');
      const broken = { ...base, code: 'ZZ-901', name: '测试事项（流程未部署）', procedure: 'not-deployed-item' };
      delete broken.jointDepartments;
      // the catalogue rules refuse an item on a path that is not deployed (issue 13) …
      const refused = await admin.request('PUT', '/api/items/ZZ-901', broken);
      expect(refused.status).toBe(422);
      expect(refused.body.details).toMatchObject({ field: 'procedure', rule: 'path-deployed' });
      // … so the item is stored as one left behind by a path that went away
      const { code: _code, ...stored } = broken;
      await mongo.db(dbName).collection('service_items').insertOne({ _id: 'ZZ-901' as any, ...stored, updatedAt: new Date() });
      const r = await clerk.post('/api/intake', { itemCode: 'ZZ-901', applicant: applicant(), materials: fullMaterials(base) });
      expect(r.status).toBe(404);
      expect(r.contentType).toContain('application/problem+json');
      const voided = (await mongo.db(dbName).collection('case_numbers').find({ status: 'void' }).toArray()).filter((n) => String(n.voidReason).includes('not-deployed-item'));
      expect(voided).toHaveLength(1);
      expect(voided[0].voidReason).toContain('not-deployed-item');
      const kase = await mongo.db(dbName).collection('service_cases').findOne({ _id: voided[0]._id as any });
      expect(kase?.status).toBe('void');
      expect((await clerk.get('/api/service-cases?status=in-progress')).body.map((c: any) => c.caseNo)).not.toContain(voided[0]._id);
      const next = await clerk.post('/api/intake', { itemCode: base.code, applicant: applicant(), materials: fullMaterials(base) });
      expect(next.status).toBe(201);
      expect(next.body.case.caseNo).not.toBe(voided[0]._id);
      expect(next.body.case.caseNo > voided[0]._id).toBe(true);
    });
  });

  describe('case numbers under concurrent intake from two server processes', () => {
    it('never duplicates a number; numbers are sortable by org, day and sequence', async () => {
      const second = await startServer(dbName, { RUN_WORKERS: 'false' });
      try {
        const clerk2 = await ApiClient.login(second.url, 'clerkb');
        const it = item('immediate-item');
        const body = () => ({ itemCode: it.code, applicant: applicant(), materials: fullMaterials(it) });
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? clerk2 : clerk).post('/api/intake', body())));
        for (const r of results) expect(r.status).toBe(201);
        const numbers = results.map((r) => r.body.case.caseNo as string);
        expect(new Set(numbers).size).toBe(12);
        const claimed = await mongo.db(dbName).collection('case_numbers').find({ orgUnit: 'dingbao' }).toArray();
        expect(claimed.filter((x) => x.status === 'claimed')).toHaveLength(0);
        const sorted = [...numbers].sort();
        const seqs = sorted.map((n) => Number(n.split('-')[2]));
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
      } finally {
        await second.kill();
      }
    });
  });
});
