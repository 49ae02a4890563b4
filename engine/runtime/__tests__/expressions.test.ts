import {
  AST_CACHE_SIZE,
  ExpressionError,
  type ExpressionContext,
  MAX_AST_NODES,
  MAX_EXPRESSION_LENGTH,
  createSafeExpressions,
  evaluate,
  hasExpression,
  isExpression,
  parseExpression,
  validateExpressionSyntax,
} from '../expressions';

// bpmn-elements' own Environment (CJS build): `variables` / `services` are prototype getters.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Environment } = require('bpmn-elements') as { Environment: new (opts: object) => object };

function ctxOf(variables: Record<string, unknown>, services: Record<string, unknown> = {}) {
  return { environment: { variables, services } };
}

const vars = {
  amount: 5000,
  small: 10,
  name: 'Li',
  approved: true,
  rejected: false,
  none: null,
  blankText: '',
  list: [1, 2, 3],
  nothing: [],
  obj: { a: { b: 'deep' }, 'with space': 7 },
  blank: {},
  caseNo: 'C-42',
};
const ctx = ctxOf(vars);
const ev = (text: string, c: ExpressionContext = ctx) => evaluate(text, c);

describe('operators and precedence', () => {
  it.each([
    ['${amount > 1000}', true],
    ['${small > 1000}', false],
    ['${amount >= 5000 && amount <= 5000}', true],
    ['${amount == 5000}', true],
    ["${amount == '5000'}", true],
    ["${amount === '5000'}", false],
    ['${amount !== 5000}', false],
    ['${amount != 1}', true],
    ['${1 + 2 * 3}', 7],
    ['${(1 + 2) * 3}', 9],
    ['${10 - 4 - 3}', 3],
    ['${20 / 4 / 5}', 1],
    ['${17 % 5}', 2],
    ['${-small + 3}', -7],
    ['${- (small * 2)}', -20],
    ["${name + '-' + small}", 'Li-10'],
    ['${!approved}', false],
    ['${!!name}', true],
    ['${approved || rejected && false}', true],
    ['${(approved || rejected) && false}', false],
    ["${amount > 1000 ? 'high' : 'low'}", 'high'],
    ["${small > 1000 ? 'high' : small > 5 ? 'mid' : 'low'}", 'mid'],
    ['${1 < 2 == true}', true],
    ['${[1, small, name]}', [1, 10, 'Li']],
    ['${[1, 2][1]}', 2],
    ['${null}', null],
    ['${true}', true],
    ['${3.5}', 3.5],
    ["${'a}b'}", 'a}b'],
  ])('%s → %p', (text, expected) => {
    expect(ev(text)).toEqual(expected);
  });

  it('&& and || short-circuit and return operands (timer defaults)', () => {
    expect(ev("${reminderDelay || 'P3D'}")).toBe('P3D');
    expect(ev("${blankText || 'PT1H'}")).toBe('PT1H');
    expect(ev("${name || 'x'}")).toBe('Li');
    expect(ev('${none && none.x}')).toBeNull();
    expect(ev('${approved && amount}')).toBe(5000);
    const called = jest.fn(() => 1);
    expect(evaluate('${approved || environment.services.f()}', ctxOf(vars, { f: called }))).toBe(true);
    expect(called).not.toHaveBeenCalled();
  });

  it('refuses arithmetic on objects', () => {
    expect(() => ev('${obj * 2}')).toThrow(ExpressionError);
    expect(() => ev('${list > 1}')).toThrow(/cannot compare/);
  });
});

describe('JUEL word operators', () => {
  it.each([
    ['${amount gt 1000 and small lt 100}', true],
    ['${amount ge 5000 and small le 10}', true],
    ['${amount eq 5000}', true],
    ['${amount ne 5000 or approved}', true],
    ['${not approved}', false],
    ['${not rejected and approved}', true],
    ['${empty none}', true],
    ['${empty missing}', true],
    ['${empty blankText}', true],
    ['${empty nothing}', true],
    ['${empty blank}', true],
    ['${empty list}', false],
    ['${empty name}', false],
    ['${not empty list}', true],
    ['${empty obj.a.zzz}', true],
  ])('%s → %p', (text, expected) => {
    expect(ev(text)).toBe(expected);
  });

  it('word operators need word boundaries (names containing them still work)', () => {
    const c = ctxOf({ notice: 1, order: 2, android: 3, emptyBox: 4, ltd: 5 });
    expect(evaluate('${notice + order + android + emptyBox + ltd}', c)).toBe(15);
  });
});

