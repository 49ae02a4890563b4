/**
 * Multi-instance call activities (多实例调用活动, 联办件: every department's review is its own small
 * process, one called instance per department) in one command's run of the real bpmn-engine, no
 * database: each iteration waits as a call of its own (its loop index and element), recovered from the
 * state between commands; the caller goes on when every iteration returned, with each out-mapped
 * variable as a list in loop order; an error thrown into one iteration is caught by the call's
 * boundary event and the other iterations stop waiting. Sequential: one iteration at a time.
 */
import { runEngine, type RunResult } from '../run-engine';
import { validateDefinition } from '../validate-definition';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';
const now = () => new Date('2026-12-07T02:00:00Z');

function joint(loop = '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${departments}" camunda:elementVariable="department" />') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d" targetNamespace="http://example.com/test">
  <bpmn:error id="Err" name="部门不同意" errorCode="DEPT_REFUSED" />
  <bpmn:process id="joint" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:callActivity id="dept-reviews" name="各部门并联审查" calledElement="dept-review">
      <bpmn:extensionElements><camunda:in source="department" target="department" /><camunda:out source="deptOpinion" target="deptOpinion" /></bpmn:extensionElements>
      ${loop}
    </bpmn:callActivity>
    <bpmn:boundaryEvent id="refused" attachedToRef="dept-reviews"><bpmn:errorEventDefinition errorRef="Err" /></bpmn:boundaryEvent>
    <bpmn:userTask id="notify" name="牵头窗口告知联办结果" />
    <bpmn:userTask id="notify-refusal" name="告知不予许可" />
    <bpmn:endEvent id="end" /><bpmn:endEvent id="end-refused" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="dept-reviews" />
    <bpmn:sequenceFlow id="f2" sourceRef="dept-reviews" targetRef="notify" />
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="refused" targetRef="notify-refusal" />
    <bpmn:sequenceFlow id="f5" sourceRef="notify-refusal" targetRef="end-refused" />
  </bpmn:process>
</bpmn:definitions>`;
}

const DEPTS = ['land', 'village-construction', 'agri-forestry-water'];

function next(prev: RunResult, apply: Parameters<typeof runEngine>[0]['apply']) {
  return runEngine({ name: 'joint-1', state: prev.state, previous: prev, now, apply });
}

describe('multi-instance call activities in the engine', () => {
  it('parallel: one waiting call per department with its element; the caller goes on after the last, with the out-mapped opinions as a list in loop order', async () => {
    const first = await runEngine({ name: 'joint-1', source: joint(), variables: { departments: DEPTS, caseNo: 'DB20261207001X' }, previous: null, now });
    expect(first.calls.map((c) => [c.elementId, c.loop])).toEqual(DEPTS.map((d, i) => ['dept-reviews', { index: i, elementVariable: 'department', item: d }]));
    expect(new Set(first.calls.map((c) => c.executionId)).size).toBe(3);
    expect(first.newCalls).toEqual(first.calls);
    // the second department returns first, from the recovered state
    const [c0, c1, c2] = first.calls;
    const a = await next(first, (ctx) => ctx.returnCall(c1!.executionId, { deptOpinion: '村镇建设：同意' }));
    expect(a.calls.map((c) => c.executionId)).toEqual([c0!.executionId, c2!.executionId]);
    expect(a.newCalls).toEqual([]);
    expect(a.openTasks).toEqual([]);
    const b = await next(a, (ctx) => ctx.returnCall(c2!.executionId, { deptOpinion: '农林水：同意' }));
    const c = await next(b, (ctx) => ctx.returnCall(c0!.executionId, { deptOpinion: '国土：同意' }));
    expect(c.calls).toEqual([]);
    expect(c.openTasks.map((t) => t.elementId)).toEqual(['notify']);
    expect(c.variables.deptOpinion).toEqual(['国土：同意', '村镇建设：同意', '农林水：同意']);
  });

  it('sequential: the next department’s call waits only after the previous returned', async () => {
    const first = await runEngine({ name: 'joint-1', source: joint('<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${departments}" camunda:elementVariable="department" />'), variables: { departments: DEPTS }, previous: null, now });
    expect(first.calls.map((c) => c.loop?.item)).toEqual(['land']);
    let run = first;
    for (const [i, d] of DEPTS.entries()) {
      expect(run.calls.map((c) => c.loop)).toEqual([{ index: i, elementVariable: 'department', item: d }]);
      run = await next(run, (ctx) => ctx.returnCall(run.calls[0]!.executionId, { deptOpinion: `${d}：同意` }));
    }
    expect(run.openTasks.map((t) => t.elementId)).toEqual(['notify']);
    expect(run.variables.deptOpinion).toEqual(DEPTS.map((d) => `${d}：同意`));
  });

  it('an error thrown into one department’s call is caught on the call activity; the other calls stop waiting', async () => {
    const first = await runEngine({ name: 'joint-1', source: joint(), variables: { departments: DEPTS }, previous: null, now });
    const failed = await next(first, (ctx) => ctx.failCall(first.calls[1]!.executionId, { message: 'dept-review ended with error DEPT_REFUSED', code: 'DEPT_REFUSED' }));
    expect(failed.status).toBe('running');
    expect(failed.calls).toEqual([]);
    expect(failed.openTasks.map((t) => t.elementId)).toEqual(['notify-refusal']);
  });

  it('deploy reads the loop of a call activity and refuses a collection that is not an expression', async () => {
    const v = await validateDefinition(joint());
    expect(v.callActivities[0]).toMatchObject({ elementId: 'dept-reviews', calledElement: 'dept-review', loop: { sequential: false, collection: '${departments}', elementVariable: 'department' } });
    await expect(validateDefinition(joint('<bpmn:multiInstanceLoopCharacteristics camunda:collection="departments" camunda:elementVariable="department" />'))).rejects.toMatchObject({ code: 'INVALID_DIAGRAM', message: expect.stringContaining('must be a ${…} expression') });
    await expect(validateDefinition(joint('<bpmn:multiInstanceLoopCharacteristics />'))).rejects.toMatchObject({ message: expect.stringContaining('needs camunda:collection') });
    // a completion condition is read (loop-completion.test.ts); plain text would end the loop at once
    await expect(validateDefinition(joint('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${departments}"><bpmn:completionCondition>${done}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>'))).resolves.toBeTruthy();
    await expect(validateDefinition(joint('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${departments}"><bpmn:completionCondition>done</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>'))).rejects.toMatchObject({ message: expect.stringContaining('completion condition "done" must be') });
  });
});
