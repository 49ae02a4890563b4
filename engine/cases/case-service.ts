/**
 * Service cases (办件) from intake to their end, across town and city: the five categories
 * (五分类), first-inquiry responsibility (首问负责), one-time notification (一次性告知), case
 * numbers, notices (文书), one-time charging (一次收费), the proxy-handling record (代办记录),
 * the public lookup and the per-case audit chain — behind one door, `CaseService`, a thin facade:
 * each method hands its `CaseContext` to the function in this folder that does the work.
 *
 * | what | file in `engine/cases/` |
 * |---|---|
 * | 收件: intake, validated whole, a case number, then refused / one-time notification / examination / accepted | `take-in-application.ts` |
 * | 收件后审查: the examination decision, the five-day examination clock | `examine-application.ts` |
 * | 视为受理: deemed accepted after five working days (行政许可法 第三十二条) | `deem-accepted.ts` |
 * | 受理: the acceptance (path started, case.accepted, in progress, notice, clocks) | `accept-application.ts` |
 * | 补正材料到件 · a further notification · 一次收费 | `receive-supplement.ts` · `request-supplement.ts` · `charge-fee.ts` |
 * | 文书: a notice issued | `issue-notice.ts` |
 * | the projection listener: steps' events, hand-overs, step clocks, pauses, the end | `project-case.ts` |
 * | 办结: the end of a case | `finish-case.ts` |
 * | the intent journal · 中断修复 | `intents.ts` · `repair-cases.ts` |
 * | staff reads (case page, list, notices, access check) · the public lookup | `queries.ts` · `public-lookup.ts` |
 * | in-app messages | `notifications.ts` |
 * | the ports and shared shapes · the case and its checks · the materials | `context.ts` · `case-records.ts` · `materials.ts` |
 *
 * The BPMN engine runs the item's path; the case layer owns what happens around it. It learns
 * what the engine did through the projection (`onProjected`), idempotently, so a crash between
 * an engine revision and the case's own records is repaired by the projection sweep.
 *
 * Classification (五分类):
 * - rejected 退回件 — the clerk refuses at intake (prohibited, against policy or planning), or
 *   a review step rejects; a return notice states the reason.
 * - supplement 补办件 — mandatory (or applicable conditional) materials missing or defective at
 *   intake: ONE notification lists all of them; the case waits; when the materials arrive it
 *   is accepted and goes on. A later notification may name only problems in materials handed
 *   in with the supplement; anything else could have been named the first time, so the API
 *   refuses it and counts a violation against the window.
 * - immediate 即办件 / report-up 上报件 / joint 联办件 — the item's own path once accepted.
 */
import type { Actor } from '../domain/types';
import type { ProjectionListener } from '../services/process-service';
import { CaseNumbers } from './case-numbers';
import type { CaseContext, CaseReadContext, CaseServiceDeps, CommandOptions, IntakeInput } from './context';
import type { HandedMaterial } from './materials';
import { takeInApplication } from './take-in-application';
import { examineApplication, type ExaminationInput } from './examine-application';
import { deemAccepted } from './deem-accepted';
import { receiveSupplement } from './receive-supplement';
import { requestSupplement } from './request-supplement';
import { chargeFee } from './charge-fee';
import { projectCase, type CaseProjection } from './project-case';
import { finishInterrupted, repairInterrupted } from './repair-cases';
import { assertReadable, getCase, getNotice, listCases, listNotices, proxyRecord, workingCalendar } from './queries';
import { publicCase, publicLookup } from './public-lookup';
import { notificationsOf, notify } from './notifications';

export { ART32_TEXT, EXAMINATION_DAYS, REJECT_REASONS } from './context';
export type { ApplicantInput, CaseServiceDeps, CommandOptions, IntakeInput } from './context';
export { missingMaterials, type HandedMaterial } from './materials';

export class CaseService implements ProjectionListener {
  readonly numbers: CaseNumbers;
  private readonly ctx: CaseContext;

  /**
   * `deps.clocks` (supervision), `deps.followUps` (feedback) and `deps.onViolation` (the statistics
   * rollups) are constructor dependencies: the platform builds them first — what they need of the
   * cases (messages, the public lookup, the read check) they get from `caseReadPort`, not from here.
   */
  constructor(deps: CaseServiceDeps) {
    this.numbers = new CaseNumbers(deps.models);
    this.ctx = { deps, numbers: this.numbers };
  }

  /** The counting calendar in force (the inbox counts the working days left with it); none without supervision. */
  workingCalendar() {
    return workingCalendar(this.ctx);
  }

  /**
   * 收件: takes in an application at the actor's window (`take-in-application.ts`).
   * @returns the case and, this once, its query code
   */
  intake(input: IntakeInput, actor: Actor, hooks: { onNumber?: (caseNo: string) => Promise<void> } = {}) {
    return takeInApplication(this.ctx, input, actor, hooks);
  }

