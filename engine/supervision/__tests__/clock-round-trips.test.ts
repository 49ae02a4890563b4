/**
 * Supervision clocks in few round trips (issue 11, item 3), on a real platform and database with
 * the driver's command monitoring: a clock starts as one insert and one batch of jobs, started
 * again it only ensures its jobs, a ledger change writes one batch and one delete, and a stale
 * job brings lost jobs back. The scenario runs in a child process (clock-round-trips.scenario.ts):
 * jest cannot load Agenda's ES modules in-process.
 */
import path from 'node:path';
import { runScenario } from '../../../test/helpers/scenario';

describe('supervision clocks in few round trips', () => {
  it('starts a clock in two round trips and keeps its jobs exactly once through repeats and ledger changes', async () => {
    const passed = await runScenario(path.join(__dirname, 'clock-round-trips.scenario.ts'), 'clock_rt');
    expect(passed.length).toBe(6);
  }, 180_000);
});
