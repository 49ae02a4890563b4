/**
 * FEEL (Friendly Enough Expression Language, the DMN/BPMN standard language Camunda 8 uses) for
 * conditions and other expressions written as `= <feel>` — `= approved`, `= amount > 1000`,
 * `= category = "联办件"`. Evaluated by `feelin` (the bpmn.io team's interpreter), behind the same
 * entry point as the `${…}` language (expressions.ts `resolveExpression`).
 *
 * feelin interprets a lezer parse tree with no access to JavaScript itself, but it is a full
 * language: `for i in 1..100000000 return i` builds the list (seen: the process ran out of
 * memory), a user-defined `function(x) …` can recurse, and a function value found in the
 * context is called. So every expression is parsed and checked here first against an allow-list
 * of node types (names, paths, literals, comparisons, arithmetic, `and`/`or`, `if`, `in`,
 * `between`, intervals, lists, contexts, filters over a list) and of built-in functions (text,
 * numbers, lists, dates; see {@link ALLOWED_FUNCTIONS}); iteration (`for`, `some`, `every`),
 * function definitions and calls of anything else are refused, and so are the names
 * `__proto__`, `constructor` and `prototype`. Limits are those of the `${…}` language. The
 * variables given to feelin are a copy holding plain data only (no functions, no accessors).
 */
import { evaluate as feelEvaluate, parseExpression as feelParse, parseUnaryTests as feelParseUnaryTests, unaryTest as feelUnaryTest } from 'feelin';

/** A FEEL problem; expressions.ts turns it into its ExpressionError. */
export class FeelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeelError';
  }
}

/** Longest FEEL source (after `=`), in characters — the `${…}` limit. */
export const MAX_FEEL_LENGTH = 2000;
/** Most parse-tree nodes in one FEEL expression. */
export const MAX_FEEL_NODES = 1000;
/** Deepest parse tree (and bracket nesting). */
export const MAX_FEEL_DEPTH = 50;
/** Deepest variable value copied into the FEEL context; deeper parts are left out. */
const MAX_CONTEXT_DEPTH = 32;
/** Parsed expressions remembered (source → checked). */
const CACHE_SIZE = 1000;

/**
 * Built-in FEEL functions an expression may call (DMN 1.3 §10.3.4): pure, bounded by their
 * arguments. Anything else (and every user-defined function) is refused at parse time.
 */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'not', 'is defined', 'get or else',
  'string', 'number', 'string length', 'substring', 'substring before', 'substring after', 'upper case', 'lower case',
  // not matches(), replace(), split(): their patterns are regular expressions, and a backtracking one
  // over an applicant's text could hold the process (ReDoS)
  'contains', 'starts with', 'ends with', 'trim',
  'abs', 'floor', 'ceiling', 'round up', 'round down', 'round half up', 'round half down', 'decimal', 'modulo', 'odd', 'even',
  'count', 'sum', 'min', 'max', 'mean', 'list contains', 'index of', 'distinct values', 'all', 'any', 'sublist', 'append', 'concatenate', 'reverse', 'flatten', 'product',
  'date', 'time', 'date and time', 'duration', 'years and months duration', 'now', 'today', 'day of week', 'day of year', 'month of year', 'week of year',
  'get value', 'context', 'get entries',
]);

/** Node types an expression may contain (lezer-feel grammar names). */
const ALLOWED_NODES: ReadonlySet<string> = new Set([
  'Expression', 'UnaryTests', 'VariableName', 'Identifier', 'Name', 'PathExpression', 'PathName', '.',
  'NumericLiteral', 'StringLiteral', 'BooleanLiteral', 'true', 'false', 'null', 'DateTimeLiteral', 'AtLiteral', 'DateTimeConstructor',
  'date', 'time', 'date and time', 'duration',
  'Comparison', 'CompareOp', 'ArithmeticExpression', 'ArithOp', 'Disjunction', 'Conjunction', 'and', 'or', 'between',
  'IfExpression', 'if', 'then', 'else', 'in', 'PositiveUnaryTest', 'PositiveUnaryTests', 'SimplePositiveUnaryTest', 'Interval', '..',
  'List', 'Context', 'ContextEntry', 'Key', 'FilterExpression', 'ParenthesizedExpression',
  'FunctionInvocation', 'PositionalParameters', 'NamedParameters', 'NamedParameter', 'ParameterName',
  'InstanceOfExpression', 'instance', 'of', 'Type', 'QualifiedName', 'ListType', 'ContextType', 'FunctionType', 'TypeName',
  '(', ')', '[', ']', '{', '}', ',', ':', '?', '-', 'not', 'Wildcard',
]);

