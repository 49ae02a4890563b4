/**
 * Generator for the five path-pattern diagrams in processes/diagrams/ and the processes they call
 * (city-report-up-approval, department-review).
 * Run: cd /work/main && node --import tsx scripts/gen-diagrams.ts
 * Explicit coordinates; every user task X gets X-deadline (non-interrupting timer) → X-escalate
 * (escalation deadline-breach) → X-escalated (end), laid out as a vertical column under (or over)
 * the task with labels on the left.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

type Pt = [number, number];
type Label = [number, number, number]; // x, y, width (height 14)

interface TaskSpec {
  group: string;
  window: string;
  orgLevel: 'town' | 'city';
  stepKind: 'accept' | 'review' | 'approve' | 'notify' | 'await-applicant';
  timeLimit: string;
  iso: string;
  timerName: string;
  band?: 'down' | 'up';
  /** the step's form when it is not `form:<task id>` (a reusable process's step shares a form) */
  form?: string;
}
interface Node {
  id: string;
  kind: 'start' | 'end' | 'task' | 'xgw' | 'pgw' | 'call';
  name: string;
  x: number;
  y: number;
  label?: Label;
  task?: TaskSpec;
  default?: string;
  call?: CallSpec;
}
/** A call activity (调用活动): the called process by id (binding latest) and its camunda:in / camunda:out [source, target]. */
interface CallSpec {
  calledElement: string;
  ins: [string, string][];
  outs: [string, string][];
  /** multi-instance (多实例): one called instance per element of `collection`, in parallel (联办件: one per department) */
  loop?: { collection: string; elementVariable: string };
}
interface Flow {
  id: string;
  src: string;
  tgt: string;
  name?: string;
  cond?: string;
  wps?: Pt[];
  label?: Label;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
/** External label width for CJK text at bpmn-js's 11px label font. */
const lw = (text: string) => Math.max(24, [...text].length * 12 + 4);

function size(n: Node): [number, number] {
  if (n.kind === 'task' || n.kind === 'call') return [100, 80];
  if (n.kind === 'xgw' || n.kind === 'pgw') return [50, 50];
  return [36, 36];
}
/** Default label: centred under an event or gateway. */
function defaultLabel(n: Node): Label {
  const [w, h] = size(n);
  const width = lw(n.name);
  return [Math.round(n.x + w / 2 - width / 2), n.y + h + 4, width];
}

interface Extra {
  nodes: { id: string; xml: string; bounds: [number, number, number, number]; label: Label }[];
  flows: { id: string; src: string; tgt: string; wps: Pt[] }[];
}

function band(n: Node): Extra {
  const t = n.task!;
  const up = t.band === 'up';
  // below: a column under the bottom-left corner; above: over the top-right corner (the
  // top-left corner carries the user-task icon)
  const bx = up ? n.x + 52 : n.x + 12;
  const cx = bx + 18; // centre line of the column
  const timer: [number, number, number, number] = up ? [bx, n.y - 18, 36, 36] : [bx, n.y + 62, 36, 36];
  const thr: [number, number, number, number] = up ? [bx, n.y - 88, 36, 36] : [bx, n.y + 130, 36, 36];
  const end: [number, number, number, number] = up ? [bx, n.y - 158, 36, 36] : [bx, n.y + 200, 36, 36];
  const leftLabel = (b: number[], text: string, dy = 11): Label => [bx - 4 - lw(text), b[1] + dy, lw(text)];
  const id = n.id;
  return {
    nodes: [
      {
        id: `${id}-deadline`,
        bounds: timer,
        label: up ? [bx - 4 - lw(t.timerName), n.y - 32, lw(t.timerName)] : [bx - 4 - lw(t.timerName), n.y + 92, lw(t.timerName)],
        xml: `    <bpmn:boundaryEvent id="${id}-deadline" name="${t.timerName}" cancelActivity="false" attachedToRef="${id}">
      <bpmn:outgoing>${id}-to-escalate</bpmn:outgoing>
      <bpmn:timerEventDefinition id="${id}-deadline-timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">\${${camel(id)}Limit || '${t.iso}'}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>`,
      },
      {
        id: `${id}-escalate`,
        bounds: thr,
        label: leftLabel(thr, '超时督办'),
        xml: `    <bpmn:intermediateThrowEvent id="${id}-escalate" name="超时督办">
      <bpmn:incoming>${id}-to-escalate</bpmn:incoming>
      <bpmn:outgoing>${id}-to-escalated</bpmn:outgoing>
      <bpmn:escalationEventDefinition id="${id}-escalate-definition" escalationRef="deadline-breach" />
    </bpmn:intermediateThrowEvent>`,
      },
      {
        id: `${id}-escalated`,
        bounds: end,
        label: leftLabel(end, '已移交督办'),
        xml: `    <bpmn:endEvent id="${id}-escalated" name="已移交督办">
      <bpmn:incoming>${id}-to-escalated</bpmn:incoming>
    </bpmn:endEvent>`,
      },
    ],
    flows: [
      { id: `${id}-to-escalate`, src: `${id}-deadline`, tgt: `${id}-escalate`, wps: up ? [[cx, n.y - 18], [cx, n.y - 52]] : [[cx, n.y + 98], [cx, n.y + 130]] },
      { id: `${id}-to-escalated`, src: `${id}-escalate`, tgt: `${id}-escalated`, wps: up ? [[cx, n.y - 88], [cx, n.y - 122]] : [[cx, n.y + 166], [cx, n.y + 200]] },
    ],
  };
}

function build(p: { id: string; name: string; itemCode?: string; caseCategory?: string; orgLevel: string; nodes: Node[]; flows: Flow[]; comment?: string }): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const inc = new Map<string, string[]>();
  const out = new Map<string, string[]>();
  for (const f of p.flows) {
    if (!byId.has(f.src) || !byId.has(f.tgt)) throw new Error(`${p.id}: flow ${f.id} has unknown end`);
    out.set(f.src, [...(out.get(f.src) ?? []), f.id]);
    inc.set(f.tgt, [...(inc.get(f.tgt) ?? []), f.id]);
  }
  const L: string[] = [];
  L.push('<?xml version="1.0" encoding="UTF-8"?>');
  if (p.comment) L.push(`<!-- ${p.comment} -->`);
  L.push(`<bpmn:definitions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre"
                  id="${p.id}-definitions"
                  targetNamespace="http://xinyi.gov.cn/bpmn/processes">`);
  const itemAttrs = `${p.itemCode ? ` svc:itemCode="${p.itemCode}"` : ''}${p.caseCategory ? ` svc:caseCategory="${p.caseCategory}"` : ''}`;
  L.push(`  <bpmn:process id="${p.id}" name="${esc(p.name)}" isExecutable="true"${itemAttrs} svc:orgLevel="${p.orgLevel}">`);
  const extras: Extra[] = [];
  const io = (id: string) =>
    [...(inc.get(id) ?? []).map((f) => `      <bpmn:incoming>${f}</bpmn:incoming>`), ...(out.get(id) ?? []).map((f) => `      <bpmn:outgoing>${f}</bpmn:outgoing>`)].join('\n');
  for (const n of p.nodes) {
    const body = io(n.id);
    if (n.kind === 'start') L.push(`    <bpmn:startEvent id="${n.id}" name="${esc(n.name)}">\n${body}\n    </bpmn:startEvent>`);
    else if (n.kind === 'end') L.push(`    <bpmn:endEvent id="${n.id}" name="${esc(n.name)}">\n${body}\n    </bpmn:endEvent>`);
    else if (n.kind === 'xgw') {
      if (!n.default) throw new Error(`${n.id}: exclusive gateway without default`);
      L.push(`    <bpmn:exclusiveGateway id="${n.id}" name="${esc(n.name)}" default="${n.default}">\n${body}\n    </bpmn:exclusiveGateway>`);
    } else if (n.kind === 'pgw') L.push(`    <bpmn:parallelGateway id="${n.id}" name="${esc(n.name)}">\n${body}\n    </bpmn:parallelGateway>`);
    else if (n.kind === 'call') {
      const c = n.call!;
      const maps = [
        '        <camunda:in businessKey="#{execution.processBusinessKey}" />',
        ...c.ins.map(([src, tgt]) => `        <camunda:in source="${src}" target="${tgt}" />`),
        ...c.outs.map(([src, tgt]) => `        <camunda:out source="${src}" target="${tgt}" />`),
      ].join('\n');
      const loop = c.loop ? `\n      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${esc(c.loop.collection)}" camunda:elementVariable="${c.loop.elementVariable}" />` : '';
      L.push(`    <bpmn:callActivity id="${n.id}" name="${esc(n.name)}" calledElement="${c.calledElement}">\n      <bpmn:extensionElements>\n${maps}\n      </bpmn:extensionElements>\n${body}${loop}\n    </bpmn:callActivity>`);
    } else {
      const t = n.task!;
      L.push(
        `    <bpmn:userTask id="${n.id}" name="${esc(n.name)}" camunda:candidateGroups="${t.group}" camunda:formKey="${t.form ?? `form:${n.id}`}" svc:timeLimit="${t.timeLimit}" svc:window="${t.window}" svc:orgLevel="${t.orgLevel}" svc:stepKind="${t.stepKind}">\n${body}\n    </bpmn:userTask>`,
      );
      const e = band(n);
      extras.push(e);
      for (const x of e.nodes) L.push(x.xml);
    }
  }
  for (const f of p.flows) {
    const nm = f.name ? ` name="${esc(f.name)}"` : '';
    if (f.cond) {
      L.push(`    <bpmn:sequenceFlow id="${f.id}"${nm} sourceRef="${f.src}" targetRef="${f.tgt}">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${esc(f.cond)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>`);
    } else L.push(`    <bpmn:sequenceFlow id="${f.id}"${nm} sourceRef="${f.src}" targetRef="${f.tgt}" />`);
  }
  for (const e of extras) for (const f of e.flows) L.push(`    <bpmn:sequenceFlow id="${f.id}" sourceRef="${f.src}" targetRef="${f.tgt}" />`);
  L.push('  </bpmn:process>');
  L.push('  <bpmn:escalation id="deadline-breach" name="超时督办" escalationCode="deadline.breach" />');
  L.push(`  <bpmndi:BPMNDiagram id="${p.id}-diagram">`);
  L.push(`    <bpmndi:BPMNPlane id="${p.id}-plane" bpmnElement="${p.id}">`);
  const shape = (id: string, b: number[], label?: Label, marker = false) => {
    L.push(`      <bpmndi:BPMNShape id="${id}-di" bpmnElement="${id}"${marker ? ' isMarkerVisible="true"' : ''}>`);
    L.push(`        <dc:Bounds x="${b[0]}" y="${b[1]}" width="${b[2]}" height="${b[3]}" />`);
    if (label) L.push(`        <bpmndi:BPMNLabel>\n          <dc:Bounds x="${label[0]}" y="${label[1]}" width="${label[2]}" height="14" />\n        </bpmndi:BPMNLabel>`);
    L.push('      </bpmndi:BPMNShape>');
  };
  const edge = (id: string, wps: Pt[], label?: Label) => {
    L.push(`      <bpmndi:BPMNEdge id="${id}-di" bpmnElement="${id}">`);
    for (const [x, y] of wps) L.push(`        <di:waypoint x="${x}" y="${y}" />`);
    if (label) L.push(`        <bpmndi:BPMNLabel>\n          <dc:Bounds x="${label[0]}" y="${label[1]}" width="${label[2]}" height="14" />\n        </bpmndi:BPMNLabel>`);
    L.push('      </bpmndi:BPMNEdge>');
  };
  for (const n of p.nodes) {
    const [w, h] = size(n);
    shape(n.id, [n.x, n.y, w, h], n.kind === 'task' || n.kind === 'call' ? undefined : (n.label ?? defaultLabel(n)), n.kind === 'xgw');
  }
  // boundary events after their hosts so bpmn-js draws them on top
  for (const e of extras) for (const x of e.nodes) shape(x.id, x.bounds, x.label);
  for (const f of p.flows) {
    let wps = f.wps;
    if (!wps) {
      const s = byId.get(f.src)!;
      const t = byId.get(f.tgt)!;
      const [sw, sh] = size(s);
      const [, th] = size(t);
      const sy = s.y + sh / 2;
      const ty = t.y + th / 2;
      if (sy !== ty) throw new Error(`${p.id}: flow ${f.id} needs waypoints`);
      wps = [
        [s.x + sw, sy],
        [t.x, ty],
      ];
    }
    edge(f.id, wps, f.name ? (f.label ?? undefined) : undefined);
  }
  for (const e of extras) for (const f of e.flows) edge(f.id, f.wps);
  L.push('    </bpmndi:BPMNPlane>');
  L.push('  </bpmndi:BPMNDiagram>');
  L.push('</bpmn:definitions>');
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
const Y = 430; // main row: tasks y=430..510, centre line y=470
const CY = Y + 40;
const town = (group: string, window: string, stepKind: TaskSpec['stepKind'], timeLimit: string, iso: string, timerName: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  group,
  window,
  orgLevel: 'town',
  stepKind,
  timeLimit,
  iso,
  timerName,
  ...extra,
});
const start = (x = 152): Node => ({ id: 'application-received', kind: 'start', name: '申请受理', x, y: CY - 18 });

