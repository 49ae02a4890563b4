/**
 * Chinese identity numbers and personal-data masking.
 * - Resident identity number 居民身份证号码 (GB 11643-1999): 6-digit area, birth date, sequence, ISO 7064 MOD 11-2 check.
 * - Unified social credit code 统一社会信用代码 (GB 32100-2015): MOD 31 check over its charset.
 * ID and phone numbers are masked in every listing and never logged.
 */
import { createHash } from 'node:crypto';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
const PROVINCES = new Set([11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]);

export type IdResult = { ok: true; normalized: string; birthDate?: string; sex?: 'male' | 'female' } | { ok: false; reason: string };

export function validateResidentId(id: string): IdResult {
  const s = String(id ?? '').trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return { ok: false, reason: 'must be 18 characters: 17 digits and a digit or X (应为18位，末位为数字或X)' };
  if (!PROVINCES.has(Number(s.slice(0, 2)))) return { ok: false, reason: 'area code is not a province of China (地址码无效)' };
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date.getTime() > Date.now()) {
    return { ok: false, reason: 'birth date is not a real past date (出生日期无效)' };
  }
  const sum = [...s.slice(0, 17)].reduce((acc, c, i) => acc + Number(c) * ID_WEIGHTS[i], 0);
  if (ID_CHECK[sum % 11] !== s[17]) return { ok: false, reason: 'check digit is wrong (校验码错误)' };
  return { ok: true, normalized: s, birthDate: `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`, sex: Number(s[16]) % 2 ? 'male' : 'female' };
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export function validateCreditCode(code: string): IdResult {
  const s = String(code ?? '').trim().toUpperCase();
  if (!/^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$/.test(s)) return { ok: false, reason: 'must be 18 characters of digits and capital letters without I, O, S, V, Z (应为18位)' };
  // Registration authority (登记管理部门代码) and type (机构类别代码) are not checked against a list: the lists change by regulation.
  if (!/^\d{6}$/.test(s.slice(2, 8))) return { ok: false, reason: 'area code must be 6 digits (登记管理机关行政区划码错误)' };
  // GB 11714 organisation code check (positions 9–17)
  const org = s.slice(8, 17);
  const val = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
  const orgSum = [...org.slice(0, 8)].reduce((acc, c, i) => acc + val(c) * ORG_WEIGHTS[i], 0);
  const orgCheck = 11 - (orgSum % 11);
  const orgChar = orgCheck === 10 ? 'X' : orgCheck === 11 ? '0' : String(orgCheck);
  if (org[8] !== orgChar) return { ok: false, reason: 'organisation code check is wrong (组织机构代码校验码错误)' };
  const sum = [...s.slice(0, 17)].reduce((acc, c, i) => acc + USCC_CHARS.indexOf(c) * USCC_WEIGHTS[i], 0);
  const check = USCC_CHARS[(31 - (sum % 31)) % 31];
  if (check !== s[17]) return { ok: false, reason: 'check character is wrong (校验码错误)' };
  return { ok: true, normalized: s };
}

/** Mainland mobile 1[3-9]xxxxxxxxx, or a fixed line like 0668-1234567. */
export function validateMobile(phone: string): boolean {
  const s = String(phone ?? '').replace(/[\s-]/g, '');
  return /^1[3-9]\d{9}$/.test(s) || /^0\d{2,3}\d{7,8}$/.test(s);
}

export interface ApplicantInput {
  kind: 'person' | 'company';
  name: string;
  idType: 'resident-id' | 'credit-code' | 'passport' | 'hk-macao-permit' | 'other';
  idNumber: string;
  phone?: string;
  contactName?: string;
}

export type ApplicantCheck = { ok: true; applicant: ApplicantInput } | { ok: false; problems: { field: string; message: string }[] };

