/**
 * The engine's boundary timers on the shipped report-up path fire when the step clock breaches —
 * working days, holidays, close of business — on a real platform and database, time moved through
 * the Clock port (no sleeps). Runs the scenario in a child process (working-day-timers.scenario.ts):
 * jest cannot load Agenda's ES modules in-process.
 */
import path from 'node:path';
import { runScenario } from '../../../test/helpers/scenario';

describe('boundary timers count working days as the step clock does', () => {
  it('P3D from Friday fires Wednesday 17:30, not Monday; PT8H before National Day fires 8 October 17:30', async () => {
    const passed = await runScenario(path.join(__dirname, 'working-day-timers.scenario.ts'), 'wd_timers');
    expect(passed.length).toBe(5);
  }, 180_000);
});
