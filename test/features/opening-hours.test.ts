/**
 * 开放时间 (5+X) per centre through the HTTP API: a town's head opens Saturday mornings; the
 * counting calendar is untouched (Saturday stays a non-working day); bad hours and other
 * centres are refused; the public sees the result. Real server and FerretDB.
 */
import { ApiClient } from '../helpers/api';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('opening hours of a centre (开放时间, 5+X)', () => {
  let server: RunningProcess;
  beforeAll(async () => {
    server = await startServer(uniqueDbName('opening'));
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('reads the seeded hours, lets the town head add Saturday openings with a reason, and keeps the history', async () => {
    const manager = await ApiClient.login(server.url, 'manager'); // 丁堡镇 centre head
    const before = (await manager.get('/api/org/units/dingbao/opening')).body;
    expect(before.version).toBe(0);
    expect(before.next).toHaveLength(14);
    const seededClose = before.closeTime;
    expect(seededClose).toMatch(/^\d{2}:\d{2}$/);

    const spec = {
      workingDaySessions: [{ start: '08:30', end: '12:00' }, { start: '14:00', end: '18:00' }],
      extraOpenings: [{ isoWeekdays: [6], sessions: [{ start: '09:00', end: '12:00' }] }],
      closedDays: [],
      reason: '便民服务：周六上午延时服务（5+X）',
    };
    const saved = await manager.put('/api/org/units/dingbao/opening', spec);
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(1);
    expect(saved.body.closeTime).toBe('18:00');
    expect(saved.body.history[0]).toMatchObject({ version: 1, by: 'manager', reason: spec.reason });
    // a Saturday that is not a make-up working day: open 09:00–12:00, and still not a working day for time limits
    const saturday = saved.body.next.find((d: any) => new Date(`${d.day}T12:00:00+08:00`).getUTCDay() === 6 && d.workingDay === false);
    expect(saturday.sessions).toEqual([{ start: '09:00', end: '12:00' }]);
    const sunday = saved.body.next.find((d: any) => new Date(`${d.day}T12:00:00+08:00`).getUTCDay() === 0);
    expect(sunday.sessions).toEqual([]);

    const pub = (await new ApiClient(server.url).get('/api/public/towns/dingbao/opening')).body;
    expect(pub.spec.extraOpenings).toEqual(spec.extraOpenings);
    expect(pub.history).toBeUndefined();
  });

  it('refuses overlapping sessions, other centres and clerks, with problems that say why', async () => {
    const manager = await ApiClient.login(server.url, 'manager');
    const overlap = await manager.put('/api/org/units/dingbao/opening', { workingDaySessions: [{ start: '08:30', end: '12:30' }, { start: '12:00', end: '17:00' }], reason: '调整' });
    expect(overlap.status).toBe(400);
    expect(overlap.body.code).toBe('INVALID_OPENING_HOURS');
    expect((await manager.put('/api/org/units/dingbao/opening', { workingDaySessions: [{ start: '8:30', end: '12:00' }], reason: 'x' })).status).toBe(400);
    expect((await manager.put('/api/org/units/dingbao/opening', { workingDaySessions: [{ start: '08:30', end: '12:00' }] })).status).toBe(400); // no reason
    expect((await manager.put('/api/org/units/dongzhen/opening', { workingDaySessions: [{ start: '08:30', end: '12:00' }], reason: '越权' })).status).toBe(403);
    const clerk = await ApiClient.login(server.url, 'clerk');
    expect((await clerk.put('/api/org/units/dingbao/opening', { workingDaySessions: [{ start: '08:30', end: '12:00' }], reason: 'x' })).status).toBe(403);
    expect((await manager.get('/api/org/units/dingbao/opening')).body.version).toBe(1); // nothing half-written
    expect((await manager.get('/api/org/units/nowhere/opening')).status).toBe(404);
  });
});
