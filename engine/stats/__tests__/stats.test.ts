/**
 * Statistics and rankings against the real test FerretDB, over a small hand-made set of cases
 * around the 2025 National Day holiday (国庆: 10-01…10-08 off; Sunday 09-28 and Saturday 10-11
 * are make-up working days). Every expected number below is worked out by hand in the comments.
 */
import mongoose, { type Connection } from 'mongoose';
import { createModels, type Models } from '../../persistence/models';
import { WorkingCalendar } from '../../calendar/working-calendar';
import { dbUri, uniqueDbName } from '../../../test/helpers/server';
import {
  BOM,
  EFFICIENCY_WEIGHTS,
  RANKING_CSV_COLUMNS,
  STATS_CSV_COLUMNS,
  StatsService,
  WorkingDayCounter,
  periodOfDays,
  periodOfMonth,
  toCsv,
  type StatsReport,
} from '..';

/** An instant given in Beijing time. */
const cst = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);
const NOW = cst('2025-10-27 12:00');
const PERIOD = periodOfDays('2025-09-26', '2025-10-31');

const ORGS = [
  { _id: 'city', code: 'XY', seq: 0, name: '信宜市行政服务中心', shortName: '信宜市', level: 'city' },
  { _id: 'dingbao', code: 'DB', seq: 3, name: '丁堡镇行政服务中心', shortName: '丁堡镇', level: 'town' },
  { _id: 'chidong', code: 'CD', seq: 4, name: '池洞镇行政服务中心', shortName: '池洞镇', level: 'town' },
  { _id: 'zhusha', code: 'ZS', seq: 6, name: '朱砂镇行政服务中心', shortName: '朱砂镇', level: 'town' },
  { _id: 'guizi', code: 'GZ', seq: 7, name: '贵子镇行政服务中心', shortName: '贵子镇', level: 'town' },
  { _id: 'huaixiang', code: 'HX', seq: 8, name: '怀乡镇行政服务中心', shortName: '怀乡镇', level: 'town' },
  { _id: 'chashan', code: 'CS', seq: 9, name: '茶山镇行政服务中心', shortName: '茶山镇', level: 'town' },
];

const WINDOWS = [
  { _id: 'db-w01', orgUnit: 'dingbao', no: 1, name: '丁堡镇国土窗口', department: 'land', departmentName: '信宜市自然资源局', kind: 'department' },
  { _id: 'db-w02', orgUnit: 'dingbao', no: 2, name: '丁堡镇社会事务窗口', department: 'social-affairs', departmentName: '信宜市民政局', kind: 'department' },
  { _id: 'cd-w01', orgUnit: 'chidong', no: 1, name: '池洞镇人社窗口', department: 'hr-social-security', kind: 'department' },
  { _id: 'cd-w02', orgUnit: 'chidong', no: 2, name: '池洞镇国土窗口', department: 'land', kind: 'department' },
];

const ITEMS: Record<string, { name: string; department: string }> = {
  'GT-001': { name: '农村村民宅基地审批', department: 'land' },
  'SW-005': { name: '低保证明', department: 'social-affairs' },
  'RS-001': { name: '社保卡补办', department: 'hr-social-security' },
};

type ClockSpec = { days: number; status: 'running' | 'paused' | 'stopped'; dueAt?: string; stoppedAt?: string; result?: 'early' | 'on-time' | 'late' };
type CaseSpec = {
  no: string;
  org: string;
  window: string;
  who: string;
  item: string;
  category: string;
  status: string;
  received: string;
  /** Accepted (clock start); no clocks when absent. */
  accepted?: string;
  statutory?: ClockSpec;
  promised?: ClockSpec;
};

/*
 * Working days used (the calendar's rule: days in (start day, stop day], holidays out, make-up days in):
 *   09-26 Fri → 10-13 Mon: 09-28 (make-up Sun), 09-29, 09-30, 10-09, 10-10, 10-11 (make-up Sat), 10-13 = 7
 *   09-30 Tue → 10-10 Fri: 10-09, 10-10                                                           = 2
 *   10-09 Thu → 10-09 Thu: same day                                                               = 0
 *   10-10 Fri → 10-13 Mon: 10-11 (make-up Sat), 10-13                                             = 2
 *   10-13 Mon → 10-20 Mon: 10-14, 15, 16, 17, 20                                                  = 5
 */
