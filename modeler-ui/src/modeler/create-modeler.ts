import BpmnModeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import serviceCentreModdle from '../../../processes/moddle/service-centre.json';
import ZhTranslateModule from './i18n';
import { lintConfig } from './lint';
import { ZhLintMessagesModule } from './lint-messages';
import SvcPropertiesModule from './svc-properties';

export type Modeler = BpmnModeler;

export interface ModelerContainers {
  canvas: HTMLElement;
  properties: HTMLElement;
}

/**
 * One bpmn-js Modeler with the properties panel (generic BPMN + Camunda 7
 * properties), Camunda 7 modelling behaviours, our `svc` extension, linting
 * while editing (bpmn-js-bpmnlint with processes/lint, messages in Chinese naming each element by
 * its label) and Chinese labels.
 * Attributes of unknown namespaces (other tools) are kept by bpmn-moddle.
 */
export function createModeler(containers: ModelerContainers): Modeler {
  return new BpmnModeler({
    container: containers.canvas,
    propertiesPanel: {
      parent: containers.properties,
      // our domain groups start expanded; the rest keep the panel's defaults
      layout: { groups: { general: { open: true }, 'svc-item': { open: true }, 'svc-step': { open: true } } },
    },
    linting: { bpmnlint: lintConfig, active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      SvcPropertiesModule,
      ZhTranslateModule,
      lintModule,
      ZhLintMessagesModule,
    ],
    moddleExtensions: {
      camunda: camundaModdle,
      svc: serviceCentreModdle,
    },
  });
}
