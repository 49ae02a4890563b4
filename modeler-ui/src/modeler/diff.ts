/**
 * Semantic diff of two BPMN documents (bpmn-js-differ) read with the modeler's
 * own moddle (so camunda:* and svc:* attributes are compared as properties).
 */
import { diff } from 'bpmn-js-differ';
import { typeName } from './lint-messages';

/** Chinese names of the attributes a version diff lists (bpmn, camunda:* and svc:*). */
const ATTR_NAMES: Record<string, string> = {
  name: '名称',
  id: '标识',
  documentation: '说明文档',
  isExecutable: '可执行',
  timeLimit: '承诺时限',
  window: '窗口 / 部门',
  orgLevel: '层级',
  stepKind: '环节类型',
  itemCode: '事项编码',
  caseCategory: '办件类型',
  formKey: '表单',
  assignee: '办理人',
  candidateGroups: '候选用户组',
  candidateUsers: '候选用户',
  dueDate: '到期时间',
  followUpDate: '跟进时间',
  priority: '优先级',
  conditionExpression: '条件',
  default: '默认流',
  sourceRef: '起点',
  targetRef: '终点',
  eventDefinitions: '事件定义',
  timeDuration: '时长',
  timeDate: '时间点',
  timeCycle: '周期',
  cancelActivity: '中断活动',
  attachedToRef: '附着于',
  calledElement: '被调用流程',
  asyncBefore: '异步（之前）',
  asyncAfter: '异步（之后）',
  loopCharacteristics: '多实例',
  extensionElements: '扩展属性',
  versionTag: '版本标签',
  type: '类型',
  topic: '主题',
  expression: '表达式',
  delegateExpression: '委托表达式',
  class: 'Java 类',
  resultVariable: '结果变量',
  body: '内容',
  language: '语言',
  text: '文本',
};

/** The Chinese name of a changed attribute (`svc:timeLimit` and `timeLimit` alike); unknown ones keep their name. */
export function attrName(attr: string): string {
  const bare = attr.replace(/^[a-z]+:/, '');
  return ATTR_NAMES[bare] ?? ATTR_NAMES[attr] ?? attr;
}

export { typeName };

export type DiffKind = 'added' | 'removed' | 'changed' | 'layout';

export interface DiffEntry {
  id: string;
  kind: DiffKind;
  type: string;
  /** the type in Chinese (用户任务) */
  typeName: string;
  name?: string;
  /** changed attributes: name → old / new value (display strings) */
  attrs?: Array<{ attr: string; label: string; oldValue: string; newValue: string }>;
}

interface Moddle {
  fromXML(xml: string, type?: string): Promise<{ rootElement: unknown }>;
}

type ChangeMap = Record<string, { $type?: string; name?: string; model?: { $type: string; name?: string }; attrs?: Record<string, { oldValue: unknown; newValue: unknown }> }>;

/** Coded values of our svc:* attributes by their Chinese names (a designer reads 市级 → 镇级, not city → town). */
const VALUE_NAMES: Record<string, Record<string, string>> = {
  orgLevel: { city: '市级', town: '镇级' },
  stepKind: { accept: '受理', review: '审查', approve: '审批', notify: '告知', 'await-applicant': '等待申请人' },
  caseCategory: { immediate: '即办件', promised: '承诺件', supplement: '补办件', 'report-up': '上报件', joint: '联办件', rejected: '退回件' },
  window: { receiving: '收件窗口', 'item-department': '事项所属部门窗口' },
};

/** How an attribute without a value reads in the diff (cleared, or not set before). */
export const EMPTY_VALUE = '（空）';

function show(value: unknown, attr?: string): string {
  const bare = attr?.replace(/^[a-z]+:/, '');
  if (bare && typeof value === 'string' && VALUE_NAMES[bare]?.[value]) return VALUE_NAMES[bare][value];
  if (value === undefined || value === null || (typeof value === 'string' && !value.trim())) return EMPTY_VALUE;
  if (value === true) return '是';
  if (value === false) return '否';
  if (typeof value === 'object') {
    const v = value as { id?: string; $type?: string; name?: string; body?: string };
    return v.name ?? v.body ?? v.id ?? (v.$type ? typeName(v.$type) : JSON.stringify(value));
  }
  return String(value);
}

