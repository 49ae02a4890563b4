'use strict';

const { attr, label } = require('./helpers');
const { messageUse, flowNodesOf } = require('./message-events');

/**
 * The message names thrown by the deployed processes (the designer sets them from
 * GET /api/definitions, the CLI from the files it lints and `--messages`). Undefined until set:
 * then nothing is reported (a town diagram would otherwise be warned about the city's messages).
 */
let knownThrown;

/** Sets the message names the deployed processes throw (or `undefined`: not known). */
function setKnownMessages(names) {
  knownThrown = names ? new Set(names) : undefined;
}

const ownThrows = new WeakMap();

/** Message names thrown in the definitions `node` is in (cached per definitions). */
function thrownHere(node) {
  const { root, nodes } = flowNodesOf(node);
  if (root && ownThrows.has(root)) return ownThrows.get(root);
  const names = new Set();
  for (const n of nodes) {
    const use = messageUse(n);
    if (use && use.kind === 'throw' && use.name) names.add(use.name);
  }
  if (root) ownThrows.set(root, names);
  return names;
}

/**
 * message-sender — a message catch (中间捕获、边界、接收任务、消息开始) waits for a message that
 * someone sends: a throw or message end event of a deployed process (or of this diagram), or an
 * outside system through POST /api/messages, declared on the element with
 * `svc:messageSender="api"` (消息来源：外部接口). Otherwise the case would wait forever: a warning.
 */
module.exports = function messageSender() {
  function check(node, reporter) {
    if (!knownThrown) return;
    const use = messageUse(node);
    if (!use || use.kind !== 'catch' || !use.name) return;
    if (attr(node, 'svc:messageSender') === 'api') return;
    if (knownThrown.has(use.name) || thrownHere(node).has(use.name)) return;
    reporter.report(node.id, `${use.what}${label(node)}等待的消息「${use.name}」没有发送方：已部署的流程都不发送该消息；若由外部系统经接口发送，请将消息来源设为外部接口`);
  }
  return { check };
};

module.exports.setKnownMessages = setKnownMessages;
