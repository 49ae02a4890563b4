/**
 * `npm run bench` — the platform at size, on the embedded database (FerretDB 2 on PostgreSQL +
 * DocumentDB), in a throw-away data folder. Prints the machine and the numbers, checks them
 * against the targets of issue 11 (PASS / MISS with the margin: misses are reported, never
 * thrown) and writes `.bench/results.json` (BENCH_OUT=<name>.json: another file in .bench/, for partial runs).
 *
 * Environment:
 *   BENCH_CASES     stored-case counts: a list ("1000,100000", the default) or one number N
 *                   (N > 100000 → 1000, 100000, N; e.g. BENCH_CASES=1000000 for a million)
 *   BENCH_ONLY      comma list of parts: roundtrips, commands, inbox, reports, http, board,
 *                   ceiling, timers (default: all)
 *   BENCH_HTTP_SECONDS   length of the HTTP load per stored-case count (default 30)
 *   BENCH_COMMANDS  rounds of the sequential in-process commands per count (default 12; a round
 *                   is 2 intakes + 2 completions)
 *   BENCH_TIMERS    timers in the timer test (default 10000; a tenth due in the same second)
 *   BENCH_SEED      core (default: each case's documents without its audit trail, notices and
 *                   notifications) or full
 *   BENCH_REPORT_TIMEOUT_S  a statistics report still running after this is recorded as missed (default 20)
 *   BENCH_TIMER_WAIT_S  how long to wait for the timers due together (default 120)
 *   BENCH_REFRESH_S     budget of the rollups' catch-up after a bulk load, before the reports (default 900)
 *   BENCH_SERVER_NODE_ARGS  node flags for the API server, e.g. "--cpu-prof --cpu-prof-dir=.bench/prof"
 *   BENCH_PG_SLOW_MS  PostgreSQL logs statements slower than this many ms; the log is kept as .bench/pg-slow-<out>.log
 *   BENCH_DATA_DIR  data folder to use (default a temp folder, removed after); BENCH_KEEP=1 keeps it
 *   BENCH_REUSE=1   with BENCH_DATA_DIR: a kept folder that already holds a count's cases is measured
 *                   as it is — no template capture, no copying (copying 100,000 takes 10–30 min here);
 *                   a folder holding fewer cases than a count, or over 1.5 × it, is refused. Seed it once
 *                   with BENCH_KEEP=1 BENCH_CASES=100000 BENCH_ONLY=reports (which also lets the
 *                   rollups catch up), then e.g. BENCH_REUSE=1 BENCH_CASES=100000 BENCH_ONLY=board,reports.
 *
 * Stored data: cases taken in and worked through the product's own write path are captured
 * and bulk-copied (insertMany, batches of 1000) with fresh identities, centres and dates — see
 * clone.ts. The commands, inbox, reports, board and HTTP figures then run through the product.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Db } from 'mongodb';
import { REJECT_REASONS, seedAll, startPlatform, STATS_DIMENSIONS, type Platform } from '../../engine';
import { startEmbeddedDb, type EmbeddedDb } from '../../engine/persistence/embedded-db';
import { runEngine } from '../../engine/runtime/run-engine';
import { applicant } from '../helpers/people';
import { ApiClient } from '../helpers/api';
import { spawn, type ChildProcess } from 'node:child_process';
import { BulkWriter, capture, cloner, settlePast, snapshot, type Template } from './clone';
import { CST_OFFSET_MS as CST } from '../../common/cst';

const ROOT = path.resolve(__dirname, '..', '..');
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
/** With BENCH_PG_SLOW_MS each line also says the UTC time, to cut PostgreSQL's log by part (pg-slow-log.js takes HH:MM:SS windows). */
const log = (msg: string) => console.log(`[${elapsed()}${process.env.BENCH_PG_SLOW_MS ? ` ${new Date().toISOString().slice(11, 19)}` : ''}] ${msg}`);

// ---------------------------------------------------------------- options

const PARTS = ['roundtrips', 'commands', 'inbox', 'reports', 'http', 'board', 'ceiling', 'timers'] as const;
type Part = (typeof PARTS)[number];
const only = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const p of only) if (!PARTS.includes(p as Part)) throw new Error(`BENCH_ONLY: unknown part "${p}" (parts: ${PARTS.join(', ')})`);
const want = (p: Part) => only.has(p);

function storedCounts(): number[] {
  const raw = process.env.BENCH_CASES;
  if (!raw) return [1000, 100_000];
  const list = raw.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  if (list.length === 1 && list[0] > 100_000) return [1000, 100_000, list[0]];
  return [...new Set(list)].sort((a, b) => a - b);
}
const COUNTS = storedCounts();
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_COMMANDS ?? 12);
const TIMERS = Number(process.env.BENCH_TIMERS ?? 10_000);
const CLERKS = 16;
const REPORT_TIMEOUT_S = Number(process.env.BENCH_REPORT_TIMEOUT_S ?? 20);
/** seconds the rollup refresh after a bulk load may take before the reports run (BENCH_REFRESH_S) */
const REFRESH_BUDGET_S = Number(process.env.BENCH_REFRESH_S ?? 900);
const slowReports: string[] = [];
/** A part that failed is reported and the run goes on. */
function failed(part: string, stored: number, err: unknown) {
  const msg = `${part} at ${stored}: ${String((err as Error)?.message ?? err).slice(0, 500)}`;
  log(`  FAILED ${msg}`);
  (results.errors ??= []).push(msg);
}
/** how long the timer test waits for the timers due together (BENCH_TIMER_WAIT_S); the rest count as this late */
const TIMER_WAIT_S = Number(process.env.BENCH_TIMER_WAIT_S ?? 120);
/**
 * BENCH_SEED=full copies every document of a template case; the default `core` leaves out the
 * audit trail (audit_events, audit_claims), notices and notifications — per case, read only by
 * case number on the case page, ~30 of a case's ~44 documents — so 100,000 cases load in minutes.
 */
const SEED_FULL = process.env.BENCH_SEED === 'full';
const SKIPPED = SEED_FULL ? [] : ['audit_events', 'audit_claims', 'notices', 'notifications'];
const trim = <T extends { docs: Record<string, any[]> }>(copy: T): T => {
  for (const c of SKIPPED) delete copy.docs[c];
  // a stored case's revisions have long been projected (the template may be caught before the sweep marked them)
  for (const r of copy.docs.revisions ?? []) if (r.projected === false) r.projected = true;
  delete copy.docs.projection_queue;
  return copy;
};

// ---------------------------------------------------------------- helpers

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const r1 = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) => pct(xs, 50);

