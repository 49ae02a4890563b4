/**
 * Writes to many documents named by `_id`, one `updateOne`/`deleteOne` per id in one bulk write
 * (one round trip, unordered). DocumentDB 0.107 runs a multi-document `updateMany`/`deleteMany`
 * with `{_id: {$in: […]}}` without the `_id` index: on 385,749 revisions (100,000 stored cases)
 * `updateMany({_id: {$in: 20 ids}})` took 8.6 s where the same 20 single-document updates in one
 * bulk write took 33 ms (test/bench, 2026-12-08) — and the repair sweep made one every run.
 */
import type { AnyBulkWriteOperation } from 'mongodb';

/** A collection or mongoose model that takes a bulk write (both do). */
interface BulkWritable {
  bulkWrite(ops: any[], options?: { ordered?: boolean }): Promise<{ modifiedCount?: number; deletedCount?: number }>;
}

/** `$set`/… `update` on each document of `ids` (and `filter`): how many changed. */
export async function updateEachById(target: BulkWritable, ids: readonly unknown[], update: Record<string, unknown>, filter: Record<string, unknown> = {}): Promise<number> {
  if (!ids.length) return 0;
  const ops: AnyBulkWriteOperation[] = ids.map((_id) => ({ updateOne: { filter: { ...filter, _id } as any, update } }));
  return (await target.bulkWrite(ops, { ordered: false })).modifiedCount ?? 0;
}

/** Deletes each document of `ids` (that also matches `filter`): how many went. */
export async function deleteEachById(target: BulkWritable, ids: readonly unknown[], filter: Record<string, unknown> = {}): Promise<number> {
  if (!ids.length) return 0;
  const ops: AnyBulkWriteOperation[] = ids.map((_id) => ({ deleteOne: { filter: { ...filter, _id } as any } }));
  return (await target.bulkWrite(ops, { ordered: false })).deletedCount ?? 0;
}
