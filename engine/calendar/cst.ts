/**
 * Calendar days and clock times in China Standard Time (CST, 北京时间): UTC+8 all year, no
 * daylight saving time since 1991. A day is a `'YYYY-MM-DD'` string; an instant is a `Date`.
 *
 * Every conversion here is pure arithmetic on UTC milliseconds and never reads the host's
 * time zone (no `getDate()`, `getHours()`, `toLocaleString()`), so the results are the same on
 * a server set to UTC, Asia/Shanghai or America/Los_Angeles.
 */
import { CST_OFFSET_MS, cstDay } from '../../common/cst';
import { ValidationError } from '../domain/errors';

export { CST_OFFSET_MS };

/** A calendar day in CST, `'YYYY-MM-DD'`. */
export type Day = string;

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Days since 1970-01-01 of a valid `'YYYY-MM-DD'`; throws `ValidationError` (INVALID_DAY) otherwise. */
export function dayNumber(day: Day): number {
  const m = typeof day === 'string' ? DAY_RE.exec(day) : null;
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (y >= 1000 && back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) return ms / DAY_MS;
  }
  throw new ValidationError('INVALID_DAY', `Not a calendar day 'YYYY-MM-DD': ${JSON.stringify(day)} (日期格式应为 YYYY-MM-DD)`, { day });
}

/** Inverse of `dayNumber`. */
export function dayFromNumber(n: number): Day {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Checks a day string and returns it unchanged. */
export function assertDay(day: Day): Day {
  dayNumber(day);
  return day;
}

/** `day` plus `n` calendar days (n may be negative). */
export function addCalendarDays(day: Day, n: number): Day {
  return dayFromNumber(dayNumber(day) + n);
}

/** ISO weekday of a day: 1 = Monday … 6 = Saturday, 7 = Sunday. */
export function isoWeekday(day: Day): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNumber(day) + 3) % 7) + 7) % 7) + 1;
}

/** Monday to Friday. */
export function isWeekday(day: Day): boolean {
  return isoWeekday(day) <= 5;
}

/** The Gregorian year of a day. */
export function yearOf(day: Day): number {
  dayNumber(day);
  return Number(day.slice(0, 4));
}

function assertInstant(at: Date): number {
  const t = at instanceof Date ? at.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new ValidationError('INVALID_INSTANT', `Not a valid Date: ${String(at)} (无效的时间)`);
  return t;
}

/** The CST calendar day an instant falls on: 2025-01-01T16:30:00Z → '2025-01-02'. */
export function cstDayOf(at: Date): Day {
  return cstDay(assertInstant(at));
}

/** Minutes since CST midnight of an instant (0…1439; seconds count within the minute). */
export function cstMinuteOfDay(at: Date): number {
  const t = assertInstant(at) + CST_OFFSET_MS;
  return Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
}

/** Minutes since midnight of `'HH:MM'` (00:00…23:59); throws `ValidationError` (INVALID_TIME). */
export function parseHHMM(hhmm: string): number {
  const m = typeof hhmm === 'string' ? HHMM_RE.exec(hhmm) : null;
  if (!m) throw new ValidationError('INVALID_TIME', `Not a clock time 'HH:MM': ${JSON.stringify(hhmm)} (时间格式应为 HH:MM)`, { time: hhmm });
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The instant of CST wall-clock `minutes` after midnight on `day`. */
export function cstInstantAtMinute(day: Day, minutes: number): Date {
  return new Date(dayNumber(day) * DAY_MS + minutes * 60_000 - CST_OFFSET_MS);
}

/** The instant of CST wall-clock `'HH:MM'` on `day`: ('2025-02-05', '17:30') → 2025-02-05T09:30:00Z. */
export function cstInstant(day: Day, hhmm: string): Date {
  return cstInstantAtMinute(day, parseHHMM(hhmm));
}
