/**
 * Chinese identity numbers and personal-data masking.
 *
 * - Resident identity number 公民身份号码 (GB 11643-1999): 6-digit area code, birth date
 *   YYYYMMDD, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
 * - Unified social credit code 统一社会信用代码 (GB 32100-2015): registration authority, type,
 *   6-digit area code, 9-character organisation code with its own GB 11714 check, MOD 31 check.
 * - Mainland mobile and fixed-line telephone numbers.
 *
 * Reasons and problem messages never repeat the value they are about: they end up in error
 * responses and logs, and personal data is never logged. ID and phone numbers are masked in
 * every listing (`maskIdNumber`, `maskPhone`, `maskName`, `maskApplicant`).
 */
import { createHash } from 'node:crypto';
import { normalizePhone } from './phone';

// ---------------------------------------------------------------- shared

export type Invalid = { ok: false; reason: string };

/** Province-level codes (first two digits of a GB/T 2260 area code), incl. 71 Taiwan, 81 Hong Kong, 82 Macao. */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42',
  '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

/** Trims, folds full-width characters (NFKC: `４４０９…Ｘ` → `4409…X`), drops inner spaces, upper-cases. */
function normalizeCode(value: unknown): string {
  return String(value ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .toUpperCase();
}

const CST_OFFSET_MS = 8 * 3600_000;

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
  if (!/^\d{17}[\dX]$/.test(s)) return { ok: false, reason: 'must be 18 characters: 17 digits, then a digit or X (应为18位：前17位为数字，末位为数字或X)' };
  if (!PROVINCE_CODES.has(s.slice(0, 2))) return { ok: false, reason: 'area code does not start with a valid province code (地址码无效)' };
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || d < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, reason: 'birth date is not a real calendar date (出生日期无效)' };
  }
  if (y < 1900) return { ok: false, reason: 'birth year is before 1900 (出生年份不得早于1900年)' };
  if (y * 10_000 + m * 100 + d > cstToday(opts.now ?? new Date())) return { ok: false, reason: 'birth date is in the future (出生日期晚于当前日期)' };
  if (residentIdCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, reason: 'check digit is wrong (校验码错误)' };
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
    return { ok: false, reason: 'must be 18 characters: digits and capital letters other than I, O, S, V, Z (应为18位数字或大写字母，不使用I、O、S、V、Z)' };
  }
  const authority = CREDIT_CODE_AUTHORITIES[s[0]];
  if (!authority) return { ok: false, reason: 'registration authority code (1st character) is not one of GB 32100 (登记管理部门代码无效)' };
  const entityType = authority.types[s[1]];
  if (!entityType) return { ok: false, reason: 'organisation type code (2nd character) is not valid for its registration authority (机构类别代码无效)' };
  const area = s.slice(2, 8);
  if (!/^\d{6}$/.test(area) || !(area.slice(0, 2) === '10' || PROVINCE_CODES.has(area.slice(0, 2)))) {
    return { ok: false, reason: 'administrative area code (characters 3–8) is not a valid area code (登记管理机关行政区划码无效)' };
  }
  if (creditCodeCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, reason: 'check character is wrong (校验码错误)' };
  if (orgCodeCheckChar(s.slice(8, 16)) !== s[16]) return { ok: false, reason: 'organisation code (characters 9–17) fails its own check (主体标识码（组织机构代码）校验码错误)' };
  return { ok: true, normalized: s, authority: authority.name, entityType };
}

/** Either result of the two validators (kept for callers that handle both). */
export type IdResult = ResidentIdResult | CreditCodeResult;

// ---------------------------------------------------------------- telephone numbers

/** The platform's one phone rule (engine/cases/phone.ts, shared with the browser app). */
export { normalizePhone } from './phone';

/** Mainland mobile 1[3-9]xxxxxxxxx, or a fixed line with its area code like 0668-1234567 (extension allowed). */
export function validateMobile(phone: string): boolean {
  return normalizePhone(phone) !== null;
}

// ---------------------------------------------------------------- applicants