// 1. 即办件
const immediate = build({
  id: 'immediate-item',
  name: '即办件办理流程',
  itemCode: 'TPL-IMMEDIATE',
  caseCategory: 'immediate',
  orgLevel: 'town',
  nodes: [
    start(),
    { id: 'window-handle', kind: 'task', name: '窗口当场办结', x: 260, y: Y, task: town('town-window', 'receiving', 'accept', 'PT8H', 'PT8H', '办理超时') },
    { id: 'case-completed', kind: 'end', name: '办结', x: 442, y: CY - 18 },
  ],
  flows: [
    { id: 'to-window-handle', src: 'application-received', tgt: 'window-handle' },
    { id: 'to-case-completed', src: 'window-handle', tgt: 'case-completed' },
  ],
});

// 2. 补办件: supplement loop during review
const supplement = build({
  id: 'supplement-item',
  name: '补办件办理流程（审查中补正）',
  itemCode: 'TPL-SUPPLEMENT',
  caseCategory: 'supplement',
  orgLevel: 'town',
  nodes: [
    start(),
    { id: 'accept', kind: 'task', name: '窗口受理', x: 260, y: Y, task: town('town-window', 'receiving', 'accept', '1WD', 'PT8H', '受理超时') },
    { id: 'review', kind: 'task', name: '部门审查', x: 420, y: Y, task: town('town-window', 'item-department', 'review', '3WD', 'P3D', '审查超时') },
    { id: 'review-result', kind: 'xgw', name: '审查结论', x: 570, y: Y + 15, default: 'review-approved', label: [610, 425, lw('审查结论')] },
    { id: 'notify-result', kind: 'task', name: '告知申请人办理结果', x: 680, y: Y, task: town('town-window', 'receiving', 'notify', '1WD', 'P1D', '告知超时') },
    { id: 'case-completed', kind: 'end', name: '办结', x: 842, y: CY - 18 },
    { id: 'notify-rejection', kind: 'task', name: '告知申请人不予许可', x: 720, y: 260, task: town('town-window', 'receiving', 'notify', '1WD', 'P1D', '告知超时', { band: 'up' }) },
    { id: 'case-rejected', kind: 'end', name: '不予许可', x: 882, y: 282 },
    { id: 'await-supplement', kind: 'task', name: '等待申请人补正', x: 420, y: 720, task: town('town-window', 'receiving', 'await-applicant', '5WD', 'P5D', '补正超时') },
  ],
  flows: [
    { id: 'to-accept', src: 'application-received', tgt: 'accept' },
    { id: 'to-review', src: 'accept', tgt: 'review' },
    { id: 'to-review-result', src: 'review', tgt: 'review-result' },
    { id: 'review-approved', src: 'review-result', tgt: 'notify-result', name: '同意', label: [630, 452, lw('同意')] },
    { id: 'review-supplement', src: 'review-result', tgt: 'await-supplement', name: '需补正', cond: "${decision == 'supplement'}", wps: [[595, 495], [595, 760], [520, 760]], label: [601, 690, lw('需补正')] },
    { id: 'supplement-back', src: 'await-supplement', tgt: 'review', name: '补正到件', wps: [[505, 720], [505, 510]], label: [511, 600, lw('补正到件')] },
    { id: 'review-rejected', src: 'review-result', tgt: 'notify-rejection', name: '不予许可', cond: "${decision == 'reject'}", wps: [[595, 445], [595, 300], [720, 300]], label: [603, 282, lw('不予许可')] },
    { id: 'review-returned', src: 'review-result', tgt: 'accept', name: '退回', cond: "${decision == 'return'}", wps: [[595, 445], [595, 390], [310, 390], [310, 430]], label: [436, 372, lw('退回')] },
    { id: 'to-completed', src: 'notify-result', tgt: 'case-completed' },
    { id: 'to-rejected', src: 'notify-rejection', tgt: 'case-rejected' },
  ],
});

