/**
 * The engine's own guards, whoever calls it (HTTP, a worker, another use case): variables are
 * bounded by an iterative walk before anything is written (5,000 levels deep is a
 * ValidationError, never a stack overflow, and no instance is left behind), and a task of
 * another org unit is refused by the engine itself, not only by the HTTP access guard.
 *
 * The variable check runs in-process; the ProcessService scenarios (real test database, real
 * bpmn-engine, a diagram without timers) run in a child process (engine-guards.scenario.ts):
 * jest cannot load bpmn-moddle's ES modules in-process.
 */
import path from 'node:path';
import { runScenario } from '../../../test/helpers/scenario';
import { ValidationError } from '../../domain/errors';
import { checkVariables, MAX_VARIABLES_DEPTH, MAX_VARIABLES_NODES } from '../variables';

/** `depth` levels of nesting, built without recursion: objects or arrays. */
function deep(depth: number, kind: 'object' | 'array'): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = kind === 'object' ? { a: v } : [v];
  return v;
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.code;
    throw err;
  }
  return 'accepted';
};

describe('checkVariables: iterative, depth- and size-bounded', () => {
  it.each(['object', 'array'] as const)('refuses variables 5,000 deep (%s) with VARIABLES_TOO_DEEP, no stack overflow', (kind) => {
    expect(codeOf(() => checkVariables({ nested: deep(5_000, kind) }))).toBe('VARIABLES_TOO_DEEP');
    // far deeper than any stack: still a ValidationError
    expect(codeOf(() => checkVariables({ nested: deep(200_000, kind) }))).toBe('VARIABLES_TOO_DEEP');
  });

  it('takes exactly the HTTP limits: 16 deep and 5,000 values', () => {
    // the variables object is level 1, so MAX_VARIABLES_DEPTH - 1 levels below it pass
    expect(codeOf(() => checkVariables({ v: deep(MAX_VARIABLES_DEPTH - 2, 'object') }))).toBe('accepted');
    expect(codeOf(() => checkVariables({ v: deep(MAX_VARIABLES_DEPTH - 1, 'object') }))).toBe('VARIABLES_TOO_DEEP');
    expect(codeOf(() => checkVariables({ list: Array.from({ length: MAX_VARIABLES_NODES - 2 }, (_, i) => i) }))).toBe('accepted');
    expect(codeOf(() => checkVariables({ list: Array.from({ length: MAX_VARIABLES_NODES }, (_, i) => i) }))).toBe('VARIABLES_TOO_COMPLEX');
    const err = (() => { try { checkVariables({ v: deep(5_000, 'array') }); } catch (e) { return e as ValidationError; } })()!;
    expect(err.message).toContain(`the limit is ${MAX_VARIABLES_DEPTH}`);
    expect(err.details).toEqual({ limit: MAX_VARIABLES_DEPTH });
  });

  it('refuses what is not JSON or not an object, and cycles, as ValidationErrors', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(['VARIABLES_TOO_DEEP', 'VARIABLES_TOO_COMPLEX']).toContain(codeOf(() => checkVariables(cyclic)));
    expect(codeOf(() => checkVariables({ big: 10n } as any))).toBe('VARIABLES_NOT_JSON');
    expect(codeOf(() => checkVariables(null as any))).toBe('VARIABLES_NOT_AN_OBJECT');
    expect(codeOf(() => checkVariables([1, 2] as any))).toBe('VARIABLES_NOT_AN_OBJECT');
    expect(codeOf(() => checkVariables({ constructor: 1 }))).toBe('RESERVED_VARIABLE');
  });
});

describe('ProcessService on the real database (child process)', () => {
  it('refuses 5,000-deep variables with nothing written, records the starter\'s org unit, and refuses another town\'s completion in the engine', async () => {
    const passed = await runScenario(path.join(__dirname, 'engine-guards.scenario.ts'), 'engine_guards');
    expect(passed.length).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
