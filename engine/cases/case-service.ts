/**
 * Service cases (办件) from intake to their end, across town and city: the five categories
 * (五分类), first-inquiry responsibility (首问负责), one-time notification (一次性告知), case
 * numbers, notices (文书), one-time charging (一次收费), the proxy-handling record (代办记录),
 * the public lookup and the per-case audit chain.
 *
 * The BPMN engine runs the item's path; this service owns what happens around it. It learns
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
import { createHash, randomInt, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { BusinessRuleError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Clock, Logger, LooseEventListener } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { newestFirst } from '../persistence/newest';
import type { OpenStep, ProcessService, ProjectionListener, ProjectedRevision } from '../services/process-service';
import { toItem, type CatalogueService, type Material, type ServiceItem } from '../catalogue/catalogue-service';
import type { OrgService } from '../org/org-service';
import { AuditLog } from './audit';
import { CaseNumbers } from './case-numbers';
import { hashPersonal, maskIdNumber, maskName, maskPhone, normalizePhone, validateApplicant } from './identity';
import { renderNotice, type NoticeInput, type NoticeKind } from './notices';
import type { SupervisionService } from '../supervision/supervision-service';
import { estimateNote, type WorkingCalendar } from '../calendar/working-calendar';
import { stepRemaining } from './step-deadline';
import type { FeedbackService } from '../supervision/feedback-service';
import { parseBudget, parseStepLimit, type Budget } from '../supervision/clock-ledger';
import { crashPoint, holdPoint } from '../domain/fault';
import { publicProgress } from './public-progress';

const SYSTEM_ACTOR: Actor = { username: 'system', groups: [], roles: ['system'] };

/** Documents a caller read or wrote already and hands on, so the callee does not read them again. */
interface Known {
  kase?: any;
  item?: ServiceItem | any;
  window?: any;
  org?: any;
}

export interface HandedMaterial {
  code: string;
  provided: boolean;
  /** What is wrong with a material handed in (not in legal form, expired, unsigned…). */
  defect?: string;
  /** For conditional materials: the condition applies to this applicant. */
  applicable?: boolean;
}

export interface ApplicantInput {
  kind: 'person' | 'company';
  name: string;
  idType: string;
  idNumber: string;
  phone?: string;
  contactName?: string;
}

export interface IntakeInput {
  itemCode: string;
  applicant: ApplicantInput;
  materials: HandedMaterial[];
  /** Refuse at intake (退回件): a reason code from the kept list and/or free text. */
  reject?: { reasonCode?: string; reason?: string };
  /** Step time-limit overrides (`<step>Limit` = ISO duration), only when the platform allows them (demos, tests). */
  limitOverrides?: Record<string, string>;
  /**
   * 收件后审查: take the materials in now and examine them within five working days instead of on
   * the spot (行政许可法 第三十二条第一款第（四）项). See `examine` and `deemAccepted`.
   */
  examine?: boolean;
}

/** 行政许可法 第三十二条: five (working) days to notify what is missing, or the application counts as accepted. */
export const EXAMINATION_DAYS = 5;
export const ART32_TEXT = '《中华人民共和国行政许可法》第三十二条第一款第（四）项：申请材料不齐全或者不符合法定形式的，应当当场或者在五日内一次告知申请人需要补正的全部内容，逾期不告知的，自收到申请材料之日起即为受理。';

/** 退回理由 kept list (常用退回理由). */
export const REJECT_REASONS: Record<string, string> = {
  prohibited: '申请事项属国家明令禁止的范围',
  'industrial-policy': '申请事项不符合国家产业政策',
  'local-planning': '申请事项不符合本地规划',
  'not-our-remit': '申请事项不属于本中心受理范围，请向有关部门申请',
  'not-eligible': '申请人不符合申请条件',
  'duplicate-application': '该事项已受理或正在办理，请勿重复申请',
};

/** A command's options: the Idempotency-Key's request id (api/http/idempotency.ts), the same on every resend. */
export interface CommandOptions {
  requestId?: string;
}

/**
 * What a command records with its write (issue #12), so that its resend — the answer lost, or a
 * 503 after the write had committed — is answered as done instead of with what the record now
 * says: who, under which request id, with which input (hashed), and a token its follow-ups are
 * keyed by.
 */
interface CommandMark {
  by: string;
  requestId?: string;
  inputHash: string;
  token: string;
  decision?: string;
  at: Date;
}

const inputHashOf = (input: unknown) => createHash('sha256').update(canonicalize(input ?? {}) ?? '').digest('hex');

/** The same person's command again: under the same request id, or without a key with the same input (as task completion). */
function isResend(mark: CommandMark | undefined | null, actor: Actor, opts: CommandOptions, inputHash: string): boolean {
  return !!mark && mark.by === actor.username && (opts.requestId ? mark.requestId === opts.requestId : mark.inputHash === inputHash);
}

export interface CaseServiceDeps {
  models: Models;
  processService: ProcessService;
  catalogue: CatalogueService;
  org: OrgService;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Salt of the lookup hashes (query code, phone). */
  lookupSalt: string;
  /** Allows `limitOverrides` at intake (tests and demos only). */
  allowLimitOverrides?: boolean;
}

const QUERY_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function newQueryCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += QUERY_CODE_ALPHABET[randomInt(QUERY_CODE_ALPHABET.length)];
  return s;
}

/** The materials still missing or defective, by the item's list and what was handed in. */
export function missingMaterials(item: ServiceItem, handed: HandedMaterial[]): { code: string; name: string; reason: string; requirement: string }[] {
  const byCode = new Map(handed.map((h) => [h.code, h]));
  const out: { code: string; name: string; reason: string; requirement: string }[] = [];
  for (const m of item.materials) {
    const h = byCode.get(m.code);
    const required = m.requirement === 'mandatory' || h?.applicable === true;
    if (!required) continue;
    if (!h || !h.provided) out.push({ code: m.code, name: m.name, reason: `未提交（须${m.form}${m.copies}份）`, requirement: m.requirement });
    else if (h.defect) out.push({ code: m.code, name: m.name, reason: h.defect, requirement: m.requirement });
  }
  return out;
}

export class CaseService implements ProjectionListener {
  readonly numbers: CaseNumbers;
  private supervision?: SupervisionService;

  /** The supervision system that keeps the case's and steps' deadline clocks. */
  setSupervision(s: SupervisionService): void {
    this.supervision = s;
  }

  /** The counting calendar in force (the inbox counts the working days left with it); none without supervision. */
  async workingCalendar(): Promise<WorkingCalendar | undefined> {
    return this.supervision?.currentCalendar();
  }

  private feedback?: FeedbackService;
  /** Ratings and follow-up visits (回访): a sample of ended cases gets a follow-up call. */
  setFeedback(f: FeedbackService): void {
    this.feedback = f;
  }

  constructor(private readonly deps: CaseServiceDeps) {
    this.numbers = new CaseNumbers(deps.models);
  }

  private hash(kind: string, caseNo: string, value: string) {
    return hashPersonal(`${kind}:${caseNo}:${value}`, this.deps.lookupSalt);
  }

  // ---------------------------------------------------------------- intake

