/**
 * What the public says back (群众监督): complaints and reports (投诉举报) handled by the town
 * discipline commission (镇纪委) within their own clock, and ratings (好差评) on five levels at
 * acceptance and at completion. A poor rating (差评, level 1–2) opens a rectification task
 * (整改) with its own deadline, then a follow-up call (回访) and a re-rating; a sample of other
 * cases also gets a follow-up visit.
 */
import { createHash, createHmac } from 'node:crypto';
import canonicalize from 'canonicalize';
import { BusinessRuleError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Clock as TimeSource, LooseEventListener } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { newestFirst } from '../persistence/newest';
import type { AuditLog } from '../cases/audit';
import { cstDay } from '../cases/case-numbers';
import { hashPersonal, maskPhone, validateMobile } from '../cases/identity';
import { parseBudget } from './clock-ledger';
import { holdPoint } from '../domain/fault';
import type { SupervisionService } from './supervision-service';

/** A keyless complaint sent again within this time with the same content is a resend (10 minutes). */
export const RESEND_WINDOW_MS = 10 * 60_000;

export const RATING_LEVELS: Record<number, string> = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' };

export interface FeedbackConfig {
  /** Time the discipline commission has to reply to a complaint. Default 10 working days. */
  complaintLimit: string;
  /** Time to rectify after a poor rating. Default 5 working days. */
  rectificationLimit: string;
  /** Share of completed cases that get a follow-up visit anyway, in percent. Default 10. */
  followUpSamplePercent: number;
}

export const DEFAULT_FEEDBACK_CONFIG: FeedbackConfig = { complaintLimit: '10WD', rectificationLimit: '5WD', followUpSamplePercent: 10 };

/**
 * What feedback needs of the cases — an in-app message, the public lookup's check of a case
 * number and query code, the read check of a case — implemented by CaseService (a port, so the
 * two services do not import each other).
 */
export interface CasePort {
  notify(to: string, kind: string, title: string, body: string, caseNo?: string, taskId?: string, key?: string): Promise<void>;
  publicLookup(caseNo: string, secret: { queryCode?: string; phone?: string }): Promise<unknown>;
  assertReadable(caseNo: string, actor: Actor): Promise<void>;
}

