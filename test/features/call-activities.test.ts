/**
 * Call activities (调用活动, issue 15): a report-up case (上报件) as two processes, each deployed by its
 * own office — the town's (test/fixtures/call-town-report-up.bpmn, the item's procedure) calls the
 * city's (call-city-approval.bpmn) bound to city version 1 while version 2 is the latest. The town's
 * opinion goes in, the city's opinion comes back; the city's steps and clocks are the case's; the
 * city's 不予批准 (an error end event, CITY_REJECTED) is caught by the town's boundary error event,
 * and fails a caller that has none. Cancelling the town cancels the city. A server SIGKILLed after
 * the city ended and before the town moved on is repaired by the next server's sweep, once.
 * Real servers, engine, FerretDB, HTTP.
 */
import { ApiClient, diagram, fixture, waitFor } from '../helpers/api';
import { completeOpenStep as complete, deployAll, intakeCase, peopleOn, useDeployedServer, useKillAndRepair } from '../helpers/deploy';
import { applicant } from '../helpers/people';

const CITY = fixture('call-city-approval.bpmn');
const TOWN = fixture('call-town-report-up.bpmn');
const JOBS = { SERVICE_JOB_RETRIES: '1', SERVICE_JOB_BACKOFF_MS: '100', AGENDA_PROCESS_EVERY_MS: '200' };

/** The city's diagram and version 2 of it (same path, another name), then the town's. */
async function deployReportUp(designer: ApiClient) {
  const [v1, v2, town] = await deployAll(designer, [
    [CITY, '市中心审批独立成流程，由市中心维护'],
    [CITY.replace('市中心审批（上报件被调用流程）', '市中心审批（上报件被调用流程，第二版）'), '第二版：名称调整'],
    [TOWN, '上报件改为调用市中心流程（绑定第 1 版）'],
  ]);
  expect(v1).toMatchObject({ key: 'report-up-city', version: 1 });
  expect(v2).toMatchObject({ key: 'report-up-city', version: 2 });
  expect(town.key).toBe('report-up-item');
}

/** Takes in a report-up case at the town window; returns its number and its process instance. */
const intake = (clerk: ApiClient, name: string) => intakeCase(clerk, 'report-up-item', applicant(name));

