/**
 * DMN decision tables (决策表) for business rule tasks: parsing DMN 1.3 XML (as Camunda Modeler 5
 * exports it) with the bpmn.io `dmn-moddle` package, checking every FEEL text in it, and evaluating
 * a table against the process variables. Pure: no database, no clock.
 *
 * FEEL goes through feel.ts (feelin behind its allow-list and limits: no iteration, no function
 * definitions, only listed built-in functions): an input expression and each output entry are FEEL
 * expressions, each input entry is a list of FEEL unary tests against its input's value (`-` or
 * empty: any value). Hit policies: UNIQUE (more than one matching rule is an error naming the
 * rules), FIRST, RULE ORDER, COLLECT (a list) and COLLECT with SUM, COUNT, MIN or MAX; the others
 * (ANY, PRIORITY, OUTPUT ORDER) are refused when the table is deployed.
 */
import { DmnModdle } from 'dmn-moddle';
import { BusinessRuleError, ValidationError } from '../domain/errors';
import { checkFeel, evaluateFeel, evaluateUnaryTests, checkUnaryTests, FeelError } from './feel';
import { MAX_XML_DEPTH, xmlDepth } from './xml-depth';

/** Largest DMN document accepted, in bytes. */
export const MAX_DMN_BYTES = 1024 * 1024;
/** Most rules in one decision table. */
export const MAX_DMN_RULES = 2000;
/** Most decisions in one DMN document. */
export const MAX_DMN_DECISIONS = 50;

export type HitPolicy = 'UNIQUE' | 'FIRST' | 'RULE ORDER' | 'COLLECT';
export type Aggregation = 'SUM' | 'COUNT' | 'MIN' | 'MAX';
const HIT_POLICIES: ReadonlySet<string> = new Set(['UNIQUE', 'FIRST', 'RULE ORDER', 'COLLECT']);
const AGGREGATIONS: ReadonlySet<string> = new Set(['SUM', 'COUNT', 'MIN', 'MAX']);

/** One decision table, checked, as plain data (stored with its version). */
export interface DecisionTable {
  /** The decision's id (its key: versions are counted per id). */
  id: string;
  name: string;
  hitPolicy: HitPolicy;
  aggregation?: Aggregation;
  inputs: { id: string; label?: string; expression: string }[];
  outputs: { id: string; name: string; label?: string }[];
  rules: { id: string; inputEntries: string[]; outputEntries: string[] }[];
}

/** One output row: output name → value. */
export type DecisionRow = Record<string, unknown>;

/** Result of evaluating a table: the matching rules' outputs (aggregated for COLLECT with an aggregation). */
export interface DecisionResult {
  decisionId: string;
  matchedRules: string[];
  rows: DecisionRow[];
}

/** Where a DMN problem is: the decision, and the rule and column when the problem is in one cell. */
export interface DmnProblemAt {
  decisionId?: string;
  ruleId?: string;
  /** `input <n> (<label>)` / `output <n> (<name>)` / `input expression <n>`. */
  column?: string;
}

function dmnProblem(code: string, message: string, at: DmnProblemAt): BusinessRuleError {
  const where = [at.decisionId && `decision "${at.decisionId}"`, at.ruleId && `rule "${at.ruleId}"`, at.column].filter(Boolean).join(', ');
  return new BusinessRuleError(code, where ? `${where}: ${message}` : message, { ...at });
}

/**
 * Parses and checks a DMN 1.3 document. Refused with 400 (ValidationError, DMN_MALFORMED) when it
 * is not XML, and with 422 (BusinessRuleError) when it declares a DTD or entities (XML bombs,
 * external entities: DMN_DOCTYPE_REFUSED), is too large or deep, has no decision table, an
 * unsupported hit policy (DMN_HIT_POLICY_UNSUPPORTED), or a FEEL text that does not parse or is
 * not allowed (DMN_FEEL_INVALID, naming the decision, rule and column).
 */
