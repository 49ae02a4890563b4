/**
 * The audit chain's dedupe: an append replayed from the same source is written once, on the real
 * database. A claim left by a process killed between claim and event is taken over (before, a
 * repair meeting a young claim skipped the event for good: the soak lost task.completed events);
 * an append that was only slow cannot double its event, because the unique (caseNo, dedupeKey)
 * index refuses the second insert.
 */
import mongoose, { type Connection } from 'mongoose';
import { AuditLog } from '../audit';
import { createModels, ensureIndexes, type Models } from '../../persistence/models';
import { dbUri, uniqueDbName } from '../../../test/helpers/server';

describe('audit appends with a dedupe key (审计去重)', () => {
  let conn: Connection;
  let models: Models;
  let audit: AuditLog;

  beforeAll(async () => {
    conn = await mongoose.createConnection(dbUri(uniqueDbName('audit_dedupe')), { autoIndex: false }).asPromise();
    models = createModels(conn);
    await ensureIndexes(models);
    audit = new AuditLog(models);
  });
  afterAll(async () => {
    await conn.close();
  });

  const eventsOf = (caseNo: string, key: string) => models.AuditEvent.countDocuments({ caseNo, dedupeKey: key });

  it('takes over a claim whose process died before writing the event, and writes the event once', async () => {
    const caseNo = 'DB20261207-0001';
    await audit.append(caseNo, 'case.received', 'system', {});
    // killed between the claim and the event: the claim is there, the event is not
    await models.AuditClaim.create({ _id: 'task:done:i1:3:0', at: new Date() });
    await audit.append(caseNo, 'task.completed', 'clerk', { taskId: 'i1:e1' }, { dedupeKey: 'task:done:i1:3:0' });
    expect(await eventsOf(caseNo, 'task:done:i1:3:0')).toBe(1);
    await audit.append(caseNo, 'task.completed', 'clerk', { taskId: 'i1:e1' }, { dedupeKey: 'task:done:i1:3:0' });
    expect(await eventsOf(caseNo, 'task:done:i1:3:0')).toBe(1);
    expect((await audit.verify(caseNo)).valid).toBe(true);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
  }, 30_000);

  it('a slow append whose claim was taken over meanwhile does not write its event again', async () => {
    const caseNo = 'DB20261207-0002';
    await audit.append(caseNo, 'task.completed', 'clerk', { taskId: 'i2:e1' }, { dedupeKey: 'task:done:i2:2:0' });
    // the slow append comes back after the taker wrote the event and its claim went away
    await models.AuditClaim.deleteOne({ _id: 'task:done:i2:2:0' });
    await new AuditLog(models).append(caseNo, 'task.completed', 'clerk', { taskId: 'i2:e1' }, { dedupeKey: 'task:done:i2:2:0' });
    expect(await eventsOf(caseNo, 'task:done:i2:2:0')).toBe(1);
    expect(await models.AuditEvent.countDocuments({ caseNo })).toBe(1);
    expect((await audit.verify(caseNo)).valid).toBe(true);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
  });

  it('eight appends of one key at once write one event', async () => {
    const caseNo = 'DB20261207-0003';
    const logs = Array.from({ length: 8 }, () => new AuditLog(models));
    await Promise.all(logs.map((l) => l.append(caseNo, 'case.accepted', 'clerk', {}, { dedupeKey: `case:accepted:${caseNo}` })));
    expect(await eventsOf(caseNo, `case:accepted:${caseNo}`)).toBe(1);
    expect((await audit.verify(caseNo)).valid).toBe(true);
  }, 30_000);

  it('two appends in flight on one case keep each its own marker: the one that finishes first does not remove the other\'s', async () => {
    const caseNo = 'DB20261207-0004';
    const log = new AuditLog(models);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atHold = new Promise<void>((r) => (reached = r));
    log.onAppended(async (_c, events) => {
      if (events.some((e) => e.type === 'task.completed')) {
        reached();
        await held; // the first append stands between its event and its follow-ups (where a kill loses them)
      }
    });
    const first = log.append(caseNo, 'task.completed', 'clerk', { taskId: 'i4:e1' });
    await atHold;
    await log.append(caseNo, 'clock.stopped', 'system', { clockId: 'c4' });
    // before: one marker per case, replaced by the second append and removed when it finished
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(1);
    const [m] = await models.AuditPending.find({ caseNo }).lean();
    expect(m.fromSeq).toBe(1);
    release();
    await first;
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
    expect((await audit.verify(caseNo)).valid).toBe(true);
  });

  it('a follow-up that fails keeps the marker, and the repair runs it again until it succeeds', async () => {
    const caseNo = 'DB20261207-0005';
    const log = new AuditLog(models);
    const seen: number[] = [];
    let failing = true;
    log.onAppended(async (c, events) => {
      if (c !== caseNo) return;
      if (failing) throw new Error('rollups unavailable');
      seen.push(...events.map((e) => e.seq));
    });
    await log.append(caseNo, 'case.received', 'system', {});
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(1);
    // the repair while the follow-up still fails: the marker stays for the next sweep
    await log.redispatchPending(new Date(Date.now() + 60_000));
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(1);
    failing = false;
    await log.redispatchPending(new Date(Date.now() + 60_000));
    expect(seen).toEqual([1]);
    expect(await models.AuditPending.countDocuments({ caseNo })).toBe(0);
  });

  it('a marker of the old shape (keyed by the case) is still repaired', async () => {
    const caseNo = 'DB20261207-0006';
    const log = new AuditLog(models);
    const seen: number[] = [];
    log.onAppended(async (c, events) => {
      if (c === caseNo) seen.push(...events.map((e) => e.seq));
    });
    await log.append(caseNo, 'case.received', 'system', {});
    await models.AuditPending.collection.insertOne({ _id: caseNo as never, fromSeq: 1, token: 't-old', at: new Date(Date.now() - 120_000) });
    await log.redispatchPending();
    expect(seen).toEqual([1, 1]);
    expect(await models.AuditPending.countDocuments({ _id: caseNo })).toBe(0);
  });
});
