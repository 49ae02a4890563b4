/**
 * What one BPMN timer firing costs the Node thread (issue 11: 1,000 timers due in the same second
 * fired only 441 in 120 s, CPU-bound at ~35–40 ms of the thread per firing).
 *
 * `node --import tsx test/bench/timer-cpu.ts` — on its own embedded database (a throw-away data
 * folder; or TIMER_CPU_URI=mongodb://… for one already running), with the demo data: takes in
 * TIMER_CPU_CASES (default 200) report-up cases at 东镇街道 (the step 镇窗口受理 with its boundary
 * timer overridden to PT1S), lets them come due, then fires each case's timer through the timer
 * job's use case (`ProcessService.fireTimers` with the job's data), first one after another —
 * CPU (`process.cpuUsage`) and wall time per firing — then another batch 10 at a time (Agenda's
 * concurrency for the job) for firings per second. The sequential firings run under V8's
 * profiler (inspector, this process only) and the self time is summed by where it is spent:
 * XML parse (bpmn-moddle), context (de)serialization, bpmn-elements / smqp (recover, resume, run),
 * JSON, the database driver, our engine/ code, garbage collection.
 *
 * Prints one JSON object (and TIMER_CPU_OUT=<file> writes it). Nothing else runs beside it: no
 * server, no Agenda polling (the firings are called directly).
 */
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { seedAll, startPlatform, type Actor } from '../../engine';
import { startEmbeddedDb, type EmbeddedDb } from '../../engine/persistence/embedded-db';
import { applicant } from '../helpers/people';

const CASES = Number(process.env.TIMER_CPU_CASES ?? 200);
const CONCURRENCY = Number(process.env.TIMER_CPU_CONCURRENCY ?? 10);
const NAMES = ['阿卜杜·热合曼', '陈建国', '欧阳小明', '阿依古丽·买买提'];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const r1 = (n: number) => Math.round(n * 10) / 10;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Where a profile node's self time goes. */
function category(frame: { url: string; functionName: string }): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'program (V8/native)';
    if (/^(parse|stringify)$/.test(functionName)) return `JSON.${functionName}`;
    return `native ${functionName || '(anonymous)'}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    if (pkg === 'bpmn-engine' && rest.includes('node_modules')) return `bpmn-engine/${rest[rest.indexOf('node_modules') + 1]}`;
    return pkg;
  }
  const m = /\/(engine|common|api|workers)\/(.+?)(\.ts|\.js)?$/.exec(url);
  if (m) return `${m[1]}/${m[2].split('/').slice(0, m[1] === 'engine' ? 2 : 1).join('/')}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.replace(/^.*\//, '');
}

function summarize(profile: any): Record<string, number> {
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  const self = new Map<number, number>();
  const ts: number[] = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (ts[i] ?? 0));
  const out: Record<string, number> = {};
  for (const [id, us] of self) {
    const c = category(byId.get(id).callFrame);
    out[c] = (out[c] ?? 0) + us / 1000;
  }
  return Object.fromEntries(Object.entries(out).filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, r1(v)]));
}

