/**
 * The counting calendar (计时日历) of the electronic supervision system (行政电子监察系统, issue #4):
 * which days are working days, and when a time limit (办理时限) counted in working days runs out.
 * Pure computation; the year tables come in as data (see `holiday-table.ts`).
 *
 * ## Rules adopted and their source
 *
 * 1. **Working day (工作日).** Monday to Friday, minus the statutory holidays of the year's
 *    State Council notice (国务院办公厅关于YYYY年部分节假日安排的通知, issued under
 *    《全国年节及纪念日放假办法》), plus the notice's make-up working days (调休上班日, a Saturday
 *    or Sunday). Saturday and Sunday are the weekly rest days of state organs
 *    (《国务院关于职工工作时间的规定》第七条).
 * 2. **Estimates say so.** The strict methods (`dayKind`, `isWorkingDay`, `addWorkingDays`,
 *    `deadlineFor`, …) throw `CalendarYearMissingError` (code `CALENDAR_YEAR_MISSING`) for a day
 *    in a year that has no table, even a plain Saturday: the next year's notice usually appears
 *    in November or December and may move any day. The lenient ones (`dayInfo`,
 *    `deadlineOrEstimate`, `workingDaysUsedOrEstimate`) count such a year by its estimated
 *    table (`estimated-table.ts`: the fixed statutory holidays of 《全国年节及纪念日放假办法》,
 *    lunar dates converted, 补假 for a holiday on a weekend, no 调休) and flag the result
 *    `estimated: true` with the `estimatedYears`; recompute once the year's table is entered.
 * 3. **Limits count working days, holidays excluded.** 《中华人民共和国行政许可法》第八十二条:
 *    "本法规定的行政机关实施行政许可的期限以工作日计算，不含法定节假日。"
 * 4. **The first day is not counted.** The period runs from acceptance (行政许可法 第四十二条
 *    "自受理行政许可申请之日起二十日内…") and, as for every period in days,
 *    《中华人民共和国民法典》第二百零一条: "按照年、月、日计算期间的，开始的当日不计入，
 *    自下一日开始计算。" So day 1 is the first working day AFTER the CST day of acceptance,
 *    whatever the time of acceptance and even if that day is a holiday or a 5+X Saturday.
 * 5. **The period ends at close of business.** 民法典 第二百零三条第二款: "期间的最后一日的
 *    截止时间为二十四时；有业务时间的，停止业务活动的时间为截止时间。" The deadline is the
 *    centre's closing time (`closeTime`, default 17:30 CST) on the `limitDays`-th working day.
 *    (第二百零三条第一款, a last day falling on a holiday moves to the next day, never applies:
 *    the last day is a working day by construction.)
 * 6. **Limit 0 (即办件, 当场/当日办结).** Due at close of business on the day of acceptance if it is a
 *    working day; if acceptance is on a non-working day, or at or after that day's close, due at
 *    close of the next working day.
 * 7. **补正 restarts the period** (`restartAfterSupplement`). 行政许可法 第三十二条第一款第（四）、
 *    （五）项: incomplete materials are notified all at once (一次告知), and the application is
 *    accepted when the applicant "按照本行政机关的要求提交全部补正申请材料". The 第四十二条 period
 *    runs from that acceptance, so it starts over with the FULL limit, counted (rule 4) from the
 *    day after the CST day on which the complete supplementary materials arrive — not the
 *    remainder of an earlier period. (If the office failed to notify within five days, 第三十二条
 *    deems the application accepted on receipt of the first materials; that case is decided
 *    by the caller, which then uses `deadlineFor` with the receipt time.)
 * 8. **Suspensions are not here.** Time for hearings, tendering, testing, inspection,
 *    quarantine, appraisal or expert review is not counted (行政许可法 第四十五条). The SLA clock
 *    (DESIGN.md §4) models that as a pause; `workingDaysUsed` gives the working days consumed by
 *    each running stretch for its ledger.
 * 9. **Time zone.** Days are CST (UTC+8, no DST) calendar days; a `Date` is converted to its CST
 *    day independently of the host's time zone (2025-01-01T16:30Z is 2025-01-02).
 *
 * Opening hours (when a centre's windows are open, "5+X" weekend service) are a separate
 * `OpeningCalendar` (`opening-calendar.ts`) and never change the counting above.
 */
