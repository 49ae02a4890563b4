/**
 * Soak scenarios of issue 12 item 4 — nothing lost, nothing doubled under kills, outages and load.
 * Real parts only: real `api/main.ts` and `workers/main.ts` processes, real HTTP, SIGKILL, the
 * embedded database (FerretDB 2.7 on PostgreSQL 15 + DocumentDB) with PostgreSQL really stopped.
 * The same functions run with big numbers in `npm run soak` (test/soak/run.ts) and with small ones
 * in jest (test/features/soak.test.ts).
 *
 * - `soakKills` (R1): N clerks work cases over HTTP (intake — accepted, one-time notification,
 *   refusal — supplements, step completions) while the platform process is SIGKILLed at random
 *   moments and started again. A command whose connection died is sent again as a client must:
 *   the same Idempotency-Key on intake, supplements and completions (409 IDEMPOTENCY_IN_FLIGHT → wait
 *   Retry-After); a completion that did commit is answered 200 Idempotent-Replayed. Should a
 *   resend still be refused, the client reads the task, and that counts as a finding
 *   (`completionsSettledByRead`, the 503 ambiguity).
 * - `soakTimers` (R3): an API process without workers, two worker processes; N cases whose promised
 *   clock breaches in the same second; one worker SIGKILLed when about half have rung.
 * - `soakOutage` (R5): PostgreSQL under FerretDB stopped for S seconds under the clerks' load and
 *   with clocks falling due; the same platform process must answer 503 problem+json, then recover.
 * - `checkAll`: the books — every acknowledged command reflected once, nothing stuck or doubled,
 *   every signal rung once with its escalation, every case's audit chain verified over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { MongoClient, type Db } from 'mongodb';
import { startServer, startWorker, type RunningProcess } from '../helpers/server';
import { residentId } from '../helpers/people';
import type { EmbeddedDb } from '../../engine/persistence/embedded-db';

// ---------------------------------------------------------------- small things

export type Log = (msg: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const pct = (xs: number[], p: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const r0 = (n: number | null) => (n === null ? null : Math.round(n));

/** A seeded generator, so a run can be repeated (SOAK_SEED). */
export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const NAMES = ['陈建国', '阿依古丽·买买提', '李秀英', '欧阳明月', '买买提·艾力', '王小丫', '司马相如', '扎西·多吉', '刘德华', '张伟', '迪丽热巴·迪力木拉提', '黄晓明'];

/** A valid 18-digit ID; about a third end in X (searched for, not forced). */
function idNumber(rand: () => number): string {
  const birth = `19${String(50 + Math.floor(rand() * 50))}${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  let seq = Math.floor(rand() * 1000);
  if (rand() < 0.35) for (let i = 0; i < 11 && !residentId(birth, seq).endsWith('X'); i++) seq = (seq + 1) % 1000;
  return residentId(birth, seq);
}

export function realisticApplicant(rand: () => number) {
  const phone = rand() < 0.2 ? '13800138000' : `1${['38', '39', '50', '58', '86', '89'][Math.floor(rand() * 6)]}${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
  return { kind: 'person' as const, name: NAMES[Math.floor(rand() * NAMES.length)], idType: 'resident-id' as const, idNumber: idNumber(rand), phone };
}

// ---------------------------------------------------------------- the machine

export function machine() {
  const cpus = os.cpus();
  return {
    cpus: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
  };
}

/** FerretDB, PostgreSQL and DocumentDB versions of the embedded database. */
export async function databaseVersions(db: Db, embedded?: EmbeddedDb): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const info: any = await db.admin().command({ buildInfo: 1 });
    out.kind = info.ferretdb ? 'ferretdb' : 'mongodb';
    out.version = String(info.ferretdb?.version ?? info.version);
  } catch {
    /* unknown */
  }
  if (embedded) {
    try {
      const creds = JSON.parse(readFileSync(path.join(embedded.dataDir, 'credentials.json'), 'utf8'));
      const q = (sql: string) => {
        const r = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(embedded.pgPort), '-U', creds.user, '-d', 'postgres', '-qAtc', sql], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: creds.password } });
        return r.status === 0 ? r.stdout.trim() : 'unknown';
      };
      out.postgresql = q('SHOW server_version');
      out.documentdb = q("SELECT extversion FROM pg_extension WHERE extname = 'documentdb'");
    } catch {
      /* unknown */
    }
  }
  return out;
}

// ---------------------------------------------------------------- a province endpoint (the feed)

