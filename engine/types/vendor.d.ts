// bpmn-moddle ships its types under "bpmn-moddle/types" but not for its main export.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<{ rootElement: any; warnings: { message: string }[]; references: unknown[]; elementsById: Record<string, any> }>;
  }
}

// dmn-moddle ships no types.
declare module 'dmn-moddle' {
  export class DmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<{ rootElement: any; warnings: { message: string }[]; references: unknown[]; elementsById: Record<string, any> }>;
  }
}
