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
