/**
 * Scenarios of engine-guards.test.ts that need the real ProcessService (bpmn-moddle is an ES
 * module jest cannot load in-process): run as `node --import tsx engine-guards.scenario.ts <uri>`
 * against a database of its own; prints `ok <name>` per scenario and ALL_SCENARIOS_PASSED, exits 1
 * on the first failure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import pino from 'pino';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import { actorReachesTask } from '../../org/scope';
import { createModels } from '../../persistence/models';
import type { TimerRequest } from '../../timers/timer-port';
import { ProcessService } from '../process-service';

function deep(depth: number, kind: 'object' | 'array'): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = kind === 'object' ? { a: v } : [v];
  return v;
}

const dingbao: Actor = { username: 'clerk', groups: ['town-window'], roles: ['clerk'], orgUnit: 'dingbao' };
const dingbaoB: Actor = { username: 'clerkb', groups: ['town-window'], roles: ['clerk'], orgUnit: 'dingbao' };
const dongzhen: Actor = { username: 'dongzhen-w10-a', groups: ['town-window'], roles: ['clerk'], orgUnit: 'dongzhen' };
const dongzhenHead: Actor = { username: 'dongzhen-manager', groups: ['town-window'], roles: ['manager', 'clerk'], orgUnit: 'dongzhen' };
const supervisor: Actor = { username: 'supervisor', groups: [], roles: ['supervisor'], orgUnit: 'city' };

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

async function main(uri: string) {
  const conn = mongoose.createConnection(uri, { autoIndex: false });
  await conn.asPromise();
  const models = createModels(conn);
  const scheduled: TimerRequest[] = [];
  // the diagram has no timers: the scheduler only records what it is asked for (nothing)
  const engine = new ProcessService({ models, timers: { schedule: async (r) => void scheduled.push(...r) }, clock: { now: () => new Date() }, logger: pino({ level: 'silent' }) });
  const ok = (name: string) => console.log(`ok ${name}`);
  try {
    await models.User.create([
      { _id: 'clerk', displayName: '丁堡 A', passwordHash: 'x', roles: ['clerk'], groups: ['town-window'], orgUnit: 'dingbao' },
      { _id: 'dongzhen-w10-a', displayName: '东镇 A', passwordHash: 'x', roles: ['clerk'], groups: ['town-window'], orgUnit: 'dongzhen' },
    ]);
    await engine.deploy(readFileSync(path.resolve(__dirname, '../../../test/fixtures/exclusive.bpmn'), 'utf8'), { username: 'designer', groups: [], roles: ['designer'] }, 'engine guards test');

    for (const kind of ['object', 'array'] as const) {
      const before = { instances: await models.Instance.countDocuments(), revisions: await models.Revision.countDocuments(), tasks: await models.Task.countDocuments() };
      const givenId = `deep-${kind}`;
      const e1 = await failure(engine.startInstance('exclusive', { nested: deep(5_000, kind) } as any, dingbao, undefined, givenId));
      assert.ok(e1 instanceof ValidationError, `start: ${e1}`);
      assert.equal(e1.code, 'VARIABLES_TOO_DEEP');
      const e2 = await failure(engine.startCase('exclusive', { nested: deep(5_000, kind) } as any, dingbao));
      assert.ok(e2 instanceof ValidationError, `startCase: ${e2}`);
      assert.equal(await models.Instance.countDocuments(), before.instances);
      assert.equal(await models.Instance.countDocuments({ status: 'starting' }), 0);
      assert.equal(await models.Revision.countDocuments(), before.revisions);
      assert.equal(await models.Task.countDocuments(), before.tasks);
      assert.equal(await models.Instance.exists({ _id: givenId }), null);
      // the same id starts cleanly afterwards: nothing of the refused start is in the way
      const id = await engine.startInstance('exclusive', { amount: 5 }, dingbao, undefined, givenId);
      const task = (await models.Task.findOne({ instanceId: id, status: 'open' }).lean())!;
      assert.equal(task.elementId, 'review');
      const revisions = await models.Revision.countDocuments({ instanceId: id });
      const e3 = await failure(engine.completeStep(String(task._id), { nested: deep(5_000, kind) } as any, dingbao));
      assert.ok(e3 instanceof ValidationError, `complete: ${e3}`);
      assert.equal(e3.code, 'VARIABLES_TOO_DEEP');
      assert.equal(await models.Revision.countDocuments({ instanceId: id }), revisions);
      assert.equal((await models.Task.findById(task._id).lean())!.status, 'open');
      ok(`5,000-deep ${kind} variables: start and completion refused (VARIABLES_TOO_DEEP), nothing written, no instance in starting`);
    }

    {
      const id = await engine.startInstance('exclusive', { amount: 5 }, dingbao);
      assert.equal((await models.Instance.findById(id).lean())!.orgUnit, 'dingbao');
      const task = (await models.Task.findOne({ instanceId: id, status: 'open' }).lean())!;
      assert.ok(task.candidateGroups.includes('town-window'));
      assert.equal(task.orgUnit, 'dingbao', 'an unrouted step carries its instance\'s org unit');
      // the shared group offers the step only inside its town, in the engine's own task list
      for (const f of ['groups', 'all'] as const) {
        assert.ok(!(await engine.listTasks(dongzhen, f)).some((x: any) => x.id === task._id), `dongzhen's ${f} list shows the dingbao step`);
        assert.ok(!(await engine.listTasks(dongzhen, f, id)).length, `dongzhen's ${f} list of the dingbao instance is not empty`);
        assert.ok((await engine.listTasks(dingbaoB, f)).some((x: any) => x.id === task._id), `dingbao's ${f} list lacks its step`);
      }
      assert.ok((await engine.listTasks(supervisor, 'all', id)).length === 0, 'a supervisor is offered nothing of town-window');
      ok('the engine\'s task lists offer a town-window step only to its own town');
      const revisions = await models.Revision.countDocuments({ instanceId: id });
      for (const foreign of [dongzhen, dongzhenHead, { ...dongzhen, orgUnit: undefined }]) {
        assert.equal(await actorReachesTask(models, foreign, task), false);
        const err = await failure(engine.completeStep(String(task._id), { decision: 'approve' }, foreign));
        assert.ok(err instanceof NotFoundError, `${foreign.username}: ${err}`);
        assert.equal(err.code, 'TASK_NOT_FOUND');
        // nothing of the record but the id the caller named: the answer of a task that does not exist
        assert.equal(err.message, `task ${task._id} does not exist`);
        assert.equal(err.details, undefined);
        const viaCase = await failure(engine.completeTask(String(task._id), { decision: 'approve' }, foreign));
        assert.ok(viaCase instanceof NotFoundError);
      }
      assert.equal(await models.Revision.countDocuments({ instanceId: id }), revisions);
      assert.equal((await models.Task.findById(task._id).lean())!.status, 'open');
      ok('another town\'s clerk and centre head (town-window members) cannot complete a dingbao step: 404 TASK_NOT_FOUND from the engine, nothing written');
      // a supervisor sees across, yet works on no step that is not offered to him
      assert.ok((await failure(engine.completeStep(String(task._id), { decision: 'approve' }, supervisor))) instanceof ForbiddenError);
      // the own town's other post works it
      assert.equal(await actorReachesTask(models, dingbaoB, task), true);
      await engine.completeStep(String(task._id), { amount: 5 }, dingbaoB);
      assert.equal((await models.Task.findById(task._id).lean())!.status, 'completed');
      assert.equal((await models.Instance.findById(id).lean())!.status, 'completed');
      ok('the starter\'s org unit is recorded on the instance; the own town\'s B post completes the step; a supervisor is refused 403 (not offered)');
    }

    {
      const id = await engine.startInstance('exclusive', { amount: 5 }, dingbao);
      await models.Instance.updateOne({ _id: id }, { $unset: { orgUnit: 1 } });
      await models.Task.updateMany({ instanceId: id }, { $unset: { orgUnit: 1 } });
      const task = (await models.Task.findOne({ instanceId: id, status: 'open' }).lean())!;
      assert.ok((await failure(engine.completeStep(String(task._id), {}, dongzhen))) instanceof NotFoundError);
      assert.equal(await actorReachesTask(models, dingbaoB, task), true);
      assert.ok(!(await engine.listTasks(dongzhen, 'groups')).some((x: any) => x.id === task._id), 'a legacy dingbao step offered to dongzhen');
      assert.ok((await engine.listTasks(dingbaoB, 'groups')).some((x: any) => x.id === task._id), 'a legacy dingbao step not offered to dingbao');
      ok('an instance started before its org unit was recorded goes by its starter\'s org unit');
    }
    assert.deepEqual(scheduled, []);
    console.log('ALL_SCENARIOS_PASSED');
  } finally {
    await conn.close();
  }
}

main(process.argv[2]!).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
