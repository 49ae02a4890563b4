import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as browserIdentity from '../../../modeler-ui/src/areas/workbench/identity';
import {
  hashPersonal,
  maskApplicant,
  maskIdNumber,
  maskName,
  maskPhone,
  normalizePhone,
  validateApplicant,
  validateCreditCode,
  validateMobile,
  validateResidentId,
  type ApplicantInput,
} from '../identity';

// ---------------------------------------------------------------- independent check computations
// These do not use the product's weight tables: the weights are derived from their definitions.

/** ISO 7064 MOD 11-2: weight of position i (0-based, 17 digits) is 2^(17-i) mod 11; check = (12 - sum mod 11) mod 11. */
function residentCheck(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * (2 ** (17 - i) % 11);
  const c = (12 - (sum % 11)) % 11;
  return c === 10 ? 'X' : String(c);
}
const withCheck = (body17: string) => body17 + residentCheck(body17);

const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** GB 11714: weights 2^(9-i) mod 11 for i = 1..8 (= 3 7 9 10 5 8 4 2); check = 11 - sum mod 11, 10 → X, 11 → 0. */
function orgCheck(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8[i];
    const v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 'A'.charCodeAt(0) + 10;
    sum += v * (2 ** (8 - i) % 11);
  }
  const r = 11 - (sum % 11);
  return r === 10 ? 'X' : r === 11 ? '0' : String(r);
}
/** GB 32100: weights 3^i mod 31; check = (31 - sum mod 31) mod 31 in the 31-character set. */
function usccCheck(body17: string): string {
  let sum = 0;
  let w = 1;
  for (let i = 0; i < 17; i++) {
    sum += USCC.indexOf(body17[i]) * w;
    w = (w * 3) % 31;
  }
  return USCC[(31 - (sum % 31)) % 31];
}
/** A valid credit code from its first 16 characters (authority, type, area, 8 org-code characters). */
function makeCreditCode(body16: string): string {
  const body17 = body16 + orgCheck(body16.slice(8, 16));
  return body17 + usccCheck(body17);
}