interface Check { target: string; pass: boolean; detail: string }
const checks: Check[] = [];
/** Records a target: `value` against `limit` (≤ or ≥), with the margin when missed. */
function check(target: string, value: number | undefined, op: '<=' | '<' | '>=', limit: number, unit: string) {
  if (value === undefined || Number.isNaN(value)) {
    checks.push({ target, pass: false, detail: 'not measured' });
    return;
  }
  const pass = op === '<=' ? value <= limit : op === '<' ? value < limit : value >= limit;
  const ratio = op === '>=' ? limit / Math.max(value, 1e-9) : value / limit;
  const detail = `${r1(value)} ${unit} (target ${op} ${r1(limit)} ${unit})${pass ? '' : ` — missed by ${r1(Math.abs(value - limit))} ${unit}, ${r1(ratio)}×`}`;
  checks.push({ target, pass, detail });
}

const results: Record<string, any> = {
  startedAt: new Date().toISOString(),
  storedData: `cases taken through the product (intake, task completions) captured as templates and bulk-copied with insertMany in batches of 1000 (fresh case numbers, instance ids, UUIDs and ObjectIds; 20 centres; dates spread over two years, open cases over the last 20 days; 90% ended, 10% open)${process.env.BENCH_SEED === 'full' ? '' : '; without the audit trail, notices and notifications of the copies (BENCH_SEED=full adds them)'}`,
  storedCases: COUNTS,
  parts: [...only],
  roundTripsPerCommand: {},
  commandP50Ms: {},
  commandP99Ms: {},
  commandMsByKind: {},
  inboxP99Ms: {},
  boardMs: {},
  reportMs: {},
  httpCommandsPerSecond: {},
  httpP99Ms: {},
  seeding: {},
};

// ---------------------------------------------------------------- the machine and the database

function machine() {
  const cpus = os.cpus();
  return {
    cpus: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    memoryGiB: r1(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
  } as Record<string, any>;
}

function psql(db: EmbeddedDb, sql: string): string {
  const creds = JSON.parse(readFileSync(path.join(db.dataDir, 'credentials.json'), 'utf8'));
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(db.pgPort), '-U', creds.user, '-d', 'postgres', '-qAtc', sql], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: creds.password },
  });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

async function databaseInfo(platform: Platform, db: EmbeddedDb) {
  const conn = platform.models.Task.db;
  const info: any = await conn.db!.admin().command({ buildInfo: 1 });
  let postgres = 'unknown';
  let documentdb = 'unknown';
  try {
    postgres = psql(db, 'SHOW server_version');
    documentdb = psql(db, "SELECT extversion FROM pg_extension WHERE extname = 'documentdb'");
  } catch (err) {
    log(`(could not ask PostgreSQL its version: ${(err as Error).message})`);
  }
  const ferret = info.ferretdb?.version ?? (await platform.databaseInfo()).version;
  return { kind: info.ferretdb ? 'ferretdb' : 'mongodb', version: String(ferret ?? info.version), wireVersion: info.version, postgresql: postgres, documentdb, embedded: true };
}

// ---------------------------------------------------------------- the server process

interface Server { child: ChildProcess; url: string; startMs: number; kill(): Promise<void> }

/** Starts `api/main.ts` (API + workers, as `npm start` runs) on the benchmark's database; waits for "listening". */
function startApi(mongodbUri: string, env: Record<string, string>, timeoutMs = 600_000): Promise<Server> {
  const t = performance.now();
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=.bench/prof"
  // (a CPU profile written when it stops; Node refuses --cpu-prof in NODE_OPTIONS)
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'api/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', MONGODB_URI: mongodbUri, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`api/main.ts did not listen within ${timeoutMs / 1000} s; last lines:\n${tail.join('\n')}`));
    }, timeoutMs);
    child.stderr!.on('data', (b: Buffer) => tail.push(b.toString().slice(0, 300)));
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail.push(line.slice(0, 300));
        if (tail.length > 15) tail.shift();
        if (done || !line.includes('"listening"')) continue;
        try {
          const l = JSON.parse(line);
          if (l.msg !== 'listening') continue;
          done = true;
          clearTimeout(timer);
          resolve({
            child,
            url: `http://127.0.0.1:${l.port}`,
            startMs: performance.now() - t,
            async kill() {
              if (child.exitCode !== null || child.signalCode !== null) return;
              child.kill('SIGTERM');
              const t2 = setTimeout(() => child.kill('SIGKILL'), 20_000);
              await exited;
              clearTimeout(t2);
            },
          });
        } catch {
          /* not JSON */
        }
      }
    });
    child.once('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`api/main.ts exited (${code}) before listening:\n${tail.join('\n')}`));
    });
  });
}

// ---------------------------------------------------------------- where the CPU goes

/** CPU seconds (user + system) of the benchmark, the server process, FerretDB and PostgreSQL (its postmaster's children). */
function cpuSeconds(db: EmbeddedDb, serverPid?: number): Record<string, number> {
  const TICK = 100;
  const stat = (pid: number) => {
    try {
      const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK, comm: raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')) };
    } catch {
      return undefined;
    }
  };
  let postmaster = 0;
  try {
    postmaster = Number(readFileSync(path.join(db.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    /* unknown */
  }
  const out: Record<string, number> = { benchmark: 0, server: 0, ferretdb: 0, postgresql: 0 };
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!pid) continue;
    const st = stat(pid);
    if (!st) continue;
    if (pid === process.pid) out.benchmark += st.cpu;
    else if (serverPid && pid === serverPid) out.server += st.cpu;
    else if (st.comm === 'ferretdb' && st.ppid === process.pid) out.ferretdb += st.cpu;
    else if (pid === postmaster || (postmaster && st.ppid === postmaster)) out.postgresql += st.cpu;
  }
  return out;
}
const cpuDelta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, r1(b[k] - (a[k] ?? 0))]));
const load = () => os.loadavg().map((x) => r1(x));

// ---------------------------------------------------------------- round-trip counting

/** Counts the driver's commands (command monitoring) while `fn` runs. */
function monitor(platform: Platform) {
  const client = (platform.models.Task.db as any).getClient();
  let current: string[] | undefined;
  client.on('commandStarted', (e: any) => {
    if (current) current.push(`${e.commandName} ${typeof e.command?.[e.commandName] === 'string' ? e.command[e.commandName] : ''}`.trim());
  });
  return async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; commands: string[] }> => {
    const mine: string[] = [];
    current = mine;
    const t = performance.now();
    try {
      const value = await fn();
      return { value, ms: performance.now() - t, commands: mine };
    } finally {
      current = undefined;
    }
  };
}
const tally = (cmds: string[]) => {
  const m: Record<string, number> = {};
  for (const c of cmds) m[c] = (m[c] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).sort((a, b) => b[1] - a[1]));
};

// ---------------------------------------------------------------- actors, items

