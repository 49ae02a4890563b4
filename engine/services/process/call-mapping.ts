/**
 * The pure part of call activities (调用活动): the called instance's id, the variables passed in
 * and out, and where a called instance came from. No database: the projector and call-links.ts
 * both use it.
 */
import { createHash } from 'node:crypto';
import { RESERVED_VARIABLE_NAMES } from '../../runtime/engine-factory';
import type { VariableMapping } from '../../runtime/validate-definition';

/** Where a called instance came from (revision 1's `command.parent`, the instance head's parent fields). */
export interface CallParentRef {
  instanceId: string;
  elementId: string;
  executionId: string;
  rootInstanceId: string;
}

/** The parent of a called instance, from its head (undefined for an instance no call activity started). */
export function parentOf(inst: any): CallParentRef | undefined {
  if (!inst?.parentInstanceId) return undefined;
  return { instanceId: inst.parentInstanceId, elementId: inst.parentElementId, executionId: inst.parentExecutionId, rootInstanceId: inst.rootInstanceId ?? inst.parentInstanceId };
}

/**
 * The id of the instance a call starts: derived from the caller and the call's execution, so
 * every retry of the start (a repair after a kill) names the same instance. UUID-shaped.
 */
export function childInstanceId(parentInstanceId: string, executionId: string): string {
  const h = createHash('sha256').update(`call:${parentInstanceId}:${executionId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The variables intake gives a case (case-service `accept`) that every instance started for the case gets too. */
export const CASE_CONTEXT_VARIABLES: ReadonlySet<string> = new Set(['caseNo', 'itemCode', 'orgUnit', 'receivingWindow', 'responsible', 'department', 'category', 'statutoryLimitDays', 'promisedLimitDays']);

/**
 * The case's own context among an instance's variables (办件): its number, org unit, windows,
 * department — the router's inputs — and its step-limit overrides (`<stepId in camelCase>Limit`).
 * What an instance started for the case (a called process, an instance a message started for it)
 * carries, whatever its own mapping.
 */
export function caseContextOf(variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(variables)) if (CASE_CONTEXT_VARIABLES.has(k) || /^[a-z][A-Za-z0-9]{0,60}Limit$/.test(k)) out[k] = v;
  return out;
}

/**
 * Variables passed by `camunda:in` / `camunda:out`: all of them (`variables="all"`) and/or the
 * named ones, each from source to target (a source that is not set is not passed). None without
 * a mapping, as in Camunda. Names the engine overwrites are never passed.
 */
export function mapVariables(from: Record<string, unknown>, mappings: VariableMapping[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of mappings) {
    if ('all' in m) {
      for (const [k, v] of Object.entries(from)) if (!RESERVED_VARIABLE_NAMES.has(k)) out[k] = v;
    } else if (Object.hasOwn(from, m.source) && !RESERVED_VARIABLE_NAMES.has(m.target)) {
      out[m.target] = from[m.source];
    }
  }
  return out;
}
