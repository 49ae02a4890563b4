/**
 * 环节时限 against 承诺时限 (issue 13): the longest way through an item's path, counted in working
 * days by the steps' own limits (svc:timeLimit, read as the step clocks read them), so the catalogue
 * can warn when the path cannot keep the item's promise even with every step inside its own limit
 * (GS-001 个体工商户登记 promises 2 working days; its 上报件 path's steps come to 10).
 *
 * How the way is counted, as the clocks count it:
 *  - from the process's start events along its sequence flows; boundary events (超时督办) and what
 *    only they lead to are not on the way; a flow back to a step already on the way (退回, 补正后重审)
 *    is not followed again;
 *  - at a decision or a parallel split, the longest branch (parallel branches run at the same time);
 *  - a user task adds its limit (`P3D`/`3WD` 3 working days, `PT8H` one, other durations in
 *    working days of 8 hours); one that waits for the applicant (svc:stepKind="await-applicant",
 *    等待补正) adds nothing: the case's clocks pause meanwhile;
 *  - a call activity adds the longest way of the process it calls (its latest version, or the one
 *    its binding pins), at most three calls deep; a parallel multi-instance call (联办件's reviews, one
 *    per department) counts once, a sequential one once per department (or its cardinality);
 *  - an embedded sub-process adds its own longest way.
 * Pure of the database: the caller hands over a loader of the diagrams (stored or shipped).
 */
import { BpmnModdle } from 'bpmn-moddle';
import { moddleOptions } from '../runtime/moddle';
import { parseStepLimit, WORKING_DAY_HOURS } from '../supervision/clock-ledger';

/** One step on the longest way, with its limit in working days. */
export interface LimitedStep {
  elementId: string;
  name: string;
  days: number;
  /** The call activity whose called process the step is in (its name), when it is not the path's own. */
  via?: string;
  /** How many times it counts (a sequential multi-instance call: once per department). */
  times?: number;
}

/** The longest way through a path by its steps' limits. */
export interface PathLimit {
  /** Working days, the sum of the steps' limits on the longest way. */
  days: number;
  steps: LimitedStep[];
}

/** Loads a process's diagram by key (and version, when a call's binding pins one); null when none. */
export type DiagramLoader = (key: string, version?: number) => Promise<{ xml: string; cacheKey?: string } | null>;

interface FlowNode {
  id: string;
  type: string;
  name: string;
  timeLimit?: string;
  stepKind?: string;
  calledElement?: string;
  version?: number;
  loop?: { sequential: boolean; collection?: string; cardinality?: string };
  sub?: Graph;
  out: string[];
}

interface Graph {
  nodes: Map<string, FlowNode>;
  starts: string[];
}

/** The deepest call followed (the path's own process is 0). */
const MAX_CALL_DEPTH = 3;
/** Flow nodes read from one process (deploy refuses more than 2000 anyway). */
const MAX_NODES = 2500;

function graphOf(container: any, budget: { left: number }): Graph {
  const nodes = new Map<string, FlowNode>();
  const flows: { source: string; target: string }[] = [];
  for (const el of container.flowElements ?? []) {
    if (--budget.left < 0) break;
    const type = String(el.$type ?? '');
    if (type === 'bpmn:SequenceFlow') {
      if (el.sourceRef?.id && el.targetRef?.id) flows.push({ source: el.sourceRef.id, target: el.targetRef.id });
      continue;
    }
    // an event sub-process runs beside the way, not on it
    if (type === 'bpmn:SubProcess' && el.triggeredByEvent) continue;
    const lc = el.loopCharacteristics;
    const node: FlowNode = {
      id: el.id,
      type,
      name: el.name || el.id,
      ...(type === 'bpmn:UserTask' ? { timeLimit: el.timeLimit || undefined, stepKind: el.stepKind || undefined } : {}),
      ...(type === 'bpmn:CallActivity' && typeof el.calledElement === 'string' ? { calledElement: el.calledElement.trim(), ...(el.calledElementBinding === 'version' && /^\d+$/.test(String(el.calledElementVersion ?? '')) ? { version: Number(el.calledElementVersion) } : {}) } : {}),
      ...(lc?.$type === 'bpmn:MultiInstanceLoopCharacteristics'
        ? { loop: { sequential: !!lc.isSequential, collection: typeof lc.collection === 'string' ? lc.collection : undefined, cardinality: typeof lc.loopCardinality?.body === 'string' ? lc.loopCardinality.body.trim() : undefined } }
        : {}),
      ...(type === 'bpmn:SubProcess' || type === 'bpmn:Transaction' ? { sub: graphOf(el, budget) } : {}),
      out: [],
    };
    nodes.set(node.id, node);
  }
  for (const f of flows) nodes.get(f.source)?.out.push(f.target);
  const starts = [...nodes.values()].filter((n) => n.type === 'bpmn:StartEvent').map((n) => n.id);
  return { nodes, starts };
}

