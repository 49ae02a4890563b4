/**
 * What is left of a step's clock (剩余), the one rule of the inbox and the public 办件查询
 * (engine/cases/step-deadline.ts): working days after today up to the deadline's day, flagged
 * estimated when a day it counts lies in a year without its holiday notice; hours or minutes for a
 * duration; nothing when paused, past the deadline or without a calendar — never a silent 0.
 */
import { WorkingCalendar } from '../../calendar/working-calendar';
import { stepRemaining } from '../step-deadline';

const at = (iso: string) => new Date(`${iso}+08:00`);
const running = (unit: string) => ({ status: 'running', budget: { unit } });

describe('stepRemaining', () => {
  // 2026 has its notice (official tables); 2027 and later are counted by the estimate
  const calendar = WorkingCalendar.official();

  it('counts the working days after today up to the deadline (Monday → Wednesday: 2; due today: 0)', () => {
    expect(stepRemaining(running('working-days'), at('2026-12-09T17:30:00'), at('2026-12-07T10:00:00'), calendar)).toEqual({ unit: 'working-days', value: 2 });
    expect(stepRemaining(running('working-days'), at('2026-12-07T17:30:00'), at('2026-12-07T10:00:00'), calendar)).toEqual({ unit: 'working-days', value: 0 });
  });

  it('flags a count that reaches into a year without its holiday notice as estimated', () => {
    const years = calendar.years();
    const next = Math.max(2026, ...years) + 1;
    const r = stepRemaining(running('working-days'), at(`${next}-01-12T17:30:00`), at(`${next - 1}-12-28T10:00:00`), calendar);
    expect(r).toMatchObject({ unit: 'working-days', estimated: true });
    expect(r!.value).toBeGreaterThan(0);
  });

  it('gives hours (minutes under one hour) for a duration, rounded up', () => {
    expect(stepRemaining(running('duration'), at('2026-12-07T13:00:00'), at('2026-12-07T10:30:00'), calendar)).toEqual({ unit: 'hours', value: 3 });
    expect(stepRemaining(running('duration'), at('2026-12-07T10:45:00'), at('2026-12-07T10:30:00'), calendar)).toEqual({ unit: 'minutes', value: 15 });
  });

  it('says nothing for a paused clock, a deadline passed, or a working-day clock without a calendar', () => {
    expect(stepRemaining({ status: 'paused', budget: { unit: 'working-days' } }, at('2026-12-09T17:30:00'), at('2026-12-07T10:00:00'), calendar)).toBeUndefined();
    expect(stepRemaining(running('working-days'), at('2026-12-04T17:30:00'), at('2026-12-07T10:00:00'), calendar)).toBeUndefined();
    expect(stepRemaining(running('working-days'), at('2026-12-09T17:30:00'), at('2026-12-07T10:00:00'), undefined)).toBeUndefined();
  });
});
