/**
 * 收件: an application taken in at a window — validated whole before anything is written, a case
 * number claimed, the clerk recorded as the responsible person (首问负责), then classified
 * (五分类): refused (退回件, a return notice), missing materials (补办件, ONE one-time
 * notification), taken in for examination (收件后审查), or accepted and its path started.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { BusinessRuleError, ConflictError, ForbiddenError, ValidationError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { crashPoint } from '../domain/fault';
import { ART32_TEXT, EXAMINATION_DAYS, REJECT_REASONS, type CaseContext, type IntakeInput } from './context';
import { missingMaterials } from './materials';
import { maskIdNumber, maskName, validateApplicant } from './identity';
import { lookupHash } from './case-records';
import { intend, settled } from './intents';
import { acceptApplication } from './accept-application';
import { startExaminationClock } from './examine-application';
import { issueNotice } from './issue-notice';
import { getCase } from './queries';
import { orgCacheOf } from '../org/org-cache';

const QUERY_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function newQueryCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += QUERY_CODE_ALPHABET[randomInt(QUERY_CODE_ALPHABET.length)];
  return s;
}

/**
 * 收件: takes in an application at the actor's window. Validates everything before writing;
 * claims a case number; records the clerk as the responsible person; then rejects, asks for
 * the missing materials once, or accepts and starts the item's path.
 * @returns the case and, this once, its query code
 */