export type ApplicantIdType = 'resident-id' | 'credit-code' | 'passport' | 'hk-macao-permit' | 'other';
const ID_TYPES: readonly ApplicantIdType[] = ['resident-id', 'credit-code', 'passport', 'hk-macao-permit', 'other'];

export interface ApplicantInput {
  kind: 'person' | 'company';
  name: string;
  idType: ApplicantIdType;
  idNumber: string;
  phone?: string;
  /** Contact person (联系人) of a company, or an agent (代理人) of a person. */
  contactName?: string;
  /** Postal address (联系地址), free text up to 200 characters. */
  address?: string;
}

export interface ApplicantProblem {
  field: 'kind' | 'name' | 'idType' | 'idNumber' | 'phone' | 'contactName' | 'address';
  /** English, with the Chinese in brackets. */
  message: string;
}

export type ApplicantCheck = { ok: true; applicant: ApplicantInput } | { ok: false; problems: ApplicantProblem[] };

/** Middle dots people type in minority and foreign names (·•・‧∙⋅･) → U+00B7 as in the ID card. */
function normalizePersonName(name: unknown): string {
  return String(name ?? '')
    .trim()
    .replace(/[\u2022\u30FB\u2027\u2219\u22C5\uFF65]/g, '\u00B7')
    .replace(/[ \t\u00A0\u3000]+/g, ' ');
}

