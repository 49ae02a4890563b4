/**
 * Message catches (消息) in one command's run of the real bpmn-engine, no database — the groundwork
 * for correlating messages across instances (issue 15): every catch the instance waits on is
 * reported with the `bpmn:Message` it expects (a receive task, an intermediate catch event, a
 * boundary event, a message start event); the host delivers by message id with variables, which
 * reach the process variables; a delivery nothing waits for is refused.
 */
import { runEngine, type RunResult } from '../run-engine';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"';
const now = () => new Date('2026-12-07T02:00:00Z');

/** 回执 (receive task) → 等市中心结果 (catch) → 镇窗口通知 (user task, 撤回 boundary message). */
const TOWN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d" targetNamespace="http://example.com/test">
  <bpmn:message id="Msg_receipt" name="material-receipt" />
  <bpmn:message id="Msg_city" name="city-result" />
  <bpmn:message id="Msg_withdraw" name="applicant-withdraw" />
  <bpmn:process id="town" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:receiveTask id="receipt" name="材料回执" messageRef="Msg_receipt" />
    <bpmn:intermediateCatchEvent id="city-result" name="等市中心结果"><bpmn:messageEventDefinition messageRef="Msg_city" /></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="notify" name="镇窗口通知" />
    <bpmn:boundaryEvent id="withdrawn" name="申请人撤回" attachedToRef="notify"><bpmn:messageEventDefinition messageRef="Msg_withdraw" /></bpmn:boundaryEvent>
    <bpmn:endEvent id="end" /><bpmn:endEvent id="end-withdrawn" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receipt" />
    <bpmn:sequenceFlow id="f2" sourceRef="receipt" targetRef="city-result" />
    <bpmn:sequenceFlow id="f3" sourceRef="city-result" targetRef="notify" />
    <bpmn:sequenceFlow id="f4" sourceRef="notify" targetRef="end" />
    <bpmn:sequenceFlow id="f5" sourceRef="withdrawn" targetRef="end-withdrawn" />
  </bpmn:process>
</bpmn:definitions>`;

const STARTED_BY_MESSAGE = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="c" targetNamespace="http://example.com/test">
  <bpmn:message id="Msg_report" name="report-up" />
  <bpmn:process id="city" isExecutable="true">
    <bpmn:startEvent id="reported" name="收到上报"><bpmn:messageEventDefinition messageRef="Msg_report" /></bpmn:startEvent>
    <bpmn:userTask id="approve" name="市中心审批" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="reported" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;

function next(prev: RunResult, messageId: string, variables: Record<string, unknown>) {
  return runEngine({ name: 'town-1', state: prev.state, previous: prev, now, apply: (ctx) => ctx.deliverMessage(messageId, variables) });
}

describe('message catches in the engine', () => {
  it('reports each catch with its message, and delivery moves the instance on with the message variables', async () => {
    const first = await runEngine({ name: 'town-1', source: TOWN, variables: { caseNo: 'DB20261207001' }, previous: null, now });
    expect(first.messageWaits).toEqual([expect.objectContaining({ elementId: 'receipt', messageId: 'Msg_receipt', messageName: 'material-receipt', kind: 'catch' })]);
    expect(first.newMessageWaits).toEqual(first.messageWaits);

    const second = await next(first, 'Msg_receipt', { receiptNo: 'HZ-0750-1234567' });
    expect(second.messageWaits).toEqual([expect.objectContaining({ elementId: 'city-result', messageId: 'Msg_city', messageName: 'city-result' })]);
    expect(second.newMessageWaits).toEqual(second.messageWaits);
    expect(second.variables.receiptNo).toBe('HZ-0750-1234567');

    const third = await next(second, 'Msg_city', { cityOpinion: '予以批准' });
    expect(third.variables.cityOpinion).toBe('予以批准');
    expect(third.openTasks.map((t) => t.elementId)).toEqual(['notify']);
    expect(third.messageWaits).toEqual([expect.objectContaining({ elementId: 'withdrawn', messageId: 'Msg_withdraw', kind: 'catch' })]);

    // resumed without a delivery: the same waits, none new
    const again = await runEngine({ name: 'town-1', state: third.state, previous: third, now });
    expect(again.messageWaits).toEqual(third.messageWaits);
    expect(again.newMessageWaits).toEqual([]);

    const withdrawn = await next(third, 'Msg_withdraw', { withdrawReason: '申请人撤回' });
    expect(withdrawn.status).toBe('completed');
    expect(withdrawn.openTasks).toEqual([]);
    expect(withdrawn.messageWaits).toEqual([]);
    expect(withdrawn.variables.withdrawReason).toBe('申请人撤回');
  });

  it('a message start event waits first (kind start); its message starts the path', async () => {
    const first = await runEngine({ name: 'city-1', source: STARTED_BY_MESSAGE, previous: null, now });
    expect(first.status).toBe('running');
    expect(first.messageWaits).toEqual([expect.objectContaining({ elementId: 'reported', messageId: 'Msg_report', messageName: 'report-up', kind: 'start' })]);
    const started = await runEngine({ name: 'city-1', state: first.state, previous: first, now, apply: (ctx) => ctx.deliverMessage('Msg_report', { townOpinion: '同意上报' }) });
    expect(started.openTasks.map((t) => t.elementId)).toEqual(['approve']);
    expect(started.variables.townOpinion).toBe('同意上报');
    expect(started.messageWaits).toEqual([]);
  });

  it('refuses a delivery nothing waits for', async () => {
    const first = await runEngine({ name: 'town-1', source: TOWN, previous: null, now });
    await expect(next(first, 'Msg_city', {})).rejects.toThrow(/nothing waits on message Msg_city/);
  });
});