export function validateApplicant(input: ApplicantInput): ApplicantCheck {
  const problems: { field: string; message: string }[] = [];
  const name = String(input.name ?? '').trim();
  let idNumber = String(input.idNumber ?? '').trim();
  if (input.kind === 'person') {
    if (!/^[\p{Script=Han}A-Za-z·• .'-]{2,50}$/u.test(name)) problems.push({ field: 'name', message: 'a person’s name is 2–50 characters (姓名应为2–50个字)' });
    if (input.idType === 'resident-id') {
      const r = validateResidentId(idNumber);
      if (!r.ok) problems.push({ field: 'idNumber', message: `resident ID ${r.reason}` });
      else idNumber = r.normalized;
    } else if (input.idType === 'passport') {
      if (!/^[A-Za-z0-9]{5,17}$/.test(idNumber)) problems.push({ field: 'idNumber', message: 'passport number is 5–17 letters and digits (护照号码格式错误)' });
    } else if (input.idType === 'hk-macao-permit') {
      if (!/^[HMhm]\d{8,10}$/.test(idNumber)) problems.push({ field: 'idNumber', message: 'permit number is H or M and 8–10 digits (港澳居民来往内地通行证号码格式错误)' });
    } else if (input.idType === 'credit-code') {
      problems.push({ field: 'idType', message: 'a person applies with an identity document, not a credit code (个人应使用身份证件)' });
    } else if (!/^[A-Za-z0-9-]{4,30}$/.test(idNumber)) problems.push({ field: 'idNumber', message: 'document number is 4–30 letters and digits (证件号码格式错误)' });
  } else {
    if (name.length < 2 || name.length > 100) problems.push({ field: 'name', message: 'a company name is 2–100 characters (单位名称应为2–100个字)' });
    if (input.idType !== 'credit-code') problems.push({ field: 'idType', message: 'a company applies with its unified social credit code (单位应使用统一社会信用代码)' });
    else {
      const r = validateCreditCode(idNumber);
      if (!r.ok) problems.push({ field: 'idNumber', message: `credit code ${r.reason}` });
      else idNumber = r.normalized;
    }
  }
  if (input.phone && !validateMobile(input.phone)) problems.push({ field: 'phone', message: 'phone is not a mainland mobile or fixed-line number (联系电话格式错误)' });
  if (problems.length) return { ok: false, problems };
  return { ok: true, applicant: { ...input, name, idNumber, phone: input.phone ? input.phone.replace(/\s/g, '') : undefined } };
}

/** `440983199003071234` → `4409**********1234`; short numbers keep the first and last character. */
export function maskIdNumber(id: string): string {
  const s = String(id ?? '');
  if (s.length >= 10) return s.slice(0, 4) + '*'.repeat(s.length - 8) + s.slice(-4);
  if (s.length <= 2) return '*'.repeat(s.length);
  return s[0] + '*'.repeat(s.length - 2) + s[s.length - 1];
}

/** `13812345678` → `138****5678`; fixed lines keep the area code and the last 2 digits. */
export function maskPhone(phone: string): string {
  const s = String(phone ?? '');
  if (/^1\d{10}$/.test(s)) return `${s.slice(0, 3)}****${s.slice(7)}`;
  if (s.length > 6) return s.slice(0, 4) + '*'.repeat(s.length - 6) + s.slice(-2);
  return '*'.repeat(s.length);
}

/** `张三` → `张*`, `欧阳小明` → `欧***`; Latin names keep the first letter. */
export function maskName(name: string): string {
  const chars = [...String(name ?? '')];
  if (chars.length <= 1) return chars.join('');
  return chars[0] + '*'.repeat(chars.length - 1);
}

export function maskApplicant<T extends { name: string; idNumber: string; phone?: string; kind?: string }>(a: T, opts: { public?: boolean } = {}): T {
  return {
    ...a,
    idNumber: maskIdNumber(a.idNumber),
    phone: a.phone ? maskPhone(a.phone) : a.phone,
    name: opts.public && a.kind !== 'company' ? maskName(a.name) : a.name,
  };
}

/** SHA-256 of a normalized value with a salt (lookups without keeping a second copy). */
export function hashPersonal(value: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${value}`).digest('hex');
}
