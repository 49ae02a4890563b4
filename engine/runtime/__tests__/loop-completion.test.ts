/**
 * Multi-instance completion conditions (多实例完成条件, issue 15) in one command's run of the real
 * bpmn-engine, no database: a 联办件 whose departments review in parallel goes on once two of three
 * agreed (`${nrOfCompletedInstances >= 2}`, or FEEL `= nrOfCompletedInstances >= 2`) — the third
 * department's call stops waiting, its opinion is null in the list; a sequential loop stops at the
 * first refusal read from the completed iteration's variables; parallel user tasks (会签) end when
 * one of them decides. Conditions go through the platform's safe evaluator with Camunda's loop
 * variables; what still cannot run is refused at deploy naming the element.
 */
import { runEngine, type RunResult } from '../run-engine';
import { validateDefinition } from '../validate-definition';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';
const now = () => new Date('2026-12-07T02:00:00Z');
const DEPTS = ['land', 'village-construction', 'agri-forestry-water'];

/** A call activity per department (Camunda Modeler 5 writes the condition as a tFormalExpression). */
function joint(condition: string, sequential = false) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.31.0">
  <bpmn:process id="joint" name="联办件并联审查" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:callActivity id="dept-reviews" name="各部门并联审查" calledElement="dept-review">
      <bpmn:extensionElements><camunda:in source="department" target="department" /><camunda:out source="deptOpinion" target="deptOpinion" /><camunda:out source="agreed" target="agreed" /></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="${sequential}" camunda:collection="\${departments}" camunda:elementVariable="department">
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">${condition}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:callActivity>
    <bpmn:userTask id="notify" name="牵头窗口告知联办结果" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="dept-reviews" />
    <bpmn:sequenceFlow id="f2" sourceRef="dept-reviews" targetRef="notify" />
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
}

function next(prev: RunResult, apply: Parameters<typeof runEngine>[0]['apply']) {
  return runEngine({ name: 'joint-1', state: prev.state, previous: prev, now, apply });
}

describe('multi-instance completion conditions in the engine', () => {
  for (const condition of ['${nrOfCompletedInstances >= 2}', '= nrOfCompletedInstances >= 2', '${nrOfCompletedInstances / nrOfInstances >= 0.6 and nrOfActiveInstances == 1}']) {
    it(`parallel, ${condition}: the call goes on after two departments, the third stops waiting`, async () => {
      const first = await runEngine({ name: 'joint-1', source: joint(condition), variables: { departments: DEPTS, caseNo: 'DB20261207001X' }, previous: null, now });
      expect(first.calls).toHaveLength(3);
      const [c0, c1, c2] = first.calls;
      // one returned: not yet (each command recovers the state: the count survives it)
      const a = await next(first, (ctx) => ctx.returnCall(c2!.executionId, { deptOpinion: '农林水：同意', agreed: true }));
      expect(a.calls.map((c) => c.executionId)).toEqual([c0!.executionId, c1!.executionId]);
      const b = await next(a, (ctx) => ctx.returnCall(c0!.executionId, { deptOpinion: '国土：同意', agreed: true }));
      expect(b.calls).toEqual([]);
      expect(b.openTasks.map((t) => t.elementId)).toEqual(['notify']);
      expect(b.status).toBe('running');
      // in loop order; the department that never answered has no opinion
      expect(b.variables.deptOpinion).toEqual(['国土：同意', null, '农林水：同意']);
    });
  }

  it('sequential: the loop ends at the first refusal, read from the variables the department returned', async () => {
    const first = await runEngine({ name: 'joint-1', source: joint('${agreed == false}', true), variables: { departments: DEPTS }, previous: null, now });
    expect(first.calls.map((c) => c.loop?.item)).toEqual(['land']);
    const a = await next(first, (ctx) => ctx.returnCall(first.calls[0]!.executionId, { deptOpinion: '国土：同意', agreed: true }));
    expect(a.calls.map((c) => c.loop?.item)).toEqual(['village-construction']);
    const b = await next(a, (ctx) => ctx.returnCall(a.calls[0]!.executionId, { deptOpinion: '村镇建设：不同意', agreed: false }));
    expect(b.calls).toEqual([]);
    expect(b.openTasks.map((t) => t.elementId)).toEqual(['notify']);
    expect(b.variables.deptOpinion).toEqual(['国土：同意', '村镇建设：不同意']);
  });

  it('parallel user tasks (会签): one decision ends the loop, the other steps are no longer open', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d2" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="sign" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="countersign" name="会签">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="\${signers}" camunda:elementVariable="signer">
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">= decision = "veto" or nrOfCompletedInstances = nrOfInstances</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:userTask id="after" name="办结" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="countersign" />
    <bpmn:sequenceFlow id="f2" sourceRef="countersign" targetRef="after" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
    await expect(validateDefinition(xml)).resolves.toMatchObject({ processId: 'sign' });
    const first = await runEngine({ name: 'sign-1', source: xml, variables: { signers: ['张敏', '欧阳卫东', '林建华'] }, previous: null, now });
    expect(first.openTasks.map((t) => t.elementId)).toEqual(['countersign', 'countersign', 'countersign']);
    const a = await runEngine({ name: 'sign-1', state: first.state, previous: first, now, apply: (ctx) => ctx.signalTask(first.openTasks[0]!.executionId, { decision: 'approve' }) });
    expect(a.openTasks).toHaveLength(2);
    const b = await runEngine({ name: 'sign-1', state: a.state, previous: a, now, apply: (ctx) => ctx.signalTask(a.openTasks[1]!.executionId, { decision: 'veto' }) });
    expect(b.openTasks.map((t) => t.elementId)).toEqual(['after']);
    expect(b.status).toBe('running');
  });

  it('deploy accepts ${…} and FEEL conditions and refuses what cannot run, naming the element', async () => {
    await expect(validateDefinition(joint('${nrOfCompletedInstances >= 2}'))).resolves.toMatchObject({ callActivities: [expect.objectContaining({ elementId: 'dept-reviews' })] });
    await expect(validateDefinition(joint('= nrOfCompletedInstances >= 2'))).resolves.toBeTruthy();
    const refused = async (condition: string, text: string) => {
      await expect(validateDefinition(joint(condition))).rejects.toMatchObject({ code: 'INVALID_DIAGRAM', message: expect.stringContaining(text) });
      await expect(validateDefinition(joint(condition))).rejects.toMatchObject({ message: expect.stringMatching(/^dept-reviews: /) });
    };
    await refused('nrOfCompletedInstances &gt;= 2', 'plain text would end the loop');
    await refused('${nrOfCompletedInstances &gt;=}', 'completion condition');
    await refused('= nrOfCompletedInstances &gt;=', 'FEEL completion condition');
    await refused('${environment.services.constructor()}', 'completion condition');
    const script = joint('x').replace('<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">x', '<bpmn:completionCondition xsi:type="bpmn:tFormalExpression" language="javascript">next(null, true)');
    await expect(validateDefinition(script)).rejects.toMatchObject({ message: expect.stringContaining('completion condition language "javascript" is not supported') });
  });
});