/** The executable process of a diagram as a graph; null when it has none. */
async function parseGraph(xml: string): Promise<Graph | null> {
  const moddle = new BpmnModdle(moddleOptions as any);
  const parsed: any = await moddle.fromXML(xml, 'bpmn:Definitions');
  const processes = (parsed.rootElement?.rootElements ?? []).filter((e: any) => e.$type === 'bpmn:Process');
  const proc = processes.find((p: any) => p.isExecutable) ?? processes[0];
  return proc ? graphOf(proc, { left: MAX_NODES }) : null;
}

/** A step limit in working days (null: none, or not readable). */
export function limitDays(limit: string | undefined): number | null {
  if (!limit || !limit.trim()) return null;
  try {
    const b = parseStepLimit(limit);
    if (b.unit === 'working-days') return b.days;
    return b.ms / (WORKING_DAY_HOURS * 3_600_000);
  } catch {
    return null;
  }
}

/** Working days as a designer reads them: whole, or to one decimal (PT2H → 0.3). */
export function formatDays(d: number): string {
  return Number.isInteger(d) ? String(d) : String(Math.round(d * 10) / 10);
}

/**
 * Counts the longest way of paths, keeping the diagrams it parsed (one parse per diagram version,
 * keyed by the loader's `cacheKey`): one counter per catalogue check or load.
 */
export class PathLimitCounter {
  private readonly graphs = new Map<string, Promise<Graph | null>>();

  constructor(private readonly load: DiagramLoader) {}

  private async graph(key: string, version?: number): Promise<Graph | null> {
    const d = await this.load(key, version);
    if (!d) return null;
    const cacheKey = d.cacheKey ?? `${key}@${version ?? 'latest'}:${d.xml.length}`;
    let g = this.graphs.get(cacheKey);
    if (!g) {
      g = parseGraph(d.xml).catch(() => null);
      this.graphs.set(cacheKey, g);
    }
    return g;
  }

  /**
   * The longest way through `key` (its latest version) by the steps' limits; null when the path
   * is not found. `jointDepartments`: how many departments the item names (a sequential review per
   * department counts once per department).
   */
  async longest(key: string, opts: { jointDepartments?: number } = {}): Promise<PathLimit | null> {
    const g = await this.graph(key);
    if (!g) return null;
    return this.walk(g, [key], opts);
  }

  private async walk(g: Graph, keys: string[], opts: { jointDepartments?: number }): Promise<PathLimit> {
    const memo = new Map<string, PathLimit>();
    const onWay = new Set<string>();
    const from = async (id: string): Promise<PathLimit> => {
      const known = memo.get(id);
      if (known) return known;
      const node = g.nodes.get(id);
      if (!node) return { days: 0, steps: [] };
      onWay.add(id);
      const own = await this.weight(node, keys, opts);
      let best: PathLimit = { days: 0, steps: [] };
      for (const next of node.out) {
        if (onWay.has(next)) continue; // 退回: back to a step already on the way
        const r = await from(next);
        if (r.days > best.days) best = r;
      }
      onWay.delete(id);
      const out = { days: own.days + best.days, steps: [...own.steps, ...best.steps] };
      memo.set(id, out);
      return out;
    };
    let best: PathLimit = { days: 0, steps: [] };
    for (const s of g.starts) {
      const r = await from(s);
      if (r.days > best.days) best = r;
    }
    return best;
  }

  private async weight(node: FlowNode, keys: string[], opts: { jointDepartments?: number }): Promise<PathLimit> {
    if (node.type === 'bpmn:UserTask') {
      // waiting for the applicant (补正): the case's clocks pause, the promise does not run
      if (node.stepKind === 'await-applicant') return { days: 0, steps: [] };
      const d = limitDays(node.timeLimit);
      return d ? { days: d, steps: [{ elementId: node.id, name: node.name, days: d }] } : { days: 0, steps: [] };
    }
    const times = node.loop?.sequential
      ? /jointDepartments/.test(node.loop.collection ?? '') ? Math.max(1, opts.jointDepartments ?? 1) : /^\d{1,3}$/.test(node.loop.cardinality ?? '') ? Math.max(1, Number(node.loop.cardinality)) : 1
      : 1;
    let inner: PathLimit | null = null;
    if (node.sub) inner = await this.walk(node.sub, keys, opts);
    else if (node.calledElement && !keys.includes(node.calledElement) && keys.length <= MAX_CALL_DEPTH) {
      const called = await this.graph(node.calledElement, node.version);
      if (called) {
        const r = await this.walk(called, [...keys, node.calledElement], opts);
        inner = { days: r.days, steps: r.steps.map((s) => ({ ...s, via: s.via ?? node.name })) };
      }
    }
    if (!inner || !inner.days) return { days: 0, steps: [] };
    return times > 1 ? { days: inner.days * times, steps: inner.steps.map((s) => ({ ...s, times: (s.times ?? 1) * times })) } : inner;
  }
}
