/**
 * The engine's own round trips per command (issue 11 item 3, issue 14): a start, a completion and
 * a timer firing of the shipped report-up path each cost at most the few round trips they need —
 * the head with its revision (and the task) read once, the timer job, revision n+1 (the claim),
 * the tasks in one bulk write, the head — counted with the driver's command monitoring on a real
 * platform and database, ProcessService without the case layer. Also the completion with its case
 * view, a completion handed the task its caller loaded, a resend of a completion that committed,
 * and the org router's cost. The limits are `LIMITS` in the scenario: a re-read that creeps back
 * fails here with the sequence of commands that grew.
 *
 * Runs the scenario in a child process (command-round-trips.scenario.ts): jest cannot load
 * Agenda's ES modules in-process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, dbUri, uniqueDbName } from '../../../test/helpers/server';

/** Runs the scenario on a database of its own; prints its table of sequences; returns its `ok` lines. */
function run(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'command-round-trips.scenario.ts'), dbUri(uniqueDbName('cmd_rt'))], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => {
      console.log(out.split('\n').filter((l) => !l.startsWith('ROUND_TRIPS_JSON')).join('\n'));
      if (code !== 0 || !out.includes('ALL_SCENARIOS_PASSED')) return reject(new Error(`scenario failed (exit ${code}):\n${out}\n${err}`));
      resolve(out.split('\n').filter((l) => l.startsWith('ok ')));
    });
  });
}

describe('an engine command reads each record once', () => {
  it('start, complete and a timer firing cost no more round trips than their limits', async () => {
    const passed = await run();
    expect(passed).toEqual([
      expect.stringMatching(/^ok a start /),
      expect.stringMatching(/^ok a completion /),
      expect.stringMatching(/^ok a resend /),
      expect.stringMatching(/^ok a boundary timer firing /),
      expect.stringMatching(/^ok a completion with its case view/),
      expect.stringMatching(/^ok a completion handed its loaded task/),
      expect.stringMatching(/^ok the org router /),
    ]);
  }, 180_000);
});