/** A stand-in for the provincial supervision platform: records every delivery with its Idempotency-Key. */
export async function provinceEndpoint() {
  const received: { key: string; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      try {
        received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(raw) });
      } catch {
        /* junk */
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// ---------------------------------------------------------------- a platform that can be killed

/** The API process under test, restartable; clients wait on `up` while it is down. */
export class Platform {
  proc?: RunningProcess;
  url = '';
  private upResolve?: () => void;
  up: Promise<void> = Promise.resolve();
  starts = 0;
  /** exits nobody asked for (a crash of the product) */
  crashes: string[] = [];
  private killing = false;

  constructor(
    private readonly uri: string,
    private readonly env: Record<string, string>,
    private readonly log: Log,
  ) {}

  async start(): Promise<number> {
    const t = Date.now();
    const proc = await startServer('soak', { MONGODB_URI: this.uri, ...this.env });
    this.proc = proc;
    this.url = proc.url;
    this.starts++;
    void proc.exited.then(() => {
      if (this.proc === proc && !this.killing) {
        this.crashes.push(`exit ${proc.child.exitCode ?? proc.child.signalCode}: ${proc.logs.slice(-5).join(' | ').slice(0, 600)}`);
        this.log(`the platform process exited by itself: ${this.crashes[this.crashes.length - 1]}`);
      }
    });
    this.upResolve?.();
    this.upResolve = undefined;
    return Date.now() - t;
  }

  /** SIGKILL now; clients' next requests fail and wait for `up`. */
  async kill(): Promise<void> {
    this.up = new Promise((r) => (this.upResolve = r));
    this.killing = true;
    const p = this.proc;
    this.url = '';
    await p?.kill('SIGKILL');
    this.killing = false;
  }

  async stop(): Promise<void> {
    this.killing = true;
    await this.proc?.kill('SIGTERM');
  }

  get pid() {
    return this.proc?.child.pid;
  }
}

// ---------------------------------------------------------------- HTTP as a careful client

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface Tally {
  /** commands sent (each counted once, however often resent) */
  commands: number;
  /** commands answered 2xx (or, after a lost answer, shown done) */
  acknowledged: number;
  /** commands whose answer was lost at least once (connection died) and were sent again */
  resent: number;
  /** answers by status and code, resends included */
  answers: Record<string, number>;
  /** answers of the outage window that were not 503 problem+json nor 2xx */
  badOutageAnswers: string[];
  /** refusals (4xx that were not expected), by code */
  refused: Record<string, number>;
  latencies: number[];
  /** when the last 503 came */
  last503At: number;
  /**
   * completions whose resend (same Idempotency-Key) was refused and that the client could only
   * settle by reading the task — the 503 ambiguity; 0 since a resend of a committed completion is
   * answered 200 (replayed)
   */
  completionsSettledByRead: number;
  /** completions whose resend was answered 200 Idempotent-Replayed */
  completionsReplayed: number;
}

export const newTally = (): Tally => ({ commands: 0, acknowledged: 0, resent: 0, answers: {}, badOutageAnswers: [], refused: {}, latencies: [], last503At: 0, completionsSettledByRead: 0, completionsReplayed: 0 });

export class Clerk {
  token = '';
  constructor(
    readonly username: string,
    private readonly platform: Platform,
    readonly tally: Tally,
  ) {}

  /** One request; `undefined` when the connection failed (the process died, or is down). */
  async raw(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply | undefined> {
    const base = this.platform.url;
    if (!base) return undefined;
    const h: Record<string, string> = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    try {
      const res = await fetch(base + url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
      const text = await res.text();
      let parsed: any = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, body: parsed, headers: res.headers };
    } catch {
      return undefined;
    }
  }

  async login(): Promise<void> {
    for (;;) {
      const r = await this.raw('POST', '/api/auth/login', { username: this.username, password: 'demo123' });
      if (r?.status === 200) {
        this.token = r.body.token;
        return;
      }
      await this.waitUp(r);
    }
  }

  private async waitUp(r: Reply | undefined) {
    if (!r) {
      await this.platform.up;
      await sleep(200);
    } else await sleep(Math.min(5, Number(r.headers.get('retry-after') ?? 1)) * 1000);
  }

  /** A read; retried until answered (reads change nothing). */
  async get(url: string): Promise<Reply> {
    for (;;) {
      const r = await this.raw('GET', url);
      if (r && r.status === 401) await this.login();
      else if (r && r.status !== 503) return r;
      else await this.waitUp(r);
    }
  }

  /**
   * A command, sent until it has an answer that is not "try again". `inOutage()` says whether a
   * 503 is expected now (R5); outside it every 503 is a finding. `onLost` runs when an answer was
   * lost and the command is to be sent again; it may settle the command (e.g. a completion that
   * was done) by returning a reply.
   */
  async command(method: string, url: string, body: unknown, opts: { key?: string; inOutage?: () => boolean; onLost?: () => Promise<Reply | undefined> } = {}): Promise<Reply> {
    this.tally.commands++;
    const headers: Record<string, string> = opts.key ? { 'Idempotency-Key': opts.key } : {};
    let lost = false;
    const t0 = Date.now();
    for (;;) {
      // a 503 belongs to the outage when the request left during it (its answer may come later)
      const sentInOutage = opts.inOutage?.() ?? false;
      const r = await this.raw(method, url, body, headers);
      const k = r ? `${r.status}${r.body?.code ? ` ${r.body.code}` : ''}` : 'no answer';
      this.tally.answers[k] = (this.tally.answers[k] ?? 0) + 1;
      if (!r) {
        if (!lost) this.tally.resent++;
        lost = true;
        await this.waitUp(r);
        continue;
      }
      if (r.status === 401) {
        await this.login();
        continue;
      }
      if (r.status === 409 && r.body?.code === 'IDEMPOTENCY_IN_FLIGHT') {
        await this.waitUp(r);
        continue;
      }
      if (r.status === 503) {
        this.tally.last503At = Date.now();
        const problem = (r.headers.get('content-type') ?? '').startsWith('application/problem+json') && r.body?.status === 503;
        const outage = sentInOutage || (opts.inOutage?.() ?? false);
        if (!outage || !problem) this.tally.badOutageAnswers.push(`${method} ${url}: ${k}${problem ? '' : ' (not problem+json)'}${outage ? '' : ' outside the outage'}`);
        // a 503 does not say the command did not happen (the write may have gone through before
        // the database went away): what the resend meets is read as after a lost answer
        lost = true;
        await this.waitUp(r);
        continue;
      }
      if (r.status >= 500) {
        this.tally.badOutageAnswers.push(`${method} ${url}: ${k} ${JSON.stringify(r.body).slice(0, 200)}`);
        return r;
      }
      if (lost && opts.onLost && r.status >= 400) {
        const settled = await opts.onLost();
        if (settled) {
          this.tally.acknowledged++;
          return settled;
        }
      }
      if (r.status < 300) {
        this.tally.acknowledged++;
        this.tally.latencies.push(Date.now() - t0);
      }
      return r;
    }
  }
}

// ---------------------------------------------------------------- the clerks' work

/** What the clerks were told was done: the books `checkAll` holds the database to. */
export interface Books {
  /** acknowledged intakes: caseNo → what the answer said */
  intakes: Map<string, { key: string; clerk: string; decision: 'accept' | 'supplement' | 'reject'; status: string; recovered: boolean; promisedLimit?: string }>;
  /** Idempotency-Key → caseNo (a key answered with two case numbers would be a double) */
  keys: Map<string, string>;
  doubleAnswers: string[];
  /** acknowledged completions: taskId → caseNo */
  completions: Map<string, string>;
  /** acknowledged supplements: caseNo */
  supplements: Set<string>;
  /** cases still waiting for the applicant's materials, per clerk */
  awaiting: Map<string, string[]>;
}

export const newBooks = (): Books => ({ intakes: new Map(), keys: new Map(), doubleAnswers: [], completions: new Map(), supplements: new Set(), awaiting: new Map() });

export interface Items {
  immediate: any;
  reportUp: any;
  reasonCodes: string[];
}

/** The town comprehensive windows' A posts (`<town>-w10-a`), as the catalogue names them. */
export function townClerks(n: number): string[] {
  const orgUnits: any[] = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'processes/catalogue/org-units.json'), 'utf8'));
  const towns = orgUnits.filter((o) => o.level === 'town');
  const out: string[] = [];
  for (const o of towns) {
    const w = o.windows.find((x: any) => x.id === `${o.id}-w10`) ?? o.windows[0];
    out.push(w.staff.A.username);
  }
  if (n > out.length) throw new Error(`only ${out.length} town clerks`);
  return out.slice(0, n);
}

export async function loadItems(c: Clerk): Promise<Items> {
  const all = (await c.get('/api/items')).body as any[];
  const reasons = (await c.get('/api/reject-reasons')).body as any[];
  return {
    immediate: all.find((i) => i.procedure === 'immediate-item' && i.orgLevel === 'town'),
    reportUp: all.find((i) => i.procedure === 'report-up-item'),
    reasonCodes: reasons.map((r) => r.code),
  };
}

/**
 * One clerk's working loop until `stop()`: takes applicants in (mostly complete; some missing a
 * material, answered with a one-time notification; a few refused), hands in supplements, and
 * completes the steps in their inbox. `clockEvery`: every n-th accepted case gets a short promised
 * limit (`PT<s>S`), so clocks warn and breach during the run.
 */
