/**
 * The org cache (engine/org/org-cache.ts, issue 11 item 3): routing, the centre's close of business
 * and the signed-in person read the org model without a round trip while it is fresh — and a duty
 * change (离岗) takes effect at once in the process that made it, and in another process within
 * USER_TTL_MS (3 s); a change of opening hours at once here, within ORG_UNIT_TTL_MS elsewhere.
 * Real database (two connections = two processes' caches); the other process's time is moved by
 * hand, no sleeps. No password hash is ever cached.
 */
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { createModels, type Models } from '../../persistence/models';
import { AuditLog } from '../../cases/audit';
import { WorkingCalendar } from '../../calendar/working-calendar';
import { RoundTripCounter, withCommandMonitoring } from '../../services/round-trip-counter';
import { dbUri, uniqueDbName } from '../../../test/helpers/server';
import { OrgService } from '../org-service';
import { OpeningBody, OpeningHours } from '../opening-hours';
import { ORG_UNIT_TTL_MS, OrgCache, USER_TTL_MS, orgCacheOf } from '../org-cache';

const logger = pino({ level: 'silent' });
const admin = { username: 'admin', roles: ['admin'], groups: [] };

describe('the org model as a process last read it', () => {
  let conn1: Connection;
  let conn2: Connection;
  let models1: Models;
  let models2: Models;
  let here: OrgService; // this process: the process's own cache, real time
  let other: OrgService; // another process: its own cache, its time moved by hand
  let otherCache: OrgCache;
  let otherNow = 1_000;
  let counter: RoundTripCounter;
  let w: any;

  beforeAll(async () => {
    const uri = dbUri(uniqueDbName('org_cache'));
    conn1 = await mongoose.createConnection(withCommandMonitoring(uri), { autoIndex: false }).asPromise();
    conn2 = await mongoose.createConnection(uri, { autoIndex: false }).asPromise();
    models1 = createModels(conn1);
    models2 = createModels(conn2);
    here = new OrgService(models1, new AuditLog(models1), logger);
    otherCache = new OrgCache(models2, { now: () => otherNow });
    other = new OrgService(models2, new AuditLog(models2), logger, otherCache);
    await here.seed('$2a$10$not-a-real-hash-not-a-real-hash-not-a-real-hash-xx');
    w = await models1.Window.findOne({ orgUnit: 'dingbao', kind: 'department', status: 'active' }).sort({ no: 1 }).lean();
    counter = new RoundTripCounter(conn1.getClient() as any);
  });
  afterAll(async () => {
    counter?.detach();
    await conn1?.close();
    await conn2?.close();
  });

  const departmentStep = (org: OrgService) => org.router().route({ orgUnit: 'dingbao' }, { window: w.department, elementId: 'dept-review' });
  const receivingStep = (org: OrgService) => org.router().route({ orgUnit: 'dingbao', receivingWindow: w._id, responsible: w.postA }, { window: 'receiving', elementId: 'town-accept' });

  it('routes a step like one a moment ago without a round trip, and never caches a password hash', async () => {
    expect(w?.postA && w?.postB).toBeTruthy();
    expect(await departmentStep(here)).toMatchObject({ windowId: w._id, assignee: w.postA, post: 'A' });
    expect(await receivingStep(here)).toMatchObject({ assignee: w.postA, post: 'responsible' });
    const warm = await counter.measure(async () => [await departmentStep(here), await receivingStep(here)]);
    expect(warm.sequence).toEqual([]);
    expect(warm.result[0]).toMatchObject({ assignee: w.postA });
    const cached = await orgCacheOf(models1).user(w.postA);
    expect(cached?.displayName).toBeTruthy();
    expect(cached).not.toHaveProperty('passwordHash');
    // the other process reads once, then serves its copy
    expect(await departmentStep(other)).toMatchObject({ assignee: w.postA });
    expect(await receivingStep(other)).toMatchObject({ assignee: w.postA });
  });

  it('a person going away (离岗) gets no new step at once here, and within USER_TTL_MS in another process', async () => {
    await here.setDuty(w.postA, { status: 'away', reason: '参加业务培训' }, admin);
    // here: at once
    expect(await departmentStep(here)).toMatchObject({ assignee: w.postB, post: 'B' });
    expect(await receivingStep(here)).toMatchObject({ assignee: w.postB, post: 'B' });
    // the other process: its copy, read before the change, is served until the bound …
    otherNow += USER_TTL_MS - 1;
    expect(await departmentStep(other)).toMatchObject({ assignee: w.postA });
    // … and not a millisecond longer
    otherNow += 1;
    expect(await departmentStep(other)).toMatchObject({ assignee: w.postB, post: 'B' });
    expect(await receivingStep(other)).toMatchObject({ assignee: w.postB, post: 'B' });
  });

  it('coming back (到岗) through the other process takes effect there at once', async () => {
    await other.setDuty(w.postA, { status: 'present' }, admin);
    expect(await departmentStep(other)).toMatchObject({ assignee: w.postA, post: 'A' });
    expect(await receivingStep(other)).toMatchObject({ assignee: w.postA, post: 'responsible' });
  });

  it('a person or unit that does not exist is not remembered as missing', async () => {
    expect(await otherCache.user('new-clerk')).toBeNull();
    await models1.User.create({ _id: 'new-clerk', displayName: '欧阳·明', passwordHash: 'x', roles: ['clerk'], groups: [], orgUnit: 'dingbao' });
    expect((await otherCache.user('new-clerk'))?.displayName).toBe('欧阳·明');
  });

  it("a centre's close of business: cached, at once after its own change of opening hours, within ORG_UNIT_TTL_MS elsewhere", async () => {
    const cache = orgCacheOf(models1);
    const before = await cache.closeTimeOf('dingbao');
    expect(await otherCache.closeTimeOf('dingbao')).toBe(before);
    const warm = await counter.measure(() => cache.closeTimeOf('dingbao'));
    expect(warm.sequence).toEqual([]);
    const hours = new OpeningHours(models1, async () => WorkingCalendar.official());
    await hours.set('dingbao', OpeningBody.parse({ workingDaySessions: [{ start: '08:30', end: '12:00' }, { start: '14:00', end: '18:00' }], reason: '夏季作息时间' }), admin, new Date());
    expect(await cache.closeTimeOf('dingbao')).toBe('18:00');
    otherNow += ORG_UNIT_TTL_MS - 1;
    expect(await otherCache.closeTimeOf('dingbao')).toBe(before);
    otherNow += 1;
    expect(await otherCache.closeTimeOf('dingbao')).toBe('18:00');
  });
});
