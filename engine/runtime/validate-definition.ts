/**
 * Deploy-time validation of a BPMN diagram (DESIGN.md §5). A diagram is refused, with the
 * reason, when it is not well-formed, parses with warnings (bpmn-moddle then silently drops
 * elements and the engine stalls), has no single executable process, uses an element the
 * engine cannot run or that would run code (script tasks), needs an inclusive join (not
 * implemented by bpmn-engine, bpmn-elements#46), or carries an expression or timer value
 * that does not parse.
 */
import { BpmnModdle } from 'bpmn-moddle';
import { parse as parseIsoDuration } from 'iso8601-duration';
import { BusinessRuleError, ValidationError } from '../domain/errors';
import type { UserTaskMeta } from '../domain/types';
import { moddleOptions } from './moddle';
import { MAX_XML_DEPTH, xmlDepth } from './xml-depth';

export { MAX_XML_DEPTH, xmlDepth };
import { hasExpression, validateExpressionSyntax } from './expressions';
import { isFeel } from './feel';
import { MAP_DECISION_RESULTS, type MapDecisionResult } from './dmn';
import { RESERVED_VARIABLE_NAMES } from './engine-factory';
import { jobTopicOf } from './engine-factory';
import { KNOWN_JOB_TOPICS, MAX_JOB_RETRIES } from '../domain/service-jobs';

/** Largest diagram accepted, in bytes. */
export const MAX_DIAGRAM_BYTES = 2 * 1024 * 1024;
/** Most flow elements in one diagram. */
export const MAX_FLOW_ELEMENTS = 2000;
/** Most sub-processes nested inside each other. */
export const MAX_SUBPROCESS_DEPTH = 20;

const SUPPORTED = new Set([
  'bpmn:StartEvent',
  'bpmn:EndEvent',
  'bpmn:IntermediateCatchEvent',
  'bpmn:IntermediateThrowEvent',
  'bpmn:BoundaryEvent',
  'bpmn:UserTask',
  'bpmn:ManualTask',
  'bpmn:ReceiveTask',
  'bpmn:Task',
  'bpmn:ExclusiveGateway',
  'bpmn:ParallelGateway',
  'bpmn:InclusiveGateway',
  'bpmn:EventBasedGateway',
  'bpmn:SubProcess',
  'bpmn:ServiceTask',
  'bpmn:SendTask',
  'bpmn:BusinessRuleTask',
  'bpmn:CallActivity',
  'bpmn:SequenceFlow',
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
]);
const SUPPORTED_EVENT_DEFINITIONS = new Set([
  'bpmn:TimerEventDefinition',
  'bpmn:MessageEventDefinition',
  'bpmn:SignalEventDefinition',
  'bpmn:EscalationEventDefinition',
  'bpmn:ErrorEventDefinition',
  'bpmn:TerminateEventDefinition',
]);

export interface ValidatedDefinition {
  processId: string;
  name: string;
  caseCategory?: string;
  itemCode?: string;
  orgLevel?: string;
  userTasks: UserTaskMeta[];
  /** For escalation throw events reached from a boundary event: the step it guards. */
  escalationSources: { elementId: string; taskElementId: string; taskName?: string }[];
  /** Top-level `bpmn:escalation` elements: id → code and name (bpmn-elements passes only the id). */
  escalations: { id: string; code?: string; name?: string }[];
  /** Service and send tasks run as jobs: element, topic, retries (svc:jobRetries, else the platform default). */
  jobTasks: { elementId: string; name?: string; topic: string; retries?: number }[];
  /** Business rule tasks (决策): the decision they evaluate, its binding and how the result is written. */
  decisionTasks: DecisionTaskMeta[];
  /** Call activities (调用活动): the process they call, its binding and the variables passed in and out. */
  callActivities: CallActivityMeta[];
  /** Names of the messages whose arrival starts a new instance (message start events of the process). */
  messageStarts: string[];
  /** The message start events themselves (element, name): what a deploy names when another process starts on the same message. */
  messageStartEvents: { elementId: string; name?: string; messageName: string }[];
  /** Names of the messages the process throws (intermediate throw and message end events), for the designer's lint. */
  thrownMessages: string[];
}

/** One variable mapping of a call activity: `camunda:in`/`camunda:out` with source/target, or all variables. */
export type VariableMapping = { all: true } | { source: string; target: string };