export interface FeedbackDeps {
  models: Models;
  audit: AuditLog;
  clock: TimeSource;
  cases: CasePort;
  supervision: SupervisionService;
  lookupSalt: string;
  config?: Partial<FeedbackConfig>;
}

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export class FeedbackService {
  private readonly config: FeedbackConfig;

  constructor(private readonly deps: FeedbackDeps) {
    this.config = { ...DEFAULT_FEEDBACK_CONFIG, ...(deps.config ?? {}) };
    // fail at start, not at the first complaint
    parseBudget(this.config.complaintLimit);
    parseBudget(this.config.rectificationLimit);
    // a complaint's or a rectification's clock whose start a kill cut short (clock.after-insert) is
    // found by the supervision's sweep (repairClockJobs), which writes its jobs: the rest of what
    // followed the clock is finished here, each step keyed — before, only the sender's resend did it
    deps.supervision.onStartRepaired((clock) => this.afterClockRepaired(clock));
  }

  /** The follow-ups of a complaint or a rectification whose clock's start was cut short (see the constructor). */
  private async afterClockRepaired(clock: { _id: string; kind: string; caseNo?: string | null; taskId?: string | null }): Promise<void> {
    const { models } = this.deps;
    if (clock.kind === 'complaint' && clock._id.startsWith('complaint:')) {
      const c: any = await models.Complaint.findById(clock._id.slice('complaint:'.length)).lean();
      if (c) await this.afterComplaint(c, c.content);
      return;
    }
    const taskId = clock.taskId ?? '';
    if (clock.kind !== 'step' || !taskId.startsWith('rectify:') || !clock.caseNo) return;
    const stage = taskId.slice(taskId.lastIndexOf(':') + 1);
    const [task, rating]: any[] = await Promise.all([models.Task.findById(taskId, { assignee: 1 }).lean(), models.Rating.findById(`${clock.caseNo}:${stage}`, { level: 1, comment: 1 }).lean()]);
    if (!task || !rating) return;
    await this.deps.audit.append(clock.caseNo, 'rectification.opened', 'system', { taskId, level: rating.level }, { dedupeKey: `rectification:opened:${taskId}` });
    if (task.assignee) await this.deps.cases.notify(task.assignee, 'rectification.opened', `差评整改：${clock.caseNo}`, rating.comment ?? '', clock.caseNo, taskId, `rectification.opened:${taskId}`);
  }

  // ---------------------------------------------------------------- complaints

  /** A complaint from the public (no login). Returns its reference and a query code, shown once. */
  private looseListener?: LooseEventListener;
  /** Told of each complaint that names no case, before it is written (the statistics rollups count it by centre and day). */
  onLooseEvent(listener: LooseEventListener): void {
    this.looseListener = listener;
  }

  /**
   * `opts` (an Idempotency-Key request, api/http/idempotency.ts): `requestId` is recorded on the
   * complaint and its query code is derived from it (HMAC with the lookup salt), `onReference` names
   * each reference before it is written, and `previous` is the one an earlier attempt named — so the
   * resend of a complaint that was filed (a 503 after its write) gets the same reference and query
   * code back (`replayed: true`) and its follow-ups finished, not a second complaint.
   */
  async complain(
    input: { orgUnit: string; target: { kind: 'case' | 'window' | 'person'; caseNo?: string; windowId?: string; person?: string }; content: string; contactName?: string; phone?: string },
    opts: { requestId?: string; previous?: string; onReference?: (reference: string) => Promise<void> } = {},
  ) {
    const { models, clock } = this.deps;
    if (opts.requestId && opts.previous) {
      const filed = await models.Complaint.findById(opts.previous).lean();
      if (filed && filed.requestId === opts.requestId) {
        await this.afterComplaint(filed, input.content);
        return { reference: filed._id as string, queryCode: this.complaintCode(opts.requestId), status: filed.status as string, replayed: true as const };
      }
    }
    // Without an Idempotency-Key (a plain form post, another system): the same complaint sent again
    // within RESEND_WINDOW_MS — the same centre, target, text, name and phone — is a resend (a
    // double click, a retry after a lost answer), answered with the complaint it filed and the same
    // query code (derived from the first one's request id), not filed twice.
    let fingerprint: string | undefined;
    if (!opts.requestId) {
      fingerprint = this.complaintFingerprint(input);
      const filed = await this.recentByFingerprint(fingerprint, clock.now());
      if (filed) return this.replayComplaint(filed, input.content);
    }
    const org = await models.OrgUnit.findById(input.orgUnit).lean();
    if (!org) throw new ValidationError('UNKNOWN_ORG_UNIT', `org unit ${input.orgUnit} does not exist`);
    const t = input.target;
    if (t.kind === 'case' && !t.caseNo) throw new ValidationError('TARGET_REQUIRED', 'a complaint about a case names the case number (caseNo)');
    if (t.kind === 'window' && !t.windowId) throw new ValidationError('TARGET_REQUIRED', 'a complaint about a window names the window (windowId)');
    if (t.kind === 'person' && !t.person) throw new ValidationError('TARGET_REQUIRED', 'a complaint about a person names the person or their post (person)');
    if (t.windowId && !(await models.Window.exists({ _id: t.windowId, orgUnit: input.orgUnit }))) throw new ValidationError('UNKNOWN_WINDOW', `window ${t.windowId} is not a window of ${input.orgUnit}`);
    if (input.phone && !validateMobile(input.phone)) throw new ValidationError('INVALID_PHONE', 'phone is not a valid mainland mobile or fixed-line number');
    const now = clock.now();
    const day = cstDay(now);
    // a keyless complaint records a request id of its own (fingerprint and time), so its resend can derive the code again
    const requestId = opts.requestId ?? `fp:${fingerprint}:${now.getTime()}`;
    const fingerprintSlot = fingerprint ? `${fingerprint}:${Math.floor(now.getTime() / RESEND_WINDOW_MS)}` : undefined;
    const code = this.complaintCode(requestId);
    const head = await models.Complaint.findOne({ orgUnit: input.orgUnit, day }, { seq: 1 }).sort({ seq: -1 }).lean();
    let seq = (head?.seq ?? 0) + 1;
    let id = '';
    for (let attempt = 0; attempt < 50; attempt++, seq++) {
      id = `TS-${org.code}-${day}-${String(seq).padStart(4, '0')}`;
      // a complaint naming no case is counted by its centre and day: marked before it exists (a
      // kill in between leaves a mark the recompute skips, never a complaint left uncounted)
      if (!t.caseNo) await this.looseListener?.('cmp', id, input.orgUnit, now);
      await opts.onReference?.(id);
      try {
        await models.Complaint.create({
          requestId,
          ...(fingerprintSlot ? { fingerprintSlot } : {}),
          _id: id,
          orgUnit: input.orgUnit,
          day,
          seq,
          targetKind: t.kind,
          caseNo: t.caseNo,
          windowId: t.windowId,
          person: t.person,
          content: input.content,
          contactName: input.contactName,
          phone: input.phone,
          queryCodeHash: hashPersonal(`c:${id}:${code}`, this.deps.lookupSalt),
          status: 'received',
          createdAt: now,
          history: [{ status: 'received', at: now, by: 'public' }],
        });
        break;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // the same keyless complaint filed at this moment by a concurrent resend: answer with that one
        if (fingerprintSlot) {
          const twin = await models.Complaint.findOne({ fingerprintSlot: { $exists: true, $eq: fingerprintSlot } }).lean();
          if (twin) return this.replayComplaint(twin, input.content);
        }
        id = '';
      }
    }
    if (!id) throw new ConflictError('COMPLAINT_NUMBER_CONTENDED', 'try again');
    await holdPoint('feedback.after-write:complaint');
    await this.afterComplaint({ _id: id, orgUnit: input.orgUnit, caseNo: t.caseNo, createdAt: now }, input.content);
    return { reference: id, queryCode: code, status: 'received' };
  }

  /** A filed complaint's follow-ups, each keyed (clock id, message keys, audit dedupe key): run again by its resend, nothing doubles. */
  private async afterComplaint(c: { _id: unknown; orgUnit: string; caseNo?: string | null; createdAt: Date }, content: string) {
    const { models } = this.deps;
    const id = String(c._id);
    const clockId = `complaint:${id}`;
    await this.deps.supervision.startClock({ id: clockId, kind: 'complaint', label: `投诉 ${id}`, orgUnit: c.orgUnit, budget: parseBudget(this.config.complaintLimit), startedAt: new Date(c.createdAt) });
    await models.Complaint.updateOne({ _id: id }, { $set: { clockId } });
    const handlers = await models.User.find({ orgUnit: c.orgUnit, roles: 'discipline' }, { _id: 1 }).lean();
    for (const h of handlers) await this.deps.cases.notify(h._id as string, 'complaint.received', `新投诉：${id}`, content.slice(0, 80), undefined, undefined, `complaint.received:${id}:${h._id}`);
    if (c.caseNo && (await models.ServiceCase.exists({ _id: c.caseNo }))) await this.deps.audit.append(c.caseNo, 'complaint.received', 'public', { complaintId: id }, { dedupeKey: `complaint:received:${id}` });
  }

  /** A filed complaint answered again to its resend: its follow-ups finished (keyed), the same reference and query code. */
  private async replayComplaint(filed: any, content: string) {
    await this.afterComplaint(filed, content);
    return { reference: filed._id as string, queryCode: this.complaintCode(filed.requestId as string), status: filed.status as string, replayed: true as const };
  }

  /** What identifies a keyless complaint's resend: an HMAC (the lookup salt) of everything it says, so the text itself is not what is indexed. */
  private complaintFingerprint(input: { orgUnit: string; target: object; content: string; contactName?: string; phone?: string }): string {
    const what = canonicalize({ orgUnit: input.orgUnit, target: input.target, content: input.content, contactName: input.contactName ?? '', phone: input.phone ?? '' }) ?? '';
    return createHmac('sha256', this.deps.lookupSalt).update(`complaint-fp:${what}`).digest('base64url');
  }

  /** The keyless complaint with this fingerprint filed within the resend window (this slot or the one before), if any. */
  private async recentByFingerprint(fingerprint: string, now: Date) {
    const slot = Math.floor(now.getTime() / RESEND_WINDOW_MS);
    const found = await this.deps.models.Complaint.find({ fingerprintSlot: { $exists: true, $in: [`${fingerprint}:${slot}`, `${fingerprint}:${slot - 1}`] } }).lean();
    return found.filter((c) => now.getTime() - new Date(c.createdAt as Date).getTime() <= RESEND_WINDOW_MS && c.requestId).sort((a, b) => +new Date(b.createdAt as Date) - +new Date(a.createdAt as Date))[0];
  }

  /** The query code of a complaint filed under an Idempotency-Key: derived from its request id with the lookup salt, so its resend gets it again (never stored). */
  private complaintCode(requestId: string): string {
    const mac = createHmac('sha256', this.deps.lookupSalt).update(`complaint-code:${requestId}`).digest();
    return Array.from(mac.subarray(0, 6), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
  }

  /** The complainant reads the reply with the reference and query code; nothing leaks otherwise. */
  async lookupComplaint(reference: string, queryCode: string) {
    const c = await this.deps.models.Complaint.findById(reference).lean();
    if (!c || hashPersonal(`c:${reference}:${queryCode.trim().toUpperCase()}`, this.deps.lookupSalt) !== c.queryCodeHash) {
      throw new NotFoundError('COMPLAINT_NOT_FOUND', 'no complaint matches this reference and query code');
    }
    return { reference, status: c.status, createdAt: c.createdAt, reply: c.reply ? { text: (c.reply as any).text, at: (c.reply as any).at } : null };
  }

  private canHandle(actor: Actor, orgUnit: string) {
    return actor.roles.some((r) => r === 'supervisor' || r === 'admin') || (actor.roles.includes('discipline') && actor.orgUnit === orgUnit);
  }

  async listComplaints(actor: Actor, filter: { status?: string } = {}) {
    const q: Record<string, unknown> = {};
    if (!actor.roles.some((r) => r === 'supervisor' || r === 'admin')) {
      if (!actor.roles.includes('discipline')) throw new ForbiddenError('DISCIPLINE_ONLY', 'complaints are handled by the discipline commission and supervisors');
      if (!actor.orgUnit) return []; // a commission of no town sees none (never every town's)
      q.orgUnit = actor.orgUnit;
    }
    if (filter.status) q.status = filter.status;
    // newest first by windows of createdAt (persistence/newest.ts: DocumentDB reads no sort from an index)
    const docs = await newestFirst(this.deps.models.Complaint, q, 'createdAt', 500, this.deps.clock.now());
    return docs.map((c) => this.complaintView(c));
  }

  /** A complaint as the commission and supervisors see it (the complainant's phone masked). */
  private complaintView(c: any) {
    return {
      reference: c._id as string,
      orgUnit: c.orgUnit,
      target: { kind: c.targetKind, caseNo: c.caseNo ?? undefined, windowId: c.windowId ?? undefined, person: c.person ?? undefined },
      content: c.content,
      contactName: c.contactName ?? undefined,
      phone: c.phone ? maskPhone(c.phone) : undefined,
      status: c.status,
      createdAt: c.createdAt,
      reply: c.reply ?? undefined,
      history: c.history,
    };
  }

  async replyComplaint(reference: string, text: string, actor: Actor) {
    const { models, clock } = this.deps;
    const c = await models.Complaint.findById(reference).lean();
    if (!c) throw new NotFoundError('COMPLAINT_NOT_FOUND', `complaint ${reference} does not exist`);
    if (!this.canHandle(actor, c.orgUnit)) throw new ForbiddenError('NOT_YOUR_COMPLAINT', "only the town's discipline commission (or a supervisor) replies");
    if (c.status !== 'received') throw new ConflictError('ALREADY_REPLIED', `complaint ${reference} is ${c.status}`);
    const now = clock.now();
    const r = await models.Complaint.updateOne({ _id: reference, status: 'received' }, { $set: { status: 'replied', reply: { text, by: actor.username, at: now } }, $push: { history: { status: 'replied', at: now, by: actor.username } } });
    if (!r.modifiedCount) throw new ConflictError('ALREADY_REPLIED', `complaint ${reference} was replied meanwhile`);
    // its clock by its id: a complaint whose follow-ups a kill cut short has no clockId written yet
    await this.deps.supervision.stopClock(c.clockId ?? `complaint:${reference}`, now);
    if (c.caseNo && (await models.ServiceCase.exists({ _id: c.caseNo }))) await this.deps.audit.append(c.caseNo, 'complaint.replied', actor.username, { complaintId: reference });
    // the replied complaint itself, by its reference (before: the newest 500 were listed and searched,
    // so a reply to an older complaint answered nothing)
    return this.complaintView(await models.Complaint.findById(reference).lean());
  }

  // ---------------------------------------------------------------- ratings

  /**
   * 好差评: the applicant rates a case (authenticated by its query code). One rating per stage;
   * the re-rating is open only after the follow-up call of a poor rating.
   */
  async rate(caseNo: string, secret: { queryCode?: string; phone?: string }, input: { stage: 'acceptance' | 'completion' | 're-rating'; level: number; comment?: string }, opts: { requestId?: string } = {}) {
    const { models, clock } = this.deps;
    await this.deps.cases.publicLookup(caseNo, secret); // same answer as the lookup for a wrong code
    const kase = (await models.ServiceCase.findById(caseNo).lean())!;
    if (!Number.isInteger(input.level) || input.level < 1 || input.level > 5) throw new ValidationError('INVALID_LEVEL', 'level is 1 (非常不满意) … 5 (非常满意)');
    if (input.stage === 'acceptance' && !kase.acceptedAt) throw new BusinessRuleError('NOT_ACCEPTED', 'the case has not been accepted yet');
    if (input.stage === 'completion' && !['completed', 'rejected'].includes(kase.status)) throw new BusinessRuleError('NOT_COMPLETED', 'the case has not ended yet');
    if (input.stage === 're-rating') {
      const followUp = await models.Task.findOne({ caseNo, kind: 'follow-up', status: 'completed', 'outcome.afterPoorRating': true }).lean();
      if (!followUp) throw new BusinessRuleError('NO_FOLLOW_UP_YET', 'a re-rating follows the follow-up call of a poor rating');
    }
    const now = clock.now();
    let replayed = false;
    try {
      await models.Rating.create({ _id: `${caseNo}:${input.stage}`, caseNo, stage: input.stage, level: input.level, comment: input.comment, orgUnit: kase.orgUnit, windowId: kase.receivingWindow, responsible: kase.responsible, createdAt: now, ...(opts.requestId ? { requestId: opts.requestId } : {}) });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // given before: the resend of this very rating (same request id, or without one the same level and comment) is answered as done
      const given: any = await models.Rating.findById(`${caseNo}:${input.stage}`).lean();
      const same = given && (opts.requestId ? given.requestId === opts.requestId : given.level === input.level && (given.comment ?? '') === (input.comment ?? ''));
      if (!same) throw new ConflictError('ALREADY_RATED', `case ${caseNo} was already rated at ${input.stage}`);
      replayed = true;
    }
    await holdPoint('feedback.after-write:rating');
    await this.deps.audit.append(caseNo, 'rating.given', 'applicant', { stage: input.stage, level: input.level }, { dedupeKey: `rating:given:${caseNo}:${input.stage}` });
    let rectification: string | undefined;
    if (input.level <= 2 && input.stage !== 're-rating') rectification = await this.openRectification(kase, input);
    return { caseNo, stage: input.stage, level: input.level, label: RATING_LEVELS[input.level], rectificationTaskId: rectification, ...(replayed ? { replayed: true as const } : {}) };
  }

  private async receiverFor(kase: any): Promise<string> {
    const managers = await this.deps.models.User.find({ orgUnit: kase.orgUnit, roles: 'manager' }, { _id: 1 }).lean();
    return (managers[0]?._id as string | undefined) ?? kase.responsible;
  }

  private async openRectification(kase: any, rating: { stage: string; level: number; comment?: string }) {
    const { models, clock } = this.deps;
    const id = `rectify:${kase._id}:${rating.stage}`;
    const now = clock.now();
    const assignee = await this.receiverFor(kase);
    try {
      await models.Task.create({
        _id: id,
        instanceId: kase.instanceId ?? kase._id,
        executionId: id,
        elementId: 'rectification',
        name: `差评整改：${kase.itemName}`,
        kind: 'rectification',
        caseNo: kase._id,
        orgUnit: kase.orgUnit,
        windowId: kase.receivingWindow,
        assignee,
        status: 'open',
        createdAt: now,
        revision: 0,
        actions: [{ type: 'opened', at: now, actor: 'system', reason: `差评（${RATING_LEVELS[rating.level]}）：${rating.comment ?? ''}` }],
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // opened before (the rating's resend): its follow-ups below are keyed, finished if they were cut short
    }
    const task: any = await models.Task.findById(id, { assignee: 1, createdAt: 1 }).lean();
    await this.deps.supervision.startClock({ id: `step:${id}`, kind: 'step', caseNo: kase._id, taskId: id, label: '差评整改', orgUnit: kase.orgUnit, windowId: kase.receivingWindow, holder: task?.assignee ?? assignee, budget: parseBudget(this.config.rectificationLimit), startedAt: task?.createdAt ?? now });
    await this.deps.audit.append(kase._id, 'rectification.opened', 'system', { taskId: id, level: rating.level }, { dedupeKey: `rectification:opened:${id}` });
    await this.deps.cases.notify(task?.assignee ?? assignee, 'rectification.opened', `差评整改：${kase._id}`, rating.comment ?? '', kase._id, id, `rectification.opened:${id}`);
    return id;
  }

  /** Opens a follow-up call (回访) task for a case. */
  async openFollowUp(caseNo: string, reason: 'after-rectification' | 'sample') {
    const { models, clock } = this.deps;
    const kase = await models.ServiceCase.findById(caseNo).lean();
    if (!kase) return undefined;
    const id = `followup:${caseNo}:${reason}`;
    const now = clock.now();
    const assignee = await this.receiverFor(kase);
    try {
      await models.Task.create({
        _id: id,
        instanceId: kase.instanceId ?? caseNo,
        executionId: id,
        elementId: 'follow-up',
        name: `回访：${kase.itemName}`,
        kind: 'follow-up',
        caseNo,
        orgUnit: kase.orgUnit,
        windowId: kase.receivingWindow,
        assignee,
        status: 'open',
        createdAt: now,
        revision: 0,
        actions: [{ type: 'opened', at: now, actor: 'system', reason: reason === 'sample' ? '抽样回访' : '整改后回访' }],
      });
    } catch (err) {
      if (isDuplicateKey(err)) return id;
      throw err;
    }
    // written now: the follow-up task is not opened again after a kill (it may be asked for inside a batch)
    await this.deps.audit.appendNow(caseNo, 'follow-up.opened', 'system', { taskId: id, reason });
    return id;
  }

  /** Deterministic sample: the same case is always in or out (no second visit from a replay). */
  inSample(caseNo: string): boolean {
    const h = createHash('sha256').update(caseNo).digest().readUInt32BE(0);
    return h % 100 < this.config.followUpSamplePercent;
  }

  /** Completes a rectification (→ follow-up call) or a follow-up (the call's notes). */
  async completeFeedbackTask(taskId: string, input: { opinion?: string }, actor: Actor) {
    const { models, clock } = this.deps;
    const t = await models.Task.findById(taskId).lean();
    if (!t || !['rectification', 'follow-up'].includes(t.kind ?? '')) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} is not a rectification or follow-up task`);
    if (t.status !== 'open') throw new ConflictError('TASK_NOT_OPEN', `task ${taskId} is ${t.status}`);
    if (t.assignee !== actor.username && !actor.roles.includes('admin')) throw new ForbiddenError('TASK_NOT_YOURS', 'this task is not yours');
    if (!input.opinion?.trim()) throw new ValidationError('OPINION_REQUIRED', t.kind === 'rectification' ? 'say what was rectified' : 'record what the applicant said in the follow-up call');
    const now = clock.now();
    const afterPoorRating = t.kind === 'follow-up' && String(taskId).endsWith(':after-rectification');
    const r = await models.Task.updateOne({ _id: taskId, status: 'open' }, { $set: { status: 'completed', completedAt: now, completedBy: actor.username, outcome: { opinion: input.opinion, afterPoorRating } } });
    if (!r.modifiedCount) throw new ConflictError('TASK_NOT_OPEN', `task ${taskId} is no longer open`);
    await this.deps.supervision.stopClock(`step:${taskId}`, now);
    await this.deps.audit.append(t.caseNo!, `${t.kind}.completed`, actor.username, { taskId, opinion: input.opinion });
    if (t.kind === 'rectification') await this.openFollowUp(t.caseNo!, 'after-rectification');
    return models.Task.findById(taskId).lean();
  }

  /**
   * The ratings (好差评) of a case as `actor` may read them: its org units' staff, supervisors and
   * admins (CaseService.assertReadable); another unit's case, or none, is 404 CASE_NOT_FOUND.
   * @throws NotFoundError CASE_NOT_FOUND
   */
  async ratingsOf(caseNo: string, actor: Actor) {
    await this.deps.cases.assertReadable(caseNo, actor);
    const docs = await this.deps.models.Rating.find({ caseNo }).sort({ createdAt: 1 }).lean();
    return docs.map((r) => ({ stage: r.stage, level: r.level, label: RATING_LEVELS[r.level], comment: r.comment, createdAt: r.createdAt }));
  }
}

