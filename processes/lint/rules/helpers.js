'use strict';

/**
 * Small helpers shared by the service-centre lint rules. Dependency-free so the
 * rules run unchanged in bpmnlint on the server (node) and in bpmn-js-bpmnlint
 * in the browser.
 */

/** true when the moddle element is (a subtype of) `type`, e.g. isA(node, 'bpmn:FlowNode'). */
function isA(node, type) {
  return !!node && typeof node.$instanceOf === 'function' && node.$instanceOf(type);
}

/**
 * Value of a namespaced attribute such as `camunda:assignee` or `svc:timeLimit`:
 * the typed property when the moddle knows the extension, else the raw attribute
 * kept in `$attrs` (a diagram read without our moddle extensions).
 */
function attr(node, qualifiedName) {
  let value;
  try {
    value = typeof node.get === 'function' ? node.get(qualifiedName) : undefined;
  } catch (e) {
    value = undefined;
  }
  if (value === undefined && node.$attrs) value = node.$attrs[qualifiedName];
  if (typeof value === 'string') value = value.trim();
  return value === '' || value === null ? undefined : value;
}

/** 「名称」 of a named element, else its id (the designer rewrites the id into type and id). */
function label(node) {
  const name = typeof node.name === 'string' ? node.name.trim() : '';
  return name ? `「${name}」` : node.id;
}

module.exports = { isA, attr, label };
