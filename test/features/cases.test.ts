/**
 * Clerks work cases through their inboxes, over real HTTP against a real server and database:
 * a report-up case goes from the town window to the city and back to completion (a step with a
 * form completed through it, the city kept out of the town's step); an exclusive gateway routes on
 * the completed step's variables; parallel approvals split and join; a task completed twice, or
 * by two server processes at the same moment, is completed once (the same completion resent is
 * answered as done, a different one or the other process's 409); bad case and
 * task input is refused with a clear problem and writes nothing.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, diagram, fixture } from '../helpers/api';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('clerks work cases through their inboxes', () => {
  const dbName = uniqueDbName('cases');
  let server: RunningProcess;
  let designer: ApiClient;
  let clerk: ApiClient;
  let cityClerk: ApiClient;
  let mongo: MongoClient;

  beforeAll(async () => {
    server = await startServer(dbName);
    designer = await ApiClient.login(server.url, 'designer');
    clerk = await ApiClient.login(server.url, 'clerk');
    cityClerk = await ApiClient.login(server.url, 'cityclerk');
    for (const xml of [diagram('city-report-up-approval.bpmn'), diagram('report-up-item.bpmn'), diagram('immediate-item.bpmn'), fixture('exclusive.bpmn'), fixture('parallel.bpmn')]) {
      const r = await designer.deployXml(xml);
      expect(r.status).toBe(201);
    }
    mongo = await MongoClient.connect(dbUri(dbName));
  });
  afterAll(async () => {
    await mongo?.close();
    await server?.kill();
  });

  async function openTask(client: ApiClient, caseId: string, elementId: string) {
    const r = await client.get(`/api/tasks?caseId=${caseId}`);
    expect(r.status).toBe(200);
    const t = r.body.find((x: any) => x.elementId === elementId);
    if (!t) throw new Error(`no open task ${elementId} in ${JSON.stringify(r.body.map((x: any) => x.elementId))}`);
    return t;
  }

  it('walks a report-up case from the town window to the city and back to completion', async () => {
    const started = await clerk.post('/api/cases', { definitionKey: 'report-up-item', businessKey: 'DB-2026-0001', variables: { applicantName: '张三' } });
    expect(started.status).toBe(201);
    const caseId = started.body.id;
    // seeded v1 + this file's deploy = v2: a case starts on the latest version
    expect(started.body).toMatchObject({ status: 'running', definitionKey: 'report-up-item', definitionVersion: 2 });

    const accept = await openTask(clerk, caseId, 'town-accept');
    expect(accept.candidateGroups).toEqual(['town-window']);
    expect(accept.formKey).toBeTruthy();
    // a step with a form is completed through it (decision, opinion …), checked on the server
    expect((await clerk.post(`/api/tasks/${accept.id}/complete`, { variables: {} })).status).toBe(422);
    expect((await clerk.post(`/api/tasks/${accept.id}/complete`, { decision: 'approve' })).status).toBe(200);

    const review = await openTask(clerk, caseId, 'town-review');
    // the city cannot complete the town's step (nor learn of it: a foreign task is 404, api/http/access.ts)
    expect([403, 404]).toContain((await cityClerk.post(`/api/tasks/${review.id}/complete`, { variables: {} })).status);
    expect((await clerk.post(`/api/tasks/${review.id}/complete`, { decision: 'approve', opinion: '初审同意', variables: { attachments: [{ name: '现场照片', pages: 2 }] } })).status).toBe(200);

    // the town calls the city's own process (调用活动 report-to-city): its 市中心审批 is in the city
    // centre's inbox, on the called instance, not the town's
    const town = (await clerk.get(`/api/cases/${caseId}`)).body;
    expect(town.activeElements).toContain('report-to-city');
    expect(town.calledCases).toEqual([expect.objectContaining({ elementId: 'report-to-city', definitionKey: 'city-report-up-approval', status: 'running' })]);
    const cityCaseId: string = town.calledCases[0].instanceId;
    const cityTasks = await cityClerk.get('/api/tasks?filter=groups');
    const approval = cityTasks.body.find((t: any) => t.caseId === cityCaseId);
    expect(approval.elementId).toBe('city-approval');
    expect((await clerk.get(`/api/tasks?caseId=${caseId}`)).body).toEqual([]);
    expect((await cityClerk.post(`/api/tasks/${approval.id}/complete`, { decision: 'approve', opinion: '同意' })).status).toBe(200);

    const notify = await openTask(clerk, caseId, 'town-notify-result');
    const done = await clerk.post(`/api/tasks/${notify.id}/complete`, { decision: 'done', variables: { notifyWay: 'phone' } });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');

    const c = (await clerk.get(`/api/cases/${caseId}`)).body;
    expect(c.status).toBe('completed');
    expect(c.endedAt).toBeTruthy();
    expect(c.variables).toMatchObject({ decision: 'done', notifyWay: 'phone', attachments: [{ name: '现场照片', pages: 2 }] });
    expect(c.openTasks).toEqual([]);
    const steps = c.completedSteps.map((s: any) => s.elementId);
    expect(steps).toEqual(expect.arrayContaining(['town-accept', 'town-review', 'report-to-city', 'town-notify-result', 'case-completed']));
    expect(steps).not.toContain('town-notify-rejection');
    // the city's decision and opinion came back through camunda:out
    expect(c.variables).toMatchObject({ cityDecision: 'approve', cityOpinion: '同意' });
    const completions = c.history.filter((e: any) => e.type === 'task.completed');
    expect(completions.map((e: any) => [e.elementId, e.actor])).toEqual([
      ['town-accept', 'clerk'],
      ['town-review', 'clerk'],
      ['town-notify-result', 'clerk'],
    ]);
    // the city's step is on the city's instance, which ended through 批准 with the town's opinion in
    const city = (await cityClerk.get(`/api/cases/${cityCaseId}`)).body;
    expect(city).toMatchObject({ status: 'completed', definitionKey: 'city-report-up-approval', businessKey: 'DB-2026-0001' });
    expect(city.variables).toMatchObject({ townOpinion: '初审同意' });
    expect(city.history.filter((e: any) => e.type === 'task.completed').map((e: any) => [e.elementId, e.actor])).toEqual([['city-approval', 'cityclerk']]);
    expect(city.completedSteps.map((s: any) => s.elementId)).toContain('city-approved-end');
    for (const e of c.history) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    expect(c.tasks.every((t: any) => t.status === 'completed' && t.completedBy)).toBe(true);
  });

  it('routes an exclusive gateway on the variables a task was completed with', async () => {
    for (const [amount, expected] of [
      [5000, 'manager-approval'],
      [10, null],
    ] as const) {
      const c = await clerk.post('/api/cases', { definitionKey: 'exclusive', variables: {} });
      const review = await openTask(clerk, c.body.id, 'review');
      const after = await clerk.post(`/api/tasks/${review.id}/complete`, { variables: { amount } });
      expect(after.status).toBe(200);
      if (expected) {
        expect(after.body.status).toBe('running');
        expect(after.body.openTasks.map((t: any) => t.elementId)).toEqual([expected]);
      } else {
        expect(after.body.status).toBe('completed');
        expect(after.body.completedSteps.map((s: any) => s.elementId)).toContain('approved-small');
      }
    }
  });

  it('splits and joins parallel approvals', async () => {
    const c = await clerk.post('/api/cases', { definitionKey: 'parallel', variables: {} });
    const caseId = c.body.id;
    const open = (await clerk.get(`/api/tasks?caseId=${caseId}`)).body.map((t: any) => t.elementId).sort();
    expect(open).toEqual(['dept-a', 'dept-b']);
    const a = await openTask(clerk, caseId, 'dept-a');
    const afterA = await clerk.post(`/api/tasks/${a.id}/complete`, { variables: { aResult: 'ok' } });
    expect(afterA.body.openTasks.map((t: any) => t.elementId)).toEqual(['dept-b']);
    const b = await openTask(clerk, caseId, 'dept-b');
    const afterB = await clerk.post(`/api/tasks/${b.id}/complete`, { variables: { bResult: 'ok' } });
    expect(afterB.body.openTasks.map((t: any) => t.elementId)).toEqual(['notify']);
    const n = await openTask(clerk, caseId, 'notify');
    expect((await clerk.post(`/api/tasks/${n.id}/complete`, { variables: {} })).body.status).toBe('completed');
  });

  it('completes a task once when it is completed twice: the same completion resent is answered as done, a different one 409', async () => {
    const c = await clerk.post('/api/cases', { definitionKey: 'immediate-item', variables: {} });
    const t = await openTask(clerk, c.body.id, 'window-handle');
    const first = await clerk.post(`/api/tasks/${t.id}/complete`, { decision: 'done' });
    expect(first.status).toBe(200);
    const revisions = await mongo.db().collection('revisions').countDocuments({ instanceId: c.body.id });
    // the same clerk sending the same completion again (an answer lost on the way): done, replayed, nothing written
    const resent = await clerk.post(`/api/tasks/${t.id}/complete`, { decision: 'done' });
    expect(resent.status).toBe(200);
    expect(resent.body.replayed).toBe(true);
    expect(await mongo.db().collection('revisions').countDocuments({ instanceId: c.body.id })).toBe(revisions);
    // a different completion (another opinion) of a completed task is a conflict, not a second completion
    const second = await clerk.post(`/api/tasks/${t.id}/complete`, { decision: 'done', opinion: '补充意见：已电话告知申请人' });
    expect(second.status).toBe(409);
    expect(second.contentType).toContain('application/problem+json');
    expect(second.body.code).toMatch(/TASK_ALREADY_COMPLETED|CASE_ENDED/);
    expect(await mongo.db().collection('revisions').countDocuments({ instanceId: c.body.id })).toBe(revisions);
  });

  it('lets exactly one of two server processes complete the same task at the same moment', async () => {
    const second = await startServer(dbName, { RUN_WORKERS: 'false' });
    try {
      const clerk2 = await ApiClient.login(second.url, 'clerkb');
      let wins = 0;
      for (let round = 0; round < 5; round++) {
        const c = await clerk.post('/api/cases', { definitionKey: 'parallel', variables: {} });
        const t = await openTask(clerk, c.body.id, 'dept-a');
        const results = await Promise.all([
          clerk.post(`/api/tasks/${t.id}/complete`, { variables: { by: 'a' } }),
          clerk2.post(`/api/tasks/${t.id}/complete`, { variables: { by: 'b' } }),
        ]);
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, 409]);
        wins++;
        // the engine state moved exactly once: revision 1 (start) + 1 completion
        const revs = await mongo.db().collection('revisions').countDocuments({ instanceId: c.body.id });
        expect(revs).toBe(2);
        const caseNow = (await clerk.get(`/api/cases/${c.body.id}`)).body;
        expect(caseNow.openTasks.map((x: any) => x.elementId)).toEqual(['dept-b']);
        expect(caseNow.history.filter((e: any) => e.type === 'task.completed')).toHaveLength(1);
      }
      expect(wins).toBe(5);
    } finally {
      await second.kill();
    }
  });

  it('refuses bad case and task input with a clear problem, writing nothing', async () => {
    const before = await mongo.db().collection('instances').countDocuments();
    const unknown = await clerk.post('/api/cases', { definitionKey: 'no-such-item', variables: {} });
    expect(unknown.status).toBe(404);
    const reserved = await clerk.post('/api/cases', { definitionKey: 'immediate-item', variables: { content: 1 } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.code).toBe('RESERVED_VARIABLE');
    const badName = await clerk.post('/api/cases', { definitionKey: 'immediate-item', variables: { 'a.b': 1 } });
    expect(badName.status).toBe(400);
    const notObject = await clerk.post('/api/cases', { definitionKey: 'immediate-item', variables: [1, 2] });
    expect(notObject.status).toBe(400);
    expect(await mongo.db().collection('instances').countDocuments()).toBe(before);
    const badTask = await clerk.post('/api/tasks/nope/complete', { variables: {} });
    expect(badTask.status).toBe(404);
    const badFilter = await clerk.get('/api/tasks?filter=everything');
    expect(badFilter.status).toBe(400);
    const designerStarts = await designer.post('/api/cases', { definitionKey: 'immediate-item', variables: {} });
    expect(designerStarts.status).toBe(403);
  });
});
