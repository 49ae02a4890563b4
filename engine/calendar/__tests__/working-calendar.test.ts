/**
 * Working-day calendar against the State Council notices for 2025 (国办发明电〔2024〕12号) and
 * 2026 (国办发明电〔2025〕7号). Expectations below are written from the notices, not read from
 * the chinese-days package, so a wrong package table fails here.
 */
import { ConflictError, ValidationError } from '../../domain/errors';
import { cstDayOf, cstInstant, isoWeekday } from '../cst';
import { InMemoryYearTableStore, officialTables, type YearTable } from '../holiday-table';
import { OpeningCalendar } from '../opening-calendar';
import { CalendarYearMissingError, WorkingCalendar, loadWorkingCalendar } from '../working-calendar';

/** The instant of a CST wall-clock time: cst('2025-01-24 10:00'). */
const cst = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);

/** Every day from a to b inclusive. */
function range(a: string, b: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${a}T00:00:00Z`); t <= Date.parse(`${b}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

const cal = WorkingCalendar.official();

// 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）
const NOTICE_2025 = {
  blocks: {
    元旦: range('2025-01-01', '2025-01-01'),
    春节: range('2025-01-28', '2025-02-04'),
    清明节: range('2025-04-04', '2025-04-06'),
    劳动节: range('2025-05-01', '2025-05-05'),
    端午节: range('2025-05-31', '2025-06-02'),
    国庆节中秋节: range('2025-10-01', '2025-10-08'),
  },
  makeUp: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
};

// 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）, as recalled independently
const NOTICE_2026 = {
  blocks: {
    元旦: range('2026-01-01', '2026-01-03'),
    春节: range('2026-02-15', '2026-02-23'),
    清明节: range('2026-04-04', '2026-04-06'),
    劳动节: range('2026-05-01', '2026-05-05'),
    端午节: range('2026-06-19', '2026-06-21'),
    中秋节: range('2026-09-25', '2026-09-27'),
    国庆节: range('2026-10-01', '2026-10-07'),
  },
  makeUp: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
};

describe('official tables from chinese-days', () => {
  const tables = officialTables();

  it('covers 2004–2026 without gaps, version 1, citing package and notice', () => {
    const years = [...tables.keys()].sort((a, b) => a - b);
    expect(years[0]).toBe(2004);
    expect(years[years.length - 1]).toBe(2026);
    expect(years).toHaveLength(2026 - 2004 + 1);
    for (const t of tables.values()) expect(t.version).toBe(1);
    expect(tables.get(2025)!.source).toBe('chinese-days@1.5.7; 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）');
    expect(tables.get(2026)!.source).toBe('chinese-days@1.5.7; 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）');
    // 2022-12-31 (元旦 2023) was set by the 2023 notice.
    expect(tables.get(2022)!.holidays).toContain('2022-12-31');
    expect(tables.get(2022)!.source).toContain('国务院办公厅关于2023年部分节假日安排的通知');
  });

  it.each([
    [2025, NOTICE_2025],
    [2026, NOTICE_2026],
  ])('%i table equals the notice exactly', (year, notice) => {
    const t = tables.get(year)!;
    expect(t.holidays).toEqual(Object.values(notice.blocks).flat().sort());
    expect(t.makeUpWorkdays).toEqual([...notice.makeUp].sort());
    expect(t.labels!['2025-01-28'] ?? t.labels!['2026-02-15']).toBe('春节');
  });
});

describe('isWorkingDay — 2025 notice, every block and make-up day', () => {
  it.each(Object.entries(NOTICE_2025.blocks))('%s: every day off', (_name, days) => {
    for (const d of days) expect([d, cal.isWorkingDay(d)]).toEqual([d, false]);
  });

  it.each(NOTICE_2025.makeUp)('make-up workday %s (a weekend day) is a working day', (d) => {
    expect(isoWeekday(d)).toBeGreaterThanOrEqual(6);
    expect(cal.isWorkingDay(d)).toBe(true);
    expect(cal.dayKind(d)).toBe('make-up-workday');
  });

  it('the days around the blocks are ordinary', () => {
    expect(cal.isWorkingDay('2025-01-02')).toBe(true); // Thu after 元旦
    expect(cal.isWorkingDay('2025-01-27')).toBe(true); // Mon before 春节
    expect(cal.isWorkingDay('2025-02-05')).toBe(true); // Wed after 春节
    expect(cal.isWorkingDay('2025-02-09')).toBe(false); // plain Sunday
    expect(cal.isWorkingDay('2025-04-03')).toBe(true);
    expect(cal.isWorkingDay('2025-04-07')).toBe(true);
    expect(cal.isWorkingDay('2025-04-26')).toBe(false); // Saturday before the 4.27 make-up Sunday
    expect(cal.isWorkingDay('2025-05-06')).toBe(true);
    expect(cal.isWorkingDay('2025-05-30')).toBe(true);
    expect(cal.isWorkingDay('2025-06-03')).toBe(true);
    expect(cal.isWorkingDay('2025-09-30')).toBe(true);
    expect(cal.isWorkingDay('2025-10-09')).toBe(true);
    expect(cal.isWorkingDay('2025-10-12')).toBe(false); // Sunday after the 10.11 make-up Saturday
    expect(cal.dayKind('2025-03-15')).toBe('rest-day');
    expect(cal.dayKind('2025-03-14')).toBe('workday');
    expect(cal.dayKind('2025-10-06')).toBe('holiday');
  });

  it('2025 has 248 working days (261 weekdays − 18 weekday holidays + 5 make-up days)', () => {
    expect(range('2025-01-01', '2025-12-31').filter((d) => cal.isWorkingDay(d))).toHaveLength(248);
    expect(cal.workingDaysBetween('2024-12-31', '2025-12-31')).toBe(248);
  });
});

describe('isWorkingDay — 2026 notice', () => {
  it.each(Object.entries(NOTICE_2026.blocks))('%s: every day off', (_name, days) => {
    for (const d of days) expect([d, cal.isWorkingDay(d)]).toEqual([d, false]);
  });

  it.each(NOTICE_2026.makeUp)('make-up workday %s is a working day', (d) => {
    expect(isoWeekday(d)).toBeGreaterThanOrEqual(6);
    expect(cal.isWorkingDay(d)).toBe(true);
  });

  it('2026 has 248 working days (261 − 19 + 6)', () => {
    expect(range('2026-01-01', '2026-12-31').filter((d) => cal.isWorkingDay(d))).toHaveLength(248);
  });
});

describe('addWorkingDays / workingDaysBetween', () => {
  it('n = 0 is the day itself when working, else the next working day', () => {
    expect(cal.addWorkingDays('2025-03-10', 0)).toBe('2025-03-10');
    expect(cal.addWorkingDays('2025-10-01', 0)).toBe('2025-10-09');
    expect(cal.addWorkingDays('2025-10-11', 0)).toBe('2025-10-11'); // make-up Saturday
  });

  it('counts strictly after the day, across a year end', () => {
    expect(cal.addWorkingDays('2025-03-07', 1)).toBe('2025-03-10'); // Fri → Mon
    expect(cal.addWorkingDays('2024-12-31', 1)).toBe('2025-01-02'); // 元旦 skipped
    expect(cal.addWorkingDays('2025-12-31', 1)).toBe('2026-01-04'); // 1.1–1.3 off, Sunday 1.4 is a make-up workday
  });

  it('(from, to] convention, signed, inverse of addWorkingDays', () => {
    expect(cal.workingDaysBetween('2025-01-24', '2025-02-27')).toBe(20);
    expect(cal.workingDaysBetween('2025-02-27', '2025-01-24')).toBe(-20);
    expect(cal.workingDaysBetween('2025-03-10', '2025-03-10')).toBe(0);
    expect(cal.workingDaysBetween('2025-03-14', '2025-03-16')).toBe(0); // Fri → Sun
    for (const start of ['2025-01-20', '2025-04-30', '2025-09-26', '2025-10-03', '2026-02-13']) {
      for (let n = 1; n <= 30; n++) expect(cal.workingDaysBetween(start, cal.addWorkingDays(start, n))).toBe(n);
    }
  });

  it('rejects bad input', () => {
    expect(() => cal.addWorkingDays('2025-02-30', 1)).toThrow(ValidationError);
    expect(() => cal.addWorkingDays('2025-3-1', 1)).toThrow(ValidationError);
    expect(() => cal.addWorkingDays('2025-03-03', -1)).toThrow(ValidationError);
    expect(() => cal.addWorkingDays('2025-03-03', 1.5)).toThrow(ValidationError);
  });
});

describe('deadlineFor (行政许可法 第八十二条, 民法典 第二百零一条/第二百零三条)', () => {
  it('spans 春节 2025: accepted Friday 1.24, 20 working days → 2.27 17:30 CST (1.26 Sun and 2.8 Sat count)', () => {
    const d = cal.deadlineFor(cst('2025-01-24 10:00'), 20);
    expect(d).toEqual({ dueDay: '2025-02-27', dueAt: new Date('2025-02-27T09:30:00Z'), estimated: false });
  });

  it('spans 国庆中秋 2025: accepted 9.25, 10 days → 10.15; 20 days → 10.29', () => {
    expect(cal.deadlineFor(cst('2025-09-25 15:00'), 10).dueDay).toBe('2025-10-15');
    expect(cal.deadlineFor(cst('2025-09-25 15:00'), 20).dueDay).toBe('2025-10-29');
  });

  it('spans 春节 2026: accepted Fri 2.13, 5 days → 2.27, 6 days → Sat 2.28 (make-up)', () => {
    expect(cal.deadlineFor(cst('2026-02-13 09:00'), 5).dueDay).toBe('2026-02-27');
    expect(cal.deadlineFor(cst('2026-02-13 09:00'), 6).dueDay).toBe('2026-02-28');
  });

  it('accepted on a Friday: day 1 is the next working day', () => {
    expect(cal.deadlineFor(cst('2025-03-07 16:59'), 1).dueDay).toBe('2025-03-10');
    expect(cal.deadlineFor(cst('2025-03-07 08:30'), 5).dueDay).toBe('2025-03-14');
  });

  it('a make-up Sunday counts as a working day', () => {
    expect(cal.deadlineFor(cst('2025-09-26 10:00'), 1)).toEqual({ dueDay: '2025-09-28', dueAt: cst('2025-09-28 17:30'), estimated: false });
    expect(cal.deadlineFor(cst('2025-01-24 10:00'), 1).dueDay).toBe('2025-01-26');
  });

  it('accepted on a holiday: counts from the next day, make-up Saturday included', () => {
    expect(cal.deadlineFor(cst('2025-10-03 10:00'), 1).dueDay).toBe('2025-10-09');
    expect(cal.deadlineFor(cst('2025-10-03 10:00'), 3).dueDay).toBe('2025-10-11');
  });

  it('limit 0: same day if working and before close, else next working day', () => {
    expect(cal.deadlineFor(cst('2025-03-10 09:00'), 0)).toEqual({ dueDay: '2025-03-10', dueAt: cst('2025-03-10 17:30'), estimated: false });
    expect(cal.deadlineFor(cst('2025-03-10 18:00'), 0).dueDay).toBe('2025-03-11');
    expect(cal.deadlineFor(cst('2025-03-10 17:30'), 0).dueDay).toBe('2025-03-11');
    expect(cal.deadlineFor(cst('2025-10-01 10:00'), 0).dueDay).toBe('2025-10-09');
    expect(cal.deadlineFor(cst('2025-03-15 10:00'), 0).dueDay).toBe('2025-03-17'); // 5+X Saturday
  });

  it('limit 1 over 元旦 and a year end', () => {
    expect(cal.deadlineFor(cst('2024-12-31 11:00'), 1).dueDay).toBe('2025-01-02');
    expect(cal.deadlineFor(cst('2025-12-31 11:00'), 1).dueDay).toBe('2026-01-04'); // Sunday make-up day
  });

  it('CST day boundary: 2025-01-01T16:30Z is 2025-01-02 in CST', () => {
    const at = new Date('2025-01-01T16:30:00Z');
    expect(cstDayOf(at)).toBe('2025-01-02');
    expect(cal.deadlineFor(at, 1)).toEqual({ dueDay: '2025-01-03', dueAt: new Date('2025-01-03T09:30:00Z'), estimated: false });
    expect(cal.deadlineFor(new Date('2025-01-01T15:59:59Z'), 1).dueDay).toBe('2025-01-02');
  });

  it('does not depend on the host time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
        process.env.TZ = tz;
        expect(cstDayOf(new Date('2025-01-01T16:30:00Z'))).toBe('2025-01-02');
        expect(cal.deadlineFor(new Date('2025-01-24T02:00:00Z'), 20).dueAt.toISOString()).toBe('2025-02-27T09:30:00.000Z');
        expect(cstInstant('2025-02-27', '17:30').toISOString()).toBe('2025-02-27T09:30:00.000Z');
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('closeTime option', () => {
    expect(cal.deadlineFor(cst('2025-03-07 10:00'), 1, { closeTime: '12:00' }).dueAt).toEqual(new Date('2025-03-10T04:00:00Z'));
    expect(() => cal.deadlineFor(cst('2025-03-07 10:00'), 1, { closeTime: '25:00' })).toThrow(ValidationError);
  });
});

describe('missing years', () => {
  it('throws CalendarYearMissingError, never guesses (even for a Saturday)', () => {
    for (const day of ['2027-01-04', '2027-01-09', '2003-06-02']) {
      let err: unknown;
      try {
        cal.isWorkingDay(day);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CalendarYearMissingError);
      const e = err as CalendarYearMissingError;
      expect(e.code).toBe('CALENDAR_YEAR_MISSING');
      expect(e.year).toBe(Number(day.slice(0, 4)));
      expect(e.message).toMatch(/No holiday table for \d{4}/);
      expect(e.message).toMatch(/缺少\d{4}年节假日安排表/);
    }
  });

  it('a deadline running into 2027 throws; the estimate counts 2027 by its statutory holidays and is flagged', () => {
    const accepted = cst('2026-12-20 10:00'); // Sunday; 9 working days left in December
    expect(() => cal.deadlineFor(accepted, 20)).toThrow(CalendarYearMissingError);
    const est = cal.deadlineOrEstimate(accepted, 20);
    // 元旦 2027-01-01 (a Friday) is off: 11 working days into 2027 end on Monday 18 January
    expect(est).toMatchObject({ estimated: true, dueDay: '2027-01-18', missingYears: [2027], estimatedYears: [2027] });
    expect(est.dueAt).toEqual(cst('2027-01-18 17:30'));
    if (est.estimated) expect(est.reason).toMatch(/预计，2027年放假安排尚未公布/);
  });

  it('the estimate is exact (not flagged) when every year has a table', () => {
    expect(cal.deadlineOrEstimate(cst('2026-12-20 10:00'), 9)).toEqual({ dueDay: '2026-12-31', dueAt: cst('2026-12-31 17:30'), estimated: false });
    expect(cal.deadlineOrEstimate(cst('2025-01-24 10:00'), 20)).toEqual(cal.deadlineFor(cst('2025-01-24 10:00'), 20));
  });
});

describe('overrides by version', () => {
  const table2027: YearTable = {
    year: 2027,
    holidays: ['2027-01-01'],
    makeUpWorkdays: [],
    source: 'test table (not the 2027 notice)',
    version: 1,
  };

  it('withYear adds a missing year and leaves the original calendar untouched', () => {
    const next = cal.withYear(table2027);
    expect(next.isWorkingDay('2027-01-01')).toBe(false);
    expect(next.isWorkingDay('2027-01-04')).toBe(true);
    expect(next.deadlineFor(cst('2026-12-20 10:00'), 20).dueDay).toBe('2027-01-18');
    expect(() => cal.isWorkingDay('2027-01-04')).toThrow(CalendarYearMissingError);
  });

  it('a higher version replaces a table; equal or lower versions are ignored', () => {
    const official2026 = cal.tableFor(2026)!;
    const corrected: YearTable = { ...official2026, version: 2, holidays: [...official2026.holidays, '2026-12-31'].sort(), source: 'city office correction' };
    const v2 = cal.withYear(corrected);
    expect(v2.isWorkingDay('2026-12-31')).toBe(false);
    expect(v2.tableFor(2026)!.version).toBe(2);
    const stale: YearTable = { ...official2026, version: 2, holidays: [], source: 'stale' };
    expect(v2.withYear(stale)).toBe(v2);
    expect(v2.withYear({ ...official2026, version: 1 }).isWorkingDay('2026-12-31')).toBe(false);
    expect(cal.isWorkingDay('2026-12-31')).toBe(true);
  });

  it('rejects malformed tables', () => {
    expect(() => cal.withYear({ ...table2027, makeUpWorkdays: ['2027-01-05'] })).toThrow(ValidationError); // a Tuesday
    expect(() => cal.withYear({ ...table2027, holidays: ['2028-01-01'] })).toThrow(ValidationError);
    expect(() => cal.withYear({ ...table2027, makeUpWorkdays: ['2027-01-01'] })).toThrow(ValidationError);
    expect(() => cal.withYear({ ...table2027, version: 0 })).toThrow(ValidationError);
  });

  it('loadWorkingCalendar applies the store; the store refuses a version that is not newer', async () => {
    const store = new InMemoryYearTableStore();
    const change = { by: 'city-office', at: new Date('2026-11-28T00:00:00Z'), reason: 'test' };
    await store.saveOverride({ ...table2027, version: 2 }, change);
    await expect(store.saveOverride({ ...table2027, version: 2 }, change)).rejects.toBeInstanceOf(ConflictError);
    const loaded = await loadWorkingCalendar(store);
    expect(loaded.years()).toContain(2027);
    expect(loaded.isWorkingDay('2027-01-01')).toBe(false);
  });
});

describe('workingDaysUsed and restartAfterSupplement', () => {
  const started = cst('2025-01-24 10:00');

  it('counts working days since the day after start, for the clock ledger', () => {
    expect(cal.workingDaysUsed(started, cst('2025-01-24 16:00'))).toBe(0);
    expect(cal.workingDaysUsed(started, cst('2025-01-26 09:00'))).toBe(1); // make-up Sunday
    expect(cal.workingDaysUsed(started, cst('2025-02-03 09:00'))).toBe(2); // inside 春节
    expect(cal.workingDaysUsed(started, cst('2025-02-05 09:00'))).toBe(3);
    expect(cal.workingDaysUsed(started, cal.deadlineFor(started, 20).dueAt)).toBe(20);
    expect(cal.workingDaysUsed(started, cst('2025-01-20 09:00'))).toBe(0);
  });

  it('after 补正 the full limit runs anew from the day after the materials arrive', () => {
    const arrived = cst('2025-09-30 16:00');
    const d = cal.restartAfterSupplement(arrived, 20);
    expect(d).toEqual({ dueDay: '2025-11-04', dueAt: cst('2025-11-04 17:30'), estimated: false });
    expect(d).toEqual(cal.deadlineFor(arrived, 20));
  });
});

describe('OpeningCalendar — 5+X, apart from the counting calendar', () => {
  const opening = new OpeningCalendar(cal, {
    centre: 'dongzhen',
    extraOpenings: [{ isoWeekdays: [6], sessions: [{ start: '09:00', end: '12:00' }] }],
    closedDays: ['2025-03-12'],
    extraDays: { '2025-03-16': [{ start: '09:00', end: '11:00' }] },
  });

  it('working days: morning and afternoon sessions, [start, end)', () => {
    expect(opening.isOpen(cst('2025-03-10 08:30'))).toBe(true);
    expect(opening.isOpen(cst('2025-03-10 08:29'))).toBe(false);
    expect(opening.isOpen(cst('2025-03-10 12:30'))).toBe(false);
    expect(opening.isOpen(cst('2025-03-10 14:00'))).toBe(true);
    expect(opening.isOpen(cst('2025-03-10 17:30'))).toBe(false);
    expect(opening.isOpen(cst('2025-02-08 15:00'))).toBe(true); // make-up Saturday: full day
  });

  it('Saturday mornings open, not on statutory holidays; Sundays closed; one-off days', () => {
    expect(opening.isOpen(cst('2025-03-15 10:00'))).toBe(true);
    expect(opening.isOpen(cst('2025-03-15 14:00'))).toBe(false);
    expect(opening.isOpen(cst('2025-03-23 10:00'))).toBe(false);
    expect(opening.isOpen(cst('2025-05-03 10:00'))).toBe(false); // 劳动节 Saturday
    expect(opening.isOpen(cst('2025-03-12 10:00'))).toBe(false); // closed (e.g. typhoon)
    expect(opening.isOpen(cst('2025-03-16 10:00'))).toBe(true); // one-off Sunday opening
    expect(opening.sessionsOn('2025-03-15')).toEqual([{ start: '09:00', end: '12:00' }]);
    expect(opening.closingTime('2025-03-15')).toBe('12:00');
    expect(opening.closingTime('2025-03-23')).toBeUndefined();
    const holidayService = new OpeningCalendar(cal, { centre: 'x', extraOpenings: [{ isoWeekdays: [6], sessions: [{ start: '09:00', end: '12:00' }], onStatutoryHolidays: true }] });
    expect(holidayService.isOpen(cst('2025-05-03 10:00'))).toBe(true);
  });

  it('nextOpening', () => {
    expect(opening.nextOpening(cst('2025-03-14 18:00'))).toEqual(cst('2025-03-15 09:00'));
    expect(opening.nextOpening(cst('2025-03-15 12:30'))).toEqual(cst('2025-03-16 09:00'));
    expect(opening.nextOpening(cst('2025-03-16 11:00'))).toEqual(cst('2025-03-17 08:30'));
    expect(opening.nextOpening(cst('2025-03-17 12:15'))).toEqual(cst('2025-03-17 14:00'));
    const inside = cst('2025-03-17 10:17');
    expect(opening.nextOpening(inside)).toEqual(inside);
    expect(opening.nextOpening(cst('2025-09-30 18:00'))).toEqual(cst('2025-10-09 08:30')); // 国庆 Saturday 10.4 closed
    expect(new OpeningCalendar(cal, { centre: 'none', workingDaySessions: [] }).nextOpening(cst('2025-03-17 10:00'), 30)).toBeNull();
  });

  it('opening days do not change the counting calendar', () => {
    expect(cal.isWorkingDay('2025-03-15')).toBe(false);
    expect(cal.deadlineFor(cst('2025-03-15 10:00'), 1).dueDay).toBe('2025-03-17');
  });

  it('rejects bad sessions', () => {
    expect(() => new OpeningCalendar(cal, { centre: 'x', workingDaySessions: [{ start: '12:00', end: '08:00' }] })).toThrow(ValidationError);
    expect(() => new OpeningCalendar(cal, { centre: 'x', workingDaySessions: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '13:00' }] })).toThrow(ValidationError);
    expect(() => new OpeningCalendar(cal, { centre: 'x', extraOpenings: [{ isoWeekdays: [8], sessions: [] }] })).toThrow(ValidationError);
  });
});
