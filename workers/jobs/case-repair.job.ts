/**
 * cases.repair — finishes what a killed process left half-done: acceptance decisions under way
 * (`case_intents`: the instance, status, audit event, notice and clocks of an acceptance, each
 * idempotent) and audit appends whose follow-ups (provincial feed, statistics rollups) did not
 * run (`audit_pending`). Trigger: every 15 seconds (Agenda `every`, one shared job); only
 * markers older than 30 s are touched, so work in flight is left alone. Idempotency: every step
 * repeated is keyed. Retries: the next run.
 */
import type { Agenda } from 'agenda';
import type { CaseService, Logger } from '../../engine';

export const CASE_REPAIR_JOB = 'cases.repair';
/** How old a marker must be to count as abandoned (`CASE_REPAIR_AFTER_MS`, default 30 s; an acceptance takes well under a second). */
export const REPAIR_AFTER_MS = Number(process.env.CASE_REPAIR_AFTER_MS ?? 30_000);
/** How often the sweep runs (`CASE_REPAIR_EVERY`, an Agenda interval, default 15 seconds). */
export const REPAIR_EVERY = process.env.CASE_REPAIR_EVERY ?? '15 seconds';

export function defineCaseRepairJob(agenda: Agenda, cases: CaseService, logger: Logger) {
  agenda.define(CASE_REPAIR_JOB, async () => {
    const n = await cases.repairInterrupted(new Date(), REPAIR_AFTER_MS);
    if (n) logger.warn({ jobName: CASE_REPAIR_JOB, repaired: n }, 'finished decisions cut short by a stopped process');
  });
}
