/**
 * Node entry: lint a bpmn-moddle `bpmn:Definitions` with the platform's configuration.
 * The resolver is composed by hand over bpmnlint's own rules and the svc plugin (no bpmnlint-loader).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const svc = require('./index.js');

export const resolver = {
  resolveRule: (pkg, name) => (pkg === 'bpmnlint' ? require(`bpmnlint/rules/${name}`) : pkg === 'bpmnlint-plugin-svc' ? svc.rules[name] : undefined),
  resolveConfig: () => null,
};

/** @returns {Promise<Record<string, { id: string, message: string, category: 'error' | 'warn' }[]>>} reports by rule name */
export function lintDefinitions(definitions) {
  return new Linter({ config: svc.config, resolver }).lint(definitions);
}
