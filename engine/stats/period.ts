/** Periods of whole CST (Beijing) days, the CST period keys of an instant, and the check of a report's filter. */
import { ValidationError } from '../domain/errors';
import { CST_OFFSET_MS, dayNumber } from '../calendar/cst';
import type { StatsFilter } from './report-types';

const DAY_MS = 86_400_000;

/** CST midnight starting the day `YYYY-MM-DD`. */
export function cstStartOfDay(day: string): Date {
  return new Date(dayNumber(day) * DAY_MS - CST_OFFSET_MS);
}

/**
 * The period of whole CST days from `fromDay` to `toDay` INCLUSIVE, as a filter's `[from, to)`:
 * `periodOfDays('2025-10-01', '2025-10-31')` is October 2025 in Beijing time.
 * @throws ValidationError (INVALID_DAY) for a malformed day, (INVALID_PERIOD) when toDay < fromDay.
 */
export function periodOfDays(fromDay?: string, toDay?: string): { from?: Date; to?: Date } {
  const from = fromDay ? cstStartOfDay(fromDay) : undefined;
  const to = toDay ? new Date(cstStartOfDay(toDay).getTime() + DAY_MS) : undefined;
  if (from && to && to.getTime() <= from.getTime()) throw new ValidationError('INVALID_PERIOD', `period ends (${toDay}) before it starts (${fromDay})`);
  return { from, to };
}

/** The CST calendar month `YYYY-MM` as `[from, to)`. */
export function periodOfMonth(month: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new ValidationError('INVALID_MONTH', `not a month 'YYYY-MM': ${JSON.stringify(month)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { from: cstStartOfDay(`${month}-01`), to: cstStartOfDay(`${next}-01`) };
}

export function cstIso(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString();
}

/** The CST year, month or day (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) of an instant; undefined for none. */
export function periodKey(dimension: 'year' | 'month' | 'day', at: number | undefined): string | undefined {
  if (at === undefined || Number.isNaN(at)) return undefined;
  const iso = cstIso(at);
  return dimension === 'year' ? iso.slice(0, 4) : dimension === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/** @throws ValidationError (INVALID_PERIOD, INVALID_FILTER) for a filter a report cannot take. */
export function checkFilter(f: StatsFilter): void {
  for (const k of ['from', 'to'] as const) {
    const v = f[k];
    if (v !== undefined && !(v instanceof Date && !Number.isNaN(v.getTime()))) throw new ValidationError('INVALID_PERIOD', `filter.${k} must be a valid Date`);
  }
  if (f.from && f.to && f.to.getTime() <= f.from.getTime()) throw new ValidationError('INVALID_PERIOD', 'filter.to must be after filter.from');
  for (const k of ['orgUnit', 'windowId', 'department', 'itemCode', 'responsible'] as const) {
    const v = f[k];
    if (v !== undefined && (typeof v !== 'string' || !v || v.length > 200)) throw new ValidationError('INVALID_FILTER', `filter.${k} must be a non-empty string of at most 200 characters`);
  }
}

/** The longest period a report by day covers (a leap year's whole year): a longer one is asked by month. */
export const DAY_REPORT_MAX_DAYS = 366;

/**
 * The period of a report by day: at most `DAY_REPORT_MAX_DAYS` whole days — without `from`, the
 * last that many days up to `to` (or up to and including today, Beijing time), said in the
 * report's `filter.from`. A day row per centre and day is what a daily chart needs; over two
 * years it was 14,600 buckets read for a table nobody pages through.
 * @throws ValidationError (PERIOD_TOO_LONG) for a longer period.
 */
export function dayReportPeriod(filter: StatsFilter, now: Date): StatsFilter {
  const end = filter.to ?? new Date(cstStartOfDay(cstIso(now.getTime()).slice(0, 10)).getTime() + DAY_MS);
  if (!filter.from) return { ...filter, from: new Date(end.getTime() - DAY_REPORT_MAX_DAYS * DAY_MS) };
  if (end.getTime() - filter.from.getTime() > DAY_REPORT_MAX_DAYS * DAY_MS) {
    throw new ValidationError('PERIOD_TOO_LONG', `a report by day covers at most ${DAY_REPORT_MAX_DAYS} days; choose a shorter period (from/to) or report by month`, { maxDays: DAY_REPORT_MAX_DAYS });
  }
  return filter;
}
