/**
 * Statistics and rankings (统计与排名, issue #4): the facade `StatsService` — per town, window,
 * department, item, person and period, and the efficiency ranking of towns and windows. What a
 * report counts (the cohort rule, the definitions) is documented with its shapes in
 * report-types.ts; the work is done by one file per responsibility:
 *
 * | what | file |
 * |---|---|
 * | report, row and ranking shapes; the cohort rule and definitions | `report-types.ts` |
 * | CST periods (`periodOfDays`, `periodOfMonth`), period keys, the filter check | `period.ts` |
 * | the streamed scan of the sources, joined by case number | `scan-report.ts` |
 * | the read of the day / month / year rollups | `rollup-report.ts` (buckets kept by `rollups.ts`) |
 * | rows from accumulators, their labels and order | `report-rows.ts` (accumulation: `accumulator.ts`) |
 * | the efficiency score and the ranking | `scores.ts`, `ranking.ts` |
 * | spreadsheet layouts | `export-columns.ts` |
 */
import type { Connection } from 'mongoose';
import type { Db } from 'mongodb';
import { ValidationError } from '../domain/errors';
import { WorkingCalendar } from '../calendar/working-calendar';
import type { Models } from '../persistence/models';
import { WorkingDayCounter } from './working-day-counter';
import { checkFilter, dayReportPeriod } from './period';
import { rankUnits } from './ranking';
import { STATS_DIMENSIONS, type StatsComputed, type Ranking, type StatsDimension, type StatsFilter, type StatsReport } from './report-types';
import { rollupReport } from './rollup-report';
import type { StatsRollups } from './rollups';
import { scanReport } from './scan-report';

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

/**
 * Statistics over `service_cases`, `clocks`, `escalations`, `complaints` and `ratings` (the
 * last two count 0 when the collections do not exist), from the rollups when they can answer,
 * else by the scan. Read-only; safe to call concurrently.
 *
 * Throws `ValidationError` (INVALID_DIMENSION, INVALID_PERIOD, INVALID_FILTER) for bad input;
 * database errors pass through.
 */
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

  private async compute(dimension: StatsDimension, filter: StatsFilter, nowArg: Date | undefined, source: 'auto' | 'scan' = 'auto'): Promise<StatsComputed> {
    const started = Date.now();
    if (!STATS_DIMENSIONS.includes(dimension)) throw new ValidationError('INVALID_DIMENSION', `dimension must be one of ${STATS_DIMENSIONS.join(', ')}`, { dimension });
    checkFilter(filter);
    const now = nowArg ?? this.clock.now();
    if (dimension === 'day') filter = dayReportPeriod(filter, now);
    const fast = this.rollups && source !== 'scan' ? await rollupReport(this.db, this.rollups, dimension, filter, now, started) : undefined;
    if (fast) return fast;
    return scanReport(this.db, await this.counter(), dimension, filter, now, started, { batchSize: this.batchSize, pendingLimit: this.pendingLimit });
  }

  /** Efficiency ranking (效能排名) of the towns or the windows over the cases of `filter`: see ranking.ts `rankUnits`. */
  async rank(filter: StatsFilter = {}, opts: { level?: 'town' | 'window'; now?: Date } = {}): Promise<Ranking> {
    const level = opts.level ?? 'town';
    return rankUnits(level, filter, await this.compute(level, filter, opts.now));
  }

  /** Efficiency ranking of the 19 towns; see `rank`. */
  rankTowns(filter: StatsFilter = {}, opts: { now?: Date } = {}) {
    return this.rank(filter, { level: 'town', now: opts.now });
  }
}
