/**
 * Estimated holiday tables (预计放假安排) for years whose State Council notice is not out yet.
 *
 * Every December the platform counts deadlines into a year that has no notice. Rather than
 * stop (or count plain Monday–Friday, which misses 春节 and 国庆 and makes every clock wrong by
 * a week), such a year gets a table estimated from the fixed rules of 《全国年节及纪念日放假办法》
 * as revised in 2024 (国务院令第795号, in force from 1 January 2025), 第二条 全体公民放假的节日:
 *
 * | holiday | date | days |
 * |---|---|---|
 * | 元旦 | 1 January | 1 |
 * | 春节 | 农历除夕、正月初一至初三 | 4 |
 * | 清明节 | 清明 solar term (4 or 5 April) | 1 |
 * | 劳动节 | 1–2 May | 2 |
 * | 端午节 | 农历五月初五 | 1 |
 * | 中秋节 | 农历八月十五 | 1 |
 * | 国庆节 | 1–3 October | 3 |
 *
 * Lunar dates and the solar term come from the `chinese-days` package (already the source of
 * the official tables). 第六条: a holiday falling on a Saturday or Sunday is made up on a
 * working day (补假) — the estimate gives it on the next weekday after the block, and likewise
 * a day on which two holidays fall (中秋 on 1 October, as in 2001 and 2020). What it
 * cannot know are the 调休 swaps (a weekend made a working day to join a holiday to a weekend):
 * those only come with the notice, which is why the result is flagged `estimated` everywhere
 * it is used, and replaced as soon as the city office enters the year's table.
 */
import { getLunarDate, getSolarDateFromLunar } from 'chinese-days';
import { addCalendarDays, dayNumber, isoWeekday, type Day } from './cst';
import { HOLIDAY_DATA_PACKAGE, type YearTable } from './holiday-table';

/** The law the estimate follows. */
export const HOLIDAY_LAW = '《全国年节及纪念日放假办法》（2024年11月修订，国务院令第795号）';

/** Years the lunar conversion of the data package covers (with room for the Gregorian/lunar offset). */
export const ESTIMABLE_YEARS = { from: 1901, to: 2099 } as const;

/** An estimated table: like a notice's table, but flagged, version 0 (any entered table replaces it). */
export type EstimatedYearTable = YearTable & { estimated: true };

/** The statutory holidays of a year as the law fixes them: name, first day, number of days. */
export type StatutoryHoliday = { name: string; first: Day; days: number };

function lunarToSolar(year: number, month: number, day: number): Day {
  const guess = getSolarDateFromLunar(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`).date;
  // getSolarDateFromLunar counts in the host's local time (a day off west of UTC); the result
  // is checked back with getLunarDate (which counts in UTC) and, if need be, moved to the day
  // that is that lunar date — so the answer is the same whatever the server's time zone
  for (const delta of [0, -1, 1, -2, 2]) {
    const d = addCalendarDays(guess, delta);
    const back = getLunarDate(d);
    if (back.lunarYear === year && back.lunarMon === month && back.lunarDay === day && !back.isLeap) return d;
  }
  throw new CalendarDataError(`lunar ${year}-${month}-${day} could not be converted (near ${guess})`);
}

/**
 * The day of the 清明 solar term in April: the 寿星 formula that chinese-days' getSolarTermDate
 * uses (C = 5.59 in the 20th century, 4.81 in the 21st; no listed exceptions for 清明), computed
 * here on plain numbers because the package formats its answer in the host's local time zone.
 * The unit test checks it against getSolarTermDate for every estimable year.
 */
export function qingming(year: number): Day {
  const y = year % 100;
  const c = year >= 2000 ? 4.81 : 5.59;
  const day = Math.floor(y * 0.2422 + c) - Math.floor(y / 4);
  return `${year}-04-${String(day).padStart(2, '0')}`;
}

/** The lunar calendar data did not give a date (never expected within `ESTIMABLE_YEARS`). */
export class CalendarDataError extends RangeError {}

/** The statutory holidays falling in `year` (第二条 of the 2024 revision). */
export function statutoryHolidays(year: number): StatutoryHoliday[] {
  const pad = (n: number) => String(n).padStart(2, '0');
  const springFestival = lunarToSolar(year, 1, 1); // 正月初一 of the lunar year starting in `year`
  return [
    { name: '元旦', first: `${year}-01-01`, days: 1 },
    { name: '春节', first: addCalendarDays(springFestival, -1), days: 4 }, // 除夕 and 初一 to 初三
    { name: '清明节', first: qingming(year), days: 1 },
    { name: '劳动节', first: `${year}-05-01`, days: 2 },
    { name: '端午节', first: lunarToSolar(year, 5, 5), days: 1 },
    { name: '中秋节', first: lunarToSolar(year, 8, 15), days: 1 },
    { name: '国庆节', first: `${year}-${pad(10)}-01`, days: 3 },
  ];
}

/**
 * The estimated table of `year`: the statutory days off, and for each of them falling on a
 * weekend a 补假 on the next weekday after its block that is not a holiday itself.
 * No make-up working days (调休) — those are decided by each year's notice.
 * @throws RangeError outside `ESTIMABLE_YEARS`.
 */
export function estimatedYearTable(year: number): EstimatedYearTable {
  if (!Number.isInteger(year) || year < ESTIMABLE_YEARS.from || year > ESTIMABLE_YEARS.to) {
    throw new RangeError(`holidays can be estimated for ${ESTIMABLE_YEARS.from}–${ESTIMABLE_YEARS.to}, not ${year}`);
  }
  const labels: Record<Day, string> = {};
  // a day off lost to a weekend, or to another holiday on the same day (中秋 on 1 October),
  // is made up after its block
  const blocks = statutoryHolidays(year).map((h) => {
    const days: Day[] = [];
    let lost = 0;
    for (let i = 0; i < h.days; i++) {
      const d = addCalendarDays(h.first, i);
      days.push(d);
      if (isoWeekday(d) >= 6) lost++;
      else if (labels[d]) lost++;
      labels[d] = labels[d] ? `${labels[d]}、${h.name}` : h.name;
    }
    return { ...h, days, lost };
  });
  for (const b of blocks) {
    let next = b.days[b.days.length - 1];
    for (let n = 0; n < b.lost; ) {
      next = addCalendarDays(next, 1);
      if (isoWeekday(next) <= 5 && !labels[next]) {
        labels[next] = `${b.name}补假`;
        n++;
      }
    }
  }
  const holidays = Object.keys(labels)
    .filter((d) => Number(d.slice(0, 4)) === year)
    .sort((a, b) => dayNumber(a) - dayNumber(b));
  const inYear: Record<Day, string> = {};
  for (const d of holidays) inYear[d] = labels[d];
  return {
    year,
    holidays,
    makeUpWorkdays: [],
    source: `预计：按${HOLIDAY_LAW}推算（农历日期、节气据 ${HOLIDAY_DATA_PACKAGE}），${year}年放假安排尚未公布，未含调休`,
    version: 0,
    labels: inYear,
    estimated: true,
  };
}
