/**
 * Browser copies of the server's identity checks (engine/cases/identity.ts), same rules, so a
 * wrong ID number is caught while typing; the phone rule is the server's own module
 * (engine/cases/phone.ts). The server checks again at intake.
 * Messages are keys of the workbench dictionary (`identity.*`).
 */

const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42',
  '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

export function normalizeCode(value: unknown): string {
  return String(value ?? '').normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

function cstToday(now: Date): number {
  const d = new Date(now.getTime() + 8 * 3600_000);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** GB 11643-1999 resident identity number: null when valid, else the problem's message key. */
export function residentIdProblem(id: string, now = new Date()): string | null {
  const s = normalizeCode(id);
  if (!/^\d{17}[\dX]$/.test(s)) return 'identity.idFormat';
  if (!PROVINCE_CODES.has(s.slice(0, 2))) return 'identity.idArea';
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || d < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return 'identity.idBirth';
  if (y < 1900) return 'identity.idBirth';
  if (y * 10_000 + m * 100 + d > cstToday(now)) return 'identity.idFuture';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i]!;
  if (ID_CHECK[sum % 11] !== s[17]) return 'identity.idCheck';
  return null;
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const AUTHORITY_TYPES: Record<string, string> = {
  '1': '1239', '2': '19', '3': '123459', '4': '19', '5': '1239', '6': '129', '7': '129', '8': '19', '9': '123', A: '19', N: '1239', Y: '1',
};

/** GB 32100-2015 unified social credit code: null when valid, else the problem's message key. */
export function creditCodeProblem(code: string): string | null {
  const s = normalizeCode(code);
  if (!new RegExp(`^[${USCC_CHARS}]{18}$`).test(s)) return 'identity.uscFormat';
  const types = AUTHORITY_TYPES[s[0]!];
  if (!types || !types.includes(s[1]!)) return 'identity.uscType';
  const area = s.slice(2, 8);
  if (!/^\d{6}$/.test(area) || !(area.slice(0, 2) === '10' || PROVINCE_CODES.has(area.slice(0, 2)))) return 'identity.uscArea';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(s[i]!) * USCC_WEIGHTS[i]!;
  if (USCC_CHARS[(31 - (sum % 31)) % 31] !== s[17]) return 'identity.uscCheck';
  const orgVal = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
  let os = 0;
  for (let i = 0; i < 8; i++) os += orgVal(s[8 + i]!) * ORG_WEIGHTS[i]!;
  const oc = 11 - (os % 11);
  if ((oc === 10 ? 'X' : oc === 11 ? '0' : String(oc)) !== s[16]) return 'identity.uscOrg';
  return null;
}

/**
 * The server's own phone rule, imported from the engine (one implementation, no copy):
 * mobile `13812345678` (+86 optional), fixed line with area code `0571-88886666`, extension
 * `0571-88886666-8001`; null if neither.
 */
export { normalizePhone } from '../../../../engine/cases/phone';

/** Problem key for a document number of `idType` (person or company), or null. */
export function idNumberProblem(kind: 'person' | 'company', idType: string, value: string): string | null {
  const s = normalizeCode(value);
  if (!s) return 'identity.required';
  if (kind === 'company') return idType === 'credit-code' ? creditCodeProblem(s) : 'identity.companyNeedsUsc';
  switch (idType) {
    case 'resident-id': return residentIdProblem(s);
    case 'passport': return /^[A-Z0-9]{5,17}$/.test(s) ? null : 'identity.passport';
    case 'hk-macao-permit': return /^[HM]\d{8,10}$/.test(s) ? null : 'identity.permit';
    case 'credit-code': return 'identity.personNoUsc';
    default: return /^[A-Z0-9-]{4,30}$/.test(s) ? null : 'identity.other';
  }
}
