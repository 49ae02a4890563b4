import { formatDateTime } from '../../format';
import type { Budget, HandedMaterial, Material } from './types';

export { formatDateTime };

/** `2026年12月2日` in Asia/Shanghai. */
export function formatDate(iso: string | undefined | null): string {
  if (!iso) return '—';
  const s = formatDateTime(iso);
  return s.split(' ')[0] ?? s;
}

/** The day (YYYY-MM-DD) of an instant in China Standard Time (the server's rule, common/cst.ts). */
export { cstDay } from '../../../../common/cst';

export function budgetText(b: Budget | undefined, t: (k: string, o?: any) => string): string {
  if (!b) return '—';
  if (b.unit === 'working-days') return t('clock.workingDays', { n: b.days });
  return b.iso;
}

/** What the intake still misses: the server's rule (mandatory, or conditional marked applicable; not provided or defective). */
export function missingOf(materials: Material[], handed: HandedMaterial[]): { code: string; name: string; reason: string }[] {
  const by = new Map(handed.map((h) => [h.code, h]));
  const out: { code: string; name: string; reason: string }[] = [];
  for (const m of materials) {
    const h = by.get(m.code);
    const required = m.requirement === 'mandatory' || h?.applicable === true;
    if (!required) continue;
    if (!h || !h.provided) out.push({ code: m.code, name: m.name, reason: `未提交（须${m.form}${m.copies}份）` });
    else if (h.defect) out.push({ code: m.code, name: m.name, reason: h.defect });
  }
  return out;
}
