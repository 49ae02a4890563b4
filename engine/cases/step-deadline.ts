/**
 * What is left of a step's clock (剩余), one rule for the clerks' inbox and the public 办件查询:
 * working days after today up to the deadline's day (0 = due today) for a working-day budget —
 * counted over a year without its holiday notice by the estimate, and then flagged `estimated`
 * (预计，2027年放假安排尚未公布) — hours (minutes under one hour), rounded up, for a duration.
 * None when the clock is paused, stopped or past its deadline, or a working-day clock has no
 * calendar to count on (never a 0 because a table is missing).
 */
import { cstDayOf } from '../calendar/cst';
import type { WorkingCalendar } from '../calendar/working-calendar';

export interface StepRemaining {
  unit: 'working-days' | 'hours' | 'minutes';
  value: number;
  estimated?: boolean;
}

export function stepRemaining(clock: { status?: string; budget?: { unit?: string } } | undefined, dueAt: Date | undefined, now: Date, calendar: WorkingCalendar | undefined): StepRemaining | undefined {
  const at = now.getTime();
  if (!clock || clock.status !== 'running' || !dueAt || dueAt.getTime() <= at) return undefined;
  if (clock.budget?.unit === 'working-days') {
    if (!calendar) return undefined;
    const n = calendar.workingDaysBetweenOrEstimate(cstDayOf(now), cstDayOf(dueAt), true);
    return { unit: 'working-days', value: n.days, ...(n.estimated ? { estimated: true } : {}) };
  }
  const ms = dueAt.getTime() - at;
  return ms >= 3_600_000 ? { unit: 'hours', value: Math.ceil(ms / 3_600_000) } : { unit: 'minutes', value: Math.ceil(ms / 60_000) };
}
