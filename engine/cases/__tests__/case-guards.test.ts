/**
 * The platform's use cases refuse another town's records themselves, not only the HTTP access
 * guard: the inbox actions, a completion, the case view and the case clocks, called directly with
 * an actor of 东镇街道 against a real case of 丁堡镇 (and the own town works). Runs the scenario
 * in a child process (case-guards.scenario.ts): jest cannot load Agenda's ES modules in-process.
 */
import path from 'node:path';
import { runScenario } from '../../../test/helpers/scenario';

describe('engine use cases check the org unit (no HTTP)', () => {
  it('another town\'s actor is refused 404 by get, form, claim, complete, urge, completeTask, getCase, pause and extend; the own town works', async () => {
    const passed = await runScenario(path.join(__dirname, 'case-guards.scenario.ts'), 'case_guards');
    expect(passed.length).toBeGreaterThanOrEqual(11);
  }, 180_000);
});
