/**
 * An engine command writes its revision (the claim) and then projects it from what it holds —
 * tasks, escalations, the case layer, the instance head. A process killed between the two
 * leaves a revision the read models do not show yet; the repair sweep of the next process
 * (projectPending, at worker start and every 10 s) finds it by its `projected: false` mark and
 * projects it. Real servers killed at the named point `engine.after-revision`.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { dbUri, startServer, uniqueDbName } from '../helpers/server';

const KILL = { PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'engine.after-revision' };

describe('an engine command killed between its revision and its projection', () => {
  it('is projected by the next server: a start without its head, a completion with the head behind', async () => {
    const dbName = uniqueDbName('engine-repair');
    const mongo = await MongoClient.connect(dbUri(dbName));
    const db = mongo.db();
    try {
      // a server that dies right after inserting revision 1 of a case it starts
      const first = await startServer(dbName, KILL);
      await (await ApiClient.login(first.url, 'designer')).deployXml(fixture('parallel.bpmn'));
      await (await ApiClient.login(first.url, 'clerk')).post('/api/cases', { definitionKey: 'parallel', variables: {} }).catch(() => undefined);
      await first.exited;
      const rev1 = (await db.collection('revisions').findOne({}))!;
      const id = rev1.instanceId as string;
      expect(rev1.projected).toBe(false);
      expect(await db.collection('instances').findOne({ _id: id as any })).toBeNull();
      expect(await db.collection('tasks').countDocuments({ instanceId: id })).toBe(0);

      // the next server projects it before it serves; it then dies after the revision of a completion
      const second = await startServer(dbName, KILL);
      const clerk2 = await ApiClient.login(second.url, 'clerk');
      const started = (await clerk2.get(`/api/cases/${id}`)).body;
      expect(started).toMatchObject({ status: 'running', revision: 1, definitionKey: 'parallel' });
      const open = (await clerk2.get(`/api/tasks?caseId=${id}`)).body as any[];
      expect(open.map((t) => t.elementId).sort()).toEqual(['dept-a', 'dept-b']);
      const first2 = open.find((t) => t.elementId === 'dept-a');
      await clerk2.post(`/api/tasks/${first2.id}/complete`, { variables: {} }).catch(() => undefined);
      await second.exited;
      expect(await db.collection('revisions').countDocuments({ instanceId: id })).toBe(2);
      expect((await db.collection('instances').findOne({ _id: id as any }))!.headRevision).toBe(1);

      // the third server's sweep moves the head and closes the step; work goes on from there
      const third = await startServer(dbName);
      try {
        await waitFor(async () => ((await db.collection('instances').findOne({ _id: id as any }))!.headRevision === 2 ? true : undefined), 'the head to catch up');
        expect((await db.collection('tasks').findOne({ _id: first2.id }))!.status).toBe('completed');
        const clerk3 = await ApiClient.login(third.url, 'clerk');
        const b = ((await clerk3.get(`/api/tasks?caseId=${id}`)).body as any[]).find((t) => t.elementId === 'dept-b');
        const after = await clerk3.post(`/api/tasks/${b.id}/complete`, { variables: {} });
        expect(after.status).toBe(200);
        expect(after.body.openTasks.map((t: any) => t.elementId)).toEqual(['notify']);
        expect(after.body.history.filter((e: any) => e.type === 'task.completed')).toHaveLength(2);
        expect(await db.collection('revisions').countDocuments({ instanceId: id })).toBe(3);
        // the sweep marks what the head has passed, in batches
        await waitFor(async () => ((await db.collection('revisions').countDocuments({ instanceId: id, projected: false })) === 0 ? true : undefined), 'every revision marked projected', 30_000);
      } finally {
        await third.kill();
      }
    } finally {
      await mongo.close();
    }
  });
});
