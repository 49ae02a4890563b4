/**
 * 调用活动 on the case page: the instances an instance's call activities started, and theirs, as a
 * tree (the town's 上报件 calls the city's process, which calls a department's review…), so a case
 * page links every level. Read one level at a time — one indexed read (`_id $in`) per level, none
 * without calls — at most {@link MAX_CALL_TREE_DEPTH} levels and {@link MAX_CALL_TREE_NODES}
 * instances; where it stops, a node says `truncated`.
 */
import type { Models } from '../../persistence/models';
import type { ProcessContext } from './context';

/** Levels of called instances listed under an instance (1 = its own calls only). */
export const MAX_CALL_TREE_DEPTH = 5;
/** Most called instances listed in one tree. */
export const MAX_CALL_TREE_NODES = 200;

/** One called instance: the call activity that started it, the instance, and what it called in turn. */
export interface CalledCase {
  /** The caller's call activity (in the caller's diagram). */
  elementId: string;
  instanceId: string;
  definitionKey?: string;
  definitionVersion?: number;
  name?: string;
  status?: string;
  /** The instances this one's call activities started (absent when none). */
  calledCases?: CalledCase[];
  /** True when this instance called more than the tree lists (depth or size limit). */
  truncated?: true;
}

type Ref = { elementId: string; instanceId: string };
const refsOf = (inst: any): Ref[] => ((inst?.calledInstances ?? []) as any[]).map((c) => ({ elementId: String(c.elementId), instanceId: String(c.instanceId) }));

/**
 * The called instances of `inst` (an instance head with its `calledInstances`), nested.
 * @returns [] when it called nothing (no read)
 */
export async function calledCasesOf(ctx: ProcessContext, inst: any): Promise<CalledCase[]> {
  const top: CalledCase[] = refsOf(inst).slice(0, MAX_CALL_TREE_NODES).map((r) => ({ ...r }));
  if (!top.length) return [];
  if (refsOf(inst).length > top.length) top[top.length - 1]!.truncated = true;
  let listed = top.length;
  let level = top;
  for (let depth = 1; level.length; depth++) {
    const docs = await ctx.deps.models.Instance.find({ _id: { $in: level.map((n) => n.instanceId) } }, { status: 1, definitionKey: 1, definitionVersion: 1, name: 1, calledInstances: 1 }).lean();
    const byId = new Map(docs.map((d: any) => [String(d._id), d]));
    const next: CalledCase[] = [];
    for (const node of level) {
      const d: any = byId.get(node.instanceId);
      if (!d) continue;
      Object.assign(node, { definitionKey: d.definitionKey, definitionVersion: d.definitionVersion, name: d.name, status: d.status });
      const refs = refsOf(d);
      if (!refs.length) continue;
      const room = depth < MAX_CALL_TREE_DEPTH ? Math.max(0, MAX_CALL_TREE_NODES - listed) : 0;
      const children = refs.slice(0, room).map((r) => ({ ...r }) as CalledCase);
      if (children.length < refs.length) node.truncated = true;
      if (!children.length) continue;
      node.calledCases = children;
      listed += children.length;
      next.push(...children);
    }
    level = next;
  }
  // the order of the fields as the case page has always had them (undefined fields left out)
  return top.map(clean);
}

function clean(n: CalledCase): CalledCase {
  return {
    elementId: n.elementId,
    instanceId: n.instanceId,
    ...(n.definitionKey !== undefined ? { definitionKey: n.definitionKey, definitionVersion: n.definitionVersion, name: n.name, status: n.status } : {}),
    ...(n.calledCases ? { calledCases: n.calledCases.map(clean) } : {}),
    ...(n.truncated ? { truncated: true as const } : {}),
  };
}

/**
 * Every instance of a case below its root — what the case page (engine/cases/queries.ts) lists the
 * steps of: the instances the root's call activities started and theirs at every depth (调用活动
 * within 调用活动: the town's 上报件 calls the city's process, which calls a department's review), and
 * the instances messages started for the case (消息开始事件) with what they called. One indexed read
 * (`_id $in`) per level below the first, none when the root called nothing; at most
 * {@link MAX_CALL_TREE_DEPTH} levels and {@link MAX_CALL_TREE_NODES} instances (the tree's limits).
 * @param root the root instance head with its `calledInstances` and `messageStartedInstances`
 * @returns the members' instance ids, level by level (the root not included)
 */
export async function caseMemberIds(models: Models, root: any): Promise<string[]> {
  const seen = new Set<string>([String(root?._id ?? '')]);
  /** The ids not met before, while the limit allows (a process that calls itself is met once). */
  const take = (ids: string[]): string[] => {
    const fresh: string[] = [];
    for (const id of ids) {
      if (seen.has(id) || seen.size > MAX_CALL_TREE_NODES) continue;
      seen.add(id);
      fresh.push(id);
    }
    return fresh;
  };
  const out: string[] = [];
  let level = take([...refsOf(root).map((r) => r.instanceId), ...((root?.messageStartedInstances ?? []) as any[]).map((m) => String(m.instanceId))]);
  for (let depth = 1; level.length; depth++) {
    out.push(...level);
    if (depth >= MAX_CALL_TREE_DEPTH) break;
    const docs = await models.Instance.find({ _id: { $in: level } }, { calledInstances: 1 }).lean();
    level = take(docs.flatMap((d: any) => refsOf(d).map((r) => r.instanceId)));
  }
  return out;
}
