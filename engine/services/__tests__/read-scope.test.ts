/**
 * The engine's reads refuse foreign records themselves, not only the HTTP guard (issue 12):
 * ProcessService.getCase, SupervisionService.get and clocksOf, FeedbackService.ratingsOf take the
 * actor. A clerk of another town (丁堡镇 vs a 东镇街道 case), a department clerk, the centre head
 * of another town: 404 CASE_NOT_FOUND / ESCALATION_NOT_FOUND or 403 ROLE_REQUIRED, nothing of the
 * record; the own town's clerk and head and a supervisor read. Runs the scenario in a child
 * process (read-scope.scenario.ts): jest cannot load Agenda's ES modules in-process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, dbUri, uniqueDbName } from '../../../test/helpers/server';

describe('engine reads check the reader (no HTTP)', () => {
  it('refuses another town, a department clerk and another town\'s head; the own town and a supervisor read', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'read-scope.scenario.ts'), dbUri(uniqueDbName('read_scope'))], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`scenario failed (exit ${code}):\n${stdout}\n${stderr}`))));
    });
    const passed = out.split('\n').filter((l) => l.startsWith('ok '));
    process.stdout.write(passed.join('\n') + '\n');
    expect(out).toContain('ALL_SCENARIOS_PASSED');
    expect(passed.length).toBeGreaterThanOrEqual(20);
  }, 180_000);
});
