/**
 * Send tasks as message senders (发送任务, issue 15) in one command's run of the real bpmn-engine, no
 * database: a send task with a message and no job topic sends it like an intermediate message throw
 * event — reported once with the variables named in svc:messageVariables as they were, the instance
 * goes on without waiting; a send task with a job topic stays a job. Deploy takes the message name
 * for the designer's lint and refuses a send task with both, with neither, or a nameless message.
 */
import { runEngine } from '../run-engine';
import { validateDefinition } from '../validate-definition';

const now = () => new Date('2026-12-07T02:00:00Z');

function city(sendTask: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre" id="d" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.31.0">
  <bpmn:message id="Msg_city_result" name="city-result" />
  <bpmn:process id="city-send" name="市中心审批并回复" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="approve" name="市中心审批" camunda:candidateGroups="city-approval" />
    ${sendTask}
    <bpmn:userTask id="archive" name="归档" camunda:candidateGroups="city-approval" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="send-result" />
    <bpmn:sequenceFlow id="f3" sourceRef="send-result" targetRef="archive" />
    <bpmn:sequenceFlow id="f4" sourceRef="archive" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
}
const SEND = '<bpmn:sendTask id="send-result" name="回复镇窗口" messageRef="Msg_city_result" svc:messageVariables="cityOpinion, cityApprovedBy" />';

describe('send tasks that send a message', () => {
  it('sends the message with the named variables once and goes on without waiting', async () => {
    const first = await runEngine({ name: 'city-1', source: city(SEND), variables: { caseNo: 'DB20261207001X', mobile: '13800138000' }, previous: null, now });
    expect(first.thrownMessages).toEqual([]);
    const done = await runEngine({ name: 'city-1', state: first.state, previous: first, now, apply: (ctx) => ctx.signalTask(first.openTasks[0]!.executionId, { cityOpinion: '予以批准', cityApprovedBy: '陈志强', cityInternalNote: '内部' }) });
    expect(done.thrownMessages).toEqual([{ elementId: 'send-result', executionId: expect.any(String), messageId: 'Msg_city_result', messageName: 'city-result', variables: { cityOpinion: '予以批准', cityApprovedBy: '陈志强' } }]);
    expect(done.jobs).toEqual([]);
    expect(done.openTasks.map((t) => t.elementId)).toEqual(['archive']);
    // the next command does not send it again
    const end = await runEngine({ name: 'city-1', state: done.state, previous: done, now, apply: (ctx) => ctx.signalTask(done.openTasks[0]!.executionId, {}) });
    expect(end.status).toBe('completed');
    expect(end.thrownMessages).toEqual([]);
  });

  it('a send task with a job topic is a job, not a message', async () => {
    const xml = city('<bpmn:sendTask id="send-result" name="短信告知" camunda:type="external" camunda:topic="applicant-notification" />').replace('<bpmn:message id="Msg_city_result" name="city-result" />', '');
    const first = await runEngine({ name: 'city-2', source: xml, variables: {}, previous: null, now });
    const next = await runEngine({ name: 'city-2', state: first.state, previous: first, now, apply: (ctx) => ctx.signalTask(first.openTasks[0]!.executionId, {}) });
    expect(next.thrownMessages).toEqual([]);
    expect(next.jobs).toEqual([expect.objectContaining({ elementId: 'send-result', topic: 'applicant-notification' })]);
  });

  it('deploy lists the message as thrown and refuses both, neither, and a nameless message', async () => {
    expect((await validateDefinition(city(SEND))).thrownMessages).toEqual(['city-result']);
    expect((await validateDefinition(city(SEND))).jobTasks).toEqual([]);
    await expect(validateDefinition(city('<bpmn:sendTask id="send-result" messageRef="Msg_city_result" camunda:type="external" camunda:topic="provincial-feed" />'))).rejects.toMatchObject({ code: 'INVALID_DIAGRAM', message: expect.stringContaining('send-result: send task has a job topic "provincial-feed" and a message: choose one') });
    await expect(validateDefinition(city('<bpmn:sendTask id="send-result" />'))).rejects.toMatchObject({ message: expect.stringContaining('send-result: send task has neither a message nor a job topic') });
    const nameless = city(SEND).replace('<bpmn:message id="Msg_city_result" name="city-result" />', '<bpmn:message id="Msg_city_result" />');
    await expect(validateDefinition(nameless)).rejects.toMatchObject({ message: expect.stringContaining('send-result: "回复镇窗口" throws a message without a name') });
  });
});
