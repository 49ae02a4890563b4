/**
 * The open clocks (在途时限): a small mirror collection `open_clocks` holding only the deadline
 * clocks that have not stopped (statutory, promised, examination and step clocks), with what
 * the live board needs — case, kind, unit, window, status, due time, fired rungs.
 *
 * Why: FerretDB 1.24 on SQLite pushes no filter but `_id` equality down to SQL, so
 * `clocks.find({ status: 'running' })` decodes EVERY clock ever started (measured: ~14 s for
 * 20 000 clocks and 10 000 cases on the project's machine). The mirror is written by `_id` only
 * (replace / delete, pushed down) whenever the supervision service changes a clock, and the
 * board reads the whole mirror, whose size is the open work, not the history.
 *
 * Consistency: each write re-reads the clock by `_id` and mirrors what it finds, so a late
 * write carries the newer state; two processes writing at the same instant may leave an older
 * copy until the clock's next change. `reconcileOpenClocks` (a full scan, run in the background
 * when a process first serves the board and then every hour by default, `BOARD_RECONCILE_MS`) repairs any drift and takes
 * in clocks started before the mirror existed. A failed mirror write never fails the clock
 * operation (it is logged).
 */
import type { Models } from '../persistence/models';

export const OPEN_CLOCKS_COLLECTION = 'open_clocks';
const KINDS = new Set(['statutory', 'promised', 'examination', 'step']);

export interface OpenClock {
  _id: string;
  caseNo?: string;
  kind: string;
  orgUnit?: string;
  windowId?: string;
  status: 'running' | 'paused';
  dueAt?: Date | null;
  fired: string[];
  version: number;
  syncedAt: Date;
}

function collection(models: Models) {
  return models.Clock.db.db!.collection<OpenClock>(OPEN_CLOCKS_COLLECTION);
}

function mirrorOf(c: any): OpenClock | undefined {
  if (!c || c.status === 'stopped' || !KINDS.has(c.kind)) return undefined;
  return {
    _id: String(c._id),
    caseNo: c.caseNo ?? undefined,
    kind: c.kind,
    orgUnit: c.orgUnit ?? undefined,
    windowId: c.windowId ?? undefined,
    status: c.status === 'paused' ? 'paused' : 'running',
    dueAt: c.dueAt ?? null,
    fired: Array.isArray(c.fired) ? c.fired : [],
    version: c.version ?? 1,
    syncedAt: new Date(),
  };
}

const PROJECTION = { _id: 1, caseNo: 1, kind: 1, orgUnit: 1, windowId: 1, status: 1, dueAt: 1, fired: 1, version: 1 } as const;

/** Mirrors one clock as it is now (by `_id` reads and writes only). */
export async function syncOpenClock(models: Models, clockId: string): Promise<void> {
  const c = await models.Clock.findById(clockId, PROJECTION).lean();
  const m = mirrorOf(c);
  const col = collection(models);
  if (!m) await col.deleteOne({ _id: clockId });
  else await col.replaceOne({ _id: clockId }, m, { upsert: true });
}

/** Every open clock (the whole mirror). */
export async function readOpenClocks(models: Models): Promise<OpenClock[]> {
  return collection(models).find({}).toArray();
}

/** Full repair: mirrors every clock that has not stopped and drops mirror entries of stopped or missing clocks. */
export async function reconcileOpenClocks(models: Models): Promise<{ mirrored: number; dropped: number; elapsedMs: number }> {
  const started = Date.now();
  const col = collection(models);
  let mirrored = 0;
  const live = new Set<string>();
  for await (const c of models.Clock.find({ status: { $ne: 'stopped' } }, PROJECTION).lean().cursor({ batchSize: 5000 })) {
    const m = mirrorOf(c);
    if (!m) continue;
    live.add(m._id);
    // re-read by _id just before writing, so a clock stopped since the scan is not mirrored as open
    await syncOpenClock(models, m._id);
    mirrored++;
  }
  let dropped = 0;
  for (const e of await col.find({}, { projection: { _id: 1 } }).toArray()) {
    if (live.has(e._id)) continue;
    // started meanwhile? then it is in the clocks collection and open: keep it
    const c = await models.Clock.findById(e._id, PROJECTION).lean();
    if (mirrorOf(c)) continue;
    await col.deleteOne({ _id: e._id });
    dropped++;
  }
  return { mirrored, dropped, elapsedMs: Date.now() - started };
}