// 3. 上报件 / 5. 退回件 share one shape: accept → review → G1 → approve step → G2 → notify; rejections
// to a notice step in the upper row; G1 returns over the top, G2 returns under the bands.
function twoStage(o: {
  id: string;
  name: string;
  itemCode: string;
  caseCategory: string;
  accept: [string, string, TaskSpec];
  review: [string, string, TaskSpec];
  g1: [string, string];
  /** the approval step: a user task, or a call activity to another office's process (上报件: the city's) */
  approve: [string, string, TaskSpec | CallSpec];
  /** the variable the second gateway reads (default `decision`: the approval step's own) */
  g2Variable?: string;
  g2: [string, string];
  notify: [string, string, TaskSpec];
  completed: [string, string];
  refuse: [string, string, TaskSpec];
  refused: [string, string];
  f: {
    toAccept: string;
    toReview: string;
    toG1: string;
    g1Pass: [string, string];
    g1Reject: [string, string];
    g1Return: [string, string];
    toG2: string;
    g2Pass: [string, string];
    g2Reject: [string, string];
    g2Return: [string, string];
    toCompleted: string;
    toRefused: string;
  };
}): string {
  const [a, r, g1, c, g2, n] = [o.accept[0], o.review[0], o.g1[0], o.approve[0], o.g2[0], o.notify[0]];
  const f = o.f;
  return build({
    id: o.id,
    name: o.name,
    itemCode: o.itemCode,
    caseCategory: o.caseCategory,
    orgLevel: 'town',
    nodes: [
      start(),
      { id: a, kind: 'task', name: o.accept[1], x: 260, y: Y, task: o.accept[2] },
      { id: r, kind: 'task', name: o.review[1], x: 420, y: Y, task: o.review[2] },
      { id: g1, kind: 'xgw', name: o.g1[1], x: 570, y: Y + 15, default: f.g1Pass[0], label: [595 - lw(o.g1[1]) / 2, 500, lw(o.g1[1])] },
      'calledElement' in o.approve[2]
        ? { id: c, kind: 'call', name: o.approve[1], x: 680, y: Y, call: o.approve[2] }
        : { id: c, kind: 'task', name: o.approve[1], x: 680, y: Y, task: o.approve[2] },
      { id: g2, kind: 'xgw', name: o.g2[1], x: 830, y: Y + 15, default: f.g2Pass[0], label: [866, 500, lw(o.g2[1])] },
      { id: n, kind: 'task', name: o.notify[1], x: 940, y: Y, task: o.notify[2] },
      { id: o.completed[0], kind: 'end', name: o.completed[1], x: 1102, y: CY - 18 },
      { id: o.refuse[0], kind: 'task', name: o.refuse[1], x: 720, y: 260, task: { ...o.refuse[2], band: 'up' } },
      { id: o.refused[0], kind: 'end', name: o.refused[1], x: 982, y: 282 },
    ],
    flows: [
      { id: f.toAccept, src: 'application-received', tgt: a },
      { id: f.toReview, src: a, tgt: r },
      { id: f.toG1, src: r, tgt: g1 },
      { id: f.g1Pass[0], src: g1, tgt: c, name: f.g1Pass[1], label: [650 - lw(f.g1Pass[1]) / 2, 450, lw(f.g1Pass[1])] },
      { id: f.g1Reject[0], src: g1, tgt: o.refuse[0], name: f.g1Reject[1], cond: "${decision == 'reject'}", wps: [[595, 445], [595, 300], [720, 300]], label: [601, 282, Math.min(114, lw(f.g1Reject[1]))] },
      { id: f.g1Return[0], src: g1, tgt: a, name: f.g1Return[1], cond: "${decision == 'return'}", wps: [[595, 445], [595, 390], [310, 390], [310, 430]], label: [436, 372, lw(f.g1Return[1])] },
      { id: f.toG2, src: c, tgt: g2 },
      { id: f.g2Pass[0], src: g2, tgt: n, name: f.g2Pass[1], label: [910 - lw(f.g2Pass[1]) / 2, 450, lw(f.g2Pass[1])] },
      { id: f.g2Reject[0], src: g2, tgt: o.refuse[0], name: f.g2Reject[1], cond: `\${${o.g2Variable ?? 'decision'} == 'reject'}`, wps: [[855, 445], [855, 380], [790, 380], [790, 340]], label: [861, 398, lw(f.g2Reject[1])] },
      { id: f.g2Return[0], src: g2, tgt: r, name: f.g2Return[1], cond: `\${${o.g2Variable ?? 'decision'} == 'return'}`, wps: [[855, 495], [855, 700], [505, 700], [505, 510]], label: [680 - lw(f.g2Return[1]) / 2, 682, lw(f.g2Return[1])] },
      { id: f.toCompleted, src: n, tgt: o.completed[0] },
      { id: f.toRefused, src: o.refuse[0], tgt: o.refused[0] },
    ],
  });
}

