/**
 * Step deadlines are Agenda timers that escalate to supervision, on a real server and database:
 * an interrupting boundary timer ends the late step and records an escalation (the clerk can no
 * longer complete it); an intermediate timer waits, then a non-interrupting deadline escalates
 * while the step stays open, and a cancelled step's timer never fires; a late town review in a
 * report-up case reaches the supervisor with the step named, and clerks do not see that list.
 */
import { ApiClient, diagram, fixture, waitFor } from '../helpers/api';
import { useServer } from '../helpers/suite';

describe('step deadlines are Agenda timers that escalate to supervision', () => {
  const server = useServer('timers');
  let clerk: ApiClient;
  let supervisor: ApiClient;

  beforeAll(async () => {
    const designer = await server.as('designer');
    clerk = await server.as('clerk');
    supervisor = await server.as('supervisor');
    for (const xml of [fixture('timers.bpmn'), diagram('report-up-item.bpmn')]) expect((await designer.deployXml(xml)).status).toBe(201);
  });

  const escalationsOf = async (caseId: string) => (await supervisor.get('/api/escalations')).body.filter((e: any) => e.caseId === caseId);

  it('an interrupting boundary timer ends the late step and records an escalation', async () => {
    const c = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT2S' } })).body;
    expect(c.openTasks.map((t: any) => t.elementId)).toEqual(['slow-step']);
    const esc = await waitFor(async () => (await escalationsOf(c.id))[0], 'an escalation', 15_000);
    expect(esc).toMatchObject({ code: 'deadline.breach', taskElementId: 'slow-step', status: 'open' });
    const after = await waitFor(async () => {
      const x = (await clerk.get(`/api/cases/${c.id}`)).body;
      return x.status === 'completed' ? x : undefined;
    }, 'the case to end on the timeout path');
    expect(after.completedSteps.map((s: any) => s.elementId)).toContain('timed-out');
    expect(after.tasks.find((t: any) => t.elementId === 'slow-step').status).toBe('cancelled');
    // a clerk cannot complete the step the timer took away
    const late = await clerk.post(`/api/tasks/${c.openTasks[0].id}/complete`, { variables: {} });
    expect(late.status).toBe(409);
  });

  it('an intermediate timer waits, then a non-interrupting deadline escalates while the step stays open', async () => {
    const c = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT1H', coolOff: 'PT1S', afterLimit: 'PT2S' } })).body;
    const slow = c.openTasks[0];
    const afterSlow = (await clerk.post(`/api/tasks/${slow.id}/complete`, { variables: {} })).body;
    expect(afterSlow.openTasks).toEqual([]);
    expect(afterSlow.activeElements).toContain('cool-off');
    const waiting = await waitFor(async () => {
      const x = (await clerk.get(`/api/cases/${c.id}`)).body;
      return x.openTasks.length ? x : undefined;
    }, 'the task after the intermediate timer');
    expect(waiting.openTasks.map((t: any) => t.elementId)).toEqual(['after-wait']);
    const esc = await waitFor(async () => (await escalationsOf(c.id))[0], 'the non-interrupting escalation', 15_000);
    expect(esc.taskElementId).toBe('after-wait');
    const still = (await clerk.get(`/api/cases/${c.id}`)).body;
    expect(still.status).toBe('running');
    expect(still.openTasks.map((t: any) => t.elementId)).toEqual(['after-wait']);
    const done = await clerk.post(`/api/tasks/${still.openTasks[0].id}/complete`, { variables: {} });
    expect(done.body.status).toBe('completed');
    // the one-hour timer of the first step was cancelled with it: no escalation for slow-step
    expect((await escalationsOf(c.id)).map((e: any) => e.taskElementId)).toEqual(['after-wait']);
  });

  it('a late town review in a report-up case reaches the supervisor with the step named', async () => {
    const c = (await clerk.post('/api/cases', { definitionKey: 'report-up-item', variables: { townReviewLimit: 'PT2S' } })).body;
    const accept = c.openTasks[0];
    expect((await clerk.post(`/api/tasks/${accept.id}/complete`, { decision: 'approve' })).status).toBe(200);
    const esc = await waitFor(async () => (await escalationsOf(c.id))[0], 'the review escalation', 15_000);
    expect(esc).toMatchObject({ taskElementId: 'town-review', code: 'deadline.breach' });
    expect(esc.taskName).toBeTruthy();
    // the review is still the clerk's to finish (non-interrupting)
    const tasks = (await clerk.get(`/api/tasks?caseId=${c.id}`)).body;
    expect(tasks.map((t: any) => t.elementId)).toEqual(['town-review']);
    // clerks do not see the supervision list
    expect((await clerk.get('/api/escalations')).status).toBe(403);
  });
});