interface Actor { username: string; groups: string[]; roles: string[]; orgUnit?: string; windowId?: string; post?: string }
const orgUnits: any[] = JSON.parse(readFileSync(path.join(ROOT, 'processes/catalogue/org-units.json'), 'utf8'));
/** The comprehensive window (w10) and its A post of every centre. */
const centres = orgUnits.map((o) => {
  const w = o.windows.find((x: any) => x.id === `${o.id}-w10`) ?? o.windows[0];
  return { orgUnit: o.id as string, code: o.code as string, level: o.level as string, windowId: w.id as string, clerk: w.staff.A.username as string };
});
const towns = centres.filter((c) => c.level === 'town');

async function actorOf(platform: Platform, username: string): Promise<Actor> {
  const u: any = await platform.models.User.findById(username).lean();
  if (!u) throw new Error(`no user ${username}`);
  return { username: u._id, groups: u.groups ?? [], roles: u.roles ?? [], orgUnit: u.orgUnit, windowId: u.windowId, post: u.post };
}

// ---------------------------------------------------------------- templates

async function captureTemplates(platform: Platform, items: { immediate: any; reportUp: any }) {
  const db = platform.models.Task.db.db as unknown as Db;
  const clerk = await actorOf(platform, 'clerk');
  const materials = (it: any) => it.materials.map((m: any) => ({ code: m.code, provided: true }));
  const intake = (it: any, extra: Record<string, unknown> = {}) => platform.cases.intake({ itemCode: it.code, applicant: applicant(), materials: materials(it), ...extra } as any, clerk as any);
  const openTasks = (caseNo: string) => platform.models.Task.find({ caseNo, status: 'open' }).lean();
  const workAll = async (caseNo: string) => {
    for (let i = 0; i < 10; i++) {
      const open: any[] = await openTasks(caseNo);
      if (!open.length) return;
      for (const t of open) {
        const who = t.assignee ? await actorOf(platform, t.assignee) : clerk;
        await platform.taskActions.complete(t._id, { decision: 'approve', opinion: '同意' }, who as any);
      }
    }
  };
  const templates: Record<string, Template> = {};
  const take = async (name: string, run: () => Promise<{ caseNo: string }>) => {
    const before = await snapshot(db);
    const { caseNo } = await run();
    const kase: any = await platform.models.ServiceCase.findById(caseNo).lean();
    templates[name] = await capture(db, before, name, caseNo, kase.instanceId, kase.receivedAt);
  };
  await take('immediate-done', async () => {
    const r = await intake(items.immediate);
    await workAll(r.case.caseNo);
    return r.case;
  });
  await take('reportup-done', async () => {
    const r = await intake(items.reportUp);
    await workAll(r.case.caseNo);
    return r.case;
  });
  await take('immediate-open', async () => (await intake(items.immediate)).case);
  await take('reportup-open', async () => (await intake(items.reportUp)).case);
  await take('rejected', async () => (await intake(items.immediate, { reject: { reasonCode: Object.keys(REJECT_REASONS)[0] } })).case);
  for (const t of Object.values(templates)) {
    const n = Object.values(t.docs).reduce((s, l) => s + l.length, 0);
    log(`template ${t.name}: ${n} documents in ${Object.keys(t.docs).length} collections (${Object.entries(t.docs).map(([c, l]) => `${c} ${l.length}`).join(', ')})${Object.keys(t.shared).length ? `; shared: ${Object.keys(t.shared).join(', ')}` : ''}`);
  }
  return templates;
}

const MIX: [string, number][] = [
  ['rejected', 0.03],
  ['immediate-open', 0.03],
  ['reportup-open', 0.04],
  ['immediate-done', 0.5],
  ['reportup-done', 0.4],
];
/** Small deterministic PRNG (mulberry32). */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const DAY = 86_400_000;

class Seeder {
  private clones: Record<string, ReturnType<typeof cloner>> = {};
  private seq = new Map<string, number>();
  private rnd = prng(20261207);
  stored = 0;
  private readonly now = Date.now();

  constructor(private readonly db: Db, readonly templates: Record<string, Template>) {
    for (const [name, t] of Object.entries(templates)) this.clones[name] = cloner(t, 'dingbao', 'clerk');
  }

  nextSeq(code: string, at: Date) {
    const key = `${code}${new Date(at.getTime() + CST).toISOString().slice(0, 10)}`;
    const n = (this.seq.get(key) ?? 100_000) + 1;
    this.seq.set(key, n);
    return n;
  }

  /** A working-hours moment `daysBack` days before now (CST 08:30–17:00). */
  moment(daysBack: number) {
    const day = Math.floor((this.now + CST) / DAY) - daysBack;
    return new Date(day * DAY - CST + (510 + Math.floor(this.rnd() * 500)) * 60_000 + Math.floor(this.rnd() * 60_000));
  }

  async seedTo(total: number) {
    const w = new BulkWriter(this.db, 1000);
    const start = performance.now();
    const from = this.stored;
    let lastLog = start;
    let cloneMs = 0;
    let waitMs = 0;
    for (let i = this.stored; i < total; i++) {
      const x = this.rnd();
      let acc = 0;
      let kind = MIX[MIX.length - 1][0];
      for (const [k, p] of MIX) if (x < (acc += p)) { kind = k; break; }
      const open = kind.endsWith('-open');
      const c = centres[i % centres.length];
      const at = this.moment(open ? Math.floor(this.rnd() * 20) : 1 + Math.floor(this.rnd() * 729));
      const tc = performance.now();
      const copy = this.clones[kind]({ orgUnit: c.orgUnit, code: c.code, clerk: c.clerk, receivedAt: at, seq: this.nextSeq(c.code, at) });
      cloneMs += performance.now() - tc;
      // the copies' Agenda jobs: an open case's timers come due long after the benchmark; an ended
      // case's have run, and the product deletes a one-off job once it ran (removeOnComplete)
      if (open) for (const j of copy.docs.agendaJobs ?? []) j.nextRunAt = new Date(this.now + (30 + this.rnd() * 30) * DAY);
      else copy.docs.agendaJobs = [];
      const p = w.add(trim(copy));
      if (p) {
        const tw = performance.now();
        await p;
        waitMs += performance.now() - tw;
      }
      if (performance.now() - lastLog > 20_000) {
        lastLog = performance.now();
        log(`  ${(i + 1).toLocaleString('en')} cases stored (${w.written.toLocaleString('en')} documents, ${Math.round(w.written / ((lastLog - start) / 1000))} documents/s)`);
      }
    }
    await w.flush();
    this.stored = total;
    const s = (performance.now() - start) / 1000;
    return { cases: total - from, documents: w.written, seconds: r1(s), documentsPerSecond: Math.round(w.written / s), copyingSeconds: r1(cloneMs / 1000), waitingForWritesSeconds: r1(waitMs / 1000), insertMsPerDocument: Object.fromEntries(Object.entries(w.msByCollection).map(([c, x]) => [c, Math.round((x.ms / x.docs) * 100) / 100])), errors: w.errors, firstError: w.firstError };
  }
}