describe('name resolution', () => {
  it('Camunda bare names and environment.variables paths both resolve', () => {
    expect(ev('${approved}')).toBe(true);
    expect(ev('${environment.variables.approved}')).toBe(true);
    expect(ev('${obj.a.b}')).toBe('deep');
    expect(ev("${obj['a']['b']}")).toBe('deep');
    expect(ev("${obj['with space']}")).toBe(7);
    expect(ev('${list[0]}')).toBe(1);
    expect(ev('${list[-1]}')).toBe(3);
    expect(ev('${name.length}')).toBe(2);
    expect(ev('${missing}')).toBeUndefined();
    expect(ev('${missing.deeper.still}')).toBeUndefined();
    expect(ev('${environment.variables.missing.x}')).toBeUndefined();
  });

  it('content, fields and properties resolve against the context, not variables', () => {
    const c = {
      environment: { variables: { content: 'shadowed?' } },
      content: { output: { score: 3 } },
      fields: { routingKey: 'run.execute' },
      properties: { messageId: 'm1' },
    };
    expect(evaluate('${content.output.score * 2}', c)).toBe(6);
    expect(evaluate('${fields.routingKey}', c)).toBe('run.execute');
    expect(evaluate('${properties.messageId}', c)).toBe('m1');
  });

  it('works with a real bpmn-elements Environment (getter-backed variables/services)', () => {
    const environment = new Environment({ variables: { amount: 5000 }, services: { svc: () => 'ok' } });
    const expressions = createSafeExpressions();
    expect(expressions.resolveExpression('${amount > 1000}', { environment })).toBe(true);
    expect(expressions.resolveExpression('${environment.variables.amount}', { environment })).toBe(5000);
    expect(expressions.resolveExpression('${environment.services.svc()}', { environment })).toBe('ok');
    expect(() => expressions.resolveExpression('${environment.options}', { environment })).toThrow(/not accessible/);
    expect(() => expressions.resolveExpression('${environment.Logger}', { environment })).toThrow(/not accessible/);
  });
});

describe('templates and interpolation', () => {
  it('exactly one ${} returns the raw value, surrounding whitespace ignored', () => {
    expect(ev('${list}')).toBe(vars.list);
    expect(ev('  ${amount}\n')).toBe(5000);
    expect(ev('${none}')).toBeNull();
  });

  it('several parts or surrounding text interpolate like the default handler', () => {
    expect(ev('Case ${caseNo} is late')).toBe('Case C-42 is late');
    expect(ev('${name}${small}')).toBe('Li10');
    expect(ev('P${small}D')).toBe('P10D');
    expect(ev('[${missing}]')).toBe('[]');
    expect(ev('[${none}]')).toBe('[null]');
    expect(ev('list=${list}')).toBe('list=1,2,3');
  });

  it('text without expressions is returned unchanged; non-strings too', () => {
    expect(ev('PT5S')).toBe('PT5S');
    expect(ev('costs ${ 5')).toBe('costs ${ 5');
    expect(evaluate(undefined as unknown as string, ctx)).toBeUndefined();
    const o = {};
    expect(createSafeExpressions().resolveExpression(o, ctx)).toBe(o);
  });

  it('isExpression / hasExpression', () => {
    expect(isExpression('${a}')).toBe(true);
    expect(isExpression(' ${a > 1} ')).toBe(true);
    expect(isExpression('x ${a}')).toBe(false);
    expect(isExpression('${a}${b}')).toBe(false);
    expect(isExpression('PT5S')).toBe(false);
    expect(isExpression(undefined)).toBe(false);
    expect(hasExpression('x ${a} y')).toBe(true);
    expect(hasExpression('${a}')).toBe(true);
    expect(hasExpression('no')).toBe(false);
    expect(hasExpression('${ unterminated')).toBe(false);
    expect(hasExpression('')).toBe(false);
    expect(hasExpression(null)).toBe(false);
  });
});

