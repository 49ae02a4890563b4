import Viewer from 'bpmn-js/lib/Viewer';
import { useEffect, useRef, useState } from 'react';

/**
 * Read-only BPMN diagram (bpmn-js Viewer) with marks and overlays, as staff read it: used by the
 * case page (finished / current step and its deadline) and the supervisor's heat map.
 *
 *   <BpmnDiagram xml={xml} markers={{ 'town-review': ['done'] }} focus="city-approval"
 *                overlays={[{ elementId: 'city-approval', html: '<span>…</span>', position: { top: -24, left: 0 } }]} />
 *
 * Readable at a counter PC and on a phone (issue 13): the diagram is fitted to the box's width,
 * but never below `MIN_ZOOM` (labels stay ≥ 12 px) — a wider path scrolls sideways in its box
 * (native scroll bars, no wheel capture), and `focus` brings the current step into view. The
 * deadline machinery of each step — its timer boundary event's chain (办理超时 → 超时督办 →
 * 已移交督办) — is nothing a clerk works on: the chain is hidden and the timer itself drawn as a
 * quiet clock on the step, its label hidden (`internalElements`).
 *
 * Marker classes styled in styles.css: `done`, `current`, `late`, `warned`, and `heat-0` … `heat-5`.
 * Overlay `html` is inserted as DOM: build it with `escapeHtml` for any text from data.
 */
export interface DiagramOverlay {
  elementId: string;
  html: string;
  position?: { top?: number; left?: number; bottom?: number; right?: number };
}

export interface BpmnDiagramProps {
  xml: string | undefined;
  markers?: Record<string, string[]>;
  overlays?: DiagramOverlay[];
  /** the most the box grows to (px); a taller diagram scrolls in it */
  height?: number;
  /** an element to scroll into view (the current step) */
  focus?: string;
  onElementClick?: (elementId: string) => void;
  testId?: string;
}

/** Labels are drawn at 12 px (textRenderer below): at 1.0 they stay 12 px on screen. */
export const MIN_ZOOM = 1;
const MAX_ZOOM = 1.1;
/** room (diagram units) above the top row for the deadline / heat overlays, and at the sides */
const PAD_TOP = 44;
const PAD = 16;

/**
 * bpmn-js's import failure in words a clerk reads (it said "no diagram to display": a definition
 * deployed without its drawing, as a hand-written file or one exported without layout).
 */
