import { ApiProblem } from '../../api-client';
import { toUserMessage } from '../../errors';

/**
 * A refused decision deploy (POST /api/decisions → 4xx) in Chinese: which decision, which rule
 * (its number in the table and its id), which column, and what is wrong with the cell. The server
 * names them in `details` ({ decisionId, ruleId, column }) and in its English `detail`
 * (`decision "hj001Fee", rule "Rule_standard", output 1 (feeFen): "…": FEEL syntax error …`,
 * engine/runtime/dmn.ts); the table's own names (decision name, rule order, column labels) come
 * from the DMN that was sent.
 */
export interface DecisionProblem {
  /** one sentence: where and what */
  message: string;
  /** the cell as sent, the server's reason in Chinese */
  details: string[];
  /** where it is, for the editor to point at */
  at?: { decisionId?: string; ruleId?: string; ruleNumber?: number; column?: string };
  /** the server's own text (title attribute / console), never the message */
  technical?: string;
}

/** Hit policies (命中策略) by their DMN names. */
export const HIT_POLICY_NAMES: Record<string, string> = {
  UNIQUE: '唯一',
  FIRST: '首个',
  PRIORITY: '优先级',
  ANY: '任意',
  COLLECT: '收集',
  'RULE ORDER': '规则顺序',
  'OUTPUT ORDER': '输出顺序',
  'COLLECT SUM': '收集（求和）',
  'COLLECT COUNT': '收集（计数）',
  'COLLECT MIN': '收集（最小值）',
  'COLLECT MAX': '收集（最大值）',
};

export const hitPolicyName = (p: string) => (HIT_POLICY_NAMES[p] ? `${HIT_POLICY_NAMES[p]}（${p}）` : p);

/** What the DMN says about one decision: its name, its rules in order, its columns. */
interface TableFacts {
  name?: string;
  rules: string[];
  inputs: string[];
  outputs: { label?: string; name?: string }[];
}

function tableFacts(xml: string | undefined, decisionId: string | undefined): TableFacts | null {
  if (!xml || !decisionId) return null;
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return null;
  const decision = Array.from(doc.getElementsByTagNameNS('*', 'decision')).find((d) => d.getAttribute('id') === decisionId);
  if (!decision) return null;
  const table = Array.from(decision.getElementsByTagNameNS('*', 'decisionTable'))[0];
  const children = (local: string) => (table ? Array.from(table.children).filter((c) => c.localName === local) : []);
  return {
    name: decision.getAttribute('name') ?? undefined,
    rules: children('rule').map((r) => r.getAttribute('id') ?? ''),
    inputs: children('input').map((i) => i.getAttribute('label') ?? ''),
    outputs: children('output').map((o) => ({ label: o.getAttribute('label') ?? undefined, name: o.getAttribute('name') ?? undefined })),
  };
}

/** `input 2 (享受低保或特困)` / `output 1 (feeFen)` / `input expression 1 (申领类型)` → 输入列「…」… */
function columnZh(column: string, facts: TableFacts | null): string {
  let m = /^input expression (\d+)/.exec(column);
  if (m) {
    const n = Number(m[1]);
    const label = facts?.inputs[n - 1] || /\((.*)\)$/.exec(column)?.[1];
    return `第 ${n} 个输入列${label ? `「${label}」` : ''}的输入表达式`;
  }
  m = /^input (\d+)/.exec(column);
  if (m) {
    const n = Number(m[1]);
    const label = facts?.inputs[n - 1] || /\((.*)\)$/.exec(column)?.[1];
    return `第 ${n} 个输入列${label ? `「${label}」` : ''}`;
  }
  m = /^output (\d+)/.exec(column);
  if (m) {
    const n = Number(m[1]);
    const out = facts?.outputs[n - 1];
    const label = out?.label || out?.name || /\((.*)\)$/.exec(column)?.[1];
    return `第 ${n} 个输出列${label ? `「${label}」` : ''}`;
  }
  return column;
}

/** The evaluator's reasons (engine/runtime/feel.ts) in Chinese; an unknown one is kept as sent. */
export function feelReasonZh(reason: string): string {
  const r = reason.trim();
  let m = /^FEEL syntax error at character (\d+)(?: \(near "([\s\S]*)"\))?/.exec(r);
  if (m) return `FEEL 语法错误：第 ${m[1]} 个字符处无法解析${m[2] !== undefined ? `（附近：“${m[2]}”）` : ''}。`;
  if (/^"(for|some\/every)" iterations are not supported/.test(r)) return '平台不允许 for / some / every 循环（可能生成无限长的列表）。';
  if (/^function definitions are not supported/.test(r)) return '平台不允许在单元格中定义函数。';
  m = /^function "([^"]*)" is not allowed/.exec(r);
  if (m) return `平台不允许调用函数「${m[1]}」，只能使用 FEEL 内置函数，如 not()、string length()、contains()、count()、date()。`;
  m = /^the (?:name|key) "([^"]*)" is not allowed/.exec(r);
  if (m) return `不允许使用名称「${m[1]}」。`;
  m = /^FEEL expression is longer than (\d+) characters/.exec(r);
  if (m) return `表达式过长（最多 ${m[1]} 个字符）。`;
  if (/^FEEL expression is nested deeper than/.test(r)) return '表达式嵌套层级过深。';
  if (/^FEEL expression has more than/.test(r)) return '表达式过于复杂。';
  m = /^FEEL construct (\S+) is not supported/.exec(r);
  if (m) return `平台不支持这种 FEEL 写法（${m[1]}）。`;
  if (/^empty FEEL expression/.test(r)) return '表达式为空。';
  if (/^FEEL does not parse/.test(r)) return 'FEEL 表达式无法解析。';
  if (/^the input has no expression/.test(r)) return '输入列没有输入表达式（请填写变量名，如 applyType）。';
  return r;
}

