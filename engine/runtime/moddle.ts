/**
 * The moddle extensions every part of the platform loads: Camunda 7's (so diagrams from
 * Camunda Modeler work) and our own `svc` descriptor (processes/moddle/service-centre.json),
 * which bpmn-js in modeler-ui reads too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export const camundaDescriptor = readJson(require.resolve('camunda-bpmn-moddle/resources/camunda.json'));
export const serviceCentreDescriptor = readJson(path.join(root, 'processes', 'moddle', 'service-centre.json'));

/** `moddleOptions` for bpmn-moddle and bpmn-engine. */
export const moddleOptions = { camunda: camundaDescriptor, svc: serviceCentreDescriptor };

export const PROJECT_ROOT = root;
