/**
 * The live board's counts (engine/stats/board.ts) against the real test server:
 * - a hand-made set whose every number is worked out in the comments;
 * - 600 random clocks (several clocks per case, across units and windows, in every state) checked
 *   against a plain restatement of the board's documented semantics, unscoped and for one town;
 * - stopped clocks (the history) change nothing;
 * - the open clocks a BoardSource keeps in memory follow every change written with `updatedAt`
 *   (a clock started, rung, stopped) without reading them all again, and a change written
 *   without it (a restore, a bulk copy) shows after the periodic whole read;
 * - the counts a BoardSource keeps up clock by clock (issue 11: a computation no longer passes over
 *   every open clock) equal a fresh whole read after every round of random changes — clocks
 *   started, rung, paused, resumed, stopped, moved, given a new due time — while time moves on
 *   (running clocks breach as their due time passes), city-wide and for one town; and the
 *   periodic whole read, done in the background, is taken by a later computation.
 */
import mongoose, { type Connection } from 'mongoose';
import { createModels, type Models } from '../../persistence/models';
import { dbUri, uniqueDbName } from '../../../test/helpers/server';
import { BoardSource, type Board } from '..';

const NOW = new Date('2026-03-10T04:00:00Z');
const H = 3600_000;
const ago = (h: number) => new Date(NOW.getTime() - h * H);
const later = (h: number) => new Date(NOW.getTime() + h * H);

const ORGS = [
  { _id: 'city', code: 'XY', seq: 0, name: '信宜市行政服务中心', shortName: '信宜市', level: 'city' },
  { _id: 'dingbao', code: 'DB', seq: 3, name: '丁堡镇行政服务中心', shortName: '丁堡镇', level: 'town' },
  { _id: 'chidong', code: 'CD', seq: 4, name: '池洞镇行政服务中心', shortName: '池洞镇', level: 'town' },
];
const WINDOWS = [
  { _id: 'xy-w01', orgUnit: 'city', no: 1, name: '市国土窗口', status: 'active' },
  { _id: 'db-w01', orgUnit: 'dingbao', no: 1, name: '丁堡镇国土窗口', status: 'active' },
  { _id: 'db-w02', orgUnit: 'dingbao', no: 2, name: '丁堡镇社会事务窗口', status: 'active' },
  { _id: 'cd-w01', orgUnit: 'chidong', no: 1, name: '池洞镇人社窗口', status: 'active' },
];

type ClockDoc = { _id: string; caseNo?: string; kind: string; orgUnit?: string; windowId?: string; status: 'running' | 'paused' | 'stopped'; dueAt?: Date | null; fired?: string[] };
const clock = (c: ClockDoc): any => ({ budget: { unit: 'working-days', days: 5 }, startedAt: ago(100), pauses: [], extension: null, version: 1, signalsAt: {}, fired: [], ...c });

const units = (b: Board) => Object.fromEntries(b.units.map((u) => [u.key, u]));
const windows = (b: Board) => Object.fromEntries(b.units.flatMap((u) => u.windows.map((w) => [w.key, w])));
const counts = (x: any) => ({ openCases: x.openCases, openSteps: x.openSteps, warned: x.warned, breached: x.breached, serious: x.serious, openEscalations: x.openEscalations });

