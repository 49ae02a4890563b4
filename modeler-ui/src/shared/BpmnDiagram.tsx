import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { useEffect, useRef, useState } from 'react';

/**
 * Read-only BPMN diagram (bpmn-js NavigatedViewer) with marks and overlays:
 * used by the case page (finished / current step and its deadline), the public
 * guide (the procedure) and the supervisor's heat map.
 *
 *   <BpmnDiagram xml={xml} markers={{ 'town-review': ['done'] }}
 *                overlays={[{ elementId: 'city-approval', html: '<span>…</span>', position: { top: -24, left: 0 } }]} />
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
  height?: number | string;
  onElementClick?: (elementId: string) => void;
  testId?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Viewer = any;

export function BpmnDiagram({ xml, markers, overlays, height = 420, onElementClick, testId = 'bpmn-diagram' }: BpmnDiagramProps) {
  const container = useRef<HTMLDivElement>(null);
  const viewer = useRef<Viewer>(null);
  const [imported, setImported] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const clickRef = useRef(onElementClick);
  clickRef.current = onElementClick;

  useEffect(() => {
    const v: Viewer = new NavigatedViewer({ container: container.current! });
    viewer.current = v;
    v.get('eventBus').on('element.click', (e: { element: { id: string; type: string } }) => {
      if (e.element.type !== 'bpmn:Process' && e.element.type !== 'bpmn:Collaboration') clickRef.current?.(e.element.id);
    });
    return () => { v.destroy(); viewer.current = null; };
  }, []);

  useEffect(() => {
    if (!xml || !viewer.current) return;
    let cancelled = false;
    viewer.current.importXML(xml).then(
      () => {
        if (cancelled) return;
        setError(null);
        viewer.current.get('canvas').zoom('fit-viewport', 'auto');
        setImported((n) => n + 1);
      },
      (e: Error) => { if (!cancelled) setError(e.message); },
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

  return (
    <div className="bpmn-diagram" data-testid={testId} data-imported={imported > 0 ? 'true' : 'false'} style={{ height }}>
      {error ? <div className="bpmn-diagram-error" role="alert">流程图无法显示：{error}</div> : null}
      <div ref={container} style={{ width: '100%', height: '100%' }} />
    </div>
  );
}
