'use strict';

const { isA, attr } = require('./helpers');

/**
 * Topics the platform has job handlers for (engine/domain/service-jobs.ts KNOWN_JOB_TOPICS; the
 * server refuses any other at deploy). Kept here too: the rules are dependency-free.
 */
const KNOWN_TOPICS = ['provincial-feed', 'applicant-notification'];

/**
 * service-task-topic — a service or send task runs as a job (作业): it needs
 * `camunda:type="external"` with `camunda:topic`, or `svc:jobTopic`, naming a topic the
 * platform has a handler for. Java delegates (`camunda:class`, `delegateExpression`,
 * `expression`) never run here. A send task may instead send a message (`messageRef`, no topic):
 * it is then a message sender (svc/message-name checks its name); both at once is refused.
 */
module.exports = function serviceTaskTopic() {
  function check(node, reporter) {
    if (!isA(node, 'bpmn:ServiceTask') && !isA(node, 'bpmn:SendTask')) return;
    const own = attr(node, 'svc:jobTopic');
    const camunda = attr(node, 'camunda:type') === 'external' ? attr(node, 'camunda:topic') : undefined;
    const topic = own || camunda;
    const sendsMessage = isA(node, 'bpmn:SendTask') && !!node.messageRef;
    if (attr(node, 'camunda:class') || attr(node, 'camunda:delegateExpression') || attr(node, 'camunda:expression')) {
      reporter.report(node.id, '平台不运行 Java 委托：请改为外部任务（camunda:type="external"）并设置主题');
    } else if (sendsMessage && topic) {
      reporter.report(node.id, `发送任务既设置了作业主题「${topic}」又设置了消息：请二选一（发送消息，或作为作业运行）`);
    } else if (sendsMessage) {
      return;
    } else if (!topic && isA(node, 'bpmn:SendTask')) {
      reporter.report(node.id, `未设置作业主题或消息：发送任务要么发送一个消息（选择消息），要么作为作业运行（camunda:type="external" 与 camunda:topic，可用主题：${KNOWN_TOPICS.join('、')}）`);
    } else if (!topic) {
      reporter.report(node.id, `未设置作业主题：请设置 camunda:type="external" 与 camunda:topic（或 svc:jobTopic），可用主题：${KNOWN_TOPICS.join('、')}`);
    } else if (!KNOWN_TOPICS.includes(topic)) {
      reporter.report(node.id, `作业主题「${topic}」没有处理程序，可用主题：${KNOWN_TOPICS.join('、')}`);
    }
  }
  return { check };
};

module.exports.KNOWN_TOPICS = KNOWN_TOPICS;
