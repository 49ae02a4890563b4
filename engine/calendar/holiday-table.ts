/**
 * Holiday tables (节假日安排表): one table per calendar year of the statutory days off and the
 * make-up working days (调休上班日) the State Council publishes each autumn in its notice
 * 国务院办公厅关于YYYY年部分节假日安排的通知, under 《全国年节及纪念日放假办法》.
 *
 * The official tables are read from the data of the `chinese-days` package (its shipped
 * `dist/chinese-days.json`, the same data its `isWorkday`/`getDayDetail` functions use); nothing
 * here is typed by hand. The city office can add or correct a year later with an override table
 * of a higher `version` (see `WorkingCalendar.withYear` and `YearTableStore`).
 *
 * A table covers the days of ITS calendar year, whichever notice published them: for example
 * 2022-12-31 (a 元旦 day off) was set by the notice for 2023, so it is in the 2022 table and that
 * table's `source` names both notices. A year's table is therefore only final once the next
 * year's notice is out, if that notice touches late December.
 */
import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import chineseDaysPackage from 'chinese-days/package.json';
import { ConflictError, ValidationError } from '../domain/errors';
import { dayNumber, isoWeekday, type Day } from './cst';

/** The holiday table of one calendar year. */
export type YearTable = {
  /** The Gregorian year; every date below lies in it. */
  year: number;
  /**
   * EVERY day of the year's statutory holiday blocks as the notice lists them ("1月28日至2月4日
   * 放假调休，共8天" gives all eight dates), including the Saturdays and Sundays inside a block.
   * A listed weekend day changes nothing (it is a rest day anyway) but keeps the table a faithful
   * copy of the notice. Sorted, unique, `'YYYY-MM-DD'`.
   */
  holidays: Day[];
  /** 调休上班日: Saturdays or Sundays that are working days. Sorted, unique, `'YYYY-MM-DD'`. */
  makeUpWorkdays: Day[];
  /** Where the dates come from: the data package and the notice(s). */
  source: string;
  /** Official tables are version 1; an override must carry a higher version to replace a table. */
  version: number;
  /** Optional label per date, e.g. `{ '2025-01-28': '春节', '2025-01-26': '春节调休上班' }`. */
  labels?: Record<Day, string>;
};

/** Version of every table built from the package. */
export const OFFICIAL_TABLE_VERSION = 1;

/** Name and version of the data package, e.g. `chinese-days@1.5.7`. */
export const HOLIDAY_DATA_PACKAGE = `${chineseDaysPackage.name}@${chineseDaysPackage.version}`;

/**
 * Document numbers (文号) of the yearly notices that this module cites by number. Other years
 * are cited by title only.
 */
const NOTICE_NUMBERS: Record<number, string> = {
  2025: '国办发明电〔2024〕12号',
  2026: '国办发明电〔2025〕7号',
};

/** Notices beyond the yearly one that changed a year's days (cited by title). */
const EXTRA_NOTICES: Record<number, string[]> = {
  2015: ['国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知'],
  2020: ['国务院办公厅关于延长2020年春节假期的通知'],
};

/** The title (and number, when known) of the yearly notice for `year`. */
export function noticeTitle(year: number): string {
  const title = `国务院办公厅关于${year}年部分节假日安排的通知`;
  const no = NOTICE_NUMBERS[year];
  return no ? `${title}（${no}）` : title;
}

/** Checks a table's shape and dates; throws `ValidationError` (INVALID_YEAR_TABLE). */
export function validateYearTable(table: YearTable): void {
  const fail = (why: string): never => {
    throw new ValidationError('INVALID_YEAR_TABLE', `Holiday table ${table?.year}: ${why} (节假日安排表无效)`, { year: table?.year });
  };
  if (!table || typeof table !== 'object') fail('not an object');
  if (!Number.isInteger(table.year) || table.year < 1000 || table.year > 9999) fail('year must be a 4-digit integer');
  if (!Number.isInteger(table.version) || table.version < 1) fail('version must be an integer ≥ 1');
  if (typeof table.source !== 'string' || !table.source.trim()) fail('source is required');
  if (!Array.isArray(table.holidays) || !Array.isArray(table.makeUpWorkdays)) fail('holidays and makeUpWorkdays must be arrays');
  const seen = new Set<string>();
  for (const [list, name] of [
    [table.holidays, 'holidays'],
    [table.makeUpWorkdays, 'makeUpWorkdays'],
  ] as const) {
    for (const day of list) {
      try {
        dayNumber(day);
      } catch {
        fail(`${name} has an invalid date ${JSON.stringify(day)}`);
      }
      if (Number(day.slice(0, 4)) !== table.year) fail(`${name} has ${day}, outside ${table.year}`);
      if (seen.has(day)) fail(`${day} is listed twice (or as both a holiday and a make-up workday)`);
      seen.add(day);
    }
  }
  for (const day of table.makeUpWorkdays) {
    if (isoWeekday(day) <= 5) fail(`make-up workday ${day} is not a Saturday or Sunday`);
  }
}

