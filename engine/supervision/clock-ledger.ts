/**
 * Deadline clocks as a ledger (时限台账). A clock stores its budget, when it started, a ledger
 * of pauses and at most one approved extension; the deadline and every warning rung are
 * DERIVED from that ledger, never edited by hand, so they come out the same after a restart
 * and after every pause, resume, extension or reassignment.
 *
 * Rules (and sources):
 * - Budgets in working days count by the `WorkingCalendar` (行政许可法 第八十二条; the first day
 *   is not counted, 民法典 第二百零一条; the period ends at close of business, 第二百零三条).
 * - Paused time is not counted (行政许可法 第四十五条: hearings, tendering, testing, inspection,
 *   quarantine, appraisal and expert review; and waiting on the applicant's 补正). A pause
 *   from day P to day R removes the working days in (P, R] — the day it began still counted,
 *   the day it ended does not, in line with "开始的当日不计入" for the resumed period. While a
 *   pause is open the clock has no deadline and no signal is due.
 * - At most one extension (延长, 第四十二条: "经本行政机关负责人批准，可以延长十日") with its
 *   approver and reason; it adds to the budget.
 * - Budgets given as ISO-8601 durations (demos, tests, hour-level steps) run in calendar time,
 *   with paused milliseconds added back.
 *
 * Graded signals (分级预警): reminder 提醒 (one working day — or 10 % of a duration — before the
 * deadline), warning 预警 (yellow, when a share of the budget is used, default 2/3), breach
 * 红牌 (at the deadline), serious 严重超期 (5 working days — or 50 % of a duration — past it).
 */
import { parse as parseDuration, toSeconds } from 'iso8601-duration';
import { cstDay } from '../../common/cst';
import { ValidationError } from '../domain/errors';
import type { WorkingCalendar } from '../calendar/working-calendar';

export type Rung = 'reminder' | 'warning' | 'breach' | 'serious';
export const RUNGS: Rung[] = ['warning', 'reminder', 'breach', 'serious'];

export type Budget = { unit: 'working-days'; days: number } | { unit: 'duration'; ms: number; iso: string };

export interface Pause {
  /** supplement 补正 / hearing 听证 / testing 检验检测 / expert-review 专家评审 / public-notice 公示 / other */
  kind: string;
  reason: string;
  from: Date;
  to?: Date;
  by: string;
  /** The written notice to the applicant (its id), required by law for a suspension. */
  notice?: string;
}

export interface Extension {
  days?: number;
  ms?: number;
  approver: string;
  reason: string;
  at: Date;
}

export interface Ledger {
  budget: Budget;
  startedAt: Date;
  pauses: Pause[];
  extension?: Extension | null;
  stoppedAt?: Date | null;
  /** Close of business of the centre, 'HH:MM' CST (from its opening hours); default 17:30. */
  closeTime?: string;
}

export interface SignalPolicy {
  /** Share of the budget used at which the yellow warning fires. Default 2/3. */
  warnShare: number;
  /** Working days before the deadline for the reminder. Default 1. */
  reminderDays: number;
  /** Working days past the deadline for the serious breach. Default 5. */
  seriousDays: number;
}

export const DEFAULT_POLICY: SignalPolicy = { warnShare: 2 / 3, reminderDays: 1, seriousDays: 5 };

export interface Derived {
  /** No deadline while a pause is open. */
  paused: boolean;
  dueAt?: Date;
  estimated: boolean;
  /** The years counted by their estimated holiday table (no notice yet), when `estimated`. */
  estimatedYears?: number[];
  /** When each rung is due (absent when it does not apply, e.g. a reminder for a 1-day budget). */
  signals: Partial<Record<Rung, Date>>;
  /** Working days (or ms) not counted because of closed pauses. */
  pausedDays: number;
  pausedMs: number;
}

/** Parses a step/case time limit: `3WD` / `3` (working days) or an ISO-8601 duration (`P3D`, `PT5S`). */
export function parseBudget(limit: string | number): Budget {
  if (typeof limit === 'number') {
    if (!Number.isInteger(limit) || limit < 0) throw new ValidationError('INVALID_TIME_LIMIT', `time limit ${limit} must be a whole number of working days`);
    return { unit: 'working-days', days: limit };
  }
  const s = limit.trim();
  const wd = /^(\d{1,4})\s*(WD|工作日)?$/i.exec(s);
  if (wd) return { unit: 'working-days', days: Number(wd[1]) };
  if (/^P/.test(s)) {
    try {
      const ms = Math.round(toSeconds(parseDuration(s)) * 1000);
      if (ms > 0) return { unit: 'duration', ms, iso: s };
    } catch {
      /* fall through */
    }
  }
  throw new ValidationError('INVALID_TIME_LIMIT', `time limit "${limit}" must be working days like "5WD" or an ISO-8601 duration like "P3D"`);
}