import { BusinessRuleError, ValidationError } from '../domain/errors';
import { assertDay, cstDayOf, cstInstantAtMinute, dayFromNumber, dayNumber, isoWeekday, parseHHMM, yearOf, type Day } from './cst';
import { ESTIMABLE_YEARS, estimatedYearTable } from './estimated-table';
import { officialTables, validateYearTable, type YearTable, type YearTableStore } from './holiday-table';

/** Default close of business, CST. */
export const DEFAULT_CLOSE_TIME = '17:30';
/** Largest limit accepted, in working days (about ten years); guards against runaway loops. */
export const MAX_LIMIT_DAYS = 2500;

/** Thrown when a day falls in a year that has no holiday table. HTTP 422. */
export class CalendarYearMissingError extends BusinessRuleError {
  readonly year: number;
  constructor(year: number, day?: Day) {
    super(
      'CALENDAR_YEAR_MISSING',
      `No holiday table for ${year}${day ? ` (needed for ${day})` : ''}: working days cannot be counted until the city office enters the State Council holiday arrangement for ${year}. ` +
        `缺少${year}年节假日安排表，无法计算工作日：请市政管办录入国务院办公厅关于${year}年部分节假日安排的通知。`,
      day ? { year, day } : { year },
    );
    this.year = year;
  }
}

/** A deadline computed from complete year tables. */
export type Deadline = { dueAt: Date; dueDay: Day; estimated: false };
/**
 * A deadline counted, for the years that have no table, by their estimated tables (statutory
 * holidays without 调休); recompute once they have one. `estimatedYears` = `missingYears`.
 */
export type EstimatedDeadline = { dueAt: Date; dueDay: Day; estimated: true; reason: string; missingYears: number[]; estimatedYears: number[] };
/** One day as the lenient methods see it; `estimated` when its year has no table yet. */
export type DayInfo = { day: Day; kind: DayKind; working: boolean; estimated: boolean; label?: string };
/** Working days counted, possibly over estimated years. */
export type CountOrEstimate = { days: number; estimated: boolean; estimatedYears: number[] };

/** "预计，2027年放假安排尚未公布" — the words every estimated figure carries. */
export function estimateNote(years: number[]): string {
  return years.length ? `预计，${years.join('、')}年放假安排尚未公布` : '预计，放假安排尚未公布';
}
export type DeadlineOptions = { /** `'HH:MM'` CST, default `'17:30'`. */ closeTime?: string };

/** How a day is treated: workday (Mon–Fri), rest-day (Sat/Sun), holiday (in a notice block), make-up-workday (调休上班). */
export type DayKind = 'workday' | 'rest-day' | 'holiday' | 'make-up-workday';

type IndexedYear = { table: YearTable; holidays: Set<Day>; makeUp: Set<Day> };

function index(table: YearTable): IndexedYear {
  validateYearTable(table);
  const copy: YearTable = structuredClone(table);
  return { table: copy, holidays: new Set(copy.holidays), makeUp: new Set(copy.makeUpWorkdays) };
}

function checkLimit(limitDays: number): void {
  if (!Number.isInteger(limitDays) || limitDays < 0 || limitDays > MAX_LIMIT_DAYS) {
    throw new ValidationError('INVALID_TIME_LIMIT', `Time limit must be an integer number of working days from 0 to ${MAX_LIMIT_DAYS}, got ${limitDays} (办理时限应为0至${MAX_LIMIT_DAYS}的整数个工作日)`, { limitDays });
  }
}

type IsWorking = (day: Day) => boolean;

