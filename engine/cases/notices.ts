/**
 * Printable notices (文书) in Simplified Chinese:
 * - 受理通知书 acceptance notice (materials received, time limits, query code);
 * - 一次性告知书 one-time notification (every missing or defective material at once);
 * - 退回通知书 return notice (不予受理/退回, with the reason, basis and legal remedies);
 * - 办结通知书 completion notice (result, result document, fees in figures and in words).
 *
 * Each is a standalone HTML5 document for A4 printing (inline CSS, no script, a
 * Content-Security-Policy that forbids scripts and remote content) plus a plain-text version.
 * Every interpolated value goes through `escapeHtml`. Dates are China Standard Time days
 * (UTC+8, no daylight saving since 1991), the same rule as engine/calendar/cst.ts.
 */

import { CST_OFFSET_MS } from '../calendar/cst';

export type NoticeKind = 'acceptance' | 'one-time' | 'return' | 'completion';

export interface NoticeInput {
  kind: NoticeKind;
  caseNo: string;
  /** Printed only on the acceptance notice, and only when given. */
  queryCode?: string;
  centreName: string;
  windowName: string;
  /** Responsible person 首问负责人. */
  clerkName: string;
  itemName: string;
  itemCode: string;
  applicant: { name: string; idNumberMasked: string; phoneMasked?: string };
  issuedAt: Date;
  // acceptance
  acceptedAt?: Date;
  promisedDueAt?: Date;
  promisedLimitDays?: number;
  statutoryLimitDays?: number;
  materialsReceived?: { name: string; copies: number; form: string }[];
  // one-time: every missing or defective material at once
  missing?: { name: string; reason: string; requirement?: string }[];
  supplementDeadline?: Date;
  // return
  reason?: string;
  legalBasis?: string[];
  // completion
  outcome?: 'approved' | 'rejected';
  resultDocument?: string;
  completedAt?: Date;
  fees?: { name: string; amountFen: number; basis: string }[];
  lookupUrl?: string;
  centrePhone?: string;
}

export const NOTICE_TITLES: Readonly<Record<NoticeKind, string>> = {
  acceptance: '受理通知书',
  'one-time': '一次性告知书',
  return: '退回通知书',
  completion: '办结通知书',
};

/** Character of the document number 文号: 〔2026〕受字第 … 号. */
const SERIAL: Readonly<Record<NoticeKind, string>> = { acceptance: '受', 'one-time': '告', return: '退', completion: '结' };

// ---------------------------------------------------------------- escaping

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes a value for HTML text and (quoted) attribute values: & < > " ' ` . null/undefined → ''. */
export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

// ---------------------------------------------------------------- dates


function cstParts(date: Date): { y: number; m: number; d: number } {
  const t = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new RangeError('not a valid date');
  const c = new Date(t + CST_OFFSET_MS);
  return { y: c.getUTCFullYear(), m: c.getUTCMonth() + 1, d: c.getUTCDate() };
}

const DATE_DIGITS = '〇一二三四五六七八九';

