/**
 * The platform's timer event definition: bpmn-elements' `TimerEventDefinition` with two changes.
 *
 * 1. **The platform's clock.** bpmn-elements reads `new Date()` when it works out a timer's
 *    `expireAt` and whether it is due. Here both come from the Clock port (`TimerClock.now`), as
 *    every other time of a command does, so a test moves time instead of sleeping. With the system
 *    clock (production) nothing changes.
 * 2. **A step's deadline in working days.** A boundary timer is a step's deadline (超时督办). The
 *    shipped diagrams write step limits as ISO durations (`P3D`, `PT8H`), and the step clock reads
 *    them as working days (`parseStepLimit`: `P3D` = 3 working days, `PT8H` = 1 working day due at
 *    close of business); the timer read them as calendar time, so a `P3D` step received on Friday
 *    escalated on Monday while its clock said Wednesday. A boundary timer's `timeDuration` that
 *    `TimerClock.stepDeadline` reads as working days now expires at that working-day due time —
 *    the step clock's breach — unless the case carries a demo/test override of the step's limit
 *    (`<stepId in camelCase>Limit`), which both read as calendar time. Intermediate and start
 *    timers (a wait, not a deadline), `timeDate` and `timeCycle` keep the calendar reading.
 *
 * The resolved `expireAt` is what bpmn-elements stores and what the Agenda job is scheduled at;
 * on resume it is kept (a later reading never moves a timer), as before.
 */
import { TimerEventDefinition } from 'bpmn-elements';

/** Time for the timers of one command (engine options → `environment.options.timerClock`). */
export interface TimerClock {
  now(): Date;
  /**
   * When a step deadline of `limit` (the timer's resolved duration) started at `startedAt` falls
   * due, if `limit` is a working-day limit; undefined for a calendar duration.
   */
  stepDeadline?(startedAt: Date, limit: string): Date | undefined;
}

/** The demo/test override variable of a step's limit (`town-review` → `townReviewLimit`), as the step clock names it. */
export function limitOverrideName(stepId: string): string {
  return `${stepId.replace(/-([a-z0-9])/g, (_m: string, c: string) => c.toUpperCase())}Limit`;
}

const Base: any = TimerEventDefinition;

export function PlatformTimerEventDefinition(this: any, activity: any, eventDefinition: any) {
  Base.call(this, activity, eventDefinition);
}
PlatformTimerEventDefinition.prototype = Object.create(Base.prototype, {
  constructor: { value: PlatformTimerEventDefinition, writable: true, configurable: true },
});

function clockOf(self: any): TimerClock | undefined {
  return self.environment?.options?.timerClock;
}

PlatformTimerEventDefinition.prototype.parse = function parse(this: any, timerType: string, value: string) {
  const clock = clockOf(this);
  if (!clock) return Base.prototype.parse.call(this, timerType, value);
  const now = clock.now();
  if (timerType === 'timeDuration' && clock.stepDeadline && typeof value === 'string' && this.activity?.attachedTo) {
    const step = this.activity.attachedTo;
    const override = this.environment.variables?.[limitOverrideName(String(step.id))];
    if (typeof override !== 'string' || !override.trim()) {
      const due = clock.stepDeadline(now, value);
      if (due) return { expireAt: due, repeat: undefined, delay: due.getTime() - now.getTime() };
    }
  }
  // bpmn-elements' own reading; a duration or cycle counts from the platform's clock, not the
  // system's: its delay (expireAt − the system time it read) is laid on the platform's now (a shift
  // computed from a Date.now() read beside it was a millisecond off whenever the clock ticked between)
  const parsed = Base.prototype.parse.call(this, timerType, value);
  if (timerType !== 'timeDate' && parsed.expireAt instanceof Date && typeof parsed.delay === 'number') {
    parsed.expireAt = new Date(now.getTime() + parsed.delay);
  }
  return parsed;
};

PlatformTimerEventDefinition.prototype._getTimers = function getTimers(this: any, executeMessage: any) {
  const result = Base.prototype._getTimers.call(this, executeMessage);
  const clock = clockOf(this);
  // due or not by the platform's clock (bpmn-elements compares with the system clock)
  if (clock && result.expireAt instanceof Date) result.timeout = result.expireAt.getTime() - clock.now().getTime();
  return result;
};
