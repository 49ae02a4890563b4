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
 * ## Why everything is aggregated here and not in the database
 *
 * The report is a few streamed `find`s with a filter and a projection (cursors with large
 * batches: a million cases never sit in memory as documents), aggregated in Node in one pass
 * over each collection with the same accumulation the rollups use (`addClock`, `mergeAcc`), so
 * a report from the rollups and one from the cases agree to the case. The cases, clocks,
 * escalations, complaints and ratings are read concurrently and joined by case number through a
 * case → row index (~80 MB for a million cases); an event read before its case waits in a
 * bounded buffer. (The first embedded database, FerretDB 1.24, had no `$lookup`, `$facet` or
 * `$cond` and decoded every document of a scan; FerretDB 2 serves them, but moving the
 * accumulation into a pipeline would give the rollups and the reports two definitions.) The
 * period filters are served by the indexes declared with the models
 * (engine/persistence/__tests__/indexes.test.ts).
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
import type { Connection } from 'mongoose';
import type { Db, Filter } from 'mongodb';
import { ValidationError } from '../domain/errors';
import { CST_OFFSET_MS, dayNumber } from '../calendar/cst';
import { WorkingCalendar } from '../calendar/working-calendar';
import type { Models } from '../persistence/models';
import { WorkingDayCounter } from './working-day-counter';
import { addClock, mergeAcc, newAcc, OPEN_STATUSES, type Acc, type Doc, type LimitAcc } from './accumulator';
import { daysOfMonth, type Bucket, type RowDimension, type StatsRollups } from './rollups';
import type { CsvColumn } from './csv';

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

/**
 * Weights of the efficiency score (效能综合得分), out of 100.
 *
 * Each component is a measure (`value`) turned into a sub-score in [0, 1] (higher is better):
 *
 * | component | value | sub-score | weight |
 * |---|---|---|---|
 * | `onTimePromised` 承诺时限按时办结率 | (early + on time) / stopped promised clocks | value | 30 |
 * | `speed` 承诺时限用时比 | mean working days used / promised days (`avgPromisedUse`) | max(0, 1 − value / 2): 0 used → 1, the whole limit → 0.5, twice the limit or more → 0 | 20 |
 * | `overdueNow` 当前超期占比 | promised clocks overdue now / open cases | 1 − min(1, value) | 15 |
 * | `escalations` 每百件督办数 | 100 × escalations / received | max(0, 1 − value / 10): 10 or more per 100 cases → 0 | 15 |
 * | `complaints` 每百件投诉数 | 100 × complaints / received | max(0, 1 − value / 5): 5 or more per 100 cases → 0 | 10 |
 * | `satisfaction` 满意度 | mean rating level (1–5) | (value − 1) / 4 | 10 |
 *
 * score = 100 × Σ(weight × sub-score) / Σ(weight), both sums over the components that HAVE a
 * value (a component without data — no promised clock stopped, no open case, nothing received,
 * no rating — is left out and the other weights are rescaled, so a unit is neither rewarded nor
 * punished for an empty denominator). Rounded to 2 decimals; null when no component has data.
 */
export const EFFICIENCY_WEIGHTS: Readonly<Record<ScoreComponentName, number>> = {
  onTimePromised: 30,
  speed: 20,
  overdueNow: 15,
  escalations: 15,
  complaints: 10,
  satisfaction: 10,
};

/** Escalations per 100 cases at which the escalation sub-score reaches 0. */
export const ESCALATIONS_PER_100_AT_ZERO = 10;
/** Complaints per 100 cases at which the complaint sub-score reaches 0. */
export const COMPLAINTS_PER_100_AT_ZERO = 5;

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

export interface StatsServiceDeps {
  /** The platform's models (their connection is used) … */
  models?: Pick<Models, 'ServiceCase'>;
  /** … or a mongoose connection. */
  connection?: Connection;
  /** Counting calendar; default `WorkingCalendar.official()`. */
  calendar?: WorkingCalendar;
  /**
   * The calendar in force (official tables plus the city office's overrides), asked once per
   * report — e.g. `() => supervision.currentCalendar()`. Takes precedence over `calendar`.
   */
  currentCalendar?: () => Promise<WorkingCalendar>;
  /** Time source for "overdue now"; default the system clock. */
  clock?: { now(): Date };
  /** Cursor batch size (documents per round trip). Default 5000. */
  batchSize?: number;
  /** Events (clocks …) read ahead of their case that may wait in memory before their readers pause. Default 200 000. */
  pendingLimit?: number;
  /** Day rollups (engine/stats/rollups.ts); reports they can answer read them instead of scanning. */
  rollups?: StatsRollups;
}


// ------------------------------------------------------------------ helpers

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

function cstIso(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString();
}

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const ratio = (a: number, b: number): number | null => (b > 0 ? r4(a / b) : null);

function limitStats(l: LimitAcc): LimitStats {
  const stopped = l.early + l.onTime + l.late;
  return { stopped, early: l.early, onTime: l.onTime, late: l.late, onTimeRate: ratio(l.early + l.onTime, stopped), running: l.running, paused: l.paused, overdueNow: l.overdueNow };
}

function ratingStats(levels: Acc['levels']): RatingStats {
  const count = levels[1] + levels[2] + levels[3] + levels[4] + levels[5];
  const sum = levels[1] + 2 * levels[2] + 3 * levels[3] + 4 * levels[4] + 5 * levels[5];
  return { count, levels: [0, levels[1], levels[2], levels[3], levels[4], levels[5]], average: count ? r2(sum / count) : null, satisfiedRate: ratio(levels[4] + levels[5], count) };
}

