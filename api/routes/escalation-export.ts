/**
 * 督办台账 as an Excel workbook (`GET /api/escalations?format=xlsx`): the escalations the list
 * shows, by names, not codes — the centre's and window's names, the responsible person's 姓名,
 * the limit, status and severity in Chinese, times in Beijing time — with a 说明 sheet saying what
 * was exported. Built from the list the route already read (no query of its own).
 */
import { attachmentDisposition, cstDayOf, toXlsx, XLSX_CONTENT_TYPE, type CsvColumn } from '../../engine';

const LIMIT_KINDS: Record<string, string> = { statutory: '法定时限', promised: '承诺时限', step: '环节时限', reply: '督办回复时限', examination: '收件审查告知期限', complaint: '投诉答复时限' };
const STATUSES: Record<string, string> = { open: '待处理', acknowledged: '已知悉', notified: '已发督办通知', replied: '已回复', closed: '已办结' };
const SEVERITIES: Record<string, string> = { breach: '超期', serious: '严重超期' };

/** What the workbook reads of one escalation (the list's answer, names added). */
export interface EscalationRow {
  caseNo?: string | null;
  name?: string | null;
  taskName?: string | null;
  limitKind?: string | null;
  severity?: string | null;
  orgUnit?: string | null;
  windowId?: string | null;
  responsible?: string | null;
  responsibleName?: string;
  dueAt?: string | Date | null;
  raisedAt?: string | Date | null;
  status: string;
  level?: number | null;
  notice?: { text?: string; issuedAt?: string | Date; replyDueAt?: string | Date } | null;
  reply?: { text?: string; at?: string | Date } | null;
}

/** The escalation's subject in Chinese: a clock's kind the engine has no label for showed as its code (complaint超期). */
export function escalationName(e: Pick<EscalationRow, 'name' | 'limitKind'>): string {
  if (e.name && !/[A-Za-z]/.test(e.name)) return e.name;
  return `${(e.limitKind && LIMIT_KINDS[e.limitKind]) || '办理时限'}超期`;
}

/** `2026-12-08 17:30` in Beijing time (what a clerk reads; the sheet is not for machines). */
function beijing(v: string | Date | null | undefined): string {
  if (!v) return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return '';
  const s = new Date(d.getTime() + 8 * 3600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

export function escalationColumns(units: Map<string, string>, windows: Map<string, string>): CsvColumn<EscalationRow>[] {
  return [
    { header: '办件编号', value: (e) => e.caseNo ?? '' },
    { header: '督办事由', value: (e) => [escalationName(e), e.taskName].filter(Boolean).join(' · ') },
    { header: '时限类别', value: (e) => (e.limitKind ? (LIMIT_KINDS[e.limitKind] ?? '其他时限') : '') },
    { header: '所属机构', value: (e) => (e.orgUnit ? (units.get(e.orgUnit) ?? '') : '') },
    { header: '窗口', value: (e) => (e.windowId ? (windows.get(e.windowId) ?? '') : '') },
    { header: '责任人', value: (e) => e.responsibleName ?? '' },
    { header: '程度', value: (e) => (e.severity ? (SEVERITIES[e.severity] ?? '') : '') },
    { header: '督办级别', value: (e) => (e.level ? `${e.level}级` : '') },
    { header: '状态', value: (e) => STATUSES[e.status] ?? '' },
    { header: '期限', value: (e) => beijing(e.dueAt) },
    { header: '发起时间', value: (e) => beijing(e.raisedAt) },
    { header: '督办通知', value: (e) => e.notice?.text ?? '' },
    { header: '回复截止', value: (e) => beijing(e.notice?.replyDueAt) },
    { header: '回复', value: (e) => e.reply?.text ?? '' },
    { header: '回复时间', value: (e) => beijing(e.reply?.at) },
  ];
}

/** The workbook and its headers: `督办台账-<day>.xlsx`. */
export async function escalationWorkbook(rows: EscalationRow[], units: Map<string, string>, windows: Map<string, string>, filter: { status?: string; orgUnit?: string }) {
  const day = cstDayOf(new Date());
  const about: [string, string][] = [
    ['导出时间', beijing(new Date())],
    ['状态', filter.status ? (STATUSES[filter.status] ?? '') : '全部'],
    ['所属机构', filter.orgUnit ? (units.get(filter.orgUnit) ?? '') : '全部（本人可见范围）'],
    ['条数', String(rows.length)],
  ];
  const body = await toXlsx('督办台账', rows, escalationColumns(units, windows), about);
  return {
    body,
    headers: {
      'Content-Type': XLSX_CONTENT_TYPE,
      'Content-Disposition': attachmentDisposition(`督办台账-${day}.xlsx`, `escalations-${day}.xlsx`),
      'Cache-Control': 'no-store',
    },
  };
}
