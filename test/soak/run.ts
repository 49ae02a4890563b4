/**
 * `npm run soak` — issue 12 item 4 at soak scale (not in CI; `test/features/soak.test.ts` runs the
 * same scenarios small). Starts its own embedded database (FerretDB 2.7 on PostgreSQL 15 +
 * DocumentDB) in a temp folder and runs:
 *   R1  SOAK_CLERKS (16) clerks over HTTP while the platform is SIGKILLed SOAK_KILLS (200) times
 *   R3  SOAK_TIMERS (1,000) promised limits breaching in one second, two workers, one killed
 *   R5  PostgreSQL stopped for SOAK_OUTAGE_S (60) seconds under load, with clocks falling due
 * then prints the figures and writes `.bench/soak.json`. SOAK_ONLY=r1,r3,r5 picks scenarios;
 * SOAK_UP_MS=min,max how long the process serves between kills (default 2000,8000); SOAK_SEED.
 * Exit code 1 when anything was lost, doubled or stuck, an audit chain failed, or a completion resent
 * with its Idempotency-Key was refused though it had been done (figures.ambiguousCompletions).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDb } from '../../engine/persistence/embedded-db';
import { runSoak } from './soak';

const ROOT = path.resolve(__dirname, '..', '..');
const t0 = Date.now();
const log = (m: string) => console.log(`[${Math.round((Date.now() - t0) / 1000)} s] ${m}`);

async function main() {
  const env = process.env;
  const [upMin, upMax] = (env.SOAK_UP_MS ?? '2000,8000').split(',').map(Number);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  log(`starting the embedded database in ${dataDir}`);
  const embedded = await startEmbeddedDb({ dataDir });
  let code = 1;
  try {
    const out = await runSoak({
      embedded,
      only: (env.SOAK_ONLY ?? 'r1,r3,r5').split(',').map((s) => s.trim()) as any,
      clerks: Number(env.SOAK_CLERKS ?? 16),
      kills: Number(env.SOAK_KILLS ?? 200),
      upMinMs: upMin,
      upMaxMs: upMax,
      timers: Number(env.SOAK_TIMERS ?? 1000),
      timerClerks: Number(env.SOAK_TIMER_CLERKS ?? 8),
      outageSeconds: Number(env.SOAK_OUTAGE_S ?? 60),
      outageTimers: Number(env.SOAK_OUTAGE_TIMERS ?? 50),
      seed: Number(env.SOAK_SEED ?? 12),
      log,
    });
    mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
    writeFileSync(path.join(ROOT, '.bench', 'soak.json'), JSON.stringify(out, null, 2) + '\n');
    const m = out.machine;
    console.log(`\nmachine:  ${m.cpus.count} × ${m.cpus.model}, ${m.memoryGiB} GiB, node ${m.node}; database ${JSON.stringify(out.database)}`);
    console.log(`figures:  ${JSON.stringify(out.figures)}`);
    console.log(`${out.pass ? 'PASS' : 'FAIL'} in ${out.minutes} min; written to .bench/soak.json`);
    code = out.pass ? 0 : 1;
  } finally {
    try {
      embedded.startPostgres();
    } catch {
      /* running */
    }
    await embedded.stop();
    if (env.SOAK_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
