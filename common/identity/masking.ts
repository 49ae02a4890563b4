/**
 * Masking of personal data (脱敏) — the platform's one rule, used by the server for every listing,
 * the public lookup and the notices (through engine/cases/identity.ts) and by the browser app
 * (modeler-ui/src/areas/workbench/identity.ts), so a name, an ID or a phone number is masked the
 * same way on every screen: the clerks' inbox and case list as the public 办件查询 (issue #13 —
 * they masked 欧阳小明 as 欧**明 and 阿卜杜·热合曼 as 阿*****曼 while the public page gave
 * 欧阳** / 阿**·**曼). Pure: no Node or browser APIs.
 */
import { normalizePhone } from './phone';

/**
 * `440983199003071234` → `4409**********1234` (IDs of 14 characters or more keep the first 4
 * and last 4); shorter numbers (passports, permits) keep the first and last character.
 */
export function maskIdNumber(id: string): string {
  const c = [...String(id ?? '').trim()];
  if (c.length >= 14) return c.slice(0, 4).join('') + '*'.repeat(c.length - 8) + c.slice(-4).join('');
  if (c.length <= 2) return '*'.repeat(c.length);
  return c[0] + '*'.repeat(c.length - 2) + c[c.length - 1];
}

/** `13812345678` → `138****5678`; fixed lines keep the area code and the last 2 digits: `0668-*****67`. */
export function maskPhone(phone: string): string {
  const n = normalizePhone(phone);
  if (n && !n.includes('-')) return `${n.slice(0, 3)}****${n.slice(7)}`;
  if (n) {
    const [area, local] = n.split('-');
    return `${area}-${'*'.repeat(local.length - 2)}${local.slice(-2)}`;
  }
  const s = [...String(phone ?? '').trim()];
  if (s.length >= 7) return s.slice(0, 3).join('') + '*'.repeat(s.length - 5) + s.slice(-2).join('');
  return '*'.repeat(s.length);
}

/** Chinese compound surnames (复姓) kept whole when a name is masked: 欧阳小明 → 欧阳**. */
const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '司空', '夏侯', '轩辕', '令狐',
  '端木', '独孤', '南宫', '西门', '澹台', '申屠', '太史', '万俟', '钟离', '闻人', '赫连', '呼延', '公冶', '濮阳', '淳于', '单于',
  '太叔', '仲孙', '东郭', '百里', '第五', '左丘', '拓跋', '完颜', '纳兰', '爱新觉罗',
]);
/** Separators inside a name kept as they are: the middle dots of transliterated names (·, •, ・, ‧, .) and spaces. */
const NAME_SEPARATOR = /^[·•・‧.\s]$/u;

/**
 * A person's name wherever it is masked — staff lists (inbox, 办件查询 list) and public pages
 * (办件查询, notices) alike — the way government service platforms mask it: two characters keep
 * the surname (`张三` → `张*`); three or more keep the first and the last (`张小三` → `张*三`); a
 * compound surname (复姓) stays whole and the given name is masked (`欧阳小明` → `欧阳**`,
 * `欧阳明` → `欧阳*`); a transliterated name keeps its middle dots and its first and last
 * character, every other character masked (`阿卜杜·热合曼` → `阿**·**曼`, `买买提·艾力` → `买**·*力`,
 * `John Smith` → `J*** ****h`). One `*` per character, so the length is kept (characters outside
 * the BMP count once). Staff read the whole name on the case page.
 */
export function maskName(name: string): string {
  const c = [...String(name ?? '').trim()];
  if (c.length <= 1) return c.join('');
  const masked = (keep: (i: number) => boolean) => c.map((ch, i) => (keep(i) || NAME_SEPARATOR.test(ch) ? ch : '*')).join('');
  if (c.some((ch) => NAME_SEPARATOR.test(ch))) return masked((i) => i === 0 || i === c.length - 1);
  if (c.length === 2) return masked((i) => i === 0);
  const surname = [4, 2].map((n) => c.slice(0, n).join('')).find((s) => COMPOUND_SURNAMES.has(s) && c.length > [...s].length);
  if (surname) return masked((i) => i < [...surname].length);
  return masked((i) => i === 0 || i === c.length - 1);
}