function importProblem(e: Error): string {
  if (/no diagram to display/i.test(e.message)) return '该流程定义没有保存图形布局，无法绘制。请设计人员在流程设计器中打开、排好图形后重新部署。';
  return '流程图文件格式有误，无法解析。请联系流程设计人员。';
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyViewer = any;
type Shape = any;

const hasDefinition = (bo: any, type: string) => (bo?.eventDefinitions ?? []).some((d: any) => d.$type === type);

/**
 * The deadline machinery of a diagram: `clocks` — timer boundary events (drawn quiet), and
 * `hidden` — everything only they lead to (the escalation throw, the 已移交督办 end, the flows
 * between), plus escalation throw events anywhere.
 */
export function internalElements(elements: Shape[]): { clocks: Set<string>; hidden: Set<string> } {
  const clocks = new Set<string>();
  const hidden = new Set<string>();
  const chain = new Set<string>();
  for (const e of elements) {
    if (e.type === 'bpmn:BoundaryEvent' && hasDefinition(e.businessObject, 'bpmn:TimerEventDefinition')) { clocks.add(e.id); chain.add(e.id); }
  }
  // a node joins the chain when every flow into it comes from the chain
  for (let changed = true; changed;) {
    changed = false;
    for (const e of elements) {
      if (chain.has(e.id) || e.waypoints || e.type === 'label' || !e.incoming?.length) continue;
      const seq = e.incoming.filter((f: Shape) => f.type === 'bpmn:SequenceFlow');
      if (seq.length && seq.every((f: Shape) => chain.has(f.source?.id))) { chain.add(e.id); changed = true; }
    }
  }
  for (const id of chain) if (!clocks.has(id)) hidden.add(id);
  for (const e of elements) {
    if (e.type === 'bpmn:IntermediateThrowEvent' && hasDefinition(e.businessObject, 'bpmn:EscalationEventDefinition')) hidden.add(e.id);
    if (e.waypoints && (hidden.has(e.source?.id) || hidden.has(e.target?.id) || clocks.has(e.source?.id))) hidden.add(e.id);
  }
  return { clocks, hidden };
}

export function BpmnDiagram({ xml, markers, overlays, height = 480, focus, onElementClick, testId = 'bpmn-diagram' }: BpmnDiagramProps) {
  const outer = useRef<HTMLDivElement>(null);
  const container = useRef<HTMLDivElement>(null);
  const viewer = useRef<AnyViewer>(null);
  const bounds = useRef<{ x: number; y: number; width: number; height: number } | null>(null);
  const [imported, setImported] = useState(0);
  const [zoom, setZoom] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const clickRef = useRef(onElementClick);
  clickRef.current = onElementClick;

  /** Fit the visible part to the box's width (within MIN_ZOOM … MAX_ZOOM); the box scrolls what is wider. */
  const layout = () => {
    const v = viewer.current;
    const b = bounds.current;
    if (!v || !b || !outer.current || !container.current) return;
    const avail = outer.current.clientWidth;
    if (!avail) return;
    const w = b.width + 2 * PAD;
    const h = b.height + PAD_TOP + PAD;
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, avail / w));
    container.current.style.width = `${Math.max(avail, Math.ceil(w * z))}px`;
    container.current.style.height = `${Math.ceil(h * z)}px`;
    const canvas = v.get('canvas');
    canvas.resized();
    canvas.viewbox({ x: b.x - PAD, y: b.y - PAD_TOP, width: Math.max(avail, w * z) / z, height: h });
    setZoom(z);
  };
  const layoutRef = useRef(layout);
  layoutRef.current = layout;

  useEffect(() => {
    // labels at 12 px (bpmn-js draws external labels at 11): at MIN_ZOOM they stay 12 px on screen
    const v: AnyViewer = new Viewer({ container: container.current!, textRenderer: { defaultStyle: { fontSize: 12 }, externalStyle: { fontSize: 12 } } });
    viewer.current = v;
    v.get('eventBus').on('element.click', (e: { element: { id: string; type: string } }) => {
      if (e.element.type !== 'bpmn:Process' && e.element.type !== 'bpmn:Collaboration') clickRef.current?.(e.element.id);
    });
    const ro = new ResizeObserver(() => layoutRef.current());
    ro.observe(outer.current!);
    return () => { ro.disconnect(); v.destroy(); viewer.current = null; };
  }, []);

  useEffect(() => {
    if (!xml || !viewer.current) return;
    let cancelled = false;
    viewer.current.importXML(xml).then(
      () => {
        if (cancelled) return;
        setError(null);
        const v = viewer.current;
        const canvas = v.get('canvas');
        const all: Shape[] = v.get('elementRegistry').getAll().filter((e: Shape) => e.parent);
        const { clocks, hidden } = internalElements(all);
        let x1 = Infinity; let y1 = Infinity; let x2 = -Infinity; let y2 = -Infinity;
        const grow = (x: number, y: number, w = 0, h = 0) => { x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + w); y2 = Math.max(y2, y + h); };
        for (const e of all) {
          const owner = e.type === 'label' ? e.labelTarget : e;
          if (hidden.has(owner?.id)) { canvas.addMarker(e, 'diagram-hidden'); continue; }
          if (clocks.has(owner?.id)) { canvas.addMarker(e, e.type === 'label' ? 'diagram-hidden' : 'diagram-quiet'); if (e.type === 'label') continue; }
          if (e.waypoints) for (const p of e.waypoints) grow(p.x, p.y);
          else if (typeof e.x === 'number') grow(e.x, e.y, e.width, e.height);
        }
        bounds.current = Number.isFinite(x1) ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
        layoutRef.current();
        setImported((n) => n + 1);
      },
      (e: Error) => { if (!cancelled) setError(importProblem(e)); },
    );
    return () => { cancelled = true; };
  }, [xml]);

  useEffect(() => {
    const v = viewer.current;
    if (!v || !imported) return;
    const canvas = v.get('canvas');
    const registry = v.get('elementRegistry');
    const overlayService = v.get('overlays');
    const added: Array<[string, string]> = [];
    for (const [id, classes] of Object.entries(markers ?? {})) {
      if (!registry.get(id)) continue;
      for (const c of classes) { canvas.addMarker(id, c); added.push([id, c]); }
    }
    const overlayIds: string[] = [];
    for (const o of overlays ?? []) {
      if (!registry.get(o.elementId)) continue;
      const html = document.createElement('div');
      html.className = 'diagram-overlay';
      html.innerHTML = o.html;
      overlayIds.push(overlayService.add(o.elementId, { position: o.position ?? { top: -28, left: 0 }, html }));
    }
    return () => {
      for (const [id, c] of added) canvas.removeMarker(id, c);
      for (const id of overlayIds) overlayService.remove(id);
    };
  }, [imported, markers, overlays]);

  // the current step in view (a phone shows a part of a wide path)
  useEffect(() => {
    const v = viewer.current;
    const b = bounds.current;
    if (!v || !b || !focus || !zoom || !outer.current) return;
    const el = v.get('elementRegistry').get(focus);
    if (!el) return;
    const left = (el.x - (b.x - PAD)) * zoom;
    const box = outer.current;
    if (left < box.scrollLeft || left + el.width * zoom > box.scrollLeft + box.clientWidth) box.scrollLeft = Math.max(0, left - 24);
  }, [focus, zoom, imported]);

  return (
    <div ref={outer} className="bpmn-diagram" data-testid={testId} data-imported={imported > 0 ? 'true' : 'false'} data-zoom={zoom ?? undefined}
      style={{ maxHeight: height, overflow: 'auto' }} tabIndex={0} role="img" aria-label="流程图">
      {error ? <div className="bpmn-diagram-error" role="alert">流程图无法显示：{error}</div> : null}
      <div ref={container} style={{ width: '100%', height: 240 }} />
    </div>
  );
}
