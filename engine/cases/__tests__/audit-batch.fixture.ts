import type { AuditAppend } from '../audit';

/** The batch the kill scenario appends: what an acceptance appends to its case, each step keyed. */
export function killBatch(caseNo: string): AuditAppend[] {
  const at = new Date('2026-12-07T02:30:00.000Z');
  return [
    { type: 'case.accepted', actor: 'dingbao-w01-a', data: { procedure: 'immediate-item', promisedLimitDays: 1, statutoryLimitDays: 5 }, at, dedupeKey: `case:accepted:${caseNo}` },
    { type: 'notice.issued', actor: 'dingbao-w01-a', data: { noticeId: `${caseNo}:acceptance:1`, kind: 'acceptance', title: '受理通知书' }, at, dedupeKey: `notice:${caseNo}:acceptance:1` },
    { type: 'clock.started', actor: 'system', data: { clockId: `${caseNo}:statutory`, kind: 'statutory' }, at, dedupeKey: `clock:start:${caseNo}:statutory` },
    { type: 'clock.started', actor: 'system', data: { clockId: `${caseNo}:promised`, kind: 'promised' }, at, dedupeKey: `clock:start:${caseNo}:promised` },
  ];
}
