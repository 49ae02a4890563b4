/**
 * Semantic diff of two BPMN documents (bpmn-js-differ) read with the modeler's
 * own moddle (so camunda:* and svc:* attributes are compared as properties).
 */
import { diff } from 'bpmn-js-differ';

export type DiffKind = 'added' | 'removed' | 'changed' | 'layout';

export interface DiffEntry {
  id: string;
  kind: DiffKind;
  type: string;
  name?: string;
  /** changed attributes: name → old / new value (display strings) */
  attrs?: Array<{ attr: string; oldValue: string; newValue: string }>;
}

interface Moddle {
  fromXML(xml: string, type?: string): Promise<{ rootElement: unknown }>;
}

type ChangeMap = Record<string, { $type?: string; name?: string; model?: { $type: string; name?: string }; attrs?: Record<string, { oldValue: unknown; newValue: unknown }> }>;

function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'object') {
    const v = value as { id?: string; $type?: string };
    return v.id ?? v.$type ?? JSON.stringify(value);
  }
  return String(value);
}

export async function diffDiagrams(moddle: Moddle, oldXml: string, newXml: string): Promise<DiffEntry[]> {
  const [a, b] = await Promise.all([moddle.fromXML(oldXml, 'bpmn:Definitions'), moddle.fromXML(newXml, 'bpmn:Definitions')]);
  const result = diff(a.rootElement, b.rootElement) as { _added: ChangeMap; _removed: ChangeMap; _changed: ChangeMap; _layoutChanged: ChangeMap };
  const entries: DiffEntry[] = [];
  const push = (map: ChangeMap, kind: DiffKind) => {
    for (const [id, change] of Object.entries(map ?? {})) {
      const model = change.model ?? change;
      entries.push({
        id,
        kind,
        type: model.$type ?? '',
        name: model.name,
        attrs: change.attrs
          // bpmn-js-differ 3.2.0 hands jsondiffpatch's [old, new] to changed(model, key, newValue, oldValue):
          // its `oldValue` is the new document's value. Swapped back here (checked by test/features/designer.test.ts).
          ? Object.entries(change.attrs).map(([attr, v]) => ({ attr, oldValue: show(v.newValue), newValue: show(v.oldValue) }))
          : undefined,
      });
    }
  };
  push(result._added, 'added');
  push(result._removed, 'removed');
  push(result._changed, 'changed');
  // an element both changed and moved is listed once, as changed
  const seen = new Set(entries.map((e) => e.id));
  push(Object.fromEntries(Object.entries(result._layoutChanged ?? {}).filter(([id]) => !seen.has(id))), 'layout');
  return entries;
}
