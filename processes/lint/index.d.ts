/** Types of the service-centre bpmnlint plugin (index.js, CommonJS). */
export type RuleFactory = (config?: unknown) => { check: (node: any, reporter: { report(id: string, message: string, path?: string[]): void }) => void };
export declare const rules: Record<'user-task-receiver' | 'user-task-time-limit' | 'no-script-task' | 'path-reaches-end', RuleFactory>;
export declare const config: { rules: Record<string, 'error' | 'warn' | 'off'> };