/** Names never read (the same as the `${…}` language's). */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** True when `text` is a FEEL expression: it starts with `=` (Camunda 8 / Zeebe style). */
export function isFeel(text: unknown): boolean {
  return typeof text === 'string' && text.trimStart().startsWith('=');
}

const checked = new Map<string, string>();

/**
 * Parses and checks `text` (with its leading `=`) without evaluating it.
 * @returns the FEEL source after `=`
 * @throws FeelError naming the problem: a syntax error with its position, a refused construct
 *   (iteration, function definition, a call of a function not in {@link ALLOWED_FUNCTIONS}), a
 *   forbidden name, or a limit ({@link MAX_FEEL_LENGTH}, {@link MAX_FEEL_NODES}, {@link MAX_FEEL_DEPTH}).
 */
export function checkFeel(text: string): string {
  const hit = checked.get(text);
  if (hit !== undefined) return hit;
  const source = text.trimStart().slice(1).trim();
  if (!source) throw new FeelError('empty FEEL expression after "="');
  checkSource(source, false);
  checked.set(text, source);
  if (checked.size > CACHE_SIZE) checked.delete(checked.keys().next().value as string);
  return source;
}

/**
 * Checks FEEL `source` (no leading `=`) as an expression or, with `unaryTests`, as DMN unary tests
 * (a decision table's input entry: `< 18`, `"联办件","承诺件"`, `[1..10]`, `not(0)`), against the
 * same allow-list and limits as {@link checkFeel}.
 * @throws FeelError as {@link checkFeel}
 */
function checkSource(source: string, unaryTests: boolean): void {
  if (source.length > MAX_FEEL_LENGTH) throw new FeelError(`FEEL expression is longer than ${MAX_FEEL_LENGTH} characters`);
  checkBrackets(source);
  const tree = unaryTests ? feelParseUnaryTests(source, {}, undefined) : feelParse(source, {}, undefined);
  let nodes = 0;
  let depth = 0;
  let problem: string | undefined;
  tree.iterate({
    enter(node) {
      if (problem) return false;
      depth++;
      if (++nodes > MAX_FEEL_NODES) problem = `FEEL expression has more than ${MAX_FEEL_NODES} parts`;
      else if (depth > MAX_FEEL_DEPTH) problem = `FEEL expression is nested deeper than ${MAX_FEEL_DEPTH} levels`;
      else if (node.type.isError) problem = `FEEL syntax error at character ${node.from + 1}${describeAt(source, node.from)}`;
      else {
        const name = node.type.name;
        if (name === 'ForExpression' || name === 'QuantifiedExpression') problem = `"${name === 'ForExpression' ? 'for' : 'some/every'}" iterations are not supported (they can build unbounded lists)`;
        else if (name === 'FunctionDefinition') problem = 'function definitions are not supported';
        else if (name === 'FunctionInvocation') {
          const callee = node.node.firstChild;
          const fn = callee ? source.slice(callee.from, callee.to).replace(/\s+/g, ' ').trim() : '';
          if (!callee || callee.type.name !== 'VariableName' || !ALLOWED_FUNCTIONS.has(fn)) problem = `function "${fn.slice(0, 40)}" is not allowed (only built-in FEEL functions such as not(), string length(), contains(), count(), date())`;
        } else if (name === 'Identifier' || name === 'Name') {
          const id = source.slice(node.from, node.to).trim();
          if (FORBIDDEN_NAMES.has(id)) problem = `the name "${id}" is not allowed`;
        } else if (name === 'StringLiteral' && node.node.parent?.type.name === 'Key') {
          const key = source.slice(node.from + 1, node.to - 1);
          if (FORBIDDEN_NAMES.has(key)) problem = `the key "${key}" is not allowed`;
        } else if (!ALLOWED_NODES.has(name)) problem = `FEEL construct ${name} is not supported`;
      }
      return problem ? false : undefined;
    },
    leave() {
      depth--;
    },
  });
  if (problem) throw new FeelError(problem);
}