export async function parseDmn(xml: string): Promise<DecisionTable[]> {
  if (typeof xml !== 'string' || !xml.trim().startsWith('<')) throw new ValidationError('DMN_MALFORMED', 'body is not an XML document');
  if (Buffer.byteLength(xml, 'utf8') > MAX_DMN_BYTES) throw new BusinessRuleError('DMN_TOO_LARGE', `DMN document is larger than ${MAX_DMN_BYTES} bytes`);
  // moddle's XML reader does not expand entities, but no DMN needs a DTD: refuse any, so neither an
  // entity bomb nor an external entity (SYSTEM "file:///…") reaches a parser
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new BusinessRuleError('DMN_DOCTYPE_REFUSED', 'DMN documents may not declare a DOCTYPE or entities (XML bombs and external entities are refused)');
  if (xmlDepth(xml, MAX_XML_DEPTH) > MAX_XML_DEPTH) throw new BusinessRuleError('DMN_TOO_DEEP', `DMN elements are nested deeper than ${MAX_XML_DEPTH} levels`);
  let parsed: any;
  try {
    parsed = await new DmnModdle().fromXML(xml, 'dmn:Definitions');
  } catch (err) {
    throw new ValidationError('DMN_MALFORMED', `not well-formed DMN 1.3 XML: ${String((err as Error).message).split('\n')[0].slice(0, 200)}`);
  }
  const warnings: any[] = parsed.warnings ?? [];
  if (warnings.length) {
    throw new BusinessRuleError('DMN_WARNINGS', `DMN has ${warnings.length} parse warning(s); elements would be dropped: ${warnings.slice(0, 3).map((w) => String(w.message).slice(0, 200)).join('; ')}`);
  }
  const decisions = (parsed.rootElement?.drgElement ?? []).filter((e: any) => e.$type === 'dmn:Decision');
  if (decisions.length === 0) throw new BusinessRuleError('DMN_NO_DECISION', 'DMN document has no decision');
  if (decisions.length > MAX_DMN_DECISIONS) throw new BusinessRuleError('DMN_TOO_LARGE', `DMN document has more than ${MAX_DMN_DECISIONS} decisions`);
  return decisions.map(toTable);
}

