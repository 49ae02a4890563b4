'use strict';

const { isA, label } = require('./helpers');
const { messageUse, flowNodesOf } = require('./message-events');

/**
 * The message names the deployed processes start on, with the process id (key) of each (the
 * designer sets them from GET /api/definitions `messageStarts`, the CLI from the files it lints and
 * `--message-starts=name@key`). Undefined until set: then only the diagram itself is checked.
 */
let knownStarts;

/**
 * Sets the message start names of the deployed processes: `[{ name, key }]` (or `undefined`: not
 * known). A process's own key is ignored (a new version of it may keep its message start).
 */
function setKnownMessageStarts(entries) {
  if (!entries) {
    knownStarts = undefined;
    return;
  }
  knownStarts = new Map();
  for (const e of entries) {
    if (!e || typeof e.name !== 'string' || typeof e.key !== 'string') continue;
    const keys = knownStarts.get(e.name) || new Set();
    keys.add(e.key);
    knownStarts.set(e.name, keys);
  }
}

/** The process the element is directly in (undefined inside a sub-process: no message start there). */
function processOf(node) {
  const parent = node.$parent;
  return parent && isA(parent, 'bpmn:Process') ? parent : undefined;
}

/**
 * message-start-unique — a message starts one process (消息开始事件): the name of a message start
 * event is not the message start of another deployed process (the server refuses the deploy with
 * 422 MESSAGE_START_TAKEN, naming the other process), nor of another start event of this process.
 */
module.exports = function messageStartUnique() {
  function check(node, reporter) {
    if (!isA(node, 'bpmn:StartEvent')) return;
    const use = messageUse(node);
    const proc = processOf(node);
    if (!use || !use.name || !proc) return;
    // another message start event of this process on the same name (the first one is not reported)
    const twin = (proc.flowElements || []).find((n) => n !== node && isA(n, 'bpmn:StartEvent') && (messageUse(n) || {}).name === use.name);
    if (twin && (proc.flowElements || []).indexOf(twin) < (proc.flowElements || []).indexOf(node)) {
      reporter.report(node.id, `消息开始事件${label(node)}的消息「${use.name}」已由本流程的消息开始事件${label(twin)}接收：同一消息只能启动一个开始事件`);
      return;
    }
    const others = [...((knownStarts && knownStarts.get(use.name)) || [])].filter((k) => k !== proc.id);
    // processes of the diagrams linted together (the CLI) count as deployed
    const { nodes } = flowNodesOf(node);
    for (const n of nodes) {
      if (n === node || !isA(n, 'bpmn:StartEvent')) continue;
      const p = processOf(n);
      if (p && p.id !== proc.id && (messageUse(n) || {}).name === use.name && !others.includes(p.id)) others.push(p.id);
    }
    if (others.length) {
      reporter.report(node.id, `消息开始事件${label(node)}的消息「${use.name}」已是已部署流程「${others.sort().join('、')}」的消息开始事件：同一消息只能启动一个流程，请改用其他消息名称`);
    }
  }
  return { check };
};

module.exports.setKnownMessageStarts = setKnownMessageStarts;
