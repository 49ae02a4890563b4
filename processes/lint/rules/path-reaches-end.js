'use strict';

const { isA } = require('./helpers');

/**
 * path-reaches-end — from every flow node some path reaches an end event of
 * the same process or sub-process: along outgoing sequence flows, or out of an
 * activity through one of its boundary events. A node that cannot reach an end
 * (a loop without exit, a dead branch) would leave cases running for ever.
 */
module.exports = function pathReachesEnd() {
  function isCompensation(node) {
    return node.isForCompensation || (node.eventDefinitions || []).some((d) => isA(d, 'bpmn:CompensateEventDefinition'));
  }

  function checkContainer(container, reporter) {
    const elements = container.flowElements || [];
    const nodes = elements.filter((e) => isA(e, 'bpmn:FlowNode'));
    if (!nodes.length) return;
    // predecessors: source of each sequence flow; an activity precedes its boundary events
    const predecessors = new Map(nodes.map((n) => [n, []]));
    for (const flow of elements) {
      if (isA(flow, 'bpmn:SequenceFlow') && flow.sourceRef && flow.targetRef && predecessors.has(flow.targetRef)) {
        predecessors.get(flow.targetRef).push(flow.sourceRef);
      }
    }
    for (const node of nodes) {
      if (isA(node, 'bpmn:BoundaryEvent') && node.attachedToRef && predecessors.has(node)) {
        predecessors.get(node).push(node.attachedToRef);
      }
    }
    const reaches = new Set(nodes.filter((n) => isA(n, 'bpmn:EndEvent')));
    const queue = [...reaches];
    while (queue.length) {
      const node = queue.shift();
      for (const before of predecessors.get(node) || []) {
        if (!reaches.has(before)) {
          reaches.add(before);
          queue.push(before);
        }
      }
    }
    for (const node of nodes) {
      // event sub-processes and compensation handlers are entered from outside the normal flow
      if (reaches.has(node) || isCompensation(node) || (isA(node, 'bpmn:SubProcess') && node.triggeredByEvent)) continue;
      if (isA(node, 'bpmn:BoundaryEvent') && isCompensation(node)) continue;
      reporter.report(node.id, '从此元素出发的路径到达不了结束事件');
    }
  }

  function check(node, reporter) {
    if (isA(node, 'bpmn:Process') || isA(node, 'bpmn:SubProcess')) checkContainer(node, reporter);
  }
  return { check };
};
