/**
 * Decisions (决策表, DMN decision tables) deployed next to diagrams over real HTTP: the seed deploys
 * the HJ-001 居民身份证 fee table (收费标准) from processes/decisions; a designer deploys a new
 * version with its change note; hostile or unsupported DMN (an entity bomb, an external entity, a
 * FEEL `for` loop in an output entry, an unknown hit policy) is refused with 422
 * application/problem+json naming the decision, rule and column, and writes nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../helpers/api';
import { useServer } from '../helpers/suite';

const FEE_DMN = readFileSync(path.join(__dirname, '../../processes/decisions/hj-001-id-card-fee.dmn'), 'utf8');
/** A diagram as Camunda Modeler 5 (Camunda 7) exports it: 受理 → 核定收费 (business rule task) → 缴费. */
function feeDiagram(id: string, decisionRef: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_0fee" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.31.0" modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.22.0">
  <bpmn:process id="${id}" name="居民身份证申领（收费核定）" isExecutable="true" camunda:historyTimeToLive="180">
    <bpmn:startEvent id="StartEvent_1" name="收件"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_accept" name="受理" camunda:candidateGroups="town-window"><bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:userTask>
    <bpmn:businessRuleTask id="Activity_fee" name="核定工本费" camunda:resultVariable="feeFen" camunda:decisionRef="${decisionRef}" camunda:mapDecisionResult="singleEntry"${extra}><bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:userTask id="Activity_pay" name="缴费" camunda:candidateGroups="town-window"><bpmn:incoming>Flow_3</bpmn:incoming><bpmn:outgoing>Flow_4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="Event_end" name="办结"><bpmn:incoming>Flow_4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_accept" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_accept" targetRef="Activity_fee" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Activity_fee" targetRef="Activity_pay" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_pay" targetRef="Event_end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_accept_di" bpmnElement="Activity_accept"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_fee_di" bpmnElement="Activity_fee"><dc:Bounds x="390" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_pay_di" bpmnElement="Activity_pay"><dc:Bounds x="540" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Event_end_di" bpmnElement="Event_end"><dc:Bounds x="692" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="340" y="120" /><di:waypoint x="390" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_3_di" bpmnElement="Flow_3"><di:waypoint x="490" y="120" /><di:waypoint x="540" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_4_di" bpmnElement="Flow_4"><di:waypoint x="640" y="120" /><di:waypoint x="692" y="120" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

const deployDmn = (c: ApiClient, xml: string, note = '测试部署') => c.post('/api/decisions', xml, { 'content-type': 'application/xml', 'x-change-note': encodeURIComponent(note) });

describe('decisions (决策表) are deployed next to diagrams, with versions', () => {
  const server = useServer('decisions');
  let designer: ApiClient;
  let clerk: ApiClient;

  beforeAll(async () => {
    designer = await server.as('designer');
    clerk = await server.as('clerk');
  });

  it('lists the seeded fee table, deploys a new version with its change note, serves the XML', async () => {
    const list = await clerk.get('/api/decisions');
    expect(list.status).toBe(200);
    expect(list.body.find((d: any) => d.key === 'hj001Fee')).toMatchObject({ latestVersion: 1, name: '居民身份证工本费（HJ-001 收费标准）' });

    expect((await deployDmn(clerk, FEE_DMN)).status).toBe(403);
    const noNote = await designer.post('/api/decisions', FEE_DMN, { 'content-type': 'application/xml' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.code).toBe('CHANGE_NOTE_REQUIRED');

    const v2 = await deployDmn(designer, FEE_DMN.replace('<text>1000</text>', '<text>1000 + 0</text>'), '临时身份证工本费写成表达式');
    expect(v2.status).toBe(201);
    expect(v2.body).toEqual([expect.objectContaining({ key: 'hj001Fee', version: 2, hitPolicy: 'UNIQUE', changeNote: '临时身份证工本费写成表达式', deployedBy: 'designer' })]);
    const v3 = await designer.post('/api/decisions', { xml: FEE_DMN, note: '恢复原表' });
    expect(v3.status).toBe(201);

    const entry = await clerk.get('/api/decisions/hj001Fee');
    expect(entry.status).toBe(200);
    expect(entry.body.versions.map((v: any) => v.version)).toEqual([3, 2, 1]);
    expect(entry.body.versions[2].changeNote).toBe('平台预置的决策表（首次启动）');
    const xml = await clerk.get('/api/decisions/hj001Fee/xml');
    expect(xml.status).toBe(200);
    expect(xml.contentType).toMatch(/application\/xml/);
    expect(xml.body).toBe(FEE_DMN);
    const missing = await clerk.get('/api/decisions/nope');
    expect(missing.status).toBe(404);
    expect(missing.contentType).toMatch(/problem\+json/);
  });

  it('refuses hostile and unsupported DMN with 422 problem+json naming decision, rule and column, and writes nothing', async () => {
    const before = (await clerk.get('/api/decisions/hj001Fee')).body.latestVersion;
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>${FEE_DMN.replace(/^<\?xml[^>]*>/, '').replace('name="居民身份证工本费（HJ-001 收费标准）"', 'name="&lol2;"')}`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${FEE_DMN.replace(/^<\?xml[^>]*>/, '').replace('<text>1000</text>', '<text>"&x;"</text>')}`;
    for (const xml of [bomb, xxe]) {
      const r = await deployDmn(designer, xml);
      expect(r.status).toBe(422);
      expect(r.contentType).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe('DMN_DOCTYPE_REFUSED');
    }
    const loop = await deployDmn(designer, FEE_DMN.replace('<text>2000</text>', '<text>sum(for i in 1..100000000 return i)</text>'));
    expect(loop.status).toBe(422);
    expect(loop.contentType).toMatch(/application\/problem\+json/);
    expect(loop.body.code).toBe('DMN_FEEL_INVALID');
    expect(loop.body.detail).toMatch(/decision "hj001Fee", rule "Rule_standard", output 1 \(feeFen\)/);
    const policy = await deployDmn(designer, FEE_DMN.replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"'));
    expect(policy.status).toBe(422);
    expect(policy.body.code).toBe('DMN_HIT_POLICY_UNSUPPORTED');
    const unary = await deployDmn(designer, FEE_DMN.replace('<text>"补领"</text>', '<text>"补领</text>'));
    expect(unary.status).toBe(422);
    expect(unary.body.detail).toMatch(/rule "Rule_replace", input 1 \(申领类型\)/);
    const notXml = await deployDmn(designer, 'not xml at all');
    expect([400, 415]).toContain(notXml.status);
    expect(notXml.contentType).toMatch(/problem\+json/);
    expect((await clerk.get('/api/decisions/hj001Fee')).body.latestVersion).toBe(before);
  });

  it('a business rule task decides the fee inside the command: the fee variable is in the same revision; a missing decision refuses the deploy; an evaluation error refuses the command', async () => {
    const missing = await designer.deployXml(feeDiagram('id-card-fee-missing', 'noSuchDecision'));
    expect(missing.status).toBe(422);
    expect(missing.contentType).toMatch(/application\/problem\+json/);
    expect(missing.body.code).toBe('DECISION_NOT_FOUND');
    expect(missing.body.detail).toBe('业务规则任务「核定工本费」引用的决策表「noSuchDecision」尚未部署：请先部署决策表（POST /api/decisions），再部署流程图');
    expect(missing.body.details).toMatchObject({ elementId: 'Activity_fee', elementName: '核定工本费', decisionRef: 'noSuchDecision' });
    const badVersion = await designer.deployXml(feeDiagram('id-card-fee-v99', 'hj001Fee', ' camunda:decisionRefBinding="version" camunda:decisionRefVersion="99"'));
    expect(badVersion.status).toBe(422);
    expect(badVersion.body.code).toBe('DECISION_NOT_FOUND');

    for (const [xml, says] of [
      [feeDiagram('id-card-bad', 'hj001Fee', ' camunda:decisionRefBinding="deployment"'), /的版本绑定「deployment」不受支持/],
      [feeDiagram('id-card-bad', 'hj001Fee').replace('camunda:mapDecisionResult="singleEntry"', 'camunda:mapDecisionResult="everything"'), /的结果映射「everything」不受支持/],
      [feeDiagram('id-card-bad', 'hj001Fee').replace(' camunda:resultVariable="feeFen"', ''), /未设置结果变量：决策结果写入该变量/],
      [feeDiagram('id-card-bad', '${decisionName}'), /的决策表「\$\{decisionName\}」不是决策表标识/],
      [feeDiagram('id-card-bad', 'hj001Fee', ' camunda:class="com.example.FeeDelegate"'), /不运行程序代码/],
    ] as const) {
      const r = await designer.deployXml(xml);
      expect(r.status).toBe(422);
      expect(r.contentType).toMatch(/application\/problem\+json/);
      // in Chinese, naming the task by its name (not its generated id)
      expect(r.body.detail).toMatch(/^业务规则任务「核定工本费」/);
      expect(r.body.detail).toMatch(says);
    }

    const deployed = await designer.deployXml(feeDiagram('id-card-fee', 'hj001Fee', ' camunda:decisionRefBinding="version" camunda:decisionRefVersion="1"'));
    expect(deployed.status).toBe(201);
    const started = await clerk.post('/api/cases', { definitionKey: 'id-card-fee', variables: { applyType: '申领', lowIncome: true } });
    expect(started.status).toBe(201);
    expect(started.body.openTasks.map((t: any) => t.elementId)).toEqual(['Activity_accept']);
    const done = await clerk.post(`/api/tasks/${started.body.openTasks[0].id}/complete`, { variables: { applyType: '补领' } });
    expect(done.status).toBe(200);
    expect(done.body.variables.feeFen).toBe(2000);
    const after = (await clerk.get(`/api/cases/${started.body.id}`)).body;
    expect(after.openTasks.map((t: any) => t.elementId)).toEqual(['Activity_pay']);

    // a table whose rules overlap under UNIQUE: the command is refused, the case stays at 受理
    const overlap = FEE_DMN.replaceAll('hj001Fee', 'overlapFee').replace('<text>"补领"</text>', '<text>"补领","申领"</text>');
    expect((await deployDmn(designer, overlap, '重叠规则（测试）')).status).toBe(201);
    expect((await designer.deployXml(feeDiagram('id-card-overlap', 'overlapFee'))).status).toBe(201);
    const c2 = (await clerk.post('/api/cases', { definitionKey: 'id-card-overlap', variables: {} })).body;
    const refused = await clerk.post(`/api/tasks/${c2.openTasks[0].id}/complete`, { variables: { applyType: '申领', lowIncome: false } });
    expect(refused.status).toBe(422);
    expect(refused.contentType).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('DMN_UNIQUE_VIOLATED');
    expect(refused.body.detail).toMatch(/Activity_fee.*overlapFee.*Rule_standard, Rule_replace/);
    const still = (await clerk.get(`/api/cases/${c2.id}`)).body;
    expect(still.openTasks.map((t: any) => t.elementId)).toEqual(['Activity_accept']);
    expect(still.variables?.feeFen).toBeUndefined();
  });
});