/** Deterministic pseudo-random numbers (mulberry32), so failures are reproducible. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bilingual = /[A-Za-z].*\(.*[\u4e00-\u9fff].*\)/;

// ---------------------------------------------------------------- resident identity numbers

describe('validateResidentId (GB 11643-1999)', () => {
  it('accepts the example of the standard, 11010519491231002X', () => {
    expect(residentCheck('11010519491231002')).toBe('X'); // the independent method agrees with the standard
    expect(validateResidentId('11010519491231002X')).toEqual({ ok: true, normalized: '11010519491231002X', birthDate: '1949-12-31', sex: 'female' });
  });

  it('accepts numbers whose check digit is computed independently, and reads birth date and sex', () => {
    const id = withCheck('44098319900307123');
    expect(validateResidentId(id)).toEqual({ ok: true, normalized: id, birthDate: '1990-03-07', sex: 'male' });
    expect(validateResidentId(withCheck('44098320000229002'))).toMatchObject({ ok: true, birthDate: '2000-02-29', sex: 'female' });
    const random = rng(11643);
    for (let n = 0; n < 300; n++) {
      const day = new Date(Date.UTC(1900, 0, 1) + Math.floor(random() * 120 * 365) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
      const seq = String(Math.floor(random() * 1000)).padStart(3, '0');
      const id2 = withCheck(`440983${day}${seq}`);
      expect(validateResidentId(id2)).toMatchObject({ ok: true, normalized: id2, sex: Number(seq[2]) % 2 ? 'male' : 'female' });
    }
  });

  it('accepts a lower-case x, full-width characters and spaces, and normalises them', () => {
    let idX = '';
    for (let seq = 0; !idX; seq++) {
      const candidate = withCheck(`44098319851109${String(seq).padStart(3, '0')}`);
      if (candidate.endsWith('X')) idX = candidate;
    }
    expect(validateResidentId(idX.toLowerCase())).toMatchObject({ ok: true, normalized: idX });
    const fullWidth = [...idX].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    expect(validateResidentId(fullWidth)).toMatchObject({ ok: true, normalized: idX });
    expect(validateResidentId(` ${idX.slice(0, 6)} ${idX.slice(6, 14)} ${idX.slice(14)} `)).toMatchObject({ ok: true, normalized: idX });
  });

  it('refuses every wrong check digit', () => {
    const id = withCheck('44098319900307123');
    for (const c of '0123456789X') {
      if (c === id[17]) continue;
      expect(validateResidentId(id.slice(0, 17) + c)).toEqual({ ok: false, code: 'idCheck', reason: 'check digit is wrong (校验码错误)' });
    }
  });

  it('refuses dates that are not real calendar dates (19990230, month 13, day 00, 1900-02-29)', () => {
    for (const day of ['19990230', '19991301', '19990100', '19000229', '20010229', '19990431']) {
      const r = validateResidentId(withCheck(`440983${day}123`));
      expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('出生日期无效') });
    }
  });

  it('refuses birth years before 1900 and birth dates after today in China Standard Time', () => {
    expect(validateResidentId(withCheck('44098318991231123'))).toMatchObject({ ok: false, reason: expect.stringContaining('1900') });
    // 2026-11-28 01:00 in CST is still 2026-11-27 in UTC: a baby born that day is accepted, the next day is not
    const now = new Date('2026-11-27T17:00:00Z');
    expect(validateResidentId(withCheck('44098320261128001'), { now })).toMatchObject({ ok: true, birthDate: '2026-11-28' });
    expect(validateResidentId(withCheck('44098320261129001'), { now })).toMatchObject({ ok: false, reason: expect.stringContaining('出生日期晚于当前日期') });
    expect(validateResidentId(withCheck('44098321000101123'))).toMatchObject({ ok: false });
  });

  it('refuses area codes that do not start with a province code', () => {
    for (const area of ['990983', '000000', '100000', '830000', '900101']) {
      expect(validateResidentId(withCheck(`${area}19900307123`))).toMatchObject({ ok: false, reason: expect.stringContaining('地址码无效') });
    }
    for (const area of ['110105', '440983', '650101', '810000', '820000']) {
      expect(validateResidentId(withCheck(`${area}19900307123`)).ok).toBe(true);
    }
  });

  it('refuses wrong lengths and characters, with a reason in English and Chinese that does not repeat the number', () => {
    const id = withCheck('44098319900307123');
    for (const bad of ['', '4409831990', id.slice(0, 17), `${id}1`, `${id.slice(0, 16)}X${id[17]}`, '44098319900307123Y', undefined as unknown as string]) {
      const r = validateResidentId(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(bilingual);
        expect(r.reason).toContain('18');
      }
    }
    const r = validateResidentId(id.slice(0, 17) + (id[17] === '1' ? '2' : '1'));
    expect(r.ok || r.reason.includes(id.slice(0, 10))).toBe(false);
  });
});

// ---------------------------------------------------------------- unified social credit codes

describe('validateCreditCode (GB 32100-2015)', () => {
  it('accepts published codes whose two check characters the independent method confirms', () => {
    for (const code of ['91350100M000100Y43', '91110000600037341L', '91440300708461136T']) {
      expect(orgCheck(code.slice(8, 16))).toBe(code[16]);
      expect(usccCheck(code.slice(0, 17))).toBe(code[17]);
      expect(validateCreditCode(code)).toMatchObject({ ok: true, normalized: code, authority: '工商', entityType: '企业' });
    }
  });

  it('accepts generated codes of every registration authority and type, including the national area 100000', () => {
    const cases: [string, string, string][] = [
      ['91440983', '企业', '工商'],
      ['92440983', '个体工商户', '工商'],
      ['93440983', '农民专业合作社', '工商'],
      ['11440983', '机关', '机构编制'],
      ['12100000', '事业单位', '机构编制'],
      ['51440983', '社会团体', '民政'],
      ['52440983', '民办非企业单位', '民政'],
      ['31440983', '律师执业机构', '司法行政'],
      ['81440983', '基层工会', '工会'],
      ['71440983', '宗教活动场所', '宗教'],
      ['N2440983', '村级集体经济组织', '农业'],
      ['Y1440983', '其他', '其他'],
    ];
    const random = rng(32100);
    for (const [head, entityType, authority] of cases) {
      for (let n = 0; n < 20; n++) {
        const org8 = Array.from({ length: 8 }, () => USCC[Math.floor(random() * USCC.length)]).join('');
        const code = makeCreditCode(head + org8);
        expect(validateCreditCode(code)).toEqual({ ok: true, normalized: code, authority, entityType });
      }
    }
  });

  it('normalises lower case and spaces', () => {
    expect(validateCreditCode(' 91350100m000100y43 ')).toMatchObject({ ok: true, normalized: '91350100M000100Y43' });
  });

  it('refuses a changed check character, and a changed organisation-code check even when the final check is recomputed', () => {
    const code = makeCreditCode('9144098312345678');
    for (const c of USCC) {
      if (c === code[17]) continue;
      expect(validateCreditCode(code.slice(0, 17) + c)).toMatchObject({ ok: false, reason: expect.stringContaining('校验码错误') });
    }
    const wrongOrg = code.slice(0, 16) + (code[16] === '1' ? '2' : '1');
    const forged = wrongOrg + usccCheck(wrongOrg);
    expect(validateCreditCode(forged)).toMatchObject({ ok: false, reason: expect.stringContaining('组织机构代码') });
    // one changed character anywhere is caught
    for (let i = 0; i < 17; i++) {
      const other = USCC[(USCC.indexOf(code[i]) + 1) % USCC.length];
      expect(validateCreditCode(code.slice(0, i) + other + code.slice(i + 1)).ok).toBe(false);
    }
  });

  it('refuses unknown registration authorities, types and area codes', () => {
    expect(validateCreditCode(makeCreditCode('B1440983ABCDEFGH'))).toMatchObject({ ok: false, reason: expect.stringContaining('登记管理部门代码') });
    expect(validateCreditCode(makeCreditCode('94440983ABCDEFGH'))).toMatchObject({ ok: false, reason: expect.stringContaining('机构类别代码') });
    expect(validateCreditCode(makeCreditCode('Y2440983ABCDEFGH'))).toMatchObject({ ok: false, reason: expect.stringContaining('机构类别代码') });
    expect(validateCreditCode(makeCreditCode('91990983ABCDEFGH'))).toMatchObject({ ok: false, reason: expect.stringContaining('行政区划码') });
    expect(validateCreditCode(makeCreditCode('9144A983ABCDEFGH'))).toMatchObject({ ok: false, reason: expect.stringContaining('行政区划码') });
  });

  it('refuses wrong lengths and the letters I, O, S, V, Z', () => {
    for (const bad of ['', '91350100M000100Y4', '91350100M000100Y433', '91440983I23456789A', '91440983O23456789A', '91440983S23456789A', '91440983V23456789A', '91440983Z23456789A']) {
      const r = validateCreditCode(bad);
      expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(bilingual) });
    }
  });
});

// ---------------------------------------------------------------- telephone numbers

describe('problem codes (the browser shows identity.<code>, from the same module)', () => {
  it('names each refusal by a stable code', () => {
    const good = withCheck('44098319880808009');
    const wrong = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    expect(validateResidentId(wrong)).toMatchObject({ ok: false, code: 'idCheck' });
    expect(validateResidentId('12345')).toMatchObject({ ok: false, code: 'idFormat' });
    expect(validateResidentId(withCheck('99098319880808009'))).toMatchObject({ ok: false, code: 'idArea' });
    expect(validateResidentId(withCheck('44098319880230009'))).toMatchObject({ ok: false, code: 'idBirth' });
    expect(validateResidentId(withCheck('44098330000101009'))).toMatchObject({ ok: false, code: 'idFuture' });
    expect(validateCreditCode('12')).toMatchObject({ ok: false, code: 'uscFormat' });
    // an ID whose check character is X, typed with a lower-case x
    const x = Array.from({ length: 1000 }, (_, i) => withCheck(`44098319880808${String(i).padStart(3, '0')}`)).find((id) => id.endsWith('X'))!;
    expect(validateResidentId(x.toLowerCase())).toMatchObject({ ok: true, normalized: x });
  });
});

describe('validateMobile and normalizePhone', () => {
  it('accepts mainland mobiles and fixed lines with their area code', () => {
    const ok: [string, string][] = [
      ['13812345678', '13812345678'],
      ['19912345678', '19912345678'],
      ['138 1234 5678', '13812345678'],
      ['138-1234-5678', '13812345678'],
      ['+86 138 1234 5678', '13812345678'],
      ['008613812345678', '13812345678'],
      ['0668-1234567', '0668-1234567'],
      ['06681234567', '0668-1234567'],
      ['(0668) 2345678', '0668-2345678'],
      ['020-12345678', '020-12345678'],
      ['010 87654321', '010-87654321'],
      ['0755-23456789', '0755-23456789'],
      // issue #13: ordinary numbers as applicants give them
      ['13800138000', '13800138000'],
      ['+8613800138000', '13800138000'],
      ['86 138-0013-8000', '13800138000'],
      ['0571-88886666', '0571-88886666'],
      ['0571 8888 6666', '0571-88886666'],
      ['010-12345678', '010-12345678'],
      ['+86 10 1234 5678', '010-12345678'],
      ['+86-571-88886666', '0571-88886666'],
      ['０５７１－８８８８６６６６', '0571-88886666'],
      ['0571-88886666-8001', '0571-88886666-8001'],
      ['0571-88886666转8001', '0571-88886666-8001'],
      ['010-12345678 分机 123', '010-12345678-123'],
      ['010-12345678 ext. 12', '010-12345678-12'],
      ['(0571)88886666#8001', '0571-88886666-8001'],
    ];
    for (const [input, normal] of ok) {
      expect(validateMobile(input)).toBe(true);
      expect(normalizePhone(input)).toBe(normal);
    }
  });

  it('refuses everything else', () => {
    for (const bad of ['', '12812345678', '1381234567', '138123456789', '0668-123456', '0668-0234567', '020-1234567', '1234567', 'abcdefghijk', '+1 415 555 0100', '13800138000-12', '0571-88886666-1234567', '0571-888866转', '88886666']) {
      expect(validateMobile(bad)).toBe(false);
      expect(normalizePhone(bad)).toBeNull();
    }
  });
});

// ---------------------------------------------------------------- applicants

describe('validateApplicant', () => {
  const person = (over: Partial<ApplicantInput> = {}): ApplicantInput => ({ kind: 'person', name: '陈建国', idType: 'resident-id', idNumber: withCheck('44098319900307123'), phone: '13800138000', ...over });

  it('returns the applicant normalised, with only the known fields', () => {
    let idX = '';
    for (let seq = 0; !idX; seq++) {
      const c = withCheck(`44098319700101${String(seq).padStart(3, '0')}`);
      if (c.endsWith('X')) idX = c;
    }
    const r = validateApplicant({ ...person({ name: '  买买提•艾力 ', idNumber: idX.toLowerCase(), phone: '+86 138 0013 8000' }), extra: 'x' } as ApplicantInput);
    expect(r).toEqual({ ok: true, applicant: { kind: 'person', name: '买买提·艾力', idType: 'resident-id', idNumber: idX, phone: '13800138000' } });
  });

  it('reports every problem at once, each in English with the Chinese in brackets', () => {
    const r = validateApplicant({ kind: 'person', name: 'x', idType: 'resident-id', idNumber: '123', phone: '12345', contactName: '1' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field).sort()).toEqual(['contactName', 'idNumber', 'name', 'phone']);
    for (const p of r.problems) expect(p.message).toMatch(bilingual);
  });

  it('checks person names: 2–50 letters, Chinese names with ·, no markup', () => {
    for (const name of ['张三', '欧阳小明', '买买提·艾力', '阿依古丽·买买提', 'John Smith', "Mary-Jane O'Neil", 'José Müller', '王〇']) {
      expect(validateApplicant(person({ name })).ok).toBe(true);
    }
    for (const name of ['张', '', '   ', '<img src=x onerror=alert(1)>', '张三123', '·张三', '张'.repeat(51), '张\n三']) {
      const r = validateApplicant(person({ name }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems.map((p) => p.field)).toContain('name');
    }
  });

  it('format-checks other documents of persons loosely', () => {
    expect(validateApplicant(person({ idType: 'passport', idNumber: 'e1234567' }))).toMatchObject({ ok: true, applicant: { idNumber: 'E1234567' } });
    expect(validateApplicant(person({ idType: 'passport', idNumber: 'E12' })).ok).toBe(false);
    expect(validateApplicant(person({ idType: 'passport', idNumber: 'E1234567-89' })).ok).toBe(false);
    expect(validateApplicant(person({ idType: 'hk-macao-permit', idNumber: 'H12345678' })).ok).toBe(true);
    expect(validateApplicant(person({ idType: 'hk-macao-permit', idNumber: 'm1234567890' })).ok).toBe(true);
    expect(validateApplicant(person({ idType: 'hk-macao-permit', idNumber: 'X12345678' })).ok).toBe(false);
    expect(validateApplicant(person({ idType: 'hk-macao-permit', idNumber: 'H1234567' })).ok).toBe(false);
    expect(validateApplicant(person({ idType: 'other', idNumber: 'AB-1234' })).ok).toBe(true);
    expect(validateApplicant(person({ idType: 'credit-code', idNumber: '91350100M000100Y43' }))).toMatchObject({ ok: false, problems: [{ field: 'idType' }] });
    expect(validateApplicant(person({ idType: 'driving-licence' as any }))).toMatchObject({ ok: false, problems: [{ field: 'idType' }] });
  });

  it('requires a valid credit code of a company and keeps the company name as given', () => {
    const code = makeCreditCode('9144098312345678');
    expect(validateApplicant({ kind: 'company', name: '信宜市某某农业发展有限公司', idType: 'credit-code', idNumber: code.toLowerCase(), contactName: '李秀英', phone: '0668-8888888' })).toEqual({
      ok: true,
      applicant: { kind: 'company', name: '信宜市某某农业发展有限公司', idType: 'credit-code', idNumber: code, phone: '0668-8888888', contactName: '李秀英' },
    });
    expect(validateApplicant({ kind: 'company', name: '信宜市某某公司', idType: 'resident-id', idNumber: withCheck('44098319900307123') })).toMatchObject({ ok: false, problems: [{ field: 'idType' }] });
    const bad = validateApplicant({ kind: 'company', name: '公', idType: 'credit-code', idNumber: code.slice(0, 17) + (code[17] === 'A' ? 'B' : 'A') });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.field).sort()).toEqual(['idNumber', 'name']);
  });

  it('refuses an unknown kind, and never repeats the ID number in a message', () => {
    expect(validateApplicant({ ...person(), kind: 'robot' as any })).toMatchObject({ ok: false, problems: [{ field: 'kind' }] });
    const id = withCheck('44098319900307123');
    const wrong = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
    const r = validateApplicant(person({ idNumber: wrong }));
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(wrong.slice(0, 14));
  });
});

// ---------------------------------------------------------------- masking and hashing

describe('masking', () => {
  it('masks ID numbers: first 4 and last 4 of long ones, first and last of short ones', () => {
    expect(maskIdNumber('440983199003071234')).toBe('4409**********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdNumber('91350100M000100Y43')).toBe('9135**********0Y43');
    expect(maskIdNumber('E12345678')).toBe('E*******8');
    expect(maskIdNumber('H1234567890')).toBe('H*********0');
    expect(maskIdNumber('AB')).toBe('**');
    expect(maskIdNumber('')).toBe('');
  });

  it('masks phones: 138****5678, fixed lines keep the area code and last 2 digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138 1234 5678')).toBe('138****5678');
    expect(maskPhone('0668-1234567')).toBe('0668-*****67');
    expect(maskPhone('020-12345678')).toBe('020-******78');
    expect(maskPhone('12345')).toBe('*****');
    expect(maskPhone('5551234567')).toBe('555*****67');
  });

  it('masks names as government service platforms do: 张*、张*三、欧阳**, middle dots kept, one * per character', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张小三')).toBe('张*三');
    expect(maskName('周丽华')).toBe('周*华');
    expect(maskName('欧阳小明')).toBe('欧阳**');
    expect(maskName('欧阳明')).toBe('欧阳*');
    expect(maskName('司马相如')).toBe('司马**');
    expect(maskName('欧阳')).toBe('欧*'); // two characters: a surname alone is not kept whole
    expect(maskName('阿卜杜·热合曼')).toBe('阿**·**曼');
    expect(maskName('买买提·艾力')).toBe('买**·*力');
    expect(maskName('阿依古丽•买买提')).toBe('阿***•**提');
    expect(maskName('John Smith')).toBe('J*** ****h');
    expect(maskName('  王晓燕 ')).toBe('王*燕');
    expect(maskName('𠀋一')).toBe('𠀋*'); // a character outside the BMP counts once
    expect(maskName('𠀋一二')).toBe('𠀋*二');
    expect(maskName('王')).toBe('王');
    expect(maskName('')).toBe('');
    for (const n of ['张小三', '欧阳小明', '阿卜杜·热合曼', '买买提·艾力']) {
      expect([...maskName(n)]).toHaveLength([...n].length);
      expect(maskName(n)).not.toBe(n);
    }
  });

  it('is one masking rule for server and browser: the browser app imports the same functions, and has no copy of its own', () => {
    // issue #13: staff lists masked 欧阳小明 as 欧**明 while the public lookup gave 欧阳**
    expect(browserIdentity.maskName).toBe(maskName);
    expect(browserIdentity.maskIdNumber).toBe(maskIdNumber);
    expect(browserIdentity.maskPhone).toBe(maskPhone);
    const copies: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && /'\*'\.repeat\(|function mask[A-Z]/.test(readFileSync(p, 'utf8'))) copies.push(p);
      }
    };
    walk(join(__dirname, '../../../modeler-ui/src'));
    expect(copies).toEqual([]);
  });

  it('masks an applicant: ID and phone always, person and contact names when public, never the input', () => {
    const a = { kind: 'person', name: '周丽华', idType: 'resident-id', idNumber: '440983199003071234', phone: '13711112222' };
    expect(maskApplicant(a)).toEqual({ ...a, idNumber: '4409**********1234', phone: '137****2222' });
    expect(maskApplicant(a, { public: true })).toEqual({ ...a, name: '周*华', idNumber: '4409**********1234', phone: '137****2222' });
    expect(a.idNumber).toBe('440983199003071234');
    const c = { kind: 'company', name: '信宜市某某公司', idNumber: '91350100M000100Y43', contactName: '李秀英' };
    expect(maskApplicant(c, { public: true })).toEqual({ kind: 'company', name: '信宜市某某公司', idNumber: '9135**********0Y43', contactName: '李*英' });
  });
});

describe('hashPersonal', () => {
  it('is the SHA-256 hex of salt:value, stable for values already normal', () => {
    const expected = createHash('sha256').update('pepper:p:DB-20261128-0001:13912345678').digest('hex');
    expect(hashPersonal('p:DB-20261128-0001:13912345678', 'pepper')).toBe(expected);
    expect(hashPersonal('13912345678', 's')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('normalises spaces and full-width digits, and depends on the salt', () => {
    expect(hashPersonal('139 1234 5678', 's')).toBe(hashPersonal('13912345678', 's'));
    expect(hashPersonal('１３９１２３４５６７８', 's')).toBe(hashPersonal('13912345678', 's'));
    expect(hashPersonal('13912345678', 's1')).not.toBe(hashPersonal('13912345678', 's2'));
    expect(hashPersonal('13912345678', 's')).not.toContain('13912345678');
  });
});