/** 1–31 in Chinese numerals: 1 一, 10 十, 11 十一, 20 二十, 31 三十一. */
function smallNumber(n: number): string {
  if (n < 10) return DATE_DIGITS[n];
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DATE_DIGITS[tens]}十${ones ? DATE_DIGITS[ones] : ''}`;
}

/** The China Standard Time day of `date` in the form of official documents: 二〇二六年十一月二十八日. */
export function chineseDate(date: Date): string {
  const { y, m, d } = cstParts(date);
  const year = [...String(y)].map((c) => DATE_DIGITS[Number(c)]).join('');
  return `${year}年${smallNumber(m)}月${smallNumber(d)}日`;
}

/** 2026年11月28日, for body text. */
function plainDate(date: Date): string {
  const { y, m, d } = cstParts(date);
  return `${y}年${m}月${d}日`;
}

// ---------------------------------------------------------------- money

const UPPER = '零壹贰叁肆伍陆柒捌玖';
const SMALL_UNITS = ['', '拾', '佰', '仟'];

/** 1–9999 in capitals; zeros between digits become one 零 (1005 → 壹仟零伍, 1010 → 壹仟零壹拾). */
function section(v: number): string {
  let out = '';
  let zero = false;
  for (let i = 3; i >= 0; i--) {
    const digit = Math.floor(v / 10 ** i) % 10;
    if (digit === 0) {
      zero = out.length > 0;
      continue;
    }
    if (zero) out += '零';
    zero = false;
    out += UPPER[digit] + SMALL_UNITS[i];
  }
  return out;
}

/** 1 – 99 999 999. */
function belowYi(n: number): string {
  const wan = Math.floor(n / 10_000);
  const rest = n % 10_000;
  let out = wan ? `${section(wan)}万` : '';
  if (rest) out += (wan && rest < 1000 ? '零' : '') + section(rest);
  return out;
}

/** Any positive safe integer: 亿 groups nest (1 2345 0000 0000 → 壹万贰仟叁佰肆拾伍亿). */
function integerInWords(n: number): string {
  if (n < 100_000_000) return belowYi(n);
  const yi = Math.floor(n / 100_000_000);
  const rest = n % 100_000_000;
  return `${integerInWords(yi)}亿${rest ? (rest < 10_000_000 ? '零' : '') + belowYi(rest) : ''}`;
}

/**
 * An amount of money (in fen, 分) in Chinese capitals as written on receipts and notices:
 * 0 → 零元整, 2000 → 贰拾元整, 100530 → 壹仟零伍元叁角, 10000007 → 壹拾万元零柒分, 35 → 叁角伍分.
 * "整" follows 元 only (after 角 it may be left out, after 分 it is never written).
 */
export function amountInWords(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError('amount must be a whole, non-negative number of fen');
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cent = fen % 10;
  if (fen === 0) return '零元整';
  if (yuan === 0) return (jiao ? `${UPPER[jiao]}角` : '') + (cent ? `${UPPER[cent]}分` : '');
  let out = `${integerInWords(yuan)}元`;
  if (!jiao && !cent) return `${out}整`;
  out += jiao ? `${UPPER[jiao]}角` : '零';
  if (cent) out += `${UPPER[cent]}分`;
  return out;
}

/** `¥20.00（贰拾元整）`, `¥1,005.30（壹仟零伍元叁角）`. */
export function formatMoney(fen: number): string {
  const words = amountInWords(fen);
  const yuan = String(Math.floor(fen / 100)).replace(/\B(?=(\d{3})+$)/g, ',');
  return `¥${yuan}.${String(fen % 100).padStart(2, '0')}（${words}）`;
}

// ---------------------------------------------------------------- building blocks

interface Block {
  html: string;
  text: string;
}

const para = (t: string, cls?: string): Block => ({ html: `<p${cls ? ` class="${cls}"` : ''}>${escapeHtml(t)}</p>`, text: t });

function table(caption: string, head: string[], rows: string[][], textRow: (r: string[]) => string): Block {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return {
    html: `<table>\n<caption>${escapeHtml(caption)}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${tr}\n</tbody>\n</table>`,
    text: [`${caption}：`, ...rows.map(textRow)].join('\n'),
  };
}

const REQUIREMENT_LABELS: Readonly<Record<string, string>> = { mandatory: '必要材料', conditional: '情形材料（符合情形时须提交）' };

const quoted = (s: string) => `“${s}”`;

const REMEDY =
  '如不服本决定，可以自收到本通知书之日起六十日内依照《中华人民共和国行政复议法》申请行政复议，或者自收到本通知书之日起六个月内依照《中华人民共和国行政诉讼法》向人民法院提起行政诉讼。';

function nonEmpty(s: string | undefined | null): s is string {
  return typeof s === 'string' && s.trim().length > 0;
}

function limitText(days: number): string {
  return days === 0 ? '即办（当场办结）' : `${days}个工作日`;
}

// ---------------------------------------------------------------- notices

function acceptanceBody(n: NoticeInput): Block[] {
  const blocks: Block[] = [];
  blocks.push(para(`你（单位）于${plainDate(n.acceptedAt ?? n.issuedAt)}申请办理的${quoted(n.itemName)}事项（事项编码：${n.itemCode}），申请材料齐全、符合法定形式，本中心决定予以受理。`));
  if (n.materialsReceived?.length) {
    blocks.push(
      table('已收取的申请材料', ['序号', '材料名称', '形式', '份数'], n.materialsReceived.map((m, i) => [String(i + 1), m.name, m.form, String(m.copies)]), ([i, name, form, copies]) => `${i}. ${name}（${form ? `${form}，` : ''}${copies}份）`),
    );
  }
  const limits: string[] = [];
  if (n.promisedLimitDays !== undefined && n.promisedLimitDays !== null) limits.push(`承诺办结时限：${limitText(n.promisedLimitDays)}`);
  if (n.statutoryLimitDays !== undefined && n.statutoryLimitDays !== null) limits.push(`法定办结时限：${limitText(n.statutoryLimitDays)}`);
  if (limits.length || n.promisedDueAt) {
    const counted = limits.length ? `${limits.join('；')}。办理时限自受理之日的次日起计算，不含法定节假日和休息日。` : '';
    blocks.push(para(`${counted}${n.promisedDueAt ? `预计于${plainDate(n.promisedDueAt)}前办结。` : ''}`));
  }
  if (nonEmpty(n.queryCode)) {
    blocks.push(para(`办件查询码：${n.queryCode}。请妥善保管，凭办件编号和查询码可查询办理进度${nonEmpty(n.lookupUrl) ? `（查询网址：${n.lookupUrl}）` : ''}。`, 'query'));
  } else if (nonEmpty(n.lookupUrl)) {
    blocks.push(para(`可凭办件编号在 ${n.lookupUrl} 查询办理进度。`));
  }
  return blocks;
}

function oneTimeBody(n: NoticeInput): Block[] {
  const missing = n.missing ?? [];
  if (!missing.length) throw new RangeError('a one-time notification lists at least one missing or defective material');
  const withRequirement = missing.some((m) => nonEmpty(m.requirement));
  const head = ['序号', '材料名称', '存在问题（补正原因）', ...(withRequirement ? ['材料类型及要求'] : [])];
  const rows = missing.map((m, i) => [String(i + 1), m.name, m.reason, ...(withRequirement ? [nonEmpty(m.requirement) ? REQUIREMENT_LABELS[m.requirement] ?? m.requirement : ''] : [])]);
  return [
    para(`你（单位）申请办理的${quoted(n.itemName)}事项（事项编码：${n.itemCode}），经审查，申请材料不齐全或者不符合法定形式。现将需要补正的全部材料（共${missing.length}项）一次性告知如下：`),
    table('需要补正的材料', head, rows, ([i, name, reason, req]) => `${i}. ${name}：${reason}${req ? `；${req}` : ''}`),
    para('本窗口已将需要补正的全部内容一次性告知。除新提交的补正材料本身存在问题外，不再要求你（单位）提交本告知书所列以外的材料。'),
    para(
      `请${n.supplementDeadline ? `于${plainDate(n.supplementDeadline)}前` : ''}补齐上述材料后到${n.windowName}提交；材料齐全、符合法定形式的，本中心予以受理，办理时限自受理之日的次日起计算。`,
    ),
  ];
}

function returnBody(n: NoticeInput): Block[] {
  const decision = n.acceptedAt ? '经审查，决定不予办理，现将申请退回。' : '经审查，决定不予受理，现将申请退回。';
  const blocks = [
    para(`你（单位）申请办理的${quoted(n.itemName)}事项（事项编码：${n.itemCode}），${decision}`),
    para(`退回理由：${nonEmpty(n.reason) ? n.reason.trim() : '（未载明，请向经办窗口询问）'}`),
  ];
  const basis = (n.legalBasis ?? []).filter(nonEmpty);
  if (basis.length) blocks.push(para(`依据：${basis.join('；')}。`.replace(/。。$/, '。')));
  blocks.push(para(REMEDY, 'remedy'));
  return blocks;
}

function completionBody(n: NoticeInput): Block[] {
  const approved = n.outcome !== 'rejected';
  const blocks = [
    para(`你（单位）申请办理的${quoted(n.itemName)}事项（事项编码：${n.itemCode}）已于${plainDate(n.completedAt ?? n.issuedAt)}办结，办理结果：${approved ? '准予办理' : '不予办理'}。`),
  ];
  if (!approved && nonEmpty(n.reason)) blocks.push(para(`理由：${n.reason.trim()}`));
  if (nonEmpty(n.resultDocument)) blocks.push(para(`结果文书（证照）：${n.resultDocument}。请持本通知书和有效身份证件到${n.windowName}领取，或按约定的方式送达。`));
  const fees = n.fees ?? [];
  if (fees.length) {
    const total = fees.reduce((s, f) => s + f.amountFen, 0);
    blocks.push(
      table('收费情况', ['序号', '收费项目', '金额', '收费依据'], fees.map((f, i) => [String(i + 1), f.name, formatMoney(f.amountFen), f.basis]), ([i, name, money, basis]) => `${i}. ${name}：${money}（依据：${basis}）`),
    );
    blocks.push(para(`合计：${formatMoney(total)}。以上费用按公示标准一次性收取，无其他收费。`));
  } else {
    blocks.push(para('本事项未收取任何费用。'));
  }
  if (!approved) blocks.push(para(REMEDY, 'remedy'));
  blocks.push(para('欢迎对本次服务作出评价（好差评）。'));
  return blocks;
}

const STYLE = `@page { size: A4; margin: 20mm }
html { background: #fff }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 14pt; line-height: 1.8; color: #000; margin: 0 }
h1 { text-align: center; font-size: 22pt; letter-spacing: 0.3em; margin: 0 0 6pt }
.docno { text-align: center; margin: 0 0 18pt }
p { margin: 0 0 6pt; text-indent: 2em }
p.to, p.docno, p.contact { text-indent: 0 }
table { border-collapse: collapse; width: 100%; margin: 6pt 0 10pt; page-break-inside: auto }
caption { text-align: left; font-weight: bold; padding-bottom: 2pt }
th, td { border: 1px solid #000; padding: 2pt 6pt; font-size: 12pt; text-align: left; vertical-align: top }
tr { page-break-inside: avoid }
.contact { font-size: 12pt; margin-top: 18pt }
.sign { margin: 36pt 0 0 auto; width: 60%; text-align: center; page-break-inside: avoid }
.sign div { text-indent: 0 }`;

/**
 * Renders a notice as a standalone HTML5 document (A4) and as plain text.
 * @throws RangeError for an unknown kind, an invalid date, or a one-time notification without materials
 */
export function renderNotice(input: NoticeInput): { title: string; html: string; text: string } {
  const n = input;
  const title = NOTICE_TITLES[n.kind];
  if (!title) throw new RangeError(`unknown notice kind: ${String(n.kind)}`);
  const { y } = cstParts(n.issuedAt);
  const docNo = `${n.centreName}〔${y}〕${SERIAL[n.kind]}字第 ${n.caseNo} 号`;
  const to = `${n.applicant.name}：`;
  const facts: [string, string][] = [
    ['申请人', n.applicant.name],
    ['证件号码', n.applicant.idNumberMasked],
    ...(nonEmpty(n.applicant.phoneMasked) ? [['联系电话', n.applicant.phoneMasked] as [string, string]] : []),
    ['申请事项', `${n.itemName}（${n.itemCode}）`],
    ['办件编号', n.caseNo],
  ];
  const body =
    n.kind === 'acceptance' ? acceptanceBody(n) : n.kind === 'one-time' ? oneTimeBody(n) : n.kind === 'return' ? returnBody(n) : completionBody(n);
  const contactParts = [`经办窗口：${n.windowName}`, `首问负责人：${n.clerkName}`];
  if (nonEmpty(n.centrePhone)) contactParts.push(`咨询电话：${n.centrePhone}`);
  if (nonEmpty(n.lookupUrl) && n.kind !== 'acceptance') contactParts.push(`办件查询：${n.lookupUrl}`);
  const contact = contactParts.join('　');
  const date = chineseDate(n.issuedAt);

  const factsHtml = `<table class="facts">\n<tbody>\n${facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}\n</tbody>\n</table>`;
  const html = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)} ${escapeHtml(n.caseNo)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="docno">${escapeHtml(docNo)}</p>
<p class="to">${escapeHtml(to)}</p>
${body.map((b) => b.html).join('\n')}
${factsHtml}
<p class="contact">${escapeHtml(contact)}</p>
<div class="sign">
<div>${escapeHtml(n.centreName)}</div>
<div class="seal">（印章）</div>
<div>${escapeHtml(date)}</div>
</div>
</body>
</html>
`;
  const text = [
    title,
    docNo,
    '',
    to,
    ...body.map((b) => b.text),
    '',
    ...facts.map(([k, v]) => `${k}：${v}`),
    contact,
    '',
    n.centreName,
    '（印章）',
    date,
  ].join('\n');
  return { title, html, text };
}