// 上报件 as two processes, each owned and versioned by its office: the town's (report-up-item, the
// items' procedure) calls the city's (city-report-up-approval, its latest version) with a call
// activity; the town's opinion goes in, the city's decision and opinion come back and route the town.
const CITY_PROCESS = 'city-report-up-approval';
const reportUp = twoStage({
  id: 'report-up-item',
  name: '上报件办理流程（镇级初审、调用市中心审批）',
  itemCode: 'TPL-REPORT-UP',
  caseCategory: 'report-up',
  accept: ['town-accept', '镇窗口受理', town('town-window', 'receiving', 'accept', 'PT8H', 'PT8H', '受理超时')],
  review: ['town-review', '镇级初审', town('town-window', 'item-department', 'review', 'P3D', 'P3D', '初审超时')],
  g1: ['town-review-result', '初审结论'],
  approve: ['report-to-city', '报市中心审批', { calledElement: CITY_PROCESS, ins: [['opinion', 'townOpinion']], outs: [['decision', 'cityDecision'], ['opinion', 'cityOpinion']] }],
  g2Variable: 'cityDecision',
  g2: ['city-decision', '市审批结果'],
  notify: ['town-notify-result', '镇窗口通知申请人办结结果', town('town-window', 'receiving', 'notify', 'P1D', 'P1D', '通知超时')],
  completed: ['case-completed', '办结'],
  refuse: ['town-notify-rejection', '通知申请人退回', town('town-window', 'receiving', 'notify', 'P1D', 'P1D', '通知超时')],
  refused: ['case-returned', '退回'],
  f: {
    toAccept: 'to-town-accept',
    toReview: 'to-town-review',
    toG1: 'to-town-review-result',
    g1Pass: ['review-passed', '报市审批'],
    g1Reject: ['review-rejected', '初审不通过'],
    g1Return: ['review-returned', '退回'],
    toG2: 'to-city-decision',
    g2Pass: ['city-approved', '批准'],
    g2Reject: ['city-rejected', '不予批准'],
    g2Return: ['city-returned', '退回'],
    toCompleted: 'to-case-completed',
    toRefused: 'to-case-returned',
  },
});