export async function takeInApplication(ctx: CaseContext, input: IntakeInput, actor: Actor, hooks: { onNumber?: (caseNo: string) => Promise<void> } = {}) {
  const { models, clock } = ctx.deps;
  const item = await ctx.deps.catalogue.getItem(input.itemCode);
  if (!actor.windowId) throw new ForbiddenError('NOT_A_WINDOW_CLERK', 'only a clerk on a window post takes in applications');
  // an archived path starts no new case: refused before a case number is claimed (a refusal starts no path)
  if (!input.reject && (await models.Definition.exists({ key: item.procedure, archived: true }))) {
    throw new ConflictError('DEFINITION_ARCHIVED', `the path ${item.procedure} of item ${item.code} is archived: no new case starts on it; ask the designers to restore it or name another path`, { key: item.procedure, itemCode: item.code });
  }
  // through the org cache (engine/org/org-cache.ts): a window changes rarely, and this process's own changes at once
  const window = await orgCacheOf(models).window(actor.windowId);
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
    if (!ctx.deps.allowLimitOverrides) throw new ForbiddenError('LIMIT_OVERRIDES_DISABLED', 'time limits come from the catalogue and the diagram; overrides are enabled only on demo platforms');
    for (const [k, v] of Object.entries(input.limitOverrides)) {
      if (!/^[a-z][A-Za-z0-9]{0,60}Limit$/.test(k) || !/^P(T?\d+[DHMS])+$/.test(v)) throw new ValidationError('INVALID_LIMIT_OVERRIDE', `limitOverrides.${k} must be <step>Limit: ISO duration like PT5S`);
    }
  }
  const orgUnit = await ctx.deps.org.getOrgUnit(window.orgUnit);
  const now = clock.now();
  const applicant = applicantCheck.applicant as any;
  const missing = input.reject ? [] : missingMaterials(item, input.materials);

  const caseNo = await ctx.numbers.claim(orgUnit._id as string, orgUnit.code, now, actor.username);
  await hooks.onNumber?.(caseNo);
  const queryCode = newQueryCode();
  let created = false;
  // the case as the acceptance left it in progress: the answer shows it without reading it again
  let accepted: any;
  try {
    await intend(ctx, caseNo, 'intake', input.examine && !input.reject ? 'examine' : input.reject ? 'reject' : missing.length ? 'supplement' : 'accept', actor.username);
    const accepting = !input.reject && !input.examine && !missing.length;
    const createdCase = {
      _id: caseNo,
      // accepted at once: its path's instance id is chosen with the case (the acceptance claims none, and a
      // repair after a kill starts or finds the instance by it, as by an id the acceptance had claimed)
      ...(accepting ? { instanceId: randomUUID() } : {}),
      itemCode: item.code,
      itemName: item.name,
      department: item.department,
      orgUnit: orgUnit._id,
      receivingWindow: window._id,
      responsible: actor.username,
      category: input.reject ? 'rejected' : missing.length ? 'supplement' : item.defaultCategory,
      status: 'accepting',
      applicant,
      queryCodeHash: lookupHash(ctx, 'q', caseNo, queryCode),
      phoneHash: applicant.phone ? lookupHash(ctx, 'p', caseNo, applicant.phone) : undefined,
      materials: input.materials,
      receivedAt: now,
      involvedOrgUnits: [orgUnit._id],
      updatedAt: now,
    };
    await models.ServiceCase.create(createdCase as any);
    created = true;
    crashPoint('intake.after-case');
    // a new case's chain is empty, and the feed names its centre and item: the audit log need not read them
    ctx.deps.audit.startsChain(caseNo, { orgUnit: orgUnit._id as string, itemCode: item.code });
    const receipt = {
      itemCode: item.code,
      window: window._id,
      responsible: actor.username,
      applicant: { kind: applicant.kind, name: maskName(applicant.name), idNumber: maskIdNumber(applicant.idNumber) },
      materials: input.materials,
    };
    if (!accepting) await ctx.deps.audit.append(caseNo, 'case.received', actor.username, receipt);
    if (input.examine && !input.reject) {
      // 收件待审: no decision yet; the five-day examination clock runs from receipt
      await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { status: 'under-examination', limitOverrides: input.limitOverrides ?? null, updatedAt: now } });
      await ctx.deps.audit.append(caseNo, 'case.examination.started', actor.username, { days: EXAMINATION_DAYS, law: ART32_TEXT });
      await startExaminationClock(ctx, { _id: caseNo, itemName: item.name, orgUnit: orgUnit._id as string, receivingWindow: window._id as string, responsible: actor.username, receivedAt: now, limitOverrides: input.limitOverrides });
    } else if (input.reject) {
      const reason = [input.reject.reasonCode ? REJECT_REASONS[input.reject.reasonCode] : undefined, input.reject.reason?.trim()].filter(Boolean).join('；');
      await models.ServiceCase.updateOne({ _id: caseNo }, { $set: { status: 'rejected', outcome: 'rejected', rejectReason: reason, endedAt: now, updatedAt: now } });
      await ctx.deps.audit.append(caseNo, 'case.rejected', actor.username, { reasonCode: input.reject.reasonCode, reason });
      await issueNotice(ctx, caseNo, 'return', actor.username, { reason, legalBasis: item.legalBasis });
    } else if (missing.length) {
      await models.ServiceCase.updateOne(
        { _id: caseNo },
        { $set: { status: 'awaiting-supplement', supplementRounds: [{ round: 1, requestedAt: now, requestedBy: actor.username, materials: missing }], updatedAt: now } },
      );
      await ctx.deps.audit.append(caseNo, 'supplement.requested', actor.username, { round: 1, materials: missing });
      await issueNotice(ctx, caseNo, 'one-time', actor.username, { missing });
    } else {
      // an acceptance's receipt goes out with the first batch of its events (the step's projection);
      // after a kill before it, the repair's `ensureReceived` writes it, as for a kill before the append
      accepted = await ctx.deps.audit.batch(async () => {
        await ctx.deps.audit.append(caseNo, 'case.received', actor.username, receipt);
        // what intake read and wrote already is handed on (accept and its notice need not read it again)
        return acceptApplication(ctx, caseNo, actor, input.limitOverrides, queryCode, undefined, { kase: createdCase, item, window, org: orgUnit });
      });
    }
    await ctx.numbers.markUsed(caseNo);
    await settled(ctx, caseNo, 'intake');
  } catch (err) {
    await ctx.numbers.markVoid(caseNo, `intake failed: ${(err as Error).message}`);
    if (created) {
      await models.ServiceCase.updateOne({ _id: caseNo, status: 'accepting' }, { $set: { status: 'void', updatedAt: clock.now() } });
      await ctx.deps.audit.append(caseNo, 'case.voided', actor.username, { reason: (err as Error).message });
    }
    await settled(ctx, caseNo, 'intake');
    throw err;
  }
  return { case: await getCase(ctx, caseNo, actor, { kase: accepted }), queryCode };
}
