'use strict';

const { isA, attr, label } = require('./helpers');

/**
 * The decision ids deployed (the designer sets them from GET /api/decisions, the CLI from
 * `--decisions` and the .dmn files it is given). Undefined until set: then only what the diagram
 * shows is checked. The server refuses an undeployed one at deploy anyway (422 DECISION_NOT_FOUND).
 */
let knownDecisions;

/** Sets the decision ids known to be deployed (or `undefined`: not known). */
function setKnownDecisions(ids) {
  knownDecisions = ids ? new Set(ids) : undefined;
}

/**
 * business-rule-decision — a business rule task (业务规则任务) evaluates a deployed decision table
 * (`camunda:decisionRef`, binding latest or version) into a result variable
 * (`camunda:resultVariable`); it never runs code (class, expression, delegate, external topic).
 */
module.exports = function businessRuleDecision() {
  function check(node, reporter) {
    if (!isA(node, 'bpmn:BusinessRuleTask')) return;
    const ref = attr(node, 'camunda:decisionRef');
    const binding = attr(node, 'camunda:decisionRefBinding') || 'latest';
    const version = attr(node, 'camunda:decisionRefVersion');
    const result = attr(node, 'camunda:resultVariable');
    const el = label(node);
    if (['camunda:class', 'camunda:delegateExpression', 'camunda:expression', 'camunda:type', 'camunda:topic'].some((a) => attr(node, a) !== undefined)) {
      reporter.report(node.id, `业务规则任务${el}不运行程序代码：请改为引用决策表`);
    } else if (!ref) {
      reporter.report(node.id, `业务规则任务${el}未设置决策表：请填写已部署决策表的标识`);
    } else if (!/^[A-Za-z_][\w.-]{0,99}$/.test(String(ref))) {
      reporter.report(node.id, `业务规则任务${el}的决策表「${ref}」不是决策表标识：不支持表达式`);
    } else if (binding !== 'latest' && binding !== 'version') {
      reporter.report(node.id, `业务规则任务${el}的版本绑定「${binding}」不受支持：请选最新版本或指定版本`);
    } else if (binding === 'version' && !/^\d{1,6}$/.test(String(version || ''))) {
      reporter.report(node.id, `业务规则任务${el}绑定指定版本，但未填写版本号`);
    } else if (!result || !/^[\p{L}_][\p{L}\p{N}_]{0,99}$/u.test(String(result))) {
      reporter.report(node.id, `业务规则任务${el}未设置结果变量：决策结果写入该变量，供后续网关判断`);
    } else if (knownDecisions && !knownDecisions.has(String(ref))) {
      reporter.report(node.id, `业务规则任务${el}引用的决策表「${ref}」尚未部署：请先部署决策表`);
    }
  }
  return { check };
};

module.exports.setKnownDecisions = setKnownDecisions;
