import { MongoClient } from 'mongodb';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { dbUri, startServer, startWorker, uniqueDbName } from '../helpers/server';

describe('nothing is lost when a process dies', () => {
  it('a case started by a server killed with SIGKILL is continued, and its timer fires, in a second server', async () => {
    const dbName = uniqueDbName('crash');
    const first = await startServer(dbName);
    const designer = await ApiClient.login(first.url, 'designer');
    const clerk = await ApiClient.login(first.url, 'clerk');
    expect((await designer.deployXml(fixture('timers.bpmn'))).status).toBe(201);
    expect((await designer.deployXml(fixture('parallel.bpmn'))).status).toBe(201);
    const timed = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT5S' } })).body;
    const manual = (await clerk.post('/api/cases', { definitionKey: 'parallel', variables: {} })).body;
    const dueAt = Date.now() + 5000;

    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    // the timer comes due while no process runs
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt - Date.now() + 1000)));

    const second = await startServer(dbName);
    try {
      const clerk2 = await ApiClient.login(second.url, 'clerk');
      const supervisor = await ApiClient.login(second.url, 'supervisor');
      const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseId === timed.id), 'the overdue timer to fire in the new process', 15_000);
      expect(esc.taskElementId).toBe('slow-step');
      const ended = await waitFor(async () => {
        const c = (await clerk2.get(`/api/cases/${timed.id}`)).body;
        return c.status === 'completed' ? c : undefined;
      }, 'the timed case to end');
      expect(ended.completedSteps.map((s: any) => s.elementId)).toContain('timed-out');

      // the other case goes on where it was
      const tasks = (await clerk2.get(`/api/tasks?caseId=${manual.id}`)).body;
      expect(tasks.map((t: any) => t.elementId).sort()).toEqual(['dept-a', 'dept-b']);
      for (const t of tasks) expect((await clerk2.post(`/api/tasks/${t.id}/complete`, { variables: {} })).status).toBe(200);
      const after = (await clerk2.get(`/api/cases/${manual.id}`)).body;
      expect(after.openTasks.map((t: any) => t.elementId)).toEqual(['notify']);
    } finally {
      await second.kill();
    }
  });

  it('two worker processes fire one timer once', async () => {
    const dbName = uniqueDbName('twoworkers');
    const api = await startServer(dbName, { RUN_WORKERS: 'false' });
    const workers = [await startWorker(dbName), await startWorker(dbName)];
    const mongo = await MongoClient.connect(dbUri(dbName));
    try {
      const designer = await ApiClient.login(api.url, 'designer');
      const clerk = await ApiClient.login(api.url, 'clerk');
      const supervisor = await ApiClient.login(api.url, 'supervisor');
      expect((await designer.deployXml(fixture('timers.bpmn'))).status).toBe(201);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT2S' } })).body.id);

      await waitFor(async () => {
        const all = (await supervisor.get('/api/escalations')).body;
        return ids.every((id) => all.some((e: any) => e.caseId === id));
      }, 'every timer to fire', 30_000);
      // give a duplicate firing the chance to show itself
      await new Promise((r) => setTimeout(r, 2000));

      const all = (await supervisor.get('/api/escalations')).body;
      for (const id of ids) {
        expect(all.filter((e: any) => e.caseId === id)).toHaveLength(1);
        // start + exactly one timer firing
        expect(await mongo.db().collection('revisions').countDocuments({ instanceId: id })).toBe(2);
      }
      const moved = workers.flatMap((w) => w.logs).filter((l) => l.includes('"timer job ran"') && l.includes('"moved":true'));
      expect(moved).toHaveLength(ids.length);
    } finally {
      await mongo.close();
      for (const w of workers) await w.kill();
      await api.kill();
    }
  });
});
