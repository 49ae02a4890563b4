/**
 * Mainland telephone numbers: the platform's one rule lives in common/identity/phone.ts, shared
 * with the browser app so both accept and refuse the same numbers; the engine imports it here.
 */
export { isValidPhone, normalizePhone } from '../../common/identity/phone';
