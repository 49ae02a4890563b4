/**
 * Safe expression handler for bpmn-engine / bpmn-elements, passed as `new Engine({ expressions })`.
 *
 * bpmn-elements (17.x) asks its `expressions` option for one method only,
 * `resolveExpression(templatedString, context, expressionFnContext)`; `isExpression` and
 * `hasExpression` complete the object it builds by default (src/Expressions.js). Callers:
 * `Environment.prototype.resolveExpression(expression, message, fnContext)` builds the context
 * `{ environment, ...message }` (so `{ environment, fields, content, properties }`) and is used for
 * sequence-flow conditions, timer values (timeDuration / timeDate / timeCycle), service task
 * `implementation`, loop cardinality / collection / conditions, called element, and message,
 * signal, escalation and error names/codes. `ExecutionScope` passes a wider scope (adds `id`, `type`,
 * `logger`, `resolveExpression`, `ActivityError`, `BpmnError`); `Api` passes `{ fields, content,
 * properties }` with the element as function context.
 *
 * Why not the default handler: it walks any property (`constructor`, `__proto__`, getters), calls
 * any function it reaches, re-evaluates `${…}` found inside variable values (a variable holding
 * `'${environment.variables.x}'` that names itself loops forever), and has no operators.
 *
 * This handler parses the text between `${` and `}` with jsep into a small checked tree and
 * evaluates it with no access to JavaScript itself:
 * - literals: strings, numbers, `true`, `false`, `null`; array literals `[a, 1]`;
 * - names and member paths (`a.b`, `a['b']`, `a[0]`, `a[-1]` = last item of an array);
 * - operators `== != === !== < <= > >= && || ! + - * / %`, unary `-`, `? :`, and the JUEL words
 *   `and or not eq ne lt gt le ge empty`; `&&`/`||`/`and`/`or` short-circuit and return an operand
 *   as in JavaScript (`${days || 'P3D'}`);
 * - calls only of functions that are own properties of `environment.services`.
 * Everything else (`new`, assignment, `this`, arrow functions, template literals, regular
 * expressions, `in`, `instanceof`, `typeof`, bitwise operators, …) is refused at parse time with an
 * {@link ExpressionError}.
 *
 * FEEL: a text that starts with `=` (`= amount > 1000`, Camunda 8 style) is one FEEL expression over
 * the process variables, checked and evaluated by feel.ts (feelin behind an allow-list); its
 * problems are ExpressionErrors too.
 *
 * Name resolution: `environment`, `fields`, `content` and `properties` resolve against the context
 * object (as bpmn-elements does); any other leading name `x` is the process variable
 * `environment.variables.x` (Camunda style), `undefined` when absent.
 */
import jsep from 'jsep';
import { checkFeel, evaluateFeel, FeelError, isFeel } from './feel';

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

/** Longest source accepted between one `${` and its `}`, in characters. */
export const MAX_EXPRESSION_LENGTH = 2000;
/** Most syntax-tree nodes in one expression. */
export const MAX_AST_NODES = 500;
/** Deepest syntax tree (and deepest bracket nesting) in one expression. */
export const MAX_NESTING_DEPTH = 50;
/** Longest string an expression may build with `+`, and longest interpolated text, in characters. */
export const MAX_STRING_LENGTH = 100_000;
/** Number of parsed expressions kept in the least-recently-used cache. */
export const AST_CACHE_SIZE = 1000;

/** Leading names that resolve against the context object instead of the process variables. */
export const CONTEXT_ROOT_NAMES: ReadonlySet<string> = new Set(['environment', 'fields', 'content', 'properties']);
/** Properties readable on the `environment` object (an Environment instance exposes them as getters). */
const ENVIRONMENT_KEYS: ReadonlySet<string> = new Set(['variables', 'services', 'settings', 'output']);
/** Property names never read, whatever the object. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);
/** JavaScript words that jsep reads as plain names; refused with a clear message. */
const JS_KEYWORDS: ReadonlySet<string> = new Set([
  'new', 'typeof', 'instanceof', 'in', 'of', 'void', 'delete', 'function', 'class', 'async', 'await',
  'yield', 'let', 'var', 'const', 'return', 'import', 'export', 'super', 'this', 'with', 'eval', 'arguments',
]);

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/**
 * Thrown for any expression that is refused (syntax, unsupported construct, limit exceeded,
 * forbidden property, call of a non-service) or fails while evaluating.
 */
export class ExpressionError extends Error {
  /** The offending expression source (the text between `${` and `}`, or the whole text). */
  readonly expression: string;