/** A call activity's called process (calledElement …), started as a child instance by the host. */
export interface CallActivityMeta {
  elementId: string;
  name?: string;
  /** The called process id (the key of its deployed diagram). */
  calledElement: string;
  /**
   * `latest` (default): the latest version when the child starts; `version` with {@link version};
   * `deployment`: the version that was latest when this diagram was deployed (pinned by deploy).
   */
  binding: 'latest' | 'deployment' | 'version';
  version?: number;
  /** Variables into the child (`camunda:in`); none when empty, as in Camunda. */
  inputs: VariableMapping[];
  /** Variables back to the caller (`camunda:out`); none when empty. */
  outputs: VariableMapping[];
  /** How many of the diagram's user tasks come before it (document order): where the called process's steps go in the path. */
  stepIndex?: number;
  /**
   * Multi-instance (多实例, 联办件): one called instance per element of `collection` (a `${…}`
   * expression naming a list), the element in `elementVariable` (passed in like a variable of the
   * caller), or `cardinality` instances; `sequential` one after another, else in parallel. The
   * out-mapped variables come back as lists in loop order.
   */
  loop?: { sequential: boolean; collection?: string; elementVariable?: string; cardinality?: string };
}

/** A business rule task's decision (camunda:decisionRef …), evaluated inside the command. */
export interface DecisionTaskMeta {
  elementId: string;
  name?: string;
  decisionRef: string;
  /** `latest` (default) or `version` with {@link version}. */
  binding: 'latest' | 'version';
  version?: number;
  resultVariable: string;
  mapDecisionResult: MapDecisionResult;
}

interface Problem {
  elementId?: string;
  message: string;
  /** The message names the element itself (in Chinese, by its name): the detail does not put the raw id before it. */
  named?: boolean;
}

/**
 * A business rule task as a Chinese message names it: 业务规则任务「名称」 — by its name; by its id only
 * when it has none (业务规则任务 Activity_0x1y2z , as the designer's lint names an unnamed element).
 */
export function businessRuleTaskLabel(el: { id: string; name?: string }): string {
  const name = typeof el.name === 'string' ? el.name.trim() : '';
  return name ? `业务规则任务「${name}」` : `业务规则任务 ${el.id} `;
}

