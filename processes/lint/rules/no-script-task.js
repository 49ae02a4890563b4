'use strict';

const { isA } = require('./helpers');

/**
 * no-script-task — the platform never runs code from a diagram; the server
 * refuses script tasks at deploy time (SCRIPT_TASK_REFUSED).
 */
module.exports = function noScriptTask() {
  function check(node, reporter) {
    if (isA(node, 'bpmn:ScriptTask')) {
      reporter.report(node.id, '平台不允许脚本任务：请改用用户任务或服务任务');
    }
  }
  return { check };
};