  constructor(problem: string, expression: string, options?: { cause?: unknown }) {
    super(`expression "${shorten(expression)}": ${problem}`, options);
    this.name = 'ExpressionError';
    this.expression = expression;
  }
}

/** The context bpmn-elements passes: `{ environment, fields?, content?, properties?, … }`. */
export interface ExpressionContext {
  environment?: unknown;
  fields?: unknown;
  content?: unknown;
  properties?: unknown;
  [key: string]: unknown;
}

/** A checked expression tree (what {@link parseExpression} returns inside {@link ParsedExpression}). */
export type ExpressionNode =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'member'; readonly object: ExpressionNode; readonly key?: string; readonly keyExpr?: ExpressionNode }
  | { readonly kind: 'call'; readonly service: string; readonly args: readonly ExpressionNode[] }
  | { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly argument: ExpressionNode }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: ExpressionNode; readonly right: ExpressionNode }
  | { readonly kind: 'logical'; readonly operator: '&&' | '||'; readonly left: ExpressionNode; readonly right: ExpressionNode }
  | { readonly kind: 'conditional'; readonly test: ExpressionNode; readonly consequent: ExpressionNode; readonly alternate: ExpressionNode }
  | { readonly kind: 'array'; readonly elements: readonly ExpressionNode[] };

type UnaryOperator = '-' | '!' | 'empty';
type BinaryOperator = '==' | '!=' | '===' | '!==' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** A parsed and checked expression: its source (without `${ }`) and its tree. Frozen; cached. */
export interface ParsedExpression {
  readonly source: string;
  readonly root: ExpressionNode;
}

/** The handler object bpmn-elements expects as `expressions`. */
export interface SafeExpressions {
  /** See {@link evaluate}; bpmn-elements calls it with `(text, { environment, ...message }, fnContext?)`. */
  resolveExpression(templatedString: unknown, context?: unknown, expressionFnContext?: unknown): unknown;
  /** See {@link isExpression}. */
  isExpression(text: unknown): boolean;
  /** See {@link hasExpression}. */
  hasExpression(text: unknown): boolean;
}

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

/**
 * Returns a new handler object `{ resolveExpression, isExpression, hasExpression }` for
 * `new Engine({ expressions: createSafeExpressions() })`. Handlers share one parse cache.
 * Never throws; `resolveExpression` throws {@link ExpressionError} like {@link evaluate}.
 */
export function createSafeExpressions(): SafeExpressions {
  return {
    resolveExpression(templatedString: unknown, context?: unknown, expressionFnContext?: unknown) {
      return resolveTemplate(templatedString, context, expressionFnContext);
    },
    isExpression,
    hasExpression,
  };
}

/**
 * Resolves a text the way bpmn-elements' `resolveExpression` does:
 * - not a string, or no `${…}` in it: returned unchanged;
 * - exactly one `${…}` (surrounding whitespace ignored): the raw value (boolean, number, object,
 *   service function, `undefined` for a missing variable…), never stringified;
 * - otherwise string interpolation: each `${…}` replaced by its value as text (`undefined` → '',
 *   `null` → 'null', arrays joined with ','), e.g. `Case ${caseNo} is late`.
 * Values are never evaluated again, so a variable holding `'${x}'` yields that literal text.
 * `context` is `{ environment, fields?, content?, properties? }` (see {@link ExpressionContext});
 * `expressionFnContext` becomes `this` of a called service.
 * A service called with no arguments receives the whole context as its only argument (as the
 * default bpmn-elements handler does).
 * @throws ExpressionError when an expression is refused (see {@link parseExpression}), reads a
 *   forbidden or accessor property, reads a property of a non-plain object, calls anything but an
 *   `environment.services` function, or builds text longer than {@link MAX_STRING_LENGTH}.
 *   Errors thrown by a called service propagate unchanged.
 */
export function evaluate(source: string, context?: ExpressionContext, expressionFnContext?: unknown): unknown {
  return resolveTemplate(source, context, expressionFnContext);
}

/**
 * Parses and checks one expression. `source` is the expression body (`amount > 1000`); a text that
 * is exactly one `${…}` is unwrapped first. Results are cached (LRU, {@link AST_CACHE_SIZE}).
 * @returns the frozen {@link ParsedExpression}
 * @throws ExpressionError on a syntax error, an unsupported construct (calls of anything but
 *   `environment.services.<name>`, `new`, assignment, `this`, `typeof`, `in`, regex, template
 *   literals, bitwise operators, …), a forbidden name (`constructor`, `__proto__`, `prototype`), an
 *   empty expression, or a source longer than {@link MAX_EXPRESSION_LENGTH}, with more than
 *   {@link MAX_AST_NODES} nodes, or nested deeper than {@link MAX_NESTING_DEPTH}.
 */