const CASES: CaseSpec[] = [
  // ---- 丁堡镇 dingbao: 5 cases in the period
  {
    no: 'DB-20250926-0001', org: 'dingbao', window: 'db-w01', who: 'alice', item: 'GT-001', category: 'report-up', status: 'completed',
    received: '2025-09-26 08:50', accepted: '2025-09-26 09:00',
    statutory: { days: 30, status: 'stopped', dueAt: '2025-11-14 17:30', stoppedAt: '2025-10-13 16:00', result: 'early' },
    // promised 5 days: 09-28, 09-29, 09-30, 10-09, 10-10 → due 10-10 17:30; stopped 10-13 → late; used 7/5 = 1.4
    promised: { days: 5, status: 'stopped', dueAt: '2025-10-10 17:30', stoppedAt: '2025-10-13 16:00', result: 'late' },
  },
  {
    no: 'DB-20250930-0001', org: 'dingbao', window: 'db-w02', who: 'bob', item: 'SW-005', category: 'immediate', status: 'completed',
    received: '2025-09-30 09:55', accepted: '2025-09-30 10:00',
    statutory: { days: 5, status: 'stopped', dueAt: '2025-10-14 17:30', stoppedAt: '2025-10-10 15:00', result: 'early' },
    // promised 0 days (当日): due 09-30 17:30, stopped 10-10 → late; used 2 / max(1, 0) = 2
    promised: { days: 0, status: 'stopped', dueAt: '2025-09-30 17:30', stoppedAt: '2025-10-10 15:00', result: 'late' },
  },
  {
    no: 'DB-20251009-0001', org: 'dingbao', window: 'db-w02', who: 'bob', item: 'SW-005', category: 'immediate', status: 'completed',
    received: '2025-10-09 08:55', accepted: '2025-10-09 09:00',
    statutory: { days: 5, status: 'stopped', dueAt: '2025-10-15 17:30', stoppedAt: '2025-10-09 16:00', result: 'early' },
    // no stored result: derived from stoppedAt/dueAt (same CST day, before the deadline → on time); used 0
    promised: { days: 0, status: 'stopped', dueAt: '2025-10-09 17:30', stoppedAt: '2025-10-09 16:00' },
  },
  {
    no: 'DB-20251013-0001', org: 'dingbao', window: 'db-w01', who: 'alice', item: 'GT-001', category: 'supplement', status: 'in-progress',
    received: '2025-10-13 08:40', accepted: '2025-10-13 09:00',
    statutory: { days: 30, status: 'running', dueAt: '2025-11-24 17:30' },
    // promised 5 days → due 10-20 17:30 < now (10-27): overdue now
    promised: { days: 5, status: 'running', dueAt: '2025-10-20 17:30' },
  },
  { no: 'DB-20251014-0001', org: 'dingbao', window: 'db-w01', who: 'alice', item: 'GT-001', category: 'rejected', status: 'rejected', received: '2025-10-14 10:00' },
  // outside the period, and a void intake: never counted
  {
    no: 'DB-20250901-0001', org: 'dingbao', window: 'db-w01', who: 'alice', item: 'GT-001', category: 'report-up', status: 'completed',
    received: '2025-09-01 09:00', accepted: '2025-09-01 09:10',
    statutory: { days: 30, status: 'stopped', dueAt: '2025-10-21 17:30', stoppedAt: '2025-10-28 10:00', result: 'late' },
    promised: { days: 5, status: 'stopped', dueAt: '2025-09-08 17:30', stoppedAt: '2025-10-28 10:00', result: 'late' },
  },
  { no: 'DB-20251020-0002', org: 'dingbao', window: 'db-w01', who: 'alice', item: 'GT-001', category: 'immediate', status: 'void', received: '2025-10-20 10:00' },

  // ---- 池洞镇 chidong: 2 cases
  {
    no: 'CD-20251010-0001', org: 'chidong', window: 'cd-w01', who: 'carol', item: 'RS-001', category: 'immediate', status: 'completed',
    received: '2025-10-10 08:55', accepted: '2025-10-10 09:00',
    statutory: { days: 5, status: 'stopped', dueAt: '2025-10-17 17:30', stoppedAt: '2025-10-13 10:00', result: 'early' },
    // promised 0: due 10-10 17:30, stopped 10-13 → late; used 2 / 1 = 2
    promised: { days: 0, status: 'stopped', dueAt: '2025-10-10 17:30', stoppedAt: '2025-10-13 10:00', result: 'late' },
  },
  {
    no: 'CD-20251013-0001', org: 'chidong', window: 'cd-w02', who: 'dave', item: 'GT-001', category: 'report-up', status: 'completed',
    received: '2025-10-13 08:50', accepted: '2025-10-13 09:00',
    statutory: { days: 30, status: 'stopped', dueAt: '2025-11-24 17:30', stoppedAt: '2025-10-20 16:00', result: 'early' },
    // promised 5: due 10-20 17:30, stopped 10-20 16:00 → on time; used 5 / 5 = 1
    promised: { days: 5, status: 'stopped', dueAt: '2025-10-20 17:30', stoppedAt: '2025-10-20 16:00', result: 'on-time' },
  },

  // ---- 朱砂镇 zhusha and 茶山镇 chashan: one identical same-day case each (a tie on score)
  ...(['zhusha', 'chashan'] as const).map(
    (org): CaseSpec => ({
      no: `${org === 'zhusha' ? 'ZS' : 'CS'}-20251009-0001`, org, window: `${org}-w01`, who: `${org}-a`, item: 'RS-001', category: 'immediate', status: 'completed',
      received: '2025-10-09 08:55', accepted: '2025-10-09 09:00',
      statutory: { days: 1, status: 'stopped', dueAt: '2025-10-10 17:30', stoppedAt: '2025-10-09 16:00', result: 'early' },
      promised: { days: 0, status: 'stopped', dueAt: '2025-10-09 17:30', stoppedAt: '2025-10-09 16:00', result: 'on-time' },
    }),
  ),

  // ---- the city centre: one open case, promised limit overdue now, statutory paused
  {
    no: 'XY-20251015-0001', org: 'city', window: 'city-w01', who: 'frank', item: 'GT-001', category: 'report-up', status: 'in-progress',
    received: '2025-10-15 09:00', accepted: '2025-10-15 09:10',
    statutory: { days: 30, status: 'paused' },
    promised: { days: 5, status: 'running', dueAt: '2025-10-22 17:30' },
  },
];