describe('a town process calls the city process (调用活动, 上报件)', () => {
  // nothing deployed before the first test: it checks the refusals, then deploys
  const server = useDeployedServer('call-activities', JOBS, []);
  const { designer, clerk, admin } = server;

  it('refuses at deploy a call activity whose called process (or bound version) is not deployed, naming the element', async () => {
    const unknown = await designer.deployXml(TOWN.replace('calledElement="report-up-city"', 'calledElement="county-review"'), '调用县级复核');
    expect(unknown.status).toBe(422);
    expect(unknown.contentType).toMatch(/application\/problem\+json/);
    expect(unknown.body.code).toBe('CALLED_PROCESS_NOT_FOUND');
    expect(unknown.body.detail).toContain('report-to-city (报市中心审批)');
    expect(unknown.body.details).toMatchObject({ elementId: 'report-to-city', elementName: '报市中心审批', calledElement: 'county-review' });
    const multi = await designer.deployXml(TOWN.replace("</bpmn:extensionElements>", "</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics />"), '多实例调用');
    expect([multi.status, multi.body.code]).toEqual([422, 'INVALID_DIAGRAM']);
    // a multi-instance call needs its collection (or a cardinality): one called instance per element
    expect(multi.body.detail).toContain('multi-instance call activity needs camunda:collection');
    await deployReportUp(designer);
    const version9 = await designer.deployXml(TOWN.replace('camunda:calledElementVersion="1"', 'camunda:calledElementVersion="9"'), '绑定第 9 版');
    expect([version9.status, version9.body.code]).toEqual([422, 'CALLED_PROCESS_NOT_FOUND']);
    expect(version9.body.detail).toContain('version 9');
  });

  it('approved: the city runs on version 1 with the town opinion, its step and clock are the case’s, its opinion comes back, the case ends once', async () => {
    const { caseNo, instanceId } = await intake(clerk, '欧阳·娜仁');
    await complete(server, caseNo, 'town-review', 'clerk', { decision: 'approve', opinion: '同意上报', variables: { townOpinion: '材料齐全，同意上报', internalNote: '镇内备注，不上报' } });

    // the town waits on the call; its case view names the child, the child's names its caller
    const town = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${instanceId}`)).body;
      return c.calledCases?.length ? c : undefined;
    }, 'the city instance to start');
    expect(town.status).toBe('running');
    expect(town.activeElements).toContain('report-to-city');
    expect(town.calledCases).toEqual([expect.objectContaining({ elementId: 'report-to-city', definitionKey: 'report-up-city', definitionVersion: 1, status: 'running' })]);
    const childId: string = town.calledCases[0].instanceId;
    const city = (await admin.get(`/api/cases/${childId}`)).body;
    expect(city).toMatchObject({ definitionKey: 'report-up-city', definitionVersion: 1, businessKey: caseNo, parent: { instanceId, elementId: 'report-to-city', rootInstanceId: instanceId } });
    expect(city.variables).toMatchObject({ townOpinion: '材料齐全，同意上报', caseNo });
    expect(city.variables.internalNote).toBeUndefined();
    expect(city.variables.decision).toBeUndefined();

    // the city's step is a step of the case, with its own clock on the case
    const sc = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    const cityStep = sc.steps.find((s: any) => s.elementId === 'city-approval');
    expect(cityStep).toMatchObject({ status: 'open', orgUnit: 'city' });
    expect(cityStep.taskId.startsWith(`${childId}:`)).toBe(true);
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    expect(clocks.filter((c) => c.taskId === cityStep.taskId).map((c) => [c.kind, c.status])).toEqual([['step', 'running']]);

    await complete(server, caseNo, 'city-approval', 'cityclerk', { decision: 'approve', opinion: '同意', variables: { cityOpinion: '符合条件，予以批准' } });
    const back = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${instanceId}`)).body;
      return c.openTasks.some((t: any) => t.elementId === 'town-notify-result') ? c : undefined;
    }, 'the town to move on');
    expect(back.variables.cityOpinion).toBe('符合条件，予以批准');
    expect(back.calledCases[0].status).toBe('completed');
    expect(back.completedSteps.map((s: any) => s.elementId)).toContain('report-to-city');
    expect((await admin.get(`/api/cases/${childId}`)).body.status).toBe('completed');
    // the city's end did not end the case; its clock stopped with its step
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('in-progress');
    const after = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    expect(after.find((c) => c.taskId === cityStep.taskId)?.status).toBe('stopped');

    await complete(server, caseNo, 'town-notify-result', 'clerk', { decision: 'approve', opinion: '已电话通知' });
    const ended = await waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      return c.status !== 'in-progress' ? c : undefined;
    }, 'the case to end');
    expect(ended.status).toBe('completed');
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    expect(audit.filter((e) => /^case\.(completed|ended|failed|cancelled)$/.test(e.type))).toHaveLength(1);
    expect(audit.filter((e) => e.type === 'task.completed').map((e) => e.data.elementId)).toEqual(['town-review', 'city-approval', 'town-notify-result']);
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  });

  it('rejected: the city’s error end event is caught by the town’s boundary error event', async () => {
    const { caseNo, instanceId } = await intake(clerk, '买买提·艾力');
    await complete(server, caseNo, 'town-review', 'clerk', { decision: 'approve', opinion: '同意上报', variables: { townOpinion: '同意上报' } });
    await complete(server, caseNo, 'city-approval', 'cityclerk', { decision: 'reject', opinion: '不符合规划条件', variables: { cityOpinion: '不予批准' } });
    const town = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${instanceId}`)).body;
      return c.openTasks.some((t: any) => t.elementId === 'town-notify-rejection') ? c : undefined;
    }, 'the town to take the rejection path');
    expect(town.status).toBe('running');
    expect(town.openTasks.map((t: any) => t.elementId)).toEqual(['town-notify-rejection']);
    // no out-mapping on an error: the city's opinion stays the city's
    expect(town.variables.cityOpinion).toBeUndefined();
    expect(town.calledCases[0].status).toBe('completed');
  });

  it('cancelling the town cancels the city; a city error nobody catches fails its caller', async () => {
    // a town instance with the SMS beside the call: the SMS (no phone) fails into an incident
    expect((await designer.deployXml(fixture('call-town-cancel.bpmn'), '并行短信告知')).status).toBe(201);
    const started = await clerk.post('/api/cases', { definitionKey: 'call-town-cancel', variables: { applicantName: '欧阳·娜仁', townOpinion: '同意上报' } });
    expect(started.status).toBe(201);
    const townId: string = started.body.id;
    const town = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${townId}`)).body;
      return c.calledCases?.length ? c : undefined;
    }, 'the city instance to start');
    const childId: string = town.calledCases[0].instanceId;
    // binding latest: version 2; every variable in
    expect((await admin.get(`/api/cases/${childId}`)).body).toMatchObject({ definitionVersion: 2, status: 'running', variables: { applicantName: '欧阳·娜仁', townOpinion: '同意上报' } });
    const incident = await waitFor(async () => ((await admin.get('/api/incidents')).body as any[]).find((i) => i.instanceId === townId), 'the SMS incident', 30_000);
    expect((await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: '申请人撤回上报申请' })).status).toBe(200);
    expect((await admin.get(`/api/cases/${townId}`)).body.status).toBe('cancelled');
    const city = await waitFor(async () => {
      const c = (await admin.get(`/api/cases/${childId}`)).body;
      return c.status !== 'running' ? c : undefined;
    }, 'the city instance to be cancelled');
    expect(city.status).toBe('cancelled');
    expect(city.openTasks).toEqual([]);
    expect(city.tasks.map((t: any) => [t.elementId, t.status])).toEqual([['city-approval', 'cancelled']]);

    // another town instance: the city rejects, and nothing on the call catches CITY_REJECTED
    const second = (await clerk.post('/api/cases', { definitionKey: 'call-town-cancel', variables: { townOpinion: '同意上报' } })).body;
    const child2 = await waitFor(async () => (await clerk.get(`/api/cases/${second.id}`)).body.calledCases?.[0]?.instanceId, 'the second city instance');
    const task = await waitFor(async () => ((await admin.get(`/api/cases/${child2}`)).body.openTasks as any[])[0], 'the city step');
    const city2 = await server.as(task.assignee ?? 'cityclerk');
    expect((await city2.post(`/api/tasks/${task.id}/complete`, { decision: 'reject', opinion: '不符合条件' })).status).toBe(200);
    const failed = await waitFor(async () => {
      const c = (await admin.get(`/api/cases/${second.id}`)).body;
      return c.status !== 'running' ? c : undefined;
    }, 'the caller to fail');
    expect(failed.status).toBe('failed');
    expect(failed.calledCases[0].status).toBe('completed');
  });

  it('binding deployment keeps the version that was latest when the caller was deployed; binding latest takes a newer one', async () => {
    const pinnedXml = fixture('call-town-cancel.bpmn').replace('id="call-town-cancel"', 'id="call-town-pinned"').replace('calledElement="report-up-city"', 'calledElement="report-up-city" camunda:calledElementBinding="deployment"');
    expect((await designer.deployXml(pinnedXml, '调用市中心流程，绑定部署时版本')).status).toBe(201);
    const v3 = await designer.deployXml(CITY.replace('市中心审批（上报件被调用流程）', '市中心审批（第三版）'), '第三版');
    expect(v3.body).toMatchObject({ key: 'report-up-city', version: 3 });
    const childVersion = async (definitionKey: string) => {
      const id = (await clerk.post('/api/cases', { definitionKey, variables: { townOpinion: '同意上报' } })).body.id;
      const childId = await waitFor(async () => (await clerk.get(`/api/cases/${id}`)).body.calledCases?.[0]?.instanceId, `the city instance of ${definitionKey}`);
      return (await admin.get(`/api/cases/${childId}`)).body.definitionVersion;
    };
    expect(await childVersion('call-town-pinned')).toBe(2);
    expect(await childVersion('call-town-cancel')).toBe(3);
  });
});