// 上报件, the city's part (called by report-up-item): 市中心审批 → 批准 / 不予批准 / 退回乡镇, each an end
// the town reads through `decision` (mapped back as cityDecision).
const cityReportUp = build({
  id: CITY_PROCESS,
  name: '市中心审批（上报件，由乡镇流程调用）',
  orgLevel: 'city',
  comment: 'The city office’s part of a report-up case (上报件), deployed and versioned by the city on its own; report-up-item calls it (call activity report-to-city, latest version) and routes on the decision it returns.',
  nodes: [
    { id: 'city-received', kind: 'start', name: '收到乡镇上报', x: 152, y: CY - 18 },
    { id: 'city-approval', kind: 'task', name: '市中心审批', x: 260, y: Y, task: { ...town('city-approval', 'item-department', 'approve', 'P5D', 'P5D', '审批超时'), orgLevel: 'city' } },
    { id: 'city-decision', kind: 'xgw', name: '市审批结果', x: 420, y: Y + 15, default: 'city-approved', label: [445 - lw('市审批结果') / 2, 500, lw('市审批结果')] },
    { id: 'city-approved-end', kind: 'end', name: '批准', x: 552, y: CY - 18 },
    { id: 'city-rejected-end', kind: 'end', name: '不予批准', x: 552, y: 282 },
    { id: 'city-returned-end', kind: 'end', name: '退回乡镇', x: 552, y: 662 },
  ],
  flows: [
    { id: 'to-city-approval', src: 'city-received', tgt: 'city-approval' },
    { id: 'to-city-decision', src: 'city-approval', tgt: 'city-decision' },
    { id: 'city-approved', src: 'city-decision', tgt: 'city-approved-end', name: '批准', label: [490 - lw('批准') / 2, 450, lw('批准')] },
    { id: 'city-rejected', src: 'city-decision', tgt: 'city-rejected-end', name: '不予批准', cond: "${decision == 'reject'}", wps: [[445, 445], [445, 300], [552, 300]], label: [451, 282, lw('不予批准')] },
    { id: 'city-returned', src: 'city-decision', tgt: 'city-returned-end', name: '退回', cond: "${decision == 'return'}", wps: [[445, 495], [445, 680], [552, 680]], label: [451, 650, lw('退回')] },
  ],
});

