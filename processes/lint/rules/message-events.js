'use strict';

const { isA, attr } = require('./helpers');

/** The job topic of a service or send task (`svc:jobTopic`, or `camunda:topic` of an external task), if any. */
function jobTopic(node) {
  return attr(node, 'svc:jobTopic') || (attr(node, 'camunda:type') === 'external' ? attr(node, 'camunda:topic') : undefined);
}

/**
 * What a flow node does with messages (消息), for the message rules: `undefined` when nothing;
 * else `{ kind: 'throw' | 'catch', what, message, name }` — `what` the element's kind in Chinese,
 * `message` the referenced `bpmn:Message` (or undefined), `name` its trimmed name (or undefined).
 * A send task with a message (`messageRef`) and no job topic sends it like a throw event (发送任务);
 * one with a job topic runs as a job (svc/service-task-topic).
 */
function messageUse(node) {
  let ref;
  let kind;
  let what;
  if (isA(node, 'bpmn:ReceiveTask')) {
    ref = node.messageRef;
    kind = 'catch';
    what = '接收任务';
  } else if (isA(node, 'bpmn:SendTask')) {
    if (!node.messageRef || jobTopic(node)) return undefined;
    ref = node.messageRef;
    kind = 'throw';
    what = '发送任务';
  } else {
    const def = (node.eventDefinitions || []).find((d) => isA(d, 'bpmn:MessageEventDefinition'));
    if (!def) return undefined;
    ref = def.messageRef;
    if (isA(node, 'bpmn:IntermediateThrowEvent')) [kind, what] = ['throw', '消息抛出事件'];
    else if (isA(node, 'bpmn:EndEvent')) [kind, what] = ['throw', '消息结束事件'];
    else if (isA(node, 'bpmn:StartEvent')) [kind, what] = ['catch', '消息开始事件'];
    else if (isA(node, 'bpmn:BoundaryEvent')) [kind, what] = ['catch', '消息边界事件'];
    else if (isA(node, 'bpmn:IntermediateCatchEvent')) [kind, what] = ['catch', '消息捕获事件'];
    else return undefined;
  }
  const name = ref && typeof ref.name === 'string' && ref.name.trim() ? ref.name.trim() : undefined;
  return { kind, what, message: ref, name };
}

/** The flow nodes of every process of the definitions `node` belongs to (sub-processes included). */
function flowNodesOf(node) {
  let root = node;
  while (root && root.$parent) root = root.$parent;
  const out = [];
  const stack = [...((root && root.rootElements) || [])];
  while (stack.length) {
    const el = stack.pop();
    if (!el) continue;
    if (isA(el, 'bpmn:Participant')) continue;
    for (const child of el.flowElements || []) {
      out.push(child);
      if (child.flowElements) stack.push(child);
    }
  }
  return { root, nodes: out };
}

module.exports = { messageUse, flowNodesOf, jobTopic };
