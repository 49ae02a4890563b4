/**
 * Runs an engine scenario file (`*.scenario.ts`) in a child process against a fresh database and
 * returns its `ok …` lines. Engine tests that need Agenda go through a child process: jest cannot
 * load Agenda's ES modules in-process. A scenario prints `ok <what held>` per check and
 * `ALL_SCENARIOS_PASSED` at the end; a non-zero exit fails with its output.
 */
import { spawn } from 'node:child_process';
import { ROOT, dbUri, uniqueDbName } from './server';

export async function runScenario(file: string, dbPrefix: string): Promise<string[]> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, dbUri(uniqueDbName(dbPrefix))], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`scenario failed (exit ${code}):\n${stdout}\n${stderr}`))));
  });
  const passed = out.split('\n').filter((l) => l.startsWith('ok '));
  process.stdout.write(passed.join('\n') + '\n');
  if (!out.includes('ALL_SCENARIOS_PASSED')) throw new Error(`scenario ended without ALL_SCENARIOS_PASSED:\n${out}`);
  return passed;
}
