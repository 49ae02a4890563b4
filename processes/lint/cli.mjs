#!/usr/bin/env node
/**
 * Lint BPMN files with the platform's configuration (config.js + the svc rules):
 *   node processes/lint/cli.mjs processes/diagrams/*.bpmn
 * Prints `{ "<file>": { "warnings": [...import warnings], "reports": { "<rule>": [{ id, message, category }] } } }`
 * and exits 1 when any file has an `error` report (or cannot be read).
 * `--no-extensions` reads without the camunda/svc moddle extensions, like a diagram opened by another tool.
 * A call activity may call the processes of the files linted together and those named by
 * `--known=id,id` (the deployed ones); any other is reported (svc/call-activity-target).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';
import { lintDefinitions } from './lint.mjs';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const extensions = !args.includes('--no-extensions');
const files = args.filter((a) => !a.startsWith('--'));
const known = new Set(args.filter((a) => a.startsWith('--known=')).flatMap((a) => a.slice('--known='.length).split(',')).map((s) => s.trim()).filter(Boolean));

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
  } catch (err) {
    read.set(file, err);
  }
}
require('./rules/call-activity-target.js').setKnownProcesses([...known]);
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
