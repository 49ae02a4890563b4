/**
 * "The newest N" of a collection that grows with cases, served by an index.
 *
 * FerretDB 2 on DocumentDB 0.107 does not read an index in order to answer a sort (its ordered
 * index scan is an experimental opclass, off by default), so `find({}).sort({ at: -1 }).limit(n)`
 * reads and sorts the whole collection. A range on the sort field is served by the field's index:
 * this asks for the last month, then the last year, and only then for everything (when fewer than
 * `limit` documents are that recent, the collection's history is small, and so is the read).
 * Use it for newest-first lists of history: without a window a filter on a status that history
 * accumulates (closed, delivered) reads and sorts all of it; a narrow filter (a town's open
 * escalations) costs up to three small indexed reads instead of one.
 */
import type { Model } from 'mongoose';

const DAY_MS = 86_400_000;
const WINDOWS_DAYS = [31, 366];

export async function newestFirst<T = any>(model: Model<any>, filter: Record<string, unknown>, field: string, limit: number, now: Date, projection?: Record<string, 0 | 1>): Promise<T[]> {
  for (const days of WINDOWS_DAYS) {
    const docs = await model
      .find({ ...filter, [field]: { $gte: new Date(now.getTime() - days * DAY_MS) } }, projection)
      .sort({ [field]: -1, _id: -1 })
      .limit(limit)
      .lean<T[]>();
    if (docs.length >= limit) return docs;
  }
  return model.find(filter, projection).sort({ [field]: -1, _id: -1 }).limit(limit).lean<T[]>();
}