describe('live board', () => {
  const dbName = uniqueDbName('board');
  let conn: Connection;
  let models: Models;

  beforeAll(async () => {
    conn = mongoose.createConnection(dbUri(dbName), { autoIndex: false, autoCreate: true });
    await conn.asPromise();
    models = createModels(conn);
    await conn.db!.collection('org_units').insertMany(ORGS as any[]);
    await conn.db!.collection('windows').insertMany(WINDOWS as any[]);
  });
  afterAll(async () => {
    await conn?.close();
  });

  const reset = async () => {
    await conn.db!.collection('clocks').deleteMany({});
    await conn.db!.collection('escalations').deleteMany({});
  };

  it('counts cases once per unit and window, steps per clock, and breaches the instant the due time passes', async () => {
    await reset();
    await conn.db!.collection('clocks').insertMany([
      // DB1 in 丁堡 window 1: statutory and promised running, promised fired its warning → 1 open case, warned once
      clock({ _id: 'DB1:statutory', caseNo: 'DB1', kind: 'statutory', orgUnit: 'dingbao', windowId: 'db-w01', status: 'running', dueAt: later(48) }),
      clock({ _id: 'DB1:promised', caseNo: 'DB1', kind: 'promised', orgUnit: 'dingbao', windowId: 'db-w01', status: 'running', dueAt: later(24), fired: ['warning'] }),
      // …and its step, in window 1 too, past its due time with no breach fired yet → DB1 breached there (so not warned)
      clock({ _id: 'step:DB1-t1', caseNo: 'DB1', kind: 'step', orgUnit: 'dingbao', windowId: 'db-w01', status: 'running', dueAt: ago(1) }),
      // DB2 in 丁堡 window 2: paused past its old due time (a pause is not a breach); its step warned
      clock({ _id: 'DB2:promised', caseNo: 'DB2', kind: 'promised', orgUnit: 'dingbao', windowId: 'db-w02', status: 'paused', dueAt: ago(5) }),
      clock({ _id: 'step:DB2-t1', caseNo: 'DB2', kind: 'step', orgUnit: 'dingbao', windowId: 'db-w02', status: 'running', dueAt: later(2), fired: ['reminder', 'warning'] }),
      // DB3, report-up: its case clock in 丁堡 window 2, its step at the city (window xy-w01) fired serious
      clock({ _id: 'DB3:statutory', caseNo: 'DB3', kind: 'statutory', orgUnit: 'dingbao', windowId: 'db-w02', status: 'running', dueAt: later(72), fired: ['warning'] }),
      clock({ _id: 'step:DB3-t2', caseNo: 'DB3', kind: 'step', orgUnit: 'city', windowId: 'xy-w01', status: 'running', dueAt: ago(200), fired: ['warning', 'breach', 'serious'] }),
      // CD1 in 池洞, a window no longer in the lookups: counted on the unit and under the window's key
      clock({ _id: 'CD1:promised', caseNo: 'CD1', kind: 'promised', orgUnit: 'chidong', windowId: 'cd-w09', status: 'running', dueAt: later(1) }),
      // CD2 in 池洞 window 1: the examination clock (收件审查) with breach fired
      clock({ _id: 'CD2:examination', caseNo: 'CD2', kind: 'examination', orgUnit: 'chidong', windowId: 'cd-w01', status: 'running', dueAt: ago(3), fired: ['breach'] }),
      // not counted: stopped clocks (history), a reply clock of a supervision notice
      clock({ _id: 'OLD1:statutory', caseNo: 'OLD1', kind: 'statutory', orgUnit: 'dingbao', windowId: 'db-w01', status: 'stopped', dueAt: ago(500), fired: ['breach'] }),
      clock({ _id: 'step:OLD1-t1', caseNo: 'OLD1', kind: 'step', orgUnit: 'dingbao', windowId: 'db-w01', status: 'stopped', dueAt: ago(500) }),
      clock({ _id: 'reply:E9:1', kind: 'reply', orgUnit: 'chidong', status: 'running', dueAt: ago(1), fired: ['breach'] }),
    ]);
    await conn.db!.collection('escalations').insertMany([
      { _id: 'E1', orgUnit: 'dingbao', windowId: 'db-w01', status: 'open' },
      { _id: 'E2', orgUnit: 'dingbao', windowId: 'db-w01', status: 'notified' },
      { _id: 'E3', orgUnit: 'chidong', status: 'replied' },
      { _id: 'E4', orgUnit: 'chidong', windowId: 'cd-w01', status: 'closed' },
    ] as any[]);

    const board = await new BoardSource(models).board({ now: NOW });
    // cases: DB1, DB2, DB3, CD1, CD2 (open) · steps: 3 · breached: DB1 (step past due), DB3 (serious), CD2 · serious: DB3
    // warned: DB2 (its step) only — DB1 and DB3 are breached (DB3 at the city: overall it counts as breached)
    expect(counts(board.total)).toEqual({ openCases: 5, openSteps: 3, warned: 1, breached: 3, serious: 1, openEscalations: 3 });
    expect(board.meta.openClocks).toBe(9);
    const u = units(board);
    expect(counts(u.dingbao)).toEqual({ openCases: 3, openSteps: 2, warned: 2, breached: 1, serious: 0, openEscalations: 2 }); // warned DB2, DB3 (DB3 breached only at the city)
    expect(counts(u.city)).toEqual({ openCases: 0, openSteps: 1, warned: 0, breached: 1, serious: 1, openEscalations: 0 });
    expect(counts(u.chidong)).toEqual({ openCases: 2, openSteps: 0, warned: 0, breached: 1, serious: 0, openEscalations: 1 });
    const w = windows(board);
    expect(counts(w['db-w01'])).toEqual({ openCases: 1, openSteps: 1, warned: 0, breached: 1, serious: 0, openEscalations: 2 });
    expect(counts(w['db-w02'])).toEqual({ openCases: 2, openSteps: 1, warned: 2, breached: 0, serious: 0, openEscalations: 0 });
    expect(counts(w['xy-w01'])).toEqual({ openCases: 0, openSteps: 1, warned: 0, breached: 1, serious: 1, openEscalations: 0 });
    expect(counts(w['cd-w01'])).toEqual({ openCases: 1, openSteps: 0, warned: 0, breached: 1, serious: 0, openEscalations: 0 });
    expect(w['cd-w09']).toMatchObject({ label: 'cd-w09', openCases: 1 });
    expect(u.chidong.windows.map((x) => x.key)).toEqual(['cd-w01', 'cd-w09']);

    // an hour earlier DB1's step was not yet due: DB1 is warned in window 1, not breached
    const before = await new BoardSource(models).board({ now: ago(1.5) });
    expect(counts(windows(before)['db-w01'])).toMatchObject({ warned: 1, breached: 0 });
    // a town's board: its own unit only, the same numbers
    const own = await new BoardSource(models).board({ orgUnit: 'dingbao', now: NOW });
    expect(own.units.map((x) => x.key)).toEqual(['dingbao']);
    expect(counts(own.total)).toEqual(counts(u.dingbao));
    expect(counts(own.units[0])).toEqual(counts(u.dingbao));
  });

  it('agrees with the documented semantics on 600 random clocks, city-wide and for one town; the history changes nothing', async () => {
    await reset();
    let seed = 20261207;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const placed = WINDOWS.map((w) => ({ u: w.orgUnit, w: w._id }));
    const docs: ClockDoc[] = [];
    for (let i = 0; docs.length < 600; i++) {
      const caseNo = `R${i}`;
      const home = pick(placed);
      const n = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) {
        const where = rnd() < 0.7 ? home : pick(placed);
        const kind = k === 0 ? pick(['statutory', 'promised', 'examination']) : pick(['statutory', 'promised', 'step', 'step', 'reply']);
        docs.push({
          _id: `${caseNo}:${k}`, caseNo, kind, orgUnit: where.u, windowId: rnd() < 0.9 ? where.w : undefined,
          status: pick(['running', 'running', 'running', 'paused', 'stopped']),
          dueAt: rnd() < 0.1 ? null : rnd() < 0.5 ? ago(rnd() * 100) : later(rnd() * 100),
          fired: pick([[], [], ['reminder'], ['warning'], ['warning', 'reminder'], ['warning', 'breach'], ['breach'], ['warning', 'breach', 'serious']]),
        });
      }
    }
    await conn.db!.collection('clocks').insertMany(docs.map(clock));
    const escalations = Array.from({ length: 30 }, (_, i) => ({ _id: `E${i}`, ...(() => { const p = pick(placed); return { orgUnit: p.u, windowId: rnd() < 0.5 ? p.w : undefined }; })(), status: pick(['open', 'acknowledged', 'notified', 'replied', 'closed']) }));
    await conn.db!.collection('escalations').insertMany(escalations as any[]);

    /** The header of board.ts, restated: sets of cases per scope and state. */
    const expected = (scope?: string) => {
      const S = new Map<string, { open: Set<string>; br: Set<string>; se: Set<string>; wa: Set<string>; steps: number; esc: number }>();
      const at = (k: string) => S.get(k) ?? (S.set(k, { open: new Set(), br: new Set(), se: new Set(), wa: new Set(), steps: 0, esc: 0 }), S.get(k)!);
      for (const c of docs) {
        if (c.status === 'stopped' || c.kind === 'reply' || (scope && c.orgUnit !== scope)) continue;
        const f = c.fired ?? [];
        const breached = f.includes('breach') || f.includes('serious') || (c.status === 'running' && !!c.dueAt && c.dueAt <= NOW);
        for (const k of ['*', `u:${c.orgUnit}`, ...(c.windowId ? [`w:${c.windowId}`] : [])]) {
          const s = at(k);
          if (c.kind !== 'step') s.open.add(c.caseNo!);
          else s.steps++;
          if (breached) s.br.add(c.caseNo!);
          if (f.includes('serious')) s.se.add(c.caseNo!);
          if (f.includes('warning') && !breached) s.wa.add(c.caseNo!);
        }
      }
      for (const e of escalations) {
        if (e.status === 'closed' || (scope && e.orgUnit !== scope)) continue;
        for (const k of ['*', `u:${e.orgUnit}`, ...(e.windowId ? [`w:${e.windowId}`] : [])]) at(k).esc++;
      }
      const view = (k: string) => {
        const s = at(k);
        return { openCases: s.open.size, openSteps: s.steps, warned: [...s.wa].filter((c) => !s.br.has(c)).length, breached: s.br.size, serious: s.se.size, openEscalations: s.esc };
      };
      return view;
    };

    const source = new BoardSource(models);
    const all = await source.board({ now: NOW });
    const want = expected();
    expect(counts(all.total)).toEqual(want('*'));
    expect(all.total.openCases).toBeGreaterThan(50);
    expect(all.total.warned).toBeGreaterThan(5);
    for (const u of all.units) expect([u.key, counts(u)]).toEqual([u.key, want(`u:${u.key}`)]);
    for (const [k, w] of Object.entries(windows(all))) expect([k, counts(w)]).toEqual([k, want(`w:${k}`)]);

    const own = await source.board({ orgUnit: 'dingbao', now: NOW });
    const wantOwn = expected('dingbao');
    expect(counts(own.total)).toEqual(wantOwn('*'));
    expect(counts(own.units[0])).toEqual(wantOwn('u:dingbao'));
    for (const w of own.units[0].windows) expect([w.key, counts(w)]).toEqual([w.key, wantOwn(`w:${w.key}`)]);

    // 3,000 stopped clocks of finished cases (the history): the board is the same
    await conn.db!.collection('clocks').insertMany(Array.from({ length: 3000 }, (_, i) => clock({ _id: `H${i}:statutory`, caseNo: `H${i}`, kind: pick(['statutory', 'step']), orgUnit: pick(placed).u, windowId: pick(placed).w, status: 'stopped', dueAt: ago(1000), fired: pick([[], ['breach']]) })));
    const again = await source.board({ now: NOW });
    expect({ ...again, meta: undefined }).toEqual({ ...all, meta: undefined });
  });
  it('follows the changes since its last read, and a change written without updatedAt after its whole read', async () => {
    await reset();
    const real = () => new Date();
    const c = conn.db!.collection('clocks');
    await c.insertMany([
      clock({ _id: 'DB7:promised', caseNo: 'DB7', kind: 'promised', orgUnit: 'dingbao', windowId: 'db-w01', status: 'running', dueAt: later(48) }),
      clock({ _id: 'DB8:promised', caseNo: 'DB8', kind: 'promised', orgUnit: 'dingbao', windowId: 'db-w02', status: 'running', dueAt: later(48) }),
    ].map((x) => ({ ...x, updatedAt: real() })));
    const source = new BoardSource(models, { fullEveryMs: 60_000, overlapMs: 0 }); // no overlap: what it reads again is only what changed
    const fresh = async () => counts((await new BoardSource(models).board({ now: NOW })).total);
    const seen = async () => counts((await source.board({ now: NOW })).total);
    expect(await seen()).toMatchObject({ openCases: 2, warned: 0, breached: 0 });
    // written as the product writes them: a rung, a stop, a new case with a step, each with updatedAt
    await c.updateOne({ _id: 'DB7:promised' as any }, { $addToSet: { fired: 'warning' }, $set: { updatedAt: real() } });
    await c.updateOne({ _id: 'DB8:promised' as any }, { $set: { status: 'stopped', stoppedAt: real(), updatedAt: real() } });
    await c.insertMany([
      clock({ _id: 'CD9:statutory', caseNo: 'CD9', kind: 'statutory', orgUnit: 'chidong', windowId: 'cd-w01', status: 'running', dueAt: ago(1) }),
      clock({ _id: 'step:CD9-t1', caseNo: 'CD9', kind: 'step', orgUnit: 'chidong', windowId: 'cd-w01', status: 'running', dueAt: later(5) }),
    ].map((x) => ({ ...x, updatedAt: real() })));
    const now = await seen();
    expect(now).toEqual({ openCases: 2, openSteps: 1, warned: 1, breached: 1, serious: 0, openEscalations: 0 });
    expect(now).toEqual(await fresh());
    // a change written without updatedAt (a restore, a bulk copy) is not seen by the changes …
    await c.updateOne({ _id: 'DB7:promised' as any }, { $set: { status: 'stopped' } });
    expect((await seen()).openCases).toBe(2);
    // … until the whole read comes round again
    const soon = new BoardSource(models, { fullEveryMs: 0 });
    expect((await soon.board({ now: NOW })).total.openCases).toBe(1);
    expect(await fresh()).toMatchObject({ openCases: 1 });
  });

  it('keeps its counts clock by clock equal to a fresh whole read through 10 rounds of random changes while time moves on', async () => {
    await reset();
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const placed = [...WINDOWS.map((w) => ({ u: w.orgUnit, w: w._id })), { u: 'chidong', w: 'cd-w09' }, { u: 'xinbao', w: 'xb-w01' }];
    const c = conn.db!.collection('clocks');
    const real = () => new Date();
    const ids: string[] = [];
    const fresh = (caseNo: string, k: number) => {
      const where = pick(placed);
      ids.push(`${caseNo}:${k}`);
      const doc = clock({
        _id: `${caseNo}:${k}`, caseNo, kind: pick(['statutory', 'promised', 'examination', 'step', 'step', 'reply']), orgUnit: where.u, windowId: rnd() < 0.9 ? where.w : undefined,
        status: pick<'running' | 'paused'>(['running', 'running', 'paused']), dueAt: rnd() < 0.1 ? null : later(rnd() * 12 - 2), fired: pick([[], [], ['warning'], ['breach'], ['warning', 'breach', 'serious']]),
      });
      return { ...doc, updatedAt: real() };
    };
    await c.insertMany(Array.from({ length: 300 }, (_, i) => fresh(`M${i % 120}`, i)));
    await conn.db!.collection('escalations').insertMany([{ _id: 'EM1', orgUnit: 'xinbao', windowId: 'xb-w01', status: 'open' }, { _id: 'EM2', orgUnit: 'dingbao', windowId: 'db-w07', status: 'notified' }] as any[]);
    const source = new BoardSource(models, { fullEveryMs: 3_600_000, overlapMs: 0 });
    const strip = (b: Board) => ({ ...b, meta: { openClocks: b.meta.openClocks } });
    const same = async (now: Date) => {
      for (const orgUnit of [undefined, 'dingbao', 'chidong']) {
        expect(strip(await source.board({ orgUnit, now }))).toEqual(strip(await new BoardSource(models).board({ orgUnit, now })));
      }
    };
    await same(NOW);
    let hours = 0;
    for (let round = 1; round <= 10; round++) {
      for (let n = 0; n < 50; n++) {
        const id = pick(ids);
        const op = pick(['new', 'rung', 'pause', 'resume', 'stop', 'due', 'move']);
        const set: Record<string, unknown> = { updatedAt: real() };
        if (op === 'new') {
          await c.insertOne(fresh(`N${round}-${n}`, 0));
          continue;
        }
        if (op === 'rung') {
          await c.updateOne({ _id: id as any }, { $addToSet: { fired: pick(['warning', 'breach', 'serious']) }, $set: set });
          continue;
        }
        if (op === 'pause') set.status = 'paused';
        if (op === 'resume') set.status = 'running';
        if (op === 'stop') set.status = 'stopped';
        if (op === 'due') set.dueAt = later(round + rnd() * 6 - 3);
        if (op === 'move') Object.assign(set, (({ u, w }) => ({ orgUnit: u, windowId: w }))(pick(placed)));
        await c.updateOne({ _id: id as any }, { $set: set });
      }
      // a quarter of an hour to 1¾ hours on: the running clocks due meanwhile breach
      hours += 0.25 + rnd() * 1.5;
      await same(later(hours));
    }
    // an earlier "now" than the last one (only tests ask for one): everything judged again
    await same(NOW);
    expect((await source.board({ now: NOW })).meta.openClocks).toBeGreaterThan(200);
  });

  it('takes the periodic whole read, made in the background, at a later computation', async () => {
    await reset();
    const c = conn.db!.collection('clocks');
    await c.insertMany([
      clock({ _id: 'BG1:promised', caseNo: 'BG1', kind: 'promised', orgUnit: 'dingbao', windowId: 'db-w01', status: 'running', dueAt: later(48) }),
      clock({ _id: 'BG2:promised', caseNo: 'BG2', kind: 'promised', orgUnit: 'dingbao', windowId: 'db-w01', status: 'running', dueAt: later(48) }),
    ].map((x) => ({ ...x, updatedAt: new Date() })));
    const source = new BoardSource(models, { fullEveryMs: 0, overlapMs: 0 });
    expect((await source.board({ now: NOW })).total.openCases).toBe(2);
    // stopped without updatedAt (a restore): only a whole read sees it; each computation starts one in the background
    await c.updateOne({ _id: 'BG1:promised' as any }, { $set: { status: 'stopped' } });
    let open = 2;
    for (const deadline = Date.now() + 10_000; open !== 1 && Date.now() < deadline; ) {
      open = (await source.board({ now: NOW })).total.openCases;
      if (open !== 1) await new Promise((r) => setTimeout(r, 20));
    }
    expect(open).toBe(1);
  });
});