export function parseExpression(source: string): ParsedExpression {
  if (typeof source !== 'string') throw new ExpressionError('expression is not a string', String(source));
  const trimmed = source.trim();
  if (trimmed.startsWith('${') && trimmed.endsWith('}')) {
    const parts = splitTemplate(trimmed);
    if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0];
  }
  return parseBody(source);
}

/**
 * Deploy-time check of a text that may contain `${…}` parts (condition, timer value, assignee,
 * candidate groups, names…): parses every part without evaluating anything.
 * A text without expressions passes. Returns the number of expressions found.
 * @throws ExpressionError for the first part that {@link parseExpression} refuses, for a `${`
 *   whose `}` is swallowed by an unterminated string literal, or for a text longer than
 *   {@link MAX_STRING_LENGTH}.
 */
export function validateExpressionSyntax(text: string): number {
  if (typeof text !== 'string') return 0;
  if (isFeel(text)) {
    try {
      checkFeel(text);
    } catch (err) {
      throw new ExpressionError((err as Error).message, text, { cause: err });
    }
    return 1;
  }
  let count = 0;
  for (const part of splitTemplate(text)) if (typeof part !== 'string') count++;
  return count;
}

/**
 * True when `text` contains at least one `${…}` part (a `${` followed later by a `}`), i.e. when
 * resolving it will evaluate something. Same meaning as bpmn-elements' `hasExpression`, except that
 * line breaks inside `${…}` and the (refused) empty `${}` count too. Never throws.
 */
export function hasExpression(text: unknown): boolean {
  if (typeof text !== 'string' || !text) return false;
  if (isFeel(text)) return true;
  const start = text.indexOf('${');
  return start >= 0 && text.indexOf('}', start + 2) >= 0;
}

/**
 * True when `text`, ignoring surrounding whitespace, is exactly one `${…}` — resolving it then
 * returns the raw value rather than a string. Same meaning as bpmn-elements' `isExpression`, but
 * `${a} and ${b}` (two expressions) is false. Never throws.
 */
export function isExpression(text: unknown): boolean {
  if (typeof text !== 'string' || !text) return false;
  if (isFeel(text)) return true;
  const trimmed = text.trim();
  if (!trimmed.startsWith('${') || !trimmed.endsWith('}')) return false;
  try {
    const parts = scanTemplate(trimmed);
    return parts.length === 1 && typeof parts[0] !== 'string';
  } catch {
    return true; // a single (malformed) expression: resolving it throws
  }
}

/** Empties the parse cache (for tests). */
export function clearExpressionCache(): void {
  cache.clear();
}

// ---------------------------------------------------------------------------------------------
// Template splitting
// ---------------------------------------------------------------------------------------------

/** Literal text parts are strings, expression parts are their (unparsed) bodies. */
type RawPart = string | { body: string };

/**
 * Splits a text into literal and `${…}` parts. A part ends at the first `}` outside a quoted
 * string. A `${` with no `}` after it is literal text (as in bpmn-elements).
 */
function scanTemplate(text: string): RawPart[] {
  const parts: RawPart[] = [];
  let pos = 0;
  for (;;) {
    const start = text.indexOf('${', pos);
    if (start < 0) break;
    let i = start + 2;
    let quote = '';
    for (; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (i >= text.length) {
      if (text.indexOf('}', start + 2) < 0) break; // no closing brace at all: plain text
      throw new ExpressionError('unterminated string literal (no closing quote before "}")', text.slice(start));
    }
    if (start > pos) parts.push(text.slice(pos, start));
    parts.push({ body: text.slice(start + 2, i) });
    pos = i + 1;
  }
  if (pos < text.length) parts.push(text.slice(pos));
  return parts;
}

/** Splits and parses; expression parts become {@link ParsedExpression}s. */
function splitTemplate(text: string): Array<string | ParsedExpression> {
  if (text.length > MAX_STRING_LENGTH && hasExpression(text)) {
    throw new ExpressionError(`text with expressions is longer than ${MAX_STRING_LENGTH} characters`, text);
  }
  return scanTemplate(text).map((p) => (typeof p === 'string' ? p : parseBody(p.body)));
}

function resolveTemplate(text: unknown, context: unknown, fnContext: unknown): unknown {
  context = completionConditionScope(context);
  if (typeof text === 'string' && isFeel(text)) return resolveFeel(text, context);
  if (typeof text !== 'string' || !hasExpression(text)) return text;
  const parts = splitTemplate(text);
  const expressions = parts.filter((p) => typeof p !== 'string');
  if (!expressions.length) return text;
  const state = new EvalState(context, fnContext);
  if (expressions.length === 1 && parts.every((p) => typeof p !== 'string' || !p.trim())) {
    return state.run(expressions[0] as ParsedExpression);
  }
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else out += toText(state.run(part), false, part.source, 0);
    if (out.length > MAX_STRING_LENGTH) {
      throw new ExpressionError(`resolved text is longer than ${MAX_STRING_LENGTH} characters`, text);
    }
  }
  return out;
}

