#!/usr/bin/env node
/**
 * Lint BPMN files with the platform's configuration (config.js + the svc rules):
 *   node processes/lint/cli.mjs processes/diagrams/*.bpmn
 * Prints `{ "<file>": { "warnings": [...import warnings], "reports": { "<rule>": [{ id, message, category }] } } }`
 * and exits 1 when any file has an `error` report (or cannot be read).
 * `--no-extensions` reads without the camunda/svc moddle extensions, like a diagram opened by another tool.
 * A call activity may call the processes of the files linted together and those named by
 * `--known=id,id` (the deployed ones); any other is reported (svc/call-activity-target).
 * A message catch should have a sender: a throw of the files linted together or of `--messages=name,name`
 * (the names the deployed processes throw), else it is warned about (svc/message-sender).
 * A message start event's name may not be the message start of another process: of the files linted
 * together or of `--message-starts=name@key,name@key` (the deployed ones) (svc/message-start-unique).
 * Business rule tasks may use the decisions of the .dmn files given and of `--decisions=id,id`;
 * with neither, only the diagram itself is checked (svc/business-rule-decision).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';
import { lintDefinitions } from './lint.mjs';

const require = createRequire(import.meta.url);
const { messageUse } = require('./rules/message-events.js');
const args = process.argv.slice(2);
const extensions = !args.includes('--no-extensions');
const listFlag = (name) => args.filter((a) => a.startsWith(`--${name}=`)).flatMap((a) => a.slice(name.length + 3).split(',')).map((s) => s.trim()).filter(Boolean);
const dmnFiles = args.filter((a) => !a.startsWith('--') && a.endsWith('.dmn'));
const files = args.filter((a) => !a.startsWith('--') && !a.endsWith('.dmn'));
const known = new Set(listFlag('known'));
const thrown = new Set(listFlag('messages'));
const starts = listFlag('message-starts').map((s) => ({ name: s.slice(0, s.lastIndexOf('@')), key: s.slice(s.lastIndexOf('@') + 1) })).filter((s) => s.name && s.key);
const decisionFlags = listFlag('decisions');
const decisions = dmnFiles.length || decisionFlags.length ? new Set(decisionFlags) : undefined;
// a DMN file's decision ids (a regex is enough here: the server parses it properly at deploy)
for (const f of dmnFiles) for (const m of readFileSync(f, 'utf8').matchAll(/<(?:dmn:)?decision\s[^>]*?\bid="([^"]+)"/g)) decisions.add(m[1]);

const moddle = new BpmnModdle(extensions ? {
  camunda: require('camunda-bpmn-moddle/resources/camunda.json'),
  svc: require('../moddle/service-centre.json'),
} : {});

const out = {};
let failed = false;
const read = new Map();
for (const file of files) {
  try {
    const parsed = await moddle.fromXML(readFileSync(file, 'utf8'), 'bpmn:Definitions');
    read.set(file, parsed);
    for (const e of parsed.rootElement.rootElements ?? []) if (e.$type === 'bpmn:Process') known.add(e.id);
    for (const e of parsed.elementsById ? Object.values(parsed.elementsById) : []) {
      const use = messageUse(e);
      if (use && use.kind === 'throw' && use.name) thrown.add(use.name);
      if (use && use.name && e.$type === 'bpmn:StartEvent' && e.$parent?.$type === 'bpmn:Process') starts.push({ name: use.name, key: e.$parent.id });
    }
  } catch (err) {
    read.set(file, err);
  }
}
require('./rules/call-activity-target.js').setKnownProcesses([...known]);
require('./rules/message-sender.js').setKnownMessages([...thrown]);
require('./rules/message-start-unique.js').setKnownMessageStarts(starts);
require('./rules/business-rule-decision.js').setKnownDecisions(decisions ? [...decisions] : undefined);
for (const file of files) {
  try {
    const parsed = read.get(file);
    if (parsed instanceof Error) throw parsed;
    const { rootElement, warnings } = parsed;
    const reports = await lintDefinitions(rootElement);
    out[file] = { warnings: warnings.map((w) => String(w.message)), reports };
    if (Object.values(reports).some((list) => list.some((r) => r.category === 'error'))) failed = true;
  } catch (err) {
    out[file] = { error: String(err.message ?? err) };
    failed = true;
  }
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
process.exitCode = failed ? 1 : 0;