// ---------------------------------------------------------------- the in-memory ceiling

async function engineCeiling(defs: { immediate: string; reportUp: string }, seconds: number) {
  const t = performance.now();
  let commands = 0;
  const lat: number[] = [];
  const run = async (o: Parameters<typeof runEngine>[0]) => {
    const s = performance.now();
    const r = await runEngine(o);
    lat.push(performance.now() - s);
    commands++;
    return r;
  };
  let n = 0;
  while (performance.now() - t < seconds * 1000) {
    for (const [xml, variables] of [[defs.immediate, { itemCode: 'X', category: 'immediate' }], [defs.reportUp, { itemCode: 'Y', category: 'report-up' }]] as const) {
      const name = `ceiling-${n++}`;
      const started = await run({ name, source: xml, variables, previous: null, now: () => new Date() });
      const task = started.openTasks[0];
      if (!task) throw new Error('the diagram opened no task');
      // as the persisted engine does: recover from the state (which carries the parsed definition), no re-parse
      await run({
        name,
        state: started.state,
        previous: { openTasks: started.openTasks, timers: started.timers },
        now: () => new Date(),
        apply: (ctx) => ctx.signalTask(task.executionId, { decision: 'approve' }),
      });
    }
  }
  const s = (performance.now() - t) / 1000;
  return { commandsPerSecond: r1(commands / s), p50Ms: r1(median(lat)), commands };
}

// ---------------------------------------------------------------- HTTP load

async function httpLoad(server: Server, items: { immediate: any; reportUp: any }, seconds: number) {
  const clerks = await Promise.all(towns.slice(0, CLERKS).map((c) => ApiClient.login(server.url, c.clerk)));
  const materials = (it: any) => it.materials.map((m: any) => ({ code: m.code, provided: true }));
  const lat: number[] = [];
  const byKind: Record<string, number[]> = { intake: [], complete: [] };
  const failures: Record<string, number> = {};
  let ok = 0;
  const end = Date.now() + seconds * 1000;
  const start = performance.now();
  const timed = async (kind: string, fn: () => Promise<{ status: number; body: any }>) => {
    const t = performance.now();
    const r = await fn();
    const ms = performance.now() - t;
    if (r.status >= 200 && r.status < 300) {
      ok++;
      lat.push(ms);
      byKind[kind].push(ms);
    } else {
      const k = `${kind} ${r.status} ${r.body?.code ?? ''}`.trim();
      failures[k] = (failures[k] ?? 0) + 1;
    }
    return r;
  };
  await Promise.all(
    clerks.map(async (c, i) => {
      let round = i;
      while (Date.now() < end) {
        const it = round++ % 2 === 0 ? items.immediate : items.reportUp;
        const r = await timed('intake', () => c.post('/api/intake', { itemCode: it.code, applicant: applicant(), materials: materials(it) }));
        if (r.status !== 201 || Date.now() >= end) continue;
        const step = (r.body.case.steps ?? []).find((s: any) => s.status === 'open' && s.assignee === towns[i].clerk);
        if (step) await timed('complete', () => c.post(`/api/tasks/${encodeURIComponent(step.taskId)}/complete`, { decision: 'approve', opinion: '同意' }));
      }
    }),
  );
  const s = (performance.now() - start) / 1000;
  return {
    clerks: CLERKS,
    seconds: r1(s),
    commands: ok,
    commandsPerSecond: r1(ok / s),
    p50Ms: r1(median(lat)),
    p99Ms: r1(pct(lat, 99)),
    intakeP50Ms: r1(median(byKind.intake)),
    completeP50Ms: r1(median(byKind.complete)),
    failures,
  };
}

// ---------------------------------------------------------------- timers

