/**
 * Chinese identity numbers — the one implementation of their checks, used by the server
 * (engine/cases/id-numbers.ts and engine/cases/identity.ts re-export them) and by the browser app
 * (modeler-ui/src/areas/workbench/identity.ts), so a number the clerk's screen accepts is one
 * the server accepts. Pure: no Node or browser APIs.
 *
 * - Resident identity number 公民身份号码 (GB 11643-1999): 6-digit area code, birth date
 *   YYYYMMDD, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character (0–9 or X;
 *   a lower-case x is accepted and upper-cased).
 * - Unified social credit code 统一社会信用代码 (GB 32100-2015): registration authority, type,
 *   6-digit area code, 9-character organisation code with its own GB 11714 check, MOD 31 check.
 *
 * Reasons never repeat the value they are about (they end up in error responses and logs).
 */

import { CST_OFFSET_MS } from '../cst';

// ---------------------------------------------------------------- shared

/** Why a number is refused: a stable code (the browser's message key `identity.<code>`) and the reason in words. */
export type IdProblemCode = 'idFormat' | 'idArea' | 'idBirth' | 'idFuture' | 'idCheck' | 'uscFormat' | 'uscType' | 'uscArea' | 'uscCheck' | 'uscOrg';
export type Invalid = { ok: false; code: IdProblemCode; reason: string };

/** Province-level codes (first two digits of a GB/T 2260 area code), incl. 71 Taiwan, 81 Hong Kong, 82 Macao. */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42',
  '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

/** Trims, folds full-width characters (NFKC: `４４０９…Ｘ` → `4409…X`), drops inner spaces, upper-cases. */
export function normalizeCode(value: unknown): string {
  return String(value ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .toUpperCase();
}


/** Today in China Standard Time as a comparable number YYYYMMDD. */
function cstToday(now: Date): number {
  const d = new Date(now.getTime() + CST_OFFSET_MS);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

// ---------------------------------------------------------------- resident identity number

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export type ResidentIdResult = { ok: true; normalized: string; birthDate: string; sex: 'male' | 'female' } | Invalid;

/** ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function residentIdCheckChar(body17: string): string {
  if (!/^\d{17}$/.test(body17)) throw new RangeError('the body of a resident ID is 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

/**
 * Checks an 18-character resident identity number (GB 11643-1999). Lower-case `x`, full-width
 * characters and spaces are accepted and normalised. The birth date must be a real calendar date,
 * in 1900 or later and not after today (China Standard Time; `opts.now` for tests).
 */
export function validateResidentId(id: string, opts: { now?: Date } = {}): ResidentIdResult {
  const s = normalizeCode(id);
  if (!/^\d{17}[\dX]$/.test(s)) return { ok: false, code: 'idFormat', reason: 'must be 18 characters: 17 digits, then a digit or X (应为18位：前17位为数字，末位为数字或X)' };
  if (!PROVINCE_CODES.has(s.slice(0, 2))) return { ok: false, code: 'idArea', reason: 'area code does not start with a valid province code (地址码无效)' };
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || d < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, code: 'idBirth', reason: 'birth date is not a real calendar date (出生日期无效)' };
  }
  if (y < 1900) return { ok: false, code: 'idBirth', reason: 'birth year is before 1900 (出生年份不得早于1900年)' };
  if (y * 10_000 + m * 100 + d > cstToday(opts.now ?? new Date())) return { ok: false, code: 'idFuture', reason: 'birth date is in the future (出生日期晚于当前日期)' };
  if (residentIdCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, code: 'idCheck', reason: 'check digit is wrong (校验码错误)' };
  return { ok: true, normalized: s, birthDate: `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`, sex: Number(s[16]) % 2 === 1 ? 'male' : 'female' };
}

// ---------------------------------------------------------------- unified social credit code

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/**
 * Registration authorities (登记管理部门代码, 1st character) and their organisation types
 * (机构类别代码, 2nd character), GB 32100-2015 table 1 with the later additions A (军队) and N (农业).
 * Exported so that a change in regulation is a one-line addition.
 */
export const CREDIT_CODE_AUTHORITIES: Readonly<Record<string, { name: string; types: Readonly<Record<string, string>> }>> = {
  '1': { name: '机构编制', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', types: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': { name: '司法行政', types: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' } },
  '4': { name: '文化', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': { name: '旅游', types: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' } },
  '7': { name: '宗教', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', types: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', types: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', types: { '1': '其他' } },
};

export type CreditCodeResult = { ok: true; normalized: string; authority: string; entityType: string } | Invalid;

/** Value of an organisation-code character (GB 11714): digits 0–9, letters A=10 … Z=35. */
function orgCharValue(c: string): number {
  return /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
}

/** GB 11714 check character of the first 8 characters of an organisation code. */
export function orgCodeCheckChar(body8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(body8)) throw new RangeError('the body of an organisation code is 8 digits or capital letters');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += orgCharValue(body8[i]) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** GB 32100 MOD 31 check character of the first 17 characters. */
export function creditCodeCheckChar(body17: string): string {
  if (!new RegExp(`^[${USCC_CHARS}]{17}$`).test(body17)) throw new RangeError('the body of a credit code is 17 characters of its charset');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(body17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

/**
 * Checks an 18-character unified social credit code (GB 32100-2015). Lower case, full-width
 * characters and spaces are accepted and normalised. Note: a few codes issued before the
 * standard was enforced (some 2015–2016 local registrations) fail these checks; they are refused
 * here and need a correction at the registration authority.
 */
export function validateCreditCode(code: string): CreditCodeResult {
  const s = normalizeCode(code);
  if (!new RegExp(`^[${USCC_CHARS}]{18}$`).test(s)) {
    return { ok: false, code: 'uscFormat', reason: 'must be 18 characters: digits and capital letters other than I, O, S, V, Z (应为18位数字或大写字母，不使用I、O、S、V、Z)' };
  }
  const authority = CREDIT_CODE_AUTHORITIES[s[0]];
  if (!authority) return { ok: false, code: 'uscType', reason: 'registration authority code (1st character) is not one of GB 32100 (登记管理部门代码无效)' };
  const entityType = authority.types[s[1]];
  if (!entityType) return { ok: false, code: 'uscType', reason: 'organisation type code (2nd character) is not valid for its registration authority (机构类别代码无效)' };
  const area = s.slice(2, 8);
  if (!/^\d{6}$/.test(area) || !(area.slice(0, 2) === '10' || PROVINCE_CODES.has(area.slice(0, 2)))) {
    return { ok: false, code: 'uscArea', reason: 'administrative area code (characters 3–8) is not a valid area code (登记管理机关行政区划码无效)' };
  }
  if (creditCodeCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, code: 'uscCheck', reason: 'check character is wrong (校验码错误)' };
  if (orgCodeCheckChar(s.slice(8, 16)) !== s[16]) return { ok: false, code: 'uscOrg', reason: 'organisation code (characters 9–17) fails its own check (主体标识码（组织机构代码）校验码错误)' };
  return { ok: true, normalized: s, authority: authority.name, entityType };
}

/** Either result of the two validators (kept for callers that handle both). */
export type IdResult = ResidentIdResult | CreditCodeResult;