async function load(models: Models) {
  await models.OrgUnit.insertMany(ORGS);
  await models.Window.insertMany(WINDOWS);
  await models.ServiceItem.insertMany(
    Object.entries(ITEMS).map(([code, it]) => ({ _id: code, name: it.name, department: it.department, orgLevel: 'town', defaultCategory: 'immediate', procedure: 'immediate-item', statutoryLimitDays: 5, promisedLimitDays: 0, fees: {} })),
  );
  await models.User.insertMany(['alice', 'bob'].map((u) => ({ _id: u, displayName: u === 'alice' ? '李爱丽' : '王博', passwordHash: 'x', orgUnit: 'dingbao' })));
  await models.ServiceCase.insertMany(
    CASES.map((c) => ({
      _id: c.no,
      itemCode: c.item,
      itemName: ITEMS[c.item].name,
      department: ITEMS[c.item].department,
      orgUnit: c.org,
      receivingWindow: c.window,
      responsible: c.who,
      category: c.category,
      status: c.status,
      applicant: { name: '张三' },
      queryCodeHash: 'h',
      receivedAt: cst(c.received),
      acceptedAt: c.accepted ? cst(c.accepted) : undefined,
      endedAt: c.statutory?.stoppedAt ? cst(c.statutory.stoppedAt) : undefined,
    })),
  );
  const clocks = [];
  for (const c of CASES) {
    for (const kind of ['statutory', 'promised'] as const) {
      const k = c[kind];
      if (!k || !c.accepted) continue;
      clocks.push({
        _id: `${c.no}:${kind}`,
        caseNo: c.no,
        kind,
        orgUnit: c.org,
        windowId: c.window,
        holder: c.who,
        budget: { unit: 'working-days', days: k.days },
        startedAt: cst(c.accepted),
        status: k.status,
        dueAt: k.dueAt ? cst(k.dueAt) : null,
        stoppedAt: k.stoppedAt ? cst(k.stoppedAt) : undefined,
        result: k.result,
        version: 1,
      });
    }
  }
  // a step clock is not a case limit and must be ignored
  clocks.push({ _id: 'step:t1', caseNo: 'DB-20251013-0001', kind: 'step', orgUnit: 'dingbao', budget: { unit: 'working-days', days: 1 }, startedAt: cst('2025-10-13 09:00'), status: 'running', dueAt: cst('2025-10-14 17:30'), version: 1 });
  await models.Clock.insertMany(clocks);
  await models.Escalation.insertMany([
    { _id: 'e1', caseNo: 'DB-20251013-0001', orgUnit: 'dingbao', windowId: 'db-w01', responsible: 'alice', raisedAt: cst('2025-10-20 17:30'), status: 'open', source: 'clock', limitKind: 'promised' },
    { _id: 'e0', caseNo: 'DB-20250901-0001', orgUnit: 'dingbao', windowId: 'db-w01', responsible: 'alice', raisedAt: cst('2025-09-08 17:30'), status: 'closed', source: 'clock' },
  ]);
  const complaint = (id: string, extra: Record<string, unknown>) => ({ _id: id, day: '20251015', seq: 1, content: '态度差', queryCodeHash: 'h', status: 'received', ...extra });
  await models.Complaint.insertMany([
    // about window db-w02, no case: counted by date, against 丁堡镇 / db-w02
    complaint('TS-DB-20251015-0001', { orgUnit: 'dingbao', targetKind: 'window', windowId: 'db-w02', createdAt: cst('2025-10-15 11:00') }),
    // about a chidong case of the period
    complaint('TS-CD-20251021-0001', { orgUnit: 'chidong', targetKind: 'case', caseNo: 'CD-20251010-0001', createdAt: cst('2025-10-21 11:00') }),
    // before the period: not counted
    complaint('TS-DB-20250902-0001', { orgUnit: 'dingbao', targetKind: 'window', windowId: 'db-w01', createdAt: cst('2025-09-02 11:00') }),
  ]);
  const rating = (caseNo: string, level: number) => ({ _id: `${caseNo}:completion`, caseNo, stage: 'completion', level, createdAt: cst('2025-10-25 10:00') });
  await models.Rating.insertMany([
    rating('DB-20250926-0001', 5),
    rating('DB-20250930-0001', 4),
    rating('DB-20251009-0001', 2),
    rating('CD-20251013-0001', 3),
    rating('ZS-20251009-0001', 5),
    rating('CS-20251009-0001', 5),
    rating('DB-20250901-0001', 1), // case outside the period
  ]);
}

