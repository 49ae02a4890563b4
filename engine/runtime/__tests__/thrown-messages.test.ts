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
});
