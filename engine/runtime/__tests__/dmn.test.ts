/** DMN decision tables (决策表): parsing with dmn-moddle, FEEL checks, hit policies, result mappings. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusinessRuleError, ValidationError } from '../../domain/errors';
import { evaluateDecision, mapDecisionResult, parseDmn } from '../dmn';

const feeXml = readFileSync(join(__dirname, '../../../processes/decisions/hj-001-id-card-fee.dmn'), 'utf8');

/** A Camunda-Modeler-shaped DMN with one table. */
const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function dmn(opts: { hitPolicy?: string; aggregation?: string; inputs?: string[]; rules: [string[], string[]][]; outputs?: string[] }): string {
  const inputs = opts.inputs ?? ['amount'];
  const outputs = opts.outputs ?? ['fee'];
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d1" name="t" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="fee" name="收费">
    <decisionTable id="dt" hitPolicy="${opts.hitPolicy ?? 'UNIQUE'}"${opts.aggregation ? ` aggregation="${opts.aggregation}"` : ''}>
      ${inputs.map((e, i) => `<input id="in${i}" label="输入${i}"><inputExpression id="ie${i}" typeRef="number"><text>${esc(e)}</text></inputExpression></input>`).join('\n')}
      ${outputs.map((o, i) => `<output id="out${i}" name="${o}" typeRef="number" />`).join('\n')}
      ${opts.rules
        .map(([ins, outs], r) => `<rule id="r${r + 1}">${ins.map((t, i) => `<inputEntry id="r${r}i${i}"><text>${esc(t)}</text></inputEntry>`).join('')}${outs.map((t, i) => `<outputEntry id="r${r}o${i}"><text>${esc(t)}</text></outputEntry>`).join('')}</rule>`)
        .join('\n')}
    </decisionTable>
  </decision>
</definitions>`;
}

async function refused(xml: string): Promise<BusinessRuleError | ValidationError> {
  try {
    await parseDmn(xml);
  } catch (err) {
    return err as BusinessRuleError;
  }
  throw new Error('not refused');
}

describe('DMN decision tables', () => {
  it('parses the HJ-001 fee table (收费标准) and decides the fee', async () => {
    const [table] = await parseDmn(feeXml);
    expect(table.id).toBe('hj001Fee');
    expect(table.hitPolicy).toBe('UNIQUE');
    const fee = (vars: Record<string, unknown>) => mapDecisionResult(evaluateDecision(table, vars), 'singleEntry');
    expect(fee({ applyType: '申领', lowIncome: false })).toBe(2000);
    expect(fee({ applyType: '换领', lowIncome: true })).toBe(0);
    expect(fee({ applyType: '补领', lowIncome: true })).toBe(2000);
    expect(fee({ applyType: '临时' })).toBe(1000);
    expect(fee({ applyType: '申领' })).toBe(2000);
    expect(fee({ applyType: '其他' })).toBeNull();
  });

  it('UNIQUE: more than one matching rule is an error naming the rules', async () => {
    const [t] = await parseDmn(dmn({ rules: [[['> 10'], ['1']], [['> 5'], ['2']], [['<= 5'], ['3']]] }));
    expect(evaluateDecision(t, { amount: 3 }).rows).toEqual([{ fee: 3 }]);
    expect(() => evaluateDecision(t, { amount: 20 })).toThrow(/UNIQUE.*r1, r2/);
  });

  it('FIRST takes the first match; RULE ORDER all in order; COLLECT a list; COLLECT SUM a sum', async () => {
    const rules: [string[], string[]][] = [[['> 10'], ['1.5']], [['> 5'], ['2']], [['-'], ['amount / 10']]];
    const first = (await parseDmn(dmn({ hitPolicy: 'FIRST', rules })))[0];
    expect(mapDecisionResult(evaluateDecision(first, { amount: 20 }), 'singleEntry')).toBe(1.5);
    const order = (await parseDmn(dmn({ hitPolicy: 'RULE ORDER', rules })))[0];
    expect(mapDecisionResult(evaluateDecision(order, { amount: 20 }), 'collectEntries')).toEqual([1.5, 2, 2]);
    const collect = (await parseDmn(dmn({ hitPolicy: 'COLLECT', rules })))[0];
    expect(mapDecisionResult(evaluateDecision(collect, { amount: 7 }), 'resultList')).toEqual([{ fee: 2 }, { fee: 0.7 }]);
    const sum = (await parseDmn(dmn({ hitPolicy: 'COLLECT', aggregation: 'SUM', rules })))[0];
    expect(mapDecisionResult(evaluateDecision(sum, { amount: 20 }), 'singleEntry')).toBe(5.5);
    expect(mapDecisionResult(evaluateDecision(sum, { amount: 1 }), 'singleEntry')).toBeCloseTo(0.1);
  });

  it('result mappings: singleResult, and singleEntry refusing several rows', async () => {
    const [t] = await parseDmn(dmn({ hitPolicy: 'COLLECT', outputs: ['fee', 'note'], rules: [[['-'], ['1', '"一"']], [['> 5'], ['2', '"二"']]] }));
    expect(mapDecisionResult(evaluateDecision(t, { amount: 1 }), 'singleResult')).toEqual({ fee: 1, note: '一' });
    expect(() => mapDecisionResult(evaluateDecision(t, { amount: 9 }), 'singleResult')).toThrow(/r1, r2/);
    expect(() => mapDecisionResult(evaluateDecision(t, { amount: 1 }), 'singleEntry')).toThrow(/one output column/);
  });

  it('refuses unknown hit policies, bad FEEL cells (naming decision, rule, column), DTDs and bad XML', async () => {
    const hp = await refused(dmn({ hitPolicy: 'PRIORITY', rules: [[['-'], ['1']]] }));
    expect(hp).toBeInstanceOf(BusinessRuleError);
    expect(hp.code).toBe('DMN_HIT_POLICY_UNSUPPORTED');
    expect(hp.message).toMatch(/decision "fee"/);
    const loop = await refused(dmn({ rules: [[['-'], ['for i in 1..100000000 return i']]] }));
    expect(loop.code).toBe('DMN_FEEL_INVALID');
    expect(loop.details).toMatchObject({ decisionId: 'fee', ruleId: 'r1', column: 'output 1 (fee)' });
    const fn = await refused(dmn({ rules: [[['-'], ['(function(x) x)(1)']]] }));
    expect(fn.code).toBe('DMN_FEEL_INVALID');
    const unary = await refused(dmn({ rules: [[['[1..'], ['1']]] }));
    expect(unary.code).toBe('DMN_FEEL_INVALID');
    expect(unary.details).toMatchObject({ ruleId: 'r1', column: 'input 1 (输入0)' });
    const call = await refused(dmn({ rules: [[['matches(?, "a+")'], ['1']]] }));
    expect(call.code).toBe('DMN_FEEL_INVALID');
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="&lol2;" namespace="x"/>`;
    expect((await refused(bomb)).code).toBe('DMN_DOCTYPE_REFUSED');
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="&x;" namespace="x"/>`;
    expect((await refused(xxe)).code).toBe('DMN_DOCTYPE_REFUSED');
    expect(await refused('not xml')).toBeInstanceOf(ValidationError);
    expect((await refused('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="n" namespace="x"/>')).code).toBe('DMN_NO_DECISION');
  });

  it('an evaluation error names the decision and the cell', async () => {
    const [t] = await parseDmn(dmn({ rules: [[['-'], ['amount + "x"']]] }));
    // feelin yields null for a type mismatch rather than throwing: the row holds null
    expect(evaluateDecision(t, { amount: 1 }).rows).toEqual([{ fee: null }]);
  });
});
