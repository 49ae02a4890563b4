/**
 * Chinese lint messages that name the element by its label (「部门审查」), for every rule the
 * platform runs (processes/lint/config.js: bpmnlint's rules and our svc plugin). An element
 * without a name is named by its type in Chinese and its id (用户任务 Activity_0a3ofvr).
 *
 * `ZhLintMessagesModule` wraps bpmn-js-bpmnlint's `linting.lint()`, so the canvas overlays, the
 * lint button and the designer's problem list all show the same Chinese text.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** Chinese names of the BPMN element types a service-item diagram may hold. */
export const TYPE_NAMES: Record<string, string> = {
  'bpmn:Process': '流程',
  'bpmn:Collaboration': '协作',
  'bpmn:Participant': '池',
  'bpmn:Lane': '泳道',
  'bpmn:StartEvent': '开始事件',
  'bpmn:EndEvent': '结束事件',
  'bpmn:IntermediateCatchEvent': '中间捕获事件',
  'bpmn:IntermediateThrowEvent': '中间抛出事件',
  'bpmn:BoundaryEvent': '边界事件',
  'bpmn:Task': '任务',
  'bpmn:UserTask': '用户任务',
  'bpmn:ServiceTask': '服务任务',
  'bpmn:SendTask': '发送任务',
  'bpmn:ReceiveTask': '接收任务',
  'bpmn:ManualTask': '人工任务',
  'bpmn:BusinessRuleTask': '业务规则任务',
  'bpmn:ScriptTask': '脚本任务',
  'bpmn:CallActivity': '调用活动',
  'bpmn:SubProcess': '子流程',
  'bpmn:AdHocSubProcess': '自由子流程',
  'bpmn:Transaction': '事务子流程',
  'bpmn:ExclusiveGateway': '排他网关',
  'bpmn:ParallelGateway': '并行网关',
  'bpmn:InclusiveGateway': '包容网关',
  'bpmn:ComplexGateway': '复杂网关',
  'bpmn:EventBasedGateway': '事件网关',
  'bpmn:SequenceFlow': '顺序流',
  'bpmn:MessageFlow': '消息流',
  'bpmn:Association': '关联',
  'bpmn:DataObjectReference': '数据对象引用',
  'bpmn:DataStoreReference': '数据存储引用',
  'bpmn:DataObject': '数据对象',
  'bpmn:TextAnnotation': '文本注释',
  'bpmn:Group': '分组',
  'bpmn:Definitions': '流程图',
};

export function typeName(type: string | undefined): string {
  if (!type) return '元素';
  return TYPE_NAMES[type] ?? type.replace(/^bpmn:/, '');
}

/** 「名称」 for a named element, else its type in Chinese and its id. */
export function elementLabel(element: { $type?: string; id?: string; name?: string } | undefined, fallbackId?: string): string {
  const name = element?.name?.trim();
  if (name) return `「${name}」`;
  const id = element?.id ?? fallbackId ?? '';
  return `${typeName(element?.$type)} ${id}`.trim();
}

/** The rule's short Chinese title (shown under each problem instead of the rule id). */
export const RULE_TITLES: Record<string, string> = {
  'ad-hoc-sub-process': '自由子流程',
  'conditional-flows': '条件流',
  'end-event-required': '需要结束事件',
  'event-based-gateway': '事件网关',
  'event-sub-process-typed-start-event': '事件子流程的开始事件',
  'fake-join': '隐式汇聚',
  'label-required': '需要名称',
  'link-event': '链接事件',
  'no-bpmndi': '需要图形信息',
  'no-complex-gateway': '不用复杂网关',
  'no-disconnected': '不能孤立',
  'no-duplicate-sequence-flows': '不能重复连线',
  'no-gateway-join-fork': '网关不同时汇聚和分支',
  'no-implicit-split': '不能隐式分支',
  'no-implicit-end': '不能隐式结束',
  'no-implicit-start': '不能隐式开始',
  'no-inclusive-gateway': '不用包容网关',
  'no-overlapping-elements': '不能重叠',
  'single-blank-start-event': '只有一个空白开始事件',
  'single-event-definition': '一个事件一个定义',
  'start-event-required': '需要开始事件',
  'sub-process-blank-start-event': '子流程的开始事件',
  'superfluous-gateway': '多余的网关',
  'superfluous-termination': '多余的终止',
  'svc/user-task-receiver': '需要办理人',
  'svc/user-task-time-limit': '需要承诺时限',
  'svc/no-script-task': '不用脚本任务',
  'svc/path-reaches-end': '路径要能结束',
  'svc/service-task-topic': '需要作业主题',
  'svc/call-activity-target': '被调用流程要已部署',
  'svc/message-name': '消息要有名称',
  'svc/message-sender': '消息要有发送方',
  'svc/message-start-unique': '一个消息只启动一个流程',
  'svc/business-rule-decision': '决策表要已部署',
};

/** The element kind a message rule names first (消息抛出事件…), or '' when the message does not start with one. */
function messageKind(message: string): string {
  return /^(消息抛出事件|消息结束事件|消息开始事件|消息边界事件|消息捕获事件|接收任务|发送任务)/.exec(message)?.[1] ?? '';
}

