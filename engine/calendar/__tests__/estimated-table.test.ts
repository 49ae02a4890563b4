/**
 * Years without a holiday notice (issue #13): estimated from the fixed statutory holidays of
 * 《全国年节及纪念日放假办法》 (2024 revision: 元旦1, 春节4 (除夕–初三), 清明1, 劳动节2, 端午1,
 * 中秋1, 国庆3), lunar dates converted by chinese-days, 补假 for a holiday on a weekend.
 * The lunar dates expected below are checked against chinese-days' own lunar calendar
 * (getLunarDate), and the method against the real 2025 and 2026 notices.
 */
import { getLunarDate, getSolarTermDate } from 'chinese-days';
import { isoWeekday } from '../cst';
import { estimatedYearTable, qingming, statutoryHolidays } from '../estimated-table';
import { officialTables, type YearTable } from '../holiday-table';
import { OpeningCalendar } from '../opening-calendar';
import { CalendarYearMissingError, WorkingCalendar, estimateNote } from '../working-calendar';

const cst = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);
const cal = WorkingCalendar.official(); // chinese-days 1.5.7: tables up to 2026

describe('estimated holiday table of a year without a notice', () => {
  it('2027 春节 is 6 February (除夕 5 February), by chinese-days’ lunar calendar', () => {
    expect(getLunarDate('2027-02-06')).toMatchObject({ lunarYear: 2027, lunarMon: 1, lunarDay: 1, isLeap: false });
    expect(getLunarDate('2027-02-05')).toMatchObject({ lunarYear: 2026, lunarMon: 12, lunarDay: 29 }); // 腊月小, 廿九 is 除夕
    const spring = statutoryHolidays(2027).find((h) => h.name === '春节')!;
    expect(spring).toEqual({ name: '春节', first: '2027-02-05', days: 4 });
    const t = estimatedYearTable(2027);
    for (const d of ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08']) expect(t.labels![d]).toBe('春节');
    // 初一 and 初二 fall on Saturday and Sunday: made up on the next two weekdays (第六条 补假)
    expect(t.labels!['2027-02-09']).toBe('春节补假');
    expect(t.labels!['2027-02-10']).toBe('春节补假');
    expect(t.labels!['2027-02-11']).toBeUndefined();
  });

  it('the other lunar and solar-term holidays of 2027, each checked back with chinese-days', () => {
    const byName = Object.fromEntries(statutoryHolidays(2027).map((h) => [h.name, h]));
    expect(byName['端午节'].first).toBe('2027-06-09');
    expect(getLunarDate('2027-06-09')).toMatchObject({ lunarMon: 5, lunarDay: 5, isLeap: false });
    expect(byName['中秋节'].first).toBe('2027-09-15');
    expect(getLunarDate('2027-09-15')).toMatchObject({ lunarMon: 8, lunarDay: 15, isLeap: false });
    expect(byName['清明节'].first).toBe('2027-04-05');
    expect(byName['元旦']).toEqual({ name: '元旦', first: '2027-01-01', days: 1 });
    expect(byName['劳动节']).toEqual({ name: '劳动节', first: '2027-05-01', days: 2 });
    expect(byName['国庆节']).toEqual({ name: '国庆节', first: '2027-10-01', days: 3 });
    // 13 statutory days in all (2024 revision)
    expect(statutoryHolidays(2027).reduce((s, h) => s + h.days, 0)).toBe(13);
  });

  it('the whole 2027 estimate: statutory days, 补假, no make-up working days, flagged', () => {
    const t = estimatedYearTable(2027);
    expect(t).toMatchObject({ year: 2027, estimated: true, version: 0, makeUpWorkdays: [] });
    expect(t.source).toMatch(/预计.*全国年节及纪念日放假办法.*2027年放假安排尚未公布/);
    expect(t.labels).toEqual({
      '2027-01-01': '元旦',
      '2027-02-05': '春节', '2027-02-06': '春节', '2027-02-07': '春节', '2027-02-08': '春节', '2027-02-09': '春节补假', '2027-02-10': '春节补假',
      '2027-04-05': '清明节',
      '2027-05-01': '劳动节', '2027-05-02': '劳动节', '2027-05-03': '劳动节补假', '2027-05-04': '劳动节补假',
      '2027-06-09': '端午节',
      '2027-09-15': '中秋节',
      '2027-10-01': '国庆节', '2027-10-02': '国庆节', '2027-10-03': '国庆节', '2027-10-04': '国庆节补假', '2027-10-05': '国庆节补假',
    });
  });

  it('春节 early in January’s neighbour: 2028 (初一 26 January) and a lunar year with a 30-day 腊月', () => {
    expect(statutoryHolidays(2028).find((h) => h.name === '春节')!.first).toBe('2028-01-25');
    expect(getLunarDate('2028-01-26')).toMatchObject({ lunarYear: 2028, lunarMon: 1, lunarDay: 1 });
    // 2026's 春节 (初一 17 February): the notice's block 15–23 February contains the estimate
    expect(statutoryHolidays(2026).find((h) => h.name === '春节')!.first).toBe('2026-02-16');
  });

  it('two holidays on one day (中秋 on 1 October, as in 2001) give one more day after the block', () => {
    const t = estimatedYearTable(2001);
    expect(getLunarDate('2001-10-01')).toMatchObject({ lunarMon: 8, lunarDay: 15 });
    expect(t.labels!['2001-10-01']).toBe('中秋节、国庆节');
    expect(t.labels!['2001-10-04']).toBe('国庆节补假'); // 1–3 October 2001 were Monday–Wednesday
    expect(t.holidays.filter((d) => d.startsWith('2001-10-'))).toEqual(['2001-10-01', '2001-10-02', '2001-10-03', '2001-10-04']);
  });

  it('清明 by the formula equals chinese-days’ getSolarTermDate for every estimable year', () => {
    // the package formats in local time: west of UTC its answer is a day early, so compare east of it only
    if (new Date(2027, 3, 1).getTimezoneOffset() <= 0) for (let y = 1901; y <= 2099; y++) expect(qingming(y)).toBe(getSolarTermDate(y, 4, 'pure_brightness'));
    expect(qingming(2025)).toBe('2025-04-04');
    expect(qingming(2026)).toBe('2026-04-05');
  });

  it('every estimable year converts (1901–2099)', () => {
    for (let y = 1901; y <= 2099; y++) expect(estimatedYearTable(y).holidays.length).toBeGreaterThanOrEqual(13);
  });

  it('against the real 2025 and 2026 notices: every estimated day off is off, and only the 调休 swaps are missed', () => {
    const official = officialTables();
    for (const year of [2025, 2026]) {
      const notice = official.get(year)!;
      const est = estimatedYearTable(year);
      expect(est.holidays.filter((d) => !notice.holidays.includes(d))).toEqual([]);
      // each 调休 moves one working day from a weekday in a block to a weekend: the weekday
      // days off of the notice are the estimate's plus one per make-up working day
      const weekdays = (l: string[]) => l.filter((d) => isoWeekday(d) <= 5).length;
      expect(weekdays(notice.holidays)).toBe(weekdays(est.holidays) + notice.makeUpWorkdays.length);
      // so the year has the same number of working days either way
      const withNotice = new WorkingCalendar(new Map([[year, notice]]));
      const estimated = new WorkingCalendar(new Map());
      const a = withNotice.workingDaysBetween(`${year - 1}-12-31`, `${year}-12-31`);
      const b = estimated.workingDaysBetweenOrEstimate(`${year - 1}-12-31`, `${year}-12-31`);
      expect(b).toEqual({ days: a, estimated: true, estimatedYears: [year] });
    }
  });
});

describe('the calendar counts a year without a table by its estimate, and says so', () => {
  it('dayInfo: 2027 days are estimated, 2026 days are not; strict methods still refuse', () => {
    expect(cal.dayInfo('2027-02-08')).toEqual({ day: '2027-02-08', kind: 'holiday', working: false, estimated: true, label: '春节' });
    expect(cal.dayInfo('2027-02-11')).toEqual({ day: '2027-02-11', kind: 'workday', working: true, estimated: true });
    expect(cal.dayInfo('2027-02-13')).toMatchObject({ kind: 'rest-day', working: false, estimated: true });
    expect(cal.dayInfo('2026-10-07')).toMatchObject({ kind: 'holiday', estimated: false, label: '国庆节' });
    expect(() => cal.dayKind('2027-02-11')).toThrow(CalendarYearMissingError);
    expect(cal.isEstimated(2027)).toBe(true);
    expect(cal.isEstimated(2026)).toBe(false);
  });

  it('a deadline across 春节 2027 skips it and is flagged with the year and the note', () => {
    const d = cal.deadlineOrEstimate(cst('2027-02-01 10:00'), 5);
    // Feb 2, 3, 4 (3), 5–10 off, Feb 11, 12 → the 5th working day is Friday 12 February
    expect(d).toMatchObject({ dueDay: '2027-02-12', estimated: true, estimatedYears: [2027], missingYears: [2027] });
    expect(estimateNote([2027])).toBe('预计，2027年放假安排尚未公布');
  });

  it('working days used over an estimated year are counted and flagged', () => {
    expect(cal.workingDaysUsedOrEstimate(cst('2026-12-30 09:00'), cst('2027-01-05 09:00'))).toEqual({ days: 3, estimated: true, estimatedYears: [2027] });
    expect(cal.workingDaysUsedOrEstimate(cst('2026-12-01 09:00'), cst('2026-12-04 09:00'))).toEqual({ days: 3, estimated: false, estimatedYears: [] });
  });

  it('entering the year’s table replaces the estimate (recomputed, no longer flagged)', () => {
    // a table as the city office would enter it from a notice (here a made-up one with 调休)
    const table2027: YearTable = {
      year: 2027,
      holidays: ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12'],
      makeUpWorkdays: ['2027-02-20'],
      source: 'test table (not the 2027 notice)',
      version: 2,
    };
    const next = cal.withYear(table2027);
    expect(next.isEstimated(2027)).toBe(false);
    expect(next.dayInfo('2027-02-11')).toMatchObject({ working: false, estimated: false });
    const d = next.deadlineOrEstimate(cst('2027-02-01 10:00'), 5);
    expect(d).toEqual({ dueDay: '2027-02-16', dueAt: cst('2027-02-16 17:30'), estimated: false });
  });

  it('the opening calendar follows the estimate instead of failing', () => {
    const open = new OpeningCalendar(cal, { centre: 'test', workingDaySessions: [{ start: '08:30', end: '12:00' }, { start: '14:30', end: '17:30' }], extraOpenings: [{ isoWeekdays: [6], sessions: [{ start: '09:00', end: '12:00' }] }] } as any);
    expect(open.sessionsOn('2027-02-08')).toEqual([]); // 初三
    expect(open.sessionsOn('2027-02-11')).toHaveLength(2);
    expect(open.sessionsOn('2027-02-13')).toHaveLength(1); // a Saturday morning
    expect(open.sessionsOn('2027-02-06')).toEqual([]); // 初一 is a Saturday but a holiday
  });

  it('beyond the years the lunar calendar covers it still refuses', () => {
    expect(() => cal.dayInfo('2100-01-04')).toThrow(CalendarYearMissingError);
    expect(() => estimatedYearTable(1800)).toThrow(RangeError);
  });
});