/**
 * The Chinese explanation of a refused deploy. `xml` is the DMN that was sent (for the decision's
 * name, the rule's number and the columns' labels).
 */
export function explainDecisionProblem(error: unknown, xml?: string): DecisionProblem {
  if (!(error instanceof ApiProblem)) {
    const m = toUserMessage(error, '部署失败。');
    return { message: m.message, details: m.details };
  }
  const code = error.code ?? '';
  const detail = typeof error.problem.detail === 'string' ? error.problem.detail : '';
  const d = (error.problem.details ?? {}) as { decisionId?: string; ruleId?: string; column?: string };
  const facts = tableFacts(xml, d.decisionId);
  const decision = d.decisionId ? `决策「${facts?.name || d.decisionId}」${facts?.name ? `（${d.decisionId}）` : ''}` : '决策表';
  const ruleNumber = d.ruleId && facts ? facts.rules.indexOf(d.ruleId) + 1 || undefined : undefined;
  const rule = d.ruleId ? `第 ${ruleNumber ?? '?'} 条规则（${d.ruleId}）` : '';
  const column = d.column ? columnZh(d.column, facts) : '';
  const where = [decision, rule, column].filter(Boolean).join('，');
  const at = { decisionId: d.decisionId, ruleId: d.ruleId, ruleNumber, column: d.column };
  // after the location (as dmn.ts writes it): `"<cell>": <reason>` for a cell, else the reason alone
  const whereEn = [d.decisionId && `decision "${d.decisionId}"`, d.ruleId && `rule "${d.ruleId}"`, d.column].filter(Boolean).join(', ');
  const tail = whereEn && detail.startsWith(`${whereEn}: `) ? detail.slice(whereEn.length + 2) : detail;
  const cell = /^"([\s\S]*?)": ([\s\S]*)$/.exec(tail);
  switch (code) {
    case 'DMN_FEEL_INVALID':
      return {
        message: `${where}：单元格内容不是平台允许的 FEEL 表达式。`,
        details: [...(cell ? [`单元格内容：${cell[1]}`] : []), `原因：${feelReasonZh(cell ? cell[2] : tail)}`],
        at,
        technical: detail,
      };
    case 'DMN_HIT_POLICY_UNSUPPORTED': {
      const policy = /(?:hit policy|aggregation) "([^"]*)"/.exec(detail)?.[1];
      return {
        message: `${decision}：平台不支持${policy ? `命中策略「${hitPolicyName(policy)}」` : '该命中策略'}。`,
        details: ['可用的命中策略：唯一（UNIQUE）、首个（FIRST）、规则顺序（RULE ORDER）、收集（COLLECT，可选求和 / 计数 / 最小值 / 最大值；求和等聚合只能有一个输出列）。'],
        at,
        technical: detail,
      };
    }
    case 'DMN_INVALID':
      return { message: `${where}：${/no output column/.test(detail) ? '决策表没有输出列。' : /input and \d+ output entries/.test(detail) ? '该规则的单元格数与表格的列数不一致。' : /decision id/.test(detail) ? '决策标识只能用字母、数字、下划线、点和连字符，且以字母开头（最多 100 个字符）。' : '决策表不完整。'}`, details: [], at, technical: detail };
    case 'DMN_UNSUPPORTED':
      return { message: `${decision}：平台只支持决策表（不支持文字表达式等其他决策逻辑）。`, details: [], at, technical: detail };
    case 'DMN_NO_DECISION':
      return { message: '文件中没有决策。', details: [], technical: detail };
    case 'DMN_TOO_LARGE':
      return { message: `${decision}：决策表过大（${/rules/.test(detail) ? '规则过多' : /decisions/.test(detail) ? '决策过多' : '文件过大'}）。`, details: [], technical: detail };
    case 'DMN_MALFORMED':
    case 'DMN_WARNINGS':
    case 'DMN_TOO_DEEP':
      return { message: '决策表文件无法解析（不是完整的 DMN 1.3 文件），未部署。', details: [], technical: detail };
    case 'DMN_DOCTYPE_REFUSED':
      return { message: '决策表文件不得包含 DOCTYPE 或实体声明（出于安全原因拒绝部署）。', details: [], technical: detail };
    default: {
      const m = toUserMessage(error, '部署失败。');
      return { message: m.message, details: m.details, technical: m.technical };
    }
  }
}
