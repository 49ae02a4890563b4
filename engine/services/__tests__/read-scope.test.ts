/**
 * The engine's reads refuse foreign records themselves, not only the HTTP guard (issue 12):
 * ProcessService.getCase, SupervisionService.get and clocksOf, FeedbackService.ratingsOf take the
 * actor. A clerk of another town (丁堡镇 vs a 东镇街道 case), a department clerk, the centre head
 * of another town: 404 CASE_NOT_FOUND / ESCALATION_NOT_FOUND or 403 ROLE_REQUIRED, nothing of the
 * record; the own town's clerk and head and a supervisor read. Runs the scenario in a child
 * process (read-scope.scenario.ts): jest cannot load Agenda's ES modules in-process.
 */
import path from 'node:path';
import { runScenario } from '../../../test/helpers/scenario';

describe('engine reads check the reader (no HTTP)', () => {
  it('refuses another town, a department clerk and another town\'s head; the own town and a supervisor read', async () => {
    const passed = await runScenario(path.join(__dirname, 'read-scope.scenario.ts'), 'read_scope');
    expect(passed.length).toBeGreaterThanOrEqual(20);
  }, 180_000);
});
