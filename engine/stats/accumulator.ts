/**
 * The statistics' accumulators (统计累加器): the counts and sums one group of cases gathers —
 * received, completed, rejected, open, supplements, the statutory and promised limits (early, on
 * time, late, running, paused, overdue now), handling days, share of the promised limit used,
 * escalations, complaints, violations and rating levels — and how a clock adds to them. The
 * report scan (stats-service.ts) and the day rollups (rollups.ts) both add with these, so a
 * report reads the same from either source.
 */
import { completionResult } from '../supervision/clock-ledger';
import type { WorkingDayCounter } from './working-day-counter';

/** Case statuses that count as open (在办). */
export const OPEN_STATUSES = new Set(['under-examination', 'accepting', 'awaiting-supplement', 'in-progress']);

/** A stored document as read here: string ids (case numbers, clock ids …), fields untyped. */
export type Doc = { _id: string; [field: string]: any };

const ms = (v: unknown): number | undefined => (v instanceof Date ? v.getTime() : undefined);

export interface LimitAcc {
  early: number;
  onTime: number;
  late: number;
  running: number;
  paused: number;
  overdueNow: number;
}

export interface Acc {
  key: string;
  labelHint?: string;
  orgUnit?: string;
  received: number;
  completed: number;
  rejected: number;
  open: number;
  supplement: number;
  statutory: LimitAcc;
  promised: LimitAcc;
  handled: number;
  daysSum: number;
  promisedUseN: number;
  promisedUseSum: number;
  escalations: number;
  complaints: number;
  violations: number;
  levels: [number, number, number, number, number, number];
}

const newLimit = (): LimitAcc => ({ early: 0, onTime: 0, late: 0, running: 0, paused: 0, overdueNow: 0 });
export const newAcc = (key: string): Acc => ({
  key,
  received: 0,
  completed: 0,
  rejected: 0,
  open: 0,
  supplement: 0,
  statutory: newLimit(),
  promised: newLimit(),
  handled: 0,
  daysSum: 0,
  promisedUseN: 0,
  promisedUseSum: 0,
  escalations: 0,
  complaints: 0,
  violations: 0,
  levels: [0, 0, 0, 0, 0, 0],
});

/**
 * Adds one statutory / promised clock to the accumulators: stopped → early / on time / late
 * (and the handling time or share of the promised limit used), paused, or running (overdue
 * when its deadline is before `nowMs`; `nowMs` null leaves overdueNow to the caller, as the
 * rollups do). Returns true when the handling time had to be estimated (a year without table).
 */
export function addClock(accs: Acc[], k: Doc, counter: WorkingDayCounter, nowMs: number | null): boolean {
  const statutory = k.kind === 'statutory';
  const startMs = ms(k.startedAt);
  const stopMs = ms(k.stoppedAt);
  const dueMs = ms(k.dueAt);
  let used: { days: number; estimated: boolean } | undefined;
  if (k.status === 'stopped' && startMs !== undefined && stopMs !== undefined) used = counter.used(startMs, stopMs);
  for (const a of accs) {
    const l = statutory ? a.statutory : a.promised;
    if (k.status === 'stopped') {
      const result = k.result === 'early' || k.result === 'on-time' || k.result === 'late' ? k.result : stopMs !== undefined ? completionResult(new Date(stopMs), dueMs !== undefined ? new Date(dueMs) : undefined) : 'on-time';
      if (result === 'early') l.early++;
      else if (result === 'late') l.late++;
      else l.onTime++;
      if (used && startMs !== undefined && stopMs !== undefined) {
        if (statutory) {
          a.handled++;
          a.daysSum += used.days;
        } else {
          const b = k.budget as { unit?: string; days?: number; ms?: number } | undefined;
          let share: number | undefined;
          if (b?.unit === 'duration' && typeof b.ms === 'number' && b.ms > 0) share = (stopMs - startMs) / b.ms;
          else if (typeof b?.days === 'number') share = used.days / Math.max(1, b.days);
          if (share !== undefined) {
            a.promisedUseN++;
            a.promisedUseSum += share;
          }
        }
      }
    } else if (k.status === 'paused') {
      l.paused++;
    } else {
      l.running++;
      if (nowMs !== null && dueMs !== undefined && dueMs < nowMs) l.overdueNow++;
    }
  }
  return used?.estimated ?? false;
}

/** Adds `b` into `a` (every count and sum; key and labels stay `a`'s). */
export function mergeAcc(a: Acc, b: Acc): void {
  for (const f of ['received', 'completed', 'rejected', 'open', 'supplement', 'handled', 'daysSum', 'promisedUseN', 'promisedUseSum', 'escalations', 'complaints', 'violations'] as const) a[f] += b[f] ?? 0;
  for (const kind of ['statutory', 'promised'] as const) for (const f of ['early', 'onTime', 'late', 'running', 'paused', 'overdueNow'] as const) a[kind][f] += b[kind]?.[f] ?? 0;
  for (let i = 1; i <= 5; i++) a.levels[i] += b.levels?.[i] ?? 0;
}
