/**
 * Messages at deploy (issue 15): senders and receivers correlate by the message's name, so a
 * message throw or end event, a catch, a boundary event or a receive task whose message has no
 * name (or that names no message) is refused, naming the element; `svc:messageSender="api"` on a
 * catch (消息来源：外部接口) is read without a parse warning.
 */
import { validateDefinition } from '../validate-definition';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre"';

/** start → `middle` → end, with the messages `messages`. */
function diagram(middle: string, messages = '<bpmn:message id="Msg_named" name="city-result" /><bpmn:message id="Msg_blank" />') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d" targetNamespace="http://example.com/test">
  ${messages}
  <bpmn:process id="town-messages" isExecutable="true">
    <bpmn:startEvent id="start" />
    ${middle}
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="m" />
    <bpmn:sequenceFlow id="f2" sourceRef="m" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
}

describe('messages at deploy', () => {
  it('accepts named messages, and a catch declared as sent by an outside system', async () => {
    await expect(validateDefinition(diagram('<bpmn:intermediateCatchEvent id="m" name="等市中心结果" svc:messageSender="api"><bpmn:messageEventDefinition messageRef="Msg_named" /></bpmn:intermediateCatchEvent>'))).resolves.toMatchObject({ processId: 'town-messages' });
    await expect(validateDefinition(diagram('<bpmn:intermediateThrowEvent id="m" name="回复乡镇" svc:messageVariables="cityOpinion"><bpmn:messageEventDefinition messageRef="Msg_named" /></bpmn:intermediateThrowEvent>'))).resolves.toMatchObject({ processId: 'town-messages' });
    await expect(validateDefinition(diagram('<bpmn:receiveTask id="m" name="等待回执" messageRef="Msg_named" svc:messageSender="api" />'))).resolves.toMatchObject({ processId: 'town-messages' });
  });

  it.each([
    ['a throw event whose message has no name', '<bpmn:intermediateThrowEvent id="m" name="通知市中心"><bpmn:messageEventDefinition messageRef="Msg_blank" /></bpmn:intermediateThrowEvent>', '"通知市中心" throws a message without a name'],
    ['a throw event without a message', '<bpmn:intermediateThrowEvent id="m"><bpmn:messageEventDefinition /></bpmn:intermediateThrowEvent>', 'm: throws a message without a name'],
    ['a catch event whose message has no name', '<bpmn:intermediateCatchEvent id="m" name="等结果"><bpmn:messageEventDefinition messageRef="Msg_blank" /></bpmn:intermediateCatchEvent>', '"等结果" waits for a message without a name'],
    ['a receive task without a message', '<bpmn:receiveTask id="m" name="等待回执" />', '"等待回执" waits for a message without a name'],
  ])('refuses %s, naming the element', async (_what, middle, text) => {
    await expect(validateDefinition(diagram(middle))).rejects.toMatchObject({ code: 'INVALID_DIAGRAM', message: expect.stringContaining(text), details: { problems: [expect.objectContaining({ elementId: 'm' })] } });
  });

  it('refuses a message end event without a name', async () => {
    const xml = diagram('<bpmn:task id="m" />').replace('<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end" name="办结并通知"><bpmn:messageEventDefinition messageRef="Msg_blank" /></bpmn:endEvent>');
    await expect(validateDefinition(xml)).rejects.toMatchObject({ code: 'INVALID_DIAGRAM', message: expect.stringContaining('end: "办结并通知" throws a message without a name') });
  });
});
