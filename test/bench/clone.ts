/**
 * Stored data for the benchmark: a handful of cases are taken through the product's own write
 * path (intake, task completions) and every document they wrote is captured as a *template*;
 * the stored cases are then bulk copies of those templates (`insertMany`, ordered: false) with
 * fresh identities — case number, instance id, every UUID and ObjectId — moved to another centre
 * and window, and every date (Date values and ISO strings inside strings, e.g. the engine state)
 * shifted to the copy's day. The shapes are exactly what the product writes, whatever the
 * models look like today; only the counts are bulk. Documents several cases share (a statistics
 * bucket's case list, a day's dirty marker) are merged by `_id` instead of copied.
 */
import { randomUUID } from 'node:crypto';
import { ObjectId, type Db } from 'mongodb';
import { cstDay } from '../../common/cst';

export interface Template {
  name: string;
  caseNo: string;
  instanceId?: string;
  /** received-at of the template case: the anchor every date is shifted from */
  receivedAt: Date;
  /** documents written for the case, by collection */
  docs: Record<string, any[]>;
  /** documents several cases share (their `_id` names no case): merged, not copied */
  shared: Record<string, any[]>;
}

type Snapshot = Map<string, Set<string>>;

const idKey = (id: unknown) => (id instanceof ObjectId ? `oid:${id.toHexString()}` : `v:${JSON.stringify(id)}`);

/** The `_id`s of every collection (taken while the database is still small). */
export async function snapshot(db: Db): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.')) continue;
    const ids = await db.collection(c.name).find({}, { projection: { _id: 1 } }).toArray();
    out.set(c.name, new Set(ids.map((d) => idKey(d._id))));
  }
  return out;
}

/** Documents that appeared since `before`; `caseNo`/`instanceId` tell the case's own from shared ones. */
export async function capture(db: Db, before: Snapshot, name: string, caseNo: string, instanceId: string | undefined, receivedAt: Date): Promise<Template> {
  const t: Template = { name, caseNo, instanceId, receivedAt, docs: {}, shared: {} };
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.')) continue;
    const seen = before.get(c.name) ?? new Set<string>();
    const all = await db.collection(c.name).find({}).toArray();
    for (const d of all) {
      if (seen.has(idKey(d._id))) continue;
      const id: unknown = d._id;
      const own = typeof id !== 'string' || id.includes(caseNo) || (!!instanceId && id.includes(instanceId)) || UUID.test(id);
      (own ? t.docs : t.shared)[c.name] ??= [];
      (own ? t.docs : t.shared)[c.name].push(d);
    }
  }
  return t;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const UUID_G = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export interface CloneTarget {
  /** org unit id and its two-letter code */
  orgUnit: string;
  code: string;
  /** the username that replaces the template's window clerk */
  clerk: string;
  /** the copy's received-at */
  receivedAt: Date;
  /** sequence number of the case on that day (unique per centre and day) */
  seq: number;
}


/**
 * Prepares a template for copying: the tokens to replace and a walker that copies a document.
 * `fromOrg`/`fromClerk`: the centre and clerk the template case was taken in by.
 */
