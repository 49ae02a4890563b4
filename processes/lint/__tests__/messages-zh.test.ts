/**
 * Every rule the platform runs (processes/lint/config.js) has a Chinese message naming the element
 * and a Chinese title in the designer (modeler-ui/src/modeler/lint-messages.ts), for each English
 * message the rule can report — read from the rule's own source, so a new rule or message fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { elementLabel, lintMessageZh, ruleTitle, RULE_TITLES } from '../../../modeler-ui/src/modeler/lint-messages';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../config.js') as { rules: Record<string, string> };
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The messages a rule reports: the string literals of its `reporter.report(…, '…')` calls (templates with sample values). */
function messagesOf(rule: string): string[] {
  const [pkg, name] = rule.split('/');
  const file = pkg === 'bpmnlint' ? path.join(ROOT, 'node_modules', 'bpmnlint', 'rules', `${name}.js`) : path.join(ROOT, 'processes', 'lint', 'rules', `${name}.js`);
  let src = readFileSync(file, 'utf8');
  if (/checkDiscouragedNodeType/.test(src)) src = readFileSync(path.join(ROOT, 'node_modules', 'bpmnlint', 'rules', 'helper.js'), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/report\(\s*[\w.]+,\s*((?:'[^']*'|`[^`]*`|\w+)(?:\s*\+\s*(?:'[^']*'|\w+))*)/g)) {
    const expr = m[1]
      .replace(/\$\{\s*isThrowEvent\(event\)[^}]*\}/g, 'catch')
      .replace(/\$\{[^}]*\}/g, 'x')
      .replace(/'\s*\+\s*\w+\s*\+\s*'/g, 'x')
      .replace(/^\w+\s*\+\s*'/, "'Process")
      .replace(/'\s*\+\s*\w+$/, "x'");
    out.push(expr.replace(/^['`]|['`]$/g, ''));
  }
  return out;
}

const active = Object.entries(config.rules).filter(([, level]) => level !== 'off').map(([rule]) => rule);
const latin = (s: string) => (s.match(/[A-Za-z][A-Za-z]{2,}/g) ?? []).filter((w) => !['WD', 'BPMNDI', 'ISO'].includes(w));

describe('lint messages in Chinese, naming the element by its label', () => {
  it.each(active)('%s', (rule) => {
    const messages = messagesOf(rule);
    expect(messages.length).toBeGreaterThan(0);
    expect(RULE_TITLES[rule.replace(/^bpmnlint\//, '')]).toBeTruthy();
    expect(latin(ruleTitle(rule))).toEqual([]);
    for (const message of messages) {
      const zh = lintMessageZh(rule, message, '「部门审查」');
      expect(zh).toContain('「部门审查」');
      expect({ message, zh, latin: latin(zh.replace('「部门审查」', '')) }).toEqual({ message, zh, latin: [] });
    }
  });

  it('names an unnamed element by its type in Chinese and its id', () => {
    expect(elementLabel({ $type: 'bpmn:UserTask', id: 'Activity_0a3ofvr', name: '部门审查' })).toBe('「部门审查」');
    expect(elementLabel({ $type: 'bpmn:UserTask', id: 'Activity_0a3ofvr' })).toBe('用户任务 Activity_0a3ofvr');
    expect(elementLabel({ $type: 'bpmn:ExclusiveGateway', id: 'Gateway_1', name: '  ' })).toBe('排他网关 Gateway_1');
    expect(lintMessageZh('bpmnlint/label-required', 'Element is missing label/name', elementLabel({ $type: 'bpmn:SequenceFlow', id: 'Flow_9' }))).toBe('顺序流 Flow_9 缺少名称：请在属性「名称」中填写');
  });
});