type Lookups = {
  orgs: Map<string, { shortName?: string; name?: string; seq: number; level?: string }>;
  windows: Map<string, { name?: string; orgUnit?: string; no?: number; department?: string; departmentName?: string; status?: string }>;
  items: Map<string, string>;
  people: Map<string, string>;
};

/** Group key of a case (or an event) for a dimension; undefined = cannot be placed. */
type KeyFn = (doc: Doc, at: number | undefined) => string | undefined;

function periodKey(dimension: 'year' | 'month' | 'day', at: number | undefined): string | undefined {
  if (at === undefined || Number.isNaN(at)) return undefined;
  const iso = cstIso(at);
  return dimension === 'year' ? iso.slice(0, 4) : dimension === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const ms = (v: unknown): number | undefined => (v instanceof Date ? v.getTime() : undefined);

// ------------------------------------------------------------------ the service

/**
 * Statistics over `service_cases`, `clocks`, `escalations`, `complaints` and `ratings` (the
 * last two count 0 when the collections do not exist). Read-only; safe to call concurrently.
 *
 * Throws `ValidationError` (INVALID_DIMENSION, INVALID_PERIOD, INVALID_FILTER) for bad input;
 * database errors pass through.
 */
/** Changed cases a report brings into the rollups before it reads them (the worker refreshes the rest). */
const REPORT_REFRESH_LIMIT = 2000;

export class StatsService {
  private readonly connection: Connection;
  private readonly calendar: WorkingCalendar;
  private readonly currentCalendar?: () => Promise<WorkingCalendar>;
  private readonly clock: { now(): Date };
  private readonly batchSize: number;
  private readonly pendingLimit: number;
  private counterCache?: { calendar: WorkingCalendar; counter: WorkingDayCounter };

  constructor(deps: StatsServiceDeps) {
    const conn = deps.connection ?? deps.models?.ServiceCase.db;
    if (!conn) throw new ValidationError('STATS_NO_CONNECTION', 'StatsService needs models or a connection');
    this.connection = conn;
    this.calendar = deps.calendar ?? WorkingCalendar.official();
    this.currentCalendar = deps.currentCalendar;
    this.clock = deps.clock ?? { now: () => new Date() };
    this.batchSize = deps.batchSize ?? 5000;
    this.pendingLimit = deps.pendingLimit ?? 200_000;
    this.rollups = deps.rollups;
  }

  private readonly rollups?: StatsRollups;

  /**
   * The report from the day rollups, or undefined when they cannot answer it (a window,
   * department, item or person filter, or a period that does not start and end at CST midnight).
   */
  private async fromRollups(dimension: StatsDimension, filter: StatsFilter, now: Date, started: number): Promise<{ report: StatsReport; lookups: Lookups } | undefined> {
    const r = this.rollups!;
    if (filter.windowId || filter.department || filter.itemCode || filter.responsible) return undefined;
    const dayOf = (d: Date) => cstIso(d.getTime()).slice(0, 10);
    const midnight = (d?: Date) => !d || cstStartOfDay(dayOf(d)).getTime() === d.getTime();
    if (!midnight(filter.from) || !midnight(filter.to)) return undefined;
    // whole months from the month buckets, the days around them (and every day for a report by day) from the day buckets
    const nextDay = (d: string) => dayOf(new Date(cstStartOfDay(d).getTime() + 36 * 3600_000));
    const units = filter.orgUnit ? [filter.orgUnit] : (await this.db.collection<Doc>('org_units').find({}, { projection: { _id: 1 } }).toArray()).map((u) => String(u._id));
    // read-your-writes for the buckets this report reads (its centres and days), at most
    // REPORT_REFRESH_LIMIT changed cases: after a bulk import the worker catches up on the rest,
    // and the report says how many changes it does not count yet (meta.pendingChanges)
    const refreshed = await r.refreshDirty(REPORT_REFRESH_LIMIT, { units, fromDay: filter.from ? dayOf(filter.from) : undefined, toDay: filter.to ? dayOf(new Date(filter.to.getTime() - 1)) : undefined });
    const pendingChanges = refreshed < REPORT_REFRESH_LIMIT ? 0 : await r.pendingCount({ units, fromDay: filter.from ? dayOf(filter.from) : undefined, toDay: filter.to ? dayOf(new Date(filter.to.getTime() - 1)) : undefined });
    // no end: nothing is received after now, so the current year (month for a report by month) can be read whole
    const today = dayOf(now);
    const lastDay = filter.to ? dayOf(new Date(filter.to.getTime() - 1)) : dimension === 'day' ? today : dimension === 'month' ? daysOfMonth(today.slice(0, 7)).pop()! : `${today.slice(0, 4)}-12-31`;
    let buckets: Bucket[] = [];
    // no start: from the first day any case was received (kept by the rollups)
    const first = filter.from ? undefined : await r.firstDay();
    const firstDay = filter.from ? dayOf(filter.from) : first ? (dimension === 'day' ? first : dimension === 'month' ? `${first.slice(0, 7)}-01` : `${first.slice(0, 4)}-01-01`) : undefined;
    if (firstDay) {
      const days: string[] = [];
      const months: string[] = [];
      const years: string[] = [];
      for (let d = firstDay; d <= lastDay; ) {
        const monthEnd = daysOfMonth(d.slice(0, 7)).pop()!;
        const yearEnd = `${d.slice(0, 4)}-12-31`;
        if (dimension !== 'day' && dimension !== 'month' && d.endsWith('-01-01') && yearEnd <= lastDay) {
          years.push(d.slice(0, 4));
          d = nextDay(yearEnd);
        } else if (dimension !== 'day' && d.endsWith('-01') && monthEnd <= lastDay) {
          months.push(d.slice(0, 7));
          d = nextDay(monthEnd);
        } else {
          days.push(d);
          d = nextDay(d);
        }
      }
      buckets.push(...(await r.readYears(units, years)), ...(await r.readMonths(units, months)), ...(await r.read(units, days)));
    }
    const groups = new Map<string, Acc>();
    const total = newAcc('all');
    const rowKey = (b: Bucket): string | undefined =>
      dimension === 'town' ? b.orgUnit : dimension === 'year' ? b.day.slice(0, 4) : dimension === 'month' ? b.day.slice(0, 7) : dimension === 'day' ? b.day : dimension === 'all' ? 'all' : undefined;
    const row = (key: string, orgUnit: string) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = newAcc(key)));
      if (g.orgUnit === undefined) g.orgUnit = orgUnit;
      return g;
    };
    const nowMs = now.getTime();
    let estimated = 0;
    let cases = 0;
    const names = new Map<string, string>();
    for (const b of buckets) {
      cases += b.cases;
      estimated += b.estimated;
      mergeAcc(total, b.all);
      for (const n of b.itemNames) names.set(n.code, n.name);
      const k = rowKey(b);
      if (k !== undefined) mergeAcc(row(k, b.orgUnit), b.all);
      else for (const a of b.rows[dimension as RowDimension] ?? []) mergeAcc(row(a.key, b.orgUnit), a);
      // events that name no case, counted where the scan counts them (see looseRow): total only
      // for 'all', by the event's centre or day for town and periods, by its window or person
      if (dimension === 'all') mergeAcc(total, b.loose.all);
      else if (k !== undefined) {
        mergeAcc(total, b.loose.all);
        mergeAcc(row(k, b.orgUnit), b.loose.all);
      } else if (dimension === 'window' || dimension === 'person') {
        for (const a of b.loose[dimension]) {
          mergeAcc(total, a);
          mergeAcc(row(a.key, b.orgUnit), a);
        }
      }
      for (const e of b.due) {
        if (e.at >= nowMs) continue;
        total[e.kind].overdueNow++;
        const rk = k ?? (dimension === 'window' ? e.w : dimension === 'department' ? e.d : dimension === 'item' ? e.i : e.p);
        if (rk !== undefined) row(rk, b.orgUnit)[e.kind].overdueNow++;
      }
    }
    if (dimension === 'item') for (const g of groups.values()) g.labelHint = names.get(g.key);
    const list = [...groups.values()];
    const lookups = await this.lookups(dimension === 'person' ? 'all' : dimension, []);
    if (dimension === 'person' && list.length) lookups.people = (await this.lookups('person', list.map((g) => g.key))).people;
    const rows = list.map((g) => this.toRow(g, dimension, lookups));
    sortRows(rows, dimension, lookups);
    const report: StatsReport = {
      dimension,
      filter: { ...filter },
      now,
      rows,
      total: this.toRow(total, 'all', lookups),
      meta: { casesScanned: cases, clocksMatched: 0, estimatedHandlingTimes: estimated, elapsedMs: Date.now() - started, source: 'rollup', bucketsRead: buckets.length, ...(pendingChanges ? { pendingChanges } : {}) },
    };
    return { report, lookups };
  }

  private get db(): Db {
    const db = this.connection.db;
    if (!db) throw new Error('StatsService: the mongoose connection is not open');
    return db as unknown as Db;
  }

  /** The day counter of the calendar in force (rebuilt only when the calendar changes). */
  private async counter(): Promise<WorkingDayCounter> {
    const calendar = this.currentCalendar ? await this.currentCalendar() : this.calendar;
    if (this.counterCache?.calendar !== calendar) this.counterCache = { calendar, counter: new WorkingDayCounter(calendar) };
    return this.counterCache.counter;
  }

  /** Report grouped by org unit (the city centre and the 19 towns). */
  byTown(filter: StatsFilter = {}, opts?: { now?: Date }) {
    return this.report('town', filter, opts);
  }
  /** Report grouped by receiving window. */
  byWindow(filter: StatsFilter = {}, opts?: { now?: Date }) {
    return this.report('window', filter, opts);
  }
  /** Report grouped by department. */
  byDepartment(filter: StatsFilter = {}, opts?: { now?: Date }) {
    return this.report('department', filter, opts);
  }
  /** Report grouped by service item. */
  byItem(filter: StatsFilter = {}, opts?: { now?: Date }) {
    return this.report('item', filter, opts);
  }
  /** Report grouped by responsible person (首问负责人). */
  byPerson(filter: StatsFilter = {}, opts?: { now?: Date }) {
    return this.report('person', filter, opts);
  }
  /** Report grouped by CST year, month or day of receipt. */
  byPeriod(granularity: 'year' | 'month' | 'day', filter: StatsFilter = {}, opts?: { now?: Date }) {
    return this.report(granularity, filter, opts);
  }

  /**
   * The statistics of the cases received in `filter`'s period (see the module comment for the
   * cohort rule and the definitions), one row per group of `dimension`, plus the total.
   * Rows are ordered: towns by the catalogue order (city first), windows by town then window
   * number, persons by town then username, periods ascending, departments and items by key.
   */
  async report(dimension: StatsDimension, filter: StatsFilter = {}, opts: { now?: Date; source?: 'auto' | 'scan' } = {}): Promise<StatsReport> {
    return (await this.compute(dimension, filter, opts.now, opts.source)).report;
  }

  private async compute(dimension: StatsDimension, filter: StatsFilter, nowArg: Date | undefined, source: 'auto' | 'scan' = 'auto'): Promise<{ report: StatsReport; lookups: Lookups }> {
    const started = Date.now();
    if (!STATS_DIMENSIONS.includes(dimension)) throw new ValidationError('INVALID_DIMENSION', `dimension must be one of ${STATS_DIMENSIONS.join(', ')}`, { dimension });
    checkFilter(filter);
    const now = nowArg ?? this.clock.now();
    const nowMs = now.getTime();
    const fast = this.rollups && source !== 'scan' ? await this.fromRollups(dimension, filter, now, started) : undefined;
    if (fast) return fast;
    const db = this.db;
    const counter = await this.counter();

    const groups: Acc[] = [];
    const index = new Map<string, number>();
    const total = newAcc('all');
    const rowOf = (key: string): number => {
      let i = index.get(key);
      if (i === undefined) {
        i = groups.length;
        groups.push(newAcc(key));
        index.set(key, i);
      }
      return i;
    };

    // 1. cases (the cohort): case number → row
    const caseKey: KeyFn = caseKeyFn(dimension);
    const caseRow = new Map<string, number>();
    const caseQuery: Filter<Doc> = { status: { $ne: 'void' } };
    if (filter.from || filter.to) caseQuery.receivedAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    if (filter.orgUnit) caseQuery.orgUnit = filter.orgUnit;
    if (filter.windowId) caseQuery.receivingWindow = filter.windowId;
    if (filter.department) caseQuery.department = filter.department;
    if (filter.itemCode) caseQuery.itemCode = filter.itemCode;
    if (filter.responsible) caseQuery.responsible = filter.responsible;
    let casesScanned = 0;

    // The other collections are read AT THE SAME TIME as the cases (the reads overlap on the
    // server's cores: two in parallel take about half the time).
    // An event whose case has not been read yet waits in `pending` until it is; when more than
    // `pendingLimit` wait, their readers pause until the case scan ends (bounded memory). Once
    // the cases are all read, an event of an unknown case is simply not in the report.
    let casesDone = false;
    let markCasesDone!: () => void;
    const casesDonePromise = new Promise<void>((resolve) => (markCasesDone = resolve));
    const pending = new Map<string, Array<(row: number) => void>>();
    let pendingCount = 0;
    /** Applies `apply` to the row of `caseNo` now or once the case is read; true = the caller should wait. */
    const join = (caseNo: string, apply: (row: number) => void): boolean => {
      const i = caseRow.get(caseNo);
      if (i !== undefined) {
        apply(i);
        return false;
      }
      if (casesDone) return false;
      const list = pending.get(caseNo);
      if (list) list.push(apply);
      else pending.set(caseNo, [apply]);
      return ++pendingCount > this.pendingLimit;
    };
    const casePass = async () => {
      try {
        const cases = db.collection<Doc>('service_cases').find(caseQuery, {
          projection: { _id: 1, itemCode: 1, itemName: 1, department: 1, orgUnit: 1, receivingWindow: 1, responsible: 1, category: 1, status: 1, receivedAt: 1 },
          batchSize: this.batchSize,
        });
        for await (const c of cases) {
          casesScanned++;
          const i = rowOf(caseKey(c, ms(c.receivedAt)) ?? '(none)');
          const g = groups[i];
          if (g.orgUnit === undefined && typeof c.orgUnit === 'string') g.orgUnit = c.orgUnit;
          if (g.labelHint === undefined && dimension === 'item' && typeof c.itemName === 'string') g.labelHint = c.itemName;
          const caseNo = String(c._id);
          caseRow.set(caseNo, i);
          for (const a of [g, total]) {
            a.received++;
            if (c.status === 'completed') a.completed++;
            else if (c.status === 'rejected') a.rejected++;
            else if (OPEN_STATUSES.has(c.status)) a.open++;
            if (c.category === 'supplement') a.supplement++;
          }
          const waiting = pending.get(caseNo);
          if (waiting) {
            pending.delete(caseNo);
            pendingCount -= waiting.length;
            for (const apply of waiting) apply(i);
          }
        }
      } finally {
        casesDone = true;
        pending.clear();
        pendingCount = 0;
        markCasesDone();
      }
    };

    // 2. clocks, escalations, complaints, ratings — read with the cases; each joins on the case number
    const fromMs = filter.from?.getTime();
    const toMs = filter.to?.getTime();
    const inPeriod = (at: number | undefined) => at !== undefined && (fromMs === undefined || at >= fromMs) && (toMs === undefined || at < toMs);
    const sinceFrom = (field: string): Filter<Doc> => (filter.from ? { [field]: { $gte: filter.from } } : {});
    const looseAllowed = !filter.department && !filter.itemCode && dimension !== 'department' && dimension !== 'item';
    /** The row of an event that names no case, or undefined when it cannot be placed. */
    const looseRow = (doc: Doc, at: number | undefined, fields: { orgUnit: string; windowId: string; person: string }): Acc | null | undefined => {
      if (!looseAllowed || !inPeriod(at)) return undefined;
      const org = str(doc[fields.orgUnit]);
      const win = str(doc[fields.windowId]);
      const person = str(doc[fields.person]);
      if (filter.orgUnit && org !== filter.orgUnit) return undefined;
      if (filter.windowId && win !== filter.windowId) return undefined;
      if (filter.responsible && person !== filter.responsible) return undefined;
      let key: string | undefined;
      switch (dimension) {
        case 'town':
          key = org;
          break;
        case 'window':
          key = win;
          break;
        case 'person':
          key = person;
          break;
        case 'year':
        case 'month':
        case 'day':
          key = periodKey(dimension, at);
          break;
        case 'all':
          return null; // total only
      }
      if (!key) return undefined;
      const g = groups[rowOf(key)];
      if (g.orgUnit === undefined && org) g.orgUnit = org;
      return g;
    };

    let clocksMatched = 0;
    let estimated = 0;
    const clockQuery: Filter<Doc> = { kind: { $in: ['statutory', 'promised'] }, ...sinceFrom('startedAt') };
    // A clock carries its case's org unit (CaseService sets it at acceptance): a town's report
    // need not ship the other towns' clocks.
    if (filter.orgUnit) clockQuery.orgUnit = filter.orgUnit;
    const clockPass = async () => {
      const cur = db.collection<Doc>('clocks').find(clockQuery, {
        projection: { _id: 1, caseNo: 1, kind: 1, status: 1, startedAt: 1, stoppedAt: 1, dueAt: 1, result: 1, budget: 1 },
        batchSize: this.batchSize,
      });
      for await (const k of cur) {
        const caseNo = str(k.caseNo) ?? String(k._id).replace(/:(statutory|promised)$/, '');
        if (join(caseNo, (i) => applyClock(k, i))) await casesDonePromise;
      }
    };
    const applyClock = (k: Doc, i: number) => {
      clocksMatched++;
      if (addClock([groups[i], total], k, counter, nowMs)) estimated++;
    };

    const escalationPass = async () => {
      const cur = db.collection<Doc>('escalations').find(sinceFrom('raisedAt'), { projection: { _id: 1, caseNo: 1, orgUnit: 1, windowId: 1, responsible: 1, raisedAt: 1 }, batchSize: this.batchSize });
      for await (const e of cur) {
        const caseNo = str(e.caseNo);
        if (caseNo) {
          const count = (i: number) => {
            groups[i].escalations++;
            total.escalations++;
          };
          if (join(caseNo, count)) await casesDonePromise;
          continue;
        }
        const g = looseRow(e, ms(e.raisedAt), { orgUnit: 'orgUnit', windowId: 'windowId', person: 'responsible' });
        if (g === undefined) continue;
        if (g) g.escalations++;
        total.escalations++;
      }
    };

    const complaintPass = async () => {
      const cur = db.collection<Doc>('complaints').find(sinceFrom('createdAt'), { projection: { _id: 1, caseNo: 1, orgUnit: 1, windowId: 1, person: 1, createdAt: 1 }, batchSize: this.batchSize });
      for await (const c of cur) {
        const caseNo = str(c.caseNo);
        if (caseNo) {
          const count = (i: number) => {
            groups[i].complaints++;
            total.complaints++;
          };
          if (join(caseNo, count)) await casesDonePromise;
          continue;
        }
        const g = looseRow(c, ms(c.createdAt), { orgUnit: 'orgUnit', windowId: 'windowId', person: 'person' });
        if (g === undefined) continue;
        if (g) g.complaints++;
        total.complaints++;
      }
    };

    // 违规 (violations) name a window and person and mostly a case, but belong to the window's
    // conduct on the day they happened: counted like the events that name no case (looseRow)
    const violationPass = async () => {
      const cur = db.collection<Doc>('violations').find(sinceFrom('at'), { projection: { _id: 1, orgUnit: 1, windowId: 1, actor: 1, at: 1 }, batchSize: this.batchSize });
      for await (const v of cur) {
        const g = looseRow(v, ms(v.at), { orgUnit: 'orgUnit', windowId: 'windowId', person: 'actor' });
        if (g === undefined) continue;
        if (g) g.violations++;
        total.violations++;
      }
    };

    const ratingPass = async () => {
      const cur = db.collection<Doc>('ratings').find(sinceFrom('createdAt'), { projection: { _id: 1, caseNo: 1, level: 1 }, batchSize: this.batchSize });
      for await (const r of cur) {
        const level = Number(r.level);
        if (typeof r.caseNo !== 'string' || !Number.isInteger(level) || level < 1 || level > 5) continue;
        const count = (i: number) => {
          groups[i].levels[level]++;
          total.levels[level]++;
        };
        if (join(r.caseNo, count)) await casesDonePromise;
      }
    };

    const [lookups] = await Promise.all([this.lookups(dimension === 'person' ? 'all' : dimension, []), casePass(), clockPass(), escalationPass(), complaintPass(), violationPass(), ratingPass()]);
    caseRow.clear();
    if (dimension === 'person' && groups.length) lookups.people = (await this.lookups('person', groups.map((g) => g.key))).people;

    const rows = groups.map((g) => this.toRow(g, dimension, lookups));
    sortRows(rows, dimension, lookups);
    const totalRow = this.toRow(total, 'all', lookups);
    const report: StatsReport = {
      dimension,
      filter: { ...filter },
      now,
      rows,
      total: totalRow,
      meta: { casesScanned, clocksMatched, estimatedHandlingTimes: estimated, elapsedMs: Date.now() - started, source: 'scan' },
    };
    return { report, lookups };
  }

  /**
   * Efficiency ranking (效能排名) of the 19 towns (`level: 'town'`, the org units of level `town`;
   * the city centre is not ranked) or of the windows (`level: 'window'`, the active windows of
   * `filter.orgUnit`, or of every unit) over the cases of `filter`, by the score documented on
   * `EFFICIENCY_WEIGHTS`, each component shown with its value, sub-score and weight. Units with
   * no case are listed too (score null).
   *
   * Order (total, so the ranks are unique and repeatable):
   * 1. score, higher first (compared at its 2 shown decimals; null last);
   * 2. then the promised on-time rate, higher first (null last);
   * 3. then cases received, more first;
   * 4. then the catalogue order (`org_units.seq`; for windows, the unit's seq then window number);
   * 5. then the id.
   */
  async rank(filter: StatsFilter = {}, opts: { level?: 'town' | 'window'; now?: Date } = {}): Promise<Ranking> {
    const level = opts.level ?? 'town';
    const { report, lookups } = await this.compute(level, filter, opts.now);
    const byKey = new Map(report.rows.map((r) => [r.key, r]));
    let keys: string[];
    if (level === 'town') {
      keys = [...lookups.orgs.entries()].filter(([, o]) => o.level === 'town').map(([k]) => k);
      if (!keys.length) keys = report.rows.map((r) => r.key).filter((k) => k !== 'city');
    } else {
      keys = [...lookups.windows.entries()].filter(([, w]) => (w.status ?? 'active') === 'active' && (!filter.orgUnit || w.orgUnit === filter.orgUnit)).map(([k]) => k);
      for (const r of report.rows) if (!keys.includes(r.key) && r.key !== '(none)') keys.push(r.key);
    }
    const rows: RankingRow[] = keys.map((key) => {
      const stats = byKey.get(key) ?? this.toRow(newAcc(key), level, lookups);
      const components = scoreComponents(stats);
      const orgUnit = level === 'window' ? (lookups.windows.get(key)?.orgUnit ?? stats.orgUnit) : stats.orgUnit;
      const orgUnitName = level === 'window' && orgUnit ? lookups.orgs.get(orgUnit)?.shortName : undefined;
      return { rank: 0, key, label: stats.label, orgUnit, ...(orgUnitName ? { orgUnitName } : {}), score: efficiencyScore(components), components, stats };
    });
    const seq = (r: RankingRow): [number, number] => {
      if (level === 'town') return [lookups.orgs.get(r.key)?.seq ?? 999, 0];
      const w = lookups.windows.get(r.key);
      return [lookups.orgs.get(w?.orgUnit ?? r.orgUnit ?? '')?.seq ?? 999, w?.no ?? 999];
    };
    const desc = (a: number | null, b: number | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : b - a);
    rows.sort((a, b) => {
      const sa = a.score === null ? null : Math.round(a.score * 100);
      const sb = b.score === null ? null : Math.round(b.score * 100);
      return (
        desc(sa, sb) ||
        desc(a.stats.promised.onTimeRate, b.stats.promised.onTimeRate) ||
        b.stats.received - a.stats.received ||
        seq(a)[0] - seq(b)[0] ||
        seq(a)[1] - seq(b)[1] ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
      );
    });
    // a unit with no data is not ranked (the sort puts score null last): 无办件 instead of a number
    rows.forEach((r, i) => {
      if (r.score === null) {
        r.rank = null;
        r.unranked = NO_CASES;
      } else r.rank = i + 1;
    });
    return { level, filter: { ...filter }, now: report.now, weights: EFFICIENCY_WEIGHTS, rows };
  }

  /** Efficiency ranking of the 19 towns; see `rank`. */
  rankTowns(filter: StatsFilter = {}, opts: { now?: Date } = {}) {
    return this.rank(filter, { level: 'town', now: opts.now });
  }

  // ---------------------------------------------------------------- internals

  private toRow(a: Acc, dimension: StatsDimension, lookups: Lookups): StatsRow {
    let label = a.key;
    let orgUnit = a.orgUnit;
    switch (dimension) {
      case 'town':
        label = lookups.orgs.get(a.key)?.shortName ?? a.key;
        orgUnit = a.key;
        break;
      case 'window': {
        const w = lookups.windows.get(a.key);
        label = w?.name ?? a.key;
        orgUnit = w?.orgUnit ?? a.orgUnit;
        break;
      }
      case 'department':
        label = [...lookups.windows.values()].find((w) => w.department === a.key && w.departmentName)?.departmentName ?? a.key;
        break;
      case 'item':
        label = a.labelHint ?? lookups.items.get(a.key) ?? a.key;
        break;
      case 'person':
        label = lookups.people.get(a.key) ?? a.key;
        break;
      case 'all':
        label = '合计';
        break;
    }
    const orgName = orgUnit ? lookups.orgs.get(orgUnit)?.shortName : undefined;
    return {
      key: a.key,
      label,
      ...(dimension === 'window' || dimension === 'person' ? { orgUnit, orgUnitName: orgName } : {}),
      received: a.received,
      completed: a.completed,
      rejected: a.rejected,
      open: a.open,
      supplement: a.supplement,
      supplementRate: ratio(a.supplement, a.received),
      rejectionRate: ratio(a.rejected, a.received),
      statutory: limitStats(a.statutory),
      promised: limitStats(a.promised),
      handled: a.handled,
      avgWorkingDays: a.handled ? r2(a.daysSum / a.handled) : null,
      avgPromisedUse: a.promisedUseN ? r4(a.promisedUseSum / a.promisedUseN) : null,
      escalations: a.escalations,
      complaints: a.complaints,
      violations: a.violations,
      ratings: ratingStats(a.levels),
    };
  }

  /** Names for the rows; small collections, read whole (FerretDB pushes no `$in` down anyway). */
  private async lookups(dimension: StatsDimension, keys: string[]): Promise<Lookups> {
    const db = this.db;
    const orgs: Lookups['orgs'] = new Map();
    const windows: Lookups['windows'] = new Map();
    const items: Lookups['items'] = new Map();
    const people: Lookups['people'] = new Map();
    const tasks: Promise<void>[] = [
      (async () => {
        for await (const o of db.collection<Doc>('org_units').find({}, { projection: { _id: 1, shortName: 1, name: 1, seq: 1, level: 1 } })) {
          orgs.set(String(o._id), { shortName: o.shortName, name: o.name, seq: typeof o.seq === 'number' ? o.seq : 99, level: o.level });
        }
      })(),
    ];
    if (dimension === 'window' || dimension === 'department') {
      tasks.push(
        (async () => {
          for await (const w of db.collection<Doc>('windows').find({}, { projection: { _id: 1, name: 1, orgUnit: 1, no: 1, department: 1, departmentName: 1, status: 1 } })) {
            windows.set(String(w._id), { name: w.name, orgUnit: w.orgUnit, no: w.no, department: w.department, departmentName: w.departmentName, status: w.status });
          }
        })(),
      );
    }
    if (dimension === 'item') {
      tasks.push(
        (async () => {
          for await (const it of db.collection<Doc>('service_items').find({}, { projection: { _id: 1, name: 1 } })) items.set(String(it._id), String(it.name ?? it._id));
        })(),
      );
    }
    if (dimension === 'person' && keys.length) {
      tasks.push(
        (async () => {
          for await (const u of db.collection<Doc>('users').find({ _id: { $in: keys } }, { projection: { _id: 1, displayName: 1 } })) {
            people.set(String(u._id), String(u.displayName ?? u._id));
          }
        })(),
      );
    }
    await Promise.all(tasks);
    return { orgs, windows, items, people };
  }
}