const rejection = twoStage({
  id: 'rejection-item',
  name: '退回件办理流程（政策与规划符合性审查）',
  itemCode: 'TPL-REJECTION',
  caseCategory: 'rejected',
  accept: ['accept', '窗口受理', town('town-window', 'receiving', 'accept', '1WD', 'PT8H', '受理超时')],
  review: ['conformity-review', '政策与规划符合性审查', town('town-window', 'item-department', 'review', '3WD', 'P3D', '审查超时')],
  g1: ['conformity-result', '是否符合'],
  approve: ['approve', '部门审批', town('town-window', 'item-department', 'approve', '5WD', 'P5D', '审批超时')],
  g2: ['approve-result', '审批结论'],
  notify: ['notify-result', '告知申请人办理结果', town('town-window', 'receiving', 'notify', '1WD', 'P1D', '告知超时')],
  completed: ['case-completed', '办结'],
  refuse: ['return-notice', '出具退回通知书', town('town-window', 'receiving', 'notify', '1WD', 'P1D', '出具超时')],
  refused: ['case-returned', '退回'],
  f: {
    toAccept: 'to-accept',
    toReview: 'to-conformity-review',
    toG1: 'to-conformity-result',
    g1Pass: ['conforms', '符合'],
    g1Reject: ['not-conforming', '不符合政策或规划'],
    g1Return: ['conformity-returned', '退回'],
    toG2: 'to-approve-result',
    g2Pass: ['approved', '准予'],
    g2Reject: ['approve-rejected', '不予许可'],
    g2Return: ['approve-returned', '退回'],
    toCompleted: 'to-completed',
    toRefused: 'to-returned',
  },
});

