/**
 * Printable notices (文书) in Simplified Chinese: acceptance notice 受理通知书, one-time
 * notification 一次性告知书, return notice 退回通知书, completion notice 办结通知书. Each is a
 * standalone HTML5 document for A4 printing plus a plain-text version. Every value is
 * HTML-escaped; the documents contain no script.
 */

export type NoticeKind = 'acceptance' | 'one-time' | 'return' | 'completion';

export interface NoticeInput {
  kind: NoticeKind;
  caseNo: string;
  queryCode?: string;
  centreName: string;
  windowName: string;
  clerkName: string;
  itemName: string;
  itemCode: string;
  applicant: { name: string; idNumberMasked: string; phoneMasked?: string };
  issuedAt: Date;
  acceptedAt?: Date;
  promisedDueAt?: Date;
  promisedLimitDays?: number;
  statutoryLimitDays?: number;
  materialsReceived?: { name: string; copies: number; form: string }[];
  missing?: { name: string; reason: string; requirement?: string }[];
  supplementDeadline?: Date;
  reason?: string;
  legalBasis?: string[];
  outcome?: 'approved' | 'rejected';
  resultDocument?: string;
  completedAt?: Date;
  fees?: { name: string; amountFen: number; basis: string }[];
  lookupUrl?: string;
  centrePhone?: string;
}

const TITLES: Record<NoticeKind, string> = { acceptance: '受理通知书', 'one-time': '一次性告知书', return: '退回通知书', completion: '办结通知书' };
const SERIAL: Record<NoticeKind, string> = { acceptance: '受', 'one-time': '告', return: '退', completion: '结' };

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!);
}

const DIGITS = '〇一二三四五六七八九';
const cst = (d: Date) => new Date(d.getTime() + 8 * 3600_000);

/** 2026-11-28 → 二〇二六年十一月二十八日 (China Standard Time day). */
export function chineseDate(date: Date): string {
  const d = cst(date);
  const num = (n: number) => {
    if (n < 10) return DIGITS[n];
    const tens = Math.floor(n / 10);
    const ones = n % 10;
    return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
  };
  const year = [...String(d.getUTCFullYear())].map((c) => DIGITS[Number(c)]).join('');
  return `${year}年${num(d.getUTCMonth() + 1)}月${num(d.getUTCDate())}日`;
}

