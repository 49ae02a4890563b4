/**
 * One Agenda job per key, also when two workers write the same new key at the same instant (issue 12):
 * the unique partial index on `(data.key, name)` (engine/timers/unique-jobs.ts UNIQUE_JOB_KEY_INDEX,
 * created at start by ensureIndexes), and the writer that loses the race treating the duplicate key
 * as "already there". Two real Agenda 6 instances on their own connections against the test
 * database, in a child process (engine/timers/__tests__/unique-key-race.scenario.ts: jest cannot load
 * Agenda's ES modules).
 */
import path from 'node:path';
import { ROOT } from '../helpers/server';
import { runScenario } from '../helpers/scenario';

describe('one Agenda job per key under racing writers', () => {
  it('refuses the second copy of a key, answers the loser as done, and repairs a collection that holds twins', async () => {
    const passed = await runScenario(path.join(ROOT, 'engine/timers/__tests__/unique-key-race.scenario.ts'), 'agenda_unique_key');
    expect(passed.length).toBe(4);
  }, 180_000);
});
