/**
 * Checks on an event's `data` before it enters the outbound feed.
 *
 * 1. No personal data (个人信息) ever leaves for the provincial platform: keys that name it
 *    (`idNumber`, `phone`, `applicant`, and their obvious spellings) are refused at any depth,
 *    and so are string values that are a mainland resident ID number (with a valid check digit)
 *    or a mainland mobile number, whatever key carries them. The error names the path, never
 *    the value.
 * 2. What is stored is exactly what is sent: the data is normalised through JSON (dates become
 *    ISO strings, `undefined` disappears), so a retry a day later sends the same bytes.
 * 3. It fits the subset FerretDB 1.24 stores (DESIGN.md §2): no keys containing `.` or starting
 *    with `$`, no arrays directly inside arrays; and it is small (64 KiB as JSON).
 */
import { ValidationError } from '../domain/errors';

export const MAX_EVENT_DATA_BYTES = 64 * 1024;
const MAX_DEPTH = 16;

/** Keys refused anywhere in `data`, compared lower-case with `_` and `-` removed. */
const PERSONAL_KEYS = new Set([
  'idnumber',
  'idno',
  'idcard',
  'idcardno',
  'idcardnumber',
  'phone',
  'phoneno',
  'phonenumber',
  'mobile',
  'mobilephone',
  'telephone',
  'applicant',
  'applicantname',
  'applicantphone',
  'applicantidnumber',
]);

const ID_NUMBER = /^\d{17}[\dXx]$/;
const MOBILE = /^(?:\+?86[- ]?)?1[3-9]\d{9}$/;

/** ISO 7064 MOD 11-2 check digit of a GB 11643 citizen identity number. */
function isResidentIdNumber(s: string): boolean {
  if (!ID_NUMBER.test(s)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * w[i];
  return '10X98765432'[sum % 11] === s[17].toUpperCase();
}

export function isPersonalKey(key: string): boolean {
  return PERSONAL_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''));
}

function looksPersonal(value: string): boolean {
  const v = value.trim();
  return isResidentIdNumber(v) || MOBILE.test(v);
}

/**
 * Returns the data as it will be stored and sent.
 * @throws ValidationError (code `OUTBOX_PERSONAL_DATA`, `OUTBOX_DATA_INVALID` or `OUTBOX_DATA_TOO_LARGE`)
 */
export function normaliseEventData(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ValidationError('OUTBOX_DATA_INVALID', 'event data must be a plain object');
  }
  let json: string;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    throw new ValidationError('OUTBOX_DATA_INVALID', `event data cannot be written as JSON: ${(err as Error).message}`);
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_EVENT_DATA_BYTES) {
    throw new ValidationError('OUTBOX_DATA_TOO_LARGE', `event data is larger than ${MAX_EVENT_DATA_BYTES} bytes as JSON`);
  }
  const out = JSON.parse(json) as Record<string, unknown>;
  walk(out, 'data', 0, false);
  return out;
}

function walk(value: unknown, path: string, depth: number, inArray: boolean): void {
  if (depth > MAX_DEPTH) throw new ValidationError('OUTBOX_DATA_INVALID', `event data is nested deeper than ${MAX_DEPTH} levels at ${path}`);
  if (typeof value === 'string') {
    if (looksPersonal(value)) {
      throw new ValidationError('OUTBOX_PERSONAL_DATA', `event data at ${path} looks like an ID number or phone number; personal data must not be sent to the supervision platform`, { path });
    }
    return;
  }
  if (Array.isArray(value)) {
    if (inArray) throw new ValidationError('OUTBOX_DATA_INVALID', `event data has an array directly inside an array at ${path} (not storable)`, { path });
    value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1, true));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}.${k}`;
      if (isPersonalKey(k)) {
        throw new ValidationError('OUTBOX_PERSONAL_DATA', `event data contains ${p}; personal data must not be sent to the supervision platform`, { path: p });
      }
      if (k === '' || k.includes('.') || k.startsWith('$')) {
        throw new ValidationError('OUTBOX_DATA_INVALID', `event data key ${JSON.stringify(k)} at ${path} is empty, contains "." or starts with "$"`, { path });
      }
      walk(v, p, depth + 1, false);
    }
  }
}
