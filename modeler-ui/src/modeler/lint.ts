/**
 * bpmnlint configuration for the designer (bpmn-js-bpmnlint): the platform's config
 * (processes/lint/config.js) with a resolver composed by hand over bpmnlint's rule
 * modules and our svc plugin (processes/lint/index.js). No bpmnlint-loader.
 */
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event';
import fakeJoin from 'bpmnlint/rules/fake-join';
import labelRequired from 'bpmnlint/rules/label-required';
import linkEvent from 'bpmnlint/rules/link-event';
import noBpmndi from 'bpmnlint/rules/no-bpmndi';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start';
import noInclusiveGateway from 'bpmnlint/rules/no-inclusive-gateway';
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';
import superfluousTermination from 'bpmnlint/rules/superfluous-termination';

import svcPlugin from '../../../processes/lint/index.js';

const bpmnlintRules: Record<string, unknown> = {
  'ad-hoc-sub-process': adHocSubProcess,
  'conditional-flows': conditionalFlows,
  'end-event-required': endEventRequired,
  'event-based-gateway': eventBasedGateway,
  'event-sub-process-typed-start-event': eventSubProcessTypedStartEvent,
  'fake-join': fakeJoin,
  'label-required': labelRequired,
  'link-event': linkEvent,
  'no-bpmndi': noBpmndi,
  'no-complex-gateway': noComplexGateway,
  'no-disconnected': noDisconnected,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'no-gateway-join-fork': noGatewayJoinFork,
  'no-implicit-end': noImplicitEnd,
  'no-implicit-split': noImplicitSplit,
  'no-implicit-start': noImplicitStart,
  'no-inclusive-gateway': noInclusiveGateway,
  'no-overlapping-elements': noOverlappingElements,
  'single-blank-start-event': singleBlankStartEvent,
  'single-event-definition': singleEventDefinition,
  'start-event-required': startEventRequired,
  'sub-process-blank-start-event': subProcessBlankStartEvent,
  'superfluous-gateway': superfluousGateway,
  'superfluous-termination': superfluousTermination,
};

/**
 * Tells the call-activity rule which processes are deployed (their keys, from GET /api/definitions),
 * so a call activity naming one that is not is flagged while drawing; `undefined`: not known yet
 * (then only what the diagram itself shows is checked). The server refuses it at deploy anyway
 * (422 CALLED_PROCESS_NOT_FOUND).
 */
export function setDeployedProcesses(keys: string[] | undefined): void {
  const rule = (svcPlugin.rules as Record<string, { setKnownProcesses?: (ids?: string[]) => void }>)['call-activity-target'];
  rule?.setKnownProcesses?.(keys);
}

/**
 * Tells the business-rule rule which decisions are deployed (their keys, from GET /api/decisions);
 * `undefined`: not known (then only the diagram itself is checked). Deploy refuses an undeployed one
 * anyway (422 DECISION_NOT_FOUND).
 */
export function setDeployedDecisions(keys: string[] | undefined): void {
  const rule = (svcPlugin.rules as Record<string, { setKnownDecisions?: (ids?: string[]) => void }>)['business-rule-decision'];
  rule?.setKnownDecisions?.(keys);
}

/**
 * Tells the message rule which message names the deployed processes throw (from GET /api/definitions,
 * `thrownMessages` of each latest version); `undefined`: not known (then no catch is warned about).
 */
export function setThrownMessages(names: string[] | undefined): void {
  const rule = (svcPlugin.rules as Record<string, { setKnownMessages?: (names?: string[]) => void }>)['message-sender'];
  rule?.setKnownMessages?.(names);
}

export const lintConfig = {
  config: svcPlugin.config,
  resolver: {
    resolveRule(pkg: string, name: string): unknown {
      if (pkg === 'bpmnlint') return bpmnlintRules[name];
      if (pkg === 'bpmnlint-plugin-svc') return (svcPlugin.rules as Record<string, unknown>)[name];
      return undefined;
    },
    resolveConfig(): null {
      return null;
    },
  },
};

/** One problem found by the linter, as the designer lists it. */
export interface LintIssue {
  /** element the problem is shown on (the process for child issues) */
  id: string;
  /** the element as the message names it: 「名称」, or type and id when unnamed */
  label: string;
  message: string;
  category: 'error' | 'warn' | 'info' | 'rule-error';
  rule: string;
}

/** Flattens bpmn-js-bpmnlint's `linting.completed` issues ({ elementId: [report] }). */
export function flattenIssues(issues: Record<string, Array<{ id: string; message: string; category: string; rule?: string; actualElementId?: string; label?: string }>>): LintIssue[] {
  const out: LintIssue[] = [];
  for (const list of Object.values(issues)) {
    for (const r of list) {
      const id = r.actualElementId ?? r.id;
      out.push({ id, label: r.label ?? id, message: r.message, category: r.category as LintIssue['category'], rule: r.rule ?? '' });
    }
  }
  const order = { 'rule-error': 0, error: 1, warn: 2, info: 3 } as const;
  return out.sort((a, b) => order[a.category] - order[b.category] || a.id.localeCompare(b.id));
}

/** Chinese for bpmnlint's own English messages (ours are Chinese already); also used by the overlays via `translate`. */
const MESSAGES: Array<[RegExp, string]> = [
  [/^Element is missing label\/name$/, '元素缺少名称'],
  [/^Element is not connected$/, '元素未连接'],
  [/^Element is an implicit end$/, '元素没有出口（隐式结束）'],
  [/^Element is an implicit start$/, '元素没有入口（隐式开始）'],
  [/^Flow splits implicitly$/, '隐式分支：请使用网关'],
  [/^(.+) is missing end event$/, '缺少结束事件'],
  [/^(.+) is missing start event$/, '缺少开始事件'],
  [/^(.+) has multiple blank start events$/, '有多个空白开始事件'],
  [/^Sequence flow is missing condition$/, '顺序流缺少条件'],
  [/^Sequence flow has superfluous label$/, '顺序流的名称多余'],
  [/^Gateway is superfluous/, '网关多余（只有一个入口和一个出口）'],
  [/^Element overlaps with other element$/, '元素与其他元素重叠'],
  [/^Element is outside of parent boundary$/, '元素超出了父元素的边界'],
  [/^Incoming flows do not join$/, '多个入口未经网关汇聚'],
  [/^Gateway forks and joins$/, '网关同时分支与汇聚'],
  [/^Element type <(.+)> is discouraged$/, '不建议使用此类型的元素'],
  [/^Event has multiple event definitions$/, '事件有多个事件定义'],
  [/^SequenceFlow is a duplicate$/, '重复的顺序流'],
  [/^Duplicate (incoming|outgoing) sequence flows$/, '重复的顺序流'],
  [/^Element is missing bpmndi$/, '元素缺少图形信息（BPMNDI）'],
  [/^Termination is superfluous\.$/, '终止结束事件多余'],
  [/^Start event must be blank$/, '开始事件必须是空白事件'],
  [/^Start event is missing event definition$/, '开始事件缺少事件定义'],
];

export function translateLintMessage(message: string): string | undefined {
  for (const [pattern, zh] of MESSAGES) if (pattern.test(message)) return zh;
  return undefined;
}
