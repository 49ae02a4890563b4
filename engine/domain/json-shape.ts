/**
 * Depth and value count of a JSON-like value, walked iteratively (an explicit stack, never
 * recursion), so a value nested thousands deep is measured without overflowing the call stack.
 * The walk stops as soon as either limit is passed: a huge or cyclic value costs at most
 * `limits.nodes` steps. Shared by the HTTP body limits and the engine's variable check.
 */
export interface JsonShape {
  depth: number;
  nodes: number;
}

/** Depth (the value itself is level 1) and number of values of `value`; stops early past a limit. */
export function jsonShape(value: unknown, limits: { depth: number; nodes: number }): JsonShape {
  let depth = 0;
  let nodes = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    nodes++;
    if (d > depth) depth = d;
    if (depth > limits.depth || nodes > limits.nodes) break;
    if (v !== null && typeof v === 'object') {
      const children = Array.isArray(v) ? v : Object.values(v as object);
      for (const c of children) stack.push([c, d + 1]);
    }
  }
  return { depth, nodes };
}