/** Hours of one working day (8:30–12:00 and 14:00–17:30 at a town centre; 国务院关于职工工作时间的规定: 8 hours a day). */
export const WORKING_DAY_HOURS = 8;

/**
 * A step's `svc:timeLimit` (环节时限) as the budget of its step clock. Step limits in Chinese
 * administrative practice are working days (行政许可法 第八十二条: 期限以工作日计算，不含法定节假日),
 * and the shipped diagrams write them as ISO durations for the engine's boundary timers, so:
 * - `3WD` / `3工作日` / `3` → 3 working days;
 * - a whole number of days `P3D` → 3 working days (not 72 hours: a step received on Friday is not late on Monday);
 * - whole working days of hours `PT8H`, `PT16H` → 1, 2 working days (8 hours = one working day,
 *   `WORKING_DAY_HOURS`), ending at the centre's close of business like every working-day clock;
 * - any other duration (`PT2H`, `PT30M`, `P1DT4H`, `P1M`) → that duration in calendar time (hour-level steps, demos).
 * The BPMN boundary timer beside the step keeps its own calendar reading; the step clock is what the
 * inbox, the board and the escalations count. Throws `INVALID_TIME_LIMIT` like `parseBudget`.
 */
export function parseStepLimit(limit: string): Budget {
  const s = limit.trim();
  const days = /^P(\d{1,4})D$/i.exec(s);
  if (days && Number(days[1]) > 0) return { unit: 'working-days', days: Number(days[1]) };
  const hours = /^PT(\d{1,5})H$/i.exec(s);
  if (hours && Number(hours[1]) > 0 && Number(hours[1]) % WORKING_DAY_HOURS === 0) return { unit: 'working-days', days: Number(hours[1]) / WORKING_DAY_HOURS };
  return parseBudget(s);
}

/** Derives deadline and signal times from the ledger. Pure. */
export function derive(ledger: Ledger, cal: WorkingCalendar, policy: SignalPolicy = DEFAULT_POLICY): Derived {
  const open = ledger.pauses.some((p) => !p.to);
  const closed = ledger.pauses.filter((p) => p.to);
  if (ledger.budget.unit === 'duration') {
    const pausedMs = closed.reduce((s, p) => s + (p.to!.getTime() - p.from.getTime()), 0);
    const total = ledger.budget.ms + (ledger.extension?.ms ?? 0);
    if (open) return { paused: true, estimated: false, signals: {}, pausedDays: 0, pausedMs };
    const start = ledger.startedAt.getTime() + pausedMs;
    const due = start + total;
    return {
      paused: false,
      dueAt: new Date(due),
      estimated: false,
      pausedDays: 0,
      pausedMs,
      signals: {
        warning: new Date(start + Math.round(total * policy.warnShare)),
        reminder: new Date(due - Math.round(total * 0.1)),
        breach: new Date(due),
        serious: new Date(due + Math.round(total * 0.5)),
      },
    };
  }
  let pausedDays = 0;
  const years = new Set<number>();
  for (const p of closed) {
    const used = cal.workingDaysUsedOrEstimate(p.from, p.to!);
    for (const y of used.estimatedYears) years.add(y);
    pausedDays += Math.max(0, used.days);
  }
  const total = ledger.budget.days + (ledger.extension?.days ?? 0);
  if (open) return { paused: true, estimated: false, signals: {}, pausedDays, pausedMs: 0 };
  const at = (n: number) => cal.deadlineOrEstimate(ledger.startedAt, n + pausedDays, ledger.closeTime ? { closeTime: ledger.closeTime } : undefined);
  const due = at(total);
  const signals: Partial<Record<Rung, Date>> = { breach: due.dueAt, serious: at(total + policy.seriousDays).dueAt };
  if (total - policy.reminderDays >= 1) signals.reminder = at(total - policy.reminderDays).dueAt;
  const warnDays = Math.ceil(total * policy.warnShare);
  if (warnDays >= 1 && warnDays < total) signals.warning = at(warnDays).dueAt;
  if (due.estimated) for (const y of due.estimatedYears) years.add(y);
  const estimatedYears = [...years].sort((a, b) => a - b);
  return { paused: false, dueAt: due.dueAt, estimated: estimatedYears.length > 0, ...(estimatedYears.length ? { estimatedYears } : {}), signals, pausedDays, pausedMs: 0 };
}

/**
 * How a finished clock compares with its deadline: early (提前, before the deadline day),
 * on time (按时, on the deadline day) or late (超期, after the deadline).
 */
export function completionResult(stoppedAt: Date, dueAt: Date | undefined): 'early' | 'on-time' | 'late' {
  if (!dueAt) return 'on-time';
  if (stoppedAt.getTime() > dueAt.getTime()) return 'late';
  return cstDay(stoppedAt) < cstDay(dueAt) ? 'early' : 'on-time';
}