describe('a multi-instance call activity (联办件: each department’s review its own reusable process)', () => {
  const { clerk, admin } = useDeployedServer('call-multi', JOBS, [
    [fixture('call-dept-review.bpmn'), '部门审查独立成流程，供各联办事项复用'],
    [fixture('call-joint-review.bpmn'), '联办件各部门并联审查改为调用部门审查流程'],
  ]);

  it('one called instance per department with the department as its variable; the caller goes on when all ended, their opinions as a list; one department’s 不同意 cancels the others', async () => {
    const departments = ['land', 'village-construction', 'agri-forestry-water'];
    const start = async (applicantName: string) => {
      const r = await clerk.post('/api/cases', { definitionKey: 'call-joint-review', businessKey: `DB2026120700${applicantName.length}X`, variables: { departments, applicantName } });
      expect([r.status, r.body?.code]).toEqual([201, undefined]);
      const id: string = r.body.id;
      const caller = await waitFor(async () => {
        const c = (await clerk.get(`/api/cases/${id}`)).body;
        return c.calledCases?.length === 3 && c.calledCases.every((x: any) => x.status) ? c : undefined;
      }, 'three department instances');
      const children = await Promise.all(caller.calledCases.map(async (c: any) => (await admin.get(`/api/cases/${c.instanceId}`)).body));
      return { id, children };
    };
    const completeChild = async (child: any, body: Record<string, unknown>) => {
      const task = await waitFor(async () => ((await admin.get(`/api/cases/${child.id}`)).body.openTasks as any[])[0], `the review of ${child.variables.department}`);
      const r = await clerk.post(`/api/tasks/${task.id}/complete`, body);
      expect([r.status, r.body?.code]).toEqual([200, undefined]);
    };

    const { id, children } = await start('欧阳·娜仁');
    expect(children.map((c: any) => c.variables.department).sort()).toEqual([...departments].sort());
    for (const c of children) {
      expect(c).toMatchObject({ definitionKey: 'dept-review', status: 'running', parent: { instanceId: id, elementId: 'dept-reviews' } });
      expect(c.variables.applicantName).toBe('欧阳·娜仁');
    }
    // the child ids are the call's and the loop index's: each distinct
    expect(new Set(children.map((c: any) => c.id)).size).toBe(3);
    // in any order: the caller waits until the last
    const byDept = new Map(children.map((c: any) => [c.variables.department as string, c]));
    await completeChild(byDept.get('village-construction'), { decision: 'approve', opinion: '村镇建设：同意' });
    await completeChild(byDept.get('agri-forestry-water'), { decision: 'approve', opinion: '农林水：同意' });
    expect((await clerk.get(`/api/cases/${id}`)).body.openTasks).toEqual([]);
    await completeChild(byDept.get('land'), { decision: 'approve', opinion: '国土：同意' });
    const after = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${id}`)).body;
      return c.openTasks.some((t: any) => t.elementId === 'joint-notify') ? c : undefined;
    }, 'the caller to go on');
    expect(after.variables.deptOpinion).toEqual(['国土：同意', '村镇建设：同意', '农林水：同意']);
    expect(after.calledCases.map((c: any) => c.status)).toEqual(['completed', 'completed', 'completed']);

    // one department refuses: caught on the call, the two others are cancelled
    const second = await start('买买提·艾力');
    const refusing = second.children.find((c: any) => c.variables.department === 'land');
    await completeChild(refusing, { decision: 'reject', opinion: '不符合用地规划' });
    const refused = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${second.id}`)).body;
      return c.openTasks.some((t: any) => t.elementId === 'joint-notify-refusal') ? c : undefined;
    }, 'the refusal to reach the caller');
    expect(refused.status).toBe('running');
    const others = await waitFor(async () => {
      const list = await Promise.all(second.children.filter((c: any) => c !== refusing).map(async (c: any) => (await admin.get(`/api/cases/${c.id}`)).body));
      return list.every((c) => c.status === 'cancelled') ? list : undefined;
    }, 'the other reviews to be cancelled');
    // the two other departments (an empty list would pass the loop below)
    expect(others.map((c: any) => c.variables.department).sort()).toEqual(['agri-forestry-water', 'village-construction']);
    for (const c of others) expect(c.tasks.map((t: any) => t.status)).toEqual(['cancelled']);
  });
});