/**
 * A multi-instance completion condition (多实例完成条件) sees Camunda's loop variables. bpmn-elements
 * (LoopCharacteristics `isCompletionConditionMet`) evaluates it after each completed iteration with
 * that iteration's message — `content.isMultiInstance`, its `index`, the `loopCardinality`, its
 * `output` — and `content.loopOutput` (every iteration's output by loop index; only this call passes
 * it). The condition then reads, besides the process variables: the variables the completed
 * iteration was completed with (a task's, a called process's out-mapped ones: Camunda's local
 * scope), `nrOfInstances`, `nrOfCompletedInstances` (iterations with an output), `nrOfActiveInstances`
 * (the others; 1 in a sequential loop while one is left) and `loopCounter`. Every other context is
 * returned as it is. The scope is a plain copy: nothing the condition reads can change the engine.
 */
function completionConditionScope(context: unknown): unknown {
  const content = ownData(context, 'content');
  if (!isPlainContainer(content) || Array.isArray(content)) return context;
  const loopOutput = ownData(content, 'loopOutput');
  if (!Array.isArray(loopOutput) || ownData(content, 'isMultiInstance') !== true) return context;
  const env = ownData(context, 'environment');
  let variables: unknown;
  let services: unknown;
  if (env !== null && typeof env === 'object') {
    // a plain container, or bpmn-elements' Environment (its variables and services are getters)
    variables = isPlainContainer(env) ? ownData(env, 'variables') : (env as Record<string, unknown>).variables;
    services = isPlainContainer(env) ? ownData(env, 'services') : (env as Record<string, unknown>).services;
  }
  const completed = loopOutput.filter((o) => o !== undefined && o !== null).length;
  const cardinality = Number(ownData(content, 'loopCardinality'));
  const nrOfInstances = Number.isInteger(cardinality) && cardinality >= 0 ? cardinality : loopOutput.length;
  const left = Math.max(0, nrOfInstances - completed);
  const output = ownData(content, 'output');
  const own = isPlainContainer(output) && !Array.isArray(output) ? ownData(output, 'variables') : undefined;
  const scope: Record<string, unknown> = {
    ...(isPlainContainer(variables) && !Array.isArray(variables) ? variables : {}),
    ...(isPlainContainer(own) && !Array.isArray(own) ? own : {}),
    nrOfInstances,
    nrOfCompletedInstances: completed,
    nrOfActiveInstances: ownData(content, 'isSequential') === true ? Math.min(1, left) : left,
    loopCounter: ownData(content, 'index'),
  };
  return { fields: ownData(context, 'fields'), content, properties: ownData(context, 'properties'), environment: { variables: scope, ...(services !== undefined ? { services } : {}) } };
}

