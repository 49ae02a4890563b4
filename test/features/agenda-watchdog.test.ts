/**
 * engine/timers/agenda-watchdog.ts on a real Agenda 6 against the run's test database, with the
 * failures an outage causes injected one at a time (test/fixtures/agenda-watchdog-scenarios.ts,
 * its own Node process: Agenda 6 is ESM only). The whole outage — PostgreSQL stopped under a
 * running platform — is test/features/database-outage.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, dbUri, uniqueDbName } from '../helpers/server';

describe('the Agenda watchdog', () => {
  const results = new Map<string, any>();

  beforeAll(async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/agenda-watchdog-scenarios.ts'), dbUri(uniqueDbName('agenda_watchdog'))], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
      const r = JSON.parse(line);
      results.set(r.scenario, r);
      process.stdout.write(`[watchdog] ${line}\n`);
    }
    if (code !== 0) throw new Error(`the scenarios failed (exit ${code}): ${stdout}\n${stderr}`);
  }, 90_000);

  it('releases a lock whose unlock was lost, so the job runs again within seconds, not after its 60 s lock lifetime', () => {
    const r = results.get('lost-unlock');
    expect(r).toMatchObject({ ranAgain: true, released: 1, logged: true });
    expect(r.ms).toBeLessThan(10_000);
  });

  it('retries a one-off job that met an unavailable database until it succeeds; a job that fails otherwise is not retried', () => {
    expect(results.get('retry-while-down')).toMatchObject({ flakyRuns: 3, brokenRuns: 1, outageErrorsLoggedAsErrors: 0 });
  });

  it('starts a job processor again that stopped without being asked to', () => {
    expect(results.get('processor-restart')).toMatchObject({ ran: true, logged: true, newProcessor: true });
  });
});
