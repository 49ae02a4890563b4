'use strict';

const { label } = require('./helpers');
const { messageUse } = require('./message-events');

/**
 * message-name — every message event and receive task names its message (消息名称): senders and
 * receivers correlate by the name (with the business key, the case number). A throw or message end
 * event without one sends nothing anyone can receive; a catch without one waits for nothing. The
 * server refuses both at deploy (as Camunda 7 does).
 */
module.exports = function messageName() {
  function check(node, reporter) {
    const use = messageUse(node);
    if (!use || use.name) return;
    if (use.kind === 'throw') {
      reporter.report(node.id, `${use.what}${label(node)}未设置消息名称：请选择或新建一个有名称的消息，接收方按名称接收`);
    } else {
      reporter.report(node.id, `${use.what}${label(node)}未设置消息名称：请选择或新建一个有名称的消息，发送方按名称发送`);
    }
  }
  return { check };
};
