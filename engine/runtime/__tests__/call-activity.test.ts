/**
 * Call activities (调用活动) in one command's run of the real bpmn-engine, no database: the call
 * waits and is reported (re-reported after recover, as waits are); the host completes it with the
 * out-mapped variables, or throws a BPMN error into it that the boundary error event with that
 * code catches (else the instance fails); a called process that ends through an error end event
 * reports the error for its caller. And the deploy-time reading of calledElement, binding and
 * camunda:in/out.
 */
import { runEngine } from '../run-engine';
import { validateDefinition } from '../validate-definition';
import { childInstanceId, mapVariables } from '../../services/process-service';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';

/** The town: 初审 → call 报市中心审批 (boundary CITY_REJECTED → 退回) → 通知办结. */
function town(call = 'calledElement="report-up-city"', mappings = '<camunda:in source="townOpinion" target="townOpinion" /><camunda:out source="cityOpinion" target="cityOpinion" />') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d" targetNamespace="http://example.com/test">
  <bpmn:error id="Err" name="市中心不予批准" errorCode="CITY_REJECTED" />
  <bpmn:process id="town" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:callActivity id="report-to-city" name="报市中心审批" ${call}><bpmn:extensionElements>${mappings}</bpmn:extensionElements></bpmn:callActivity>
    <bpmn:boundaryEvent id="rejected" attachedToRef="report-to-city"><bpmn:errorEventDefinition errorRef="Err" /></bpmn:boundaryEvent>
    <bpmn:userTask id="notify-result" name="通知办结" />
    <bpmn:userTask id="notify-rejection" name="通知退回" />
    <bpmn:endEvent id="end" /><bpmn:endEvent id="end-rejected" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="report-to-city" />
    <bpmn:sequenceFlow id="f2" sourceRef="report-to-city" targetRef="notify-result" />
    <bpmn:sequenceFlow id="f3" sourceRef="notify-result" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="rejected" targetRef="notify-rejection" />
    <bpmn:sequenceFlow id="f5" sourceRef="notify-rejection" targetRef="end-rejected" />
  </bpmn:process>
</bpmn:definitions>`;
}

const CITY_REJECTS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="c" targetNamespace="http://example.com/test">
  <bpmn:error id="Err" name="市中心不予批准" errorCode="CITY_REJECTED" />
  <bpmn:process id="report-up-city" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />
    <bpmn:endEvent id="e"><bpmn:errorEventDefinition errorRef="Err" /></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>`;

const now = () => new Date('2026-12-07T02:00:00Z');

async function startTown() {
  const first = await runEngine({ name: 'town-1', source: town(), variables: { townOpinion: '同意上报', caseNo: 'DB20261207001' }, previous: null, now });
  expect(first.status).toBe('running');
  expect(first.calls).toEqual([expect.objectContaining({ elementId: 'report-to-city', calledElement: 'report-up-city', name: '报市中心审批' })]);
  expect(first.newCalls).toEqual(first.calls);
  expect(first.activeElements).toContain('report-to-city');
  return first;
}

describe('a call activity in the engine', () => {
  it('waits, is reported again (not as new) after recover, and completes with the variables the host maps back', async () => {
    const first = await startTown();
    const call = first.calls[0]!;
    const again = await runEngine({ name: 'town-1', state: first.state, previous: { openTasks: first.openTasks, timers: first.timers, calls: first.calls }, now });
    expect(again.calls).toEqual(first.calls);
    expect(again.newCalls).toEqual([]);

    const done = await runEngine({
      name: 'town-1',
      state: first.state,
      previous: { openTasks: first.openTasks, timers: first.timers, calls: first.calls },
      now,
      apply: (ctx) => ctx.returnCall(call.executionId, { cityOpinion: '符合条件，予以批准' }),
    });
    expect(done.calls).toEqual([]);
    expect(done.variables).toMatchObject({ cityOpinion: '符合条件，予以批准', townOpinion: '同意上报' });
    expect(done.openTasks.map((t) => t.elementId)).toEqual(['notify-result']);
    expect(done.events.filter((e) => e.type === 'activity.end').map((e) => e.elementId)).toContain('report-to-city');
  });

  it('an error with the boundary event’s code takes the boundary path; another code fails the instance', async () => {
    const first = await startTown();
    const call = first.calls[0]!;
    const previous = { openTasks: first.openTasks, timers: first.timers, calls: first.calls };
    const caught = await runEngine({ name: 'town-1', state: first.state, previous, now, apply: (ctx) => ctx.failCall(call.executionId, { message: 'called process ended with error CITY_REJECTED', code: 'CITY_REJECTED' }) });
    expect(caught.status).toBe('running');
    expect(caught.openTasks.map((t) => t.elementId)).toEqual(['notify-rejection']);
    expect(caught.calls).toEqual([]);

    const failed = await runEngine({ name: 'town-1', state: first.state, previous, now, apply: (ctx) => ctx.failCall(call.executionId, { message: 'called process report-up-city failed', code: 'CALLED_PROCESS_FAILED' }) });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('report-up-city failed');
  });

  it('a called process that ends through an error end event reports the error for its caller', async () => {
    const city = await runEngine({ name: 'city-1', source: CITY_REJECTS, previous: null, now });
    expect(city.status).toBe('completed');
    expect(city.endError).toEqual({ elementId: 'e', code: 'CITY_REJECTED', name: '市中心不予批准' });
  });

  it('returnCall / failCall refuse an execution that does not wait', async () => {
    const first = await startTown();
    await expect(runEngine({ name: 'town-1', state: first.state, previous: { openTasks: [], timers: [], calls: first.calls }, now, apply: (ctx) => ctx.returnCall('nope', {}) })).rejects.toThrow(/not waiting/);
  });
});

