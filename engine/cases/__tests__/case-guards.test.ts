/**
 * The platform's use cases refuse another town's records themselves, not only the HTTP access
 * guard: the inbox actions, a completion, the case view and the case clocks, called directly with
 * an actor of 东镇街道 against a real case of 丁堡镇 (and the own town works). Runs the scenario
 * in a child process (case-guards.scenario.ts): jest cannot load Agenda's ES modules in-process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, dbUri, uniqueDbName } from '../../../test/helpers/server';

describe('engine use cases check the org unit (no HTTP)', () => {
  it('another town\'s actor is refused 404 by get, form, claim, complete, urge, completeTask, getCase, pause and extend; the own town works', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'case-guards.scenario.ts'), dbUri(uniqueDbName('case_guards'))], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`scenario failed (exit ${code}):\n${stdout}\n${stderr}`))));
    });
    const passed = out.split('\n').filter((l) => l.startsWith('ok '));
    process.stdout.write(passed.join('\n') + '\n');
    expect(out).toContain('ALL_SCENARIOS_PASSED');
    expect(passed.length).toBeGreaterThanOrEqual(11);
  }, 180_000);
});
