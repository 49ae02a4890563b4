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
import { normalizeCode, validateCreditCode, validateResidentId } from './id-numbers';
import { normalizePhone } from './phone';
import { maskIdNumber, maskName, maskPhone } from '../../common/identity/masking';

// ---------------------------------------------------------------- identity numbers (engine/cases/id-numbers.ts, shared with the browser)

export * from './id-numbers';

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

/** The platform's one masking rule (common/identity/masking.ts, shared with the browser app). */
export { maskIdNumber, maskName, maskPhone } from '../../common/identity/masking';

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
