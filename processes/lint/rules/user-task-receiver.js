'use strict';

const { isA, attr } = require('./helpers');

/**
 * user-task-receiver — every user task says who receives it: camunda:assignee,
 * camunda:candidateGroups, camunda:candidateUsers or svc:window (the window /
 * department whose A/B post gets the step). A step without a receiver would
 * land in nobody's inbox.
 */
module.exports = function userTaskReceiver() {
  function check(node, reporter) {
    if (!isA(node, 'bpmn:UserTask')) return;
    const receiver = ['camunda:assignee', 'camunda:candidateGroups', 'camunda:candidateUsers', 'svc:window'].some((name) => attr(node, name) !== undefined);
    if (!receiver) {
      reporter.report(node.id, '用户任务未指定办理人：请设置窗口（svc:window）、候选组或办理人');
    }
  }
  return { check };
};