/** The n-th working day after `day` (n ≥ 1), or for n = 0 `day` itself if working, else the next. */
function nthWorkingDay(day: Day, n: number, isWorking: IsWorking): Day {
  let no = dayNumber(day);
  if (n === 0) {
    while (!isWorking(dayFromNumber(no))) no++;
    return dayFromNumber(no);
  }
  let left = n;
  while (left > 0) {
    no++;
    if (isWorking(dayFromNumber(no))) left--;
  }
  return dayFromNumber(no);
}

/**
 * Working-day calendar over a set of year tables. Immutable: `withYear` returns a new calendar.
 */
export class WorkingCalendar {
  private readonly tables: ReadonlyMap<number, IndexedYear>;
  /** Estimated tables of the years without one, made on first use. */
  private readonly estimates = new Map<number, IndexedYear>();

  /** @param tables year → table; each table's `year` must equal its key. */
  constructor(tables: ReadonlyMap<number, YearTable>) {
    const indexed = new Map<number, IndexedYear>();
    for (const [year, table] of tables) {
      if (table.year !== year) throw new ValidationError('INVALID_YEAR_TABLE', `Holiday table keyed ${year} is for ${table.year} (节假日安排表年份不符)`, { year });
      indexed.set(year, index(table));
    }
    this.tables = indexed;
  }

  /** The calendar of the official tables (`officialTables()`, from the chinese-days package). */
  static official(): WorkingCalendar {
    return new WorkingCalendar(officialTables());
  }

  /**
   * A calendar with `table` for its year if the year has no table yet or `table.version` is
   * HIGHER than the current one; otherwise this same calendar (an equal or older version never
   * replaces a table, so applying overrides in any order gives the same result).
   */
  withYear(table: YearTable): WorkingCalendar {
    validateYearTable(table);
    const current = this.tables.get(table.year);
    if (current && current.table.version >= table.version) return this;
    const next = new Map<number, YearTable>();
    for (const [year, t] of this.tables) next.set(year, t.table);
    next.set(table.year, table);
    return new WorkingCalendar(next);
  }

  /** `withYear` for each table. */
  withYears(tables: Iterable<YearTable>): WorkingCalendar {
    let cal: WorkingCalendar = this;
    for (const t of tables) cal = cal.withYear(t);
    return cal;
  }

  /** The years that have a table, ascending. */
  years(): number[] {
    return [...this.tables.keys()].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.tables.has(year);
  }

  /** A copy of the table in use for `year`, or undefined. */
  tableFor(year: number): YearTable | undefined {
    const t = this.tables.get(year);
    return t ? structuredClone(t.table) : undefined;
  }

  private yearIndex(day: Day): IndexedYear {
    const year = yearOf(day);
    const t = this.tables.get(year);
    if (!t) throw new CalendarYearMissingError(year, day);
    return t;
  }

  /** True when `year` has no table, so the lenient methods count it by its estimate. */
  isEstimated(year: number): boolean {
    return !this.tables.has(year);
  }

  /**
   * The table in use for `year` or, when it has none, its estimated table (flagged
   * `estimated: true`, version 0). @throws CalendarYearMissingError beyond the estimable years.
   */
  tableOrEstimate(year: number): YearTable & { estimated?: boolean } {
    return structuredClone(this.yearOrEstimate(year).table);
  }

  private yearOrEstimate(year: number): IndexedYear {
    const t = this.tables.get(year);
    if (t) return t;
    let e = this.estimates.get(year);
    if (!e) {
      if (year < ESTIMABLE_YEARS.from || year > ESTIMABLE_YEARS.to) throw new CalendarYearMissingError(year);
      const table = estimatedYearTable(year);
      e = { table, holidays: new Set(table.holidays), makeUp: new Set() };
      this.estimates.set(year, e);
    }
    return e;
  }

  /**
   * How `day` is treated, by its year's table or — when the year has none — its estimated
   * table (`estimated: true`). Never throws for a missing year within the estimable years.
   */
  dayInfo(day: Day): DayInfo {
    assertDay(day);
    const year = yearOf(day);
    const t = this.yearOrEstimate(year);
    const kind: DayKind = t.makeUp.has(day) ? 'make-up-workday' : t.holidays.has(day) ? 'holiday' : isoWeekday(day) <= 5 ? 'workday' : 'rest-day';
    const label = t.table.labels?.[day];
    return { day, kind, working: kind === 'workday' || kind === 'make-up-workday', estimated: !this.tables.has(year), ...(label ? { label } : {}) };
  }

