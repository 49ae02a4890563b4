'use strict';

const { isA, attr } = require('./helpers');

/** `5WD` (working days) or an ISO-8601 duration such as P5D, PT8H, PT30S, P1DT12H. */
const WORKING_DAYS = /^[1-9]\d{0,2}WD$/;
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function isTimeLimit(value) {
  return WORKING_DAYS.test(value) || ISO_DURATION.test(value);
}

/**
 * user-task-time-limit — every user task carries its promised time limit
 * (svc:timeLimit, 限时办结) in working days (`5WD`) or as an ISO-8601 duration
 * (`P3D`, `PT8H`); the supervision clocks run on it.
 */
module.exports = function userTaskTimeLimit() {
  function check(node, reporter) {
    if (!isA(node, 'bpmn:UserTask')) return;
    const value = attr(node, 'svc:timeLimit');
    if (value === undefined) {
      reporter.report(node.id, '用户任务未设置承诺时限（svc:timeLimit），如 5WD 或 P3D', ['timeLimit']);
    } else if (!isTimeLimit(String(value))) {
      reporter.report(node.id, `承诺时限「${value}」格式不正确：应为工作日（如 5WD）或 ISO-8601 时长（如 P3D、PT30S）`, ['timeLimit']);
    }
  }
  return { check };
};

module.exports.isTimeLimit = isTimeLimit;