async function timerLateness(db: Db, seeder: Seeder, total: number, analyze: () => void = () => undefined) {
  const t = seeder.templates['reportup-open'];
  const job = (t.docs.agendaJobs ?? []).find((j) => j.name === 'bpmn.timer.fire');
  if (!job) return { error: 'the report-up template has no BPMN timer job' };
  const templateDue = new Date(job.data.expireAt).getTime();
  const clone = cloner(t, 'dingbao', 'clerk');
  const dueNow = Math.max(1, Math.round(total / 10));
  const write = async (n: number, dueOf: (i: number) => number) => {
    const w = new BulkWriter(db, 1000);
    const ids: { instanceId: string; due: number }[] = [];
    for (let i = 0; i < n; i++) {
      const c = towns[i % towns.length];
      const due = dueOf(i);
      const receivedAt = new Date(t.receivedAt.getTime() + (due - templateDue));
      const copy = clone({ orgUnit: c.orgUnit, code: c.code, clerk: c.clerk, receivedAt, seq: seeder.nextSeq(c.code, receivedAt) });
      // only the BPMN timer's job: the clocks' signal jobs would come due in the same minutes
      copy.docs.agendaJobs = (copy.docs.agendaJobs ?? []).filter((j) => j.name === 'bpmn.timer.fire');
      ids.push({ instanceId: copy.instanceId!, due });
      const p = w.add(trim(copy));
      if (p) await p;
    }
    await w.flush();
    return { ids, errors: w.errors, firstError: w.firstError };
  };
  const later = await write(total - dueNow, (i) => Date.now() + 3600_000 + (i * 37 % 1000) * 2592_000);
  // as after every bulk load (and as autovacuum would): without it the planner still sees the tables
  // as they were before these 9,000 cases (at 1,000 stored: a tenth of the clocks) and the case
  // layer's read of a case's clocks took 15 ms instead of 1 during the firing (PostgreSQL log)
  analyze();
  // the 1,000 due in the same second, a little after they are stored
  const writeStart = Date.now();
  const dueAt = Math.ceil((Date.now() + 25_000) / 1000) * 1000;
  const now = await write(dueNow, () => dueAt);
  log(`  ${total.toLocaleString('en')} timers stored (${dueNow.toLocaleString('en')} due at ${new Date(dueAt).toISOString()}, stored in ${((Date.now() - writeStart) / 1000).toFixed(1)} s); waiting for them`);
  if (Date.now() > dueAt) log('  (storing took longer than the lead time: the timers were already due when stored)');
  const ids = now.ids.map((x) => x.instanceId);
  const deadline = dueAt + TIMER_WAIT_S * 1000;
  let fired: any[] = [];
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    fired = await db.collection('revisions').find({ instanceId: { $in: ids }, 'command.type': 'timer' }, { projection: { instanceId: 1, createdAt: 1 } }).toArray();
    if (fired.length >= ids.length) break;
  }
  const late = fired.map((r) => new Date(r.createdAt).getTime() - dueAt);
  const missing = ids.length - new Set(fired.map((r) => r.instanceId)).size;
  for (let i = 0; i < missing; i++) late.push(deadline - dueAt);
  return {
    timers: total,
    dueInOneSecond: dueNow,
    fired: fired.length,
    waitedSeconds: TIMER_WAIT_S,
    notFiredInTime: missing,
    latenessP50Ms: r1(median(late)),
    latenessP99Ms: r1(pct(late, 99)),
    latenessMaxMs: r1(Math.max(...late)),
    lastFiredAfterMs: r1(Math.max(...late)),
    storeErrors: later.errors + now.errors,
    firstStoreError: later.firstError ?? now.firstError,
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const keep = process.env.BENCH_KEEP === '1';
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'bench-platform-'));
  results.machine = machine();
  results.machine.loadAverageAtStart = load();
  const m = results.machine;
  console.log(`machine:  ${m.cpus.count} × ${m.cpus.model}, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}; load average ${m.loadAverageAtStart.join(' ')}`);
  log(`starting the embedded database in ${dataDir}`);
  const db = await startEmbeddedDb({ dataDir });
  // BENCH_PG_SLOW_MS: PostgreSQL logs every statement slower than this (with its DocumentDB command),
  // and the log is kept in .bench/ to be summarised with test/bench/pg-slow-log.js (time windows from this run's log lines)
  const slowMs = process.env.BENCH_PG_SLOW_MS;
  if (slowMs) {
    if (!/^\d+$/.test(slowMs)) throw new Error(`BENCH_PG_SLOW_MS: whole milliseconds (got ${JSON.stringify(slowMs)})`);
    for (const sql of [`ALTER SYSTEM SET log_min_duration_statement = '${slowMs}ms'`, 'ALTER SYSTEM SET log_parameter_max_length = 3000', 'SELECT pg_reload_conf()']) psql(db, sql);
    log(`PostgreSQL logs statements over ${slowMs} ms to ${path.join(dataDir, 'logs', 'postgresql.log')} (copied to .bench/ at the end)`);
  }
  const dbName = 'bench';
  const uri = db.uriFor(dbName);
  const monitored = uri + (uri.includes('?') ? '&' : '?') + 'monitorCommands=true';
  const logger = pino({ level: 'error' });
  const platform = await startPlatform({ mongodbUri: monitored, dbName, embeddedDataDir: dataDir, agendaProcessEveryMs: 500, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true }, logger);
  let server: Server | undefined;
  // Ctrl-C: stop the server, the platform and the database before leaving
  const stopAll = async (signal: string) => {
    log(`${signal}: stopping`);
    await server?.kill().catch(() => undefined);
    await platform.close().catch(() => undefined);
    await db.stop().catch(() => undefined);
    if (!keep && !process.env.BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', () => void stopAll('SIGINT'));
  process.once('SIGTERM', () => void stopAll('SIGTERM'));
  try {
    results.database = await databaseInfo(platform, db);
    const d = results.database;
    console.log(`database: ${d.kind === 'ferretdb' ? 'FerretDB' : 'MongoDB'} ${d.version} on PostgreSQL ${d.postgresql} + DocumentDB ${d.documentdb} (embedded, same machine)`);
    await seedAll(platform, 'demo123', logger);
    const count = monitor(platform);
    const rawDb = platform.models.Task.db.db as unknown as Db;
    const allItems: any[] = await platform.catalogue.listItems({} as any);
    const items = {
      immediate: allItems.find((i) => i.procedure === 'immediate-item' && i.orgLevel === 'town'),
      reportUp: allItems.find((i) => i.procedure === 'report-up-item'),
    };
    log(`items: ${items.immediate.code} (immediate-item), ${items.reportUp.code} (report-up-item)`);

    // the in-memory ceiling first, while nothing else runs
    if (want('ceiling') || want('http')) {
      const xml = (f: string) => readFileSync(path.join(ROOT, 'processes/diagrams', f), 'utf8');
      log('in-memory engine ceiling (bpmn-engine through the product adapter, no database, 10 s)');
      const c = await engineCeiling({ immediate: xml('immediate-item.bpmn'), reportUp: xml('report-up-item.bpmn') }, 10);
      results.engineCeilingCommandsPerSecond = c.commandsPerSecond;
      results.engineCeiling = c;
      log(`  ${c.commandsPerSecond} commands/s (p50 ${c.p50Ms} ms per command, ${c.commands} commands)`);
    }

    // the templates and the copier, made when something is copied (BENCH_REUSE may need neither)
    let seederMade: Seeder | undefined;
    const seederOf = async () => {
      if (seederMade) return seederMade;
      log('capturing templates through the product (intake, completions)');
      seederMade = new Seeder(rawDb, await captureTemplates(platform, items));
      return seederMade;
    };
    const reuse = process.env.BENCH_REUSE === '1';
    if (reuse && !process.env.BENCH_DATA_DIR) throw new Error('BENCH_REUSE=1 needs BENCH_DATA_DIR (a folder kept by an earlier run with BENCH_KEEP=1)');

    const clerkActors = await Promise.all(towns.slice(0, CLERKS).map((c) => actorOf(platform, c.clerk)));
    const roundTrips: Record<string, number[]> = { start: [], complete: [], timer: [] };
    const breakdown: Record<string, string[]> = {};

    for (const S of COUNTS) {
      const held = reuse ? await rawDb.collection('service_cases').estimatedDocumentCount() : 0;
      if (reuse) {
        if (held < S || held > 1.5 * S) throw new Error(`BENCH_REUSE: ${dataDir} holds ${held.toLocaleString('en')} cases, not about ${S.toLocaleString('en')} (seed it once with BENCH_KEEP=1 and no BENCH_REUSE)`);
        log(`reusing the ${held.toLocaleString('en')} cases stored in ${dataDir} (BENCH_REUSE)`);
        results.seeding[S] = { reused: held };
      } else {
        log(`seeding to ${S.toLocaleString('en')} stored cases`);
        const seeded = await (await seederOf()).seedTo(S);
        results.seeding[S] = seeded;
        log(`  ${seeded.documents.toLocaleString('en')} documents in ${seeded.seconds} s (${seeded.documentsPerSecond} documents/s; copying ${seeded.copyingSeconds} s, waiting for writes ${seeded.waitingForWritesSeconds} s; insertMany ms per document: ${JSON.stringify(seeded.insertMsPerDocument)})${seeded.errors ? `; ${seeded.errors} errors, first: ${seeded.firstError}` : ''}`);
        // the copies' overdue clock signals and step timers count as fired when due (a live centre has no such backlog)
        const settled = await settlePast(rawDb, new Date());
        results.seeding[S].settledPast = settled;
        log(`  the copies' past settled: ${settled.signals.toLocaleString('en')} overdue clock signals counted as rung (${settled.clocks.toLocaleString('en')} clocks), ${settled.timers.toLocaleString('en')} overdue step-timer jobs removed`);
      }
      const ta = Date.now();
      try {
        // VACUUM too, not only ANALYZE: after a bulk load autovacuum's insert-triggered VACUUM ANALYZE of
        // each large table otherwise runs during the measurements (seen at 100,000: minutes of PostgreSQL CPU)
        psql(db, 'VACUUM (ANALYZE)');
        log(`  VACUUM (ANALYZE) in ${((Date.now() - ta) / 1000).toFixed(1)} s (what autovacuum does after a load, done before measuring)`);
      } catch (err) {
        log(`  VACUUM (ANALYZE) failed: ${(err as Error).message}`);
      }

      // ---- commands, sequential, in-process, counted
      if (want('commands') || want('roundtrips')) {
        const cpu0 = cpuSeconds(db);
        const lat: Record<string, number[]> = { start: [], complete: [], timer: [] };
        const rounds = want('commands') ? ROUNDS : 3;
        for (let r = 0; r < rounds; r++) {
          const actor = clerkActors[r % clerkActors.length];
          for (const it of [items.immediate, items.reportUp]) {
            const s = await count(() => platform.cases.intake({ itemCode: it.code, applicant: applicant(), materials: it.materials.map((x: any) => ({ code: x.code, provided: true })) } as any, actor as any));
            lat.start.push(s.ms);
            roundTrips.start.push(s.commands.length);
            breakdown.start ??= s.commands;
            const task: any = await platform.models.Task.findOne({ caseNo: s.value.case.caseNo, status: 'open' }).lean();
            const c = await count(() => platform.taskActions.complete(task._id, { decision: 'approve', opinion: '同意' }, actor as any));
            lat.complete.push(c.ms);
            roundTrips.complete.push(c.commands.length);
            breakdown.complete ??= c.commands;
          }
        }
        // timer firings: the job's command (ProcessService.fireTimers with the job's data) after a 1 s limit ran out
        const pending: { instanceId: string }[] = [];
        for (let i = 0; i < 3; i++) {
          const out: any = await platform.cases.intake({ itemCode: items.reportUp.code, applicant: applicant(), materials: items.reportUp.materials.map((x: any) => ({ code: x.code, provided: true })), limitOverrides: { townAcceptLimit: 'PT1S' } } as any, clerkActors[i] as any);
          pending.push({ instanceId: out.case.instanceId });
        }
        await new Promise((r) => setTimeout(r, 1500));
        for (const p of pending) {
          const job: any = await rawDb.collection('agendaJobs').findOne({ name: 'bpmn.timer.fire', 'data.instanceId': p.instanceId });
          if (!job) continue;
          const f = await count(() => platform.processService.fireTimers(p.instanceId, job.data));
          lat.timer.push(f.ms);
          roundTrips.timer.push(f.commands.length);
          breakdown.timer ??= f.commands;
        }
        const both = [...lat.start, ...lat.complete];
        const med0 = (xs: number[]) => (xs.length ? median(xs) : undefined);
        results.roundTripsPerCommand = { start: med0(roundTrips.start), complete: med0(roundTrips.complete), timer: med0(roundTrips.timer) };
        results.roundTripsBreakdown = Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, tally(v)]));
        results.roundTripsByStoredCases ??= {};
        results.roundTripsByStoredCases[S] = { start: med0(roundTrips.start.slice(-lat.start.length)), complete: med0(roundTrips.complete.slice(-lat.complete.length)), timer: med0(roundTrips.timer.slice(-lat.timer.length)) };
        log(`  round trips per command: ${JSON.stringify(results.roundTripsByStoredCases[S])}`);
        results.commandP50Ms[S] = r1(median(both));
        results.commandP99Ms[S] = r1(pct(both, 99));
        results.commandMsByKind[S] = Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, { p50: r1(median(v)), p99: r1(pct(v, 99)), n: v.length }]));
        results.commandCpuSeconds ??= {};
        results.commandCpuSeconds[S] = { ...cpuDelta(cpu0, cpuSeconds(db)), commands: both.length + lat.timer.length, loadAverage: load() };
        log(`  commands: CPU seconds ${JSON.stringify(results.commandCpuSeconds[S])}`);
        log(`  commands (sequential, in-process): p50 ${results.commandP50Ms[S]} ms, p99 ${results.commandP99Ms[S]} ms — intake p50 ${r1(median(lat.start))}, complete p50 ${r1(median(lat.complete))}, timer p50 ${r1(median(lat.timer))} ms`);
      }

      // ---- inbox
      if (want('inbox')) {
        const lat: number[] = [];
        const byFilter: Record<string, number[]> = { mine: [], window: [], 'groups (city)': [] };
        const sizes: Record<string, number[]> = { mine: [], window: [], 'groups (city)': [] };
        for (let r = 0; r < 10; r++) {
          for (const a of clerkActors) {
            for (const f of ['mine', 'window'] as const) {
              const t = performance.now();
              const rows = await platform.taskActions.inbox(a as any, f);
              const ms = performance.now() - t;
              lat.push(ms);
              byFilter[f].push(ms);
              sizes[f].push(rows.length);
            }
          }
        }
        const city = await actorOf(platform, 'cityclerk');
        for (let r = 0; r < 20; r++) {
          const t = performance.now();
          const rows = await platform.taskActions.inbox(city as any, 'groups');
          const ms = performance.now() - t;
          lat.push(ms);
          byFilter['groups (city)'].push(ms);
          sizes['groups (city)'].push(rows.length);
        }
        results.inboxByFilter ??= {};
        results.inboxByFilter[S] = Object.fromEntries(Object.entries(byFilter).map(([k, v]) => [k, { p50: r1(median(v)), p99: r1(pct(v, 99)), rowsP50: median(sizes[k]) }]));
        log(`  inbox by filter: ${JSON.stringify(results.inboxByFilter[S])}`);
        results.inboxP99Ms[S] = r1(pct(lat, 99));
        log(`  inbox (mine / window of 16 clerks, groups of the city): p50 ${r1(median(lat))} ms, p99 ${results.inboxP99Ms[S]} ms (${lat.length} calls)`);
      }

      // ---- a real server process: HTTP load and the board
      if (want('http') || want('board') || (want('timers') && S === COUNTS[COUNTS.length - 1])) {
        // the bulk load left every copied day's statistics bucket marked dirty (a live platform has a
        // few): the server's rollup refresh job is put off so it does not recompute them under the load
        try {
          server = await startApi(uri, { BOARD_TICK_MS: '1', STATS_REFRESH_EVERY: '1 day' });
        } catch (err) {
          log(`  the server did not start: ${(err as Error).message}`);
          results.errors ??= [];
          results.errors.push(`server at ${S}: ${(err as Error).message.slice(0, 500)}`);
        }
      }
      if (server) {
        results.serverStartMs ??= {};
        results.serverStartMs[S] = r1(server.startMs);
        log(`  server api/main.ts started at ${server.url} in ${(server.startMs / 1000).toFixed(1)} s`);
        if (want('http')) try {
          log(`  HTTP: ${CLERKS} clerks, intake + completion, ${HTTP_SECONDS} s`);
          const cpu0 = cpuSeconds(db, server.child.pid);
          const h: any = await httpLoad(server, items, HTTP_SECONDS);
          h.cpuSeconds = cpuDelta(cpu0, cpuSeconds(db, server.child.pid));
          h.loadAverage = load();
          log(`  HTTP: CPU seconds during the load ${JSON.stringify(h.cpuSeconds)} (of ${r1(h.seconds * os.cpus().length)} available); load average ${h.loadAverage.join(' ')}`);
          results.httpCommandsPerSecond[S] = h.commandsPerSecond;
          results.httpP99Ms[S] = h.p99Ms;
          results.http ??= {};
          results.http[S] = h;
          log(`  HTTP: ${h.commandsPerSecond} commands/s, p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms (intake p50 ${h.intakeP50Ms}, complete p50 ${h.completeP50Ms})${Object.keys(h.failures).length ? `; failures ${JSON.stringify(h.failures)}` : ''}`);
        } catch (err) {
          failed('http', S, err);
        }
        if (want('board')) try {
          const sup = await ApiClient.login(server.url, 'supervisor');
          const lat: number[] = [];
          for (let i = 0; i < 6; i++) {
            const t = performance.now();
            const r = await sup.get('/api/supervision/board');
            lat.push(performance.now() - t);
            if (r.status !== 200) log(`  board answered ${r.status}`);
            await new Promise((res) => setTimeout(res, 50));
          }
          results.boardMs[S] = r1(median(lat.slice(1)));
          results.boardColdMs ??= {};
          results.boardColdMs[S] = r1(lat[0]);
          log(`  board (GET /api/supervision/board): first ${r1(lat[0])} ms, then p50 ${results.boardMs[S]} ms`);
          // the heat map of the busiest path (the 即办件 path: most stored tasks), the last 30 days,
          // as a supervisor (every centre) and as a town's centre head (his own)
          const head = await ApiClient.login(server.url, 'manager');
          results.heatmapMs ??= {};
          results.heatmapMs[S] = {};
          for (const [who, client] of [['supervisor', sup], ['town head', head]] as const) {
            const hl: number[] = [];
            let tasks = 0;
            for (let i = 0; i < 4; i++) {
              const t = performance.now();
              const r = await client.get('/api/supervision/heatmap?definitionKey=immediate-item');
              hl.push(performance.now() - t);
              if (r.status !== 200) log(`  heat map answered ${r.status}`);
              tasks = r.body?.totals?.tasks ?? 0;
            }
            results.heatmapMs[S][who] = r1(median(hl.slice(1)));
            log(`  heat map (GET /api/supervision/heatmap, 30 days) as ${who}: first ${r1(hl[0])} ms, then p50 ${results.heatmapMs[S][who]} ms (${tasks} tasks counted)`);
          }
        } catch (err) {
          failed('board', S, err);
        }
        if (want('timers') && S === COUNTS[COUNTS.length - 1]) try {
          log(`  timers: ${TIMERS.toLocaleString('en')} BPMN timer jobs, a tenth due in the same second, fired by the server's workers`);
          const cpu0 = cpuSeconds(db, server.child.pid);
          const tl: any = await timerLateness(rawDb, await seederOf(), TIMERS, () => {
            try {
              psql(db, 'ANALYZE');
            } catch (err) {
              log(`  ANALYZE failed: ${(err as Error).message}`);
            }
          });
          tl.cpuSeconds = cpuDelta(cpu0, cpuSeconds(db, server.child.pid));
          tl.loadAverage = load();
          results.timers = tl;
          results.timerLatenessP99Ms = (tl as any).latenessP99Ms;
          log(`  timers: ${JSON.stringify(tl)}`);
        } catch (err) {
          failed('timers', S, err);
        }
        await server.kill();
        server = undefined;
      }

      // ---- statistics reports
      if (want('reports')) try {
        const rep: Record<string, number> = {};
        const rollups: any = (platform as any).rollups;
        if (rollups && typeof rollups.refreshDirty === 'function') {
          const t = performance.now();
          let n = 0;
          let step = 0;
          // the catch-up a bulk import causes (every case marked changed), as the worker runs it in
          // batches; then the reports are measured as a centre sees them day to day (the worker
          // keeps up with a day's changes), each refreshing what changed in its scope first
          while (performance.now() - t < REFRESH_BUDGET_S * 1000) {
            step = await rollups.refreshDirty(2000);
            n += step;
            if (!step) break;
          }
          rep['rollup refresh after the load'] = r1(performance.now() - t);
          log(`  rollups' catch-up after the bulk load: ${n} changed cases in ${(rep['rollup refresh after the load'] / 1000).toFixed(1)} s (${Math.round(n / Math.max(0.001, rep['rollup refresh after the load'] / 1000))}/s)${step ? ` (stopped after the ${REFRESH_BUDGET_S} s budget: each report refreshes at most 2,000 changes of its scope and says how many it does not count yet)` : ''}`);
        }
        const time = async (name: string, fn: () => Promise<unknown>) => {
          const t = performance.now();
          try {
            let timer: NodeJS.Timeout | undefined;
            const timedOut = await Promise.race([fn().then(() => false), new Promise<boolean>((res) => (timer = setTimeout(() => res(true), REPORT_TIMEOUT_S * 1000)))]);
            clearTimeout(timer);
            rep[name] = timedOut ? NaN : r1(performance.now() - t);
            if (timedOut) {
              slowReports.push(name);
              log(`  report ${name}: still running after ${REPORT_TIMEOUT_S} s — recorded as missed`);
            }
          } catch (err) {
            rep[name] = NaN;
            log(`  report ${name} failed: ${(err as Error).message}`);
          }
        };
        // no period: all time, except by day (at most 366 days: the last 366 without a period)
        for (const dim of STATS_DIMENSIONS) await time(dim === 'day' ? 'day (no period: the last 366 days)' : dim, () => platform.stats.report(dim, {}));
        await time('ranking towns', () => platform.stats.rankTowns({}));
        await time('ranking windows', () => platform.stats.rank({}, { level: 'window' }));
        // as the console asks (from=YYYY-MM-DD: Beijing midnight) — a from at another time of day is
        // not whole days and is counted by the scan, not the rollups
        const monthAgo = new Date(Math.floor((Date.now() + CST) / DAY) * DAY - CST - 30 * DAY);
        await time('town, last 30 days', () => platform.stats.report('town', { from: monthAgo }));
        await time('day, last 30 days', () => platform.stats.report('day', { from: monthAgo }));
        await time('item, one window', () => platform.stats.report('item', { orgUnit: 'dingbao', windowId: 'dingbao-w10' }));
        await time('person, one town', () => platform.stats.report('person', { orgUnit: 'dingbao' }));
        await time('town (source: scan, no rollups)', () => platform.stats.report('town', {}, { source: 'scan' }));
        results.reportMs[S] = rep;
        log(`  reports (ms): ${Object.entries(rep).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
      } catch (err) {
        failed('reports', S, err);
      }
    }

  } finally {
    await server?.kill().catch(() => undefined);
    await platform.close().catch(() => undefined);
    await db.stop().catch(() => undefined);
    if (slowMs) {
      const kept = path.join(ROOT, '.bench', `pg-slow-${(process.env.BENCH_OUT ?? 'results.json').replace(/\.json$/, '')}.log`);
      mkdirSync(path.dirname(kept), { recursive: true });
      copyFileSync(path.join(dataDir, 'logs', 'postgresql.log'), kept);
      log(`PostgreSQL's slow statements: ${path.relative(ROOT, kept)} — node test/bench/pg-slow-log.js ${path.relative(ROOT, kept)} [HH:MM:SS from] [HH:MM:SS to]`);
    }
    if (!keep && !process.env.BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    else log(`data kept in ${dataDir}`);
  }
  report();
}