  /** `workingDaysUsed`, counting years without a table by their estimate (flagged). */
  workingDaysUsedOrEstimate(startedAt: Date, at: Date): CountOrEstimate {
    if (at.getTime() <= startedAt.getTime()) return { days: 0, estimated: false, estimatedYears: [] };
    return this.workingDaysBetweenOrEstimate(cstDayOf(startedAt), cstDayOf(at), true);
  }

  /** `workingDaysBetween` (fromDay excluded, toDay included), counting years without a table by their estimate. */
  workingDaysBetweenOrEstimate(fromDay: Day, toDay: Day, clampAtZero = false): CountOrEstimate {
    const a = dayNumber(fromDay);
    const b = dayNumber(toDay);
    const years = new Set<number>();
    let count = 0;
    for (let no = a + 1; no <= b; no++) {
      const info = this.dayInfo(dayFromNumber(no));
      if (info.estimated) years.add(yearOf(info.day));
      if (info.working) count++;
    }
    if (b < a && !clampAtZero) {
      const r = this.workingDaysBetweenOrEstimate(toDay, fromDay);
      return { ...r, days: -r.days };
    }
    const estimatedYears = [...years].sort((x, y) => x - y);
    return { days: count, estimated: estimatedYears.length > 0, estimatedYears };
  }

  /** How `day` is treated. Throws `CalendarYearMissingError` for a year without a table. */
  dayKind(day: Day): DayKind {
    const t = this.yearIndex(day);
    if (t.makeUp.has(day)) return 'make-up-workday';
    if (t.holidays.has(day)) return 'holiday';
    return isoWeekday(day) <= 5 ? 'workday' : 'rest-day';
  }

  /**
   * Monday–Friday minus statutory holidays, plus make-up workdays.
   * @throws CalendarYearMissingError when `day`'s year has no table.
   */
  isWorkingDay(day: Day): boolean {
    const kind = this.dayKind(day);
    return kind === 'workday' || kind === 'make-up-workday';
  }

  private readonly strict: IsWorking = (day) => this.isWorkingDay(day);

  /**
   * The `n`-th working day after `day` (`day` itself never counts when n ≥ 1).
   * n = 0 → `day` itself if it is a working day, else the next working day.
   * So `workingDaysBetween(day, addWorkingDays(day, n)) === n` for n ≥ 1.
   */
  addWorkingDays(day: Day, n: number): Day {
    assertDay(day);
    checkLimit(n);
    return nthWorkingDay(day, n, this.strict);
  }

  /**
   * The number of working days in the half-open interval (fromDay, toDay]: `fromDay` excluded,
   * `toDay` included (the "first day not counted" rule). 0 when the days are equal; negative
   * (minus the count in (toDay, fromDay]) when `toDay` is before `fromDay`.
   */
  workingDaysBetween(fromDay: Day, toDay: Day): number {
    const a = dayNumber(fromDay);
    const b = dayNumber(toDay);
    if (b < a) return -this.workingDaysBetween(toDay, fromDay);
    let count = 0;
    for (let no = a + 1; no <= b; no++) if (this.isWorkingDay(dayFromNumber(no))) count++;
    return count;
  }

  private compute(acceptedAt: Date, limitDays: number, opts: DeadlineOptions | undefined, isWorking: IsWorking): { dueAt: Date; dueDay: Day } {
    checkLimit(limitDays);
    const close = parseHHMM(opts?.closeTime ?? DEFAULT_CLOSE_TIME);
    const acceptedDay = cstDayOf(acceptedAt);
    let dueDay = nthWorkingDay(acceptedDay, limitDays, isWorking);
    let dueAt = cstInstantAtMinute(dueDay, close);
    if (limitDays === 0 && dueAt.getTime() <= acceptedAt.getTime()) {
      dueDay = nthWorkingDay(dueDay, 1, isWorking);
      dueAt = cstInstantAtMinute(dueDay, close);
    }
    return { dueAt, dueDay };
  }