describe('attacks', () => {
  it('refuses a constructor / __proto__ walk at parse time, and never executes it', () => {
    const text = "${environment.variables.constructor.constructor('return process')()}";
    expect(() => validateExpressionSyntax(text)).toThrow(ExpressionError);
    expect(() => validateExpressionSyntax(text)).toThrow(/constructor/);
    expect(() => ev(text)).toThrow(ExpressionError);
    for (const t of [
      '${name.constructor}',
      '${obj.__proto__}',
      "${obj['__proto__']}",
      '${list.prototype}',
      '${constructor}',
      "${environment['constructor']}",
      '${environment.services.constructor()}',
    ]) {
      expect(() => validateExpressionSyntax(t)).toThrow(ExpressionError);
    }
  });

  it('refuses forbidden names built at run time', () => {
    const c = ctxOf({ k: 'constructor', p: '__proto__' });
    expect(() => evaluate("${name[k]}", c)).toThrow(/constructor/);
    expect(() => evaluate("${obj['__pro' + 'to__']}", ctx)).toThrow(/__proto__/);
    expect(() => evaluate('${blank[p]}', ctxOf({ blank: {}, p: '__proto__' }))).toThrow(/__proto__/);
  });

  it('reads only own data properties: no inherited members, no getters, no class instances', () => {
    expect(ev('${blank.toString}')).toBeUndefined();
    expect(ev('${obj.hasOwnProperty}')).toBeUndefined();
    let getterRan = false;
    const withGetter = {};
    Object.defineProperty(withGetter, 'secret', { enumerable: true, get: () => ((getterRan = true), 1) });
    expect(() => evaluate('${g.secret}', ctxOf({ g: withGetter }))).toThrow(/accessor/);
    expect(getterRan).toBe(false);
    expect(() => evaluate('${d.x}', ctxOf({ d: new Map() }))).toThrow(/non-plain/);
    expect(() => evaluate('${f.g}', ctxOf({ f: { g: () => 1 } }))).toThrow(/function/);
  });

  it('does not re-evaluate ${} inside variable values (self reference returns the literal)', () => {
    const loop = '${environment.variables.loop}';
    const c = ctxOf({ loop, other: '${loop}' });
    const t0 = Date.now();
    expect(evaluate('${environment.variables.loop}', c)).toBe(loop);
    expect(evaluate('${loop}', c)).toBe(loop);
    expect(evaluate('x ${loop} y ${other}', c)).toBe('x ${environment.variables.loop} y ${loop}');
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it('refuses huge and deeply nested expressions quickly', () => {
    const t0 = Date.now();
    expect(() => validateExpressionSyntax('${' + 'a+'.repeat(MAX_EXPRESSION_LENGTH) + 'a}')).toThrow(/longer than/);
    expect(() => validateExpressionSyntax('${' + '('.repeat(300) + 'a' + ')'.repeat(300) + '}')).toThrow(/nested/);
    expect(() => validateExpressionSyntax('${' + '['.repeat(60) + ']'.repeat(60) + '}')).toThrow(/nested/);
    expect(() => validateExpressionSyntax('${' + '!'.repeat(1500) + 'a}')).toThrow(/nested/);
    expect(() => validateExpressionSyntax('${' + '-'.repeat(199) + 'a}')).toThrow(ExpressionError);
    expect(() => validateExpressionSyntax('${[' + '1,'.repeat(600) + '1]}')).toThrow(new RegExp(`more than ${MAX_AST_NODES}`));
    expect(() => validateExpressionSyntax('${' + Array.from({ length: 60 }, (_, i) => `v${i}`).join(' + ') + '}')).toThrow(ExpressionError);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('caps strings built with +', () => {
    const c = ctxOf({ s: 'x'.repeat(60_000) });
    expect(() => evaluate('${s + s}', c)).toThrow(/longer than 100000/);
    expect(() => evaluate('${s}${s}', c)).toThrow(/longer than 100000/);
  });
});

describe('service calls', () => {
  const services = {
    recordEscalation: jest.fn(() => 'recorded'),
    add: (a: number, b: number) => a + b,
  };
  const c = { ...ctxOf({ x: 2 }, services), content: { id: 'task1' } };

  it('calls own functions of environment.services with evaluated arguments', () => {
    expect(evaluate('${environment.services.add(x, 3) * 2}', c)).toBe(10);
    expect(evaluate("${environment.services['add'](1, 1)}", c)).toBe(2);
  });

  it('a call with no arguments gets the context (like the default handler) and this = fnContext', () => {
    const self = { id: 'owner' };
    let seenThis: unknown;
    const fn = jest.fn(function (this: unknown) {
      seenThis = this;
      return 1;
    });
    const cc = ctxOf({}, { fn });
    createSafeExpressions().resolveExpression('${environment.services.fn()}', cc, self);
    expect(fn).toHaveBeenCalledWith(cc);
    expect(seenThis).toBe(self);
    expect(evaluate('${environment.services.recordEscalation()}', c)).toBe('recorded');
  });

  it('a bare service reference returns the function itself without calling it', () => {
    services.recordEscalation.mockClear();
    expect(evaluate('${environment.services.recordEscalation}', c)).toBe(services.recordEscalation);
    expect(services.recordEscalation).not.toHaveBeenCalled();
  });

  it('refuses every other call', () => {
    for (const t of ['${add(1, 2)}', '${name.toUpperCase()}', '${content.id()}', '${environment.variables.x()}', '${[environment.services.add][0](1, 2)}']) {
      expect(() => validateExpressionSyntax(t)).toThrow(/calls are only allowed/);
    }
    expect(() => evaluate('${environment.services.missing()}', c)).toThrow(/not a function/);
    expect(() => evaluate('${environment.services.toString()}', c)).toThrow(/not a function/);
    expect(() => evaluate('${environment.services.add.call(null, 1, 2)}', c)).toThrow(ExpressionError);
    const inherited = Object.create({ sneaky: () => 'no' });
    expect(() => evaluate('${environment.services.sneaky()}', ctxOf({}, inherited))).toThrow(/not a function/);
  });
});

describe('syntax errors and the parse API', () => {
  it.each([
    ['a = 1', /assignment/],
    ['x => 1', /arrow|assignment/],
    ['new Date()', /"new" is not supported/],
    ['typeof a', /"typeof" is not supported/],
    ["'a' in obj", /"in" is not supported/],
    ['a instanceof Object', /"instanceof" is not supported/],
    ['this.a', /"this" is not supported/],
    ['`t`', /template literals/],
    ['/re/.test(a)', /unsupported operator or token "\/"/],
    ['a | 1', /unsupported operator/],
    ['a ?? 1', /unsupported operator/],
    ['~a', /unsupported operator/],
    ['{a: 1}', /object literals/],
    ['a b', /single expression/],
    ['(a, b)', /sequences/],
    ['amount >', /Expected expression after >/],
    ["'open", /Unclosed quote/],
    ['   ', /empty expression/],
    ['[1, , 2]', /empty slots/],
  ])('%s', (source, message) => {
    let err: unknown;
    try {
      parseExpression(source);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExpressionError);
    expect((err as ExpressionError).expression).toBe(source);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('expression "');
  });

  it('validateExpressionSyntax checks every part of a template and counts them', () => {
    expect(validateExpressionSyntax('Case ${caseNo} due ${due}')).toBe(2);
    expect(validateExpressionSyntax('PT5S')).toBe(0);
    expect(() => validateExpressionSyntax('ok ${a} bad ${a =}')).toThrow(ExpressionError);
    expect(() => validateExpressionSyntax("${a == '}")).toThrow(/unterminated string/);
    expect(() => validateExpressionSyntax('${}')).toThrow(/empty/);
  });

  it('parseExpression unwraps ${…} and caches (LRU) frozen trees', () => {
    const a = parseExpression('${amount > 1000}');
    expect(a.source).toBe('amount > 1000');
    expect(parseExpression('amount > 1000')).toBe(a);
    expect(Object.isFrozen(a.root)).toBe(true);
    for (let i = 0; i < AST_CACHE_SIZE + 10; i++) parseExpression(`v${i} > ${i}`);
    expect(parseExpression('amount > 1000')).not.toBe(a); // evicted, reparsed
    expect(parseExpression('amount > 1000')).toEqual(a);
  });
});
