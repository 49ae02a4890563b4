/**
 * The engine's check of case variables, whoever hands them in (HTTP, a worker, another use case).
 * No ES-module dependencies, so unit tests load it in-process.
 */
import { ValidationError } from '../domain/errors';
import { jsonShape } from '../domain/json-shape';
import { RESERVED_VARIABLE_NAMES } from '../runtime/engine-factory';

/** Largest JSON size of the variables of one request, in bytes. */
export const MAX_VARIABLES_BYTES = 256 * 1024;
/** Deepest nesting inside one case's variables (the variables object itself is level 1); the HTTP schema's limit too. */
export const MAX_VARIABLES_DEPTH = 16;
/** Most values (objects, arrays, scalars) in one case's variables; the HTTP schema's limit too. */
export const MAX_VARIABLES_NODES = 5_000;

/**
 * Refuses variables the engine cannot hold, whoever calls (HTTP, a worker, another use case):
 * not an object; nested deeper than MAX_VARIABLES_DEPTH or with more than MAX_VARIABLES_NODES
 * values (measured by an iterative walk first, so 5,000 levels are a ValidationError and never
 * a stack overflow, and nothing that deep reaches JSON.stringify or the database); not JSON;
 * larger than MAX_VARIABLES_BYTES; names the engine overwrites or documents cannot hold.
 * Runs before anything is written.
 * @throws ValidationError naming the limit
 */
export function checkVariables(vars: Record<string, unknown>): void {
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) throw new ValidationError('VARIABLES_NOT_AN_OBJECT', 'variables must be an object of names and values');
  const shape = jsonShape(vars, { depth: MAX_VARIABLES_DEPTH, nodes: MAX_VARIABLES_NODES });
  if (shape.depth > MAX_VARIABLES_DEPTH) {
    throw new ValidationError('VARIABLES_TOO_DEEP', `variables are nested deeper than ${MAX_VARIABLES_DEPTH} levels; the limit is ${MAX_VARIABLES_DEPTH}`, { limit: MAX_VARIABLES_DEPTH });
  }
  if (shape.nodes > MAX_VARIABLES_NODES) {
    throw new ValidationError('VARIABLES_TOO_COMPLEX', `variables hold more than ${MAX_VARIABLES_NODES} values; the limit is ${MAX_VARIABLES_NODES}`, { limit: MAX_VARIABLES_NODES });
  }
  let json: string;
  try {
    json = JSON.stringify(vars);
  } catch {
    throw new ValidationError('VARIABLES_NOT_JSON', 'variables must be JSON values (no cycles, no BigInt)');
  }
  const size = Buffer.byteLength(json);
  if (size > MAX_VARIABLES_BYTES) throw new ValidationError('VARIABLES_TOO_LARGE', `variables are ${size} bytes; the limit is ${MAX_VARIABLES_BYTES}`, { limit: MAX_VARIABLES_BYTES });
  for (const name of Object.keys(vars)) {
    if (RESERVED_VARIABLE_NAMES.has(name)) throw new ValidationError('RESERVED_VARIABLE', `variable name "${name}" is reserved by the engine`);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
      throw new ValidationError('INVALID_VARIABLE_NAME', `variable name "${name}" must start with a letter or _ and contain only letters, digits and _ (at most 64)`);
    }
  }
}

