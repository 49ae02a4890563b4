'use strict';

/**
 * Lint configuration of the platform: bpmnlint's recommended rules that fit
 * executable service-item diagrams, plus the service-centre rules (`svc/...`,
 * package `bpmnlint-plugin-svc`). Rule values: 'error' blocks a deploy in the
 * designer, 'warn' is shown only.
 */
module.exports = {
  rules: {
    'bpmnlint/ad-hoc-sub-process': 'error',
    'bpmnlint/conditional-flows': 'error',
    'bpmnlint/end-event-required': 'error',
    'bpmnlint/event-based-gateway': 'error',
    'bpmnlint/event-sub-process-typed-start-event': 'error',
    // fake-join is off: return flows (退回补正) re-enter a task on purpose, e.g. town-review
    'bpmnlint/fake-join': 'off',
    'bpmnlint/label-required': 'warn',
    'bpmnlint/link-event': 'error',
    'bpmnlint/no-bpmndi': 'error',
    'bpmnlint/no-complex-gateway': 'error',
    'bpmnlint/no-disconnected': 'error',
    'bpmnlint/no-duplicate-sequence-flows': 'error',
    'bpmnlint/no-gateway-join-fork': 'warn',
    'bpmnlint/no-implicit-split': 'error',
    'bpmnlint/no-implicit-end': 'error',
    'bpmnlint/no-implicit-start': 'error',
    'bpmnlint/no-inclusive-gateway': 'warn',
    'bpmnlint/no-overlapping-elements': 'warn',
    'bpmnlint/single-blank-start-event': 'error',
    'bpmnlint/single-event-definition': 'error',
    'bpmnlint/start-event-required': 'error',
    'bpmnlint/sub-process-blank-start-event': 'error',
    'bpmnlint/superfluous-gateway': 'warn',
    'bpmnlint/superfluous-termination': 'warn',
    'svc/user-task-receiver': 'error',
    'svc/user-task-time-limit': 'error',
    'svc/no-script-task': 'error',
    'svc/path-reaches-end': 'error',
    'svc/service-task-topic': 'error',
    'svc/call-activity-target': 'error',
    'svc/message-name': 'error',
    // a catch nobody is known to send to is shown, not blocking: the sender may be deployed later
    'svc/message-sender': 'warn',
    // one message starts one process: the server refuses the deploy otherwise (MESSAGE_START_TAKEN)
    'svc/message-start-unique': 'error',
    'svc/business-rule-decision': 'error',
  },
};