/** One line per kind for the deploy confirmation: 新增 2 · 修改 1 · 删除 0 · 位置变化 3. */
export function diffCounts(entries: DiffEntry[]): Record<DiffKind, number> {
  const counts: Record<DiffKind, number> = { added: 0, removed: 0, changed: 0, layout: 0 };
  for (const e of entries) counts[e.kind]++;
  return counts;
}

/** Every element of a document with an id (flow elements, processes, participants…), by id. */
function elementsById(root: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || seen.has(v) || depth > 60) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.id === 'string' && typeof o.$type === 'string' && !out.has(o.id)) out.set(o.id, o);
    for (const [k, x] of Object.entries(o)) if (k !== '$parent' && k !== '$model' && k !== '$descriptor') walk(x, depth + 1);
  };
  walk(root, 0);
  return out;
}

/** The value at `key` of a model element (`processRef.name` through the reference). */
function valueAt(el: Record<string, unknown> | undefined, key: string): unknown {
  let v: unknown = el;
  for (const k of key.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * The changed attributes of one element, each with its value before and after. Plain attributes
 * are read from the two documents themselves: bpmn-js-differ 3.2.0 passes jsondiffpatch's delta
 * on positionally, so a changed value came swapped ([old, new] as new, old), an added one as its
 * old value, and a cleared one as "old → 0" (jsondiffpatch's delete marker [old, 0, 0]) — the
 * deploy dialog read 名称：初审结论 → 0. An item added to or removed from a list (`values[2]`) is
 * what the differ hands over (the item, and null on the other side).
 */
function changedAttrs(id: string, change: ChangeMap[string], before: Map<string, Record<string, unknown>>, after: Map<string, Record<string, unknown>>): DiffEntry['attrs'] {
  if (!change.attrs) return undefined;
  const oldEl = before.get(id);
  const newEl = after.get(id) ?? (change.model as Record<string, unknown> | undefined);
  return Object.entries(change.attrs).map(([attr, v]) => {
    const listItem = /\[\d+\]$/.test(attr);
    if (listItem) return { attr, label: attrName(attr.replace(/\[\d+\]$/, '')), oldValue: show(v.oldValue, attr), newValue: show(v.newValue, attr) };
    let oldValue = valueAt(oldEl, attr);
    let newValue = valueAt(newEl, attr);
    if (!oldEl || !newEl || show(oldValue, attr) === show(newValue, attr)) {
      // not readable from the two elements (a process's attribute tracked on its participant): the delta, decoded
      const [d0, d1] = [v.newValue, v.oldValue];
      if (d1 === 0) [oldValue, newValue] = [d0, undefined];
      else if (d1 === undefined) [oldValue, newValue] = [undefined, d0];
      else [oldValue, newValue] = [d0, d1];
    }
    return { attr, label: attrName(attr), oldValue: show(oldValue, attr), newValue: show(newValue, attr) };
  });
}

export async function diffDiagrams(moddle: Moddle, oldXml: string, newXml: string): Promise<DiffEntry[]> {
  const [a, b] = await Promise.all([moddle.fromXML(oldXml, 'bpmn:Definitions'), moddle.fromXML(newXml, 'bpmn:Definitions')]);
  const result = diff(a.rootElement, b.rootElement) as { _added: ChangeMap; _removed: ChangeMap; _changed: ChangeMap; _layoutChanged: ChangeMap };
  const before = elementsById(a.rootElement);
  const after = elementsById(b.rootElement);
  const entries: DiffEntry[] = [];
  const push = (map: ChangeMap, kind: DiffKind) => {
    for (const [id, change] of Object.entries(map ?? {})) {
      const model = change.model ?? change;
      entries.push({
        id,
        kind,
        type: model.$type ?? '',
        typeName: typeName(model.$type),
        // a removed element is named as it was; a changed one by its new name, else its old one (a name cleared)
        name: model.name || (kind === 'changed' ? ((before.get(id)?.name as string | undefined) || undefined) : undefined),
        attrs: changedAttrs(id, change, before, after),
      });
    }
  };
  push(result._added, 'added');
  push(result._removed, 'removed');
  push(result._changed, 'changed');
  // an element both changed and moved is listed once, as changed
  const seen = new Set(entries.map((e) => e.id));
  push(Object.fromEntries(Object.entries(result._layoutChanged ?? {}).filter(([id]) => !seen.has(id))), 'layout');
  return entries;
}
