/* Type stubs for bpmn-io packages that ship no TypeScript declarations. */

declare module 'bpmn-js-properties-panel' {
  import type { ModuleDeclaration } from 'didi';
  /** didi modules */
  export const BpmnPropertiesPanelModule: ModuleDeclaration;
  export const BpmnPropertiesProviderModule: ModuleDeclaration;
  export const CamundaPlatformPropertiesProviderModule: ModuleDeclaration;
  export const ZeebePropertiesProviderModule: ModuleDeclaration;
  /** Hook resolving a diagram service inside a properties-panel component. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export function useService(type: string, strict?: boolean): any;
}

declare module 'camunda-bpmn-js-behaviors/lib/camunda-platform' {
  import type { ModuleDeclaration } from 'didi';
  const module: ModuleDeclaration;
  export default module;
}

declare module '@bpmn-io/properties-panel' {
  import type { FunctionComponent } from '@bpmn-io/properties-panel/preact';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const TextFieldEntry: FunctionComponent<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const SelectEntry: FunctionComponent<any>;
  export function isTextFieldEntryEdited(node: HTMLElement | null): boolean;
  export function isSelectEntryEdited(node: HTMLElement | null): boolean;
}

declare module 'bpmn-js-bpmnlint' {
  import type { ModuleDeclaration } from 'didi';
  const module: ModuleDeclaration;
  export default module;
}

declare module 'bpmnlint/rules/*' {
  const rule: (config?: unknown) => { check: (node: unknown, reporter: unknown) => void };
  export default rule;
}

declare module 'bpmn-js-differ' {
  export function diff(a: unknown, b: unknown): unknown;
}
