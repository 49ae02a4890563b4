/**
 * Mainland telephone numbers — the one rule of the platform, used by the server (intake,
 * complaints, case lookup, form checks; through engine/cases/phone.ts) and by the browser app
 * (modeler-ui/src/areas/workbench/identity.ts, shared/FormView.tsx), so both accept and refuse
 * the same numbers. Pure: no Node or browser APIs.
 */

/**
 * Normal form of a telephone number, or null when it is neither:
 * - a mainland mobile `1[3-9]` + 9 digits (an optional +86 / 0086 / 86 prefix is dropped) → `13812345678`;
 * - a fixed line with its area code: 010 and 02x take 8-digit numbers, other area codes
 *   0xxx take 7 or 8 digits (a local number never starts with 0) → `0668-1234567`, `020-12345678`;
 *   an optional +86 / 0086 before the area code (with or without its 0) is dropped;
 * - a fixed line with an extension (分机, 1–6 digits) after 转, 分机, ext, x, # or a dash
 *   following the complete number → `0571-88886666-8001`.
 * Spaces, hyphens, dots and brackets around the area code are ignored; full-width characters are folded.
 */
export function normalizePhone(phone: string): string | null {
  const raw = String(phone ?? '')
    .normalize('NFKC')
    .trim();
  if (!raw || raw.length > 40) return null;
  const plain = basePhone(raw);
  if (plain) return plain;
  // an extension: "0571-88886666转8001", "010-12345678 ext. 12", "0571-88886666-8001"
  const ext = /^(.+?)\s*(?:转|分机|ext\.?|x|#|[-\s])\s*(\d{1,6})$/i.exec(raw);
  if (ext) {
    const base = basePhone(ext[1]);
    if (base && base.startsWith('0')) return `${base}-${ext[2]}`;
  }
  return null;
}

function basePhone(text: string): string | null {
  let s = text.replace(/[\s().\-]/g, '');
  if (/^(\+86|0086|86)1[3-9]\d{9}$/.test(s)) s = s.slice(s.length - 11);
  if (/^1[3-9]\d{9}$/.test(s)) return s;
  // +86 571 8888 6666 / 0086-10-12345678: the country code replaces the trunk 0
  const intl = /^(?:\+86|0086)0?([1-9]\d{8,10})$/.exec(s);
  if (intl) s = `0${intl[1]}`;
  const big = /^(0[12]\d)([1-9]\d{7})$/.exec(s);
  if (big) return `${big[1]}-${big[2]}`;
  const other = /^(0[3-9]\d{2})([1-9]\d{6,7})$/.exec(s);
  if (other) return `${other[1]}-${other[2]}`;
  return null;
}

/** Mainland mobile 1[3-9]xxxxxxxxx, or a fixed line with its area code like 0668-1234567 (extension allowed). */
export function isValidPhone(phone: string): boolean {
  return normalizePhone(phone) !== null;
}
