/**
 * Issue 12 item 4, small: the soak's own scenarios (test/soak/soak.ts, `npm run soak` at full
 * size) with small numbers — 4 clerks and 5 SIGKILLs of the platform (R1), 100 promised limits
 * breaching in one second with two workers and one of them SIGKILLed (R3), PostgreSQL stopped for
 * 5 s under load (R5). Real processes, HTTP and database; this file runs its own embedded database
 * because R5 stops its PostgreSQL. Each scenario fails on anything lost, doubled or stuck, on a
 * 5xx that is not the outage's 503 problem+json, and on an audit chain that does not verify.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from '../../engine/persistence/embedded-db';
import { ROOT } from '../helpers/server';
import { runSoak, type SoakOptions } from '../soak/soak';

const log = (m: string) => process.stdout.write(`[soak] ${m}\n`);

describe('soak, small (nothing lost, nothing doubled under kills, two workers and an outage)', () => {
  let dataDir: string;
  let embedded: EmbeddedDb;
  const base = (): SoakOptions => ({ embedded, only: [], clerks: 4, kills: 5, upMinMs: 1000, upMaxMs: 4000, timers: 100, timerClerks: 4, outageSeconds: 5, outageTimers: 10, seed: 12, log, quick: true });

  beforeAll(async () => {
    mkdirSync(path.join(ROOT, '.test-data'), { recursive: true });
    dataDir = mkdtempSync(path.join(ROOT, '.test-data', 'soak-'));
    embedded = await startEmbeddedDb({ dataDir });
  }, 120_000);

  afterAll(async () => {
    try {
      embedded?.startPostgres();
    } catch {
      /* running */
    }
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const expectClean = (r: any, what: string) => {
    const f = r[what];
    if (f.lost || f.doubled || f.stuck || f.auditChainsBroken) log(`${what} findings: ${JSON.stringify(f.examples)}`);
    expect(f.examples.lost).toEqual([]);
    expect(f.examples.doubled).toEqual([]);
    expect(f.examples.stuck).toEqual([]);
    expect(f.examples.broken).toEqual([]);
    expect(f.auditChainsVerified).toBe(f.cases);
  };

  it('R1: clerks work cases over HTTP while the platform is SIGKILLed and restarted; every acknowledged command is there once', async () => {
    const r = await runSoak({ ...base(), only: ['r1'] });
    expect(r.r1.kills).toBe(5);
    expect(r.r1.crashes).toEqual([]);
    expect(r.r1.unexpected5xxExamples).toEqual([]);
    expect(r.r1.acknowledged).toBe(r.r1.commands);
    // a completion resent with its Idempotency-Key after a kill is answered as done, never refused
    expect(r.r1.completionsSettledByRead).toBe(0);
    expect(r.r1.cases).toBeGreaterThan(0);
    expectClean(r, 'r1');
  }, 400_000);

  it('R3: 100 limits breach in one second; two workers, one SIGKILLed half-way; every signal rings once', async () => {
    const r = await runSoak({ ...base(), only: ['r3'] });
    log(`R3 lateness p50 ${r.r3.latenessBreachP50Ms} ms, p99 ${r.r3.latenessBreachP99Ms} ms`);
    expect(r.r3.timers).toBeGreaterThanOrEqual(80);
    expect(r.r3.rungBreaches).toBe(r.r3.timers);
    expect(r.r3.workerKilledAfterBreaches).toBeGreaterThan(0);
    expect(r.r3.workerKilledAfterBreaches).toBeLessThan(r.r3.timers);
    expectClean(r, 'r3');
  }, 400_000);

  it('R5: PostgreSQL stopped under load: 503 problem+json, nothing accepted lost, late timers ring once, recovery without a restart', async () => {
    const r = await runSoak({ ...base(), only: ['r5'] });
    expect(r.r5.samePlatformProcess).toBe(true);
    expect(r.r5.healthyAfterMs).not.toBeNull();
    expect(r.r5.badAnswers).toEqual([]);
    expect(Object.keys(r.r5.answersInOutage).some((k) => k.startsWith('503 DATABASE_UNAVAILABLE') || k.startsWith('503 REQUEST_TIMEOUT'))).toBe(true);
    expect(r.r5.timersRung).toBe(r.r5.timers);
    // the 503 ambiguity: a completion resent with its Idempotency-Key after a 503 is answered as done, never 409
    expect(r.r5.completionsSettledByRead).toBe(0);
    expectClean(r, 'r5');
  }, 400_000);
});
