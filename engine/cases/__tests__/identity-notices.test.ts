import { maskIdNumber, maskName, maskPhone, validateApplicant, validateCreditCode, validateResidentId } from '../identity';
import { amountInWords, chineseDate, escapeHtml, renderNotice } from '../notices';

/** Check digit computed independently (ISO 7064 MOD 11-2 by its definition: sum of a_i * 2^(17-i) mod 11). */
function withCheck(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * (2 ** (17 - i) % 11);
  const c = (12 - (sum % 11)) % 11;
  return body17 + (c === 10 ? 'X' : String(c));
}

describe('resident identity numbers (GB 11643)', () => {
  it('accepts the standard example and numbers with a correct check digit', () => {
    expect(validateResidentId('11010519491231002X')).toMatchObject({ ok: true, birthDate: '1949-12-31', sex: 'female' });
    const id = withCheck('44098319900307123');
    expect(validateResidentId(id)).toMatchObject({ ok: true, birthDate: '1990-03-07', sex: 'male' });
    expect(validateResidentId(id.toLowerCase())).toMatchObject({ ok: true, normalized: id });
  });
  it('refuses a wrong check digit, an impossible date, a future date and an unknown province', () => {
    const id = withCheck('44098319900307123');
    const wrong = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
    expect(validateResidentId(wrong)).toMatchObject({ ok: false, reason: expect.stringContaining('校验码') });
    expect(validateResidentId(withCheck('44098319990230123'))).toMatchObject({ ok: false, reason: expect.stringContaining('出生日期') });
    expect(validateResidentId(withCheck('44098321000101123'))).toMatchObject({ ok: false });
    expect(validateResidentId(withCheck('99098319900307123'))).toMatchObject({ ok: false, reason: expect.stringContaining('地址码') });
    expect(validateResidentId('4409831990')).toMatchObject({ ok: false });
  });
});

describe('unified social credit codes (GB 32100)', () => {
  const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const make = (body16: string) => {
    // organisation code check (GB 11714) for positions 9–16, then the MOD 31 check
    const org = body16.slice(8, 16);
    const ow = [3, 7, 9, 10, 5, 8, 4, 2];
    const v = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
    const oc = 11 - ([...org].reduce((a, c, i) => a + v(c) * ow[i], 0) % 11);
    const body17 = body16 + (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc));
    const sum = [...body17].reduce((a, c, i) => a + CHARS.indexOf(c) * W[i], 0);
    return body17 + CHARS[(31 - (sum % 31)) % 31];
  };
  it('accepts a code whose both checks hold, refuses one changed character', () => {
    const code = make('9144098312345678');
    expect(validateCreditCode(code)).toMatchObject({ ok: true });
    const bad = code.slice(0, 17) + (code[17] === 'A' ? 'B' : 'A');
    expect(validateCreditCode(bad)).toMatchObject({ ok: false });
    expect(validateCreditCode('91440983123456789I')).toMatchObject({ ok: false });
  });
});

describe('applicants and masking', () => {
  it('reports every problem of an applicant at once', () => {
    const r = validateApplicant({ kind: 'person', name: 'x', idType: 'resident-id', idNumber: '123', phone: '12345' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.field).sort()).toEqual(['idNumber', 'name', 'phone']);
    expect(validateApplicant({ kind: 'person', name: '买买提·艾力', idType: 'resident-id', idNumber: withCheck('65010119800101123') }).ok).toBe(true);
    expect(validateApplicant({ kind: 'company', name: '信宜市某某公司', idType: 'resident-id', idNumber: withCheck('44098319900307123') }).ok).toBe(false);
  });
  it('masks the way Chinese lists do', () => {
    expect(maskIdNumber('440983199003071234')).toBe('4409**********1234');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('0668-1234567')).toBe('0668******67');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳小明')).toBe('欧***');
  });
});

describe('notices', () => {
  const base = {
    caseNo: 'DB-20261128-0001',
    centreName: '丁堡镇行政服务中心',
    windowName: '综合受理窗口',
    clerkName: '陈明',
    itemName: '最低生活保障申请',
    itemCode: 'SW-003',
    applicant: { name: '<img src=x onerror=alert(1)>', idNumberMasked: '4409**********1234' },
    issuedAt: new Date('2026-11-28T02:00:00Z'),
  };
  it('lists every missing material in the one-time notification and escapes hostile input', () => {
    const n = renderNotice({ ...base, kind: 'one-time', missing: [{ name: '户口簿', reason: '未提交' }, { name: '收入证明', reason: '未盖章' }] });
    expect(n.title).toBe('一次性告知书');
    expect(n.text).toContain('户口簿');
    expect(n.text).toContain('收入证明');
    expect(n.html).not.toContain('<img');
    expect(n.html).toContain('&lt;img');
    expect(n.html).not.toMatch(/<script/i);
    expect(n.html).toContain('二〇二六年十一月二十八日');
  });
  it('prints the query code on the acceptance notice, the reason and remedies on the return notice', () => {
    expect(renderNotice({ ...base, kind: 'acceptance', queryCode: 'ABC234', promisedLimitDays: 5, statutoryLimitDays: 20 }).text).toContain('ABC234');
    const ret = renderNotice({ ...base, kind: 'return', reason: '不符合村庄规划' }).text;
    expect(ret).toContain('不符合村庄规划');
    expect(ret).toContain('行政复议');
  });
  it('writes Chinese dates and money', () => {
    expect(chineseDate(new Date('2025-09-30T16:30:00Z'))).toBe('二〇二五年十月一日');
    expect(amountInWords(0)).toBe('零元整');
    expect(amountInWords(2000)).toBe('贰拾元整');
    expect(amountInWords(100530)).toBe('壹仟零伍元叁角');
    expect(amountInWords(10000007)).toBe('壹拾万元零柒分');
    expect(escapeHtml('"<&>\'')).toBe('&quot;&lt;&amp;&gt;&#39;');
  });
});