/** `bpmnlint/label-required` and `label-required` are the same rule. */
export function ruleKey(rule: string | undefined): string {
  return (rule ?? '').replace(/^bpmnlint\//, '');
}

export function ruleTitle(rule: string | undefined): string {
  return RULE_TITLES[ruleKey(rule)] ?? ruleKey(rule);
}

/**
 * The Chinese message of one report. `el` names the element (see `elementLabel`); `message`
 * is the rule's own text, read for the details some rules put in it (link names).
 */
export function lintMessageZh(rule: string | undefined, message: string, el: string): string {
  const linkName = /<([^>]*)>/.exec(message)?.[1] ?? '';
  switch (ruleKey(rule)) {
    case 'ad-hoc-sub-process':
      return /Start Event/.test(message) ? `${el}：自由子流程中不能有开始事件` : `${el}：自由子流程中不能有结束事件`;
    case 'conditional-flows':
      return `${el} 缺少条件：从网关或任务分出的多条顺序流，每条（默认流除外）都要写条件`;
    case 'end-event-required':
      return `${el} 缺少结束事件`;
    case 'event-based-gateway':
      return /must have at least 2/.test(message) ? `${el} 至少要有两条出口顺序流` : `${el}：事件网关的出口顺序流不能带条件`;
    case 'event-sub-process-typed-start-event':
      return `${el}：事件子流程的开始事件必须有事件定义（如定时、消息）`;
    case 'fake-join':
      return `${el} 有多条入口顺序流但没有网关汇聚：请用网关汇聚`;
    case 'label-required':
      return `${el} 缺少名称：请在属性「名称」中填写`;
    case 'link-event':
      if (/missing link name/.test(message)) return `${el} 缺少链接名称`;
      if (/^Duplicate/.test(message)) return `${el}：同一范围内有重复的链接捕获事件「${linkName}」`;
      if (/^Link catch/.test(message)) return `${el}：同一范围内没有名为「${linkName}」的链接捕获事件`;
      return `${el}：同一范围内没有名为「${linkName}」的链接抛出事件`;
    case 'no-bpmndi':
      return `${el} 缺少图形信息（BPMNDI），在图上看不到`;
    case 'no-complex-gateway':
      return `${el}：不建议使用复杂网关，请改用排他或并行网关`;
    case 'no-disconnected':
      return `${el} 没有连线：请连接到流程中`;
    case 'no-duplicate-sequence-flows':
      if (/outgoing/.test(message)) return `${el} 有重复的出口顺序流`;
      if (/incoming/.test(message)) return `${el} 有重复的入口顺序流`;
      return `${el} 是重复的顺序流`;
    case 'no-gateway-join-fork':
      return `${el} 同时汇聚和分支：请拆成两个网关`;
    case 'no-implicit-split':
      return `${el} 有多条不带条件的出口顺序流（隐式分支）：请使用网关`;
    case 'no-implicit-end':
      return `${el} 没有出口顺序流（隐式结束）：请连接到结束事件`;
    case 'no-implicit-start':
      return `${el} 没有入口顺序流（隐式开始）：请从开始事件连过来`;
    case 'no-inclusive-gateway':
      return `${el}：不建议使用包容网关，请改用排他或并行网关`;
    case 'no-overlapping-elements':
      return /outside of parent/.test(message) ? `${el} 超出了所在池或子流程的边界` : `${el} 与其他元素重叠`;
    case 'single-blank-start-event':
      return `${el} 有多个空白开始事件：只能有一个`;
    case 'single-event-definition':
      return `${el} 有多个事件定义：只能有一个`;
    case 'start-event-required':
      return `${el} 缺少开始事件`;
    case 'sub-process-blank-start-event':
      return `${el}：子流程的开始事件必须是空白开始事件`;
    case 'superfluous-gateway':
      return `${el} 是多余的网关：只有一个入口和一个出口`;
    case 'superfluous-termination':
      return `${el} 的终止多余：改用普通结束事件即可`;
    case 'svc/user-task-receiver':
      return `${el} 未指定办理人：请设置窗口、候选用户组或办理人`;
    case 'svc/user-task-time-limit':
      return message.startsWith('承诺时限「')
        ? `${el} 的${message}`
        : `${el} 未设置承诺时限：如 5WD（5 个工作日）或 P3D`;
    case 'svc/no-script-task':
      return `${el}：平台不允许脚本任务，请改用用户任务或服务任务`;
    case 'svc/path-reaches-end':
      return `从 ${el} 出发的路径到达不了结束事件`;
    case 'svc/service-task-topic': {
      if (message.startsWith('平台不运行')) return `${el}：平台不运行程序代码，请改为外部任务并设置作业主题`;
      if (message.startsWith('发送任务既设置了作业主题')) return `${el} 既设置了作业主题又设置了消息：请二选一（发送消息，或作为作业运行）`;
      if (message.startsWith('未设置作业主题或消息')) return `${el} 未设置作业主题或消息：请选择要发送的消息，或设为外部任务并选择推送省平台或短信告知申请人`;
      const topic = /^作业主题「([^」]*)」/.exec(message)?.[1];
      if (topic !== undefined) return `${el} 的作业主题「${topic}」没有处理程序：可用的是推送省平台、短信告知申请人`;
      return `${el} 未设置作业主题：请设为外部任务，并选择推送省平台或短信告知申请人`;
    }
    case 'svc/call-activity-target': {
      const called = /流程「([^」]*)」/.exec(message)?.[1];
      if (message.includes('尚未部署')) return `${el} 调用的流程「${called ?? ''}」尚未部署：请先部署被调用的流程`;
      if (message.includes('不是流程标识')) return `${el} 的被调用流程「${called ?? ''}」不是流程标识：不支持表达式`;
      if (message.includes('版本绑定')) return `${el} 的版本绑定不受支持：请选最新版本、部署时版本或指定版本`;
      if (message.includes('未填写版本号')) return `${el} 绑定指定版本，但未填写版本号`;
      return `${el} 未设置被调用的流程：请填写已部署流程的标识`;
    }
    case 'svc/message-name':
      return message.includes('接收方')
        ? `${messageKind(message)}${el} 未设置消息名称：请选择或新建一个有名称的消息，接收方按名称接收`
        : `${messageKind(message)}${el} 未设置消息名称：请选择或新建一个有名称的消息，发送方按名称发送`;
    case 'svc/message-sender': {
      const name = /等待的消息「([^」]*)」/.exec(message)?.[1] ?? '';
      return `${messageKind(message)}${el} 等待的消息「${name}」没有发送方：已部署的流程都不发送该消息；若由外部系统经接口发送，请将「消息来源」设为「外部接口」`;
    }
    case 'svc/message-start-unique': {
      const name = /的消息「([^」]*)」/.exec(message)?.[1] ?? '';
      const other = /已是已部署流程「([^」]*)」/.exec(message)?.[1];
      return other !== undefined
        ? `消息开始事件${el} 的消息「${name}」已是已部署流程「${other}」的消息开始事件：同一消息只能启动一个流程，请改用其他消息名称`
        : `消息开始事件${el} 的消息「${name}」已由本流程的另一个消息开始事件接收：同一消息只能启动一个开始事件`;
    }
    case 'svc/business-rule-decision': {
      const ref = /决策表「([^」]*)」/.exec(message)?.[1] ?? '';
      if (message.includes('尚未部署')) return `${el} 引用的决策表「${ref}」尚未部署：请先部署决策表`;
      if (message.includes('不是决策表标识')) return `${el} 的决策表「${ref}」不是决策表标识：不支持表达式`;
      if (message.includes('版本绑定')) return `${el} 的版本绑定不受支持：请选最新版本或指定版本`;
      if (message.includes('未填写版本号')) return `${el} 绑定指定版本，但未填写版本号`;
      if (message.includes('结果变量')) return `${el} 未设置结果变量：决策结果写入该变量，供后续网关判断`;
      if (message.includes('程序代码')) return `${el}：平台不运行程序代码，请改为引用决策表`;
      return `${el} 未设置决策表：请填写已部署决策表的标识`;
    }
    default:
      return `${el}：${message}`;
  }
}

/** Every moddle element of the definitions with an id, by id (the reports name ids only). */
function indexById(definitions: Any): Map<string, Any> {
  const byId = new Map<string, Any>();
  const seen = new Set<Any>();
  const stack: Any[] = [definitions];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (typeof node.id === 'string' && node.$type) byId.set(node.id, node);
    for (const key of ['rootElements', 'flowElements', 'artifacts', 'participants', 'messageFlows', 'laneSets', 'lanes', 'childLaneSet', 'processRef']) {
      const v = node[key];
      if (Array.isArray(v)) stack.push(...v);
      else if (v && typeof v === 'object') stack.push(v);
    }
  }
  return byId;
}

type Reports = Record<string, Array<{ id: string; message: string; category?: string; label?: string }>>;

/** Rewrites bpmnlint's reports (by rule name) into Chinese naming each element by its label. */
export function rewriteReports(reports: Reports, definitions: Any): Reports {
  const byId = indexById(definitions);
  for (const [rule, list] of Object.entries(reports ?? {})) {
    for (const r of list) {
      const label = elementLabel(byId.get(r.id), r.id);
      r.label = label;
      r.message = lintMessageZh(rule, r.message, label);
    }
  }
  return reports;
}

function ZhLintMessages(this: unknown, linting: Any, bpmnjs: Any) {
  const lint = linting.lint.bind(linting);
  linting.lint = async () => rewriteReports(await lint(), bpmnjs.getDefinitions());
}
ZhLintMessages.$inject = ['linting', 'bpmnjs'];

/** didi module: after bpmn-js-bpmnlint's `linting` (list it after the lint module). */
export const ZhLintMessagesModule = {
  __init__: ['zhLintMessages'],
  zhLintMessages: ['type', ZhLintMessages],
};
