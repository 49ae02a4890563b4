/**
 * 调用活动 within 调用活动: the processes a case's call activities started, as a tree
 * (the city's process called by the town's, a department's review called by the city's …).
 *
 * `GET /api/cases/{id}` answers `calledCases`, each with its own `calledCases` when the server
 * gives the whole tree; a server that gives one level leaves them out, and `completeTree` asks for
 * each called instance in turn (at most `limit` of them, `maxDepth` deep) — so the case page shows
 * the nesting either way. Pure except for the `read` it is handed.
 */
import type { CalledCaseView, InstanceView } from './types';

/** One called process of the tree, flattened: how deep (1 = called by the case's own process), by whom, and the way down to it. */
export interface CalledNode extends CalledCaseView {
  depth: number;
  /** the instance whose call activity started it */
  parentId: string;
  /** the called instances above it, outermost first (not the case's own instance) */
  ancestors: string[];
}

/** The tree below `list`, asking `read` for the children of any called instance the answer did not give them for. */
export async function completeTree(
  list: CalledCaseView[] | undefined,
  read: (instanceId: string) => Promise<InstanceView | null>,
  opts: { maxDepth?: number; limit?: number } = {},
): Promise<CalledCaseView[]> {
  const budget = { left: opts.limit ?? 30 };
  const maxDepth = opts.maxDepth ?? 5;
  // a server that gives the tree leaves `calledCases` out of a leaf: once any node has them, the tree is whole
  const whole = (items: CalledCaseView[]): boolean => items.some((c) => c.calledCases !== undefined || c.truncated || whole(c.calledCases ?? []));
  if (whole(list ?? [])) return list ?? [];
  const walk = async (items: CalledCaseView[], depth: number): Promise<CalledCaseView[]> =>
    Promise.all(items.map(async (cc) => {
      let kids = cc.calledCases;
      if (kids === undefined && depth < maxDepth && budget.left > 0) {
        budget.left--;
        kids = (await read(cc.instanceId).catch(() => null))?.calledCases ?? [];
      }
      return { ...cc, calledCases: kids?.length ? await walk(kids, depth + 1) : (kids ?? []) };
    }));
  return walk(list ?? [], 1);
}

/** The tree depth first (a called process right after the one that called it). */
export function flattenTree(rootId: string, list: CalledCaseView[] | undefined): CalledNode[] {
  const out: CalledNode[] = [];
  const walk = (items: CalledCaseView[], depth: number, parentId: string, ancestors: string[]) => {
    for (const cc of items) {
      out.push({ ...cc, depth, parentId, ancestors });
      if (cc.calledCases?.length) walk(cc.calledCases, depth + 1, cc.instanceId, [...ancestors, cc.instanceId]);
    }
  };
  walk(list ?? [], 1, rootId, []);
  return out;
}

/** The called process a step (task id `<instanceId>:…`) belongs to; undefined for the case's own steps. */
export function nodeOfTask(nodes: CalledNode[], taskId: string): CalledNode | undefined {
  return nodes.find((n) => taskId.startsWith(`${n.instanceId}:`));
}

/** Whether `node` is `id` or lies below it. */
export function within(node: CalledNode, id: string): boolean {
  return node.instanceId === id || node.ancestors.includes(id);
}

/** The way from the case's own process down to `id`: the called processes, outermost first (empty when not in the tree). */
export function pathTo(nodes: CalledNode[], id: string): CalledNode[] {
  const n = nodes.find((x) => x.instanceId === id);
  if (!n) return [];
  return [...n.ancestors.map((a) => nodes.find((x) => x.instanceId === a)!).filter(Boolean), n];
}
