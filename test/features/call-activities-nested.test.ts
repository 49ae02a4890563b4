/**
 * More of call activities (调用活动, issue 15), through real HTTP, the real engine and the embedded
 * FerretDB, with diagrams as Camunda Modeler 5 exports them:
 * - a multi-instance call with a completion condition (联办件 that needs two departments of three:
 *   `${nrOfCompletedInstances >= 2}`) goes on after the second department; the third department's
 *   called instance is cancelled with its step; a condition that cannot run is refused at deploy;
 * - nested calls on the case page: a town path calls the joint review, which calls each department —
 *   `GET /api/cases/{id}` lists the called instances as a tree (`calledCases` of each), so the case
 *   page links the grandchildren.
 */
import { fixture, waitFor } from '../helpers/api';
import { useDeployedServer } from '../helpers/deploy';

const DEPARTMENTS = ['land', 'village-construction', 'agri-forestry-water'];

describe('a multi-instance call with a completion condition, and nested calls on the case page', () => {
  const server = useDeployedServer('call-nested', { AGENDA_PROCESS_EVERY_MS: '200' }, [
    [fixture('call-dept-review.bpmn'), '部门审查独立成流程'],
    [fixture('call-joint-quorum.bpmn'), '联办件两个部门同意即可办结'],
    [fixture('call-tree-town.bpmn'), '镇级联办件调用并联审查'],
  ]);
  const { designer, clerk, admin } = server;

  const caseOf = async (id: string) => (await admin.get(`/api/cases/${id}`)).body;
  async function completeReview(childId: string, body: Record<string, unknown>) {
    const task = await waitFor(async () => ((await caseOf(childId)).openTasks as any[])[0], `the review in ${childId}`);
    const r = await clerk.post(`/api/tasks/${task.id}/complete`, body);
    expect([r.status, r.body?.code]).toEqual([200, undefined]);
  }

  it('goes on after two of three departments agreed: the third review is cancelled with its step, its opinion null', async () => {
    const r = await clerk.post('/api/cases', { definitionKey: 'call-joint-quorum', businessKey: 'DB20261208001X', variables: { departments: DEPARTMENTS, applicantName: '欧阳·娜仁' } });
    expect([r.status, r.body?.code]).toEqual([201, undefined]);
    const id: string = r.body.id;
    const caller = await waitFor(async () => {
      const c = await caseOf(id);
      return c.calledCases?.length === 3 && c.calledCases.every((x: any) => x.status === 'running') ? c : undefined;
    }, 'three department reviews');
    const children = await Promise.all(caller.calledCases.map(async (c: any) => caseOf(c.instanceId)));
    const byDept = new Map(children.map((c: any) => [c.variables.department as string, c.id as string]));

    await completeReview(byDept.get('agri-forestry-water')!, { decision: 'approve', opinion: '农林水：同意' });
    expect((await caseOf(id)).openTasks).toEqual([]);
    await completeReview(byDept.get('land')!, { decision: 'approve', opinion: '国土：同意' });
    const after = await waitFor(async () => {
      const c = await caseOf(id);
      return c.openTasks.some((t: any) => t.elementId === 'joint-notify') ? c : undefined;
    }, 'the caller to go on after two departments');
    expect(after.variables.deptOpinion).toEqual(['国土：同意', null, '农林水：同意']);
    // the review still open is cancelled: its instance and its step
    const third = await waitFor(async () => {
      const c = await caseOf(byDept.get('village-construction')!);
      return c.status === 'cancelled' ? c : undefined;
    }, 'the third review to be cancelled');
    expect(third.tasks.map((t: any) => t.status)).toEqual(['cancelled']);
    expect((await caseOf(id)).calledCases.map((c: any) => [c.instanceId === byDept.get('village-construction'), c.status]).sort()).toEqual([[false, 'completed'], [false, 'completed'], [true, 'cancelled']]);
    // the cancelled department's step is nobody's any more
    expect(((await clerk.get('/api/tasks')).body as any[]).some((t) => t.caseId === byDept.get('village-construction'))).toBe(false);
  });

  it('refuses at deploy a completion condition that cannot run, naming the element (422 problem+json)', async () => {
    const xml = fixture('call-joint-quorum.bpmn');
    for (const [condition, text] of [
      ['nrOfCompletedInstances &gt;= 2', 'plain text would end the loop'],
      ['${nrOfCompletedInstances &gt;=}', 'completion condition'],
    ] as const) {
      const r = await designer.deployXml(xml.replace('${nrOfCompletedInstances &gt;= 2}', condition), '完成条件写法错误');
      expect([r.status, r.body.code, r.contentType]).toEqual([422, 'INVALID_DIAGRAM', expect.stringContaining('application/problem+json')]);
      expect(r.body.detail).toContain('dept-reviews: ');
      expect(r.body.detail).toContain(text);
    }
  });

  it('lists the called instances as a tree: the town’s joint review and, under it, each department’s review', async () => {
    const r = await clerk.post('/api/cases', { definitionKey: 'call-tree-town', businessKey: 'DB20261208002X', variables: { departments: DEPARTMENTS, applicantName: '买买提·艾力' } });
    expect([r.status, r.body?.code]).toEqual([201, undefined]);
    const id: string = r.body.id;
    // the town's clerk reads the tree (the called instances are the town's)
    const town = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${id}`)).body;
      return c.calledCases?.[0]?.calledCases?.length === 3 ? c : undefined;
    }, 'the departments under the joint review');
    expect(town.calledCases).toEqual([expect.objectContaining({ elementId: 'joint', definitionKey: 'call-joint-quorum', definitionVersion: 1, status: 'running' })]);
    const joint = town.calledCases[0];
    expect(joint.calledCases.map((c: any) => [c.elementId, c.definitionKey, c.status])).toEqual(DEPARTMENTS.map(() => ['dept-reviews', 'dept-review', 'running']));
    expect(joint.calledCases.every((c: any) => c.calledCases === undefined && c.truncated === undefined)).toBe(true);
    // the middle level's own view lists its children, with its parent
    const mid = (await clerk.get(`/api/cases/${joint.instanceId}`)).body;
    expect(mid).toMatchObject({ parent: { instanceId: id, elementId: 'joint', rootInstanceId: id } });
    expect(mid.calledCases.map((c: any) => c.instanceId)).toEqual(joint.calledCases.map((c: any) => c.instanceId));
    // a grandchild knows the case's root
    const grandchild = (await clerk.get(`/api/cases/${joint.calledCases[0].instanceId}`)).body;
    expect(grandchild).toMatchObject({ parent: { instanceId: joint.instanceId, rootInstanceId: id } });

    // two departments agree: the tree shows the third cancelled and the joint review done
    await completeReview(joint.calledCases[0].instanceId, { decision: 'approve', opinion: '国土：同意' });
    await completeReview(joint.calledCases[2].instanceId, { decision: 'approve', opinion: '农林水：同意' });
    const notify = await waitFor(async () => ((await caseOf(joint.instanceId)).openTasks as any[]).find((t) => t.elementId === 'joint-notify'), 'the joint review to notify');
    const n = await clerk.post(`/api/tasks/${notify.id}/complete`, { variables: { notified: true } });
    expect([n.status, n.body?.code]).toEqual([200, undefined]);
    const done = await waitFor(async () => {
      const c = (await clerk.get(`/api/cases/${id}`)).body;
      return c.calledCases[0].status === 'completed' ? c : undefined;
    }, 'the joint review to complete');
    expect(done.calledCases[0].calledCases.map((c: any) => c.status)).toEqual(['completed', 'cancelled', 'completed']);
    expect(done.status).toBe('completed');
    // another town's clerk does not learn of it
    const other = await server.as('dongzhen-w10-a');
    expect((await other.get(`/api/cases/${id}`)).status).toBe(404);
  });
});