const checkedUnaryTests = new Set<string>();

/**
 * Parses and checks DMN unary tests (an input entry, without `=`) without evaluating them; `-` or
 * an empty text matches anything.
 * @throws FeelError as {@link checkFeel}
 */
export function checkUnaryTests(source: string): void {
  const text = source.trim();
  if (text === '' || text === '-' || checkedUnaryTests.has(text)) return;
  checkSource(text, true);
  checkedUnaryTests.add(text);
  if (checkedUnaryTests.size > CACHE_SIZE) checkedUnaryTests.delete(checkedUnaryTests.values().next().value as string);
}

/**
 * True when `input` passes the unary tests `source` (checked first, as {@link checkUnaryTests});
 * the other variables are visible to the tests as in {@link evaluateFeel}. `null` (FEEL: the test
 * could not be decided) is false.
 * @throws FeelError when refused or when feelin fails to evaluate
 */
export function evaluateUnaryTests(source: string, input: unknown, variables: unknown): boolean {
  const text = source.trim();
  if (text === '' || text === '-') return true;
  checkUnaryTests(text);
  const context = topLevel(plainData(variables, 0));
  context['?'] = plainData(input, 0) ?? null;
  try {
    return feelUnaryTest(text, context).value === true;
  } catch (err) {
    throw new FeelError(`FEEL evaluation failed: ${(err as Error).message}`);
  }
}

/**
 * Evaluates a FEEL text (`= …`) against the process variables. A name that is not a variable is
 * `null` (FEEL semantics), so `= amount > 1000` without `amount` is `null`, which a condition
 * treats as not taken. FEEL dates and durations come back as ISO-8601 text.
 * @throws FeelError as {@link checkFeel}, or when feelin fails to evaluate
 */
export function evaluateFeel(text: string, variables: unknown): unknown {
  const source = checkFeel(text);
  let result: { value: unknown };
  try {
    result = feelEvaluate(source, topLevel(plainData(variables, 0)));
  } catch (err) {
    throw new FeelError(`FEEL evaluation failed: ${(err as Error).message}`);
  }
  return fromFeel(result.value);
}

/**
 * Only variables whose names are plain identifiers: feelin parses with the context's names, and a
 * name holding spaces or operators (`for i in x`) would let the text parse differently from the
 * tree {@link checkFeel} checked.
 */
function topLevel(vars: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) return out;
  for (const [k, v] of Object.entries(vars)) if (/^[\p{L}_][\p{L}\p{N}_]*$/u.test(k)) out[k] = v;
  return out;
}

function fromFeel(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromFeel);
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!FORBIDDEN_NAMES.has(k)) out[k] = fromFeel(x);
    return out;
  }
  // FeelDate, FeelDuration, ranges: their text form (ISO-8601 for temporal values)
  return String(v);
}

/** A copy of `value` with plain data only: no functions, no accessors, no prototype keys. */
function plainData(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' ? undefined : value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_CONTEXT_DEPTH) return null;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const d = Object.getOwnPropertyDescriptor(value, i);
      out.push(d && 'value' in d ? plainData(d.value, depth + 1) : null);
    }
    return out;
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_NAMES.has(key)) continue;
    const d = Object.getOwnPropertyDescriptor(value, key);
    if (!d || !('value' in d)) continue;
    const v = plainData(d.value, depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function checkBrackets(source: string): void {
  let depth = 0;
  let quote = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === '(' || c === '[' || c === '{') {
      if (++depth > MAX_FEEL_DEPTH) throw new FeelError(`FEEL expression is nested deeper than ${MAX_FEEL_DEPTH} levels`);
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
}

function describeAt(source: string, at: number): string {
  if (at >= source.length) return ' (the expression ends too early)';
  return ` (near "${source.slice(Math.max(0, at - 10), at + 10)}")`;
}
