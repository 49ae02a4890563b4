/**
 * cases.numbers.sweep — voids case numbers claimed by an intake that never finished (its
 * process died between the claim and the case), so they are recorded as void rather than
 * left dangling or reused. Trigger: every minute (Agenda `every`, one shared job).
 * Idempotency: a number is voided only while still `claimed` with no case. Retries: next run.
 */
import type { Agenda } from 'agenda';
import type { CaseService, Logger } from '../../engine';

export const CASE_NUMBER_SWEEP_JOB = 'cases.numbers.sweep';

export function defineCaseNumberSweepJob(agenda: Agenda, cases: CaseService, logger: Logger) {
  agenda.define(CASE_NUMBER_SWEEP_JOB, async () => {
    const n = await cases.numbers.voidStaleClaims(new Date());
    if (n) logger.warn({ jobName: CASE_NUMBER_SWEEP_JOB, voided: n }, 'voided case numbers of unfinished intakes');
  });
}
