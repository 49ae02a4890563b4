/** FEEL through the safe evaluator, and service tasks as jobs, on the real bpmn-engine (no database). */
import { evaluate, ExpressionError, validateExpressionSyntax } from '../expressions';
import { runEngine } from '../run-engine';

const vars = (variables: Record<string, unknown>) => ({ environment: { variables } });

describe('FEEL expressions (= …) through the same entry point as ${…}', () => {
  it('evaluates conditions on process variables', () => {
    expect(evaluate('= approved', vars({ approved: true }))).toBe(true);
    expect(evaluate('= amount > 1000', vars({ amount: 2000 }))).toBe(true);
    expect(evaluate('= amount > 1000', vars({ amount: 20 }))).toBe(false);
    expect(evaluate('= category = "联办件"', vars({ category: '联办件' }))).toBe(true);
    expect(evaluate('= amount >= 1000 and category = "联办件"', vars({ amount: 1000, category: '即办件' }))).toBe(false);
    expect(evaluate('= if amount > 10 then "PT1H" else "PT5S"', vars({ amount: 1 }))).toBe('PT5S');
    expect(evaluate('= string length(name) > 2 and x in [1, 2]', vars({ name: '王晓燕', x: 2 }))).toBe(true);
    expect(evaluate('= a.b', vars({ a: { b: 3 } }))).toBe(3);
    // a missing variable is null in FEEL: the condition is not taken
    expect(evaluate('= missing > 1', vars({}))).toBeNull();
    // ${…} keeps working beside it
    expect(evaluate('${amount > 1000}', vars({ amount: 2000 }))).toBe(true);
  });

  it('names the parse error at deploy-time validation', () => {
    expect(validateExpressionSyntax('= amount > 1000')).toBe(1);
    expect(() => validateExpressionSyntax('= amount >')).toThrow(/FEEL syntax error at character/);
    expect(() => validateExpressionSyntax('=')).toThrow(/empty FEEL expression/);
  });

  it('refuses hostile FEEL: unbounded iteration, function definitions and calls, prototype keys, size and nesting', () => {
    const refused = [
      '= for i in 1..100000000 return i',
      '= some x in 1..100000000 satisfies x < 0',
      '= (function(f) f(f))(function(f) f(f))',
      '= x.constructor',
      '= constructor',
      '= {__proto__: 1}',
      '= {"__proto__": 1}',
      '= evil(1)',
      '= matches(name, "(a+)+$")',
      `= ${'('.repeat(60)}1${')'.repeat(60)}`,
      `= ${'1 + '.repeat(1000)}1`,
      `= "${'x'.repeat(3000)}"`,
    ];
    for (const text of refused) {
      expect(() => validateExpressionSyntax(text)).toThrow(ExpressionError);
      expect(() => evaluate(text, vars({ x: {} }))).toThrow(ExpressionError);
    }
  });

  it('gives FEEL plain data only: a function or getter in the variables is never called', () => {
    let called = 0;
    const hostile = {
      f: () => ++called,
      get g() {
        called++;
        return 1;
      },
    };
    expect(evaluate('= g', vars(hostile))).toBeNull();
    expect(() => evaluate('= f()', vars(hostile))).toThrow(/not allowed/);
    expect(called).toBe(0);
  });
});

const jobDiagram = (gatewayCondition: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre" id="d" targetNamespace="x">
  <bpmn:process id="job-test" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="push" />
    <bpmn:serviceTask id="push" name="推送省平台" camunda:type="external" camunda:topic="provincial-feed" />
    <bpmn:sequenceFlow id="f2" sourceRef="push" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f-low" />
    <bpmn:sequenceFlow id="f-high" sourceRef="gw" targetRef="sms">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${gatewayCondition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f-low" sourceRef="gw" targetRef="end-low" />
    <bpmn:sendTask id="sms" svc:jobTopic="applicant-notification" />
    <bpmn:sequenceFlow id="f3" sourceRef="sms" targetRef="end-high" />
    <bpmn:endEvent id="end-high" />
    <bpmn:endEvent id="end-low" />
  </bpmn:process>
</bpmn:definitions>`;

describe('service and send tasks wait for their job', () => {
  it('waits on the job across commands, and goes on with its output in the variables', async () => {
    const xml = jobDiagram('= pushed and amount &gt; 1000');
    const now = () => new Date();
    const first = await runEngine({ name: 'i1', source: xml, variables: { amount: 5000 }, previous: null, now });
    expect(first.status).toBe('running');
    expect(first.newJobs.map((j) => j.elementId)).toEqual(['push']);
    // a command that does not complete it: the job is still waiting, not new again
    const idle = await runEngine({ name: 'i1', state: first.state, previous: { openTasks: [], timers: [], jobs: first.jobs }, now });
    expect(idle.jobs.map((j) => j.executionId)).toEqual(first.jobs.map((j) => j.executionId));
    expect(idle.newJobs).toEqual([]);
    const done = await runEngine({
      name: 'i1',
      state: idle.state,
      previous: { openTasks: [], timers: [], jobs: idle.jobs },
      now,
      apply: (ctx) => ctx.completeJob(first.jobs[0].executionId, { pushed: true }),
    });
    expect(done.variables.pushed).toBe(true);
    expect(done.newJobs.map((j) => [j.elementId, j.topic])).toEqual([['sms', 'applicant-notification']]);
    const end = await runEngine({ name: 'i1', state: done.state, previous: { openTasks: [], timers: [], jobs: done.jobs }, now, apply: (ctx) => ctx.completeJob(done.jobs[0].executionId, {}) });
    expect(end.status).toBe('completed');
    expect(end.events.some((e) => e.elementId === 'end-high' && e.type === 'activity.end')).toBe(true);
  });
});
