'use strict';

const { isA, attr } = require('./helpers');

/**
 * The process ids a call activity may call: the deployed processes (the designer sets them from
 * GET /api/definitions, the CLI from the files it lints and `--known`). Undefined until set:
 * then only what the diagram alone shows is checked (no called process, an expression, a
 * version binding without a version). The server refuses an unknown one at deploy anyway
 * (422 CALLED_PROCESS_NOT_FOUND).
 */
let knownProcesses;

/** Sets the process ids known to be deployed (or `undefined`: not known). */
function setKnownProcesses(ids) {
  knownProcesses = ids ? new Set(ids) : undefined;
}

/** 「名称」 of a named element, else its id. */
function label(node) {
  const name = typeof node.name === 'string' ? node.name.trim() : '';
  return name ? `「${name}」` : node.id;
}

/** The id of the process the element is in (a process may call itself). */
function ownProcessId(node) {
  let n = node;
  while (n && !isA(n, 'bpmn:Process')) n = n.$parent;
  return n ? n.id : undefined;
}

/**
 * call-activity-target — a call activity (调用活动) names a deployed process by its id
 * (`calledElement`), with binding latest, deployment or version (and then a version number).
 */
module.exports = function callActivityTarget() {
  function check(node, reporter) {
    if (!isA(node, 'bpmn:CallActivity')) return;
    const called = attr(node, 'calledElement');
    const binding = attr(node, 'camunda:calledElementBinding') || 'latest';
    const version = attr(node, 'camunda:calledElementVersion');
    if (!called) {
      reporter.report(node.id, `调用活动${label(node)}未设置被调用的流程：请填写已部署流程的标识`);
    } else if (!/^[A-Za-z_][\w.-]{0,99}$/.test(String(called))) {
      reporter.report(node.id, `调用活动${label(node)}的被调用流程「${called}」不是流程标识：不支持表达式`);
    } else if (binding !== 'latest' && binding !== 'deployment' && binding !== 'version') {
      reporter.report(node.id, `调用活动${label(node)}的版本绑定「${binding}」不受支持：请选最新版本、部署时版本或指定版本`);
    } else if (binding === 'version' && !/^\d{1,6}$/.test(String(version || ''))) {
      reporter.report(node.id, `调用活动${label(node)}绑定指定版本，但未填写版本号`);
    } else if (knownProcesses && !knownProcesses.has(String(called)) && String(called) !== ownProcessId(node)) {
      reporter.report(node.id, `调用活动${label(node)}调用的流程「${called}」尚未部署：请先部署被调用的流程`);
    }
  }
  return { check };
};

module.exports.setKnownProcesses = setKnownProcesses;