function toTable(d: any): DecisionTable {
  const decisionId = String(d.id ?? '');
  if (!/^[A-Za-z_][\w.-]{0,99}$/.test(decisionId)) throw dmnProblem('DMN_INVALID', 'the decision id must be an XML name of at most 100 characters', { decisionId: decisionId.slice(0, 100) });
  const table = d.decisionLogic;
  if (table?.$type !== 'dmn:DecisionTable') throw dmnProblem('DMN_UNSUPPORTED', 'only decision tables are supported (no literal expressions or other decision logic)', { decisionId });
  const hitPolicy = String(table.hitPolicy ?? 'UNIQUE');
  if (!HIT_POLICIES.has(hitPolicy)) throw dmnProblem('DMN_HIT_POLICY_UNSUPPORTED', `hit policy "${hitPolicy.slice(0, 40)}" is not supported (UNIQUE, FIRST, RULE ORDER, COLLECT)`, { decisionId });
  const aggregation = table.aggregation ? String(table.aggregation) : undefined;
  if (aggregation !== undefined && (hitPolicy !== 'COLLECT' || !AGGREGATIONS.has(aggregation))) {
    throw dmnProblem('DMN_HIT_POLICY_UNSUPPORTED', `aggregation "${aggregation.slice(0, 40)}" is supported only with COLLECT, as SUM, COUNT, MIN or MAX`, { decisionId });
  }
  const inputs = (table.input ?? []).map((inp: any, i: number) => {
    const expression = String(inp.inputExpression?.text ?? '').trim();
    const column = `input expression ${i + 1}${inp.label ? ` (${inp.label})` : ''}`;
    if (!expression) throw dmnProblem('DMN_FEEL_INVALID', 'the input has no expression', { decisionId, column });
    checkCell(`= ${expression}`, false, { decisionId, column });
    return { id: String(inp.id ?? `input${i + 1}`), ...(inp.label ? { label: String(inp.label) } : {}), expression };
  });
  const outputs = (table.output ?? []).map((out: any, i: number) => ({
    id: String(out.id ?? `output${i + 1}`),
    name: String(out.name || out.label || out.id || `output${i + 1}`),
    ...(out.label ? { label: String(out.label) } : {}),
  }));
  if (outputs.length === 0) throw dmnProblem('DMN_INVALID', 'the decision table has no output column', { decisionId });
  if (outputs.length > 1 && aggregation) throw dmnProblem('DMN_HIT_POLICY_UNSUPPORTED', `COLLECT ${aggregation} needs exactly one output column`, { decisionId });
  const rulesIn: any[] = table.rule ?? [];
  if (rulesIn.length > MAX_DMN_RULES) throw dmnProblem('DMN_TOO_LARGE', `the table has more than ${MAX_DMN_RULES} rules`, { decisionId });
  const rules = rulesIn.map((r: any, ri: number) => {
    const ruleId = String(r.id ?? `rule${ri + 1}`);
    const ins: any[] = r.inputEntry ?? [];
    const outs: any[] = r.outputEntry ?? [];
    if (ins.length !== inputs.length || outs.length !== outputs.length) {
      throw dmnProblem('DMN_INVALID', `the rule has ${ins.length} input and ${outs.length} output entries; the table has ${inputs.length} and ${outputs.length} columns`, { decisionId, ruleId });
    }
    const inputEntries = ins.map((e, i) => {
      const text = String(e.text ?? '').trim();
      checkCell(text, true, { decisionId, ruleId, column: `input ${i + 1}${inputs[i].label ? ` (${inputs[i].label})` : ''}` });
      return text;
    });
    const outputEntries = outs.map((e, i) => {
      const text = String(e.text ?? '').trim();
      if (text) checkCell(`= ${text}`, false, { decisionId, ruleId, column: `output ${i + 1} (${outputs[i].name})` });
      return text;
    });
    return { id: ruleId, inputEntries, outputEntries };
  });
  return {
    id: decisionId,
    name: String(d.name || decisionId),
    hitPolicy: hitPolicy as HitPolicy,
    ...(aggregation ? { aggregation: aggregation as Aggregation } : {}),
    inputs,
    outputs,
    rules,
  };
}

function checkCell(text: string, unary: boolean, at: DmnProblemAt): void {
  try {
    if (unary) checkUnaryTests(text);
    else checkFeel(text);
  } catch (err) {
    const message = err instanceof FeelError ? err.message : `FEEL does not parse: ${(err as Error).message}`;
    throw dmnProblem('DMN_FEEL_INVALID', `"${text.replace(/^= /, '').slice(0, 80)}": ${message}`, at);
  }
}

/**
 * Evaluates `table` against `variables`. Errors (422 DMN_EVALUATION_FAILED, or
 * DMN_UNIQUE_VIOLATED naming the rules) name the decision, and the rule and column when in a cell.
 */