/** A FEEL text over the process variables of `context` (read as the `${…}` language reads them). */
function resolveFeel(text: string, context: unknown): unknown {
  const env = ownData(context, 'environment');
  let variables: unknown;
  if (env !== null && typeof env === 'object') {
    if (isPlainContainer(env)) variables = ownData(env, 'variables');
    else variables = (env as Record<string, unknown>).variables; // bpmn-elements' Environment getter
  }
  try {
    return evaluateFeel(text, variables ?? {});
  } catch (err) {
    if (err instanceof FeelError) throw new ExpressionError(err.message, text, { cause: err });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const cache = new Map<string, ParsedExpression>();

const UNARY_OPS: Record<string, UnaryOperator> = { '-': '-', '!': '!', not: '!', empty: 'empty' };
/** Binary operators with jsep precedence; JUEL words map to their symbol. */
const BINARY_OPS: Record<string, { prec: number; op: BinaryOperator | '&&' | '||' }> = {
  '||': { prec: 1, op: '||' },
  or: { prec: 1, op: '||' },
  '&&': { prec: 2, op: '&&' },
  and: { prec: 2, op: '&&' },
  '==': { prec: 6, op: '==' },
  '!=': { prec: 6, op: '!=' },
  '===': { prec: 6, op: '===' },
  '!==': { prec: 6, op: '!==' },
  eq: { prec: 6, op: '==' },
  ne: { prec: 6, op: '!=' },
  '<': { prec: 7, op: '<' },
  '<=': { prec: 7, op: '<=' },
  '>': { prec: 7, op: '>' },
  '>=': { prec: 7, op: '>=' },
  lt: { prec: 7, op: '<' },
  le: { prec: 7, op: '<=' },
  gt: { prec: 7, op: '>' },
  ge: { prec: 7, op: '>=' },
  '+': { prec: 9, op: '+' },
  '-': { prec: 9, op: '-' },
  '*': { prec: 10, op: '*' },
  '/': { prec: 10, op: '/' },
  '%': { prec: 10, op: '%' },
};
const JSEP_SIGNATURE = jsepSignatureOf(
  Object.fromEntries(Object.entries(BINARY_OPS).map(([k, v]) => [k, v.prec])),
  Object.keys(UNARY_OPS),
);

function jsepSignatureOf(binary: Record<string, number>, unary: string[]): string {
  return JSON.stringify([
    Object.entries(binary).sort(),
    [...unary].sort(),
    Object.keys(jsep.literals).length === 3 ? 'lit' : 'x',
  ]);
}

/**
 * jsep's operator tables are process-wide. Configure them for this grammar, and re-check before
 * every parse in case something else changed them (the tree check below refuses anything
 * unexpected anyway).
 */
function ensureJsepConfigured(): void {
  const literalsOk = jsep.literals.true === true && jsep.literals.false === false && jsep.literals.null === null;
  if (literalsOk && jsep.right_associative.size === 0 && jsepSignatureOf(jsep.binary_ops, Object.keys(jsep.unary_ops)) === JSEP_SIGNATURE) return;
  jsep.removeAllUnaryOps();
  jsep.removeAllBinaryOps();
  jsep.removeAllLiterals();
  jsep.right_associative.clear();
  for (const op of Object.keys(UNARY_OPS)) jsep.addUnaryOp(op);
  for (const [op, { prec }] of Object.entries(BINARY_OPS)) jsep.addBinaryOp(op, prec);
  jsep.addLiteral('true', true);
  jsep.addLiteral('false', false);
  jsep.addLiteral('null', null);
}
ensureJsepConfigured();

function parseBody(body: string): ParsedExpression {
  const hit = cache.get(body);
  if (hit) {
    cache.delete(body);
    cache.set(body, hit);
    return hit;
  }
  if (body.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, body);
  }
  if (!body.trim()) throw new ExpressionError('empty expression', body);
  checkBracketDepth(body);
  ensureJsepConfigured();
  let tree: jsep.Expression;
  try {
    tree = jsep(body);
  } catch (err) {
    if (err instanceof RangeError) throw new ExpressionError('expression is nested too deeply', body, { cause: err });
    throw new ExpressionError(describeSyntaxError(err, body), body, { cause: err });
  }
  const counter = { nodes: 0 };
  const root = compile(tree, 1, counter, body);
  const parsed: ParsedExpression = deepFreeze({ source: body, root });
  cache.set(body, parsed);
  if (cache.size > AST_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return parsed;
}

/** Refuses deep bracket nesting before jsep recurses into it. */
function checkBracketDepth(body: string): void {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') {
      if (++depth > MAX_NESTING_DEPTH) throw new ExpressionError(`expression is nested deeper than ${MAX_NESTING_DEPTH} levels`, body);
    } else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
  }
}

function describeSyntaxError(err: unknown, body: string): string {
  const e = err as { description?: string; index?: number; message?: string };
  const at = typeof e.index === 'number' ? e.index : -1;
  const ch = at >= 0 ? body[at] : undefined;
  const where = at >= 0 ? ` at character ${at}` : '';
  if (ch === '=') return `assignment and arrow functions are not supported (use == to compare)${where}`;
  if (ch === '`') return `template literals are not supported${where}`;
  if (ch === '{') return `object literals and blocks are not supported${where}`;
  if (ch === '/' || ch === '&' || ch === '|' || ch === '^' || ch === '~' || ch === '?') {
    return `syntax error: unsupported operator or token "${ch}"${where}`;
  }
  return `syntax error: ${e.description ?? e.message ?? String(err)}${where}`;
}

