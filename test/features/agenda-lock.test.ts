/**
 * engine/timers/agenda-lock.ts on two real Agenda 6 instances (two workers) against the run's
 * test database (test/fixtures/agenda-lock-scenarios.ts, its own Node process: Agenda 6 is ESM
 * only): due jobs locked in batches by index ranges — each run exactly once, shared by both
 * workers, none of the 2,000 jobs of the same name due next month touched — and a dead worker's
 * expired lock taken over while a live lock is left alone.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, dbUri, uniqueDbName } from '../helpers/server';

describe('Agenda locks due jobs in batches', () => {
  const results = new Map<string, any>();

  beforeAll(async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/agenda-lock-scenarios.ts'), dbUri(uniqueDbName('agenda_lock'))], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
      const r = JSON.parse(line);
      results.set(r.scenario, r);
      process.stdout.write(`[agenda-lock] ${line}\n`);
    }
    if (code !== 0) throw new Error(`the scenarios failed (exit ${code}): ${stdout}\n${stderr}`);
  }, 120_000);

  it('runs 300 jobs due in the same second once each, on both workers, and nothing not yet due', () => {
    const r = results.get('burst');
    expect(r).toMatchObject({ ran: 300, twice: [], laterRan: 0, left: 0 });
    expect(r.byWorker.w1).toBeGreaterThan(0);
    expect(r.byWorker.w2).toBeGreaterThan(0);
  });

  it("takes over a dead worker's expired lock and leaves a live lock alone", () => {
    expect(results.get('orphans')).toEqual({ scenario: 'orphans', expiredRan: 1, heldRan: 0 });
  });
});
