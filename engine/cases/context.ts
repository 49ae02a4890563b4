/**
 * What every case use case works with: the ports (database models, the process service, the
 * catalogue, the org model, the audit chain, clock, logger, the deadline clocks, follow-up visits,
 * the violation listener) and the case numbers — one `CaseContext`, built once by `CaseService`
 * (the facade in `./case-service.ts`) and handed to the functions of this folder as their first
 * argument. Also the shapes and rules the use cases share (an application's input, a command's
 * mark, the kept refusal reasons, 行政许可法 第三十二条).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Actor, Clock, Logger, LooseEventListener } from '../domain/types';
import type { Models } from '../persistence/models';
import type { ProcessService } from '../services/process-service';
import type { CatalogueService, ServiceItem } from '../catalogue/catalogue-service';
import type { OrgService } from '../org/org-service';
import type { SupervisionService } from '../supervision/supervision-service';
import type { FeedbackService } from '../supervision/feedback-service';
import type { AuditLog } from './audit';
import type { CaseNumbers } from './case-numbers';
import type { HandedMaterial } from './materials';

export type { HandedMaterial } from './materials';

export const SYSTEM_ACTOR: Actor = { username: 'system', groups: [], roles: ['system'] };

/** The deadline clocks of a case and its steps (supervision), as the case layer uses them. */
export type CaseClocks = Pick<SupervisionService, 'startClock' | 'startClocks' | 'stopClock' | 'stopClocks' | 'pause' | 'resume' | 'currentCalendar' | 'repairPendingSignals' | 'repairClockJobs'>;

/** Follow-up visits (回访): a sample of ended cases gets a follow-up call. */
export type FollowUps = Pick<FeedbackService, 'inSample' | 'openFollowUp'>;

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
  /** The supervision system that keeps the case's and steps' deadline clocks; without it a case has no clocks. */
  clocks?: CaseClocks;
  /** Ratings and follow-up visits (回访): a sample of ended cases gets a follow-up call. */
  followUps?: FollowUps;
  /** Told of each violation (违规) before it is written (the statistics rollups count it by centre and day). */
  onViolation?: LooseEventListener;
}

/** What the reads need (no command): `caseReadPort` builds one before the services that need those reads exist. */
export interface CaseReadContext {
  deps: Pick<CaseServiceDeps, 'models' | 'clock' | 'lookupSalt' | 'org' | 'clocks'>;
}

/** What the case use cases work with; built once by `CaseService`. */
export interface CaseContext extends CaseReadContext {
  deps: CaseServiceDeps;
  numbers: CaseNumbers;
}

/** Documents a caller read or wrote already and hands on, so the callee does not read them again. */
export interface Known {
  kase?: any;
  item?: ServiceItem | any;
  window?: any;
  org?: any;
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
export interface CommandMark {
  by: string;
  requestId?: string;
  inputHash: string;
  token: string;
  decision?: string;
  at: Date;
}

export const inputHashOf = (input: unknown) => createHash('sha256').update(canonicalize(input ?? {}) ?? '').digest('hex');

/** The same person's command again: under the same request id, or without a key with the same input (as task completion). */
export function isResend(mark: CommandMark | undefined | null, actor: Actor, opts: CommandOptions, inputHash: string): boolean {
  return !!mark && mark.by === actor.username && (opts.requestId ? mark.requestId === opts.requestId : mark.inputHash === inputHash);
}