function compile(node: jsep.Expression, depth: number, counter: { nodes: number }, source: string): ExpressionNode {
  if (depth > MAX_NESTING_DEPTH) throw new ExpressionError(`expression is nested deeper than ${MAX_NESTING_DEPTH} levels`, source);
  if (++counter.nodes > MAX_AST_NODES) throw new ExpressionError(`expression has more than ${MAX_AST_NODES} parts`, source);
  const sub = (n: jsep.Expression) => compile(n, depth + 1, counter, source);
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value;
      if (value instanceof RegExp || (value !== null && typeof value === 'object')) {
        throw new ExpressionError('regular expressions are not supported', source);
      }
      if (typeof value === 'number' && !Number.isFinite(value)) throw new ExpressionError('invalid number literal', source);
      return { kind: 'literal', value };
    }
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      checkName(name, source);
      return { kind: 'name', name };
    }
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      const object = sub(m.object);
      if (!m.computed) {
        const name = (m.property as jsep.Identifier).name;
        if (m.property.type !== 'Identifier' || typeof name !== 'string') throw new ExpressionError('invalid property access', source);
        checkProperty(name, source);
        return { kind: 'member', object, key: name };
      }
      const keyNode = sub(m.property);
      if (keyNode.kind === 'literal') return { kind: 'member', object, key: normalizeKey(keyNode.value, source) };
      return { kind: 'member', object, keyExpr: keyNode };
    }
    case 'CallExpression': {
      const c = node as jsep.CallExpression;
      sub(c.callee); // refuses forbidden names on the callee path first, and counts its nodes
      const service = servicePath(c.callee);
      if (service === undefined) {
        throw new ExpressionError('calls are only allowed on functions of environment.services (e.g. environment.services.myService())', source);
      }
      const args = c.arguments.map(sub);
      return { kind: 'call', service, args };
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression;
      const operator = Object.hasOwn(UNARY_OPS, u.operator) ? UNARY_OPS[u.operator] : undefined;
      if (!operator) throw new ExpressionError(`unary operator "${u.operator}" is not supported`, source);
      return { kind: 'unary', operator, argument: sub(u.argument) };
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      const info = Object.hasOwn(BINARY_OPS, b.operator) ? BINARY_OPS[b.operator] : undefined;
      if (!info) throw new ExpressionError(`operator "${b.operator}" is not supported`, source);
      const left = sub(b.left);
      const right = sub(b.right);
      if (info.op === '&&' || info.op === '||') return { kind: 'logical', operator: info.op, left, right };
      return { kind: 'binary', operator: info.op, left, right };
    }
    case 'ConditionalExpression': {
      const t = node as jsep.ConditionalExpression;
      return { kind: 'conditional', test: sub(t.test), consequent: sub(t.consequent), alternate: sub(t.alternate) };
    }
    case 'ArrayExpression': {
      const a = node as jsep.ArrayExpression;
      if (a.elements.some((e) => !e)) throw new ExpressionError('empty slots in array literals are not supported', source);
      return { kind: 'array', elements: (a.elements as jsep.Expression[]).map(sub) };
    }
    case 'ThisExpression':
      throw new ExpressionError('"this" is not supported', source);
    case 'Compound': {
      const body = (node as jsep.Compound).body;
      if (!body.length) throw new ExpressionError('empty expression', source);
      for (const part of body) {
        if (part.type === 'Identifier' && JS_KEYWORDS.has((part as jsep.Identifier).name)) {
          throw new ExpressionError(`"${(part as jsep.Identifier).name}" is not supported`, source);
        }
      }
      throw new ExpressionError('syntax error: expected a single expression (missing operator, or ";" / "," used)', source);
    }
    case 'SequenceExpression':
      throw new ExpressionError('comma-separated sequences are not supported', source);
    default:
      throw new ExpressionError(`${String(node.type)} is not supported`, source);
  }
}

/** `environment.services.<name>` (dot or static `['…']` access) → name; anything else → undefined. */
function servicePath(callee: jsep.Expression): string | undefined {
  const staticKey = (m: jsep.MemberExpression): string | undefined => {
    if (!m.computed && m.property.type === 'Identifier') return (m.property as jsep.Identifier).name;
    if (m.computed && m.property.type === 'Literal' && typeof (m.property as jsep.Literal).value === 'string') {
      return (m.property as jsep.Literal).value as string;
    }
    return undefined;
  };
  if (callee.type !== 'MemberExpression') return undefined;
  const fn = callee as jsep.MemberExpression;
  if (fn.object.type !== 'MemberExpression') return undefined;
  const services = fn.object as jsep.MemberExpression;
  if (services.object.type !== 'Identifier' || (services.object as jsep.Identifier).name !== 'environment') return undefined;
  if (staticKey(services) !== 'services') return undefined;
  return staticKey(fn);
}

