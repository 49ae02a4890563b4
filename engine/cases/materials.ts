/**
 * The materials of an application (申请材料): what the applicant handed in, and what is still
 * missing or defective by the item's list — the content of the one-time notification (一次性告知).
 */
import type { ServiceItem } from '../catalogue/catalogue-service';

export interface HandedMaterial {
  code: string;
  provided: boolean;
  /** What is wrong with a material handed in (not in legal form, expired, unsigned…). */
  defect?: string;
  /** For conditional materials: the condition applies to this applicant. */
  applicable?: boolean;
}

/** The materials still missing or defective, by the item's list and what was handed in. */
export function missingMaterials(item: ServiceItem, handed: HandedMaterial[]): { code: string; name: string; reason: string; requirement: string }[] {
  const byCode = new Map(handed.map((h) => [h.code, h]));
  const out: { code: string; name: string; reason: string; requirement: string }[] = [];
  for (const m of item.materials) {
    const h = byCode.get(m.code);
    const required = m.requirement === 'mandatory' || h?.applicable === true;
    if (!required) continue;
    if (!h || !h.provided) out.push({ code: m.code, name: m.name, reason: `未提交（须${m.form}${m.copies}份）`, requirement: m.requirement });
    else if (h.defect) out.push({ code: m.code, name: m.name, reason: h.defect, requirement: m.requirement });
  }
  return out;
}