  /** 审查决定 on an application taken in for examination (`examine-application.ts`). */
  examine(caseNo: string, input: ExaminationInput, actor: Actor, opts: CommandOptions = {}) {
    return examineApplication(this.ctx, caseNo, input, actor, opts);
  }

  /** 视为受理 after five working days without a notification (`deem-accepted.ts`); true when this call accepted it. */
  deemAccepted(caseNo: string): Promise<boolean> {
    return deemAccepted(this.ctx, caseNo);
  }

  /** 补正材料到件 (`receive-supplement.ts`). */
  receiveSupplement(caseNo: string, materials: HandedMaterial[], actor: Actor, opts: CommandOptions = {}) {
    return receiveSupplement(this.ctx, caseNo, materials, actor, opts);
  }

  /** A further notification after a supplement, only for materials handed in with it (`request-supplement.ts`). */
  furtherNotice(caseNo: string, materials: { code: string; reason: string }[], actor: Actor, opts: CommandOptions = {}) {
    return requestSupplement(this.ctx, caseNo, materials, actor, opts);
  }

  /** 一次收费 (`charge-fee.ts`). */
  chargeFee(caseNo: string, input: { items: { name: string; amountFen: number }[]; receiptNo?: string }, actor: Actor) {
    return chargeFee(this.ctx, caseNo, input, actor);
  }

  listNotices(caseNo: string, actor?: Actor) {
    return listNotices(this.ctx, caseNo, actor);
  }

  getNotice(caseNo: string, noticeId: string, actor: Actor) {
    return getNotice(this.ctx, caseNo, noticeId, actor);
  }

  /** The access check of `getCase` alone (`queries.ts`): 404 CASE_NOT_FOUND for another town's case. */
  assertReadable(caseNo: string, actor: Actor): Promise<void> {
    return assertReadable(this.ctx, caseNo, actor);
  }

  /** The case as staff see it: personal data masked, steps, notices, proxy record. */
  getCase(caseNo: string, actor: Actor) {
    return getCase(this.ctx, caseNo, actor);
  }

  /** Cases the actor may see, newest first; personal data masked. */
  listCases(actor: Actor, filter: { status?: string; category?: string; orgUnit?: string; mine?: boolean; limit?: number } = {}) {
    return listCases(this.ctx, actor, filter);
  }

  /** The public lookup by case number and query code (or phone) (`public-lookup.ts`). */
  publicLookup(caseNo: string, secret: { queryCode?: string; phone?: string }) {
    return publicLookup(this.ctx, caseNo, secret);
  }

  /** 办件查询: the lookup with the steps done and the deadlines. */
  publicCase(caseNo: string, secret: { queryCode?: string; phone?: string }) {
    return publicCase(this.ctx, caseNo, secret);
  }

  proxyRecord(caseNo: string, actor: Actor) {
    return proxyRecord(this.ctx, caseNo, actor);
  }

  /** The projection listener (`project-case.ts`): keeps the case in step with its engine instance. */
  onProjected(p: CaseProjection): Promise<void> {
    return projectCase(this.ctx, p);
  }

  /** 中断修复 (`repair-cases.ts`): decisions older than `olderThanMs` a killed process left half-done. */
  repairInterrupted(now = this.ctx.deps.clock.now(), olderThanMs = 30_000): Promise<number> {
    return repairInterrupted(this.ctx, now, olderThanMs);
  }

  /** Finishes, now, a decision on the case whose process died (`repair-cases.ts`). */
  finishInterrupted(caseNo: string, now = this.ctx.deps.clock.now()): Promise<void> {
    return finishInterrupted(this.ctx, caseNo, now);
  }

  /** An in-app message (站内消息). With `key` it is written once however often it is sent (a signal rung again by the repair). */
  notify(to: string, kind: string, title: string, body: string, caseNo?: string, taskId?: string, key?: string): Promise<void> {
    return notify(this.ctx, to, kind, title, body, caseNo, taskId, key);
  }

  /** A person's newest in-app messages (at most `limit`), newest first. */
  notificationsOf(username: string, limit = 200) {
    return notificationsOf(this.ctx, username, limit);
  }
}

/**
 * What other services need of the cases before `CaseService` exists — in-app messages, the public
 * lookup, the read check of a case (`CasePort` of supervision/feedback-service.ts; the supervision
 * channel's messages) — from the reads alone, so that those services can be constructor
 * dependencies of `CaseService` instead of being set on it afterwards.
 */
export function caseReadPort(deps: CaseReadContext['deps']) {
  const ctx: CaseReadContext = { deps };
  return {
    notify: (to: string, kind: string, title: string, body: string, caseNo?: string, taskId?: string, key?: string): Promise<void> => notify(ctx, to, kind, title, body, caseNo, taskId, key),
    publicLookup: (caseNo: string, secret: { queryCode?: string; phone?: string }) => publicLookup(ctx, caseNo, secret),
    assertReadable: (caseNo: string, actor: Actor): Promise<void> => assertReadable(ctx, caseNo, actor),
  };
}
