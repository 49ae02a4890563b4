/**
 * `npm run bench`: measures the persisted engine on the embedded FerretDB, in-process (no HTTP),
 * and prints the machine and the numbers. Performance goals live here, never in timed tests.
 *
 *   start        — start a case of report-up-item (deploy-parsed XML → engine → revision 1)
 *   complete     — complete one user task (load → recover → resume → signal → settle → insert)
 *   timer lag    — from a PT1S boundary timer's due time to its escalation being recorded
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startPlatform, SYSTEM_ACTOR, type Actor } from '../../engine';
import { startWorkers } from '../../workers';

const N = Number(process.env.BENCH_CASES ?? 60);
const root = path.resolve(__dirname, '..', '..');

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms · p95 ${pct(xs, 95).toFixed(1)} ms · max ${Math.max(...xs).toFixed(1)} ms`;

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-ferret-'));
  const logger = pino({ level: 'warn' });
  const platform = await startPlatform({ dbName: 'bench', embeddedDataDir: dataDir, agendaProcessEveryMs: 200, agendaLockLifetimeMs: 60_000 }, logger);
  const svc = platform.processService;
  const designer: Actor = { username: 'designer', groups: [], roles: ['designer'] };
  const clerk: Actor = { username: 'clerk', groups: ['town-window', 'city-approval'], roles: ['clerk'] };
  try {
    await svc.deploy(readFileSync(path.join(root, 'processes/diagrams/report-up-item.bpmn'), 'utf8'), designer);
    const starts: number[] = [];
    const completes: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      let t = performance.now();
      const c = await svc.startCase('report-up-item', { reviewResult: 'approve', cityDecision: 'approve' }, clerk);
      starts.push(performance.now() - t);
      let open = c.openTasks;
      while (open.length) {
        t = performance.now();
        const after = await svc.completeTask(open[0].id, {}, clerk);
        completes.push(performance.now() - t);
        open = after.openTasks;
      }
    }
    const wall = (performance.now() - t0) / 1000;

    // timer lag: PT1S deadlines, measured from due time to the escalation row
    await startWorkers(platform.agenda, svc, logger);
    const lagIds: { id: string; due: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await svc.startCase('report-up-item', { townReviewLimit: 'PT1S' }, clerk);
      await svc.completeTask(c.openTasks[0].id, {}, clerk);
      lagIds.push({ id: c.id, due: Date.now() + 1000 });
    }
    const lags: number[] = [];
    const deadline = Date.now() + 30_000;
    while (lags.length < lagIds.length && Date.now() < deadline) {
      for (const l of lagIds) {
        if ((l as any).done) continue;
        const e = await platform.models.Escalation.findOne({ instanceId: l.id }).lean();
        if (e) {
          (l as any).done = true;
          lags.push(e.raisedAt.getTime() - l.due);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    void SYSTEM_ACTOR;

    const cpu = os.cpus()[0]?.model ?? 'unknown';
    console.log(`machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
    console.log(`database: embedded FerretDB v1.24.2 (SQLite), same machine`);
    console.log(`cases: ${N} report-up cases, 4 user tasks each, sequential, one process`);
    console.log(`start case:    ${fmt(starts)}`);
    console.log(`complete task: ${fmt(completes)}`);
    console.log(`throughput:    ${((N * 5) / wall).toFixed(1)} commands/s (${(N / wall).toFixed(2)} whole cases/s)`);
    console.log(`timer lag:     ${lags.length}/${lagIds.length} fired; ${lags.length ? fmt(lags) : 'none'} after due (poll 200 ms)`);
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
