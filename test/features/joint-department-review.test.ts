/**
 * 联办件 with a reusable department review (issue 15): the shipped joint path (joint-approval-item)
 * calls department-review once per department of the item — a parallel multi-instance call activity
 * over the case's `jointDepartments`, which intake takes from the catalogue item — and each call's
 * step goes to that department's window of the case's centre, with the review's own step limit.
 *
 * Story: the designer narrows 农村村民住宅用地（宅基地）审批 (GT-002) to two departments (国土, 农林水);
 * the 丁堡镇 comprehensive window takes in a case and accepts it; the two reviews run in parallel,
 * each in its department window's inbox only; both agree; the receiving window notifies; 办结. A
 * second case where 农林水 refuses ends 不予许可. The catalogue rules read the departments from the
 * item: a 联办件 on the joint path with one department is refused, with two it is accepted.
 * Real server, real database, real HTTP.
 */
import type { ApiClient } from '../helpers/api';
import { waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { useServer } from '../helpers/suite';

describe('联办件: the departments of the item review in parallel, each in its own department-review', () => {
  const server = useServer('joint-review');
  let designer: ApiClient;
  let clerk: ApiClient;
  let land: ApiClient;
  let agri: ApiClient;
  let item: any;

  const editable = (it: any) => {
    const { code: _c, version: _v, updatedBy: _u, updatedAt: _a, ...rest } = it;
    if (!rest.conditions) delete rest.conditions;
    if (!rest.outcome) delete rest.outcome;
    return rest;
  };
  const serviceCase = async (caseNo: string) => (await clerk.get(`/api/service-cases/${caseNo}`)).body;
  const openStep = (caseNo: string, elementId: string, count = 1) =>
    waitFor(async () => {
      const steps = ((await serviceCase(caseNo)).steps ?? []).filter((s: any) => s.elementId === elementId && s.status === 'open' && s.kind === 'engine');
      return steps.length === count ? steps : undefined;
    }, `${count} open step(s) ${elementId} of ${caseNo}`);
  const takeIn = async (name: string) => {
    const r = await clerk.post('/api/intake', { itemCode: 'GT-002', applicant: applicant(name, '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect([r.status, r.body?.code]).toEqual([201, undefined]);
    const caseNo: string = r.body.case.caseNo;
    const [accept] = await openStep(caseNo, 'joint-accept');
    expect((await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，予以受理' })).status).toBe(200);
    return caseNo;
  };

  beforeAll(async () => {
    [designer, clerk, land, agri] = await Promise.all([server.as('designer'), server.as('clerk'), server.as('deptclerk'), server.as('dingbao-w07-a')]);
    // the shipped joint path calls the department review, deployed by the seed as a process of its own
    const defs = (await designer.get('/api/definitions')).body;
    expect(defs.map((d: any) => d.key)).toEqual(expect.arrayContaining(['department-review', 'joint-approval-item']));
    item = (await designer.get('/api/items/GT-002')).body;
    expect(item).toMatchObject({ defaultCategory: 'joint', procedure: 'joint-approval-item' });
  });

  it('the catalogue rules take the departments from the item: one is refused, two are accepted', async () => {
    const one = await designer.put('/api/items/GT-002', { ...editable(item), jointDepartments: ['land'], note: '试改为国土单独审批' });
    expect(one.status).toBe(422);
    expect(one.contentType).toMatch(/application\/problem\+json/);
    expect(one.body.code).toBe('ITEM_RULE_VIOLATION');
    expect(one.body.details.violations.map((v: any) => v.rule).sort()).toEqual(['joint-parallel-steps', 'joint-two-departments']);
    expect(one.body.detail).toContain('只有1个部门审批');

    const two = await designer.put('/api/items/GT-002', { ...editable(item), jointDepartments: ['land', 'agri-forestry-water'], note: '宅基地审批改由国土、农林水两部门并联审查（村镇建设意见并入国土）', baseVersion: item.version });
    expect(two.status).toBe(200);
    item = two.body;
    expect(item.jointDepartments).toEqual(['land', 'agri-forestry-water']);
  });

  it('two departments review in parallel, each in its own window’s inbox, to 办结', async () => {
    const caseNo = await takeIn('欧阳·娜仁');
    const reviews = await openStep(caseNo, 'dept-review', 2);
    // each review is at its department's window of 丁堡镇, held by that window's A post
    const byWindow = new Map<string, any>(reviews.map((s: any) => [s.windowId as string, s]));
    expect([...byWindow.keys()].sort()).toEqual(['dingbao-w02', 'dingbao-w07']);
    expect(byWindow.get('dingbao-w02').assignee).toBe('deptclerk');
    expect(byWindow.get('dingbao-w07').assignee).toBe('dingbao-w07-a');

    // each department clerk sees only their own review; the receiving clerk neither
    const inbox = async (c: ApiClient) => ((await c.get('/api/tasks')).body as any[]).filter((t) => t.caseNo === caseNo).map((t) => t.id);
    expect(await inbox(land)).toEqual([byWindow.get('dingbao-w02').taskId]);
    expect(await inbox(agri)).toEqual([byWindow.get('dingbao-w07').taskId]);
    expect(await inbox(clerk)).toEqual([]);
    // and cannot complete the other department's
    expect((await land.post(`/api/tasks/${byWindow.get('dingbao-w07').taskId}/complete`, { decision: 'approve', opinion: '同意' })).status).toBe(403);

    // the case page: the call with both departments' called instances, each with its department
    const rootId: string = (await serviceCase(caseNo)).instanceId;
    const called = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${rootId}`)).body;
      return c.calledCases?.length === 2 ? c.calledCases : undefined;
    }, 'two called department reviews on the case');
    expect(called.every((c: any) => c.elementId === 'dept-reviews' && c.definitionKey === 'department-review')).toBe(true);
    const departments = await Promise.all(called.map(async (c: any) => (await clerk.get(`/api/cases/${c.instanceId}`)).body.variables.department));
    expect(departments.sort()).toEqual(['agri-forestry-water', 'land']);
    // the step limit of the review (5 working days) is each step's own clock on the case
    const page = await serviceCase(caseNo);
    expect(page.steps.filter((s: any) => s.elementId === 'dept-review')).toHaveLength(2);

    expect((await agri.post(`/api/tasks/${byWindow.get('dingbao-w07').taskId}/complete`, { decision: 'approve', opinion: '农林水：不占用林地，同意' })).status).toBe(200);
    expect((await serviceCase(caseNo)).steps.filter((s: any) => s.status === 'open' && s.kind === 'engine').map((s: any) => s.elementId)).toEqual(['dept-review']);
    expect((await land.post(`/api/tasks/${byWindow.get('dingbao-w02').taskId}/complete`, { decision: 'approve', opinion: '国土：符合村庄规划，同意' })).status).toBe(200);

    const [notify] = await openStep(caseNo, 'joint-notify');
    expect(notify.assignee).toBe('clerk');
    expect((await clerk.post(`/api/tasks/${notify.taskId}/complete`, { decision: 'done', notifyWay: 'phone', opinion: '已电话告知申请人' })).status).toBe(200);
    const ended = await waitFor(async () => {
      const c = await serviceCase(caseNo);
      return c.status === 'completed' ? c : undefined;
    }, '办结');
    expect(ended.outcome).toBe('approved');
    expect(ended.steps.filter((s: any) => s.elementId === 'dept-review' && s.status === 'completed')).toHaveLength(2);
  });

  it('one department’s 不同意 ends the case 不予许可 after the window tells the applicant', async () => {
    const caseNo = await takeIn('买买提·艾力');
    const reviews = await openStep(caseNo, 'dept-review', 2);
    const at = (w: string) => reviews.find((s: any) => s.windowId === w);
    expect((await land.post(`/api/tasks/${at('dingbao-w02').taskId}/complete`, { decision: 'approve', opinion: '国土：同意' })).status).toBe(200);
    expect((await agri.post(`/api/tasks/${at('dingbao-w07').taskId}/complete`, { decision: 'reject', opinion: '拟建位置占用基本农田，不同意' })).status).toBe(200);
    const [refusal] = await openStep(caseNo, 'joint-notify-refusal');
    expect((await clerk.post(`/api/tasks/${refusal.taskId}/complete`, { decision: 'done', notifyWay: 'in-person', opinion: '已当面告知' })).status).toBe(200);
    const ended = await waitFor(async () => {
      const c = await serviceCase(caseNo);
      return c.status !== 'in-progress' ? c : undefined;
    }, 'the refused case to end');
    expect(ended.outcome).toBe('rejected');
  });
});