  /**
   * 收件: takes in an application at the actor's window. Validates everything before writing;
   * claims a case number; records the clerk as the responsible person; then rejects, asks for
   * the missing materials once, or accepts and starts the item's path.
   * @returns the case and, this once, its query code
   */
  async intake(input: IntakeInput, actor: Actor, hooks: { onNumber?: (caseNo: string) => Promise<void> } = {}) {
    const { models, clock } = this.deps;
    const item = await this.deps.catalogue.getItem(input.itemCode);
    if (!actor.windowId) throw new ForbiddenError('NOT_A_WINDOW_CLERK', 'only a clerk on a window post takes in applications');
    // an archived path starts no new case: refused before a case number is claimed (a refusal starts no path)
    if (!input.reject && (await models.Definition.exists({ key: item.procedure, archived: true }))) {
      throw new ConflictError('DEFINITION_ARCHIVED', `the path ${item.procedure} of item ${item.code} is archived: no new case starts on it; ask the designers to restore it or name another path`, { key: item.procedure, itemCode: item.code });
    }
    const window = await models.Window.findById(actor.windowId).lean();
    if (!window) throw new ForbiddenError('NOT_A_WINDOW_CLERK', `your window ${actor.windowId} is not registered`);
    if (!(window.accepts ?? []).includes(item.department)) {
      throw new BusinessRuleError('WINDOW_CANNOT_ACCEPT', `window ${window.name} does not accept items of department ${item.department}; send the applicant to that department's window or the comprehensive window`);
    }
    const applicantCheck = validateApplicant(input.applicant as any);
    if (!applicantCheck.ok) {
      throw new ValidationError('INVALID_APPLICANT', applicantCheck.problems.map((p: any) => `applicant.${p.field}: ${p.message}`).join('; '), { problems: applicantCheck.problems });
    }
    const known = new Set(item.materials.map((m) => m.code));
    const seen = new Set<string>();
    for (const h of input.materials) {
      if (!known.has(h.code)) throw new ValidationError('UNKNOWN_MATERIAL', `material ${h.code} is not on the list of item ${item.code}`);
      if (seen.has(h.code)) throw new ValidationError('DUPLICATE_MATERIAL', `material ${h.code} is listed twice`);
      seen.add(h.code);
    }
    if (input.reject && !input.reject.reasonCode && !input.reject.reason?.trim()) throw new ValidationError('REASON_REQUIRED', 'a refusal needs a reason (reasonCode from the kept list, or reason text)');
    if (input.reject?.reasonCode && !REJECT_REASONS[input.reject.reasonCode]) {
      throw new ValidationError('UNKNOWN_REASON_CODE', `reasonCode must be one of: ${Object.keys(REJECT_REASONS).join(', ')}`);
    }
    if (input.limitOverrides && Object.keys(input.limitOverrides).length) {
      if (!this.deps.allowLimitOverrides) throw new ForbiddenError('LIMIT_OVERRIDES_DISABLED', 'time limits come from the catalogue and the diagram; overrides are enabled only on demo platforms');
      for (const [k, v] of Object.entries(input.limitOverrides)) {
        if (!/^[a-z][A-Za-z0-9]{0,60}Limit$/.test(k) || !/^P(T?\d+[DHMS])+$/.test(v)) throw new ValidationError('INVALID_LIMIT_OVERRIDE', `limitOverrides.${k} must be <step>Limit: ISO duration like PT5S`);
      }
    }
    const orgUnit = await this.deps.org.getOrgUnit(window.orgUnit);
    const now = clock.now();
    const applicant = applicantCheck.applicant as any;
    const missing = input.reject ? [] : missingMaterials(item, input.materials);

    const caseNo = await this.numbers.claim(orgUnit._id as string, orgUnit.code, now, actor.username);
    await hooks.onNumber?.(caseNo);
    const queryCode = newQueryCode();
    let created = false;
    try {
      await this.intend(caseNo, 'intake', input.examine && !input.reject ? 'examine' : input.reject ? 'reject' : missing.length ? 'supplement' : 'accept', actor.username);
      const createdCase = {
        _id: caseNo,
        itemCode: item.code,
        itemName: item.name,
        department: item.department,
        orgUnit: orgUnit._id,
        receivingWindow: window._id,
        responsible: actor.username,
        category: input.reject ? 'rejected' : missing.length ? 'supplement' : item.defaultCategory,
        status: 'accepting',
        applicant,
        queryCodeHash: this.hash('q', caseNo, queryCode),
        phoneHash: applicant.phone ? this.hash('p', caseNo, applicant.phone) : undefined,
        materials: input.materials,
        receivedAt: now,
        involvedOrgUnits: [orgUnit._id],
        updatedAt: now,
      };
      await models.ServiceCase.create(createdCase as any);
      created = true;
      crashPoint('intake.after-case');
      // a new case's chain is empty, and the feed names its centre and item: the audit log need not read them
      this.deps.audit.startsChain(caseNo, { orgUnit: orgUnit._id as string, itemCode: item.code });
      const receipt = {
        itemCode: item.code,
        window: window._id,
        responsible: actor.username,
        applicant: { kind: applicant.kind, name: maskName(applicant.name), idNumber: maskIdNumber(applicant.idNumber) },
        materials: input.materials,
      };
      const accepting = !input.reject && !input.examine && !missing.length;
      if (!accepting) await this.deps.audit.append(caseNo, 'case.received', actor.username, receipt);
      if (input.examine && !input.reject) {
        // 收件待审: no decision yet; the five-day examination clock runs from receipt
        await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { status: 'under-examination', limitOverrides: input.limitOverrides ?? null, updatedAt: now } });
        await this.deps.audit.append(caseNo, 'case.examination.started', actor.username, { days: EXAMINATION_DAYS, law: ART32_TEXT });
        await this.startExaminationClock({ _id: caseNo, itemName: item.name, orgUnit: orgUnit._id as string, receivingWindow: window._id as string, responsible: actor.username, receivedAt: now, limitOverrides: input.limitOverrides });
      } else if (input.reject) {
        const reason = [input.reject.reasonCode ? REJECT_REASONS[input.reject.reasonCode] : undefined, input.reject.reason?.trim()].filter(Boolean).join('；');
        await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { status: 'rejected', outcome: 'rejected', rejectReason: reason, endedAt: now, updatedAt: now } });
        await this.deps.audit.append(caseNo, 'case.rejected', actor.username, { reasonCode: input.reject.reasonCode, reason });
        await this.issueNotice(caseNo, 'return', actor.username, { reason, legalBasis: item.legalBasis });
      } else if (missing.length) {
        await models.ServiceCase.updateOne(
          { _id: caseNo },
          { $set: { status: 'awaiting-supplement', supplementRounds: [{ round: 1, requestedAt: now, requestedBy: actor.username, materials: missing }], updatedAt: now } },
        );
        await this.deps.audit.append(caseNo, 'supplement.requested', actor.username, { round: 1, materials: missing });
        await this.issueNotice(caseNo, 'one-time', actor.username, { missing });
      } else {
        // an acceptance's receipt goes out with the first batch of its events (the step's projection);
        // after a kill before it, the repair's `ensureReceived` writes it, as for a kill before the append
        await this.deps.audit.batch(async () => {
          await this.deps.audit.append(caseNo, 'case.received', actor.username, receipt);
          // what intake read and wrote already is handed on (accept and its notice need not read it again)
          await this.accept(caseNo, actor, input.limitOverrides, queryCode, undefined, { kase: createdCase, item, window, org: orgUnit });
        });
      }
      await this.numbers.markUsed(caseNo);
      await this.settled(caseNo, 'intake');
    } catch (err) {
      await this.numbers.markVoid(caseNo, `intake failed: ${(err as Error).message}`);
      if (created) {
        await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { status: 'void', updatedAt: clock.now() } });
        await this.deps.audit.append(caseNo, 'case.voided', actor.username, { reason: (err as Error).message });
      }
      await this.settled(caseNo, 'intake');
      throw err;
    }
    return { case: await this.getCase(caseNo, actor), queryCode };
  }

  /**
   * 审查决定: the decision on an application taken in for examination (`examine: true`), within
   * the five working days: the materials handed in meanwhile are added; then it is refused,
   * the ONE one-time notification lists everything still missing, or it is accepted.
   */
  async examine(caseNo: string, input: { materials?: HandedMaterial[]; reject?: { reasonCode?: string; reason?: string } }, actor: Actor, opts: CommandOptions = {}) {
    const { models, clock } = this.deps;
    const kase = await this.load(caseNo);
    this.requireResponsibleWindow(kase, actor);
    const inputHash = inputHashOf(input);
    if (kase.status !== 'under-examination') {
      const mark = kase.examination as CommandMark | undefined;
      if (!isResend(mark, actor, opts, inputHash)) {
        throw new ConflictError('NOT_UNDER_EXAMINATION', `case ${caseNo} is ${kase.status}, not waiting for the examination decision`, mark ? { decidedBy: mark.by, decidedAt: mark.at, byYou: mark.by === actor.username } : undefined);
      }
      // the resend of a decision that was written (its answer lost, or a 503 after its claim):
      // finish what the first attempt left undone (every step keyed by its token) and answer as done
      const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
      await this.applyExamination(caseNo, mark!, input, item, missingMaterials(item, kase.materials as HandedMaterial[]), actor, (kase as any).limitOverrides ?? undefined);
      return { ...(await this.getCase(caseNo, actor)), replayed: true as const };
    }
    if (input.reject && !input.reject.reasonCode && !input.reject.reason?.trim()) throw new ValidationError('REASON_REQUIRED', 'a refusal needs a reason (reasonCode from the kept list, or reason text)');
    if (input.reject?.reasonCode && !REJECT_REASONS[input.reject.reasonCode]) throw new ValidationError('UNKNOWN_REASON_CODE', `reasonCode must be one of: ${Object.keys(REJECT_REASONS).join(', ')}`);
    const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
    const known = new Set(item.materials.map((m) => m.code));
    for (const h of input.materials ?? []) if (!known.has(h.code)) throw new ValidationError('UNKNOWN_MATERIAL', `material ${h.code} is not on the list of item ${item.code}`);
    const merged = new Map<string, HandedMaterial>((kase.materials as HandedMaterial[]).map((m) => [m.code, m]));
    for (const h of input.materials ?? []) merged.set(h.code, { ...merged.get(h.code), ...h });
    const all = [...merged.values()];
    const now = clock.now();
    const missing = input.reject ? [] : missingMaterials(item, all);
    const decision = input.reject ? 'reject' : missing.length ? 'supplement' : 'accept';
    const mark: CommandMark = { by: actor.username, ...(opts.requestId ? { requestId: opts.requestId } : {}), inputHash, token: randomUUID(), decision, at: now };
    await this.intend(caseNo, 'examine', decision, actor.username);
    // claim the decision: one of two clerks (or the clock's deemed acceptance) wins; the mark is written with it
    const claimed = await models.ServiceCase.updateOne({ _id: caseNo, status: 'under-examination' }, { $set: { status: 'accepting', materials: all, examination: mark, updatedAt: now } });
    if (!claimed.modifiedCount) {
      await this.settled(caseNo, 'examine');
      throw new ConflictError('NOT_UNDER_EXAMINATION', `case ${caseNo} was decided meanwhile`);
    }
    crashPoint('examine.after-claim');
    await holdPoint('case.after-write:examine');
    await this.applyExamination(caseNo, mark, input, item, missing, actor, (kase as any).limitOverrides ?? undefined);
    return this.getCase(caseNo, actor);
  }

  /**
   * The examination decision after its claim, each step keyed (the mark's token, fixed notice ids)
   * and conditional on the case still being where the decision left it, so the resend of a decision
   * cut short (`examine`) finishes it without doubling anything, and does nothing to a case that
   * moved on.
   */
  private async applyExamination(caseNo: string, mark: CommandMark, input: { materials?: HandedMaterial[]; reject?: { reasonCode?: string; reason?: string } }, item: ServiceItem, missing: ReturnType<typeof missingMaterials>, actor: Actor, limitOverrides: Record<string, string> | undefined) {
    const { models, clock } = this.deps;
    const now = clock.now();
    await this.deps.audit.append(caseNo, 'case.examined', actor.username, { decision: mark.decision, materials: input.materials ?? [] }, { dedupeKey: `case:examined:${mark.token}` });
    if (mark.decision === 'reject') {
      const reason = [input.reject?.reasonCode ? REJECT_REASONS[input.reject.reasonCode] : undefined, input.reject?.reason?.trim()].filter(Boolean).join('；');
      await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { category: 'rejected', status: 'rejected', outcome: 'rejected', rejectReason: reason, endedAt: now, updatedAt: now } });
      await this.deps.audit.append(caseNo, 'case.rejected', actor.username, { reasonCode: input.reject?.reasonCode, reason }, { dedupeKey: `case:rejected:${mark.token}` });
      // the only return notice before the end of a case refused at examination: a fixed id
      await this.issueNotice(caseNo, 'return', actor.username, { reason, legalBasis: item.legalBasis }, `${caseNo}:return:1`);
    } else if (mark.decision === 'supplement') {
      await models.ServiceCase.updateOne(
        { _id: caseNo, status: 'accepting' },
        { $set: { category: 'supplement', status: 'awaiting-supplement', supplementRounds: [{ round: 1, requestedAt: now, requestedBy: actor.username, materials: missing }], updatedAt: now } },
      );
      await this.deps.audit.append(caseNo, 'supplement.requested', actor.username, { round: 1, materials: missing }, { dedupeKey: `supplement:requested:${mark.token}` });
      const kase: any = await models.ServiceCase.findById(caseNo, { supplementRounds: 1 }).lean();
      await this.issueNotice(caseNo, 'one-time', actor.username, { missing: kase?.supplementRounds?.[0]?.materials ?? missing }, `${caseNo}:one-time:1`);
    } else if ((await models.ServiceCase.findById(caseNo, { status: 1 }).lean())?.status === 'accepting') {
      await this.accept(caseNo, actor, limitOverrides);
    }
    // the examination clock stops once the decision is in place (a kill before leaves it running, and the case repairable)
    await this.supervision?.stopClock(`${caseNo}:examination`, now);
    await this.settled(caseNo, 'examine');
  }

  /**
   * 视为受理: the five working days passed without a one-time notification, so by 行政许可法
   * 第三十二条 the application counts as accepted from the day the materials were received —
   * the path starts and the statutory and promised clocks run from the receipt, not from now.
   * The window gets a violation; the clock's breach has already opened an escalation.
   */
  async deemAccepted(caseNo: string): Promise<boolean> {
    const { models, clock } = this.deps;
    const now = clock.now();
    const receivedAt = (await models.ServiceCase.findById(caseNo, { receivedAt: 1 }).lean())?.receivedAt as Date | undefined;
    await this.intend(caseNo, 'deem', 'accept', 'system', receivedAt);
    const claimed = await models.ServiceCase.updateOne({ _id: caseNo, status: 'under-examination' }, { $set: { status: 'accepting', deemedAccepted: true, updatedAt: now } });
    if (!claimed.modifiedCount) {
      // claimed before by a process that died half-way (its breach signal is being finished by the
      // repair): finish that acceptance rather than drop its intent and leave the case accepting
      const k = await models.ServiceCase.findById(caseNo, { status: 1, deemedAccepted: 1 }).lean();
      if (k?.status === 'accepting' && k.deemedAccepted) await this.finishDeemed(caseNo, now);
      else await this.settled(caseNo, 'deem');
      return false;
    }
    crashPoint('deem.after-claim');
    await this.finishDeemed(caseNo, now);
    return true;
  }

  /** The steps of a deemed acceptance after its claim; each is idempotent, so the repair sweep runs them again after a kill. */
  private async finishDeemed(caseNo: string, now: Date) {
    const { models } = this.deps;
    await this.supervision?.stopClock(`${caseNo}:examination`, now);
    const kase = await this.load(caseNo);
    await this.looseListener?.('vio', `art32:${caseNo}`, kase.orgUnit as string, now);
    await models.Violation.create({ _id: `art32:${caseNo}`, kind: 'examination-overdue', windowId: kase.receivingWindow, orgUnit: kase.orgUnit, caseNo, actor: kase.responsible, at: now, detail: { receivedAt: kase.receivedAt } }).catch((e: unknown) => {
      if (!isDuplicateKey(e)) throw e;
    });
    await this.deps.audit.append(caseNo, 'case.deemed-accepted', 'system', { law: ART32_TEXT, receivedAt: (kase.receivedAt as Date).toISOString() }, { dedupeKey: `case:deemed:${caseNo}` });
    await this.accept(caseNo, SYSTEM_ACTOR, (kase as any).limitOverrides ?? undefined, undefined, kase.receivedAt as Date);
    await this.settled(caseNo, 'deem');
  }

  /**
   * 受理: starts the item's path and issues the acceptance notice. `acceptedAt` for deemed acceptance (from receipt).
   * Its events (case.accepted, the notice, the clocks) are appended as one batch: every caller holds
   * an intent (`case_intents`) until it returns, and the repair runs the acceptance again after a
   * kill — each of those steps appends its event again, keyed, so a held-back event is never lost.
   */
  private accept(caseNo: string, actor: Actor, limitOverrides: Record<string, string> | undefined, queryCode?: string, acceptedAt?: Date, known?: Known & { kase: any; item: ServiceItem }): Promise<void> {
    return this.deps.audit.batch(() => this.acceptNow(caseNo, actor, limitOverrides, queryCode, acceptedAt, known));
  }

  private async acceptNow(caseNo: string, actor: Actor, limitOverrides: Record<string, string> | undefined, queryCode?: string, acceptedAt?: Date, known?: Known & { kase: any; item: ServiceItem }) {
    const { models, clock } = this.deps;
    const kase: any = known?.kase ?? (await models.ServiceCase.findById(caseNo).lean());
    if (!kase) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
    const item = known?.item ?? toItem(await models.ServiceItem.findById(kase.itemCode).lean());
    const now = acceptedAt ?? clock.now();
    const variables: Record<string, unknown> = {
      caseNo,
      itemCode: item.code,
      orgUnit: kase.orgUnit,
      receivingWindow: kase.receivingWindow,
      responsible: kase.responsible,
      department: item.department,
      category: kase.category,
      statutoryLimitDays: item.statutoryLimitDays,
      promisedLimitDays: item.promisedLimitDays,
      ...(limitOverrides ?? {}),
    };
    // The engine instance first: it is the step that can fail (no such diagram, bad variables);
    // everything after it is a plain write. Its id is chosen and kept on the case before it
    // starts, so an acceptance repeated after a kill (repairInterrupted) finds it instead of
    // starting a second one; every later step is keyed too.
    let instanceId = kase.instanceId as string | undefined;
    if (!instanceId) {
      // the first to set it wins; a loser (a racing repair) reads the winner's
      const chosen = randomUUID();
      const set = await models.ServiceCase.findOneAndUpdate({ _id: caseNo, instanceId: { $exists: false } }, { $set: { instanceId: chosen } }, { returnDocument: 'after', projection: { instanceId: 1 } }).lean();
      instanceId = (set?.instanceId as string | undefined) ?? ((await models.ServiceCase.findById(caseNo, { instanceId: 1 }).lean())?.instanceId as string | undefined) ?? chosen;
    }
    await this.deps.processService.startInstance(item.procedure, variables, actor, caseNo, instanceId);
    crashPoint('accept.after-instance');
    // case.accepted before the case is in progress: only a case in progress can be ended (`finish`),
    // so its case.ended always follows case.accepted in the chain, even across a kill between the two
    await this.deps.audit.append(caseNo, 'case.accepted', actor.username, { procedure: item.procedure, promisedLimitDays: item.promisedLimitDays, statutoryLimitDays: item.statutoryLimitDays }, { dedupeKey: `case:accepted:${caseNo}` });
    await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { status: 'in-progress', acceptedAt: now, definitionKey: item.procedure, instanceId, updatedAt: now } });
    await this.issueNotice(caseNo, 'acceptance', actor.username, { queryCode }, `${caseNo}:acceptance:1`, known ? { ...known, kase: { ...kase, status: 'in-progress', acceptedAt: now, definitionKey: item.procedure, instanceId } } : undefined);
    // The case's clocks: statutory (法定) and promised (承诺), from the day after acceptance.
    if (this.supervision) {
      const budgetOf = (override: string | undefined, days: number): Budget => (override ? parseBudget(override) : { unit: 'working-days', days });
      for (const [kind, override, days] of [
        ['statutory', limitOverrides?.statutoryLimit, item.statutoryLimitDays],
        ['promised', limitOverrides?.promisedLimit, item.promisedLimitDays],
      ] as const) {
        await this.supervision.startClock({ id: `${caseNo}:${kind}`, kind, caseNo, label: item.name, orgUnit: kase.orgUnit, windowId: kase.receivingWindow, holder: kase.responsible, budget: budgetOf(override, days), startedAt: now });
      }
    }
    // An acceptance finished late — its write of 'in-progress' failed (an outage, a kill) and a resend or
    // the repair sweep finishes it now — may find its instance ended meanwhile: the step was in the
    // clerk's inbox and completed while the case was still 'accepting', so the projection's finish found
    // no case in progress and changed nothing. End the case now (finish is keyed: nothing doubles).
    const inst = await models.Instance.findById(instanceId, { status: 1 }).lean();
    if (inst && inst.status !== 'running' && inst.status !== 'starting') await this.finish(caseNo, instanceId, inst.status as string);
  }

  /**
   * 补正材料到件: records what the applicant brought. When nothing named in the notification is
   * still missing the case is accepted and goes on; otherwise it keeps waiting.
   */
  async receiveSupplement(caseNo: string, materials: HandedMaterial[], actor: Actor, opts: CommandOptions = {}) {
    const { models, clock } = this.deps;
    const kase = await this.load(caseNo);
    this.requireResponsibleWindow(kase, actor);
    const inputHash = inputHashOf(materials);
    const rounds = [...(kase.supplementRounds as any[])];
    const last = rounds[rounds.length - 1];
    if (isResend(last?.received, actor, opts, inputHash)) {
      // the resend of the hand-in this round recorded (its answer lost, or a 503 after the write): its follow-ups, keyed, and the case
      await this.afterSupplement(caseNo, last.received as CommandMark, materials, (last.stillMissing ?? []) as string[], actor);
      return { ...(await this.getCase(caseNo, actor)), replayed: true as const };
    }
    if (kase.status !== 'awaiting-supplement') throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} is ${kase.status}, not waiting for materials`);
    const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
    const known = new Set(item.materials.map((m) => m.code));
    for (const h of materials) if (!known.has(h.code)) throw new ValidationError('UNKNOWN_MATERIAL', `material ${h.code} is not on the list of item ${item.code}`);
    const merged = new Map<string, HandedMaterial>((kase.materials as HandedMaterial[]).map((m) => [m.code, m]));
    for (const h of materials) merged.set(h.code, { ...merged.get(h.code), ...h, defect: h.defect });
    const all = [...merged.values()];
    const missing = missingMaterials(item, all).map((m) => m.code);
    const now = clock.now();
    const mark: CommandMark = { by: actor.username, ...(opts.requestId ? { requestId: opts.requestId } : {}), inputHash, token: randomUUID(), at: now };
    rounds[rounds.length - 1] = { ...last, receivedAt: now, receivedBy: actor.username, handedIn: materials.map((m) => m.code), received: mark, stillMissing: missing };
    const wrote = await models.ServiceCase.updateOne({ _id: caseNo, status: 'awaiting-supplement' }, { $set: { materials: all, supplementRounds: rounds, updatedAt: now } });
    if (!wrote.modifiedCount) throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} stopped waiting for materials meanwhile`);
    await holdPoint('case.after-write:supplement');
    await this.afterSupplement(caseNo, mark, materials, missing, actor);
    return this.getCase(caseNo, actor);
  }

  /** A hand-in's follow-ups after its write: the audit event (keyed by the mark's token) and, when nothing is missing any more, the acceptance. */
  private async afterSupplement(caseNo: string, mark: CommandMark, materials: HandedMaterial[], stillMissing: string[], actor: Actor) {
    await this.deps.audit.append(caseNo, 'supplement.received', actor.username, { materials, stillMissing }, { dedupeKey: `supplement:received:${mark.token}` });
    if (stillMissing.length) return;
    const status = (await this.deps.models.ServiceCase.findById(caseNo, { status: 1 }).lean())?.status;
    if (status === 'awaiting-supplement') {
      await this.intend(caseNo, 'supplement', 'accept', actor.username);
      await this.accept(caseNo, actor, undefined);
      await this.settled(caseNo, 'supplement');
    } else if (status === 'in-progress' || status === 'accepting') {
      // an acceptance the first attempt began: finish it now (keyed steps), as the repair sweep would
      await this.finishInterrupted(caseNo);
    }
  }

  /**
   * A further notification after a supplement. Allowed only for problems in materials handed in
   * with the last supplement (they could not have been named before); anything else is refused
   * and counted against the window (一次性告知 violated).
   */
  async furtherNotice(caseNo: string, materials: { code: string; reason: string }[], actor: Actor, opts: CommandOptions = {}) {
    const { models, clock } = this.deps;
    const kase = await this.load(caseNo);
    this.requireResponsibleWindow(kase, actor);
    const inputHash = inputHashOf(materials);
    const rounds = kase.supplementRounds as any[];
    const last = rounds[rounds.length - 1];
    if (last && !last.receivedAt && isResend(last.requested, actor, opts, inputHash)) {
      // the resend of the notification this round records, nothing handed in since: its follow-ups, keyed, and the case
      await this.afterFurtherNotice(caseNo, last, actor);
      return { ...(await this.getCase(caseNo, actor)), replayed: true as const };
    }
    if (kase.status !== 'awaiting-supplement') throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} is ${kase.status}; a notification is given only while waiting for materials`);
    if (!materials.length) throw new ValidationError('NOTHING_TO_NOTIFY', 'name at least one material');
    const handedIn = new Set<string>(last?.handedIn ?? []);
    const couldHaveBeenNamed = materials.filter((m) => !handedIn.has(m.code));
    const now = clock.now();
    if (couldHaveBeenNamed.length) {
      // one violation per request: a resend of this refusal (after a 503) records nothing twice
      const violationId = opts.requestId ? `one-time:${caseNo}:${opts.requestId}` : randomUUID();
      await this.looseListener?.('vio', violationId, kase.orgUnit as string, now);
      await models.Violation.create({
        _id: violationId,
        kind: 'one-time-notice',
        windowId: kase.receivingWindow,
        orgUnit: kase.orgUnit,
        caseNo,
        actor: actor.username,
        at: now,
        detail: { materials: couldHaveBeenNamed.map((m) => m.code) },
      }).catch((e: unknown) => {
        if (!isDuplicateKey(e)) throw e;
      });
      await this.deps.audit.append(caseNo, 'notice.refused', actor.username, { kind: 'one-time', materials: couldHaveBeenNamed, rule: '一次性告知' }, { dedupeKey: `notice:refused:${violationId}` });
      throw new BusinessRuleError(
        'ONE_TIME_NOTICE_VIOLATION',
        `materials ${couldHaveBeenNamed.map((m) => m.code).join(', ')} were not handed in with the last supplement, so they could have been named in the one-time notification; a second notification for them is refused and recorded against window ${kase.receivingWindow}`,
      );
    }
    const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
    const named = materials.map((m) => {
      const mat = item.materials.find((x: Material) => x.code === m.code)!;
      return { code: m.code, name: mat.name, reason: m.reason, requirement: mat.requirement };
    });
    const round = rounds.length + 1;
    const mark: CommandMark = { by: actor.username, ...(opts.requestId ? { requestId: opts.requestId } : {}), inputHash, token: randomUUID(), at: now };
    const entry = { round, requestedAt: now, requestedBy: actor.username, materials: named, requested: mark };
    const pushed = await models.ServiceCase.updateOne({ _id: caseNo, status: 'awaiting-supplement' }, { $push: { supplementRounds: entry }, $set: { updatedAt: now } });
    if (!pushed.modifiedCount) throw new ConflictError('NOT_AWAITING_SUPPLEMENT', `case ${caseNo} stopped waiting for materials meanwhile`);
    await holdPoint('case.after-write:further-notice');
    await this.afterFurtherNotice(caseNo, entry, actor);
    return this.getCase(caseNo, actor);
  }

  /** A further notification's follow-ups after its round is written: the audit event (keyed) and the notice (its round's fixed id). */
  private async afterFurtherNotice(caseNo: string, entry: { round: number; materials: any[]; requested: CommandMark }, actor: Actor) {
    await this.deps.audit.append(caseNo, 'supplement.requested', actor.username, { round: entry.round, materials: entry.materials }, { dedupeKey: `supplement:requested:${entry.requested.token}` });
    await this.issueNotice(caseNo, 'one-time', actor.username, { missing: entry.materials }, `${caseNo}:one-time:${entry.round}`);
  }

  // ---------------------------------------------------------------- fees

  /** 一次收费: records the fee of a case once, only as the catalogue lists it. */
  async chargeFee(caseNo: string, input: { items: { name: string; amountFen: number }[]; receiptNo?: string }, actor: Actor) {
    const { models, clock } = this.deps;
    const kase = await this.load(caseNo);
    this.requireResponsibleWindow(kase, actor);
    if (['rejected', 'void'].includes(kase.status)) throw new ConflictError('CASE_ENDED', `case ${caseNo} is ${kase.status}; nothing is charged`);
    const item = toItem(await models.ServiceItem.findById(kase.itemCode).lean());
    const listed = item.fees.free ? [] : item.fees.items;
    const lines = input.items.map((l) => {
      const f = listed.find((x) => x.name === l.name);
      if (!f) throw new BusinessRuleError('FEE_NOT_IN_CATALOGUE', `"${l.name}" is not a fee of item ${item.code}${item.fees.free ? ' (the item is free)' : ''}; only the published fees may be charged`);
      if (!Number.isInteger(l.amountFen) || l.amountFen < 0 || l.amountFen > f.amountFen) throw new BusinessRuleError('FEE_ABOVE_PUBLISHED', `"${l.name}" may be at most ${f.amountFen} fen (published)`);
      return { name: l.name, amountFen: l.amountFen, basis: f.basis };
    });
    try {
      await models.AuditClaim.create({ _id: `fee:${caseNo}`, at: clock.now() });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('FEE_ALREADY_CHARGED', `case ${caseNo} has already been charged; fees are collected once (一次收费)`);
      throw err;
    }
    const fee = { items: lines, totalFen: lines.reduce((s, l) => s + l.amountFen, 0), receiptNo: input.receiptNo, chargedAt: clock.now(), chargedBy: actor.username };
    await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { fee, updatedAt: clock.now() } });
    await this.deps.audit.append(caseNo, 'fee.charged', actor.username, { items: lines, totalFen: fee.totalFen, receiptNo: input.receiptNo ?? null });
    return fee;
  }

  // ---------------------------------------------------------------- notices

  /** `known`: the case as it is now (and its item, window, centre) when the caller holds them, so they are not read again. */
  private async issueNotice(caseNo: string, kind: NoticeKind, actor: string, extra: Partial<NoticeInput> & { missing?: any[] }, id?: string, known?: Known) {
    const { models, clock } = this.deps;
    const kase: any = known?.kase ?? (await models.ServiceCase.findById(caseNo).lean());
    if (!kase) return;
    const [item, window, org, clerk] = await Promise.all([
      known?.item ?? models.ServiceItem.findById(kase.itemCode).lean(),
      known?.window ?? models.Window.findById(kase.receivingWindow).lean(),
      known?.org ?? models.OrgUnit.findById(kase.orgUnit).lean(),
      models.User.findById(kase.responsible, { displayName: 1 }).lean(),
    ]);
    const a = kase.applicant as any;
    // a fixed id (a notice issued once) needs no count of the earlier ones
    const _id = id ?? `${caseNo}:${kind}:${(await models.Notice.countDocuments({ caseNo, kind })) + 1}`;
    const now = clock.now();
    const rendered = renderNotice({
      kind,
      caseNo,
      centreName: org?.name ?? '',
      centrePhone: org?.phone ?? undefined,
      windowName: window?.name ?? '',
      clerkName: clerk?.displayName ?? kase.responsible,
      itemName: kase.itemName,
      itemCode: kase.itemCode,
      applicant: { name: a.name, idNumberMasked: maskIdNumber(a.idNumber), phoneMasked: a.phone ? maskPhone(a.phone) : undefined },
      issuedAt: now,
      acceptedAt: kase.acceptedAt ?? undefined,
      promisedLimitDays: item?.promisedLimitDays,
      statutoryLimitDays: item?.statutoryLimitDays,
      materialsReceived: kind === 'acceptance' ? ((kase.materials as HandedMaterial[]) ?? []).filter((m) => m.provided).map((m) => {
        const mat = (item?.materials as Material[] | undefined)?.find((x) => x.code === m.code);
        return { name: mat?.name ?? m.code, copies: mat?.copies ?? 1, form: mat?.form ?? '' };
      }) : undefined,
      ...extra,
    } as NoticeInput);
    const sha256 = createHash('sha256').update(rendered.html).digest('hex');
    try {
      await models.Notice.create({ _id, caseNo, kind, title: rendered.title, html: rendered.html, text: rendered.text, sha256, issuedAt: now, issuedBy: actor });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // issued already (a replayed projection, a repaired acceptance): a notice of a fixed id has its
      // event appended again, keyed — written once, also when the kill came between notice and event
      if (!id) return;
      const issued = await models.Notice.findById(_id, { kind: 1, title: 1, sha256: 1, issuedBy: 1 }).lean();
      if (issued) await this.deps.audit.append(caseNo, 'notice.issued', String(issued.issuedBy ?? actor), { noticeId: _id, kind: issued.kind, title: issued.title, sha256: issued.sha256 }, { dedupeKey: `notice:${_id}` });
      return;
    }
    const data = { noticeId: _id, kind, title: rendered.title, sha256 };
    // a fixed id: keyed (see above), so it may go with the caller's batch; a counted one is written now
    if (id) await this.deps.audit.append(caseNo, 'notice.issued', actor, data, { dedupeKey: `notice:${_id}` });
    else await this.deps.audit.appendNow(caseNo, 'notice.issued', actor, data);
  }

  async listNotices(caseNo: string, actor?: Actor) {
    if (actor) await this.getCase(caseNo, actor);
    const docs = await this.deps.models.Notice.find({ caseNo }, { html: 0, text: 0 }).sort({ issuedAt: 1 }).lean();
    return docs.map((d) => ({ id: d._id, kind: d.kind, title: d.title, issuedAt: d.issuedAt, issuedBy: d.issuedBy, sha256: d.sha256 }));
  }

  async getNotice(caseNo: string, noticeId: string, actor: Actor) {
    await this.getCase(caseNo, actor);
    const d = await this.deps.models.Notice.findById(noticeId).lean();
    if (!d || d.caseNo !== caseNo) throw new NotFoundError('NOTICE_NOT_FOUND', `notice ${noticeId} of case ${caseNo} does not exist`);
    return { id: d._id, kind: d.kind, title: d.title, html: d.html, text: d.text, issuedAt: d.issuedAt, sha256: d.sha256 };
  }

  // ---------------------------------------------------------------- reads

  private async load(caseNo: string) {
    const kase = await this.deps.models.ServiceCase.findById(caseNo).lean();
    if (!kase) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
    return kase;
  }

  private requireResponsibleWindow(kase: any, actor: Actor) {
    if (actor.roles.includes('admin')) return;
    if (actor.username === kase.responsible || actor.windowId === kase.receivingWindow) return;
    throw new ForbiddenError('NOT_RESPONSIBLE', `case ${kase._id} belongs to window ${kase.receivingWindow}; its responsible person or window handles this`);
  }

  /** Who may read a case: its org units' staff, supervisors and admins. */
  private canRead(kase: any, actor: Actor) {
    if (actor.roles.some((r) => r === 'admin' || r === 'supervisor')) return true;
    return !!actor.orgUnit && ((kase.involvedOrgUnits ?? []) as string[]).concat(kase.orgUnit).includes(actor.orgUnit);
  }

  /**
   * The access check of `getCase` alone — one read of two fields by `_id` — for routes that read
   * something else of the case (its clocks, audit chain, ratings). Before, those routes called
   * `getCase` as their guard: the case, every task, the notices, the instance and the people's names
   * read and thrown away on each request. Another town's case: 404 CASE_NOT_FOUND, as `getCase`.
   */
  async assertReadable(caseNo: string, actor: Actor): Promise<void> {
    const kase = await this.deps.models.ServiceCase.findById(caseNo, { orgUnit: 1, involvedOrgUnits: 1 }).lean();
    if (!kase || !this.canRead(kase, actor)) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
  }

  /** The case as staff see it: personal data masked, steps, notices, proxy record. */
  async getCase(caseNo: string, actor: Actor) {
    const kase = await this.load(caseNo);
    if (!this.canRead(kase, actor)) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
    // engine steps and the case's own tasks (co-sign, rectification, follow-up) share the instance id
    const inst = kase.instanceId ? await this.deps.models.Instance.findById(kase.instanceId, { definitionVersion: 1, calledInstances: 1 }).lean() : null;
    // the steps of the instances its call activities started (调用活动: the city's part of a report-up case) are the case's too
    const called = (((inst as any)?.calledInstances ?? []) as { instanceId: string }[]).map((c) => c.instanceId);
    const tasks = kase.instanceId ? await this.deps.models.Task.find({ instanceId: called.length ? { $in: [kase.instanceId, ...called] } : kase.instanceId }).sort({ createdAt: 1 }).lean() : [];
    const notices = await this.listNotices(caseNo);
    const summary = this.summary(kase);
    const address = (kase.applicant as any)?.address;
    const people = [kase.responsible, ...tasks.flatMap((t) => [t.assignee, t.completedBy, t.claimedBy]), ...((kase.proxyRecord ?? []) as any[]).map((r) => r.toPerson)];
    const names = await this.deps.org.displayNames(people as (string | undefined)[]);
    const nameOf = (u?: string | null) => (u ? (names.get(u) ?? undefined) : undefined);
    return {
      ...summary,
      responsibleName: nameOf(kase.responsible),
      /** display names (姓名) of the people this case names, by login */
      people: Object.fromEntries(names),
      applicant: address ? { ...summary.applicant, address } : summary.applicant,
      definitionVersion: (inst as any)?.definitionVersion ?? undefined,
      materials: kase.materials,
      supplementRounds: kase.supplementRounds,
      fee: kase.fee ?? null,
      rejectReason: kase.rejectReason ?? undefined,
      instanceId: kase.instanceId ?? undefined,
      definitionKey: kase.definitionKey ?? undefined,
      steps: tasks.map((t) => ({
        taskId: t._id,
        kind: t.kind ?? 'engine',
        elementId: t.elementId,
        name: t.name,
        status: t.status,
        orgUnit: t.orgUnit,
        windowId: t.windowId,
        assignee: t.assignee,
        assigneeName: nameOf(t.assignee),
        post: t.post,
        createdAt: t.createdAt,
        completedAt: t.completedAt,
        completedBy: t.completedBy,
        completedByName: nameOf(t.completedBy),
        outcome: t.outcome,
        dueDate: t.dueDate,
      })),
      notices,
      proxyRecord: kase.proxyRecord ?? [],
    };
  }

  private summary(kase: any) {
    const a = kase.applicant ?? {};
    return {
      caseNo: kase._id,
      itemCode: kase.itemCode,
      itemName: kase.itemName,
      category: kase.category,
      status: kase.status,
      outcome: kase.outcome ?? undefined,
      orgUnit: kase.orgUnit,
      receivingWindow: kase.receivingWindow,
      responsible: kase.responsible,
      applicant: { kind: a.kind, name: a.name, idType: a.idType, idNumber: maskIdNumber(a.idNumber ?? ''), phone: a.phone ? maskPhone(a.phone) : undefined },
      receivedAt: kase.receivedAt,
      acceptedAt: kase.acceptedAt ?? undefined,
      deemedAccepted: kase.deemedAccepted ? true : undefined,
      endedAt: kase.endedAt ?? undefined,
    };
  }

  /** Cases the actor may see, newest first; personal data masked. */
  async listCases(actor: Actor, filter: { status?: string; category?: string; orgUnit?: string; mine?: boolean; limit?: number } = {}) {
    const q: Record<string, unknown> = {};
    const wide = actor.roles.some((r) => r === 'admin' || r === 'supervisor');
    if (!wide) {
      if (!actor.orgUnit) return [];
      q.$or = [{ orgUnit: actor.orgUnit }, { involvedOrgUnits: actor.orgUnit }];
    } else if (filter.orgUnit) q.orgUnit = filter.orgUnit;
    if (filter.status) q.status = filter.status;
    if (filter.category) q.category = filter.category;
    if (filter.mine) q.responsible = actor.username;
    // windows of time: DocumentDB reads no sort from an index (persistence/newest.ts)
    const docs = await newestFirst(this.deps.models.ServiceCase, q, 'receivedAt', Math.min(filter.limit ?? 100, 500), this.deps.clock.now());
    // a list (办件查询) masks a person's name by the one rule (欧阳**, 阿**·**曼; common/identity/masking.ts); the case page shows it whole
    return docs.map((d) => {
      const s = this.summary(d);
      return s.applicant.kind === 'company' ? s : { ...s, applicant: { ...s.applicant, name: maskName(s.applicant.name ?? '') } };
    });
  }

  /**
   * The public lookup: needs the case number AND its query code (or the applicant's phone).
   * A wrong pair and an unknown number get the same answer, so nothing is revealed.
   */
  async publicLookup(caseNo: string, secret: { queryCode?: string; phone?: string }) {
    const notFound = () => new NotFoundError('CASE_NOT_FOUND', 'no case matches this number and query code');
    const kase = await this.deps.models.ServiceCase.findById(caseNo).lean();
    if (!kase || kase.status === 'void') throw notFound();
    const okCode = secret.queryCode && this.hash('q', caseNo, secret.queryCode.trim().toUpperCase()) === kase.queryCodeHash;
    const phone = secret.phone ? (normalizePhone(secret.phone) ?? secret.phone.trim()) : undefined;
    const okPhone = phone && kase.phoneHash && this.hash('p', caseNo, phone) === kase.phoneHash;
    if (!okCode && !okPhone) throw notFound();
    const currentSteps = await this.publicCurrentSteps(kase);
    const org = await this.deps.models.OrgUnit.findById(kase.orgUnit, { name: 1, phone: 1 }).lean();
    const notices = await this.listNotices(caseNo);
    const rounds = (kase.supplementRounds ?? []) as any[];
    return {
      caseNo,
      itemName: kase.itemName,
      centre: org?.name,
      centrePhone: org?.phone,
      applicantName: maskName((kase.applicant as any)?.name ?? ''),
      category: kase.category,
      status: kase.status,
      outcome: kase.outcome ?? undefined,
      receivedAt: kase.receivedAt,
      acceptedAt: kase.acceptedAt ?? undefined,
      endedAt: kase.endedAt ?? undefined,
      currentSteps,
      awaitingMaterials: kase.status === 'awaiting-supplement' ? (rounds[rounds.length - 1]?.materials ?? []).map((m: any) => ({ name: m.name, reason: m.reason })) : [],
      notices: notices.map((n) => ({ title: n.title, issuedAt: n.issuedAt })),
    };
  }

  /**
   * The open steps of a case as the public sees them (当前环节): the name, since when, and from the
   * step's clock its deadline (本环节办结时限), what is left of it (剩余 N 个工作日 / 小时, by the
   * inbox's rule) and, counted over a year without its holiday notice, the estimate's note
   * (预计，2027年放假安排尚未公布). The steps of the instances its call activities started (the
   * city's part of a report-up case) are the case's too. Nothing about staff: no window, post,
   * holder or opinion. Two reads by key (the open tasks, their clocks) and the calendar in force.
   */
  private async publicCurrentSteps(kase: any) {
    const { models } = this.deps;
    if (!kase.instanceId) return [];
    const inst: any = await models.Instance.findById(kase.instanceId, { calledInstances: 1 }).lean();
    const called = ((inst?.calledInstances ?? []) as { instanceId: string }[]).map((c) => c.instanceId);
    const open = await models.Task.find({ instanceId: called.length ? { $in: [kase.instanceId, ...called] } : kase.instanceId, status: 'open' }, { name: 1, createdAt: 1, dueDate: 1 }).sort({ createdAt: 1 }).lean();
    const clocks = open.length ? await models.Clock.find({ _id: { $in: open.map((t) => `step:${t._id}`) } }, { dueAt: 1, status: 1, budget: 1, estimated: 1, estimatedYears: 1 }).lean() : [];
    const byId = new Map(clocks.map((c: any) => [String(c._id), c]));
    const calendar = clocks.some((c: any) => c.budget?.unit === 'working-days' && c.status === 'running') ? await this.workingCalendar().catch(() => undefined) : undefined;
    const now = this.deps.clock.now();
    return open.map((t) => {
      const c: any = byId.get(`step:${t._id}`);
      const dueAt: Date | undefined = c ? (c.dueAt ?? undefined) : (t.dueDate ?? undefined);
      const remaining = stepRemaining(c, dueAt ? new Date(dueAt) : undefined, now, calendar);
      const estimated = c && c.estimated && c.status !== 'stopped' ? { estimated: true as const, estimatedYears: (c.estimatedYears ?? []) as number[], estimateNote: estimateNote(c.estimatedYears ?? []) } : {};
      return {
        name: t.name,
        since: t.createdAt,
        dueDate: dueAt,
        ...(c ? { deadline: { dueAt, status: c.status as string, budget: c.budget, ...(remaining ? { remaining } : {}), ...estimated, overdue: !!dueAt && c.status === 'running' && new Date(dueAt).getTime() <= now.getTime() } } : {}),
      };
    });
  }

  /** 办件查询: the lookup (same answer for a wrong code as for no case) with the steps done and the deadlines. */
  async publicCase(caseNo: string, secret: { queryCode?: string; phone?: string }) {
    return { ...(await this.publicLookup(caseNo, secret)), ...(await publicProgress(this.deps.models, caseNo)) };
  }

  async proxyRecord(caseNo: string, actor: Actor) {
    const c = await this.getCase(caseNo, actor);
    return c.proxyRecord;
  }

  // ---------------------------------------------------------------- engine projection

  /**
   * Keeps the case in step with its engine instance: audit events for opened and completed
   * steps and breaches, the proxy-handling record for hand-overs between org units and
   * windows, and the end of the case with its completion or return notice. Idempotent: every
   * write is keyed by instance, revision and event index.
   */
  onProjected(p: { instanceId: string; status: string; variables: Record<string, unknown>; revisions: ProjectedRevision[]; opened?: ReadonlyMap<string, any>; openSteps?: OpenStep[]; rootInstanceId?: string }): Promise<void> {
    // the events of the revisions go out as one batch before the projection counts as done (its head
    // moves after the listeners): a kill before replays the projection, and every step appends again, keyed
    return this.deps.audit.batch(() => this.project(p));
  }

  private async project(p: { instanceId: string; status: string; variables: Record<string, unknown>; revisions: ProjectedRevision[]; opened?: ReadonlyMap<string, any>; openSteps?: OpenStep[]; rootInstanceId?: string }): Promise<void> {
    const caseNo = typeof p.variables.caseNo === 'string' ? p.variables.caseNo : undefined;
    if (!caseNo) return;
    const { models, audit } = this.deps;
    const kase: any = await models.ServiceCase.findById(caseNo).lean();
    // While the case is being accepted its instanceId is not yet recorded: the first revision belongs to it too.
    // an instance a call activity started (调用活动) belongs to its root's case: its steps, clocks and audit are the case's
    if (!kase || (kase.instanceId && kase.instanceId !== (p.rootInstanceId ?? p.instanceId)) || kase.status === 'void') return;
    for (const r of p.revisions) {
      for (const [i, e] of r.events.entries()) {
        const key = `${p.instanceId}:${r.revision}:${i}`;
        if (e.type === 'activity.wait' && e.executionId) {
          // the task as the projection just wrote it, else (a repair) as stored
          const id = `${p.instanceId}:${e.executionId}`;
          const t = p.opened?.get(id) ?? (await models.Task.findById(id).lean());
          if (!t) continue;
          // each step below is idempotent (the audit append by its key, the hand-over by task, the
          // clock by id): a projection replayed after a kill redoes what is missing, doubles nothing
          await audit.append(caseNo, 'task.opened', 'system', { taskId: t._id, elementId: t.elementId, name: t.name, orgUnit: t.orgUnit ?? null, windowId: t.windowId ?? null, assignee: t.assignee ?? null, post: t.post ?? null }, { at: r.createdAt, dedupeKey: `task:open:${key}` });
          await this.recordHandOver(kase, t, r.createdAt);
          await this.startStepClock(caseNo, t, p.variables);
        } else if (e.type === 'task.completed') {
          await audit.append(caseNo, 'task.completed', e.actor ?? r.actor, { taskId: `${p.instanceId}:${e.executionId}`, elementId: e.elementId, outcome: r.command?.output ?? {} }, { at: r.createdAt, dedupeKey: `task:done:${key}` });
        } else if (e.type === 'task.withdrawn') {
          await audit.append(caseNo, 'task.withdrawn', e.actor ?? r.actor, { taskId: `${p.instanceId}:${e.executionId}`, elementId: e.elementId, reason: r.command?.reason ?? null }, { at: r.createdAt, dedupeKey: `task:withdrawn:${key}` });
        }
      }
      for (const [i, esc] of r.escalations.entries()) {
        await audit.append(caseNo, 'deadline.breached', 'system', { step: esc.attachedToId ?? null, stepName: esc.taskName ?? null, code: esc.escalationCode ?? null, escalationId: esc.escalationId ?? null }, { at: r.createdAt, dedupeKey: `task:esc:${p.instanceId}:${r.revision}:${i}` });
      }
    }
    if (this.supervision) {
      // the case's clocks that still run or wait, in one read: the statutory and promised ones, the steps'
      // — and the step clocks stopped since these revisions: a replay after a kill stops them again, so
      // their clock.stopped (held back in this projection's batch when the kill came) is written, once
      const since = new Date(p.revisions.length ? Math.min(...p.revisions.map((r) => new Date(r.createdAt).getTime())) : Date.now());
      const clocks = await models.Clock.find(
        { caseNo, kind: { $in: ['statutory', 'promised', 'step'] }, $or: [{ status: { $ne: 'stopped' } }, { kind: 'step', updatedAt: { $gte: since } }] },
        { kind: 1, status: 1, taskId: 1, pauses: 1 },
      ).lean();
      // Waiting on the applicant (等待补正) stops the case's clocks; they run again when the step ends.
      if (p.status === 'running') {
        const waiting = p.openSteps ? p.openSteps.some((t) => t.stepKind === 'await-applicant') : await models.Task.exists({ instanceId: p.instanceId, status: 'open', stepKind: 'await-applicant' });
        const paused = clocks.some((c) => (c.kind === 'statutory' || c.kind === 'promised') && c.status === 'paused');
        const system = { username: 'system', groups: [], roles: ['system'] };
        if (waiting && !paused) await this.supervision.pause(caseNo, { kind: 'supplement', reason: '等待申请人补正材料（补正期间不计入办理时限）' }, system).catch(() => undefined);
        if (!waiting && paused) {
          const c = clocks.find((x) => x.kind === 'promised');
          const open = ((c?.pauses ?? []) as any[]).find((x) => !x.to);
          if (open?.kind === 'supplement') await this.supervision.resume(caseNo, system);
        }
      }
      // Step clocks of steps no longer open stop (completed, cancelled by a timer, withdrawn).
      const stillOpen = new Set(p.openSteps?.map((t) => t.id) ?? []);
      for (const c of clocks) {
        if (c.kind !== 'step' || stillOpen.has(c.taskId as string)) continue;
        const t = await models.Task.findById(c.taskId, { status: 1, completedAt: 1 }).lean();
        if (!t || t.status !== 'open') await this.supervision.stopClock(c._id as string, t?.completedAt ?? this.deps.clock.now());
      }
    }
    // only the root instance's end ends the case; a called instance's end returns to its caller
    if (p.status !== 'running' && !p.rootInstanceId && kase.status !== 'void') await this.finish(caseNo, p.instanceId, p.status);
  }

  /**
   * A step's own clock (环节时限): its `svc:timeLimit` read by `parseStepLimit` — working days
   * (`3WD`, and the ISO `P3D` of the shipped diagrams as 3 working days, `PT8H` as one working
   * day), other durations in calendar time — or a demo override `<stepId in camelCase>Limit`
   * given at intake (ISO duration, calendar time, as the boundary timer reads it). A step with no
   * limit, or one that does not parse (the deploy lint reports it), has no clock.
   */
  private async startStepClock(caseNo: string, t: any, variables: Record<string, unknown>) {
    if (!this.supervision) return;
    const camel = String(t.elementId).replace(/-([a-z0-9])/g, (_m: string, c: string) => c.toUpperCase());
    const override = variables[`${camel}Limit`];
    let budget: Budget | undefined;
    try {
      if (typeof override === 'string') budget = parseBudget(override);
      else if (typeof t.timeLimit === 'string' && t.timeLimit.trim()) budget = parseStepLimit(t.timeLimit);
    } catch {
      budget = undefined;
    }
    if (!budget) return;
    await this.supervision.startClock({ id: `step:${t._id}`, kind: 'step', caseNo, taskId: t._id, label: t.name, orgUnit: t.orgUnit, windowId: t.windowId, holder: t.assignee, budget, startedAt: new Date(t.createdAt) });
  }

  private looseListener?: LooseEventListener;
  /** Told of each violation (违规) before it is written (the statistics rollups count it by centre and day). */
  onViolation(listener: LooseEventListener): void {
    this.looseListener = listener;
  }

  /** The five-working-day examination clock (行政许可法第三十二条) of a case taken in for examination, from its receipt. */
  private async startExaminationClock(kase: { _id: string; itemName: string; orgUnit: string; receivingWindow: string; responsible: string; receivedAt: Date; limitOverrides?: Record<string, string> | null }) {
    const override = kase.limitOverrides?.examinationLimit;
    await this.supervision?.startClock({
      id: `${kase._id}:examination`, kind: 'examination', caseNo: kase._id, label: kase.itemName, orgUnit: kase.orgUnit, windowId: kase.receivingWindow, holder: kase.responsible,
      budget: override ? parseBudget(override) : { unit: 'working-days', days: EXAMINATION_DAYS }, startedAt: kase.receivedAt,
    });
  }

  /** Records a decision under way (see `case_intents`), before its first write. */
  private async intend(caseNo: string, op: 'intake' | 'examine' | 'deem' | 'supplement', decision: 'accept' | 'reject' | 'supplement' | 'examine', by: string, acceptedAt?: Date) {
    await this.deps.models.CaseIntent.updateOne({ _id: `${caseNo}:${op}` }, { $set: { op, decision, by, acceptedAt, at: this.deps.clock.now() } }, { upsert: true });
  }

  private async settled(caseNo: string, op: string) {
    await this.deps.models.CaseIntent.deleteOne({ _id: `${caseNo}:${op}` });
  }

  /**
   * 中断修复: finishes what a killed process left half-done (decisions older than `olderThanMs`,
   * so work in flight is left alone). An acceptance is finished — its instance (by the id kept on
   * the case), status, audit event, notice and clocks are each idempotent. A refusal or a
   * one-time notification that did not get past the claim is undone: an examined case waits for
   * its decision again (its clock never stopped); a new intake is voided, as a failed intake is,
   * and the window takes it in again. Also re-runs the audit follow-ups (feed, statistics) of
   * appends cut short. Returns the decisions repaired.
   */
  async repairInterrupted(now = this.deps.clock.now(), olderThanMs = 30_000): Promise<number> {
    const { models } = this.deps;
    await this.deps.audit.redispatchPending(now, olderThanMs);
    await this.supervision?.repairPendingSignals(now, olderThanMs);
    const stale = await models.CaseIntent.find({ at: { $lt: new Date(now.getTime() - olderThanMs) } }).limit(200).lean();
    for (const it of stale) await this.deps.audit.asRepair(() => this.repairIntent(it, now));
    return stale.length;
  }

  /**
   * Finishes, now, a decision on the case whose process died (whatever its age): a resend under
   * the same Idempotency-Key, taken over from the dead attempt, must answer with the case that
   * attempt took in — not take the applicant in a second time because the sweep has not come yet.
   */
  async finishInterrupted(caseNo: string, now = this.deps.clock.now()): Promise<void> {
    const intents = await this.deps.models.CaseIntent.find({ _id: { $in: ['intake', 'examine', 'deem', 'supplement'].map((op) => `${caseNo}:${op}`) } }).lean();
    for (const it of intents) await this.deps.audit.asRepair(() => this.repairIntent(it, now));
  }

  private async repairIntent(it: any, now: Date): Promise<void> {
    const { models } = this.deps;
    const id = it._id as string;
    const caseNo = id.slice(0, id.lastIndexOf(':'));
    const kase = await models.ServiceCase.findById(caseNo).lean();
    try {
      const status = kase?.status as string | undefined;
      // an intake killed between the case and its first event: the chain starts with the receipt
      if (kase && it.op === 'intake') await this.ensureReceived(kase);
      if (!kase) {
        // killed before the case was written: the number sweep voids the claimed number
      } else if (it.op === 'deem') {
        // automatic, and its breach signal fired once already: it must happen, claim included
        if (status === 'under-examination') await this.deemAccepted(caseNo);
        else if (status === 'accepting' || (status === 'in-progress' && kase.deemedAccepted)) await this.finishDeemed(caseNo, now);
      } else if (it.decision === 'accept') {
        // an examination decision counts once claimed; an intake or a completed supplement once asked for
        const claimed = it.op !== 'examine' || status !== 'under-examination';
        if (claimed && ['accepting', 'awaiting-supplement', 'in-progress'].includes(status!)) {
          const actor: Actor = it.by === 'system' ? SYSTEM_ACTOR : { username: it.by as string, groups: [], roles: [] };
          await this.accept(caseNo, actor, (kase as any).limitOverrides ?? undefined, undefined, (kase.acceptedAt as Date | undefined) ?? it.acceptedAt ?? it.at);
          if (it.op === 'examine') await this.supervision?.stopClock(`${caseNo}:examination`, now);
          if (it.op === 'intake') await this.numbers.markUsed(caseNo);
          this.deps.logger?.warn({ caseNo, op: it.op }, 'finished an acceptance cut short');
        }
      } else if (status === 'accepting' && it.op === 'examine') {
        await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { status: 'under-examination', updatedAt: now } });
        await this.deps.audit.append(caseNo, 'case.decision-undone', 'system', { reason: 'interrupted', decision: it.decision });
      } else if (status === 'accepting' && it.op === 'intake') {
        await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { status: 'void', updatedAt: now } });
        await this.numbers.markVoid(caseNo, 'intake interrupted');
        await this.deps.audit.append(caseNo, 'case.voided', 'system', { reason: 'intake interrupted' });
      } else if (status === 'under-examination' && it.op === 'intake') {
        // taken in for examination: its five-day clock must run (startClock is idempotent)
        await this.startExaminationClock(kase as any);
        await this.numbers.markUsed(caseNo);
      }
      await models.CaseIntent.deleteOne({ _id: id, at: it.at });
    } catch (err) {
      this.deps.logger?.error({ caseNo, op: it.op, err: (err as Error).message }, 'repair of an interrupted decision failed; retried next run');
    }
  }

  /** Appends the case's `case.received` (as intake writes it) when a killed intake did not get to it; once, however many repairs meet it. */
  private async ensureReceived(kase: any): Promise<void> {
    const { AuditEvent } = this.deps.models;
    if (await AuditEvent.exists({ caseNo: kase._id, type: 'case.received' })) return;
    const a = kase.applicant ?? {};
    await this.deps.audit.append(
      kase._id,
      'case.received',
      kase.responsible,
      { itemCode: kase.itemCode, window: kase.receivingWindow, responsible: kase.responsible, applicant: { kind: a.kind, name: maskName(a.name ?? ''), idNumber: maskIdNumber(a.idNumber ?? '') }, materials: kase.materials ?? [] },
      { at: kase.receivedAt, dedupeKey: `case:received:${kase._id}`, claimTakeoverMs: 0 },
    );
  }

  private async claimOnce(key: string): Promise<boolean> {
    try {
      await this.deps.models.AuditClaim.create({ _id: `case:${key}`, at: new Date() });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /**
   * 代办记录: a step opened in another org unit or window than the previous one is a hand-over.
   * Works on the case as read by the projection (`kase`, kept up to date here); the push is
   * conditional on the task not being recorded yet, so a replayed projection records nothing twice.
   */
  private async recordHandOver(kase: any, task: any, at: Date) {
    const { models } = this.deps;
    const record = (kase.proxyRecord ?? []) as any[];
    const recorded = record.find((x) => x.taskId === task._id);
    if (recorded) {
      // recorded already (a replayed projection): its event again, keyed — once, also after a kill between the two
      await this.deps.audit.append(kase._id, 'case.handed-over', 'system', recorded, { at: recorded.at, dedupeKey: `case:handover:${task._id}` });
      return;
    }
    const last = record[record.length - 1];
    const fromOrg = last?.toOrgUnit ?? kase.orgUnit;
    const fromWindow = last?.toWindow ?? kase.receivingWindow;
    if (!task.windowId || (task.windowId === fromWindow && task.orgUnit === fromOrg)) return;
    const entry = {
      at,
      type: task.orgUnit !== fromOrg ? (task.orgUnit === 'city' ? 'report-up' : 'return-to-town') : 'hand-over',
      fromOrgUnit: fromOrg,
      fromWindow,
      toOrgUnit: task.orgUnit,
      toWindow: task.windowId,
      toPerson: task.assignee ?? null,
      step: task.name,
      taskId: task._id,
    };
    const update: any = { $push: { proxyRecord: entry }, $set: { updatedAt: at } };
    if (task.orgUnit && !((kase.involvedOrgUnits ?? []) as string[]).includes(task.orgUnit)) update.$addToSet = { involvedOrgUnits: task.orgUnit };
    const pushed = await models.ServiceCase.updateOne({ _id: kase._id, 'proxyRecord.taskId': { $ne: task._id } }, update);
    kase.proxyRecord = [...record, entry];
    if (task.orgUnit) kase.involvedOrgUnits = [...new Set([...((kase.involvedOrgUnits ?? []) as string[]), task.orgUnit])];
    if (!pushed.modifiedCount) return;
    await this.deps.audit.append(kase._id, 'case.handed-over', 'system', entry as any, { at, dedupeKey: `case:handover:${task._id}` });
    if (task.assignee) await this.notify(task.assignee, 'task.assigned', `新办件：${kase.itemName}`, `${kase._id} ${task.name}`, kase._id, task._id);
  }

  /**
   * Ends the case: approved unless a review or approval step's last decision was reject. Only the
   * writer whose conditional update moves the case out of `in-progress` writes the end's events,
   * notices and messages: a projection that finds the case not in progress (still `accepting`, its
   * acceptance cut short — the acceptance ends it when it finishes — or ended already) writes
   * nothing, so `case.ended` never precedes `case.accepted`. The update names the instance that
   * ended the case (`endedByInstance`); a later call for that instance (a replayed projection: the
   * writer was killed, lost the database half-way, or its audit batch did not go out) writes the
   * follow-ups again, each keyed, so nothing doubles.
   */
  private async finish(caseNo: string, instanceId: string, engineStatus: string) {
    const { models, clock } = this.deps;
    // the case's steps in every instance of it: a called process's too (调用活动: the city's 不予批准 in a 上报件)
    const tasks = await models.Task.find({ caseNo, status: 'completed' }).sort({ completedAt: 1 }).lean();
    const lastByElement = new Map<string, any>();
    for (const t of tasks) if ((t.kind ?? 'engine') === 'engine') lastByElement.set(`${t.instanceId}:${t.elementId}`, t);
    const rejected = [...lastByElement.values()].some((t) => (t.outcome as any)?.decision === 'reject');
    let outcome = engineStatus === 'completed' ? (rejected ? 'rejected' : 'approved') : 'failed';
    let now = clock.now();
    const ended = await models.ServiceCase.updateOne(
      { _id: caseNo, status: 'in-progress' },
      { $set: { status: outcome === 'approved' ? 'completed' : outcome, outcome, endedAt: now, updatedAt: now, endedByInstance: instanceId } },
    );
    if (!ended.modifiedCount) {
      const k: any = await models.ServiceCase.findById(caseNo, { endedByInstance: 1, outcome: 1, endedAt: 1 }).lean();
      if (k?.endedByInstance !== instanceId) return; // not ended by this instance (yet): nothing of the end to write
      outcome = k.outcome as string;
      now = (k.endedAt as Date | undefined) ?? now;
    }
    // Every write below is keyed (fixed notice ids, dedupe keys), so finishing them again redoes nothing.
    if (this.supervision) for (const k of ['statutory', 'promised']) await this.supervision.stopClock(`${caseNo}:${k}`, now);
    if (outcome === 'failed') {
      // an operator who ended the instance (终止, e.g. cancelling an incident) is who ended the case,
      // with the reason given: the chain says so instead of a bare 'system' failure
      const cancel: any = engineStatus === 'cancelled' ? await models.Revision.findOne({ instanceId }, { command: 1, actor: 1, createdAt: 1 }).sort({ revision: -1 }).lean() : null;
      const by = cancel?.command?.type === 'cancel' ? cancel : null;
      await this.deps.audit.append(caseNo, 'case.failed', by?.actor ?? 'system', by ? { cancelled: true, reason: by.command.reason ?? null } : {}, { dedupeKey: `case:failed:${caseNo}`, ...(by?.createdAt ? { at: by.createdAt } : {}) });
      return;
    }
    const reason = [...lastByElement.values()].filter((t) => (t.outcome as any)?.decision === 'reject').map((t) => `${t.name}：${(t.outcome as any)?.opinion ?? '不予许可'}`).join('；');
    const kase = await models.ServiceCase.findById(caseNo).lean();
    await this.deps.audit.append(caseNo, 'case.ended', 'system', { outcome }, { dedupeKey: `case:ended:${caseNo}` });
    const item = await models.ServiceItem.findById(kase!.itemCode).lean();
    if (outcome === 'rejected') {
      await this.issueNotice(caseNo, 'return', 'system', { reason, legalBasis: item?.legalBasis ?? [] }, `${caseNo}:return:final`);
    } else {
      await this.issueNotice(caseNo, 'completion', 'system', { outcome: 'approved', completedAt: now, resultDocument: item?.outcome ?? undefined, fees: (kase?.fee as any)?.items }, `${caseNo}:completion:final`);
    }
    if (this.feedback?.inSample(caseNo)) await this.feedback.openFollowUp(caseNo, 'sample');
    if (await this.claimOnce(`finish-notify:${caseNo}`)) await this.notify(kase!.responsible, 'case.ended', `办件已办结：${kase!.itemName}`, `${caseNo} ${outcome === 'rejected' ? '不予许可' : '准予办理'}，请告知申请人`, caseNo);
  }

  /** An in-app message (站内消息). With `key` it is written once however often it is sent (a signal rung again by the repair). */
  async notify(to: string, kind: string, title: string, body: string, caseNo?: string, taskId?: string, key?: string) {
    try {
      await this.deps.models.Notification.create({ _id: key ?? randomUUID(), to, kind, title, body, caseNo, taskId, createdAt: this.deps.clock.now() });
    } catch (err) {
      if (!key || !isDuplicateKey(err)) throw err;
    }
  }

  /**
   * A person's newest in-app messages (at most `limit`), newest first, by windows of createdAt
   * (DocumentDB reads no sort from an index: a plain sort read every message the person ever had —
   * years of them — to answer the newest 200).
   */
  async notificationsOf(username: string, limit = 200) {
    const docs = await newestFirst<any>(this.deps.models.Notification, { to: username }, 'createdAt', limit, this.deps.clock.now());
    return docs.map((n) => ({ id: String(n._id), kind: String(n.kind), title: String(n.title), body: String(n.body), caseNo: n.caseNo ?? undefined, taskId: n.taskId ?? undefined, createdAt: n.createdAt as Date, readAt: (n.readAt ?? null) as Date | null }));
  }
}
