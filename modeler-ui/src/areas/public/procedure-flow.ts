/**
 * The procedure of a deployed diagram as an applicant reads it: the steps in order, the
 * alternatives at each decision ("或"), the steps done at the same time (并联), the ends.
 *
 *   const flow = procedureFlow(xml);   // null when the XML has no process with a start event
 *   flow.stages  → [{ kind: 'step', step: {id, name}, alternatives: [...] }, { kind: 'parallel', branches }, …]
 *   flow.end     → the main path's end (办结)
 *
 * Left out, as nothing an applicant waits for: boundary events and everything only they lead
 * to (办理超时 → 超时督办 → 已移交督办), escalation and other throw events, gateways (their
 * outgoing flows' names become the alternatives' conditions). The main path follows each
 * decision's default flow (else the branch with the most steps ahead); the other flows are
 * its alternatives: a branch to an end (不予许可 → 告知申请人不予许可 → 不予许可), back to an
 * earlier step (退回 → 回到「窗口受理」), or on to a later one.
 */
export interface FlowStep {
  id: string;
  name: string;
  /** `task` (any activity), `event` (a named waiting point), `end` */
  kind: 'task' | 'event' | 'end';
  /** A multi-instance activity (联办件: a review called once per department): its instances at the same time, or one after another. */
  multiInstance?: 'parallel' | 'sequential';
}

export interface FlowAlternative {
  /** the outgoing flow's name (the condition), e.g. 不予许可 */
  condition?: string;
  /** the steps of the branch before it ends or joins the main path */
  steps: FlowStep[];
  /** the branch ends here (退回, 不予许可) */
  end?: FlowStep;
  /** the branch goes back to this earlier step of the main path */
  backTo?: FlowStep;
  /** the branch skips ahead to this later step of the main path */
  skipTo?: FlowStep;
}

export type FlowStage =
  | { kind: 'step'; step: FlowStep; alternatives: FlowAlternative[] }
  | { kind: 'parallel'; inclusive: boolean; branches: FlowStep[][] };

export interface ProcedureFlow {
  start?: FlowStep;
  stages: FlowStage[];
  end?: FlowStep;
}

const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

interface Node {
  id: string;
  type: string;
  name: string;
  defaultFlow?: string;
  multi?: 'parallel' | 'sequential';
  out: Flow[];
  inc: Flow[];
}
interface Flow {
  id: string;
  name: string;
  source: string;
  target: string;
}

const ACTIVITY = /^(task|userTask|manualTask|serviceTask|scriptTask|sendTask|receiveTask|businessRuleTask|subProcess|callActivity|transaction|adHocSubProcess)$/;
const isGateway = (n: Node) => n.type.endsWith('Gateway');
const isVisible = (n: Node) => ACTIVITY.test(n.type) || n.type === 'endEvent' || (n.type === 'intermediateCatchEvent' && !!n.name);
const clean = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

function step(n: Node): FlowStep {
  return { id: n.id, name: n.name || (n.type === 'endEvent' ? '结束' : n.id), kind: n.type === 'endEvent' ? 'end' : ACTIVITY.test(n.type) ? 'task' : 'event', ...(n.multi ? { multiInstance: n.multi } : {}) };
}