  /**
   * Deadline of a time limit of `limitDays` working days for an application accepted (受理) at
   * `acceptedAt`: close of business (`closeTime`, CST, default 17:30) on the `limitDays`-th
   * working day after the CST day of acceptance (rules 3–6 above).
   * @throws CalendarYearMissingError when a day to be counted lies in a year without a table.
   */
  deadlineFor(acceptedAt: Date, limitDays: number, opts?: DeadlineOptions): Deadline {
    const { dueAt, dueDay } = this.compute(acceptedAt, limitDays, opts, this.strict);
    return { dueAt, dueDay, estimated: false };
  }

  /**
   * `deadlineFor`, or — when some counted day lies in a year without a table — an estimate
   * counting those years by their estimated tables (statutory holidays and 补假, no 调休;
   * years with a table still use it), flagged `estimated: true` with the reason and the
   * estimated years. Recompute when the table arrives.
   */
  deadlineOrEstimate(acceptedAt: Date, limitDays: number, opts?: DeadlineOptions): Deadline | EstimatedDeadline {
    const missing = new Set<number>();
    const lenient: IsWorking = (day) => {
      const info = this.dayInfo(day);
      if (info.estimated) missing.add(yearOf(day));
      return info.working;
    };
    const { dueAt, dueDay } = this.compute(acceptedAt, limitDays, opts, lenient);
    if (missing.size === 0) return { dueAt, dueDay, estimated: false };
    const missingYears = [...missing].sort((a, b) => a - b);
    const ys = missingYears.join(', ');
    return {
      dueAt,
      dueDay,
      estimated: true,
      missingYears,
      estimatedYears: missingYears,
      reason:
        `Estimated: no holiday table for ${ys} yet; those days were counted with the statutory holidays of the national holiday regulations (lunar dates converted), without make-up working days. Recomputed once the table is entered. ` +
        `${estimateNote(missingYears)}：该年按《全国年节及纪念日放假办法》的法定节假日推算，未含调休；录入放假安排后重新计算。`,
    };
  }

  /**
   * Working days elapsed from the day after the CST day of `startedAt` up to and including
   * the CST day of `at` (a working day counts as used from its first minute). 0 on the start
   * day, and 0 if `at` is before `startedAt`. For the SLA clock's ledger: a stretch that ran
   * from `startedAt` to `at` used this many days of the limit; when `at` is the deadline day
   * of `deadlineFor(startedAt, n)`, the result is n.
   */
  workingDaysUsed(startedAt: Date, at: Date): number {
    if (at.getTime() <= startedAt.getTime()) return 0;
    return Math.max(0, this.workingDaysBetween(cstDayOf(startedAt), cstDayOf(at)));
  }

  /**
   * Deadline after 补正 (rule 7): the period runs anew, with the FULL `limitDays`, from the day
   * after the CST day on which the complete supplementary materials arrived
   * (行政许可法 第三十二条第一款第（五）项 acceptance on receipt of all the requested materials;
   * 第四十二条 period from acceptance; 第八十二条 working days; 民法典 第二百零一条 first day not
   * counted; 第二百零三条 ends at close of business). Equal to `deadlineFor(materialsArrivedAt, limitDays)`;
   * days used before the 补正 are NOT carried over.
   */
  restartAfterSupplement(materialsArrivedAt: Date, limitDays: number, opts?: DeadlineOptions): Deadline {
    return this.deadlineFor(materialsArrivedAt, limitDays, opts);
  }
}

/**
 * The calendar in force: the official tables with every stored override applied
 * (the highest version per year wins).
 */
export async function loadWorkingCalendar(store: YearTableStore, base: ReadonlyMap<number, YearTable> = officialTables()): Promise<WorkingCalendar> {
  const overrides = await store.listOverrides();
  return new WorkingCalendar(base).withYears(overrides);
}
