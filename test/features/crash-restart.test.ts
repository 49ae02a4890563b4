/**
 * Nothing is lost when a process dies: a server SIGKILLed with a case under way leaves it to the
 * next process, which continues it and fires its timer (due while no process ran); two worker
 * processes fire one timer once; a taken-in case survives SIGKILL — its deadline clock breaches
 * once in the next process and its steps and audit chain go on; a due timer locked by a worker
 * that died is taken over by another worker once the lock lifetime has passed, not before.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, fixture, untilPassed, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
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
    // when the timer is due, as the server stored it (its Agenda job)
    const mongo = await MongoClient.connect(dbUri(dbName));
    const job = await waitFor(async () => mongo.db().collection('agendaJobs').findOne({ name: 'bpmn.timer.fire', 'data.instanceId': timed.id }), 'the timer job').finally(() => mongo.close());

    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    // the timer comes due while no process runs (the server's clock is the system clock: real time passes)
    await untilPassed(job.nextRunAt, 1000);

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
      // every timer job has run and is gone (a one-off job is deleted when done): no run of them comes after
      // this, and a second run of one would have logged before it was deleted
      await waitFor(async () => (await mongo.db().collection('agendaJobs').countDocuments({ name: 'bpmn.timer.fire', 'data.instanceId': { $in: ids } })) === 0, 'every timer job to finish', 30_000);
      const ran = () => workers.flatMap((w) => w.logs).filter((l) => l.includes('"timer job ran"') && ids.some((id) => l.includes(id)));
      await waitFor(async () => ran().length >= ids.length, 'the workers to log each run', 10_000);

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

  it('a taken-in case survives SIGKILL: its deadline clock breaches once in the next process, its steps and audit chain go on', async () => {
    const dbName = uniqueDbName('crashclock');
    const first = await startServer(dbName, { ALLOW_LIMIT_OVERRIDES: 'true' });
    const clerk = await ApiClient.login(first.url, 'clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT4S', statutoryLimit: 'PT1H' } });
    expect(taken.status).toBe(201);
    const caseNo = taken.body.case.caseNo;
    const promised = ((await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[]).find((c) => c.kind === 'promised');
    expect(promised.signalsAt.breach).toBeTruthy();
    await first.kill('SIGKILL');
    await untilPassed(promised.signalsAt.breach, 1000); // the promised limit runs out while nothing runs

    const second = await startServer(dbName, { ALLOW_LIMIT_OVERRIDES: 'true' });
    const mongo = await MongoClient.connect(dbUri(dbName));
    try {
      const supervisor = await ApiClient.login(second.url, 'supervisor');
      const clerk2 = await ApiClient.login(second.url, 'clerk');
      const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === caseNo), 'the breach in the new process', 20_000);
      expect(esc.limitKind).toBe('promised');
      // every signal job of the clock has run and is gone (deleted when done): a second breach would be in by now
      await waitFor(async () => (await mongo.db(dbName).collection('agendaJobs').countDocuments({ name: 'supervision.clock.signal', 'data.clockId': `${caseNo}:promised` })) === 0, 'the promised clock’s signal jobs to finish', 30_000);
      expect(await mongo.db(dbName).collection('signals').countDocuments({ caseNo, rung: 'breach' })).toBe(1);
      expect(await mongo.db(dbName).collection('escalations').countDocuments({ caseNo })).toBe(1);
      const step = (await clerk2.get(`/api/service-cases/${caseNo}`)).body.steps.find((s: any) => s.status === 'open');
      expect((await clerk2.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve' })).status).toBe(200);
      await waitFor(async () => (await clerk2.get(`/api/service-cases/${caseNo}`)).body.status === 'completed', 'completion');
      expect((await clerk2.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
    } finally {
      await mongo.close();
      await second.kill();
    }
  });

  it('a due timer locked by a worker that died is taken over by another worker once the lock lifetime has passed', async () => {
    const dbName = uniqueDbName('takeover');
    const api = await startServer(dbName, { RUN_WORKERS: 'false' });
    const mongo = await MongoClient.connect(dbUri(dbName));
    let b: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      const designer = await ApiClient.login(api.url, 'designer');
      const clerk = await ApiClient.login(api.url, 'clerk');
      const supervisor = await ApiClient.login(api.url, 'supervisor');
      expect((await designer.deployXml(fixture('timers.bpmn'))).status).toBe(201);
      const c = (await clerk.post('/api/cases', { definitionKey: 'timers', variables: { slowLimit: 'PT2S' } })).body;
      const jobs = mongo.db().collection('agendaJobs');
      const job = await waitFor(async () => jobs.findOne({ name: 'bpmn.timer.fire', 'data.instanceId': c.id }), 'the timer job');
      // The state a worker leaves when it dies right after locking a due job (no process runs jobs here).
      const lockedAt = new Date();
      await jobs.updateOne({ name: 'bpmn.timer.fire', 'data.instanceId': c.id }, { $set: { lockedAt, lastRunAt: lockedAt } });
      await untilPassed(job.nextRunAt, 500); // now the timer is due, and still locked by the dead worker
      b = await startWorker(dbName, { AGENDA_LOCK_LIFETIME_MS: '8000' });
      const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseId === c.id), 'worker B to take the timer over', 30_000);
      expect(esc.taskElementId).toBe('slow-step');
      // not before the dead worker's lock expired
      expect(new Date(esc.raisedAt).getTime()).toBeGreaterThanOrEqual(lockedAt.getTime() + 8000);
      // the escalation is visible as soon as the revision is written; B logs the run just after
      const worker = b;
      await waitFor(async () => worker.logs.some((l) => l.includes('"timer job ran"') && l.includes(c.id)), 'worker B to log the run', 10_000);
    } finally {
      await b?.kill();
      await mongo.close();
      await api.kill();
    }
  });
});
