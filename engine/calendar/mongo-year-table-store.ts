/**
 * The city office's holiday-table overrides (节假日安排表修订) kept in the database: every
 * version of a year is its own document `_id = "<year>:v<version>"`, never changed after it is
 * written (versioned and audited: who, when, why). The insert claims the version, so two
 * offices saving the same version cannot both win; a version not above the stored one is
 * refused.
 */
import type { Connection } from 'mongoose';
import { ConflictError } from '../domain/errors';
import { isDuplicateKey } from '../persistence/models';
import { validateYearTable, type YearTable, type YearTableChange, type YearTableStore } from './holiday-table';

interface StoredTable extends YearTable {
  _id: string;
  change: YearTableChange;
}

export class MongoYearTableStore implements YearTableStore {
  constructor(private readonly conn: Connection) {}

  private get coll() {
    return this.conn.db!.collection<StoredTable>('calendar_years');
  }

  async listOverrides(): Promise<YearTable[]> {
    const docs = await this.coll.find({}).sort({ year: 1, version: 1 }).toArray();
    return docs.map(({ _id, change, ...t }) => t);
  }

  /** Every stored version with who changed it, newest first. */
  async history(year?: number) {
    const docs = await this.coll.find(year ? { year } : {}).sort({ year: -1, version: -1 }).toArray();
    return docs.map((d) => ({ year: d.year, version: d.version, source: d.source, holidays: d.holidays.length, makeUpWorkdays: d.makeUpWorkdays, change: d.change }));
  }

  async saveOverride(table: YearTable, change: YearTableChange): Promise<void> {
    validateYearTable(table);
    const stored = await this.coll.find({ year: table.year }).sort({ version: -1 }).limit(1).toArray();
    if (stored[0] && stored[0].version >= table.version) {
      throw new ConflictError('YEAR_TABLE_VERSION_CONFLICT', `holiday table ${table.year} version ${table.version} is not newer than stored version ${stored[0].version} (节假日安排表版本冲突)`, {
        year: table.year,
        storedVersion: stored[0].version,
      });
    }
    try {
      await this.coll.insertOne({ _id: `${table.year}:v${table.version}`, ...table, change });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('YEAR_TABLE_VERSION_CONFLICT', `holiday table ${table.year} version ${table.version} was saved by someone else just now`);
      throw err;
    }
  }
}
