/**
 * The reads a command starts from: the instance head with the revision it names (one `$lookup`),
 * a task with its head, and the latest revision of an instance's series.
 */
import type { Head, ProcessContext } from './context';

/**
 * The instance head and the revision it names, in one round trip (a `$lookup` by `_id`).
 * The head may lag the series (a process died before projecting): the insert of the next
 * revision then fails, and the command catches the head up and runs again.
 * `opts.stepClocks`: also the ids of the instance's step clocks (环节时限, `step:<instanceId>:…`,
 * a range of `_id`s) — what a timer firing's escalation joins (projector.ts `projectEscalations`).
 */
export async function loadHead(ctx: ProcessContext, instanceId: string, opts: { stepClocks?: boolean } = {}): Promise<Head | null> {
  const { Instance, Revision, Clock } = ctx.deps.models;
  const [doc] = await Instance.aggregate([
    { $match: { _id: instanceId } },
    { $addFields: { _headId: { $concat: ['$_id', ':', { $toString: '$headRevision' }] } } },
    { $lookup: { from: Revision.collection.collectionName, localField: '_headId', foreignField: '_id', as: '_head' } },
    ...(opts.stepClocks ? [{ $lookup: { from: Clock.collection.collectionName, pipeline: [{ $match: { _id: { $gte: `step:${instanceId}:`, $lt: `step:${instanceId};` } } }, { $project: { _id: 1 } }], as: '_stepClocks' } }] : []),
  ]);
  if (!doc) return null;
  const rev = doc._head?.[0] ?? null;
  const stepClocks: string[] | undefined = opts.stepClocks ? ((doc._stepClocks ?? []) as any[]).map((c) => String(c._id)) : undefined;
  delete doc._head;
  delete doc._headId;
  delete doc._stepClocks;
  return { inst: doc, rev, ...(stepClocks ? { stepClocks } : {}) };
}

/** A task with its instance head and the head's revision, in one round trip (two `$lookup`s by `_id`). */
export async function loadTaskWithHead(ctx: ProcessContext, taskId: string): Promise<{ task: any; head: Head | null } | null> {
  const { Task, Instance, Revision } = ctx.deps.models;
  const [doc] = await Task.aggregate([
    { $match: { _id: taskId } },
    { $lookup: { from: Instance.collection.collectionName, localField: 'instanceId', foreignField: '_id', as: '_inst' } },
    { $addFields: { _headId: { $concat: ['$instanceId', ':', { $toString: { $arrayElemAt: ['$_inst.headRevision', 0] } }] } } },
    { $lookup: { from: Revision.collection.collectionName, localField: '_headId', foreignField: '_id', as: '_head' } },
  ]);
  if (!doc) return null;
  const inst = doc._inst?.[0];
  const rev = doc._head?.[0] ?? null;
  delete doc._inst;
  delete doc._head;
  delete doc._headId;
  return { task: doc, head: inst ? { inst, rev } : null };
}

/** The latest revision, by the index on (instanceId, revision). */
export function latestRevision(ctx: ProcessContext, instanceId: string) {
  return ctx.deps.models.Revision.findOne({ instanceId }).sort({ revision: -1 }).lean();
}
