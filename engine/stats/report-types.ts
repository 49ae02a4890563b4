/**
 * Statistics and rankings (统计与排名, issue #4): per town, window, department, item, person
 * and period — cases received, completed, early / on time / late against the statutory (法定)
 * and the promised (承诺) limit separately, open, overdue now, average handling time in working
 * days, supplement and rejection rates, escalations (督办), complaints (投诉) and the rating
 * distribution (好差评) — and an efficiency ranking of the towns (and of windows) by a
 * documented score (see `EFFICIENCY_WEIGHTS` and `StatsService.rank`).
 *
 * ## Which cases, which events (the cohort rule)
 *
 * A report covers the cases RECEIVED in the period `[from, to)` (on `service_cases.receivedAt`;
 * `from` inclusive, `to` exclusive; both optional) that pass the other filters; void cases (a
 * failed intake whose number was voided) are not counted. Everything else is counted for those
 * cases, whenever it happened: their statutory and promised clocks, their escalations, the
 * complaints about them and their ratings. Events that name no case — a complaint about a window
 * or a person, an escalation without a case number — are counted when they fall in the period
 * (`createdAt` / `raisedAt`), against the town, window or person they name, in the reports by
 * town, window, person, period and in the total; they cannot be placed by department or item and
 * are left out of those reports (and of any report filtered by department or item).
 *
 * ## Definitions
 * - received 收件: cases received in the period (not void). open 在办: status accepting,
 *   awaiting-supplement or in-progress. completed 办结: status completed. rejected 退回:
 *   status rejected (at intake or by decision).
 * - supplement rate 补正率 = cases of category `supplement` / received;
 *   rejection rate 退回率 = rejected / received.
 * - early / on time / late: the `result` of each STOPPED clock (`completionResult`: late = stopped
 *   after `dueAt`, early = stopped on an earlier CST day than the due day, else on time), counted
 *   separately for the statutory and the promised clock. on-time rate = (early + on time) /
 *   stopped clocks of that kind.
 * - overdue now 当前超期: RUNNING clocks of that kind with `dueAt` before now (a paused clock has no
 *   deadline and is never overdue).
 * - average handling time 平均办理用时: mean over STOPPED statutory clocks of
 *   `workingDaysUsed(startedAt, stoppedAt)` (the working-day calendar: first day not counted,
 *   holidays and weekends excluded, make-up working days counted; paused time is included — this
 *   is elapsed handling time, not the clock's remaining budget).
 * - promised-limit use 承诺时限用时比: mean over STOPPED promised clocks of
 *   `workingDaysUsed / max(1, promised days)` (1.0 = the whole promised limit used; a same-day
 *   limit of 0 days counts as 1 day); for a clock budgeted as a duration, elapsed / duration.
 */
import type { Acc } from './accumulator';

// ------------------------------------------------------------------ public types

/** What a report is grouped by. `year`/`month`/`day` are CST calendar periods of `receivedAt`. */
export type StatsDimension = 'town' | 'window' | 'department' | 'item' | 'person' | 'year' | 'month' | 'day' | 'all';
export const STATS_DIMENSIONS: readonly StatsDimension[] = ['town', 'window', 'department', 'item', 'person', 'year', 'month', 'day', 'all'];

/** Which cases a report covers. All fields optional; `from` inclusive, `to` exclusive. */
export interface StatsFilter {
  from?: Date;
  to?: Date;
  /** Org unit id (`city`, `dingbao`, …). */
  orgUnit?: string;
  /** Receiving window id. */
  windowId?: string;
  department?: string;
  itemCode?: string;
  /** Username of the responsible person (首问负责人). */
  responsible?: string;
}

/** Counts of one limit kind (statutory 法定 / promised 承诺) over the cases of a row. */
export interface LimitStats {
  /** Stopped clocks (= early + onTime + late). */
  stopped: number;
  early: number;
  onTime: number;
  late: number;
  /** (early + onTime) / stopped, 4 decimals; null when nothing stopped. */
  onTimeRate: number | null;
  running: number;
  paused: number;
  /** Running clocks whose deadline has passed. */
  overdueNow: number;
}