function checkFilter(f: StatsFilter): void {
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

function caseKeyFn(dimension: StatsDimension): KeyFn {
  switch (dimension) {
    case 'town':
      return (c) => str(c.orgUnit);
    case 'window':
      return (c) => str(c.receivingWindow);
    case 'department':
      return (c) => str(c.department);
    case 'item':
      return (c) => str(c.itemCode);
    case 'person':
      return (c) => str(c.responsible);
    case 'year':
    case 'month':
    case 'day':
      return (_c, at) => periodKey(dimension, at);
    case 'all':
      return () => 'all';
  }
}

function sortRows(rows: StatsRow[], dimension: StatsDimension, lookups: Lookups): void {
  const seqOf = (org?: string) => (org ? (lookups.orgs.get(org)?.seq ?? 999) : 999);
  const byKey = (a: StatsRow, b: StatsRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  switch (dimension) {
    case 'town':
      rows.sort((a, b) => seqOf(a.key) - seqOf(b.key) || byKey(a, b));
      break;
    case 'window':
      rows.sort((a, b) => seqOf(a.orgUnit) - seqOf(b.orgUnit) || (lookups.windows.get(a.key)?.no ?? 999) - (lookups.windows.get(b.key)?.no ?? 999) || byKey(a, b));
      break;
    case 'person':
      rows.sort((a, b) => seqOf(a.orgUnit) - seqOf(b.orgUnit) || byKey(a, b));
      break;
    default:
      rows.sort(byKey);
  }
}

/** The six components of a row's efficiency score (see `EFFICIENCY_WEIGHTS`). */
export function scoreComponents(s: StatsRow): Record<ScoreComponentName, ScoreComponent> {
  const comp = (name: ScoreComponentName, value: number | null, score: (v: number) => number): ScoreComponent => ({
    value: value === null ? null : r4(value),
    score: value === null ? null : r4(Math.min(1, Math.max(0, score(value)))),
    weight: EFFICIENCY_WEIGHTS[name],
  });
  const p = s.promised;
  const onTime = p.stopped ? (p.early + p.onTime) / p.stopped : null;
  return {
    onTimePromised: comp('onTimePromised', onTime, (v) => v),
    speed: comp('speed', s.avgPromisedUse, (v) => 1 - v / 2),
    overdueNow: comp('overdueNow', s.open ? Math.min(1, p.overdueNow / s.open) : null, (v) => 1 - v),
    escalations: comp('escalations', s.received ? (100 * s.escalations) / s.received : null, (v) => 1 - v / ESCALATIONS_PER_100_AT_ZERO),
    complaints: comp('complaints', s.received ? (100 * s.complaints) / s.received : null, (v) => 1 - v / COMPLAINTS_PER_100_AT_ZERO),
    satisfaction: comp('satisfaction', s.ratings.count ? (1 * s.ratings.levels[1] + 2 * s.ratings.levels[2] + 3 * s.ratings.levels[3] + 4 * s.ratings.levels[4] + 5 * s.ratings.levels[5]) / s.ratings.count : null, (v) => (v - 1) / 4),
  };
}

/**
 * 100 × Σ(weight × sub-score) / Σ(weight) over the components with data, from the sub-scores
 * as shown (4 decimals), so anyone can recompute it from an export; 2 decimals; null if none.
 */
export function efficiencyScore(components: Record<ScoreComponentName, ScoreComponent>): number | null {
  let w = 0;
  let sum = 0;
  for (const c of Object.values(components)) {
    if (c.score === null) continue;
    w += c.weight;
    sum += c.weight * c.score;
  }
  return w ? r2((100 * sum) / w) : null;
}

// ------------------------------------------------------------------ CSV columns

const pct = (v: number | null): number | null => (v === null ? null : Math.round(v * 10_000) / 100);

/** Columns of a statistics export (Chinese headers; rates in per cent). */
export const STATS_CSV_COLUMNS: readonly CsvColumn<StatsRow>[] = [
  { header: '名称', value: (r) => r.label },
  { header: '编码', value: (r) => r.key },
  { header: '所属机构', value: (r) => r.orgUnitName ?? '' },
  { header: '收件数', value: (r) => r.received },
  { header: '办结数', value: (r) => r.completed },
  { header: '退回数', value: (r) => r.rejected },
  { header: '在办数', value: (r) => r.open },
  { header: '补正件数', value: (r) => r.supplement },
  { header: '补正率(%)', value: (r) => pct(r.supplementRate) },
  { header: '退回率(%)', value: (r) => pct(r.rejectionRate) },
  { header: '法定时限-提前办结', value: (r) => r.statutory.early },
  { header: '法定时限-按时办结', value: (r) => r.statutory.onTime },
  { header: '法定时限-超期办结', value: (r) => r.statutory.late },
  { header: '法定时限-按时率(%)', value: (r) => pct(r.statutory.onTimeRate) },
  { header: '法定时限-当前超期', value: (r) => r.statutory.overdueNow },
  { header: '承诺时限-提前办结', value: (r) => r.promised.early },
  { header: '承诺时限-按时办结', value: (r) => r.promised.onTime },
  { header: '承诺时限-超期办结', value: (r) => r.promised.late },
  { header: '承诺时限-按时率(%)', value: (r) => pct(r.promised.onTimeRate) },
  { header: '承诺时限-当前超期', value: (r) => r.promised.overdueNow },
  { header: '平均办理用时(工作日)', value: (r) => r.avgWorkingDays },
  { header: '承诺时限用时比', value: (r) => r.avgPromisedUse },
  { header: '督办数', value: (r) => r.escalations },
  { header: '投诉数', value: (r) => r.complaints },
  { header: '违规数', value: (r) => r.violations },
  { header: '评价数', value: (r) => r.ratings.count },
  { header: '非常满意', value: (r) => r.ratings.levels[5] },
  { header: '满意', value: (r) => r.ratings.levels[4] },
  { header: '基本满意', value: (r) => r.ratings.levels[3] },
  { header: '不满意', value: (r) => r.ratings.levels[2] },
  { header: '非常不满意', value: (r) => r.ratings.levels[1] },
  { header: '平均评分', value: (r) => r.ratings.average },
  { header: '满意率(%)', value: (r) => pct(r.ratings.satisfiedRate) },
];

/** What the rank of a unit without data says. */
export const NO_CASES = '无办件';

/** Columns of a ranking export: each component's value and sub-score (in points of 100). */
export const RANKING_CSV_COLUMNS: readonly CsvColumn<RankingRow>[] = [
  { header: '排名', value: (r) => r.rank ?? r.unranked ?? NO_CASES },
  { header: '名称', value: (r) => r.label },
  { header: '所属机构', value: (r) => r.orgUnitName ?? '' },
  { header: '编码', value: (r) => r.key },
  { header: '综合得分', value: (r) => r.score },
  { header: '收件数', value: (r) => r.stats.received },
  { header: '承诺时限按时率(%)', value: (r) => pct(r.components.onTimePromised.value) },
  { header: '按时率得分', value: (r) => pct(r.components.onTimePromised.score) },
  { header: '承诺时限用时比', value: (r) => r.components.speed.value },
  { header: '用时得分', value: (r) => pct(r.components.speed.score) },
  { header: '当前超期占比(%)', value: (r) => pct(r.components.overdueNow.value) },
  { header: '超期得分', value: (r) => pct(r.components.overdueNow.score) },
  { header: '每百件督办数', value: (r) => r.components.escalations.value },
  { header: '督办得分', value: (r) => pct(r.components.escalations.score) },
  { header: '每百件投诉数', value: (r) => r.components.complaints.value },
  { header: '投诉得分', value: (r) => pct(r.components.complaints.score) },
  { header: '平均满意度(1-5)', value: (r) => r.components.satisfaction.value },
  { header: '满意度得分', value: (r) => pct(r.components.satisfaction.score) },
  { header: '平均办理用时(工作日)', value: (r) => r.stats.avgWorkingDays },
];