/** 2–50 characters of letters (any script, incl. Chinese and 〇), with '·', spaces, '.', '-', '\'' between them. */
function personNameOk(name: string): boolean {
  const chars = [...name];
  if (chars.length < 2 || chars.length > 50) return false;
  return /^[\p{L}\p{M}\u3007](?:[\p{L}\p{M}\u3007·. '\-]*[\p{L}\p{M}\u3007.])?$/u.test(name);
}

const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

/**
 * Checks an applicant and returns every problem at once, or the applicant normalised (trimmed
 * name with U+00B7 middle dots, upper-case ID number, phone in `normalizePhone` form; only the
 * known fields are kept).
 * - person: name 2–50 letters (Chinese names may contain '·'); resident ID fully checked;
 *   passport 5–17 letters/digits; Hong Kong/Macao permit H or M + 8–10 digits; other 4–30.
 * - company: name 2–100 characters; unified social credit code fully checked.
 */
export function validateApplicant(input: ApplicantInput): ApplicantCheck {
  const problems: ApplicantProblem[] = [];
  const kind = input?.kind;
  const idType = input?.idType;
  let idNumber = normalizeCode(input?.idNumber);
  const name = kind === 'person' ? normalizePersonName(input?.name) : String(input?.name ?? '').trim().replace(/[ \t\u00A0\u3000]+/g, ' ');

  if (kind !== 'person' && kind !== 'company') {
    problems.push({ field: 'kind', message: "kind must be 'person' or 'company' (申请人类型应为个人或单位)" });
  }
  if (!ID_TYPES.includes(idType)) {
    problems.push({ field: 'idType', message: `idType must be one of ${ID_TYPES.join(', ')} (证件类型无效)` });
  }

  if (kind === 'person') {
    if (!personNameOk(name)) problems.push({ field: 'name', message: 'a person’s name is 2–50 letters; Chinese names may contain “·” (姓名应为2–50个字，少数民族姓名可含“·”)' });
    if (!idNumber) problems.push({ field: 'idNumber', message: 'identity document number is required (证件号码不能为空)' });
    else if (idType === 'resident-id') {
      const r = validateResidentId(idNumber);
      if (!r.ok) problems.push({ field: 'idNumber', message: `resident ID: ${r.reason}` });
      else idNumber = r.normalized;
    } else if (idType === 'passport') {
      if (!/^[A-Z0-9]{5,17}$/.test(idNumber)) problems.push({ field: 'idNumber', message: 'passport number is 5–17 letters and digits (护照号码格式错误)' });
    } else if (idType === 'hk-macao-permit') {
      if (!/^[HM]\d{8,10}$/.test(idNumber)) problems.push({ field: 'idNumber', message: 'permit number is H or M followed by 8–10 digits (港澳居民来往内地通行证号码格式错误)' });
    } else if (idType === 'credit-code') {
      problems.push({ field: 'idType', message: 'a person applies with an identity document, not a credit code (个人应使用身份证件)' });
    } else if (idType === 'other') {
      if (!/^[A-Z0-9\-]{4,30}$/.test(idNumber)) problems.push({ field: 'idNumber', message: 'document number is 4–30 letters and digits (证件号码格式错误)' });
    }
  } else if (kind === 'company') {
    if ([...name].length < 2 || [...name].length > 100 || CONTROL.test(name)) {
      problems.push({ field: 'name', message: 'a company name is 2–100 characters (单位名称应为2–100个字)' });
    }
    if (idType !== 'credit-code') {
      if (ID_TYPES.includes(idType)) problems.push({ field: 'idType', message: 'a company applies with its unified social credit code (单位应使用统一社会信用代码)' });
    } else if (!idNumber) {
      problems.push({ field: 'idNumber', message: 'unified social credit code is required (统一社会信用代码不能为空)' });
    } else {
      const r = validateCreditCode(idNumber);
      if (!r.ok) problems.push({ field: 'idNumber', message: `credit code: ${r.reason}` });
      else idNumber = r.normalized;
    }
  }

  const rawPhone = input?.phone === undefined || input?.phone === null ? '' : String(input.phone).trim();
  const phone = rawPhone ? normalizePhone(rawPhone) : null;
  if (rawPhone && !phone) problems.push({ field: 'phone', message: 'phone is not a mainland mobile or a fixed line with area code (联系电话格式错误)' });

  const rawContact = input?.contactName === undefined || input?.contactName === null ? '' : normalizePersonName(input.contactName);
  if (rawContact && !personNameOk(rawContact)) problems.push({ field: 'contactName', message: 'contact name is 2–50 letters (联系人姓名应为2–50个字)' });

  const address = input?.address === undefined || input?.address === null ? '' : String(input.address).trim().replace(/[ \t\u00A0\u3000]+/g, ' ');
  if (address && ([...address].length > 200 || CONTROL.test(address))) problems.push({ field: 'address', message: 'address is at most 200 characters (联系地址不超过200个字)' });

  if (problems.length) return { ok: false, problems };
  const applicant: ApplicantInput = { kind, name, idType, idNumber };
  if (address) applicant.address = address;
  if (phone) applicant.phone = phone;
  if (rawContact) applicant.contactName = rawContact;
  return { ok: true, applicant };
}

// ---------------------------------------------------------------- masking

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

/** Keeps the first character and masks the rest, one `*` each: `张三` → `张*`, `欧阳小明` → `欧***`, `John Smith` → `J*********`. */
export function maskName(name: string): string {
  const c = [...String(name ?? '').trim()];
  if (c.length <= 1) return c.join('');
  return c[0] + '*'.repeat(c.length - 1);
}

/**
 * Masks an applicant for a listing: ID number and phone always; with `{ public: true }` (lists
 * published or shown to others) also a person’s name and any contact name. Company names are public.
 */
export function maskApplicant<T extends { name: string; idNumber: string; phone?: string; kind?: string; contactName?: string }>(a: T, opts: { public?: boolean } = {}): T {
  const out: T = { ...a, idNumber: maskIdNumber(a.idNumber) };
  if (a.phone) out.phone = maskPhone(a.phone);
  if (opts.public) {
    if (a.kind !== 'company') out.name = maskName(a.name);
    if (a.contactName) out.contactName = maskName(a.contactName);
  }
  return out;
}

/**
 * SHA-256 (hex) of a salted, normalised value, for lookups (e.g. by phone) without keeping a
 * second copy. Normalisation: NFKC and no whitespace, so `139 1234 5678` and `13912345678` agree;
 * letter case is kept (callers upper-case codes themselves).
 */
export function hashPersonal(value: string, salt: string): string {
  const v = String(value ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '');
  return createHash('sha256').update(`${salt}:${v}`).digest('hex');
}