// 4. 联办件: the departments of the item (its jointDepartments, given to the case at intake) review in
// parallel, each in its own instance of the reusable department review (department-review): a
// parallel multi-instance call activity with the department as element variable, passed in as the
// called process's `department` (its step goes to that department's window of the case's centre,
// svc:window="item-department"); each department's decision and opinion come back as lists.
const DEPT_REVIEW = 'department-review';
const deptReview = build({
  id: DEPT_REVIEW,
  name: '部门审查（联办件，按部门调用）',
  orgLevel: 'town',
  comment: 'A department’s review of a joint item (联办件), its own small process reused by every joint path: joint-approval-item calls it once per department of the item (parallel multi-instance call activity dept-reviews), with the department in `department`; the step goes to that department’s window, with its own step limit (deptReviewLimit overrides it).',
  nodes: [
    { id: 'dept-received', kind: 'start', name: '收到联办材料', x: 152, y: CY - 18 },
    { id: 'dept-review', kind: 'task', name: '部门审查', x: 260, y: Y, task: town('town-window', 'item-department', 'approve', 'P5D', 'P5D', '审查超时', { form: 'form:review' }) },
    { id: 'dept-opinion', kind: 'xgw', name: '部门意见', x: 420, y: Y + 15, default: 'dept-agreed', label: [445 - lw('部门意见') / 2, 500, lw('部门意见')] },
    { id: 'dept-approved', kind: 'end', name: '同意', x: 552, y: CY - 18 },
    { id: 'dept-refused-end', kind: 'end', name: '不同意', x: 552, y: 282 },
  ],
  flows: [
    { id: 'to-dept-review', src: 'dept-received', tgt: 'dept-review' },
    { id: 'to-dept-opinion', src: 'dept-review', tgt: 'dept-opinion' },
    { id: 'dept-agreed', src: 'dept-opinion', tgt: 'dept-approved', name: '同意', label: [490 - lw('同意') / 2, 450, lw('同意')] },
    { id: 'dept-refused', src: 'dept-opinion', tgt: 'dept-refused-end', name: '不同意', cond: "${decision == 'reject'}", wps: [[445, 445], [445, 300], [552, 300]], label: [451, 282, lw('不同意')] },
  ],
});