export function cloner(t: Template, fromOrg: string, fromClerk: string) {
  // every UUID and ObjectId in the template gets a fresh value per copy
  const uuids = new Set<string>();
  const oids = new Set<string>();
  const walk = (v: any) => {
    if (v === null || v === undefined) return;
    if (typeof v === 'string') {
      for (const m of v.matchAll(UUID_G)) uuids.add(m[0]);
    } else if (v instanceof ObjectId) oids.add(v.toHexString());
    else if (v instanceof Date) return;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && !(v as any)._bsontype) for (const k of Object.keys(v)) walk(v[k]);
  };
  for (const list of [...Object.values(t.docs), ...Object.values(t.shared)]) list.forEach(walk);
  if (t.instanceId) uuids.add(t.instanceId);
  const tokens = [t.caseNo, ...uuids, ...oids, fromOrg].sort((a, b) => b.length - a.length);
  const quotedClerk = JSON.stringify(fromClerk);
  const dayMs = 86_400_000;
  /**
   * A template string split once into literal parts, tokens (ids to replace), timestamps and
   * days (to shift) and the quoted clerk: each copy only joins the parts. `null`: nothing to change.
   */
  type Part = string | { k: 't'; v: string } | { k: 'i'; ms: number } | { k: 'd'; ms: number } | { k: 'c' };
  const compiled = new Map<string, Part[] | null>();
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const partRe = new RegExp(`(${tokens.map(esc).join('|')})|(${esc(quotedClerk)})|\\b(\\d{4}-\\d{2}-\\d{2})(T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{3})?Z)?`, 'g');
  const compile = (s: string): Part[] | null => {
    let c = compiled.get(s);
    if (c !== undefined) return c;
    const parts: Part[] = [];
    let last = 0;
    for (const m of s.matchAll(partRe)) {
      let part: Part | undefined;
      if (m[1]) part = { k: 't', v: m[1] };
      else if (m[2]) part = { k: 'c' };
      else {
        const ms = Date.parse(m[4] ? `${m[3]}${m[4]}` : `${m[3]}T00:00:00Z`);
        if (!Number.isNaN(ms)) part = m[4] ? { k: 'i', ms } : { k: 'd', ms };
      }
      if (!part) continue;
      if (m.index! > last) parts.push(s.slice(last, m.index));
      parts.push(part);
      last = m.index! + m[0].length;
    }
    if (last < s.length && parts.length) parts.push(s.slice(last));
    c = parts.length ? parts : null;
    if (s.length < 100_000) compiled.set(s, c);
    return c;
  };

  return (to: CloneTarget) => {
    const delta = to.receivedAt.getTime() - t.receivedAt.getTime();
    const dayDelta = Math.round((Date.parse(cstDay(to.receivedAt)) - Date.parse(cstDay(t.receivedAt))) / dayMs);
    const newCaseNo = `${to.code}-${cstDay(to.receivedAt).replace(/-/g, '')}-${String(to.seq).padStart(6, '0')}`;
    const map = new Map<string, string>();
    map.set(t.caseNo, newCaseNo);
    map.set(fromOrg, to.orgUnit);
    for (const u of uuids) map.set(u, randomUUID());
    for (const o of oids) map.set(o, new ObjectId().toHexString());
    const iso = (ms: number) => new Date(ms + delta).toISOString();
    const day = (ms: number) => new Date(ms + dayDelta * dayMs).toISOString().slice(0, 10);
    const clerkQuoted = JSON.stringify(to.clerk);
    const str = (s: string): string => {
      if (s === fromClerk) return to.clerk;
      const parts = compile(s);
      if (!parts) return s;
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') out += p;
        else if (p.k === 't') out += map.get(p.v) ?? p.v;
        else if (p.k === 'i') out += iso(p.ms);
        else if (p.k === 'd') out += day(p.ms);
        else out += clerkQuoted;
      }
      return out;
    };
    const copy = (v: any): any => {
      if (v === null || v === undefined) return v;
      if (typeof v === 'string') return str(v);
      if (v instanceof Date) return new Date(v.getTime() + delta);
      if (v instanceof ObjectId) return new ObjectId(map.get(v.toHexString()) ?? v.toHexString());
      if (Array.isArray(v)) return v.map(copy);
      if (typeof v === 'object') {
        if ((v as any)._bsontype) return v;
        const o: any = {};
        for (const k of Object.keys(v)) o[k] = copy(v[k]);
        return o;
      }
      return v;
    };
    const docs: Record<string, any[]> = {};
    for (const [c, list] of Object.entries(t.docs)) docs[c] = list.map(copy);
    // a case number's day is written compact (20261208), which the date shift above does not see:
    // without this every copy numbered on the template's day, and the day's next-number read (one
    // centre and day) read 5,000 numbers at 100,000 cases where a centre numbers ~50 a day
    for (const n of docs.case_numbers ?? []) if (n._id === newCaseNo) Object.assign(n, { day: cstDay(to.receivedAt).replace(/-/g, ''), seq: to.seq });
    const shared: Record<string, any[]> = {};
    for (const [c, list] of Object.entries(t.shared)) shared[c] = list.map(copy);
    return { caseNo: newCaseNo, instanceId: t.instanceId ? map.get(t.instanceId)! : undefined, docs, shared };
  };
}

/** Buffers copies and writes them with insertMany (batches of ~`batch` documents per collection). */
export class BulkWriter {
  private pending = new Map<string, any[]>();
  private shared = new Map<string, Map<string, any>>();
  private inflight: Promise<void>[] = [];
  written = 0;
  /** milliseconds spent in insertMany, by collection (what the load costs where) */
  msByCollection: Record<string, { ms: number; docs: number }> = {};
  errors = 0;
  firstError?: string;

  constructor(
    private readonly db: Db,
    private readonly batch = 1000,
    /** batches in flight at once (the database has more cores than one insert stream uses) */
    private readonly parallel = 3,
  ) {}

  add(copy: { docs: Record<string, any[]>; shared: Record<string, any[]> }): Promise<void> | undefined {
    for (const [c, list] of Object.entries(copy.docs)) {
      let p = this.pending.get(c);
      if (!p) this.pending.set(c, (p = []));
      p.push(...list);
    }
    for (const [c, list] of Object.entries(copy.shared)) {
      let m = this.shared.get(c);
      if (!m) this.shared.set(c, (m = new Map()));
      for (const d of list) {
        const key = JSON.stringify(d._id);
        const prev = m.get(key);
        if (!prev) m.set(key, d);
        else for (const [k, v] of Object.entries(d)) if (Array.isArray(v) && Array.isArray(prev[k])) prev[k] = [...new Set([...prev[k], ...v])];
      }
    }
    const full = [...this.pending.values()].some((p) => p.length >= this.batch);
    if (full) return this.flush(false);
    return undefined;
  }