/** 2026-11-28 → 2026年11月28日 (for body text). */
function plainDate(date: Date): string {
  const d = cst(date);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

const UPPER = '零壹贰叁肆伍陆柒捌玖';
const UNITS = ['', '拾', '佰', '仟'];
const BIG = ['', '万', '亿', '兆'];

/** Money in Chinese capitals: 2000 fen → 贰拾元整, 100530 → 壹仟零伍元叁角, 0 → 零元整. */
export function amountInWords(fen: number): string {
  if (!Number.isInteger(fen) || fen < 0) throw new RangeError('amount must be a whole, non-negative number of fen');
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;
  let out = '';
  if (yuan === 0) out = '零';
  else {
    const groups: number[] = [];
    for (let y = yuan; y > 0; y = Math.floor(y / 10000)) groups.push(y % 10000);
    let needZero = false;
    for (let g = groups.length - 1; g >= 0; g--) {
      const v = groups[g];
      if (v === 0) {
        needZero = out.length > 0;
        continue;
      }
      if (needZero || (out && v < 1000)) out += '零';
      needZero = false;
      let part = '';
      let zero = false;
      for (let i = 3; i >= 0; i--) {
        const digit = Math.floor(v / 10 ** i) % 10;
        if (digit === 0) {
          zero = part.length > 0;
          continue;
        }
        if (zero) part += '零';
        zero = false;
        part += UPPER[digit] + UNITS[i];
      }
      out += part + BIG[g];
    }
  }
  out += '元';
  if (jiao === 0 && cents === 0) return `${out}整`;
  if (jiao) out += `${UPPER[jiao]}角`;
  else if (yuan > 0) out += '零';
  if (cents) out += `${UPPER[cents]}分`;
  return out;
}

export function formatMoney(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}（${amountInWords(fen)}）`;
}

interface Block {
  html: string;
  text: string;
}
const para = (t: string): Block => ({ html: `<p>${escapeHtml(t)}</p>`, text: t });
function table(head: string[], rows: string[][]): Block {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return { html: `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`, text: rows.map((r) => r.join('  ')).join('\n') };
}

export function renderNotice(n: NoticeInput): { title: string; html: string; text: string } {
  const title = TITLES[n.kind];
  const year = cst(n.issuedAt).getUTCFullYear();
  const docNo = `${n.centreName}〔${year}〕${SERIAL[n.kind]}字第 ${n.caseNo} 号`;
  const who = `${n.applicant.name}（证件号码：${n.applicant.idNumberMasked}）：`;
  const blocks: Block[] = [];
  if (n.kind === 'acceptance') {
    blocks.push(para(`你（单位）于${plainDate(n.acceptedAt ?? n.issuedAt)}提出的「${n.itemName}」（事项编码 ${n.itemCode}）申请，申请材料齐全、符合法定形式，本中心决定予以受理。`));
    if (n.materialsReceived?.length) blocks.push(table(['序号', '已收材料', '形式', '份数'], n.materialsReceived.map((m, i) => [String(i + 1), m.name, m.form, String(m.copies)])));
    const limits = [n.promisedLimitDays !== undefined ? `承诺办结时限 ${n.promisedLimitDays === 0 ? '当场（当日）' : `${n.promisedLimitDays} 个工作日`}` : '', n.statutoryLimitDays !== undefined ? `法定办结时限 ${n.statutoryLimitDays} 个工作日` : ''].filter(Boolean).join('，');
    if (limits) blocks.push(para(`${limits}，自受理之日的次日起计算，不含法定节假日。${n.promisedDueAt ? `预计办结日期：${plainDate(n.promisedDueAt)}。` : ''}`));
    blocks.push(para(`办件编号：${n.caseNo}${n.queryCode ? `；查询码：${n.queryCode}（请妥善保管，凭办件编号和查询码查询办理进度）` : '；查询码已于受理时告知'}。`));
  } else if (n.kind === 'one-time') {
    blocks.push(para(`你（单位）申请的「${n.itemName}」（事项编码 ${n.itemCode}），经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部材料如下：`));
    blocks.push(table(['序号', '需补正材料', '补正原因'], (n.missing ?? []).map((m, i) => [String(i + 1), m.name, m.reason])));
    blocks.push(para('本窗口已一次性告知需补正的全部内容；除补正材料本身存在问题外，不再要求提交上述清单以外的材料。请补齐后到本窗口提交，补正材料齐全之日的次日起重新计算办理时限。'));
    if (n.supplementDeadline) blocks.push(para(`请于${plainDate(n.supplementDeadline)}前补正。`));
  } else if (n.kind === 'return') {
    blocks.push(para(`你（单位）申请的「${n.itemName}」（事项编码 ${n.itemCode}），经审查，决定不予受理（退回）。`));
    blocks.push(para(`退回理由：${n.reason ?? ''}`));
    if (n.legalBasis?.length) blocks.push(para(`依据：${n.legalBasis.join('；')}`));
    blocks.push(para('如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼（《中华人民共和国行政复议法》《中华人民共和国行政诉讼法》）。'));
  } else {
    const approved = n.outcome !== 'rejected';
    blocks.push(para(`你（单位）申请的「${n.itemName}」（办件编号 ${n.caseNo}）已于${plainDate(n.completedAt ?? n.issuedAt)}办结，办理结果：${approved ? '准予办理' : '不予许可'}。`));
    if (n.resultDocument) blocks.push(para(`结果文书：${n.resultDocument}，请携带本人有效身份证件到${n.windowName}领取。`));
    if (n.fees?.length) blocks.push(table(['收费项目', '金额', '依据'], n.fees.map((f) => [f.name, formatMoney(f.amountFen), f.basis])));
    else blocks.push(para('本事项未收取任何费用。'));
  }
  const contact = `经办窗口：${n.windowName}　首问负责人：${n.clerkName}${n.centrePhone ? `　联系电话：${n.centrePhone}` : ''}`;
  const body = blocks.map((b) => b.html).join('\n');
  const html = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)} ${escapeHtml(n.caseNo)}</title>
<style>@page { size: A4; margin: 20mm } body { font-family: "SimSun","Songti SC","Noto Serif CJK SC",serif; font-size: 14pt; line-height: 1.8; color: #000 }
h1 { text-align: center; font-size: 22pt; letter-spacing: 0.3em; margin: 0 0 4pt } .docno { text-align: center; margin-bottom: 16pt }
table { border-collapse: collapse; width: 100%; margin: 8pt 0 } th, td { border: 1px solid #000; padding: 2pt 6pt; font-size: 12pt; text-align: left }
.sign { text-align: right; margin-top: 36pt } .contact { font-size: 11pt; margin-top: 18pt }</style></head>
<body><h1>${escapeHtml(title)}</h1><div class="docno">${escapeHtml(docNo)}</div>
<p>${escapeHtml(who)}</p>
${body}
<p class="contact">${escapeHtml(contact)}</p>
<div class="sign"><div>${escapeHtml(n.centreName)}</div><div>（印章）</div><div>${escapeHtml(chineseDate(n.issuedAt))}</div></div>
</body></html>`;
  const text = [title, docNo, who, ...blocks.map((b) => b.text), contact, n.centreName, chineseDate(n.issuedAt)].join('\n');
  return { title, html, text };
}