const row = (r: StatsReport, key: string) => {
  const found = r.rows.find((x) => x.key === key);
  if (!found) throw new Error(`no row ${key} in ${r.rows.map((x) => x.key).join(', ')}`);
  return found;
};

describe('statistics and rankings (issue #4)', () => {
  const dbName = uniqueDbName('stats');
  let conn: Connection;
  let models: Models;
  let stats: StatsService;

  beforeAll(async () => {
    conn = mongoose.createConnection(dbUri(dbName), { autoIndex: false });
    await conn.asPromise();
    models = createModels(conn);
    await load(models);
    stats = new StatsService({ models, clock: { now: () => NOW } });
  });
  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  describe('the working-day counter', () => {
    it('counts across the 2025 National Day holiday exactly as the calendar does', () => {
      const cal = WorkingCalendar.official();
      const counter = new WorkingDayCounter(cal);
      const pairs: [string, string, number][] = [
        ['2025-09-26 09:00', '2025-10-13 16:00', 7],
        ['2025-09-30 10:00', '2025-10-10 15:00', 2],
        ['2025-10-09 09:00', '2025-10-09 16:00', 0],
        ['2025-10-10 09:00', '2025-10-13 10:00', 2],
        ['2025-10-13 09:00', '2025-10-20 16:00', 5],
      ];
      for (const [a, b, days] of pairs) {
        expect(cal.workingDaysUsed(cst(a), cst(b))).toBe(days);
        expect(counter.used(cst(a), cst(b))).toEqual({ days, estimated: false });
      }
      // and on pseudo-random stretches over 2024–2026, including stretches back in time
      let seed = 42;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const lo = cst('2024-01-01 00:00').getTime();
      const span = cst('2026-12-31 23:00').getTime() - lo;
      for (let i = 0; i < 400; i++) {
        const s = lo + Math.floor(rnd() * span);
        const e = s + Math.floor((rnd() - 0.1) * 90 * 86_400_000);
        if (e > cst('2026-12-31 23:59').getTime()) continue;
        expect(counter.used(s, e).days).toBe(cal.workingDaysUsed(new Date(s), new Date(e)));
      }
    });

    it('counts Monday–Friday, flagged estimated, outside the years with a holiday table', () => {
      const counter = new WorkingDayCounter(WorkingCalendar.official());
      // 2027 has no table: Fri 2027-01-01 → Mon 2027-01-11 = 6 weekdays
      expect(counter.used(cst('2027-01-01 09:00'), cst('2027-01-11 09:00'))).toEqual({ days: 6, estimated: true });
    });
  });

  describe('a report by town over a period', () => {
    let r: StatsReport;
    beforeAll(async () => {
      r = await stats.byTown(PERIOD);
    });

    it('counts received, completed, rejected, open and the rates per town', () => {
      expect(r.rows.map((x) => x.key)).toEqual(['city', 'dingbao', 'chidong', 'zhusha', 'chashan']);
      const db = row(r, 'dingbao');
      expect(db.label).toBe('丁堡镇');
      // in the period: 0926, 0930, 1009, 1013, 1014 (0901 is before it, 1020-0002 is void)
      expect({ received: db.received, completed: db.completed, rejected: db.rejected, open: db.open, supplement: db.supplement }).toEqual({ received: 5, completed: 3, rejected: 1, open: 1, supplement: 1 });
      expect(db.supplementRate).toBe(0.2);
      expect(db.rejectionRate).toBe(0.2);
      expect(row(r, 'chidong')).toMatchObject({ received: 2, completed: 2, rejected: 0, open: 0 });
      expect(row(r, 'city')).toMatchObject({ received: 1, completed: 0, open: 1 });
      expect(r.total).toMatchObject({ key: 'all', label: '合计', received: 10, completed: 7, rejected: 1, open: 2, supplement: 1 });
      expect(r.meta.casesScanned).toBe(10);
    });

    it('counts early / on time / late and overdue now against each limit separately', () => {
      const db = row(r, 'dingbao');
      expect(db.statutory).toEqual({ stopped: 3, early: 3, onTime: 0, late: 0, onTimeRate: 1, running: 1, paused: 0, overdueNow: 0 });
      expect(db.promised).toEqual({ stopped: 3, early: 0, onTime: 1, late: 2, onTimeRate: 0.3333, running: 1, paused: 0, overdueNow: 1 });
      expect(row(r, 'chidong').promised).toMatchObject({ early: 0, onTime: 1, late: 1, onTimeRate: 0.5 });
      expect(row(r, 'city').statutory).toMatchObject({ stopped: 0, running: 0, paused: 1, overdueNow: 0 });
      expect(row(r, 'city').promised).toMatchObject({ running: 1, overdueNow: 1 });
      expect(r.total.promised).toMatchObject({ early: 0, onTime: 4, late: 3, overdueNow: 2 });
      expect(r.total.statutory).toMatchObject({ early: 7, onTime: 0, late: 0, overdueNow: 0, paused: 1 });
    });

    it('averages the handling time in working days across the holiday', () => {
      // dingbao: (7 + 2 + 0) / 3 = 3; chidong: (2 + 5) / 2 = 3.5; zhusha: 0
      expect(row(r, 'dingbao')).toMatchObject({ handled: 3, avgWorkingDays: 3 });
      expect(row(r, 'chidong')).toMatchObject({ handled: 2, avgWorkingDays: 3.5 });
      expect(row(r, 'zhusha').avgWorkingDays).toBe(0);
      expect(row(r, 'city').avgWorkingDays).toBeNull();
      // promised-limit use: dingbao (1.4 + 2 + 0) / 3; chidong (2 + 1) / 2
      expect(row(r, 'dingbao').avgPromisedUse).toBe(1.1333);
      expect(row(r, 'chidong').avgPromisedUse).toBe(1.5);
      // total: (7 + 2 + 0 + 2 + 5 + 0 + 0) / 7 = 2.29
      expect(r.total.avgWorkingDays).toBe(2.29);
    });

    it('counts escalations, complaints and ratings of the period’s cases', () => {
      const db = row(r, 'dingbao');
      expect(db.escalations).toBe(1);
      expect(db.complaints).toBe(1);
      expect(db.ratings).toEqual({ count: 3, levels: [0, 0, 1, 0, 1, 1], average: 3.67, satisfiedRate: 0.6667 });
      expect(row(r, 'chidong')).toMatchObject({ escalations: 0, complaints: 1 });
      expect(row(r, 'chidong').ratings).toMatchObject({ count: 1, average: 3 });
      expect(r.total).toMatchObject({ escalations: 1, complaints: 2 });
      expect(r.total.ratings.levels).toEqual([0, 0, 1, 1, 1, 3]);
    });
  });

  it('gives the same numbers when events are read ahead of their cases (tiny batches, buffer of 1)', async () => {
    const slow = new StatsService({ models, clock: { now: () => NOW }, batchSize: 1, pendingLimit: 1 });
    for (const dim of ['town', 'item'] as const) {
      const a = await stats.report(dim, PERIOD);
      const b = await slow.report(dim, PERIOD);
      expect(b.rows).toEqual(a.rows);
      expect(b.total).toEqual(a.total);
    }
  });

  it('counts handling time with the calendar in force (a city-office override)', async () => {
    // suppose 2025-10-09 were declared a holiday: 0926→1013 uses 6 days, 0930→1010 uses 1, 1009→1009 0
    const official = WorkingCalendar.official();
    const t = official.tableFor(2025)!;
    const amended = official.withYear({ ...t, holidays: [...t.holidays, '2025-10-09'], version: t.version + 1 });
    const svc = new StatsService({ models, clock: { now: () => NOW }, currentCalendar: async () => amended });
    expect(row(await svc.byTown(PERIOD), 'dingbao').avgWorkingDays).toBe(2.33);
  });

  it('reports by window, item, department and person', async () => {
    const byWindow = await stats.byWindow(PERIOD);
    expect(row(byWindow, 'db-w01')).toMatchObject({ label: '丁堡镇国土窗口', orgUnit: 'dingbao', orgUnitName: '丁堡镇', received: 3, rejected: 1, open: 1, complaints: 0 });
    expect(row(byWindow, 'db-w02')).toMatchObject({ received: 2, completed: 2, complaints: 1 });
    expect(byWindow.rows.slice(0, 3).map((x) => x.key)).toEqual(['city-w01', 'db-w01', 'db-w02']);

    const byItem = await stats.byItem(PERIOD);
    // GT-001: DB 0926, 1013, 1014; CD 1013; XY 1015
    expect(row(byItem, 'GT-001')).toMatchObject({ label: '农村村民宅基地审批', received: 5, completed: 2, rejected: 1, open: 2, escalations: 1 });
    // a complaint that names no case cannot be placed by item: only the case complaint counts
    expect(byItem.total.complaints).toBe(1);

    const byDept = await stats.byDepartment(PERIOD);
    expect(row(byDept, 'land')).toMatchObject({ label: '信宜市自然资源局', received: 5 });

    const people = await stats.byPerson({ ...PERIOD, orgUnit: 'dingbao' });
    expect(people.rows.map((x) => [x.key, x.label, x.received])).toEqual([
      ['alice', '李爱丽', 3],
      ['bob', '王博', 2],
    ]);
    expect(people.total.received).toBe(5);
  });

  it('reports by month and for one month', async () => {
    const months = await stats.byPeriod('month', PERIOD);
    expect(months.rows.map((x) => [x.key, x.received, x.complaints])).toEqual([
      ['2025-09', 2, 0],
      ['2025-10', 8, 2],
    ]);
    const october = await stats.report('all', periodOfMonth('2025-10'));
    expect(october.rows).toHaveLength(1);
    expect(october.total).toMatchObject({ received: 8, completed: 5 });
    // without a period every non-void case counts, 2025-09-01 included
    expect((await stats.report('all')).total.received).toBe(11);
  });

  it('reports by day over at most 366 days: without a start the last 366 up to today, a longer period refused', async () => {
    // now is 2025-10-27: the 366 days up to and including it start on 2024-10-27 (Beijing time), which covers every case
    const days = await stats.byPeriod('day');
    expect(days.filter.from).toEqual(cst('2024-10-27 00:00'));
    expect(days.rows.reduce((n, r) => n + r.received, 0)).toBe(11);
    expect(days.rows.map((r) => r.key)[0]).toBe('2025-09-01');
    // a year and a day is the longest; a month report covers longer periods
    await expect(stats.byPeriod('day', { from: cst('2024-10-25 00:00'), to: cst('2025-10-27 00:00') })).rejects.toMatchObject({ code: 'PERIOD_TOO_LONG' });
    expect((await stats.byPeriod('day', { from: cst('2024-10-26 00:00'), to: cst('2025-10-27 00:00') })).rows.length).toBeGreaterThan(0);
    expect((await stats.byPeriod('month', { from: cst('2023-01-01 00:00') })).total.received).toBe(11);
  });

  it('ranks the towns by the documented efficiency score, components shown, ties broken by catalogue order', async () => {
    const ranking = await stats.rankTowns(PERIOD);
    expect(ranking.weights).toEqual(EFFICIENCY_WEIGHTS);
    // zhusha and chashan score 100 with the same on-time rate and count: catalogue order (6 < 9);
    // guizi and huaixiang have no case (score null): not ranked (无办件), last, catalogue order; the city is not ranked
    expect(ranking.rows.map((x) => [x.rank, x.key, x.score])).toEqual([
      [1, 'zhusha', 100],
      [2, 'chashan', 100],
      [3, 'chidong', 47.06],
      [4, 'dingbao', 25.33],
      [null, 'guizi', null],
      [null, 'huaixiang', null],
    ]);
    expect(ranking.rows.filter((x) => x.rank === null).map((x) => x.unranked)).toEqual(['无办件', '无办件']);
    const db = ranking.rows.find((x) => x.key === 'dingbao')!;
    // on time 1/3; speed 1 − 1.1333/2; overdue 1/1 open; 20 escalations and 20 complaints per 100; satisfaction (11/3 − 1)/4
    expect(db.components).toMatchObject({
      onTimePromised: { value: 0.3333, score: 0.3333, weight: 30 },
      speed: { value: 1.1333, weight: 20 },
      overdueNow: { value: 1, score: 0, weight: 15 },
      escalations: { value: 20, score: 0, weight: 15 },
      complaints: { value: 20, score: 0, weight: 10 },
      satisfaction: { value: 3.6667, score: 0.6667, weight: 10 },
    });
    expect(db.components.speed.score).toBeCloseTo(0.4333, 3);
    // chidong has no open case: overdueNow is left out and the other 85 points rescaled:
    // (30·0.5 + 20·0.25 + 15·1 + 10·0 + 10·0.5) / 85 = 40 / 85
    const cd = ranking.rows.find((x) => x.key === 'chidong')!;
    expect(cd.components.overdueNow).toEqual({ value: null, score: null, weight: 15 });
    expect(cd.score).toBe(47.06);

    const csv = toCsv(ranking.rows, RANKING_CSV_COLUMNS);
    expect(csv.startsWith(`${BOM}排名,名称,所属机构,编码,综合得分,`)).toBe(true);
    expect(csv.split('\r\n')[5]).toBe('无办件,贵子镇,,guizi,,0,,,,,,,,,,,,,');
    expect(csv.split('\r\n')[1]).toBe('1,朱砂镇,,zhusha,100,1,100,100,0,100,,,0,100,0,100,5,100,0');
  });

  it('ranks windows within a town', async () => {
    const ranking = await stats.rank({ ...PERIOD, orgUnit: 'dingbao' }, { level: 'window' });
    expect(ranking.rows.map((x) => x.key)).toEqual(['db-w02', 'db-w01']);
  });

  it('exports a report as a UTF-8 CSV with a BOM and Chinese headers', async () => {
    const r = await stats.byTown(PERIOD);
    const csv = toCsv([...r.rows, r.total], STATS_CSV_COLUMNS);
    const lines = csv.split('\r\n');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(lines[0]).toBe(
      `${BOM}名称,编码,所属机构,收件数,办结数,退回数,在办数,补正件数,补正率(%),退回率(%),法定时限-提前办结,法定时限-按时办结,法定时限-超期办结,法定时限-按时率(%),法定时限-当前超期,承诺时限-提前办结,承诺时限-按时办结,承诺时限-超期办结,承诺时限-按时率(%),承诺时限-当前超期,平均办理用时(工作日),承诺时限用时比,督办数,投诉数,违规数,评价数,非常满意,满意,基本满意,不满意,非常不满意,平均评分,满意率(%)`,
    );
    expect(lines[2]).toBe('丁堡镇,dingbao,,5,3,1,1,1,20,20,3,0,0,100,0,0,1,2,33.33,1,3,1.1333,1,1,0,3,1,1,0,1,0,3.67,66.67'); // 违规数 0: this seeded set has no violation
    expect(lines).toHaveLength(r.rows.length + 3); // header, rows, total, trailing CRLF
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('quotes and defuses cells', () => {
    const csv = toCsv([{ a: '含,逗号 "引号"', b: '=1+2', c: -3, d: null }], [
      { header: '甲', value: (r) => r.a },
      { header: '乙', value: (r) => r.b },
      { header: '丙', value: (r) => r.c },
      { header: '丁', value: (r) => r.d },
    ]);
    expect(csv).toBe(`${BOM}甲,乙,丙,丁\r\n"含,逗号 ""引号""",'=1+2,-3,\r\n`);
  });

  it('rejects a bad period or dimension', async () => {
    await expect(stats.report('town', { from: cst('2025-10-02 00:00'), to: cst('2025-10-01 00:00') })).rejects.toMatchObject({ code: 'INVALID_PERIOD' });
    await expect(stats.report('nope' as any)).rejects.toMatchObject({ code: 'INVALID_DIMENSION' });
    expect(() => periodOfMonth('2025-13')).toThrow(/month/);
  });

  it('counts zero complaints and ratings where those collections do not exist', async () => {
    const other = mongoose.createConnection(dbUri(uniqueDbName('stats_bare')), { autoIndex: false });
    await other.asPromise();
    try {
      await other.db!.collection('service_cases').insertOne({ _id: 'DB-20251009-0009' as any, orgUnit: 'dingbao', receivingWindow: 'db-w01', responsible: 'alice', itemCode: 'GT-001', category: 'immediate', status: 'completed', receivedAt: cst('2025-10-09 09:00') });
      const r = await new StatsService({ connection: other, clock: { now: () => NOW } }).byTown();
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0]).toMatchObject({ key: 'dingbao', label: 'dingbao', received: 1, completed: 1, escalations: 0, complaints: 0 });
      expect(r.rows[0].ratings.count).toBe(0);
      expect(r.rows[0].statutory.stopped).toBe(0);
    } finally {
      await other.dropDatabase().catch(() => undefined);
      await other.close();
    }
  });
});
