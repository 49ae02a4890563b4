/**
 * Agenda jobs written in one round trip per batch (engine/timers/unique-jobs.ts, issue 11 item 3):
 * the document is the one Agenda writes, insert-only, one `update` for a command's timers, and
 * Agenda's lock runs them. The scenario runs in a child process (unique-jobs.scenario.ts): jest
 * cannot load Agenda's ES modules in-process.
 */
import path from 'node:path';
import { runScenario } from '../../../test/helpers/scenario';

describe('unique Agenda jobs in one round trip', () => {
  it("writes Agenda's own document, insert-only, one round trip per batch, and Agenda runs them", async () => {
    const passed = await runScenario(path.join(__dirname, 'unique-jobs.scenario.ts'), 'unique_jobs');
    expect(passed.length).toBe(4);
  }, 120_000);
});