async function main() {
  let db: EmbeddedDb | undefined;
  let dataDir: string | undefined;
  let uri = process.env.TIMER_CPU_URI;
  if (!uri) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'timer-cpu-'));
    db = await startEmbeddedDb({ dataDir });
    uri = db.uriFor('timer_cpu');
  }
  const logger = pino({ level: 'silent' });
  const platform = await startPlatform({ mongodbUri: uri, dbName: 'timer_cpu', embeddedDataDir: '', agendaProcessEveryMs: 3_600_000, agendaLockLifetimeMs: 60_000, allowLimitOverrides: true } as any, logger);
  try {
    await seedAll(platform, 'demo123', logger);
    const u: any = await platform.models.User.findById('dongzhen-w10-a').lean();
    const clerk: Actor = { username: u._id, roles: u.roles, groups: u.groups ?? [], orgUnit: u.orgUnit, windowId: u.windowId };
    const item = (await platform.catalogue.listItems({})).find((i: any) => i.procedure === 'report-up-item')!;
    const intake = async (i: number) => {
      const out = await platform.cases.intake({ itemCode: item.code, applicant: applicant(NAMES[i % NAMES.length]), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { townAcceptLimit: 'PT1S' } } as any, clerk);
      const kase: any = await platform.models.ServiceCase.findById(out.case.caseNo).lean();
      return kase.instanceId as string;
    };
    const jobOf = async (instanceId: string) => {
      const job: any = await platform.models.Instance.db.collection('agendaJobs').findOne({ name: 'bpmn.timer.fire', 'data.instanceId': instanceId });
      if (!job) throw new Error(`no timer job for ${instanceId}`);
      return job.data as { instanceId: string; elementId: string; expireAt: string };
    };
    const t0 = Date.now();
    const seq: string[] = [];
    for (let i = 0; i < CASES; i++) seq.push(await intake(i));
    const par: string[] = [];
    for (let i = 0; i < CASES; i++) par.push(await intake(CASES + i));
    const intakeS = (Date.now() - t0) / 1000;
    const seqJobs = await Promise.all(seq.map(jobOf));
    const parJobs = await Promise.all(par.map(jobOf));
    const lastDue = Math.max(...[...seqJobs, ...parJobs].map((j) => Date.parse(j.expireAt)));
    if (lastDue > Date.now()) await new Promise((r) => setTimeout(r, lastDue - Date.now() + 50));

    // a few firings to warm up (JIT, caches), not counted: the first of each case's kind
    const warm = Math.min(5, seq.length);
    for (let i = 0; i < warm; i++) await platform.processService.fireTimers(seq[i], seqJobs[i]);

    // one after another, under the profiler
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const cpu: number[] = [];
    const wall: number[] = [];
    let moved = 0;
    const cpuSeq0 = process.cpuUsage();
    const wallSeq0 = performance.now();
    for (let i = warm; i < seq.length; i++) {
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      if (await platform.processService.fireTimers(seq[i], seqJobs[i])) moved++;
      wall.push(performance.now() - w0);
      cpu.push(cpuMs(process.cpuUsage(c0)));
    }
    const seqCpuMs = cpuMs(process.cpuUsage(cpuSeq0));
    const seqWallMs = performance.now() - wallSeq0;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    if (process.env.TIMER_CPU_PROFILE) writeFileSync(process.env.TIMER_CPU_PROFILE, JSON.stringify(profile));

    // CONCURRENCY at a time, as Agenda runs the job
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    let next = 0;
    let movedPar = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < par.length) {
          const i = next++;
          if (await platform.processService.fireTimers(par[i], parJobs[i])) movedPar++;
        }
      }),
    );
    const parWallMs = performance.now() - w0;
    const parCpuMs = cpuMs(process.cpuUsage(c0));

    const result = {
      at: new Date().toISOString(),
      commit: process.env.TIMER_CPU_COMMIT,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map(r1),
      cases: CASES,
      intakeSeconds: r1(intakeS),
      sequential: {
        firings: cpu.length,
        moved,
        cpuMsPerFiring: { mean: r1(seqCpuMs / cpu.length), p50: r1(pct(cpu, 50)), p90: r1(pct(cpu, 90)), p99: r1(pct(cpu, 99)) },
        wallMsPerFiring: { mean: r1(seqWallMs / wall.length), p50: r1(pct(wall, 50)), p99: r1(pct(wall, 99)) },
        profileSelfMsTotal: summarize(profile),
      },
      concurrent: {
        concurrency: CONCURRENCY,
        firings: par.length,
        moved: movedPar,
        firingsPerSecond: r1((par.length / parWallMs) * 1000),
        cpuMsPerFiring: r1(parCpuMs / par.length),
        wallSeconds: r1(parWallMs / 1000),
      },
    };
    const text = JSON.stringify(result, null, 2);
    console.log(text);
    if (process.env.TIMER_CPU_OUT) writeFileSync(process.env.TIMER_CPU_OUT, text + '\n');
  } finally {
    await platform.close();
    if (db) await db.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
