/**
 * 会签: a multi-instance user task (issue 15), through real HTTP, the real engine and the embedded
 * FerretDB, with a diagram as Camunda Modeler 5 exports it — `camunda:collection="${signers}"` with
 * `camunda:elementVariable="signer"` and `camunda:assignee="${signer}"`:
 * - each iteration is a step of its own, held by its signer (the element variable resolves the
 *   assignee, as Camunda's local variable does);
 * - three signers complete out of order; after the activity every variable the iterations submitted
 *   is a list in loop order (the signers' order, not the order of completion) — as a multi-instance
 *   call activity returns its `camunda:out` variables — and a FEEL gateway routes on it
 *   (`= list contains(decision, "reject")`).
 */
import { ApiClient, waitFor } from '../helpers/api';
import { useServer } from '../helpers/suite';

const COUNTERSIGN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:modeler="http://camunda.org/schema/modeler/1.0" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre" id="Definitions_cs" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.31.0" modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.22.0">
  <bpmn:process id="countersign-item" name="镇班子成员会签" isExecutable="true" camunda:historyTimeToLive="180" svc:orgLevel="town">
    <bpmn:startEvent id="StartEvent_1" name="发起会签">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="countersign" name="班子成员会签" camunda:assignee="\${signer}" svc:timeLimit="P3D" svc:stepKind="approve">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="\${signers}" camunda:elementVariable="signer" />
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_result" name="会签结论" default="Flow_agreed">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_agreed</bpmn:outgoing>
      <bpmn:outgoing>Flow_refused</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="archive" name="归档" camunda:candidateGroups="town-window" svc:timeLimit="P1D">
      <bpmn:incoming>Flow_agreed</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="rework" name="意见不一致，退回承办人" camunda:candidateGroups="town-window" svc:timeLimit="P1D">
      <bpmn:incoming>Flow_refused</bpmn:incoming>
      <bpmn:outgoing>Flow_4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" name="办结">
      <bpmn:incoming>Flow_3</bpmn:incoming>
      <bpmn:incoming>Flow_4</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="countersign" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="countersign" targetRef="Gateway_result" />
    <bpmn:sequenceFlow id="Flow_agreed" name="一致同意" sourceRef="Gateway_result" targetRef="archive" />
    <bpmn:sequenceFlow id="Flow_refused" name="有人不同意" sourceRef="Gateway_result" targetRef="rework">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">= list contains(decision, "reject")</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="archive" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="rework" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>`;

/** The signers, in the collection's (loop) order: two window clerks of 丁堡镇 and its centre's head. */
const SIGNERS = ['clerk', 'clerkb', 'manager'];

describe('会签: a multi-instance user task collects what each signer submitted', () => {
  const server = useServer('countersign');
  let clerk: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    const designer = await server.as('designer');
    clerk = await server.as('clerk');
    admin = await server.as('admin');
    const d = await designer.deployXml(COUNTERSIGN, '班子成员会签，意见按顺序汇总');
    expect([d.status, d.body?.code]).toEqual([201, undefined]);
  });

  async function start(businessKey: string) {
    const r = await clerk.post('/api/cases', { definitionKey: 'countersign-item', businessKey, variables: { signers: SIGNERS, applicantName: '司马·伊明' } });
    expect([r.status, r.body?.code]).toEqual([201, undefined]);
    const id: string = r.body.id;
    const open = await waitFor(async () => {
      const c = (await admin.get(`/api/cases/${id}`)).body;
      return c.openTasks?.length === 3 ? (c.openTasks as any[]) : undefined;
    }, 'three countersign steps');
    return { id, open };
  }

  async function sign(task: any, body: Record<string, unknown>) {
    const who = await server.as(task.assignee);
    const r = await who.post(`/api/tasks/${task.id}/complete`, body);
    expect([task.assignee, r.status, r.body?.code]).toEqual([task.assignee, 200, undefined]);
    return r.body;
  }

  it('three signers complete out of order: each variable they submitted is a list in the signers’ order after the activity', async () => {
    const { id, open } = await start('DB20261208101X');
    // one step per signer, held by that signer (camunda:assignee="${signer}" with the iteration's element)
    expect(open.map((t) => [t.elementId, t.assignee])).toEqual(SIGNERS.map((s) => ['countersign', s]));
    const bySigner = new Map(open.map((t) => [t.assignee as string, t]));

    // the head of the centre first, then the second clerk, then the first
    await sign(bySigner.get('manager'), { decision: 'approve', opinion: '同意。欧阳卫东', variables: { signedAt: '2026-12-08T09:10:00+08:00' } });
    const mid = (await admin.get(`/api/cases/${id}`)).body;
    expect(mid.openTasks.map((t: any) => t.assignee)).toEqual(['clerk', 'clerkb']);
    await sign(bySigner.get('clerkb'), { decision: 'approve', opinion: '同意，材料齐全' });
    const done = await sign(bySigner.get('clerk'), { decision: 'approve', opinion: '同意', variables: { signedAt: '2026-12-08T10:30:00+08:00' } });
    expect(done.openTasks.map((t: any) => t.elementId)).toEqual(['archive']);

    const after = (await admin.get(`/api/cases/${id}`)).body;
    // in loop order (clerk, clerkb, manager), not in the order they signed; null where a signer did not submit it
    expect(after.variables.decision).toEqual(['approve', 'approve', 'approve']);
    expect(after.variables.opinion).toEqual(['同意', '同意，材料齐全', '同意。欧阳卫东']);
    expect(after.variables.signedAt).toEqual(['2026-12-08T10:30:00+08:00', null, '2026-12-08T09:10:00+08:00']);
    expect(after.variables.signers).toEqual(SIGNERS);
    // each signer's step is completed by that signer
    expect((after.tasks as any[]).filter((t) => t.elementId === 'countersign').map((t) => [t.assignee, t.status, t.completedBy])).toEqual(SIGNERS.map((s) => [s, 'completed', s]));
  });

  it('one refusal among three (completed out of order) routes on the list: = list contains(decision, "reject")', async () => {
    const { id, open } = await start('DB20261208102X');
    const bySigner = new Map(open.map((t) => [t.assignee as string, t]));
    await sign(bySigner.get('clerkb'), { decision: 'reject', opinion: '宅基地四至与村委证明不一致' });
    await sign(bySigner.get('manager'), { decision: 'approve', opinion: '同意' });
    const done = await sign(bySigner.get('clerk'), { decision: 'approve', opinion: '同意' });
    expect(done.openTasks.map((t: any) => t.elementId)).toEqual(['rework']);
    const after = (await admin.get(`/api/cases/${id}`)).body;
    expect(after.variables.decision).toEqual(['approve', 'reject', 'approve']);
    expect(after.variables.opinion).toEqual(['同意', '宅基地四至与村委证明不一致', '同意']);
  });
});
