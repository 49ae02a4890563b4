/**
 * The server's identity checks in the browser — the same modules, not copies
 * (common/identity/id-numbers.ts, common/identity/phone.ts) — so a wrong ID or phone number is caught
 * while typing, by exactly the rule the server applies again at intake.
 * Messages are keys of the workbench dictionary (`identity.*`).
 */

import { normalizeCode, validateCreditCode, validateResidentId } from '../../../../common/identity/id-numbers';

export { normalizeCode };

/** The platform's one masking rule (脱敏), the server's function, not a copy: 欧阳小明 → 欧阳**, 阿卜杜·热合曼 → 阿**·**曼. */
export { maskIdNumber, maskName, maskPhone } from '../../../../common/identity/masking';

/** GB 11643-1999 resident identity number (server's check): null when valid, else the problem's message key. */
export function residentIdProblem(id: string, now = new Date()): string | null {
  const r = validateResidentId(id, { now });
  return r.ok ? null : `identity.${r.code}`;
}

/** GB 32100-2015 unified social credit code (server's check): null when valid, else the problem's message key. */
export function creditCodeProblem(code: string): string | null {
  const r = validateCreditCode(code);
  return r.ok ? null : `identity.${r.code}`;
}

/**
 * The server's own phone rule, shared with it (one implementation, no copy):
 * mobile `13812345678` (+86 optional), fixed line with area code `0571-88886666`, extension
 * `0571-88886666-8001`; null if neither.
 */
export { normalizePhone } from '../../../../common/identity/phone';

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