/** Rating distribution (好差评): level 5 very satisfied 非常满意 … 1 very dissatisfied 非常不满意. */
export interface RatingStats {
  count: number;
  /** levels[1] … levels[5]; levels[0] unused (always 0). */
  levels: [number, number, number, number, number, number];
  /** Mean level, 2 decimals; null without ratings. */
  average: number | null;
  /** (level 4 + level 5) / count, 4 decimals; null without ratings. */
  satisfiedRate: number | null;
}

export interface StatsRow {
  /** The group's key: org unit id, window id, department code, item code, username, `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `all`. */
  key: string;
  /** Human-readable name (town short name, window name, item name, person's display name …). */
  label: string;
  /** Org unit of a window or person row (of the first case seen), and its short name. */
  orgUnit?: string;
  orgUnitName?: string;
  received: number;
  completed: number;
  rejected: number;
  open: number;
  /** Cases of category supplement (补办件). */
  supplement: number;
  /** supplement / received, 4 decimals; null when nothing was received. */
  supplementRate: number | null;
  /** rejected / received, 4 decimals; null when nothing was received. */
  rejectionRate: number | null;
  statutory: LimitStats;
  promised: LimitStats;
  /** Stopped statutory clocks that gave a handling time. */
  handled: number;
  /** Mean handling time in working days, 2 decimals; null when none stopped. */
  avgWorkingDays: number | null;
  /** Mean share of the promised limit used, 4 decimals; null when no promised clock stopped. */
  avgPromisedUse: number | null;
  escalations: number;
  complaints: number;
  /** 违规: recorded breaches of the window rules (one-time notification 一次性告知, art. 32 examination), by when they happened. */
  violations: number;
  ratings: RatingStats;
}

export interface StatsReport {
  dimension: StatsDimension;
  filter: StatsFilter;
  /** The instant "overdue now" was judged against. */
  now: Date;
  rows: StatsRow[];
  /** All the cases and events of the report in one row (key `all`, label 合计). */
  total: StatsRow;
  meta: {
    casesScanned: number;
    clocksMatched: number;
    /** Handling times counted over a year without its holiday table (by its estimate: statutory holidays, no 调休). */
    estimatedHandlingTimes: number;
    elapsedMs: number;
    /** `rollup`: read from the day rollups (bucketsRead of them); `scan`: every case and event read. */
    source?: 'rollup' | 'scan';
    bucketsRead?: number;
    /** Changes (case events) in the report's centres and days not counted yet: the rollups are catching up after an import (统计数据更新中). */
    pendingChanges?: number;
  };
}

/** Components of the efficiency score; see `EFFICIENCY_WEIGHTS`. */
export type ScoreComponentName = 'onTimePromised' | 'speed' | 'overdueNow' | 'escalations' | 'complaints' | 'satisfaction';


export interface ScoreComponent {
  /** The measure (rate 0–1, ratio, per-100 count or mean level), 4 decimals; null without data. */
  value: number | null;
  /** Sub-score in [0, 1], 4 decimals; null without data. */
  score: number | null;
  weight: number;
}

export interface RankingRow {
  /**
   * 1, 2, 3 … — unique: ties are broken as documented on `StatsService.rank`; null for a unit
   * without any data in the period (no case, no rating: score null), listed after the ranked
   * ones as 无办件 (`unranked`), never numbered as if it had scored.
   */
  rank: number | null;
  /** why the unit is not ranked: 无办件 */
  unranked?: string;
  /** name of the unit's centre (windows) */
  orgUnitName?: string;
  key: string;
  label: string;
  orgUnit?: string;
  /** Efficiency score 0–100, 2 decimals; null when the unit has no data at all. */
  score: number | null;
  components: Record<ScoreComponentName, ScoreComponent>;
  stats: StatsRow;
}

export interface Ranking {
  level: 'town' | 'window';
  filter: StatsFilter;
  now: Date;
  weights: Readonly<Record<ScoreComponentName, number>>;
  rows: RankingRow[];
}

/** Names for a report's rows (org units, windows, items, people), read once per report. */
export type StatsLookups = {
  orgs: Map<string, { shortName?: string; name?: string; seq: number; level?: string }>;
  windows: Map<string, { name?: string; orgUnit?: string; no?: number; department?: string; departmentName?: string; status?: string }>;
  items: Map<string, string>;
  people: Map<string, string>;
};

/** What the two read paths (scan, rollups) hand the facade: the report and the names its rows used. */
export interface StatsComputed {
  report: StatsReport;
  lookups: StatsLookups;
}

