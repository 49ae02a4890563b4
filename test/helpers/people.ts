/** Test applicants with valid Chinese identity numbers, computed here independently of the product code. */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** A valid 18-digit resident ID for area 440983 (信宜市), born on `birth` (YYYYMMDD), with sequence `seq`. */
export function residentId(birth: string, seq: number): string {
  const body = `440983${birth}${String(seq % 1000).padStart(3, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * WEIGHTS[i], 0);
  return body + CHECK[sum % 11];
}

/** A valid resident ID of 信宜市 born on `birth` whose check character is X (the first such sequence). */
export function idEndingInX(birth: string): string {
  for (let seq = 1; seq < 1000; seq++) {
    const id = residentId(birth, seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error(`no ID ending in X for ${birth}`);
}

let n = 0;
export function applicant(name = '陈建国', phone = '13800138000') {
  n++;
  return { kind: 'person' as const, name, idType: 'resident-id' as const, idNumber: residentId(`1975${String((n % 12) + 1).padStart(2, '0')}15`, 100 + n), phone };
}