export async function clerkLoop(c: Clerk, items: Items, books: Books, opts: { stop: () => boolean; rand: () => number; inOutage?: () => boolean; shortLimit?: () => string | undefined }) {
  const { rand } = opts;
  const awaiting = books.awaiting.get(c.username) ?? [];
  books.awaiting.set(c.username, awaiting);
  while (!opts.stop()) {
    const roll = rand();
    if (roll < 0.4) {
      const inbox = (await c.get('/api/inbox?filter=mine')).body;
      const task = Array.isArray(inbox) ? inbox.find((t: any) => t.kind === 'engine' && t.status === 'open') : undefined;
      if (task) {
        await complete(c, task, books, opts.inOutage);
        continue;
      }
    }
    if (roll < 0.5 && awaiting.length) {
      const caseNo = awaiting.shift()!;
      const kase = (await c.get(`/api/service-cases/${caseNo}`)).body;
      const missing = (kase.supplementRounds?.[0]?.materials ?? []).map((m: any) => ({ code: m.code ?? m, provided: true }));
      const r = await c.command('POST', `/api/service-cases/${caseNo}/supplements`, { materials: missing }, { key: randomUUID(), inOutage: opts.inOutage });
      if (r.status === 200) books.supplements.add(caseNo);
      else c.tally.refused[`supplement ${r.status} ${r.body?.code ?? ''}`] = (c.tally.refused[`supplement ${r.status} ${r.body?.code ?? ''}`] ?? 0) + 1;
      continue;
    }
    const it = rand() < 0.5 ? items.immediate : items.reportUp;
    const decisionRoll = rand();
    const decision: 'accept' | 'supplement' | 'reject' = decisionRoll < 0.1 ? 'reject' : decisionRoll < 0.3 && it.materials.length > 1 ? 'supplement' : 'accept';
    const materials = it.materials.map((m: any, i: number) => ({ code: m.code, provided: !(decision === 'supplement' && i === it.materials.length - 1) }));
    const body: any = { itemCode: it.code, applicant: realisticApplicant(rand), materials };
    if (decision === 'reject') body.reject = { reasonCode: items.reasonCodes[Math.floor(rand() * items.reasonCodes.length)] };
    const short = decision === 'accept' ? opts.shortLimit?.() : undefined;
    if (short) body.limitOverrides = { promisedLimit: short, statutoryLimit: 'PT2H' };
    const key = randomUUID();
    const r = await c.command('POST', '/api/intake', body, { key, inOutage: opts.inOutage });
    if (r.status !== 201) {
      const k = `intake ${r.status} ${r.body?.code ?? ''}`;
      c.tally.refused[k] = (c.tally.refused[k] ?? 0) + 1;
      continue;
    }
    const caseNo = r.body.case.caseNo as string;
    const before = books.keys.get(key);
    if (before && before !== caseNo) books.doubleAnswers.push(`key ${key}: ${before} and ${caseNo}`);
    books.keys.set(key, caseNo);
    // an optional material missing is no reason to wait: the answer says what was decided
    const status = r.body.case.status as string;
    const decided = status === 'awaiting-supplement' ? 'supplement' : status === 'rejected' ? 'reject' : 'accept';
    books.intakes.set(caseNo, { key, clerk: c.username, decision: decided, status, recovered: !!r.body.recovered, promisedLimit: short });
    if (decided === 'supplement') awaiting.push(caseNo);
  }
}

async function complete(c: Clerk, task: any, books: Books, inOutage?: () => boolean) {
  const url = `/api/tasks/${encodeURIComponent(task.id)}/complete`;
  // one Idempotency-Key per completion: a resend of one that committed (answer lost, or 503 after the write) is answered 200
  const r = await c.command('POST', url, { decision: 'approve', opinion: '材料齐全，同意办理。' }, {
    key: randomUUID(),
    inOutage,
    // the resend was refused: if the task is now completed by this clerk, the first send did it (counted: the platform should have said so)
    onLost: async () => {
      const t = await c.get(`/api/tasks/${encodeURIComponent(task.id)}`);
      const done = t.status === 200 && t.body.status === 'completed' && t.body.completedBy === c.username;
      if (done) c.tally.completionsSettledByRead++;
      return done ? { status: 200, body: t.body, headers: new Headers() } : undefined;
    },
  });
  if (r.status === 200 && r.headers.get('idempotent-replayed') === 'true') c.tally.completionsReplayed++;
  if (r.status === 200) {
    if (books.completions.has(task.id)) books.doubleAnswers.push(`task ${task.id} acknowledged twice`);
    books.completions.set(task.id, task.caseNo);
  } else {
    const k = `complete ${r.status} ${r.body?.code ?? ''}`;
    c.tally.refused[k] = (c.tally.refused[k] ?? 0) + 1;
  }
}

// ---------------------------------------------------------------- R1: kills

export interface KillOptions {
  uri: string;
  clerks: number;
  kills: number;
  /** a kill comes after a random time in [min, max] ms of the process serving */
  upMinMs: number;
  upMaxMs: number;
  seed: number;
  env?: Record<string, string>;
  log: Log;
}

/** Settings of the platform under the soak (documented in the README): quick repairs, so a run is not mostly waiting. */
export const SOAK_ENV = {
  ALLOW_LIMIT_OVERRIDES: 'true',
  // one API process: a resend after a kill can only meet an attempt of a dead process
  IDEMPOTENCY_STALE_MS: '3000',
  CASE_REPAIR_EVERY: '3 seconds',
  CASE_REPAIR_AFTER_MS: '5000',
  AGENDA_LOCK_LIFETIME_MS: '15000',
  REQUEST_TIMEOUT_MS: '120000',
};