const joint = build({
  id: 'joint-approval-item',
  name: '联办件并联审批流程（调用各部门审查）',
  itemCode: 'TPL-JOINT',
  caseCategory: 'joint',
  orgLevel: 'town',
  nodes: [
    start(),
    { id: 'joint-accept', kind: 'task', name: '牵头窗口受理', x: 260, y: Y, task: town('town-window', 'receiving', 'accept', 'PT8H', 'PT8H', '受理超时') },
    {
      id: 'dept-reviews',
      kind: 'call',
      name: '各部门并联审查',
      x: 420,
      y: Y,
      call: { calledElement: DEPT_REVIEW, ins: [['reviewDepartment', 'department']], outs: [['decision', 'deptDecisions'], ['opinion', 'deptOpinions']], loop: { collection: '${jointDepartments}', elementVariable: 'reviewDepartment' } },
    },
    { id: 'joint-result', kind: 'xgw', name: '联办结论', x: 570, y: Y + 15, default: 'joint-approved', label: [610, 425, lw('联办结论')] },
    { id: 'joint-notify', kind: 'task', name: '牵头窗口告知联办结果', x: 680, y: Y, task: town('town-window', 'receiving', 'notify', 'P1D', 'P1D', '告知超时') },
    { id: 'case-completed', kind: 'end', name: '办结', x: 842, y: CY - 18 },
    { id: 'joint-notify-refusal', kind: 'task', name: '告知申请人不予许可', x: 720, y: 260, task: town('town-window', 'receiving', 'notify', 'P1D', 'P1D', '告知超时', { band: 'up', form: 'form:notify-rejection' }) },
    { id: 'case-rejected', kind: 'end', name: '不予许可', x: 882, y: 282 },
  ],
  flows: [
    { id: 'to-joint-accept', src: 'application-received', tgt: 'joint-accept' },
    { id: 'to-dept-reviews', src: 'joint-accept', tgt: 'dept-reviews' },
    { id: 'to-joint-result', src: 'dept-reviews', tgt: 'joint-result' },
    { id: 'joint-approved', src: 'joint-result', tgt: 'joint-notify', name: '各部门同意', label: [622, 452, lw('各部门同意')] },
    { id: 'joint-refused', src: 'joint-result', tgt: 'joint-notify-refusal', name: '有部门不同意', cond: '= list contains(deptDecisions, "reject")', wps: [[595, 445], [595, 300], [720, 300]], label: [601, 282, lw('有部门不同意')] },
    { id: 'to-case-rejected', src: 'joint-notify-refusal', tgt: 'case-rejected' },
    { id: 'to-case-completed', src: 'joint-notify', tgt: 'case-completed' },
  ],
});

const dir = path.join(__dirname, '..', 'processes', 'diagrams');
for (const [file, xml] of Object.entries({
  'immediate-item.bpmn': immediate,
  'supplement-item.bpmn': supplement,
  'report-up-item.bpmn': reportUp,
  [`${CITY_PROCESS}.bpmn`]: cityReportUp,
  [`${DEPT_REVIEW}.bpmn`]: deptReview,
  'joint-approval-item.bpmn': joint,
  'rejection-item.bpmn': rejection,
})) {
  writeFileSync(path.join(dir, file), xml);
  console.log('wrote', file, xml.length);
}
