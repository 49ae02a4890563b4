import { amountInWords, chineseDate, escapeHtml, formatMoney, renderNotice, type NoticeInput, type NoticeKind } from '../notices';

const base: Omit<NoticeInput, 'kind'> = {
  caseNo: 'DB-20261128-0001',
  centreName: '丁堡镇行政服务中心',
  windowName: '综合受理窗口',
  clerkName: '陈明',
  itemName: '最低生活保障申请',
  itemCode: 'SW-003',
  applicant: { name: '张三', idNumberMasked: '4409**********1234', phoneMasked: '138****5678' },
  issuedAt: new Date('2026-11-28T02:00:00Z'),
};

const KINDS: NoticeKind[] = ['acceptance', 'one-time', 'return', 'completion'];
const oneMissing = [{ name: '户口簿', reason: '未提交' }];
const render = (kind: NoticeKind, over: Partial<NoticeInput> = {}) => renderNotice({ ...base, kind, missing: oneMissing, reason: '不符合条件', ...over });

/** Tag names that a notice may contain; anything else would come from input that escaped escaping. */
const ALLOWED_TAGS = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'p', 'div', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td']);
function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?\s*([!a-z][a-z0-9-]*)/gi)].map((m) => m[1].toLowerCase());
}

describe('chineseDate', () => {
  it('writes the China Standard Time day as official documents do', () => {
    expect(chineseDate(new Date('2026-11-28T02:00:00Z'))).toBe('二〇二六年十一月二十八日');
    expect(chineseDate(new Date('2020-01-10T04:00:00Z'))).toBe('二〇二〇年一月十日');
    expect(chineseDate(new Date('2031-12-31T04:00:00Z'))).toBe('二〇三一年十二月三十一日');
    expect(chineseDate(new Date('2009-02-20T04:00:00Z'))).toBe('二〇〇九年二月二十日');
    expect(chineseDate(new Date('2026-03-05T04:00:00Z'))).toBe('二〇二六年三月五日');
  });

  it('takes the day in China, not in UTC or on the host', () => {
    expect(chineseDate(new Date('2025-09-30T16:30:00Z'))).toBe('二〇二五年十月一日');
    expect(chineseDate(new Date('2026-11-27T15:59:59.999Z'))).toBe('二〇二六年十一月二十七日');
    expect(chineseDate(new Date('2026-11-27T16:00:00Z'))).toBe('二〇二六年十一月二十八日');
    expect(chineseDate(new Date('2026-12-31T16:00:00Z'))).toBe('二〇二七年一月一日');
  });

  it('refuses an invalid date', () => {
    expect(() => chineseDate(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('amountInWords and formatMoney', () => {
  it('writes the required amounts', () => {
    expect(amountInWords(0)).toBe('零元整');
    expect(amountInWords(2000)).toBe('贰拾元整');
    expect(amountInWords(100530)).toBe('壹仟零伍元叁角');
    expect(amountInWords(10000007)).toBe('壹拾万元零柒分');
  });

  it('follows the rules for zeros, 万 and 亿', () => {
    const cases: [number, string][] = [
      [1, '壹分'],
      [35, '叁角伍分'],
      [100, '壹元整'],
      [1000, '壹拾元整'],
      [1001, '壹拾元零壹分'],
      [11011, '壹佰壹拾元壹角壹分'],
      [10000100, '壹拾万零壹元整'],
      [100010000, '壹佰万零壹佰元整'],
      [170000000, '壹佰柒拾万元整'],
      [10000000000, '壹亿元整'],
      [10001000000, '壹亿零壹万元整'],
      [100000000500, '壹拾亿零伍元整'],
      [1234567890012, '壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰元壹角贰分'],
      [12345000000000, '壹仟贰佰叁拾肆亿伍仟万元整'],
      [123450000000000000 / 1000, '壹万贰仟叁佰肆拾伍亿元整'],
    ];
    for (const [fen, words] of cases) expect(amountInWords(fen)).toBe(words);
  });

  it('refuses negative, fractional and unsafe amounts', () => {
    expect(() => amountInWords(-1)).toThrow(RangeError);
    expect(() => amountInWords(1.5)).toThrow(RangeError);
    expect(() => amountInWords(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
  });

  it('formats money in figures and words', () => {
    expect(formatMoney(2000)).toBe('¥20.00（贰拾元整）');
    expect(formatMoney(100530)).toBe('¥1,005.30（壹仟零伍元叁角）');
    expect(formatMoney(10000007)).toBe('¥100,000.07（壹拾万元零柒分）');
    expect(formatMoney(0)).toBe('¥0.00（零元整）');
  });
});

describe('escapeHtml', () => {
  it('escapes the characters that matter in text and attributes', () => {
    expect(escapeHtml('"<&>\'`')).toBe('&quot;&lt;&amp;&gt;&#39;&#96;');
    expect(escapeHtml('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(12)).toBe('12');
    expect(escapeHtml('丁堡镇')).toBe('丁堡镇');
  });
});

describe('renderNotice: every kind', () => {
  it.each(KINDS)('%s is a standalone A4 HTML5 document with title, document number, signature, seal and Chinese date', (kind) => {
    const n = render(kind);
    const serial = { acceptance: '受', 'one-time': '告', return: '退', completion: '结' }[kind];
    expect(n.title).toBe({ acceptance: '受理通知书', 'one-time': '一次性告知书', return: '退回通知书', completion: '办结通知书' }[kind]);
    expect(n.html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(n.html).toContain('<html lang="zh-CN">');
    expect(n.html).toContain('<meta charset="utf-8">');
    expect(n.html).toContain('@page { size: A4; margin: 20mm }');
    expect(n.html).toContain('"SimSun", "Songti SC", "Noto Serif CJK SC", serif');
    expect(n.html).toContain(`<h1>${n.title}</h1>`);
    expect(n.html).toContain(`丁堡镇行政服务中心〔2026〕${serial}字第 DB-20261128-0001 号`);
    expect(n.html).toContain('（印章）');
    expect(n.html).toContain('二〇二六年十一月二十八日');
    expect(n.html).toContain('首问负责人：陈明');
    expect(n.html).not.toMatch(/<script/i);
    expect(n.html).not.toMatch(/<link|<img|<iframe|src=|href=/i);
    for (const t of tagsOf(n.html)) expect(ALLOWED_TAGS).toContain(t);
    expect(n.text.split('\n')[0]).toBe(n.title);
    expect(n.text).toContain(`〔2026〕${serial}字第 DB-20261128-0001 号`);
    expect(n.text).toContain('二〇二六年十一月二十八日');
    expect(n.text).toContain('4409**********1234');
    expect(n.text).toContain('138****5678');
  });

  it('dates the document number by the year in China on 31 December at night (UTC)', () => {
    const n = render('acceptance', { issuedAt: new Date('2026-12-31T17:00:00Z') });
    expect(n.text).toContain('丁堡镇行政服务中心〔2027〕受字第 DB-20261128-0001 号');
    expect(n.text).toContain('二〇二七年一月一日');
  });

  it('refuses an unknown kind and an invalid issue date', () => {
    expect(() => renderNotice({ ...base, kind: 'memo' as NoticeKind })).toThrow(RangeError);
    expect(() => render('acceptance', { issuedAt: new Date(Number.NaN) })).toThrow(RangeError);
  });
});

describe('受理通知书 acceptance notice', () => {
  const input = {
    acceptedAt: new Date('2026-11-28T01:30:00Z'),
    promisedLimitDays: 5,
    statutoryLimitDays: 20,
    promisedDueAt: new Date('2026-12-07T09:00:00Z'),
    materialsReceived: [
      { name: '居民身份证', copies: 1, form: '原件' },
      { name: '户口簿', copies: 2, form: '复印件' },
    ],
  };

  it('states acceptance, the materials received, the time limits and the query code', () => {
    const n = render('acceptance', { ...input, queryCode: 'ABC234', lookupUrl: 'https://zwfw.example.cn/cx' });
    expect(n.text).toContain('本中心决定予以受理');
    expect(n.text).toContain('2026年11月28日');
    expect(n.text).toContain('1. 居民身份证（原件，1份）');
    expect(n.text).toContain('2. 户口簿（复印件，2份）');
    expect(n.html).toContain('<tr><td>2</td><td>户口簿</td><td>复印件</td><td>2</td></tr>');
    expect(n.text).toContain('承诺办结时限：5个工作日');
    expect(n.text).toContain('法定办结时限：20个工作日');
    expect(n.text).toContain('2026年12月7日前办结');
    expect(n.text).toContain('办件查询码：ABC234');
    expect(n.text).toContain('https://zwfw.example.cn/cx');
  });

  it('prints the query code only when given, and only on the acceptance notice', () => {
    expect(render('acceptance', input).text).not.toContain('查询码');
    for (const kind of ['one-time', 'return', 'completion'] as NoticeKind[]) {
      const n = render(kind, { queryCode: 'ABC234' });
      expect(n.text).not.toContain('ABC234');
      expect(n.html).not.toContain('ABC234');
    }
  });

  it('writes an immediate item as 即办', () => {
    expect(render('acceptance', { promisedLimitDays: 0 }).text).toContain('承诺办结时限：即办（当场办结）');
  });
});

describe('一次性告知书 one-time notification', () => {
  const missing = [
    { name: '户口簿', reason: '未提交（须原件1份）', requirement: 'mandatory' },
    { name: '收入证明', reason: '未加盖单位公章', requirement: 'mandatory' },
    { name: '残疾人证', reason: '已过有效期', requirement: 'conditional' },
    { name: '银行账户信息', reason: '户名与申请人不一致' },
  ];

  it('lists every missing or defective material, numbered, with its reason', () => {
    const n = render('one-time', { missing, supplementDeadline: new Date('2026-12-12T08:00:00Z') });
    expect(n.text).toContain('共4项');
    missing.forEach((m, i) => {
      expect(n.text).toContain(`${i + 1}. ${m.name}：${m.reason}`);
      expect(n.html).toContain(`<tr><td>${i + 1}</td><td>${m.name}</td><td>${m.reason}</td>`);
    });
    expect(n.html.match(/<tbody>[\s\S]*?<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(4);
    expect(n.text).toContain('必要材料');
    expect(n.text).toContain('情形材料');
    expect(n.text).toContain('2026年12月12日前');
  });

  it('says that everything is told at once and nothing beyond the list will be asked for', () => {
    const n = render('one-time', { missing });
    expect(n.text).toContain('一次性告知');
    expect(n.text).toContain('除新提交的补正材料本身存在问题外，不再要求你（单位）提交本告知书所列以外的材料');
  });

  it('leaves out the requirement column when no material has one, and refuses an empty list', () => {
    const n = render('one-time', { missing: [{ name: '户口簿', reason: '未提交' }] });
    expect(n.html).not.toContain('材料类型及要求');
    expect(() => render('one-time', { missing: [] })).toThrow(RangeError);
    expect(() => render('one-time', { missing: undefined })).toThrow(RangeError);
  });
});

describe('退回通知书 return notice', () => {
  it('gives the reason, the basis and the remedies (行政复议 60 days, 行政诉讼 6 months)', () => {
    const n = render('return', { reason: '拟建位置位于基本农田保护区', legalBasis: ['《中华人民共和国土地管理法》第三十七条', '《广东省农村宅基地管理规定》'] });
    expect(n.text).toContain('决定不予受理');
    expect(n.text).toContain('退回理由：拟建位置位于基本农田保护区');
    expect(n.text).toContain('依据：《中华人民共和国土地管理法》第三十七条；《广东省农村宅基地管理规定》。');
    expect(n.text).toContain('六十日内');
    expect(n.text).toContain('申请行政复议');
    expect(n.text).toContain('六个月内');
    expect(n.text).toContain('提起行政诉讼');
    expect(n.text).toContain('《中华人民共和国行政复议法》');
    expect(n.text).toContain('《中华人民共和国行政诉讼法》');
  });

  it('says 不予办理 for a case that had been accepted', () => {
    expect(render('return', { acceptedAt: new Date('2026-11-20T02:00:00Z') }).text).toContain('决定不予办理');
  });
});

describe('办结通知书 completion notice', () => {
  it('states the result, the result document and the fees in figures and words with the total', () => {
    const n = render('completion', {
      outcome: 'approved',
      completedAt: new Date('2026-12-03T07:00:00Z'),
      resultDocument: '最低生活保障金领取证',
      fees: [
        { name: '证照工本费', amountFen: 2000, basis: '粤发改价格〔2020〕1号' },
        { name: '档案查询费', amountFen: 530, basis: '信价〔2019〕8号' },
      ],
    });
    expect(n.text).toContain('已于2026年12月3日办结，办理结果：准予办理');
    expect(n.text).toContain('最低生活保障金领取证');
    expect(n.text).toContain('1. 证照工本费：¥20.00（贰拾元整）');
    expect(n.text).toContain('2. 档案查询费：¥5.30（伍元叁角）');
    expect(n.text).toContain('合计：¥25.30（贰拾伍元叁角）');
  });

  it('says when nothing was charged, and gives the remedies when the result is a refusal', () => {
    expect(render('completion').text).toContain('本事项未收取任何费用');
    expect(render('completion').text).not.toContain('行政复议');
    const refused = render('completion', { outcome: 'rejected', reason: '家庭收入超过当地低保标准' });
    expect(refused.text).toContain('办理结果：不予办理');
    expect(refused.text).toContain('家庭收入超过当地低保标准');
    expect(refused.text).toContain('行政复议');
  });
});

describe('hostile input', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const script = '<script>alert("x")</script>';
  const quote = '" onmouseover="alert(1)';

  it.each(KINDS)('%s: every value ends up as text, never as markup', (kind) => {
    const n = renderNotice({
      ...base,
      kind,
      caseNo: `DB-1${quote}`,
      applicant: { name: hostile, idNumberMasked: script, phoneMasked: quote },
      itemName: script,
      itemCode: quote,
      centreName: `${script}中心`,
      windowName: hostile,
      clerkName: `</title>${script}`,
      queryCode: script,
      lookupUrl: 'javascript:alert(1)',
      reason: script,
      legalBasis: [hostile],
      missing: [{ name: hostile, reason: script, requirement: quote }],
      materialsReceived: [{ name: hostile, copies: 1, form: script }],
      fees: [{ name: hostile, amountFen: 100, basis: script }],
      resultDocument: hostile,
      outcome: 'rejected',
    });
    expect(n.html).not.toMatch(/<script/i);
    expect(n.html).not.toContain('<img');
    expect(n.html).not.toMatch(/<[^>]*\son\w+\s*=/i); // no event-handler attribute in any tag
    expect(n.html).not.toContain('" onmouseover');
    expect(n.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(n.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(n.html).toContain('&quot; onmouseover=&quot;alert(1)');
    for (const t of tagsOf(n.html)) expect(ALLOWED_TAGS).toContain(t);
    expect(n.html.match(/<title>/g)).toHaveLength(1);
    expect(n.html.match(/<\/title>/g)).toHaveLength(1);
    // the plain text keeps the values as they are: it is not HTML
    expect(n.text).toContain(hostile);
  });

  it('forbids scripts and remote content through a Content-Security-Policy as well', () => {
    expect(render('acceptance').html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  });
});