export async function soakKills(o: KillOptions) {
  const feed = await provinceEndpoint();
  const platform = new Platform(o.uri, { ...SOAK_ENV, PROVINCE_FEED_URL: feed.url, PROVINCE_FEED_BACKOFF_MS: '200', ...o.env }, o.log);
  const restarts: number[] = [];
  restarts.push(await platform.start());
  const tally = newTally();
  const books = newBooks();
  const rand = prng(o.seed);
  const clerks = townClerks(o.clerks).map((u) => new Clerk(u, platform, tally));
  for (const c of clerks) await c.login();
  const items = await loadItems(clerks[0]);
  let stop = false;
  let n = 0;
  const shortLimit = () => (++n % 4 === 0 ? `PT${20 + Math.floor(rand() * 40)}S` : undefined);
  const t0 = Date.now();
  const loops = clerks.map((c, i) => clerkLoop(c, items, books, { stop: () => stop, rand: prng(o.seed * 31 + i), shortLimit }));
  let kills = 0;
  while (kills < o.kills) {
    await sleep(o.upMinMs + rand() * (o.upMaxMs - o.upMinMs));
    await platform.kill();
    kills++;
    restarts.push(await platform.start());
    if (kills % 10 === 0 || kills === o.kills) o.log(`R1: ${kills}/${o.kills} kills, ${tally.commands} commands, ${tally.acknowledged} acknowledged, ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  stop = true;
  await Promise.all(loops);
  const seconds = (Date.now() - t0) / 1000;
  o.log(`R1: clerks stopped after ${Math.round(seconds)} s; checking the books`);
  return { platform, feed, tally, books, kills, restarts, seconds };
}

// ---------------------------------------------------------------- R3: timers with two workers

export interface TimerOptions {
  uri: string;
  timers: number;
  /** concurrent clerks taking the cases in */
  clerks: number;
  seed: number;
  log: Log;
  env?: Record<string, string>;
  /** wait for every clock's serious rung (150 % of its limit) before the books; default true */
  waitForSerious?: boolean;
  /** the due second is set this many times the warm-up's pace ahead (default 3) */
  leadFactor?: number;
}

export async function soakTimers(o: TimerOptions) {
  const env = { ...SOAK_ENV, ...o.env };
  const platform = new Platform(o.uri, { ...env, RUN_WORKERS: 'false' }, o.log);
  await platform.start();
  const tally = newTally();
  const books = newBooks();
  const clerks = townClerks(o.clerks).map((u) => new Clerk(u, platform, tally));
  for (const c of clerks) await c.login();
  const items = await loadItems(clerks[0]);
  const rand = prng(o.seed);
  // how fast intakes go here: a few first, then the due second is set with room to spare
  const caseNos: string[] = [];
  const take = async (c: Clerk, limit: string) => {
    const r = await c.command('POST', '/api/intake', { itemCode: items.immediate.code, applicant: realisticApplicant(rand), materials: items.immediate.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: limit, statutoryLimit: 'PT3H' } }, { key: randomUUID() });
    if (r.status === 201) {
      caseNos.push(r.body.case.caseNo);
      books.intakes.set(r.body.case.caseNo, { key: '', clerk: c.username, decision: 'accept', status: r.body.case.status, recovered: false, promisedLimit: limit });
    }
    return r;
  };
  // two warm-up rounds: the first pays for cold caches, the second gives the pace
  await Promise.all(clerks.map((c) => take(c, 'PT2H')));
  const tw = Date.now();
  await Promise.all(clerks.map((c) => take(c, 'PT2H')));
  const perCase = (Date.now() - tw) / clerks.length;
  caseNos.length = 0;
  // intakes slow down as the clocks' earlier rungs start to come due: three times the warm-up's pace
  const dueAt = Math.ceil((Date.now() + Math.max(30_000, o.timers * perCase * (o.leadFactor ?? 3) + 15_000)) / 1000) * 1000;
  o.log(`R3: ${Math.round(perCase)} ms an intake with ${clerks.length} clerks; ${o.timers} promised limits due at ${new Date(dueAt).toISOString()}`);
  let next = 0;
  let tooLate = 0;
  await Promise.all(
    clerks.map(async (c) => {
      while (next < o.timers) {
        next++;
        // the limit runs from acceptance (a moment after the request leaves): whole seconds, due in the chosen second
        const s = Math.floor((dueAt - Date.now() - 300) / 1000);
        if (s < 8) {
          tooLate++;
          continue;
        }
        await take(c, `PT${s}S`);
      }
    }),
  );
  o.log(`R3: ${caseNos.length} cases taken in (${tooLate} not in time), ${Math.round((dueAt - Date.now()) / 1000)} s before they are due; starting two workers`);
  const workers = [await startWorker('soak', { MONGODB_URI: o.uri, ...env }), await startWorker('soak', { MONGODB_URI: o.uri, ...env })];
  const mongo = await MongoClient.connect(o.uri);
  const db = mongo.db();
  const clockIds = caseNos.map((c) => `${c}:promised`);
  const breaches = () => db.collection('signals').countDocuments({ clockId: { $in: clockIds }, rung: 'breach' });
  // kill one worker when about half the breaches have rung
  let killedAt: number | undefined;
  let killedAfter = 0;
  const waitUntil = dueAt + 180_000 + Number(env.AGENDA_LOCK_LIFETIME_MS);
  for (;;) {
    const n = await breaches();
    if (killedAt === undefined && n >= caseNos.length / 2) {
      await workers[0].kill('SIGKILL');
      killedAt = Date.now();
      killedAfter = n;
      o.log(`R3: worker 1 SIGKILLed after ${n} of ${caseNos.length} breaches rang (${killedAt - dueAt} ms after the due second)`);
    }
    if (n >= caseNos.length || Date.now() > waitUntil) break;
    await sleep(250);
  }
  // the serious rung comes at 150 % of each limit: wait for the last one (bounded)
  const serious = (await db.collection('clocks').find({ _id: { $in: clockIds } as any }, { projection: { signalsAt: 1 } }).toArray()).map((c) => new Date(c.signalsAt?.serious ?? 0).getTime());
  const lastRung = o.waitForSerious === false ? dueAt : Math.max(dueAt, ...serious);
  o.log(`R3: waiting for the last serious rung, due ${Math.round((lastRung - Date.now()) / 1000)} s from now`);
  const settleUntil = Math.min(lastRung + 60_000, Date.now() + 600_000);
  while (Date.now() < settleUntil) {
    const due = await db.collection('clocks').countDocuments({ _id: { $in: clockIds } as any, status: 'running', $or: RUNG_LIST.map((r) => ({ [`signalsAt.${r}`]: { $lte: new Date(Date.now() - 5000) }, fired: { $ne: r } })) });
    if (!due && Date.now() > lastRung + 2000) break;
    await sleep(1000);
  }
  await sleep(3000); // a double would show itself now
  const sigs = await db.collection('signals').find({ clockId: { $in: clockIds } }).toArray();
  const clocks = new Map((await db.collection('clocks').find({ _id: { $in: clockIds } as any }).toArray()).map((c) => [String(c._id), c]));
  const late: number[] = [];
  const lateAll: number[] = [];
  for (const s of sigs) {
    const c = clocks.get(s.clockId);
    const due = c?.signalsAt?.[s.rung] ? new Date(c.signalsAt[s.rung]).getTime() : undefined;
    if (due === undefined) continue;
    lateAll.push(new Date(s.at).getTime() - due);
    if (s.rung === 'breach') late.push(new Date(s.at).getTime() - due);
  }
  const breachDue = [...clocks.values()].map((c) => new Date(c.signalsAt?.breach ?? 0).getTime());
  const result = {
    timers: caseNos.length,
    notTakenInTime: tooLate,
    breachesDueWithinMs: breachDue.length ? Math.max(...breachDue) - Math.min(...breachDue) : null,
    rungBreaches: sigs.filter((s) => s.rung === 'breach').length,
    signals: sigs.length,
    workerKilledAfterBreaches: killedAfter,
    latenessBreachP50Ms: r0(pct(late, 50)),
    latenessBreachP99Ms: r0(pct(late, 99)),
    latenessBreachMaxMs: late.length ? Math.max(...late) : null,
    latenessAllRungsP99Ms: r0(pct(lateAll, 99)),
    lockLifetimeMs: Number(env.AGENDA_LOCK_LIFETIME_MS),
    signalsFinishedByRepair: workers.flatMap((w) => w.logs).filter((l) => l.includes('finished a signal cut short')).length,
  };
  await mongo.close();
  // the surviving worker stays for the books (its repair sweep finishes what the dead one left)
  return { platform, result, books, tally, caseNos, workers };
}

const RUNG_LIST = ['warning', 'reminder', 'breach', 'serious'];

// ---------------------------------------------------------------- R5: the database stopped

export interface OutageOptions {
  uri: string;
  embedded: EmbeddedDb;
  clerks: number;
  outageSeconds: number;
  /** clocks made to breach during the outage */
  timers: number;
  seed: number;
  log: Log;
  env?: Record<string, string>;
  /** load before PostgreSQL stops, ms (default 20 s) */
  leadMs?: number;
  /** after PostgreSQL is back: 503s still count as the outage's for this long (default 30 s) */
  recoveryMs?: number;
}

export async function soakOutage(o: OutageOptions) {
  const platform = new Platform(o.uri, { ...SOAK_ENV, REQUEST_TIMEOUT_MS: '15000', ...o.env }, o.log);
  await platform.start();
  const pid = platform.pid;
  const tally = newTally();
  const books = newBooks();
  const rand = prng(o.seed);
  // the clerks at work, and two more who take in the cases whose clocks fall due (nobody completes those)
  const names = townClerks(o.clerks + 2);
  const clerks = names.slice(0, o.clerks).map((u) => new Clerk(u, platform, tally));
  const timerClerks = names.slice(o.clerks).map((u) => new Clerk(u, platform, tally));
  for (const c of [...clerks, ...timerClerks]) await c.login();
  const items = await loadItems(clerks[0]);
  // clocks that fall due in the outage's middle
  const lead = o.leadMs ?? 20_000;
  const dueAt = Date.now() + lead + (o.outageSeconds * 1000) / 2;
  const timerCases: string[] = [];
  let i = 0;
  await Promise.all(
    timerClerks.map(async (c) => {
      while (i < o.timers) {
        i++;
        const s = Math.max(5, Math.floor((dueAt - Date.now() - 300) / 1000));
        const r = await c.command('POST', '/api/intake', { itemCode: items.immediate.code, applicant: realisticApplicant(rand), materials: items.immediate.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: `PT${s}S`, statutoryLimit: 'PT3H' } }, { key: randomUUID() });
        if (r.status === 201) {
          timerCases.push(r.body.case.caseNo);
          books.intakes.set(r.body.case.caseNo, { key: '', clerk: c.username, decision: 'accept', status: r.body.case.status, recovered: false, promisedLimit: `PT${s}S` });
        }
      }
    }),
  );
  let outage = false;
  let stop = false;
  const loops = clerks.map((c, k) => clerkLoop(c, items, books, { stop: () => stop, rand: prng(o.seed * 17 + k), inOutage: () => outage }));
  const wait = Math.max(0, dueAt - (o.outageSeconds * 1000) / 2 - Date.now());
  await sleep(wait);
  const before = tally.acknowledged;
  outage = true;
  const downAt = Date.now();
  o.embedded.stopPostgres();
  o.log(`R5: PostgreSQL stopped (${Date.now() - downAt} ms) with ${clerks.length} clerks at work; ${timerCases.length} clocks due in ${Math.round((dueAt - Date.now()) / 1000)} s`);
  // health, during the outage, from outside
  const probe = new Clerk('probe', platform, newTally());
  const healthDuring: number[] = [];
  while (Date.now() < downAt + o.outageSeconds * 1000) {
    const h = await probe.raw('GET', '/api/health');
    healthDuring.push(h?.status ?? 0);
    await sleep(1000);
  }
  const ackDuring = tally.acknowledged - before;
  o.embedded.startPostgres();
  const upAt = Date.now();
  let healthyAfterMs: number | null = null;
  while (Date.now() < upAt + 120_000) {
    const h = await probe.raw('GET', '/api/health');
    if (h?.status === 200) {
      healthyAfterMs = Date.now() - upAt;
      break;
    }
    await sleep(100);
  }
  o.log(`R5: PostgreSQL back after ${Math.round((upAt - downAt) / 1000)} s down; health 200 after ${healthyAfterMs} ms`);
  // the recovery window: 503s of the first seconds back (connections the outage broke) still count as the outage's
  const RECOVERY_MS = o.recoveryMs ?? 30_000;
  await sleep(RECOVERY_MS);
  outage = false;
  const last503AfterUpMs = tally.last503At > upAt ? tally.last503At - upAt : 0;
  await sleep(RECOVERY_MS / 3);
  stop = true;
  await Promise.all(loops);
  // the clocks due in the outage: each must ring, late, once
  const mongo = await MongoClient.connect(o.uri);
  const db = mongo.db();
  const ids = timerCases.map((c) => `${c}:promised`);
  const until = Date.now() + 120_000;
  while (Date.now() < until && (await db.collection('signals').countDocuments({ clockId: { $in: ids }, rung: 'breach' })) < ids.length) await sleep(500);
  const sigs = await db.collection('signals').find({ clockId: { $in: ids }, rung: 'breach' }).toArray();
  const clocks = new Map((await db.collection('clocks').find({ _id: { $in: ids } as any }).toArray()).map((c) => [String(c._id), c]));
  const late = sigs.map((s) => new Date(s.at).getTime() - new Date(clocks.get(s.clockId)?.signalsAt?.breach).getTime());
  await mongo.close();
  const result = {
    outageSeconds: Math.round((upAt - downAt) / 100) / 10,
    samePlatformProcess: platform.pid === pid && platform.crashes.length === 0,
    healthDuring: [...new Set(healthDuring)],
    healthyAfterMs,
    last503AfterUpMs,
    recoveryWindowMs: RECOVERY_MS,
    acknowledgedDuringOutage: ackDuring,
    answersInOutage: tally.answers,
    badAnswers: tally.badOutageAnswers.slice(0, 20),
    badAnswerCount: tally.badOutageAnswers.length,
    timers: ids.length,
    timersRung: sigs.length,
    latenessP50Ms: r0(pct(late, 50)),
    latenessP99Ms: r0(pct(late, 99)),
  };
  return { platform, result, books, tally, timerCases };
}

// ---------------------------------------------------------------- the books

export interface Findings {
  cases: number;
  lost: string[];
  doubled: string[];
  stuck: string[];
  auditChainsVerified: number;
  auditChainsBroken: string[];
}

/** Waits until the repair sweeps have nothing left (or the time is up). */
export async function quiesce(db: Db, log: Log, ms = 90_000) {
  const until = Date.now() + ms;
  let left: Record<string, number> = {};
  while (Date.now() < until) {
    left = {
      case_intents: await db.collection('case_intents').countDocuments({}),
      audit_pending: await db.collection('audit_pending').countDocuments({}),
      projection_queue: await db.collection('projection_queue').countDocuments({}),
      'signals pending': await db.collection('signals').countDocuments({ pending: true }),
      'instances starting': await db.collection('instances').countDocuments({ status: 'starting' }),
      'cases accepting': await db.collection('service_cases').countDocuments({ status: 'accepting' }),
    };
    if (Object.values(left).every((n) => n === 0)) return left;
    await sleep(1000);
  }
  log(`not quiet after ${ms / 1000} s: ${JSON.stringify(left)}`);
  return left;
}

/**
 * The running clocks' signals still to come that have no job of the clock's version (each would never
 * ring), waited for up to `ms`: the sweep writes the jobs of a clock killed before them a few seconds
 * after (CASE_REPAIR_AFTER_MS + CASE_REPAIR_EVERY). The jobs are read before the clocks: a job that ran
 * meanwhile has set its rung fired before it was removed.
 */
async function waitForClockJobs(db: Db, ms = 30_000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const jobs = await db.collection('agendaJobs').find({ name: 'supervision.clock.signal' }, { projection: { 'data.key': 1 } }).toArray();
    const keys = new Set(jobs.map((j) => String(j.data?.key)));
    const running = await db.collection('clocks').find({ status: 'running' }, { projection: { version: 1, signalsAt: 1, fired: 1 } }).toArray();
    const missing: string[] = [];
    for (const c of running) {
      const rungs = RUNG_LIST.filter((r) => c.signalsAt?.[r] && !(c.fired ?? []).includes(r) && !keys.has(`${c._id}:${r}:${c.version}`));
      // a rung long due is reported by the overdue check
      const coming = rungs.filter((r) => new Date(c.signalsAt[r]).getTime() > Date.now() - 30_000);
      if (coming.length) missing.push(`clock ${c._id}: no job for its ${coming.join(', ')} signal (version ${c.version})`);
    }
    if (!missing.length || Date.now() > until) return missing;
    await sleep(1000);
  }
}

const ONCE_PER_CASE = new Set(['case.received', 'case.accepted', 'case.rejected', 'case.ended', 'case.deemed-accepted', 'supplement.received']);
const ONCE_PER_KEY: Record<string, string> = { 'task.opened': 'taskId', 'task.completed': 'taskId', 'clock.started': 'clockId', 'clock.stopped': 'clockId', 'clock.warning': 'clockId', 'clock.reminder': 'clockId', 'clock.breach': 'clockId', 'clock.serious': 'clockId', 'escalation.opened': 'escalationId', 'escalation.serious': 'escalationId' };

/** The once-only identity of an audit or feed event (undefined: the event may repeat). */
function onceKey(type: string, data: any): string | undefined {
  if (ONCE_PER_CASE.has(type)) return type;
  if (ONCE_PER_KEY[type]) return `${type}:${data?.[ONCE_PER_KEY[type]]}`;
  if (type === 'notice.issued' && data?.kind !== 'one-time') return `${type}:${data?.kind}`;
  if (type === 'supplement.requested') return `${type}:${data?.round}`;
  return undefined;
}

/**
 * Holds the database to the books: every acknowledged command reflected exactly once, nothing
 * stuck, no task, notice, signal, escalation or feed event doubled, every audit chain verified.
 */
export async function checkAll(uri: string, baseUrl: string, books: Books[], log: Log, feed?: { received: { key: string; body: any }[] }): Promise<Findings> {
  const mongo = await MongoClient.connect(uri);
  const db = mongo.db();
  const lost: string[] = [];
  const doubled: string[] = [];
  const stuck: string[] = [];
  try {
    const left = await quiesce(db, log);
    for (const [k, n] of Object.entries(left)) if (n) stuck.push(`${n} ${k} after the repair sweeps`);
    // signals before the events: a signal rung by a worker still running while the books are read
    // must find its event in the events read after it (a signal is marked done after its event)
    const signals = await db.collection('signals').find({ pending: { $ne: true } }).toArray();
    const cases = new Map((await db.collection('service_cases').find({}).toArray()).map((c) => [String(c._id), c]));
    const events = await db.collection('audit_events').find({}, { projection: { caseNo: 1, seq: 1, type: 1, data: 1 } }).toArray();
    const byCase = new Map<string, any[]>();
    for (const e of events) {
      const list = byCase.get(e.caseNo) ?? [];
      list.push({ ...e, data: JSON.parse(e.data) });
      byCase.set(e.caseNo, list);
    }
    const has = (caseNo: string, type: string, pred: (d: any) => boolean = () => true) => (byCase.get(caseNo) ?? []).some((e) => e.type === type && pred(e.data));

    // 1. acknowledged commands, each reflected
    for (const b of books) {
      for (const d of b.doubleAnswers) doubled.push(`answer: ${d}`);
      for (const [caseNo, a] of b.intakes) {
        const c = cases.get(caseNo);
        if (!c) {
          lost.push(`intake ${caseNo} (acknowledged) has no case`);
          continue;
        }
        if (!has(caseNo, 'case.received')) lost.push(`intake ${caseNo}: no case.received event`);
        if (a.decision === 'accept' || b.supplements.has(caseNo)) {
          if (!['in-progress', 'completed'].includes(c.status)) lost.push(`accepted case ${caseNo} is ${c.status}`);
          if (!has(caseNo, 'case.accepted')) lost.push(`accepted case ${caseNo}: no case.accepted event`);
          if ((await db.collection('instances').countDocuments({ businessKey: caseNo })) !== 1) (c.instanceId ? doubled : lost).push(`case ${caseNo}: ${await db.collection('instances').countDocuments({ businessKey: caseNo })} process instances`);
          if ((await db.collection('clocks').countDocuments({ caseNo, kind: { $in: ['statutory', 'promised'] } })) !== 2) lost.push(`case ${caseNo}: not two case clocks`);
          if (!(await db.collection('notices').countDocuments({ caseNo, kind: 'acceptance' }))) lost.push(`case ${caseNo}: no acceptance notice`);
        } else if (a.decision === 'supplement' && c.status !== 'awaiting-supplement') lost.push(`case ${caseNo} waiting for materials is ${c.status}`);
        else if (a.decision === 'reject' && c.status !== 'rejected') lost.push(`refused case ${caseNo} is ${c.status}`);
      }
      for (const [taskId, caseNo] of b.completions) {
        const t = await db.collection('tasks').findOne({ _id: taskId as any });
        if (t?.status !== 'completed') lost.push(`completion of ${taskId} (acknowledged): task is ${t?.status ?? 'missing'}`);
        if (caseNo && !has(caseNo, 'task.completed', (d) => d.taskId === taskId)) lost.push(`completion of ${taskId}: no task.completed event`);
      }
      for (const caseNo of b.supplements) if (!has(caseNo, 'supplement.received')) lost.push(`supplement of ${caseNo} (acknowledged): no supplement.received event`);
    }
    // cases nobody was told about: a second case from one request would be one of these
    const told = new Set(books.flatMap((b) => [...b.intakes.keys()]));
    for (const [caseNo, c] of cases) if (!told.has(caseNo) && c.status !== 'void') doubled.push(`case ${caseNo} (${c.status}) was never acknowledged to a clerk`);

    // 2. stuck
    for (const c of cases.values()) {
      if (c.status === 'accepting') stuck.push(`case ${c._id} accepting`);
      if (c.status === 'in-progress') {
        const inst = await db.collection('instances').findOne({ _id: c.instanceId });
        const open = await db.collection('tasks').countDocuments({ caseNo: c._id, status: 'open' });
        if (!inst) stuck.push(`case ${c._id} in progress without its instance`);
        else if (inst.status === 'running' && !open) stuck.push(`case ${c._id}: instance running with no open step`);
        else if (inst.status === 'completed') stuck.push(`case ${c._id}: instance completed, case still in progress`);
      }
    }
    const starting = await db.collection('instances').find({ status: { $nin: ['running', 'completed'] } }, { projection: { status: 1 } }).toArray();
    for (const i of starting) stuck.push(`instance ${i._id} ${i.status}`);
    // a number claimed by an intake that died is settled by the number sweep after 10 minutes (cases.numbers.sweep)
    const claimed = await db.collection('case_numbers').countDocuments({ status: 'claimed', claimedAt: { $lt: new Date(Date.now() - 11 * 60_000) } });
    if (claimed) stuck.push(`${claimed} case numbers still claimed after the number sweep's 10 minutes`);

    // 3. doubled: audit events, tasks, notices, escalations, feed
    for (const [caseNo, list] of byCase) {
      const seen = new Map<string, number>();
      for (const e of list) {
        const k = onceKey(e.type, e.data);
        if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      for (const [k, n] of seen) if (n > 1) doubled.push(`case ${caseNo}: ${n} × ${k}`);
    }
    const openDup = await db.collection('tasks').aggregate([{ $match: { status: 'open', kind: { $ne: 'cosign' } } }, { $group: { _id: { i: '$instanceId', e: '$elementId' }, n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
    for (const d of openDup) doubled.push(`${d.n} open tasks of step ${d._id.e} in instance ${d._id.i}`);
    const noticeDup = await db.collection('notices').aggregate([{ $match: { kind: { $ne: 'one-time' } } }, { $group: { _id: { c: '$caseNo', k: '$kind' }, n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
    for (const d of noticeDup) doubled.push(`${d.n} ${d._id.k} notices of case ${d._id.c}`);
    // signals: each rung of a clock once (the insert guarantees it), with its follow-ups once
    for (const s of signals) {
      if (s.caseNo && !has(s.caseNo, `clock.${s.rung}`, (d) => d.clockId === s.clockId)) lost.push(`signal ${s._id}: no clock.${s.rung} event`);
      if (s.rung === 'breach' && s.caseNo) {
        const esc = await db.collection('escalations').findOne({ _id: `clock:${s.clockId}` as any });
        if (!esc) lost.push(`breach ${s._id}: no escalation`);
        if (!has(s.caseNo, 'escalation.opened', (d) => d.escalationId === `clock:${s.clockId}`)) lost.push(`breach ${s._id}: no escalation.opened event`);
      }
    }
    // a clock whose rung is long due and never rang
    const overdue = await db.collection('clocks').find({ status: 'running', $or: RUNG_LIST.map((r) => ({ [`signalsAt.${r}`]: { $lte: new Date(Date.now() - 30_000) }, fired: { $ne: r } })) }).toArray();
    for (const c of overdue) {
      const missed = RUNG_LIST.filter((r) => c.signalsAt?.[r] && new Date(c.signalsAt[r]).getTime() <= Date.now() - 30_000 && !(c.fired ?? []).includes(r));
      lost.push(`clock ${c._id}: ${missed.join(', ')} due and not rung`);
    }
    // every running clock has a job for each signal still to come (a kill between a clock and its jobs is
    // repaired by the sweep of clocks without their jobs), and no job key is held twice (the unique key index)
    for (const m of await waitForClockJobs(db)) lost.push(m);
    const jobDup = await db.collection('agendaJobs').aggregate([{ $match: { 'data.key': { $exists: true } } }, { $group: { _id: { n: '$name', k: '$data.key' }, n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
    for (const d of jobDup) doubled.push(`${d.n} Agenda jobs ${d._id.n} with key ${d._id.k}`);
    // feed: one outbox event per feed-worthy audit event, and the province got each once
    if (feed) {
      const outbox = new Map((await db.collection('outbox').find({}, { projection: { _id: 1, type: 1, caseNo: 1, data: 1 } }).toArray()).map((e) => [String(e._id), e]));
      const FEED = new Set(['case.accepted', 'case.rejected', 'case.ended', 'supplement.requested', 'clock.warning', 'clock.breach', 'clock.serious', 'clock.stopped', 'escalation.opened']);
      for (const [caseNo, list] of byCase) for (const e of list) if (FEED.has(e.type) && !outbox.has(`${caseNo}:${String(e.seq)}`)) lost.push(`feed: audit ${caseNo}:${e.seq} ${e.type} not in the outbox`);
      const keys = new Map<string, Set<string>>();
      for (const r of feed.received) {
        const k = onceKey(r.body.type, r.body.data ?? {});
        if (!k || !r.body.caseNo) continue;
        const id = `${r.body.caseNo} ${k}`;
        const set = keys.get(id) ?? new Set();
        set.add(r.key);
        keys.set(id, set);
      }
      for (const [id, set] of keys) if (set.size > 1) doubled.push(`feed: ${id} delivered under ${set.size} keys`);
    }
  } finally {
    await mongo.close();
  }
  // 4. every case's audit chain, verified over HTTP as a supervisor sees it
  const broken: string[] = [];
  let verified = 0;
  const login = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'supervisor', password: 'demo123' }) });
  const token = ((await login.json()) as any).token;
  const all = [...new Set(books.flatMap((b) => [...b.intakes.keys()]))];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < all.length) {
        const caseNo = all[next++];
        const r = await fetch(`${baseUrl}/api/service-cases/${encodeURIComponent(caseNo)}/audit/verify`, { headers: { authorization: `Bearer ${token}` } });
        const body: any = await r.json().catch(() => ({}));
        if (r.status === 200 && body.valid === true) verified++;
        else broken.push(`${caseNo}: ${r.status} ${JSON.stringify(body.brokenAt ?? body.code ?? '')}`);
      }
    }),
  );
  const cases = books.reduce((n, b) => n + b.intakes.size, 0);
  return { cases, lost, doubled, stuck, auditChainsVerified: verified, auditChainsBroken: broken };
}

// ---------------------------------------------------------------- the whole soak

export interface SoakOptions {
  embedded: EmbeddedDb;
  only: ('r1' | 'r3' | 'r5')[];
  clerks: number;
  kills: number;
  upMinMs: number;
  upMaxMs: number;
  timers: number;
  timerClerks: number;
  outageSeconds: number;
  outageTimers: number;
  seed: number;
  log: Log;
  /** small runs (jest): no waiting for the serious rungs, a shorter lead before the outage */
  quick?: boolean;
}

const summary = (f: Findings) => ({ cases: f.cases, lost: f.lost.length, doubled: f.doubled.length, stuck: f.stuck.length, auditChainsVerified: f.auditChainsVerified, auditChainsBroken: f.auditChainsBroken.length, examples: { lost: f.lost.slice(0, 10), doubled: f.doubled.slice(0, 10), stuck: f.stuck.slice(0, 10), broken: f.auditChainsBroken.slice(0, 10) } });

/** Runs the scenarios named in `only`, each in its own database on the one embedded server, and checks the books after each. */
export async function runSoak(o: SoakOptions) {
  process.env.TEST_DB_URI_TEMPLATE ??= o.embedded.uriFor('{db}');
  const out: Record<string, any> = { startedAt: new Date().toISOString(), machine: machine(), options: { ...o, embedded: undefined, log: undefined } };
  const t0 = Date.now();
  const vmongo = await MongoClient.connect(o.embedded.uriFor('soak_versions'));
  out.database = await databaseVersions(vmongo.db(), o.embedded);
  await vmongo.close();
  let kills = 0;
  let commands = 0;
  let lost = 0;
  let doubled = 0;
  let stuck = 0;
  let broken = 0;
  /** completions the platform answered 409 on a resend with the same key though they were done (the 503 ambiguity) */
  let ambiguous = 0;

  if (o.only.includes('r1')) {
    const uri = o.embedded.uriFor('soak_r1');
    const r = await soakKills({ uri, clerks: o.clerks, kills: o.kills, upMinMs: o.upMinMs, upMaxMs: o.upMaxMs, seed: o.seed, log: o.log });
    const f = await checkAll(uri, r.platform.url, [r.books], o.log, r.feed);
    await r.platform.stop();
    await r.feed.close();
    out.r1 = {
      clerks: o.clerks,
      kills: r.kills,
      seconds: Math.round(r.seconds),
      commands: r.tally.commands,
      acknowledged: r.tally.acknowledged,
      resentAfterKill: r.tally.resent,
      completionsReplayed: r.tally.completionsReplayed,
      completionsSettledByRead: r.tally.completionsSettledByRead,
      restartMsP50: r0(pct(r.restarts, 50)),
      restartMsMax: Math.max(...r.restarts),
      crashes: r.platform.crashes,
      unexpected5xx: r.tally.badOutageAnswers.length,
      unexpected5xxExamples: r.tally.badOutageAnswers.slice(0, 5),
      refused: r.tally.refused,
      answers: r.tally.answers,
      commandP50Ms: r0(pct(r.tally.latencies, 50)),
      commandP99Ms: r0(pct(r.tally.latencies, 99)),
      feedDeliveries: r.feed.received.length,
      ...summary(f),
    };
    kills += r.kills;
    commands += r.tally.commands;
    lost += f.lost.length;
    doubled += f.doubled.length;
    stuck += f.stuck.length + r.platform.crashes.length + r.tally.badOutageAnswers.length;
    broken += f.auditChainsBroken.length;
    ambiguous += r.tally.completionsSettledByRead;
    o.log(`R1: ${JSON.stringify({ kills: r.kills, commands: r.tally.commands, acknowledged: r.tally.acknowledged, ...summary(f) })}`);
  }
  if (o.only.includes('r3')) {
    const uri = o.embedded.uriFor('soak_r3');
    const r = await soakTimers({ uri, timers: o.timers, clerks: o.timerClerks, seed: o.seed + 3, log: o.log, waitForSerious: !o.quick, leadFactor: o.quick ? 2 : 3 });
    const f = await checkAll(uri, r.platform.url, [r.books], o.log);
    r.result.signalsFinishedByRepair = r.workers.flatMap((w) => w.logs).filter((l) => l.includes('finished a signal cut short')).length;
    for (const w of r.workers) await w.kill('SIGTERM');
    await r.platform.stop();
    out.r3 = { ...r.result, ...summary(f) };
    kills += 1;
    commands += r.tally.commands;
    lost += f.lost.length + (r.result.timers - r.result.rungBreaches);
    doubled += f.doubled.length;
    stuck += f.stuck.length;
    broken += f.auditChainsBroken.length;
    o.log(`R3: ${JSON.stringify(out.r3)}`);
  }
  if (o.only.includes('r5')) {
    const uri = o.embedded.uriFor('soak_r5');
    const r = await soakOutage({ uri, embedded: o.embedded, clerks: o.clerks, outageSeconds: o.outageSeconds, timers: o.outageTimers, seed: o.seed + 5, log: o.log, leadMs: o.quick ? 8000 : 20_000, recoveryMs: o.quick ? 12_000 : 30_000 });
    const f = await checkAll(uri, r.platform.url, [r.books], o.log);
    await r.platform.stop();
    out.r5 = { ...r.result, commands: r.tally.commands, acknowledged: r.tally.acknowledged, refused: r.tally.refused, completionsReplayed: r.tally.completionsReplayed, completionsSettledByRead: r.tally.completionsSettledByRead, ...summary(f) };
    commands += r.tally.commands;
    lost += f.lost.length + (r.result.timers - r.result.timersRung);
    doubled += f.doubled.length;
    stuck += f.stuck.length + (r.result.samePlatformProcess ? 0 : 1) + (r.result.healthyAfterMs === null ? 1 : 0) + r.result.badAnswerCount;
    broken += f.auditChainsBroken.length;
    ambiguous += r.tally.completionsSettledByRead;
    o.log(`R5: ${JSON.stringify(out.r5)}`);
  }
  out.figures = {
    kills,
    commands,
    lost,
    doubled,
    stuck,
    auditChainsBroken: broken,
    ambiguousCompletions: ambiguous,
    latenessP50Ms: out.r3?.latenessBreachP50Ms ?? null,
    latenessP99Ms: out.r3?.latenessBreachP99Ms ?? null,
    outageLatenessP99Ms: out.r5?.latenessP99Ms ?? null,
  };
  out.minutes = Math.round((Date.now() - t0) / 6000) / 10;
  out.pass = lost === 0 && doubled === 0 && stuck === 0 && broken === 0 && ambiguous === 0;
  return out;
}