describe('call activities at deploy', () => {
  it('reads calledElement, the binding and camunda:in/out (the business key checkbox is accepted)', async () => {
    const v = await validateDefinition(town('calledElement="report-up-city" camunda:calledElementBinding="version" camunda:calledElementVersion="3"', '<camunda:in businessKey="#{execution.processBusinessKey}" /><camunda:in variables="all" /><camunda:in source="a" target="b" /><camunda:out source="cityOpinion" />'));
    expect(v.callActivities).toEqual([
      { elementId: 'report-to-city', name: '报市中心审批', calledElement: 'report-up-city', binding: 'version', version: 3, inputs: [{ all: true }, { source: 'a', target: 'b' }], outputs: [{ source: 'cityOpinion', target: 'cityOpinion' }], stepIndex: 0 },
    ]);
  });

  it.each([
    ['', 'has no called process'],
    ['calledElement="${dept}"', 'is not a process id'],
    ['calledElement="city" camunda:calledElementBinding="versionTag"', 'is not supported (latest, deployment or version)'],
    ['calledElement="city" camunda:calledElementBinding="version"', 'needs camunda:calledElementVersion'],
  ])('refuses %s naming the element', async (call, message) => {
    await expect(validateDefinition(town(call))).rejects.toMatchObject({ code: 'INVALID_DIAGRAM', message: expect.stringContaining(`report-to-city: `) });
    await expect(validateDefinition(town(call))).rejects.toMatchObject({ message: expect.stringContaining(message) });
  });

  it('refuses a sourceExpression and variables other than all', async () => {
    await expect(validateDefinition(town(undefined, '<camunda:in sourceExpression="${a}" target="b" />'))).rejects.toMatchObject({ message: expect.stringContaining('sourceExpression is not supported') });
    await expect(validateDefinition(town(undefined, '<camunda:out variables="some" />'))).rejects.toMatchObject({ message: expect.stringContaining('only variables="all"') });
  });
});

describe('variables in and out', () => {
  it('maps named variables from source to target and all of them, never the names the engine overwrites', () => {
    const from = { townOpinion: '同意', internalNote: '内部', content: 'x', caseNo: 'DB20261207001' };
    expect(mapVariables(from, [])).toEqual({});
    expect(mapVariables(from, [{ source: 'townOpinion', target: 'opinion' }, { source: 'missing', target: 'm' }])).toEqual({ opinion: '同意' });
    expect(mapVariables(from, [{ all: true }])).toEqual({ townOpinion: '同意', internalNote: '内部', caseNo: 'DB20261207001' });
  });

  it('names the child instance by its caller and the call’s execution, UUID-shaped', () => {
    const id = childInstanceId('5f0c3c59-6c1e-4f3e-9a53-0f3f3c1e2a11', 'report-to-city_1a2b3c');
    expect(id).toBe(childInstanceId('5f0c3c59-6c1e-4f3e-9a53-0f3f3c1e2a11', 'report-to-city_1a2b3c'));
    expect(id).not.toBe(childInstanceId('5f0c3c59-6c1e-4f3e-9a53-0f3f3c1e2a11', 'report-to-city_ffffff'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
