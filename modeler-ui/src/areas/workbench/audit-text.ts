/**
 * Reasons the system writes into a case's audit events by itself (no person typed them), as a
 * clerk reads them in the case history (办理过程). Keyed by the reason the engine stores;
 * test/features/audit-labels.test.ts fails when the engine writes one that is not here.
 */
export const SYSTEM_REASONS: Record<string, string> = {
  // engine/cases/case-service.ts, the repair of an examination decision a killed process left half-done
  interrupted: '办理中系统中断，该决定未生效，办件已回到“收件待审”，请重新作出审查决定',
  // the repair of an intake a killed process left before its first event
  'intake interrupted': '收件过程中系统中断，本次收件未完成，办件编号已作废，请重新收件',
};

/** The examination decisions a `case.decision-undone` event names. */
export const UNDONE_DECISIONS: Record<string, string> = {
  accept: '受理',
  reject: '不予受理',
  supplement: '一次性告知补正',
};

/** A reason as the history shows it: the system's own in Chinese, a person's as written. */
export function reasonText(reason: unknown): string {
  if (typeof reason !== 'string' || !reason) return '';
  return SYSTEM_REASONS[reason] ?? reason;
}
