/**
 * Step deadlines in working days for the engine's boundary timers (超时督办), read the way the
 * step clock reads a step's limit (`parseStepLimit`: `P3D` = 3 working days, `PT8H` = 1 working
 * day), due when the step clock's breach is: close of business (the centre's opening hours, else
 * 17:30) of the n-th working day after the day the step started, by the working calendar in force
 * (holidays and 调休; a year without its notice estimated) — `derive` of clock-ledger.ts for a
 * clock without pauses. The engine asks synchronously while it runs, so what a command needs (the
 * calendar, the centre's close of business) is read before: the calendar kept for a minute, the
 * close of business through the org cache (org/org-cache.ts: 10 s, at once after this process's
 * own change of the opening hours).
 */
import type { Models } from '../persistence/models';
import type { WorkingCalendar } from '../calendar/working-calendar';
import { orgCacheOf } from '../org/org-cache';
import { parseStepLimit } from './clock-ledger';

/** When a step of `limit` started at `startedAt` is due, for a working-day limit; undefined for calendar time. */
export type StepDeadline = (startedAt: Date, limit: string) => Date | undefined;

/** The deadline of a step limit on `calendar`, closing at `closeTime` ('HH:MM' CST; default 17:30). */
export function stepDeadlineOn(calendar: WorkingCalendar, closeTime?: string): StepDeadline {
  return (startedAt, limit) => {
    let budget;
    try {
      budget = parseStepLimit(limit);
    } catch {
      return undefined; // not a limit the clock reads: the timer's own reading stands
    }
    if (budget.unit !== 'working-days' || budget.days < 1) return undefined;
    return calendar.deadlineOrEstimate(startedAt, budget.days, closeTime ? { closeTime } : undefined).dueAt;
  };
}

export class StepDeadlines {
  constructor(
    private readonly models: Models,
    /** The working calendar in force (SupervisionService.currentCalendar: reloaded at most once a minute). */
    private readonly calendar: () => Promise<WorkingCalendar>,
  ) {}

  /** The step deadlines of the centre `orgUnit` (an instance's org unit), for one command. */
  async of(orgUnit?: string | null): Promise<StepDeadline> {
    const [calendar, closeTime] = await Promise.all([this.calendar(), orgUnit ? orgCacheOf(this.models).closeTimeOf(orgUnit) : undefined]);
    return stepDeadlineOn(calendar, closeTime);
  }
}