function checkName(name: string, source: string): void {
  if (FORBIDDEN_NAMES.has(name)) throw new ExpressionError(`the name "${name}" is not allowed`, source);
  if (JS_KEYWORDS.has(name)) throw new ExpressionError(`"${name}" is not supported`, source);
}

function checkProperty(name: string, source: string): void {
  if (FORBIDDEN_NAMES.has(name)) throw new ExpressionError(`access to property "${name}" is not allowed`, source);
}

function normalizeKey(key: unknown, source: string): string {
  if (typeof key === 'string') {
    checkProperty(key, source);
    return key;
  }
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  throw new ExpressionError(`property key must be a string or a number, got ${key === null ? 'null' : typeof key}`, source);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

const MISSING = Symbol('missing');

class EvalState {
  private readonly env: unknown;
  private servicesCache: unknown = MISSING;
  private source = '';

  constructor(
    private readonly context: unknown,
    private readonly fnContext: unknown,
  ) {
    this.env = ownData(context, 'environment');
  }

  run(parsed: ParsedExpression): unknown {
    this.source = parsed.source;
    return this.ev(parsed.root);
  }

  private fail(problem: string): never {
    throw new ExpressionError(problem, this.source);
  }

  private get services(): unknown {
    if (this.servicesCache === MISSING) this.servicesCache = this.envRead('services');
    return this.servicesCache;
  }

  private envRead(key: string): unknown {
    const env = this.env;
    if (env === null || env === undefined) return undefined;
    if (typeof env !== 'object') return undefined;
    if (isPlainContainer(env)) return this.dataProp(env, key);
    // bpmn-elements' Environment: `variables` and `services` are its own prototype getters.
    return (env as Record<string, unknown>)[key];
  }

  private ev(node: ExpressionNode): unknown {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'name':
        if (CONTEXT_ROOT_NAMES.has(node.name)) return ownData(this.context, node.name);
        return this.read(this.envRead('variables'), node.name);
      case 'member': {
        const object = this.ev(node.object);
        const key = node.key ?? this.dynamicKey(this.ev(node.keyExpr as ExpressionNode));
        return this.read(object, key);
      }
      case 'call':
        return this.call(node.service, node.args);
      case 'unary': {
        const v = this.ev(node.argument);
        if (node.operator === '!') return !v;
        if (node.operator === 'empty') return isEmpty(v);
        return -this.toNumber(v, '-');
      }
      case 'logical': {
        const left = this.ev(node.left);
        if (node.operator === '&&') return left ? this.ev(node.right) : left;
        return left ? left : this.ev(node.right);
      }
      case 'conditional':
        return this.ev(node.test) ? this.ev(node.consequent) : this.ev(node.alternate);
      case 'array':
        return node.elements.map((e) => this.ev(e));
      case 'binary':
        return this.binary(node.operator, this.ev(node.left), this.ev(node.right));
    }
  }

  private dynamicKey(key: unknown): string {
    if (typeof key === 'string') {
      if (FORBIDDEN_NAMES.has(key)) this.fail(`access to property "${key}" is not allowed`);
      return key;
    }
    if (typeof key === 'number' && Number.isFinite(key)) return String(key);
    return this.fail(`property key must be a string or a number, got ${key === null ? 'null' : typeof key}`);
  }

  /** Reads `object[key]` under the rules in the module header. */
  private read(object: unknown, key: string): unknown {
    if (FORBIDDEN_NAMES.has(key)) this.fail(`access to property "${key}" is not allowed`);
    if (object === null || object === undefined) return undefined;
    if (object === this.env) {
      if (!ENVIRONMENT_KEYS.has(key)) this.fail(`environment.${key} is not accessible (use environment.variables or environment.services)`);
      return this.envRead(key);
    }
    switch (typeof object) {
      case 'string':
        if (key === 'length') return object.length;
        return /^\d+$/.test(key) ? object[Number(key)] : undefined;
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'symbol':
        return undefined;
      case 'function':
        return this.fail(`cannot read property "${key}" of a function`);
    }
    if (!isPlainContainer(object)) return this.fail(`cannot read property "${key}" of a non-plain object`);
    if (Array.isArray(object) && /^-\d+$/.test(key)) {
      const index = object.length + Number(key);
      return index >= 0 ? this.dataProp(object, String(index)) : undefined;
    }
    return this.dataProp(object, key);
  }

  /** Own data property only; accessors refused; functions only from environment.services. */
  private dataProp(object: object, key: string): unknown {
    const desc = Object.getOwnPropertyDescriptor(object, key);
    if (!desc) return undefined;
    if (!('value' in desc)) this.fail(`property "${key}" is an accessor and cannot be read`);
    const value = desc.value;
    if (typeof value === 'function' && (object !== this.services || !this.services)) {
      this.fail(`property "${key}" is a function; only functions of environment.services can be used`);
    }
    return value;
  }

  private call(service: string, argNodes: readonly ExpressionNode[]): unknown {
    const services = this.services;
    const fn =
      services !== null && typeof services === 'object' ? Object.getOwnPropertyDescriptor(services, service) : undefined;
    if (!fn || !('value' in fn) || typeof fn.value !== 'function') {
      return this.fail(`environment.services.${service} is not a function`);
    }
    const args = argNodes.length ? argNodes.map((a) => this.ev(a)) : [this.context];
    return Reflect.apply(fn.value as (...a: unknown[]) => unknown, this.fnContext ?? undefined, args);
  }

  private binary(op: BinaryOperator, a: unknown, b: unknown): unknown {
    switch (op) {
      case '===':
        return a === b;
      case '!==':
        return a !== b;
      case '==':
        return looseEquals(a, b);
      case '!=':
        return !looseEquals(a, b);
      case '<':
      case '<=':
      case '>':
      case '>=': {
        // JavaScript relational semantics on primitives (null → 0, undefined → NaN, strings compare as text).
        const x = this.toComparable(a, op) as number;
        const y = this.toComparable(b, op) as number;
        if (op === '<') return x < y;
        if (op === '<=') return x <= y;
        if (op === '>') return x > y;
        return x >= y;
      }
      case '+': {
        if (typeof a === 'string' || typeof b === 'string' || isObject(a) || isObject(b)) {
          const left = toText(a, true, this.source, 0);
          const right = toText(b, true, this.source, 0);
          if (left.length + right.length > MAX_STRING_LENGTH) this.fail(`string result is longer than ${MAX_STRING_LENGTH} characters`);
          return left + right;
        }
        return this.toNumber(a, op) + this.toNumber(b, op);
      }
      case '-':
        return this.toNumber(a, op) - this.toNumber(b, op);
      case '*':
        return this.toNumber(a, op) * this.toNumber(b, op);
      case '/':
        return this.toNumber(a, op) / this.toNumber(b, op);
      case '%':
        return this.toNumber(a, op) % this.toNumber(b, op);
    }
  }

  private toNumber(v: unknown, op: string): number {
    if (v instanceof Date) return v.getTime();
    if (isObject(v) || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      return this.fail(`operator "${op}" needs numbers, got ${describe(v)}`);
    }
    return Number(v);
  }

  private toComparable(v: unknown, op: string): string | number | boolean | null | undefined {
    if (v instanceof Date) return v.getTime();
    if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    return this.fail(`operator "${op}" cannot compare ${describe(v)}`);
  }
}

