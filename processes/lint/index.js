'use strict';

/**
 * The service-centre bpmnlint plugin (bpmnlint-plugin-svc) and the platform's
 * lint configuration. See README.md.
 */
const rules = {
  'user-task-receiver': require('./rules/user-task-receiver'),
  'user-task-time-limit': require('./rules/user-task-time-limit'),
  'no-script-task': require('./rules/no-script-task'),
  'path-reaches-end': require('./rules/path-reaches-end'),
  'service-task-topic': require('./rules/service-task-topic'),
  'call-activity-target': require('./rules/call-activity-target'),
  'message-name': require('./rules/message-name'),
  'message-sender': require('./rules/message-sender'),
  'message-start-unique': require('./rules/message-start-unique'),
  'business-rule-decision': require('./rules/business-rule-decision'),
};

module.exports = { rules, config: require('./config') };