export function evaluateDecision(table: DecisionTable, variables: Record<string, unknown>): DecisionResult {
  const decisionId = table.id;
  const values = table.inputs.map((inp, i) => evalCell(() => evaluateFeel(`= ${inp.expression}`, variables), { decisionId, column: `input expression ${i + 1}${inp.label ? ` (${inp.label})` : ''}` }));
  const matched: DecisionTable['rules'] = [];
  for (const rule of table.rules) {
    const hit = rule.inputEntries.every((entry, i) =>
      evalCell(() => evaluateUnaryTests(entry, values[i], variables), { decisionId, ruleId: rule.id, column: `input ${i + 1}${table.inputs[i].label ? ` (${table.inputs[i].label})` : ''}` }),
    );
    if (!hit) continue;
    matched.push(rule);
    if (table.hitPolicy === 'FIRST') break;
  }
  if (table.hitPolicy === 'UNIQUE' && matched.length > 1) {
    throw dmnProblem('DMN_UNIQUE_VIOLATED', `hit policy UNIQUE, but ${matched.length} rules match: ${matched.map((r) => r.id).join(', ')}`, { decisionId });
  }
  let rows: DecisionRow[] = matched.map((rule) => {
    const row: DecisionRow = {};
    rule.outputEntries.forEach((text, i) => {
      const name = table.outputs[i].name;
      row[name] = text ? evalCell(() => evaluateFeel(`= ${text}`, variables), { decisionId, ruleId: rule.id, column: `output ${i + 1} (${name})` }) : null;
    });
    return row;
  });
  if (table.hitPolicy === 'COLLECT' && table.aggregation) {
    const name = table.outputs[0].name;
    const list = rows.map((r) => r[name]).filter((v) => v !== null && v !== undefined);
    if (table.aggregation === 'COUNT') rows = [{ [name]: list.length }];
    else {
      if (list.some((v) => typeof v !== 'number')) throw dmnProblem('DMN_EVALUATION_FAILED', `COLLECT ${table.aggregation} needs numbers; got ${list.map((v) => typeof v).join(', ').slice(0, 80)}`, { decisionId });
      const nums = list as number[];
      if (nums.length === 0) rows = [];
      else if (table.aggregation === 'SUM') rows = [{ [name]: roundSum(nums) }];
      else rows = [{ [name]: table.aggregation === 'MIN' ? Math.min(...nums) : Math.max(...nums) }];
    }
  }
  return { decisionId, matchedRules: matched.map((r) => r.id), rows };
}

/** A sum of money amounts without binary noise (0.1 + 0.2 → 0.3). */
function roundSum(nums: number[]): number {
  return Math.round(nums.reduce((a, b) => a + b, 0) * 1e6) / 1e6;
}

function evalCell<T>(fn: () => T, at: DmnProblemAt): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BusinessRuleError) throw err;
    throw dmnProblem('DMN_EVALUATION_FAILED', (err as Error).message.slice(0, 300), at);
  }
}

export type MapDecisionResult = 'singleEntry' | 'singleResult' | 'collectEntries' | 'resultList';
export const MAP_DECISION_RESULTS: readonly MapDecisionResult[] = ['singleEntry', 'singleResult', 'collectEntries', 'resultList'];

/**
 * The value a business rule task writes to its result variable (Camunda 7's
 * `camunda:mapDecisionResult`, default resultList): singleEntry — the one output of at most one
 * row (null when none); singleResult — the one row as an object (null when none); collectEntries
 * — the one output of every row as a list; resultList — every row.
 * @throws BusinessRuleError DMN_RESULT_MAPPING when the rows do not fit the mapping
 */
export function mapDecisionResult(result: DecisionResult, mapping: MapDecisionResult = 'resultList'): unknown {
  const { rows, decisionId } = result;
  const oneColumn = () => {
    if (rows.some((r) => Object.keys(r).length !== 1)) throw dmnProblem('DMN_RESULT_MAPPING', `${mapping} needs exactly one output column`, { decisionId });
  };
  switch (mapping) {
    case 'singleEntry':
      oneColumn();
      if (rows.length > 1) throw dmnProblem('DMN_RESULT_MAPPING', `singleEntry needs at most one matching rule; ${rows.length} matched (${result.matchedRules.join(', ')})`, { decisionId });
      return rows.length ? Object.values(rows[0])[0] : null;
    case 'singleResult':
      if (rows.length > 1) throw dmnProblem('DMN_RESULT_MAPPING', `singleResult needs at most one matching rule; ${rows.length} matched (${result.matchedRules.join(', ')})`, { decisionId });
      return rows[0] ?? null;
    case 'collectEntries':
      oneColumn();
      return rows.map((r) => Object.values(r)[0]);
    default:
      return rows;
  }
}