describe('a server killed half-way through a call (中断修复)', () => {
  const run = useKillAndRepair();

  it('killed after the city instance started, before the town knew: the next server links it, no second city instance', async () => {
    const { dbName, db } = await run.database('call-kill-start');
    const doomed = await run.doomed(dbName, 'engine.call.after-child-start');
    const first = peopleOn(doomed);
    await deployReportUp(await first.as('designer'));
    const clerk1 = await first.as('clerk');
    const { caseNo, instanceId } = await intake(clerk1, '贺振华');
    const step = await waitFor(async () => ((await clerk1.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === 'town-review' && s.status === 'open'), 'the town step');
    const holder = await first.as(step.assignee ?? 'clerk');
    await holder.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve', opinion: '同意上报', variables: { townOpinion: '同意上报' } }).catch(() => undefined);
    await run.killed(doomed);
    const link = (await db.collection('call_links').findOne({ parentInstanceId: instanceId }))!;
    expect(link.status).toBe('starting');
    expect(await db.collection('revisions').countDocuments({ instanceId: String(link._id) })).toBe(1);

    const second = await run.next(dbName);
    await waitFor(async () => ((await db.collection('call_links').findOne({ _id: link._id }))!.status === 'running' ? true : undefined), 'the sweep to finish the start', 30_000);
    const admin = await ApiClient.login(second.url, 'admin');
    const town = (await admin.get(`/api/cases/${instanceId}`)).body;
    expect(town.calledCases).toEqual([expect.objectContaining({ instanceId: String(link._id), status: 'running', definitionVersion: 1 })]);
    expect(await db.collection('instances').countDocuments({ parentInstanceId: instanceId })).toBe(1);
    expect(await db.collection('revisions').countDocuments({ instanceId: String(link._id) })).toBe(1);
    expect(await db.collection('tasks').countDocuments({ instanceId: String(link._id), elementId: 'city-approval' })).toBe(1);
  });

  it('killed after the city ended, before the town moved on: the next server’s sweep completes the town’s call activity, once', async () => {
    const { dbName, db } = await run.database('call-kill');
    const doomed = await run.doomed(dbName, 'engine.call.before-return');
    const first = peopleOn(doomed);
    await deployReportUp(await first.as('designer'));
    const { caseNo, instanceId } = await intake(await first.as('clerk'), '郑晓东');
    await complete(first, caseNo, 'town-review', 'clerk', { decision: 'approve', opinion: '同意上报', variables: { townOpinion: '同意上报' } });
    const clerk1 = await first.as('clerk');
    const step = await waitFor(async () => ((await clerk1.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === 'city-approval' && s.status === 'open'), 'the city step');
    const cityclerk = await first.as(step.assignee ?? 'cityclerk');
    await cityclerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve', opinion: '同意', variables: { cityOpinion: '予以批准' } }).catch(() => undefined);
    await run.killed(doomed);

    // the city ended; the town still waits on the call
    const childId = String((await db.collection('call_links').findOne({ parentInstanceId: instanceId }))!._id);
    expect((await db.collection('call_links').findOne({ _id: childId as any }))!.status).toBe('ended');
    expect((await db.collection('instances').findOne({ _id: childId as any }))!.status).toBe('completed');
    expect(await db.collection('revisions').countDocuments({ instanceId, 'command.type': 'call-returned' })).toBe(0);

    const second = await run.next(dbName);
    await waitFor(async () => ((await db.collection('call_links').findOne({ _id: childId as any }))!.status === 'returned' ? true : undefined), 'the sweep to return to the town', 30_000);
    const clerk2 = await ApiClient.login(second.url, 'clerk');
    const town = await waitFor(async () => {
      const c = (await clerk2.get(`/api/cases/${instanceId}`)).body;
      return c.openTasks.some((t: any) => t.elementId === 'town-notify-result') ? c : undefined;
    }, 'the town to move on');
    expect(town.variables.cityOpinion).toBe('予以批准');
    expect(town.openTasks.map((t: any) => t.elementId)).toEqual(['town-notify-result']);
    expect(await db.collection('revisions').countDocuments({ instanceId, 'command.type': 'call-returned' })).toBe(1);
    expect(await db.collection('tasks').countDocuments({ instanceId, elementId: 'town-notify-result' })).toBe(1);
    expect(await db.collection('instances').countDocuments({ parentInstanceId: instanceId })).toBe(1);
  });
  it('killed after the town was cancelled, before its call was followed: the next server’s sweep cancels the city instance', async () => {
    const { dbName, db } = await run.database('call-kill-cancel');
    const doomed = await run.doomed(dbName, 'engine.cancel.before-follow', JOBS);
    await deployAll(await ApiClient.login(doomed.url, 'designer'), [
      [CITY, '市中心审批独立成流程'],
      [fixture('call-town-cancel.bpmn'), '并行短信告知'],
    ]);
    const clerk = await ApiClient.login(doomed.url, 'clerk');
    const townId: string = (await clerk.post('/api/cases', { definitionKey: 'call-town-cancel', variables: { applicantName: '诸葛·明远', townOpinion: '同意上报' } })).body.id;
    const childId: string = await waitFor(async () => (await clerk.get(`/api/cases/${townId}`)).body.calledCases?.[0]?.instanceId, 'the city instance to start');
    const admin = await ApiClient.login(doomed.url, 'admin');
    const incident = await waitFor(async () => ((await admin.get('/api/incidents')).body as any[]).find((i) => i.instanceId === townId), 'the SMS incident', 30_000);
    await admin.post(`/api/incidents/${incident.id}/cancel`, { reason: '申请人撤回上报申请' }).catch(() => undefined);
    await run.killed(doomed);
    // the town is cancelled; its call was never followed: the city still runs, its link too
    expect((await db.collection('instances').findOne({ _id: townId as any }))!.status).toBe('cancelled');
    expect((await db.collection('call_links').findOne({ _id: childId as any }))!.status).toBe('running');
    expect((await db.collection('instances').findOne({ _id: childId as any }))!.status).toBe('running');

    const second = await run.next(dbName, JOBS);
    await waitFor(async () => ((await db.collection('instances').findOne({ _id: childId as any }))!.status === 'cancelled' ? true : undefined), 'the sweep to cancel the city instance', 30_000);
    // the link is done with (the city's cancellation told the ended town, which had nothing left to do)
    expect(['cancelled', 'returned']).toContain((await db.collection('call_links').findOne({ _id: childId as any }))!.status);
    const city = (await (await ApiClient.login(second.url, 'admin')).get(`/api/cases/${childId}`)).body;
    expect(city.status).toBe('cancelled');
    expect(city.tasks.map((t: any) => [t.elementId, t.status])).toEqual([['city-approval', 'cancelled']]);
    expect(await db.collection('revisions').countDocuments({ instanceId: childId, 'command.type': 'cancel' })).toBe(1);
  });
});

describe('the shipped 上报件 path calls the city’s own process (processes/diagrams)', () => {
  // the shipped diagrams are seeded from processes/diagrams: nothing to deploy
  const server = useDeployedServer('report-up-shipped', {}, []);
  const { designer, clerk, admin } = server;

  /** Completes the open step `elementId` of the case as whoever holds it. */
  async function step(caseNo: string, elementId: string, body: Record<string, unknown>) {
    return complete(server, caseNo, elementId, elementId === 'city-approval' ? 'cityclerk' : 'clerk', body);
  }

  it('intake → town review → the city’s process (its latest version, deployed on its own) → the result back to the town → 办结; the city’s 不予批准 ends the case rejected', async () => {
    // both seeded from processes/diagrams: the town's path and the city's process, each its own key
    const defs = (await designer.get('/api/definitions')).body as any[];
    expect(defs.find((d) => d.key === 'report-up-item')).toMatchObject({ latestVersion: 1, caseCategory: 'report-up' });
    expect(defs.find((d) => d.key === 'city-report-up-approval')).toMatchObject({ latestVersion: 1 });

    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
    // the public guide lists the city's step in its place in the path
    const guide = (await clerk.get(`/api/public/items/${item.code}`)).body;
    expect(guide.disclosures.procedure.steps.map((s: any) => s.elementId)).toEqual(['town-accept', 'town-review', 'city-approval', 'town-notify-result', 'town-notify-rejection']);
    expect(guide.disclosures.procedure.steps.find((s: any) => s.elementId === 'city-approval')).toMatchObject({ orgLevel: 'city' });

    const { caseNo, instanceId } = await intake(clerk, '司马·伊明');
    await step(caseNo, 'town-accept', { decision: 'approve', opinion: '受理' });
    await step(caseNo, 'town-review', { decision: 'approve', opinion: '材料齐全，同意上报' });
    const town = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${instanceId}`)).body;
      return c.calledCases?.length ? c : undefined;
    }, 'the city instance to start');
    expect(town.calledCases).toEqual([expect.objectContaining({ elementId: 'report-to-city', definitionKey: 'city-report-up-approval', definitionVersion: 1, status: 'running' })]);
    const cityId: string = town.calledCases[0].instanceId;
    const city = (await admin.get(`/api/cases/${cityId}`)).body;
    expect(city).toMatchObject({ businessKey: caseNo, parent: { instanceId, elementId: 'report-to-city' } });
    // camunda:in: the town's opinion, and the case's own context (number, org unit, windows)
    expect(city.variables).toMatchObject({ townOpinion: '材料齐全，同意上报', caseNo });

    // the city office changes its process on its own: version 2; the town's path stays version 1
    const cityXml = diagram('city-report-up-approval.bpmn');
    const v2 = await designer.deployXml(cityXml.replace('name="市中心审批（上报件，由乡镇流程调用）"', 'name="市中心审批（上报件，第二版）"'), '市中心流程名称调整，由市中心自行发布');
    expect([v2.status, v2.body.version]).toEqual([201, 2]);
    expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(1);

    // the city approves: the decision and opinion come back, the town notifies, the case ends approved
    await step(caseNo, 'city-approval', { decision: 'approve', opinion: '同意，予以批准' });
    await step(caseNo, 'town-notify-result', { decision: 'done', opinion: '已电话通知申请人（13800138000）' });
    const done = await waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      return c.status !== 'in-progress' ? c : undefined;
    }, 'the case to end');
    expect(done.status).toBe('completed');
    expect((await clerk.get(`/api/cases/${instanceId}`)).body.variables).toMatchObject({ cityDecision: 'approve', cityOpinion: '同意，予以批准' });
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[];
    expect(audit.filter((e) => e.type === 'task.completed').map((e) => e.data.elementId)).toEqual(['town-accept', 'town-review', 'city-approval', 'town-notify-result']);
    expect(audit.filter((e) => /^case\.(completed|ended|failed|cancelled)$/.test(e.type))).toHaveLength(1);

    // the next case runs the city's version 2; the city refuses: back to the town's refusal notice, the case ends rejected
    const second = await intake(clerk, '欧阳·娜仁');
    await step(second.caseNo, 'town-accept', { decision: 'approve', opinion: '受理' });
    await step(second.caseNo, 'town-review', { decision: 'approve', opinion: '同意上报' });
    const child2 = await waitFor(async () => (await clerk.get(`/api/cases/${second.instanceId}`)).body.calledCases?.[0], 'the second city instance');
    expect(child2).toMatchObject({ definitionKey: 'city-report-up-approval', definitionVersion: 2 });
    await step(second.caseNo, 'city-approval', { decision: 'reject', opinion: '不符合规划条件' });
    await step(second.caseNo, 'town-notify-rejection', { decision: 'done', opinion: '已书面告知' });
    const rejected = await waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${second.caseNo}`)).body;
      return c.status !== 'in-progress' ? c : undefined;
    }, 'the second case to end');
    expect(rejected.status).toBe('rejected');
    expect((await admin.get(`/api/cases/${child2.instanceId}`)).body.completedSteps.map((s: any) => s.elementId)).toContain('city-rejected-end');
  });
});