  /** Writes what is buffered (at most `parallel` writes in flight). */
  async flush(all = true): Promise<void> {
    while (this.inflight.length >= this.parallel) await Promise.race(this.inflight);
    const work: [string, any[]][] = [];
    for (const [c, p] of this.pending) {
      if (p.length >= this.batch || (all && p.length)) {
        work.push([c, p]);
        this.pending.set(c, []);
      }
    }
    const job = (async () => {
      for (const [c, docs] of work) {
        for (let i = 0; i < docs.length; i += this.batch) {
          const part = docs.slice(i, i + this.batch);
          const t = performance.now();
          try {
            await this.db.collection(c).insertMany(part, { ordered: false });
            this.written += part.length;
            const m = (this.msByCollection[c] ??= { ms: 0, docs: 0 });
            m.ms += performance.now() - t;
            m.docs += part.length;
          } catch (err: any) {
            const n = err?.writeErrors?.length ?? part.length;
            this.errors += n;
            this.written += part.length - n;
            this.firstError ??= `${c}: ${String(err?.message ?? err).slice(0, 200)}`;
          }
        }
      }
    })();
    this.inflight.push(job);
    void job.finally(() => this.inflight.splice(this.inflight.indexOf(job), 1));
    if (all) {
      await Promise.all(this.inflight);
      await this.flushShared();
    }
  }

  /** Shared documents: array fields are added to (set union), the rest set on insert. */
  private async flushShared(): Promise<void> {
    for (const [c, m] of this.shared) {
      const ops = [...m.values()].map((d) => {
        const add: Record<string, any> = {};
        const onInsert: Record<string, any> = {};
        for (const [k, v] of Object.entries(d)) {
          if (k === '_id') continue;
          if (Array.isArray(v)) add[k] = { $each: v };
          else onInsert[k] = v;
        }
        const update: any = {};
        if (Object.keys(add).length) update.$addToSet = add;
        if (Object.keys(onInsert).length) update.$setOnInsert = onInsert;
        return { updateOne: { filter: { _id: d._id }, update, upsert: true } };
      });
      for (let i = 0; i < ops.length; i += 500) {
        try {
          await this.db.collection(c).bulkWrite(ops.slice(i, i + 500), { ordered: false });
          this.written += Math.min(500, ops.length - i);
        } catch (err: any) {
          this.errors++;
          this.firstError ??= `${c} (shared): ${String(err?.message ?? err).slice(0, 200)}`;
        }
      }
      m.clear();
    }
  }
}

/**
 * The copies' past, settled as a running platform would have settled it. Open copies are spread
 * over the last 20 days with their jobs shifted along, so most of their clock signals (warning,
 * reminder, breach) and step timers fall due before the benchmark starts: left as they are, the
 * first minutes of every measurement at 100,000 cases were the workers draining tens of thousands
 * of overdue jobs at once — a backlog no live centre has, since each job fired when it fell due.
 * Each overdue signal job is counted as rung (its rung added to the clock's `fired`, the job
 * removed); each overdue BPMN timer job is removed (the copy stays waiting where it was — the
 * benchmark never acts on copies). Jobs due later stay and fire in their time.
 */
export async function settlePast(db: Db, now: Date, names = { signal: 'supervision.clock.signal', timer: 'bpmn.timer.fire' }): Promise<{ signals: number; timers: number; clocks: number }> {
  const jobs = db.collection('agendaJobs');
  const due = { nextRunAt: { $lt: now }, lockedAt: null };
  const rungs = new Map<string, Set<string>>();
  const signalIds: unknown[] = [];
  for await (const j of jobs.find({ name: names.signal, ...due }, { projection: { _id: 1, 'data.clockId': 1, 'data.rung': 1 } })) {
    signalIds.push(j._id);
    const { clockId, rung } = (j as any).data ?? {};
    if (clockId && rung) (rungs.get(clockId) ?? rungs.set(clockId, new Set()).get(clockId)!).add(rung);
  }
  const clockOps = [...rungs].map(([id, r]) => ({ updateOne: { filter: { _id: id as any }, update: { $addToSet: { fired: { $each: [...r] } } } } }));
  for (let i = 0; i < clockOps.length; i += 1000) await db.collection('clocks').bulkWrite(clockOps.slice(i, i + 1000), { ordered: false });
  for (let i = 0; i < signalIds.length; i += 1000) await jobs.deleteMany({ _id: { $in: signalIds.slice(i, i + 1000) as any[] } });
  const timerIds = (await jobs.find({ name: names.timer, ...due }, { projection: { _id: 1 } }).toArray()).map((j) => j._id);
  for (let i = 0; i < timerIds.length; i += 1000) await jobs.deleteMany({ _id: { $in: timerIds.slice(i, i + 1000) } });
  return { signals: signalIds.length, timers: timerIds.length, clocks: clockOps.length };
}
