/**
 * The repair sweep (run by the timer worker): brings heads left behind by a process that died up
 * to their series, follows call activities a kill left half-way, and retries messages.
 */
import { followLinks } from './call-links';
import { project } from './projector';
import { updateEachById } from '../../persistence/by-id-writes';
import type { ProcessContext } from './context';

/**
 * The repair sweep: finds revisions still marked unprojected (older than `olderThanMs`), marks
 * those the head has passed (their projection finished: one update for all), and projects the
 * instances whose head is behind (a process died between the revision and its projection).
 * @returns how many instances it had to project
 */
export async function projectPending(ctx: ProcessContext, olderThanMs = 2000): Promise<number> {
  const { ProjectionQueue, Revision, Instance } = ctx.deps.models;
  const now = ctx.deps.clock.now();
  const cutoff = new Date(now.getTime() - olderThanMs);
  let repaired = 0;
  for (let batch = 0; batch < 10; batch++) {
    const pending = await Revision.find({ projected: false, createdAt: { $lt: cutoff } }, { instanceId: 1, revision: 1 }).limit(2000).lean();
    // markers written by earlier versions (a marker per revision, before the revision)
    const legacy = batch === 0 ? await ProjectionQueue.find({ at: { $lt: cutoff } }).limit(500).lean() : [];
    if (!pending.length && !legacy.length) break;
    const ids = [...new Set([...pending.map((p) => p.instanceId as string), ...legacy.map((m) => m.instanceId as string)])];
    const heads = new Map((await Instance.find({ _id: { $in: ids } }, { headRevision: 1 }).lean()).map((h) => [String(h._id), (h.headRevision as number) ?? 0]));
    const passed: string[] = [];
    const behind = new Set<string>(legacy.map((m) => m.instanceId as string));
    for (const p of pending) {
      if (p.revision <= (heads.get(p.instanceId as string) ?? 0)) passed.push(String(p._id));
      else behind.add(p.instanceId as string);
    }
    // one update by _id each, in one bulk write: an updateMany by `_id $in` scans (by-id-writes.ts)
    await updateEachById(Revision, passed, { $set: { projected: true } });
    for (const id of behind) await ctx.mutex.run(id, () => project(ctx, id));
    if (legacy.length) await ProjectionQueue.deleteMany({ _id: { $in: legacy.map((m) => m._id) } });
    repaired += behind.size;
    if (pending.length < 2000) break;
  }
  // call activities a kill left half-way: a child not started after its caller's revision, a
  // caller not completed after its child ended
  const links = await ctx.deps.models.CallLink.find({ status: { $in: ['starting', 'ended'] }, updatedAt: { $lt: cutoff } }, { status: 1, parentInstanceId: 1 }).limit(200).lean();
  for (const l of links) {
    try {
      await followLinks(ctx, l.status === 'starting' ? String(l.parentInstanceId) : String(l._id));
      repaired++;
    } catch (err) {
      ctx.deps.logger.warn({ instanceId: l.status === 'starting' ? l.parentInstanceId : l._id, err: (err as Error).message }, 'call activity repair failed; the next sweep tries again');
    }
  }
  // a running call whose caller no longer waits on it — the caller ended (cancelled, failed) or a
  // boundary event interrupted the call — while following it failed (a kill, the database gone):
  // the caller's links are followed again, which cancels the child. Oldest checked first; a link
  // whose caller still waits goes to the back of the line, so every link is looked at in turn.
  const running = await ctx.deps.models.CallLink.find({ status: 'running', updatedAt: { $lt: cutoff } }, { parentInstanceId: 1, parentElementId: 1, updatedAt: 1 }).sort({ updatedAt: 1 }).limit(100).lean();
  if (running.length) {
    const callers = new Map((await Instance.find({ _id: { $in: [...new Set(running.map((l) => String(l.parentInstanceId)))] } }, { status: 1, activeElements: 1 }).lean()).map((i: any) => [String(i._id), i]));
    const followed = new Set<string>();
    for (const l of running) {
      const caller: any = callers.get(String(l.parentInstanceId));
      const waits = caller && caller.status === 'running' && (caller.activeElements ?? []).includes(l.parentElementId);
      if (waits) {
        await ctx.deps.models.CallLink.updateOne({ _id: l._id, status: 'running', updatedAt: l.updatedAt }, { $set: { updatedAt: now } });
        continue;
      }
      if (followed.has(String(l.parentInstanceId))) continue;
      followed.add(String(l.parentInstanceId));
      try {
        await followLinks(ctx, String(l.parentInstanceId));
        repaired++;
      } catch (err) {
        ctx.deps.logger.warn({ instanceId: l.parentInstanceId, err: (err as Error).message }, 'cancelling a call whose caller ended failed; the next sweep tries again');
      }
    }
  }
  // messages a kill left `delivering`, and pending ones whose wait appeared unseen
  if (ctx.messages) repaired += await ctx.messages.sweep(olderThanMs);
  return repaired;
}
