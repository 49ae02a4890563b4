/* Type stubs for dmn-js (it ships no TypeScript declarations): what the decision table editor uses. */

declare module 'dmn-js/lib/Modeler' {
  export interface DmnView {
    type: 'drd' | 'decisionTable' | 'literalExpression' | 'boxedExpression';
    element: { id: string; name?: string; $type: string };
  }
  export interface DmnViewer {
    get<T = unknown>(name: string): T;
    on(event: string, callback: (event: unknown) => void): void;
    off(event: string, callback: (event: unknown) => void): void;
  }
  export interface DmnJsOptions {
    container?: HTMLElement;
    keyboard?: { bindTo?: EventTarget };
    /** options for every view (its `additionalModules` are dropped: give them per view) */
    common?: Record<string, unknown>;
    drd?: { additionalModules?: unknown[]; [key: string]: unknown };
    decisionTable?: { additionalModules?: unknown[]; [key: string]: unknown };
    literalExpression?: { additionalModules?: unknown[]; [key: string]: unknown };
    boxedExpression?: { additionalModules?: unknown[]; [key: string]: unknown };
  }
  export default class DmnModeler {
    constructor(options?: DmnJsOptions);
    importXML(xml: string): Promise<{ warnings: Array<{ message?: string }> }>;
    saveXML(options?: { format?: boolean }): Promise<{ xml: string }>;
    getViews(): DmnView[];
    getActiveView(): DmnView | undefined;
    getActiveViewer(): DmnViewer | undefined;
    getDefinitions(): { id: string; name?: string; drgElement?: Array<{ id: string; name?: string; $type: string }> } | undefined;
    open(view: DmnView): Promise<{ warnings: unknown[] }>;
    on(event: string, callback: (event: unknown) => void): void;
    off(event: string, callback: (event: unknown) => void): void;
    destroy(): void;
  }
}

declare module 'dmn-js/lib/Viewer' {
  export { default } from 'dmn-js/lib/Modeler';
}
