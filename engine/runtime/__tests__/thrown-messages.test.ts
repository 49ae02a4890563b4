/**
 * Messages thrown by an intermediate throw event (issue 15) in one command's run of the real
 * bpmn-engine, no database: reported with the message and the variables the element names in
 * svc:messageVariables (as they were when thrown), and the instance goes on without waiting.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runEngine } from '../run-engine';

const CITY = readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'message-city-result.bpmn'), 'utf8');
const now = () => new Date('2026-12-07T02:00:00Z');

describe('thrown messages in the engine', () => {
  it('reports the throw with the named variables only, once, and ends', async () => {
    const first = await runEngine({ name: 'city-1', source: CITY, variables: { caseNo: 'DB20261207001X', mobile: '13800138000' }, previous: null, now });
    expect(first.thrownMessages).toEqual([]);
    const task = first.openTasks[0];
    const done = await runEngine({ name: 'city-1', state: first.state, previous: first, now, apply: (ctx) => ctx.signalTask(task.executionId, { cityOpinion: '予以批准', cityApprovedBy: '陈志强' }) });
    expect(done.status).toBe('completed');
    expect(done.thrownMessages).toEqual([{ elementId: 'send-result', executionId: expect.any(String), messageId: 'Msg_city_result', messageName: 'city-result', variables: { cityOpinion: '予以批准', cityApprovedBy: '陈志强' } }]);
  });

  it('a message end event throws too, carrying its svc:messageVariables', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre" id="d" targetNamespace="http://example.com/test">
  <bpmn:message id="Msg_done" name="city-done" />
  <bpmn:process id="city-end" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:endEvent id="end" name="市中心办结并回复" svc:messageVariables="cityOpinion"><bpmn:messageEventDefinition messageRef="Msg_done" /></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
    const run = await runEngine({ name: 'city-2', source: xml, variables: { caseNo: 'DB20261207002X', cityOpinion: '予以批准' }, previous: null, now });
    expect(run.status).toBe('completed');
    expect(run.thrownMessages).toEqual([expect.objectContaining({ elementId: 'end', messageId: 'Msg_done', messageName: 'city-done', variables: { cityOpinion: '予以批准' } })]);
  });
});