function splitList(v: unknown): string[] {
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function checkExpressionText(problems: Problem[], elementId: string, what: string, text: unknown) {
  if (typeof text !== 'string' || !hasExpression(text)) return;
  try {
    validateExpressionSyntax(text);
  } catch (err) {
    problems.push({ elementId, message: `${what}: ${(err as Error).message}` });
  }
}

/**
 * A multi-instance completion condition (多实例完成条件, e.g. `${nrOfCompletedInstances >= 2}` or
 * `= nrOfCompletedInstances >= 2`): a `${…}` expression or FEEL, checked like a flow's condition.
 * Plain text would be a non-empty string, true at the first completed instance; a script language
 * never runs here. Evaluated by expressions.ts with nrOfInstances, nrOfCompletedInstances,
 * nrOfActiveInstances and loopCounter (Camunda's names) over the process variables.
 */
function checkCompletionCondition(problems: Problem[], elementId: string, cond: any) {
  const lang = typeof cond.language === 'string' ? cond.language.toLowerCase() : undefined;
  const body = String(cond.body ?? '').trim();
  if (lang && lang !== 'juel' && lang !== 'expression' && lang !== 'feel') {
    problems.push({ elementId, message: `completion condition language "${String(cond.language).slice(0, 40)}" is not supported (no scripts run on this platform); use \${nrOfCompletedInstances >= 2} or FEEL "= nrOfCompletedInstances >= 2"` });
  } else if (!body) {
    problems.push({ elementId, message: 'the multi-instance completion condition is empty: remove it or write one such as ${nrOfCompletedInstances >= 2}' });
  } else if (isFeel(body)) {
    checkExpressionText(problems, elementId, 'FEEL completion condition', body);
  } else if (lang === 'feel' || !/^\$\{[\s\S]*\}$/.test(body)) {
    problems.push({ elementId, message: `completion condition "${body.slice(0, 80)}" must be a single \${…} expression or a FEEL expression "= …" (plain text would end the loop at the first completed instance)` });
  } else checkExpressionText(problems, elementId, 'completion condition', body);
}

function checkTimerValue(problems: Problem[], elementId: string, kind: string, body: unknown) {
  if (typeof body !== 'string' || !body.trim()) {
    problems.push({ elementId, message: `timer ${kind} is empty` });
    return;
  }
  const text = body.trim();
  if (hasExpression(text)) return checkExpressionText(problems, elementId, `timer ${kind}`, text);
  if (kind === 'timeDuration') {
    try {
      parseIsoDuration(text);
    } catch {
      problems.push({ elementId, message: `timer duration "${text}" is not an ISO-8601 duration such as PT5S or P3D` });
    }
  } else if (kind === 'timeDate') {
    if (Number.isNaN(Date.parse(text))) problems.push({ elementId, message: `timer date "${text}" is not an ISO-8601 date-time` });
  } else if (kind === 'timeCycle') {
    if (!/^R\d*\/.+/.test(text)) problems.push({ elementId, message: `timer cycle "${text}" is not an ISO-8601 repeating interval such as R3/PT10M` });
  }
}

/**
 * Parses and validates `xml`.
 * @throws ValidationError (BPMN_TOO_LARGE, BPMN_MALFORMED) for input that is not a BPMN document
 * @throws BusinessRuleError (BPMN_WARNINGS, NO_EXECUTABLE_PROCESS, SCRIPT_TASK_REFUSED,
 *   UNSUPPORTED_ELEMENT, INCLUSIVE_JOIN_UNSUPPORTED, INVALID_EXPRESSION) for a diagram we will not run
 */
export async function validateDefinition(xml: string): Promise<ValidatedDefinition> {
  if (Buffer.byteLength(xml, 'utf8') > MAX_DIAGRAM_BYTES) {
    throw new ValidationError('BPMN_TOO_LARGE', `diagram is larger than ${MAX_DIAGRAM_BYTES} bytes`);
  }
  if (!xml.trim().startsWith('<')) throw new ValidationError('BPMN_MALFORMED', 'body is not an XML document');
  // a DOCTYPE is where entity bombs and external entities (SYSTEM "file:///…") live; no modeler
  // writes one, so none reaches a parser (before, the parser's own warnings happened to refuse them)
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new BusinessRuleError('BPMN_DOCTYPE_REFUSED', 'diagrams may not declare a DOCTYPE or entities (XML bombs and external entities are refused)');
  }
  if (xmlDepth(xml, MAX_XML_DEPTH) > MAX_XML_DEPTH) {
    throw new BusinessRuleError('BPMN_TOO_DEEP', `diagram elements are nested deeper than ${MAX_XML_DEPTH} levels; the limit is ${MAX_XML_DEPTH}`, { limit: MAX_XML_DEPTH });
  }
  const moddle = new BpmnModdle(moddleOptions as any);
  let parsed: any;
  try {
    parsed = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (err) {
    throw new ValidationError('BPMN_MALFORMED', `diagram is not well-formed BPMN 2.0 XML: ${(err as Error).message.split('\n')[0]}`);
  }
  const warnings: any[] = parsed.warnings ?? [];
  if (warnings.length) {
    throw new BusinessRuleError('BPMN_WARNINGS', `diagram has ${warnings.length} parse warning(s); elements would be dropped: ${warnings.slice(0, 5).map((w) => w.message).join('; ')}`, {
      warnings: warnings.slice(0, 20).map((w) => String(w.message)),
    });
  }
  const definitions = parsed.rootElement;
  const processes = (definitions.rootElements ?? []).filter((e: any) => e.$type === 'bpmn:Process');
  const executable = processes.filter((p: any) => p.isExecutable);
  if (executable.length === 0) {
    throw new BusinessRuleError('NO_EXECUTABLE_PROCESS', 'diagram has no executable process (set isExecutable="true" on the process)');
  }
  if (executable.length > 1) {
    throw new BusinessRuleError('MULTIPLE_EXECUTABLE_PROCESSES', `diagram has ${executable.length} executable processes; deploy one per file`);
  }
  const proc = executable[0];
  const problems: Problem[] = [];
  const userTasks: UserTaskMeta[] = [];
  const jobTasks: ValidatedDefinition['jobTasks'] = [];
  const decisionTasks: DecisionTaskMeta[] = [];
  const callActivities: CallActivityMeta[] = [];
  const messageStarts = new Set<string>();
  const messageStartEvents: ValidatedDefinition['messageStartEvents'] = [];
  const thrownMessages = new Set<string>();
  const boundaryToTask = new Map<string, { id: string; name?: string }>();
  const incomingCount = new Map<string, number>();
  const outgoing = new Map<string, string[]>();
  let count = 0;

  // iterative (a stack of containers), so no nesting can overflow the call stack
  const containers: { container: any; depth: number }[] = [{ container: proc, depth: 0 }];
  while (containers.length) {
    const { container, depth } = containers.pop()!;
    if (depth > MAX_SUBPROCESS_DEPTH) {
      problems.push({ elementId: container.id, message: `sub-processes are nested deeper than ${MAX_SUBPROCESS_DEPTH} levels; the limit is ${MAX_SUBPROCESS_DEPTH}` });
      break;
    }
    for (const el of container.flowElements ?? []) {
      count++;
      const type: string = el.$type;
      if (type === 'bpmn:SequenceFlow') {
        incomingCount.set(el.targetRef?.id, (incomingCount.get(el.targetRef?.id) ?? 0) + 1);
        outgoing.set(el.sourceRef?.id, [...(outgoing.get(el.sourceRef?.id) ?? []), el.targetRef?.id]);
        const cond = el.conditionExpression;
        if (cond) {
          const lang = cond.language?.toLowerCase();
          const body = String(cond.body ?? '').trim();
          if (lang && lang !== 'juel' && lang !== 'expression' && lang !== 'feel') {
            problems.push({ elementId: el.id, message: `condition language "${cond.language}" is not supported (no scripts run on this platform); use a FEEL "= …" or a \${…} expression` });
          } else if (lang === 'feel' && !isFeel(body)) {
            problems.push({ elementId: el.id, message: `FEEL condition "${body.slice(0, 80)}" must start with "=" (e.g. "= amount > 1000")` });
          } else if (isFeel(body)) {
            checkExpressionText(problems, el.id, 'FEEL condition', body);
          } else if (!/^\$\{[\s\S]*\}$/.test(body)) {
            problems.push({ elementId: el.id, message: `condition "${body.slice(0, 80)}" must be a single \${…} expression or a FEEL expression "= …" (plain text would always be true)` });
          } else checkExpressionText(problems, el.id, 'condition', body);
        }
        continue;
      }
      if (type === 'bpmn:ScriptTask') {
        problems.push({ elementId: el.id, message: 'script tasks are refused: diagrams never run code on this platform' });
        continue;
      }
      if (!SUPPORTED.has(type)) {
        problems.push({ elementId: el.id, message: `${type.replace('bpmn:', '')} is not supported by the engine` });
        continue;
      }
      if (el.loopCharacteristics?.$type === 'bpmn:StandardLoopCharacteristics') {
        problems.push({ elementId: el.id, message: 'standard loops are not supported; use multi-instance' });
      }
      if (el.loopCharacteristics?.$type === 'bpmn:MultiInstanceLoopCharacteristics' && el.loopCharacteristics.completionCondition) {
        checkCompletionCondition(problems, el.id, el.loopCharacteristics.completionCondition);
      }
      for (const def of el.eventDefinitions ?? []) {
        if (!SUPPORTED_EVENT_DEFINITIONS.has(def.$type)) {
          problems.push({ elementId: el.id, message: `${def.$type.replace('bpmn:', '')} is not supported by the engine` });
        }
        if (def.$type === 'bpmn:TimerEventDefinition') {
          const kinds = ['timeDuration', 'timeDate', 'timeCycle'].filter((k) => def[k]);
          if (kinds.length !== 1) problems.push({ elementId: el.id, message: 'a timer needs exactly one of timeDuration, timeDate, timeCycle' });
          for (const k of kinds) checkTimerValue(problems, el.id, k, def[k].body);
          if (kinds.includes('timeCycle') && !(type === 'bpmn:BoundaryEvent' && el.cancelActivity === false)) {
            problems.push({ elementId: el.id, message: 'cycle timers repeat only on non-interrupting boundary events' });
          }
        }
      }
      // messages correlate by name (with the business key): a throw without one reaches nobody, a
      // catch without one waits forever (Camunda 7 refuses both as well)
      // a send task with a message and no job topic sends it like a message throw event (发送任务)
      const sendsMessage = type === 'bpmn:SendTask' && !!el.messageRef && !jobTopicOf(el);
      const messageDef = type === 'bpmn:ReceiveTask' || sendsMessage ? el : (el.eventDefinitions ?? []).find((d: any) => d.$type === 'bpmn:MessageEventDefinition');
      const throwing = type === 'bpmn:IntermediateThrowEvent' || type === 'bpmn:EndEvent' || type === 'bpmn:SendTask';
      const messageName = typeof messageDef?.messageRef?.name === 'string' ? messageDef.messageRef.name.trim() : '';
      if (messageDef && messageName) {
        if (throwing) thrownMessages.add(messageName);
        else if (type === 'bpmn:StartEvent' && depth === 0) {
          // one message starts one process (Camunda 7 refuses two message start events of a name too)
          const twin = messageStartEvents.find((m) => m.messageName === messageName);
          if (twin) problems.push({ elementId: el.id, message: `message start event of "${messageName}" twice (also ${twin.elementId}): a message starts one start event` });
          messageStarts.add(messageName);
          messageStartEvents.push({ elementId: el.id, ...(el.name ? { name: String(el.name) } : {}), messageName });
        }
      }
      if (messageDef && !messageName) {
        problems.push({
          elementId: el.id,
          message: `${el.name ? `"${String(el.name).slice(0, 40)}" ` : ''}${throwing ? 'throws' : 'waits for'} a message without a name: set messageRef to a bpmn:message with a name (${throwing ? 'receivers' : 'senders'} correlate by it)`,
        });
      }
      if (type === 'bpmn:ServiceTask' || type === 'bpmn:SendTask') {
        const kind = type === 'bpmn:ServiceTask' ? 'service task' : 'send task';
        const topic = jobTopicOf(el);
        if (el.class || el.delegateExpression || el.expression || el.implementation && el.implementation !== '##WebService' && !topic) {
          problems.push({ elementId: el.id, message: `${kind} with camunda:class, delegateExpression, expression or an implementation is not supported (diagrams never run code here); use camunda:type="external" with camunda:topic` });
        } else if (type === 'bpmn:SendTask' && el.messageRef && topic) {
          problems.push({ elementId: el.id, message: `send task has a job topic "${topic.slice(0, 80)}" and a message: choose one (send the message, or run the topic as a job)` });
        } else if (sendsMessage) {
          // a message sender: its message name is checked with the message events above
        } else if (!topic && type === 'bpmn:SendTask') {
          problems.push({ elementId: el.id, message: `send task has neither a message nor a job topic: set messageRef to a bpmn:message with a name (sent like a message throw event), or camunda:type="external" and camunda:topic (or svc:jobTopic) to one of ${KNOWN_JOB_TOPICS.join(', ')}` });
        } else if (!topic) {
          problems.push({ elementId: el.id, message: `${kind} has no job topic: set camunda:type="external" and camunda:topic (or svc:jobTopic) to one of ${KNOWN_JOB_TOPICS.join(', ')}` });
        } else if (!KNOWN_JOB_TOPICS.includes(topic)) {
          problems.push({ elementId: el.id, message: `${kind} topic "${topic.slice(0, 80)}" has no handler on this platform (known topics: ${KNOWN_JOB_TOPICS.join(', ')})` });
        } else {
          let retries: number | undefined;
          if (el.jobRetries !== undefined) {
            retries = /^\d{1,3}$/.test(String(el.jobRetries).trim()) ? Number(String(el.jobRetries).trim()) : NaN;
            if (!(retries >= 1 && retries <= MAX_JOB_RETRIES)) problems.push({ elementId: el.id, message: `svc:jobRetries "${String(el.jobRetries).slice(0, 20)}" must be a whole number from 1 to ${MAX_JOB_RETRIES}` });
          }
          jobTasks.push({ elementId: el.id, name: el.name || undefined, topic, ...(retries !== undefined && retries >= 1 ? { retries } : {}) });
        }
        if (el.loopCharacteristics) problems.push({ elementId: el.id, message: `multi-instance ${kind}s are not supported yet` });
      }
      if (type === 'bpmn:BusinessRuleTask') {
        // said in Chinese naming the task by its name, as the designer's lint says it (svc/business-rule-decision)
        const task = businessRuleTaskLabel(el);
        const problem = (message: string) => problems.push({ elementId: el.id, message: `${task}${message}`, named: true });
        const ref = typeof el.decisionRef === 'string' ? el.decisionRef.trim() : '';
        const binding = String(el.decisionRefBinding ?? 'latest').trim() || 'latest';
        const rawVersion = el.decisionRefVersion === undefined ? undefined : String(el.decisionRefVersion).trim();
        const mapping = String(el.mapDecisionResult ?? 'resultList').trim() || 'resultList';
        const resultVariable = typeof el.resultVariable === 'string' ? el.resultVariable.trim() : '';
        if (el.class || el.delegateExpression || el.expression || el.type || el.topic || el.jobTopic) problem('不运行程序代码（平台上的流程图从不运行代码，不支持 camunda:class、delegateExpression、expression 或外部任务主题）：请改为引用决策表（camunda:decisionRef）');
        else if (!ref) problem('未设置决策表：请填写已部署决策表的标识（camunda:decisionRef）');
        else if (!/^[A-Za-z_][\w.-]{0,99}$/.test(ref)) problem(`的决策表「${ref.slice(0, 80)}」不是决策表标识：不支持表达式或带空格的名称，请填写已部署决策表的标识`);
        else if (binding !== 'latest' && binding !== 'version') problem(`的版本绑定「${binding.slice(0, 40)}」不受支持：请选最新版本（latest）或指定版本（version）`);
        else if (binding === 'version' && !(rawVersion && /^\d{1,6}$/.test(rawVersion) && Number(rawVersion) >= 1)) problem('绑定指定版本，但未填写版本号（camunda:decisionRefVersion）');
        else if (!MAP_DECISION_RESULTS.includes(mapping as MapDecisionResult)) problem(`的结果映射「${mapping.slice(0, 40)}」不受支持：可选 ${MAP_DECISION_RESULTS.join('、')}`);
        else if (!/^[\p{L}_][\p{L}\p{N}_]{0,99}$/u.test(resultVariable) || RESERVED_VARIABLE_NAMES.has(resultVariable)) problem(resultVariable ? `的结果变量「${resultVariable.slice(0, 40)}」不可用：请填写由字母、数字或下划线组成的变量名（camunda:resultVariable）` : '未设置结果变量：决策结果写入该变量，供后续网关判断（camunda:resultVariable）');
        else {
          decisionTasks.push({
            elementId: el.id,
            ...(el.name ? { name: el.name } : {}),
            decisionRef: ref,
            binding,
            ...(binding === 'version' ? { version: Number(rawVersion) } : {}),
            resultVariable,
            mapDecisionResult: mapping as MapDecisionResult,
          });
        }
        if (el.loopCharacteristics) problem('不支持多实例：请去掉多实例设置');
      }
      if (type === 'bpmn:CallActivity') {
        const problem = (message: string) => problems.push({ elementId: el.id, message });
        const ref = typeof el.calledElement === 'string' ? el.calledElement.trim() : '';
        const binding = String(el.calledElementBinding ?? 'latest').trim() || 'latest';
        const rawVersion = el.calledElementVersion === undefined ? undefined : String(el.calledElementVersion).trim();
        const inputs: VariableMapping[] = [];
        const outputs: VariableMapping[] = [];
        const before = problems.length;
        for (const x of el.extensionElements?.values ?? []) {
          if (x.$type !== 'camunda:In' && x.$type !== 'camunda:Out') continue;
          const dir = x.$type === 'camunda:In' ? 'camunda:in' : 'camunda:out';
          const list = x.$type === 'camunda:In' ? inputs : outputs;
          // Camunda Modeler's "business key" checkbox: the child always gets the caller's business key (case number) here
          if (x.$type === 'camunda:In' && x.businessKey !== undefined) continue;
          if (x.sourceExpression !== undefined) {
            problem(`${dir} with sourceExpression is not supported; map a variable with source and target`);
            continue;
          }
          if (x.variables !== undefined) {
            if (String(x.variables).trim() !== 'all') problem(`${dir} variables="${String(x.variables).slice(0, 20)}" is not supported (only variables="all")`);
            else list.push({ all: true });
            continue;
          }
          const source = typeof x.source === 'string' ? x.source.trim() : '';
          const target = typeof x.target === 'string' && x.target.trim() ? x.target.trim() : source;
          const plain = (v: string) => /^[\p{L}_][\p{L}\p{N}_]{0,99}$/u.test(v) && !RESERVED_VARIABLE_NAMES.has(v);
          if (!plain(source) || !plain(target)) problem(`${dir} needs source and target, plain variable names (letters, digits, _)`);
          else list.push({ source, target });
        }
        let loop: CallActivityMeta['loop'];
        const lc = el.loopCharacteristics;
        if (lc && lc.$type !== 'bpmn:MultiInstanceLoopCharacteristics') problem('only multi-instance loops are supported on a call activity');
        else if (lc) {
          const collection = typeof lc.collection === 'string' ? lc.collection.trim() : '';
          const elementVariable = typeof lc.elementVariable === 'string' ? lc.elementVariable.trim() : '';
          const cardinality = typeof lc.loopCardinality?.body === 'string' ? lc.loopCardinality.body.trim() : '';
          const plain = (v: string) => /^[\p{L}_][\p{L}\p{N}_]{0,99}$/u.test(v) && !RESERVED_VARIABLE_NAMES.has(v);
          // a completion condition (checked above for every multi-instance element) ends the loop early: the
          // iterations still waiting are discarded, their called instances cancelled (call-links.ts)
          if (collection) {
            if (!/^\$\{[\s\S]+\}$/.test(collection)) problem(`camunda:collection "${collection.slice(0, 60)}" must be a \${…} expression naming a list, such as \${departments}`);
            else checkExpressionText(problems, el.id, 'camunda:collection', collection);
            if (elementVariable && !plain(elementVariable)) problem(`camunda:elementVariable "${elementVariable.slice(0, 60)}" must be a plain variable name (letters, digits, _)`);
            loop = { sequential: !!lc.isSequential, collection, elementVariable: elementVariable || 'item' };
          } else if (cardinality) {
            if (!/^\d{1,3}$/.test(cardinality)) checkExpressionText(problems, el.id, 'loopCardinality', cardinality);
            loop = { sequential: !!lc.isSequential, cardinality };
          } else problem('a multi-instance call activity needs camunda:collection (with camunda:elementVariable) or a loop cardinality');
        }
        if (!ref) problem('call activity has no called process: set calledElement to the id of a deployed process');
        else if (!/^[A-Za-z_][\w.-]{0,99}$/.test(ref)) problem(`calledElement "${ref.slice(0, 80)}" is not a process id (an expression or a name with spaces is not supported)`);
        else if (binding !== 'latest' && binding !== 'version' && binding !== 'deployment') problem(`camunda:calledElementBinding "${binding.slice(0, 40)}" is not supported (latest, deployment or version)`);
        else if (binding === 'version' && !(rawVersion && /^\d{1,6}$/.test(rawVersion) && Number(rawVersion) >= 1)) problem('camunda:calledElementBinding="version" needs camunda:calledElementVersion, a version number');
        else if (el.calledElementTenantId || el.caseRef) problem('call activity with a tenant or a CMMN case reference is not supported');
        else if (problems.length === before) {
          callActivities.push({
            elementId: el.id,
            ...(el.name ? { name: el.name } : {}),
            calledElement: ref,
            binding,
            ...(binding === 'version' ? { version: Number(rawVersion) } : {}),
            inputs,
            outputs,
            stepIndex: userTasks.length,
            ...(loop ? { loop } : {}),
          });
        }
      }
      if (type === 'bpmn:BoundaryEvent' && el.attachedToRef) {
        boundaryToTask.set(el.id, { id: el.attachedToRef.id, name: el.attachedToRef.name });
      }
      if (type === 'bpmn:UserTask') {
        for (const [what, v] of [
          ['assignee', el.assignee],
          ['candidateGroups', el.candidateGroups],
          ['candidateUsers', el.candidateUsers],
          ['dueDate', el.dueDate],
        ] as const) {
          checkExpressionText(problems, el.id, what, v);
        }
        userTasks.push({
          elementId: el.id,
          name: el.name ?? el.id,
          candidateGroups: splitList(el.candidateGroups),
          candidateUsers: splitList(el.candidateUsers),
          assignee: el.assignee || undefined,
          dueDate: el.dueDate || undefined,
          formKey: el.formKey || undefined,
          timeLimit: el.timeLimit || undefined,
          window: el.window || undefined,
          orgLevel: el.orgLevel || undefined,
          stepKind: el.stepKind || undefined,
        });
      }
      if (type === 'bpmn:SubProcess') containers.push({ container: el, depth: depth + 1 });
    }
  }
  for (const el of proc.flowElements ?? []) {
    if (el.$type === 'bpmn:InclusiveGateway' && (incomingCount.get(el.id) ?? 0) > 1) {
      problems.push({ elementId: el.id, message: 'inclusive gateway joins are not supported by the engine; join with a parallel gateway' });
    }
  }
  // 退回: a user task followed by an exclusive gateway with a `decision == 'return'` flow can be
  // returned to that flow's target (the earlier step); the inbox offers "return" only then.
  const byId = new Map<string, any>((proc.flowElements ?? []).map((e: any) => [e.id, e]));
  for (const t of userTasks) {
    const el = byId.get(t.elementId);
    for (const out of el?.outgoing ?? []) {
      const gw = out.targetRef;
      if (gw?.$type !== 'bpmn:ExclusiveGateway') continue;
      const decisions = new Set<string>();
      for (const f of gw.outgoing ?? []) {
        const body = String(f.conditionExpression?.body ?? '');
        if (/decision\s*={1,3}\s*['"]return['"]/.test(body)) t.returnTo = f.targetRef?.id;
        for (const m of body.matchAll(/decision\s*={1,3}\s*['"]([a-z-]{1,20})['"]/g)) decisions.add(m[1]!);
      }
      if (decisions.size) t.decisions = ['approve', ...[...decisions].filter((d) => d !== 'approve')];
    }
  }
  if (count > MAX_FLOW_ELEMENTS) problems.push({ message: `diagram has ${count} elements; the limit is ${MAX_FLOW_ELEMENTS}` });
  if (!(proc.flowElements ?? []).some((e: any) => e.$type === 'bpmn:StartEvent')) problems.push({ elementId: proc.id, message: 'process has no start event' });

  if (problems.length) {
    const first = problems[0];
    const code = first.message.startsWith('script tasks')
      ? 'SCRIPT_TASK_REFUSED'
      : first.message.includes('inclusive gateway joins')
        ? 'INCLUSIVE_JOIN_UNSUPPORTED'
        : first.message.includes('not supported by the engine')
          ? 'UNSUPPORTED_ELEMENT'
          : 'INVALID_DIAGRAM';
    throw new BusinessRuleError(
      code,
      problems
        .slice(0, 10)
        .map((p) => (p.elementId && !p.named ? `${p.elementId}: ${p.message}` : p.message))
        .join('; '),
      { problems: problems.slice(0, 50) },
    );
  }

  // Escalation throw events reached (directly or through plain flow nodes) from a boundary event.
  const escalationSources: ValidatedDefinition['escalationSources'] = [];
  for (const [boundaryId, task] of boundaryToTask) {
    const seen = new Set<string>();
    const queue = [...(outgoing.get(boundaryId) ?? [])];
    while (queue.length) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const el = (proc.flowElements ?? []).find((e: any) => e.id === id);
      if (!el) continue;
      if ((el.eventDefinitions ?? []).some((d: any) => d.$type === 'bpmn:EscalationEventDefinition')) {
        escalationSources.push({ elementId: id, taskElementId: task.id, taskName: task.name });
      }
      if (seen.size < 50) queue.push(...(outgoing.get(id) ?? []));
    }
  }

  const escalations = (definitions.rootElements ?? [])
    .filter((e: any) => e.$type === 'bpmn:Escalation')
    .map((e: any) => ({ id: e.id, code: e.escalationCode || undefined, name: e.name || undefined }));

  return {
    escalations,
    processId: proc.id,
    name: proc.name ?? proc.id,
    caseCategory: proc.caseCategory,
    itemCode: proc.itemCode,
    orgLevel: proc.orgLevel,
    userTasks,
    escalationSources,
    jobTasks,
    decisionTasks,
    callActivities,
    messageStarts: [...messageStarts],
    messageStartEvents,
    thrownMessages: [...thrownMessages],
  };
}