export function procedureFlow(xml: string): ProcedureFlow | null {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return null;
  const processes = Array.from(doc.getElementsByTagNameNS(BPMN_NS, 'process'));
  const process = processes.find((p) => Array.from(p.children).some((c) => c.localName === 'startEvent')) ?? processes[0];
  if (!process) return null;

  const nodes = new Map<string, Node>();
  const flows: Flow[] = [];
  for (const el of Array.from(process.children)) {
    if (el.namespaceURI !== BPMN_NS) continue;
    const id = el.getAttribute('id');
    if (!id) continue;
    if (el.localName === 'sequenceFlow') {
      flows.push({ id, name: clean(el.getAttribute('name')), source: el.getAttribute('sourceRef') ?? '', target: el.getAttribute('targetRef') ?? '' });
    } else if (!['laneSet', 'textAnnotation', 'association', 'dataObject', 'dataObjectReference', 'dataStoreReference', 'extensionElements', 'documentation'].includes(el.localName)) {
      const loop = Array.from(el.children).find((c) => c.namespaceURI === BPMN_NS && c.localName === 'multiInstanceLoopCharacteristics');
      const multi = loop ? (loop.getAttribute('isSequential') === 'true' ? 'sequential' as const : 'parallel' as const) : undefined;
      nodes.set(id, { id, type: el.localName, name: clean(el.getAttribute('name')), defaultFlow: el.getAttribute('default') ?? undefined, ...(multi ? { multi } : {}), out: [], inc: [] });
    }
  }
  for (const f of flows) {
    const s = nodes.get(f.source);
    const t = nodes.get(f.target);
    if (!s || !t) continue;
    s.out.push(f);
    t.inc.push(f);
  }
  const startNode = [...nodes.values()].find((n) => n.type === 'startEvent' && n.out.length);
  if (!startNode) return null;

  /** The node a flow leads to. */
  const target = (f: Flow) => nodes.get(f.target)!;

  /** Steps ahead of `from` that no decision stops (for choosing the main way): counted, not kept. */
  const reach = (from: Node, seen: Set<string>): number => {
    let n: Node | undefined = from;
    let count = 0;
    const local = new Set<string>();
    while (n && !local.has(n.id) && !seen.has(n.id) && count < 200) {
      local.add(n.id);
      if (isVisible(n)) count++;
      if (n.type === 'endEvent') break;
      if (!n.out.length) break;
      // a decision: the best way on
      n = n.out.length === 1 ? target(n.out[0]) : n.out.map((f) => target(f)).sort((a, b) => reach(b, new Set([...seen, ...local])) - reach(a, new Set([...seen, ...local])))[0];
    }
    return count;
  };

  const stages: FlowStage[] = [];
  const onMain = new Map<string, number>(); // visible node id → stage index
  const pending: Array<{ stage: number; flow: Flow }> = [];
  let end: FlowStep | undefined;
  let at: Node | undefined = target(startNode.out[0]);
  const passed = new Set<string>();

  for (let guard = 0; at && guard < 500; guard++) {
    const n: Node = at;
    if (passed.has(n.id)) break; // a loop back on the main way: its decision lists it
    passed.add(n.id);
    if (n.type === 'endEvent') {
      end = step(n);
      break;
    }
    if (isVisible(n)) {
      stages.push({ kind: 'step', step: step(n), alternatives: [] });
      onMain.set(n.id, stages.length - 1);
    }
    if (!n.out.length) break;
    const split = n.out.length > 1 && (n.type === 'parallelGateway' || n.type === 'inclusiveGateway' || (!isGateway(n) && n.type !== 'exclusiveGateway'));
    if (split) {
      // steps at the same time, up to the gateway where they meet again
      const branches: FlowStep[][] = [];
      let join: Node | undefined;
      for (const f of n.out) {
        const branch: FlowStep[] = [];
        let b: Node | undefined = target(f);
        for (let g = 0; b && g < 100; g++) {
          if (isGateway(b) && b.inc.length > 1) { join = join ?? b; break; }
          if (b.type === 'endEvent') break;
          if (isVisible(b)) branch.push(step(b));
          b = b.out.length ? target(b.out[0]) : undefined;
        }
        if (branch.length) branches.push(branch);
      }
      stages.push({ kind: 'parallel', inclusive: n.type === 'inclusiveGateway', branches });
      branches.flat().forEach((s) => { onMain.set(s.id, stages.length - 1); passed.add(s.id); });
      at = join && join.out.length ? (passed.add(join.id), target(join.out[0])) : undefined;
      continue;
    }
    if (n.out.length === 1) {
      at = target(n.out[0]);
      continue;
    }
    // a decision: the default way (else the one with most steps ahead) is the main path
    const seen = new Set([...passed]);
    const main = n.out.find((f) => f.id === n.defaultFlow)
      ?? [...n.out].filter((f) => !passed.has(f.target)).sort((a, b) => reach(target(b), seen) - reach(target(a), seen))[0]
      ?? n.out[0];
    for (const f of n.out) if (f !== main) pending.push({ stage: stages.length - 1, flow: f });
    at = target(main);
  }

  // the other ways of each decision, now that the whole main path is known
  for (const { stage, flow } of pending) {
    const owner = stages[stage];
    if (!owner || owner.kind !== 'step') continue;
    const alt: FlowAlternative = { condition: flow.name || undefined, steps: [] };
    let b: Node | undefined = target(flow);
    const seen = new Set<string>();
    for (let g = 0; b && g < 100 && !seen.has(b.id); g++) {
      seen.add(b.id);
      const mainAt = onMain.get(b.id);
      if (mainAt !== undefined) {
        const s = stages[mainAt];
        const to = s.kind === 'step' ? s.step : step(b);
        if (mainAt <= stage) alt.backTo = to;
        else alt.skipTo = to;
        break;
      }
      if (b.type === 'endEvent') { alt.end = step(b); break; }
      if (isVisible(b)) alt.steps.push(step(b));
      // through a later decision of the branch: its default way (the branch is told in short)
      b = b.out.length ? target(b.out.find((f) => f.id === b!.defaultFlow) ?? b.out[0]) : undefined;
    }
    owner.alternatives.push(alt);
  }

  const startStep = startNode.name ? { id: startNode.id, name: startNode.name, kind: 'event' as const } : undefined;
  return { start: startStep, stages, end };
}