type DayEntry = { date: Day; name: string };

function chineseName(raw: string): string {
  // Package values look like "Spring Festival,春节,4": English name, Chinese name, days by law.
  return raw.split(',')[1] ?? raw;
}

function byYear(record: Record<string, string>): Map<number, DayEntry[]> {
  const out = new Map<number, DayEntry[]>();
  for (const [date, name] of Object.entries(record)) {
    const year = Number(date.slice(0, 4));
    let list = out.get(year);
    if (!list) out.set(year, (list = []));
    list.push({ date, name });
  }
  for (const list of out.values()) list.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return out;
}

/**
 * The official tables, one per year the `chinese-days` package covers (1.5.7: 2004–2026), all
 * version 1, built from the package's data. A fresh Map on each call, so callers may modify it.
 */
export function officialTables(): Map<number, YearTable> {
  const data = chineseDaysData as { holidays: Record<string, string>; workdays: Record<string, string> };
  const holidays = byYear(data.holidays);
  const workdays = byYear(data.workdays);
  const years = [...new Set([...holidays.keys(), ...workdays.keys()])].sort((a, b) => a - b);
  const tables = new Map<number, YearTable>();
  for (const year of years) {
    const off = holidays.get(year) ?? [];
    const on = workdays.get(year) ?? [];
    const labels: Record<Day, string> = {};
    for (const e of off) labels[e.date] = chineseName(e.name);
    for (const e of on) labels[e.date] = `${chineseName(e.name)}调休上班`;
    // December days belonging to next year's New Year holiday come from next year's notice.
    const fromNextNotice = [...off, ...on].some((e) => e.date.slice(5, 7) === '12' && e.name.includes('元旦'));
    const notices = [noticeTitle(year), ...(EXTRA_NOTICES[year] ?? [])];
    if (fromNextNotice) notices.push(`${noticeTitle(year + 1)}（12月的元旦安排）`);
    const table: YearTable = {
      year,
      holidays: off.map((e) => e.date),
      makeUpWorkdays: on.map((e) => e.date),
      source: `${HOLIDAY_DATA_PACKAGE}; ${notices.join('; ')}`,
      version: OFFICIAL_TABLE_VERSION,
      labels,
    };
    validateYearTable(table);
    tables.set(year, table);
  }
  return tables;
}

/** Who changed a table, when and why (kept with an override for the audit trail). */
export type YearTableChange = { by: string; at: Date; reason: string };

/**
 * Persistence of the city office's override tables (to be implemented over the database
 * later; `InMemoryYearTableStore` serves tests). Official tables are never stored: they come
 * from the package, and an override replaces one only with a higher version.
 */
export interface YearTableStore {
  /** Every stored override, newest version per year or all versions (the calendar keeps the highest). */
  listOverrides(): Promise<YearTable[]>;
  /**
   * Stores an override. Must reject (ConflictError) a version not higher than the one already
   * stored for that year, so two offices cannot silently overwrite each other.
   */
  saveOverride(table: YearTable, change: YearTableChange): Promise<void>;
}

/** A `YearTableStore` in memory (tests and demos). */
export class InMemoryYearTableStore implements YearTableStore {
  private readonly tables = new Map<number, { table: YearTable; change: YearTableChange }>();

  async listOverrides(): Promise<YearTable[]> {
    return [...this.tables.values()].map((e) => e.table);
  }

  async saveOverride(table: YearTable, change: YearTableChange): Promise<void> {
    validateYearTable(table);
    const current = this.tables.get(table.year);
    if (current && current.table.version >= table.version) {
      throw new ConflictError('YEAR_TABLE_VERSION_CONFLICT', `Holiday table ${table.year} version ${table.version} is not newer than stored version ${current.table.version} (节假日安排表版本冲突)`, {
        year: table.year,
        version: table.version,
        storedVersion: current.table.version,
      });
    }
    this.tables.set(table.year, { table: structuredClone(table), change });
  }
}
