/**
 * A business rule task (业务规则任务) the deploy refuses is named in Chinese by its name, not by its
 * generated id (issue 15): no decision, a decision id that is an expression, no result variable, code
 * instead of a decision — as the designer's lint (`svc/business-rule-decision`) says it while drawing.
 * The real validation (bpmn-moddle with the platform's extensions); a decision that is not deployed is
 * the deploy's check against the database (test/features/decisions.test.ts).
 */
import { validateDefinition } from '../validate-definition';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';

/** A Camunda Modeler 5 style diagram with one business rule task carrying `attrs`. */
function withTask(attrs: string, name = '核定工本费') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.31.0">
  <bpmn:process id="id-card-fee" name="居民身份证工本费" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="Activity_0x1y2z"${name ? ` name="${name}"` : ''} ${attrs}><bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_0x1y2z" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_0x1y2z" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>`;
}

async function refusal(xml: string): Promise<{ code: string; message: string; details: any }> {
  try {
    await validateDefinition(xml);
  } catch (err) {
    return err as any;
  }
  throw new Error('the diagram was accepted');
}

describe('business rule tasks refused at deploy, in Chinese, by name', () => {
  it.each([
    ['no decision', 'camunda:resultVariable="feeFen"', '业务规则任务「核定工本费」未设置决策表：请填写已部署决策表的标识（camunda:decisionRef）'],
    ['no result variable', 'camunda:decisionRef="hj001Fee" camunda:mapDecisionResult="singleEntry"', '业务规则任务「核定工本费」未设置结果变量：决策结果写入该变量，供后续网关判断（camunda:resultVariable）'],
    ['a result variable that is no name', 'camunda:decisionRef="hj001Fee" camunda:resultVariable="fee fen"', '业务规则任务「核定工本费」的结果变量「fee fen」不可用：请填写由字母、数字或下划线组成的变量名（camunda:resultVariable）'],
    ['an expression as decision', 'camunda:decisionRef="${feeTable}" camunda:resultVariable="feeFen"', '业务规则任务「核定工本费」的决策表「${feeTable}」不是决策表标识：不支持表达式或带空格的名称，请填写已部署决策表的标识'],
    ['a version binding without its version', 'camunda:decisionRef="hj001Fee" camunda:decisionRefBinding="version" camunda:resultVariable="feeFen"', '业务规则任务「核定工本费」绑定指定版本，但未填写版本号（camunda:decisionRefVersion）'],
  ])('%s', async (_what, attrs, detail) => {
    const err = await refusal(withTask(attrs));
    expect(err.code).toBe('INVALID_DIAGRAM');
    expect(err.message).toBe(detail);
    expect(err.details.problems).toEqual([expect.objectContaining({ elementId: 'Activity_0x1y2z', message: detail })]);
  });

  it('names an unnamed task by its id, as the lint does', async () => {
    const err = await refusal(withTask('camunda:resultVariable="feeFen"', ''));
    expect(err.message).toBe('业务规则任务 Activity_0x1y2z 未设置决策表：请填写已部署决策表的标识（camunda:decisionRef）');
  });

  it('accepts a task with a decision and a result variable', async () => {
    await expect(validateDefinition(withTask('camunda:decisionRef="hj001Fee" camunda:resultVariable="feeFen" camunda:mapDecisionResult="singleEntry"'))).resolves.toMatchObject({
      decisionTasks: [expect.objectContaining({ elementId: 'Activity_0x1y2z', name: '核定工本费', decisionRef: 'hj001Fee', resultVariable: 'feeFen' })],
    });
  });
});
