/**
 * Batched audit appends (issue #11): the events one command appends to a case are written with a
 * constant number of round trips — claims in one insert, one pending marker, the events in one
 * insert, one pass of follow-ups, one marker delete — with the chain, the dedupe and the crash
 * safety of single appends. Real database; the kills are real SIGKILLs of a child process at the
 * named crash points.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { AuditLog, type AppendedEvent, type AuditAppend } from '../audit';
import { createModels, ensureIndexes, type Models } from '../../persistence/models';
import { dbUri, ROOT, uniqueDbName } from '../../../test/helpers/server';
import { killBatch } from './audit-batch.fixture';

const IGNORED = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'saslStart', 'saslContinue', 'endSessions', 'buildInfo']);

describe('audit batches (审计链批量追加)', () => {
  let conn: Connection;
  let models: Models;
  let uri: string;
  const commands: string[] = [];

  beforeAll(async () => {
    uri = dbUri(uniqueDbName('audit_batch'));
    conn = await mongoose.createConnection(uri, { autoIndex: false, monitorCommands: true }).asPromise();
    conn.getClient().on('commandStarted', (e) => {
      if (!IGNORED.has(e.commandName)) commands.push(`${e.commandName} ${(e.command as any)[e.commandName]}`);
    });
    models = createModels(conn);
    await ensureIndexes(models);
  });
  afterAll(async () => {
    await conn.close();
  });

  /** The round trips `fn` makes on the connection. */
  const counted = async (fn: () => Promise<unknown>) => {
    commands.length = 0;
    await fn();
    return [...commands];
  };
  const ofCase = (caseNo: string) => models.AuditEvent.find({ caseNo }).sort({ seq: 1 }).lean();
  const acceptance = (caseNo: string): AuditAppend[] => [
    { type: 'case.received', actor: 'dingbao-w01-a', data: { itemCode: 'DB-001', applicant: { name: '欧阳**', idNumber: '440************01X' } } },
    { type: 'task.opened', actor: 'system', data: { taskId: 'i1:e1', name: '镇窗口受理' }, dedupeKey: `task:open:${caseNo}:1:0` },
    ...killBatch(caseNo),
  ];

  it('six events of one command: one batch of a few round trips, a valid chain, the listeners called once with all of them', async () => {
    const caseNo = 'DB20261207-0101';
    const audit = new AuditLog(models);
    const heard: AppendedEvent[][] = [];
    audit.onAppended(async (c, events) => {
      if (c === caseNo) heard.push(events);
    });
    audit.startsChain(caseNo, { orgUnit: 'dingbao', itemCode: 'DB-001' });
    const batch = await counted(() => audit.appendMany(caseNo, acceptance(caseNo)));
    // claims, marker, events, marker delete — before: about five per event (30 for these six)
    expect(batch).toEqual(['insert audit_claims', 'insert audit_pending', 'insert audit_events', 'delete audit_pending']);
    const events = await ofCase(caseNo);
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, 'case.received'], [2, 'task.opened'], [3, 'case.accepted'], [4, 'notice.issued'], [5, 'clock.started'], [6, 'clock.started']]);
    expect((await audit.verify(caseNo)).valid).toBe(true);
    expect(heard).toHaveLength(1);
    expect(heard[0].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(heard[0][1].data).toEqual({ taskId: 'i1:e1', name: '镇窗口受理' });
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);

    // the same six appended one by one cost several times more (the comparison the bench makes per command)
    const single = new AuditLog(models);
    const other = 'DB20261207-0102';
    single.startsChain(other, {});
    const oneByOne = await counted(async () => {
      for (const e of acceptance(other)) await single.append(other, e.type, e.actor, e.data, e);
    });
    expect(oneByOne.length).toBeGreaterThanOrEqual(5 * batch.length);
  });

  it('a batch replayed from the same source writes nothing again; new keys in it are appended after the head', async () => {
    const caseNo = 'DB20261207-0103';
    const keyed = killBatch(caseNo);
    await new AuditLog(models).appendMany(caseNo, keyed);
    // another process (no cached head) replays the batch with one more step
    const more: AuditAppend = { type: 'task.opened', actor: 'system', data: { taskId: 'i3:e2' }, dedupeKey: `task:open:${caseNo}:2:0` };
    await new AuditLog(models).appendMany(caseNo, [...keyed, more]);
    await new AuditLog(models).appendMany(caseNo, [...keyed, more]);
    const events = await ofCase(caseNo);
    expect(events.map((e) => e.dedupeKey)).toEqual([...keyed.map((e) => e.dedupeKey), more.dedupeKey]);
    expect((await new AuditLog(models).verify(caseNo)).valid).toBe(true);
    // a key named twice in one batch is one event
    await new AuditLog(models).appendMany(caseNo, [{ ...more, dedupeKey: 'twice:1' }, { ...more, dedupeKey: 'twice:1' }]);
    expect(await models.AuditEvent.countDocuments({ caseNo, dedupeKey: 'twice:1' })).toBe(1);
  }, 30_000);

  it('an event already in the chain whose claim went away (a slow append taken over) is refused by the dedupe index; the rest of its batch is written', async () => {
    const caseNo = 'DB20261207-0104';
    const [first, ...rest] = killBatch(caseNo);
    await new AuditLog(models).appendMany(caseNo, [first]);
    await models.AuditClaim.deleteOne({ _id: first.dedupeKey });
    const audit = new AuditLog(models);
    await audit.appendMany(caseNo, [first, ...rest]);
    const events = await ofCase(caseNo);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events.filter((e) => e.dedupeKey === first.dedupeKey)).toHaveLength(1);
    expect((await audit.verify(caseNo)).valid).toBe(true);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
  });

  it('batches racing on one case (six processes): every event once, at consecutive positions, the chain valid', async () => {
    const caseNo = 'DB20261207-0105';
    const logs = Array.from({ length: 6 }, () => new AuditLog(models));
    await Promise.all(logs.map((l, i) => l.appendMany(caseNo, [0, 1, 2, 3].map((j) => ({ type: 'task.moved', actor: `clerk${i}`, data: { i, j } })))));
    const events = await ofCase(caseNo);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 24 }, (_, k) => k + 1));
    // each batch's own events in its order
    for (let i = 0; i < 6; i++) expect(events.filter((e) => e.actor === `clerk${i}`).map((e) => JSON.parse(e.data).j)).toEqual([0, 1, 2, 3]);
    expect((await logs[0].verify(caseNo)).valid).toBe(true);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
  }, 30_000);

  it('a batch scope holds the appends until it ends; a nested scope writes at its end; a failing command still writes what it appended', async () => {
    const caseNo = 'DB20261207-0106';
    const audit = new AuditLog(models);
    let calls = 0;
    audit.onAppended(async (c) => {
      if (c === caseNo) calls++;
    });
    await audit.batch(async () => {
      await audit.append(caseNo, 'case.received', 'clerk', { n: 1 });
      await audit.append(caseNo, 'case.accepted', 'clerk', { n: 2 }, { dedupeKey: `case:accepted:${caseNo}` });
      expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(0);
      await audit.batch(async () => audit.append(caseNo, 'task.opened', 'system', { n: 3 }));
      expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(3);
      await audit.appendNow(caseNo, 'clock.paused', 'clerk', { n: 4 });
      expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(4);
      await audit.append(caseNo, 'notice.issued', 'clerk', { n: 5 });
    });
    expect(calls).toBe(3);
    await expect(audit.batch(async () => {
      await audit.append(caseNo, 'fee.charged', 'clerk', { n: 6 });
      throw new Error('the engine refused');
    })).rejects.toThrow('the engine refused');
    const events = await ofCase(caseNo);
    expect(events.map((e) => JSON.parse(e.data).n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await audit.verify(caseNo)).valid).toBe(true);
    // after the scope: an append goes straight in
    await audit.append(caseNo, 'case.ended', 'system', { n: 7 });
    expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(7);
  });

  /** Runs the scenario child, killed at `point`; resolves with how it ended. */
  const killedAt = (point: string, caseNo: string) =>
    new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'audit-batch.scenario.ts'), uri, caseNo], {
        cwd: ROOT,
        env: { ...process.env, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: point },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.once('exit', (code, signal) => resolve({ code, signal, out }));
    });

  it('killed between the claims and the events of a batch: the repair takes the claims over and writes every event once', async () => {
    const caseNo = 'DB20261207-0107';
    await new AuditLog(models).appendMany(caseNo, [{ type: 'case.received', actor: 'dingbao-w01-a', data: {} }]);
    const run = await killedAt('audit.after-claim:clock.started', caseNo);
    expect(run.signal).toBe('SIGKILL');
    const batch = killBatch(caseNo);
    // the four claims are held, none of the events is written
    expect(await models.AuditClaim.countDocuments({ _id: { $in: batch.map((e) => e.dedupeKey!) } })).toBe(4);
    expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(1);
    // the repair (the acceptance run again under its intent) appends the same batch
    const audit = new AuditLog(models);
    await audit.asRepair(() => audit.appendMany(caseNo, batch));
    // and a late replay by a live process writes nothing more
    await new AuditLog(models).appendMany(caseNo, batch);
    const events = await ofCase(caseNo);
    expect(events.map((e) => e.type)).toEqual(['case.received', 'case.accepted', 'notice.issued', 'clock.started', 'clock.started']);
    expect((await audit.verify(caseNo)).valid).toBe(true);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
  }, 60_000);

  it('killed between the events of a batch and their follow-ups: the marker stays, the sweep dispatches the batch once, a replay writes nothing', async () => {
    const caseNo = 'DB20261207-0108';
    const run = await killedAt('audit.after-event:notice.issued', caseNo);
    expect(run.signal).toBe('SIGKILL');
    expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(4);
    const markers = await models.AuditPending.find({ caseNo }).lean();
    expect(markers).toHaveLength(1);
    expect(markers[0].fromSeq).toBe(1);
    const audit = new AuditLog(models);
    const heard: number[][] = [];
    audit.onAppended(async (c, events) => {
      if (c === caseNo) heard.push(events.map((e) => e.seq));
    });
    // a marker younger than the sweep's age is an append in flight: left alone
    await audit.redispatchPending(new Date());
    expect(heard).toEqual([]);
    await audit.redispatchPending(new Date(Date.now() + 60_000));
    expect(heard).toEqual([[1, 2, 3, 4]]);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
    await audit.appendMany(caseNo, killBatch(caseNo));
    expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(4);
    expect(heard).toHaveLength(1);
    expect((await audit.verify(caseNo)).valid).toBe(true);
  }, 60_000);

  /** A phase of the platform scenario in a child process (see audit-batch-kill.scenario.ts), killed at `killAt` if given. */
  const platformPhase = (db: string, phase: string, caseNo?: string, killAt?: string) =>
    new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'audit-batch-kill.scenario.ts'), db, phase, ...(caseNo ? [caseNo] : [])], {
        cwd: ROOT,
        env: { ...process.env, ...(killAt ? { PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: killAt } : {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.once('exit', (code, signal) => resolve({ code, signal, out }));
    });
  const chainOf = async (db: string, caseNo: string) => {
    const r = await platformPhase(db, 'repair', caseNo);
    if (r.code !== 0) throw new Error(`repair phase failed:\n${r.out}`);
    return JSON.parse(/^chain (.*)$/m.exec(r.out)![1]) as { status: string; valid: boolean; pending: number; events: { type: string; key: string | null; data: any }[] };
  };
  /** What the chain holds, as a sorted list of event kinds with what names them (the clock, the notice kind, the step). */
  const kinds = (events: { type: string; data: any }[]) =>
    events.map((e) => `${e.type}${e.data.clockId ? ` ${String(e.data.clockId).replace(/^.*:(statutory|promised|examination)$/, '$1').replace(/^step:.*$/, 'step')}` : ''}${e.data.kind && e.type === 'notice.issued' ? ` ${e.data.kind}` : ''}`).sort();

  it('the platform killed inside an intake\'s and a completion\'s audit batches: after the repairs each case has the events of an uninterrupted one, none twice', async () => {
    // the same intake and completion, not interrupted
    const plain = dbUri(uniqueDbName('audit_batch_plain'));
    const p1 = await platformPhase(plain, 'intake');
    expect(p1.code).toBe(0);
    const plainCase = /^case (\S+)$/m.exec(p1.out)![1];
    expect((await platformPhase(plain, 'complete', plainCase)).code).toBe(0);
    const reference = await chainOf(plain, plainCase);
    expect(reference.status).toBe('completed');
    expect(reference.valid).toBe(true);

    const db = dbUri(uniqueDbName('audit_batch_kill'));
    // killed after claiming the acceptance's batch (case.accepted, its notice, its clocks), before writing it
    const k1 = await platformPhase(db, 'intake', undefined, 'audit.after-claim:clock.started');
    expect(k1.signal).toBe('SIGKILL');
    const caseNo = /^case (\S+)$/m.exec(k1.out)![1];
    const afterIntake = await chainOf(db, caseNo);
    expect(afterIntake.status).toBe('in-progress');
    expect(afterIntake.valid).toBe(true);
    expect(afterIntake.pending).toBe(0);
    // killed after claiming the completion's batch (the step done, clocks stopped, the end, its notice)
    const k2 = await platformPhase(db, 'complete', caseNo, 'audit.after-claim:task.completed');
    expect(k2.signal).toBe('SIGKILL');
    const after = await chainOf(db, caseNo);
    expect(after.status).toBe('completed');
    expect(after.valid).toBe(true);
    expect(after.pending).toBe(0);
    expect(kinds(after.events)).toEqual(kinds(reference.events));
    const keys = after.events.map((e) => e.key).filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    expect(kinds(after.events)).toEqual(expect.arrayContaining(['case.received', 'case.accepted', 'task.opened', 'task.completed', 'case.ended', 'notice.issued acceptance', 'notice.issued completion', 'clock.started statutory', 'clock.stopped promised']));
  }, 240_000);
});