function report() {
  const big = COUNTS.includes(100_000) ? 100_000 : COUNTS[COUNTS.length - 1];
  const small = COUNTS[0];
  const rt = results.roundTripsPerCommand;
  if (want('roundtrips') || want('commands')) for (const k of ['start', 'complete', 'timer']) check(`round trips per command: ${k}`, rt[k], '<=', 5, 'round trips');
  if (want('commands') && COUNTS.length > 1) check(`command p50 at ${big.toLocaleString('en')} ≤ 1.2 × p50 at ${small.toLocaleString('en')}`, results.commandP50Ms[big], '<=', 1.2 * results.commandP50Ms[small], 'ms');
  if (want('http')) {
    check(`HTTP commands/s, ${CLERKS} clerks, ${big.toLocaleString('en')} stored`, results.httpCommandsPerSecond[big], '>=', 100, 'commands/s');
    check(`HTTP p99 at ${big.toLocaleString('en')} stored`, results.httpP99Ms[big], '<', 250, 'ms');
    if (results.engineCeilingCommandsPerSecond) check('HTTP ≥ 0.5 × in-memory ceiling', results.httpCommandsPerSecond[big], '>=', 0.5 * results.engineCeilingCommandsPerSecond, 'commands/s');
  }
  if (want('timers')) check('timer lateness p99', results.timerLatenessP99Ms, '<=', 1000, 'ms');
  const top = COUNTS[COUNTS.length - 1];
  if (want('inbox')) check(`inbox p99 at ${top.toLocaleString('en')}`, results.inboxP99Ms[top], '<', 100, 'ms');
  if (want('board')) check(`board at ${top.toLocaleString('en')}`, results.boardMs[top], '<', 300, 'ms');
  if (want('board')) for (const who of ['supervisor', 'town head']) check(`heat map (30 days) as ${who} at ${top.toLocaleString('en')}`, results.heatmapMs?.[top]?.[who], '<', 1000, 'ms');
  if (want('reports')) {
    const reps = Object.entries(results.reportMs[top] ?? {}).filter(([k]) => !k.startsWith('rollup'));
    for (const [k, v] of reps) {
      if (slowReports.includes(k)) checks.push({ target: `report "${k}" at ${top.toLocaleString('en')}`, pass: false, detail: `still running after ${REPORT_TIMEOUT_S} s (target < 1000 ms) — missed by more than ${REPORT_TIMEOUT_S - 1} s, > ${REPORT_TIMEOUT_S}×` });
      else check(`report "${k}" at ${top.toLocaleString('en')}`, v as number, '<', 1000, 'ms');
    }
  }
  results.checks = checks;
  results.finishedAt = new Date().toISOString();
  results.totalSeconds = Math.round((Date.now() - t0) / 1000);

  console.log('');
  console.log('==================== results ====================');
  const m = results.machine;
  console.log(`machine:   ${m.cpus.count} × ${m.cpus.model}, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}`);
  const d = results.database ?? {};
  console.log(`database:  ${d.kind} ${d.version} on PostgreSQL ${d.postgresql} + DocumentDB ${d.documentdb}`);
  console.log(`stored:    ${COUNTS.map((n) => n.toLocaleString('en')).join(', ')} cases — ${results.storedData}`);
  console.log(`round trips per command: ${JSON.stringify(rt)}`);
  for (const S of COUNTS) {
    const parts = [`commands p50 ${results.commandP50Ms[S]} / p99 ${results.commandP99Ms[S]} ms`, `inbox p99 ${results.inboxP99Ms[S]} ms`, `board ${results.boardMs[S]} ms`, `HTTP ${results.httpCommandsPerSecond[S]} commands/s (p99 ${results.httpP99Ms[S]} ms)`];
    console.log(`${S.toLocaleString('en').padStart(10)} cases: ${parts.join(' · ')}`);
  }
  if (results.engineCeilingCommandsPerSecond) console.log(`in-memory engine ceiling: ${results.engineCeilingCommandsPerSecond} commands/s`);
  if (results.timers) console.log(`timers: ${JSON.stringify(results.timers)}`);
  console.log('');
  for (const c of checks) console.log(`${c.pass ? 'PASS' : 'MISS'}  ${c.target}: ${c.detail}`);
  console.log(`\n${checks.filter((c) => c.pass).length} of ${checks.length} targets met; total ${results.totalSeconds} s`);
  const out = path.join(ROOT, '.bench');
  mkdirSync(out, { recursive: true });
  // BENCH_OUT names another file for a partial run (BENCH_ONLY), so the full run's figures stay
  const file = process.env.BENCH_OUT ?? 'results.json';
  if (!/^[\w.-]+\.json$/.test(file)) throw new Error(`BENCH_OUT: a file name in .bench/, ending in .json (got ${JSON.stringify(file)})`);
  writeFileSync(path.join(out, file), JSON.stringify(results, null, 2) + '\n');
  console.log(`written: .bench/${file}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    // a failed run still leaves what it measured
    try {
      results.error = String(err?.stack ?? err);
      report();
    } catch {
      /* nothing more to say */
    }
    process.exit(1);
  },
);