/** Own data property of any object (used for the context object itself); never a getter. */
function ownData(object: unknown, key: string): unknown {
  if (object === null || typeof object !== 'object') return undefined;
  const desc = Object.getOwnPropertyDescriptor(object, key);
  return desc && 'value' in desc ? desc.value : undefined;
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}

function isPlainContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (isObject(a) || isObject(b) || typeof a === 'function' || typeof b === 'function') {
    if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
    return a === b;
  }
  // eslint-disable-next-line eqeqeq
  return a == b;
}

/** JUEL `empty`: null, undefined, '', [] and {} are empty. */
function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainContainer(v)) return Object.keys(v).length === 0;
  return false;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/**
 * Value as text without calling anything user-defined. `concat` follows `+` (undefined →
 * 'undefined'); otherwise interpolation rules (undefined → ''), as bpmn-elements does.
 */
function toText(v: unknown, concat: boolean, source: string, depth: number): string {
  if (v === undefined) return concat ? 'undefined' : '';
  if (v === null) return depth > 0 ? '' : 'null';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'function':
    case 'symbol':
      throw new ExpressionError(`cannot turn a ${typeof v} into text`, source);
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (Array.isArray(v)) {
    if (depth >= MAX_NESTING_DEPTH) throw new ExpressionError('value is nested too deeply to turn into text', source);
    let out = '';
    for (let i = 0; i < v.length; i++) {
      if (i) out += ',';
      const item = v[i];
      out += item === undefined || item === null ? '' : toText(item, concat, source, depth + 1);
      if (out.length > MAX_STRING_LENGTH) throw new ExpressionError(`string result is longer than ${MAX_STRING_LENGTH} characters`, source);
    }
    return out;
  }
  return '[object Object]';
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}
