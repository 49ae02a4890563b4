/**
 * Fast `workingDaysUsed` for statistics over many clocks (统计用工作日计数).
 *
 * `WorkingCalendar.workingDaysUsed(startedAt, at)` walks the days one by one and formats a
 * string per day; over a million clocks that is tens of millions of string operations. This
 * counter builds, once, a prefix sum of working days over every year the calendar has a table
 * for, so each count is two array reads. The answer is the calendar's by construction: the
 * prefix sum is filled from `calendar.isWorkingDay` and the same rule is kept (working days in
 * the half-open CST-day interval (day of `startedAt`, day of `at`], 0 when `at <= startedAt`).
 *
 * A stretch that reaches a year without a table is counted by that year's estimated table
 * (`WorkingCalendar.workingDaysBetweenOrEstimate`: the statutory holidays, no 调休) and reported
 * as estimated (`estimated: true`), so one missing year never blocks a whole report; beyond
 * the estimable years it is counted Monday–Friday.
 */
import { CST_OFFSET_MS, dayFromNumber, dayNumber } from '../calendar/cst';
import type { WorkingCalendar } from '../calendar/working-calendar';

const DAY_MS = 86_400_000;

/** CST day number (days since 1970-01-01) of an instant in epoch milliseconds. */
export function cstDayNumber(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / DAY_MS);
}

/** Monday–Friday days in (a, b], for day numbers a ≤ b (1970-01-01, day 0, was a Thursday). */
function weekdaysBetween(a: number, b: number): number {
  // count of weekdays in [0, n]: full weeks * 5 + remainder
  const upTo = (n: number): number => {
    const weeks = Math.floor((n + 1) / 7);
    let count = weeks * 5;
    for (let d = weeks * 7; d <= n; d++) {
      const iso = ((((d + 3) % 7) + 7) % 7) + 1;
      if (iso <= 5) count++;
    }
    return count;
  };
  return upTo(b) - upTo(a);
}

export class WorkingDayCounter {
  private readonly base: number;
  private readonly last: number;
  /** prefix[i] = working days in [base, base + i]. */
  private readonly prefix: Int32Array;

  constructor(private readonly calendar: WorkingCalendar) {
    const years = calendar.years();
    if (!years.length) {
      this.base = 0;
      this.last = -1;
      this.prefix = new Int32Array(0);
      return;
    }
    // Only the contiguous run of years ending at the latest table is indexed; a gap year
    // before it would otherwise be counted as if it had a table.
    let first = years[years.length - 1];
    while (calendar.hasYear(first - 1)) first--;
    this.base = dayNumber(`${first}-01-01`);
    this.last = dayNumber(`${years[years.length - 1]}-12-31`);
    this.prefix = new Int32Array(this.last - this.base + 1);
    let running = 0;
    for (let n = this.base; n <= this.last; n++) {
      if (calendar.isWorkingDay(dayFromNumber(n))) running++;
      this.prefix[n - this.base] = running;
    }
  }

  /**
   * Working days used by a stretch from `startedAt` to `at` (epoch ms or Date), as
   * `WorkingCalendar.workingDaysUsed`; `estimated` when a day outside the tables was counted
   * by its year's estimated table.
   */
  used(startedAt: Date | number, at: Date | number): { days: number; estimated: boolean } {
    const s = typeof startedAt === 'number' ? startedAt : startedAt.getTime();
    const e = typeof at === 'number' ? at : at.getTime();
    if (!(e > s)) return { days: 0, estimated: false };
    const a = cstDayNumber(s);
    const b = cstDayNumber(e);
    if (b <= a) return { days: 0, estimated: false };
    // (a, b] must lie within [base, last]: a may be base - 1 at the earliest.
    if (a >= this.base - 1 && b <= this.last) {
      const before = a >= this.base ? this.prefix[a - this.base] : 0;
      return { days: this.prefix[b - this.base] - before, estimated: false };
    }
    try {
      return { days: this.calendar.workingDaysBetweenOrEstimate(dayFromNumber(a), dayFromNumber(b)).days, estimated: true };
    } catch {
      return { days: weekdaysBetween(a, b), estimated: true };
    }
  }
}
