/**
 * Inbox actions a Chinese approval clerk expects (待办操作), each logged on the task with its
 * reason and appended to the case's audit chain:
 *
 * - claim 签收 — take a task offered to one's window or groups (or take over a colleague's);
 * - complete 办理 — with decision and opinion; refused while a co-sign request is open;
 * - return 退回 — send the case back to the earlier step the diagram's return flow names;
 * - withdraw 撤回 — take back a step one just completed, while the next is untouched;
 * - transfer 转办 — hand the task to another window (its receiver gets it);
 * - co-sign 加签 — ask another department's window for its opinion before completing;
 * - copy 抄送 — let others read the task for information;
 * - urge 催办 — press the current holder, who is notified.
 */
import { randomUUID } from 'node:crypto';
import { BusinessRuleError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Clock, UserTaskMeta } from '../domain/types';
import type { Models } from '../persistence/models';
import { estimateNote } from '../calendar/working-calendar';
import { stepRemaining } from './step-deadline';
import { maskIdNumber, maskName, maskPhone } from './identity';
import { actorReachesTask } from '../org/scope';
import { canWorkOn, taskView, type Head, type ProcessService } from '../services/process-service';
import type { OrgService } from '../org/org-service';
import type { AuditLog } from './audit';
import type { CaseService } from './case-service';
import type { FormService } from '../forms/form-service';
import type { FeedbackService } from '../supervision/feedback-service';

export interface TaskActionsDeps {
  models: Models;
  processService: ProcessService;
  org: OrgService;
  audit: AuditLog;
  /** In-app messages and the counting calendar in force. */
  cases: Pick<CaseService, 'notify' | 'workingCalendar'>;
  clock: Clock;
  /** Completes the case's own tasks of rectification and follow-up (整改, 回访); without it they complete as engine steps. */
  feedback?: Pick<FeedbackService, 'completeFeedbackTask'>;
  /** Completions of steps with a form are checked against it (FORM_INVALID otherwise); without it no step has a form. */
  forms?: Pick<FormService, 'taskForm' | 'checkCompletion'>;
}

const DECISIONS = new Set(['approve', 'reject', 'return', 'supplement', 'done']);

export type InboxFilter = 'mine' | 'window' | 'cc' | 'groups' | 'all';
export interface InboxPageRequest { limit?: number; offset?: number }
export interface InboxCounts { mine: { total: number; late: number; warned: number; capped?: boolean }; window: number; cc: number; groups: number }
/** Rows of one inbox page: 50 unless asked, never more than 200. */
export const INBOX_PAGE_DEFAULT = 50;
export const INBOX_PAGE_MAX = 200;
/** The home page's late / warned counts read the clocks of at most this many of the clerk's steps. */
export const INBOX_SIGNAL_SCAN = 1000;
export const inboxPage = (p: InboxPageRequest) => ({
  limit: Math.min(INBOX_PAGE_MAX, Math.max(1, Math.floor(p.limit ?? INBOX_PAGE_DEFAULT))),
  offset: Math.max(0, Math.floor(p.offset ?? 0)),
});

export class TaskActions {
  constructor(private readonly deps: TaskActionsDeps) {}

  private async load(taskId: string) {
    const t = await this.deps.models.Task.findById(taskId).lean();
    if (!t) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
    return t;
  }

  /**
   * Another org unit's task is answered as one that does not exist (DESIGN.md §6): the engine
   * checks it too, not only the HTTP guard, so no caller acts across towns.
   */
  private async reach(t: any, actor: Actor, inst?: { orgUnit?: string | null } | null) {
    if (!(await actorReachesTask(this.deps.models, actor, t, inst))) throw new NotFoundError('TASK_NOT_FOUND', `task ${t._id} does not exist`);
  }

  private requireOpen(t: any) {
    if (t.status !== 'open') throw new ConflictError('TASK_NOT_OPEN', `task ${t._id} is ${t.status}`);
  }

  private isHolder(t: any, actor: Actor) {
    return actor.roles.includes('admin') || t.assignee === actor.username;
  }

  private async log(t: any, type: string, actor: Actor, reason: string | undefined, data: Record<string, unknown> = {}, set: Record<string, unknown> = {}) {
    const at = this.deps.clock.now();
    await this.deps.models.Task.updateOne({ _id: t._id }, { $set: set, $push: { actions: { type, actor: actor.username, at, reason: reason ?? null, ...data } } });
    if (t.caseNo) await this.deps.audit.append(t.caseNo, `task.${type}`, actor.username, { taskId: t._id, step: t.name, reason: reason ?? null, ...data });
  }

  private view(taskId: string) {
    return this.load(taskId).then(taskView);
  }

  /** 表单: the form a task is completed through (null when its step has none), for whoever may work or watch it. */
  async form(taskId: string, actor: Actor) {
    const t = await this.load(taskId);
    await this.reach(t, actor);
    const member = !!t.windowId && actor.windowId === t.windowId;
    // a step routed to a window is that window's; group candidates count only for unrouted steps
    const candidate = (!t.windowId && (t.candidateGroups ?? []).some((g: string) => actor.groups.includes(g))) || (t.candidateUsers ?? []).includes(actor.username);
    const watcher = actor.roles.some((r) => r === 'supervisor' || r === 'manager');
    if (!member && !candidate && !watcher && !this.isHolder(t, actor) && t.completedBy !== actor.username) {
      throw new ForbiddenError('TASK_NOT_VISIBLE', `task ${taskId} is not offered to you or your window`);
    }
    return { taskId: t._id, status: t.status, form: this.deps.forms ? await this.deps.forms.taskForm(t as any) : null };
  }

  /** 签收: the actor takes the task. Window members, candidates, or whoever holds it. */
  async claim(taskId: string, actor: Actor, reason?: string) {
    const t = await this.load(taskId);
    await this.reach(t, actor);
    this.requireOpen(t);
    const member = !!t.windowId && actor.windowId === t.windowId;
    const candidate = (!t.assignee && (t.candidateGroups ?? []).some((g: string) => actor.groups.includes(g))) || (t.candidateUsers ?? []).includes(actor.username);
    if (!member && !candidate && !this.isHolder(t, actor)) throw new ForbiddenError('CANNOT_CLAIM', `task ${taskId} is not offered to you or your window`);
    if (t.claimedBy && t.claimedBy !== actor.username && t.assignee !== actor.username && !member) throw new ConflictError('ALREADY_CLAIMED', `task ${taskId} was claimed by ${t.claimedBy}`);
    const now = this.deps.clock.now();
    const r = await this.deps.models.Task.updateOne({ _id: t._id, status: 'open' }, { $set: { assignee: actor.username, claimedAt: now, claimedBy: actor.username }, $unset: { movedFrom: 1 } });
    if (!r.modifiedCount) throw new ConflictError('TASK_NOT_OPEN', `task ${taskId} is no longer open`);
    await this.log(t, 'claimed', actor, reason ?? '签收', { from: t.assignee ?? null });
    return this.view(taskId);
  }

  /**
   * 办理: completes the task with a decision and opinion (and form data as variables), or answers a
   * co-sign, rectification or follow-up. `opts.requestId` (the
   * Idempotency-Key's request id) lets a resend of a completion that committed be answered as done
   * (ProcessService.completeTask: the case view marked `replayed`). `opts.loaded`: the task with its
   * instance head as the caller read it (the HTTP guard, `ProcessService.taskWithHead`); else read
   * here, once — the checks below, the form and the engine's completion all work on that one read.
   */
  async complete(taskId: string, input: { decision?: string; opinion?: string; variables?: Record<string, unknown> }, actor: Actor, opts: { requestId?: string; loaded?: { task: any; head: Head | null } | null } = {}) {
    const loaded = opts.loaded && String(opts.loaded.task?._id) === taskId ? opts.loaded : await this.deps.processService.taskWithHead(taskId);
    if (!loaded?.task) throw new NotFoundError('TASK_NOT_FOUND', `task ${taskId} does not exist`);
    const t = loaded.task;
    await this.reach(t, actor, loaded.head?.inst);
    if (t.kind === 'cosign') return this.answerCosign(t, input, actor);
    if ((t.kind === 'rectification' || t.kind === 'follow-up') && this.deps.feedback) return taskView(await this.deps.feedback.completeFeedbackTask(taskId, input, actor));
    if (input.decision && !DECISIONS.has(input.decision)) throw new ValidationError('INVALID_DECISION', `decision must be one of ${[...DECISIONS].join(', ')}`);
    if (input.decision === 'reject' && !input.opinion?.trim()) throw new ValidationError('OPINION_REQUIRED', 'a rejection needs an opinion (the reason the applicant will read)');
    if (t.status === 'open') {
      // a co-sign request is logged on its task before it is created (cosign): none logged, none open
      if (((t.actions ?? []) as { type?: string }[]).some((a) => a.type === 'cosign-requested')) {
        const pending = await this.deps.models.Task.countDocuments({ parentTaskId: t._id, kind: 'cosign', status: 'open' });
        if (pending) throw new ConflictError('COSIGN_PENDING', `${pending} co-sign request(s) of this task are still open; wait for their opinions`);
      }
      // who may work on it is answered before what the form says (a stranger learns nothing about the form)
      if (!canWorkOn(actor, t as any)) throw new ForbiddenError('TASK_NOT_YOURS', `task ${taskId} is not assigned to you or your groups`);
      await this.deps.forms?.checkCompletion(t as any, input, { definitionId: loaded.head?.inst?.definitionId });
    }
    const variables: Record<string, unknown> = { ...(input.variables ?? {}) };
    if (input.decision) variables.decision = input.decision;
    if (input.opinion !== undefined) variables.opinion = input.opinion;
    return this.deps.processService.completeTask(taskId, variables, actor, { decision: input.decision ?? null, opinion: input.opinion ?? null }, { requestId: opts.requestId, loaded });
  }

  /** 退回: back to the earlier step named by the diagram's return flow. */
  async returnTask(taskId: string, reason: string, actor: Actor) {
    const t = await this.load(taskId);
    this.requireOpen(t);
    if (!this.isHolder(t, actor)) throw new ForbiddenError('TASK_NOT_YOURS', 'only the person holding the task can return it (claim it first)');
    const def = await this.deps.models.Instance.findById(t.instanceId, { definitionId: 1 }).lean();
    const d = def ? await this.deps.models.Definition.findById(def.definitionId, { userTasks: 1 }).lean() : null;
    const meta = ((d?.userTasks ?? []) as UserTaskMeta[]).find((m) => m.elementId === t.elementId);
    if (!meta?.returnTo) throw new BusinessRuleError('NO_RETURN_PATH', `step "${t.name}" has no return path in its diagram; it cannot be returned`);
    await this.log(t, 'returned', actor, reason, { to: meta.returnTo });
    return this.deps.processService.completeTask(taskId, { decision: 'return', opinion: reason }, actor, { decision: 'return', opinion: reason });
  }

  /** 撤回 */
  async withdraw(taskId: string, reason: string, actor: Actor) {
    return this.deps.processService.withdrawTask(taskId, actor, reason);
  }

  /** 转办: to another window, whose current receiver gets it. */
  async transfer(taskId: string, windowId: string, reason: string, actor: Actor) {
    const t = await this.load(taskId);
    this.requireOpen(t);
    if (!this.isHolder(t, actor)) throw new ForbiddenError('TASK_NOT_YOURS', 'only the person holding the task can transfer it');
    const w = await this.deps.models.Window.findById(windowId).lean();
    if (!w) throw new NotFoundError('WINDOW_NOT_FOUND', `window ${windowId} does not exist`);
    if (w._id === t.windowId) throw new ValidationError('SAME_WINDOW', 'the task is already at that window');
    const receiver = await this.deps.org.receiverOf(windowId);
    if (!receiver.username) throw new BusinessRuleError('WINDOW_UNSTAFFED', `window ${windowId} has nobody to receive the task`);
    await this.log(t, 'transferred', actor, reason, { fromWindow: t.windowId ?? null, toWindow: windowId, to: receiver.username }, {
      windowId,
      orgUnit: w.orgUnit,
      assignee: receiver.username,
      post: receiver.post,
      claimedAt: null,
      claimedBy: null,
    });
    if (t.caseNo) {
      await this.deps.models.ServiceCase.updateOne(
        { _id: t.caseNo },
        { $push: { proxyRecord: { at: this.deps.clock.now(), type: 'transfer', fromOrgUnit: t.orgUnit ?? null, fromWindow: t.windowId ?? null, toOrgUnit: w.orgUnit, toWindow: windowId, toPerson: receiver.username, step: t.name, taskId: t._id, reason } }, $addToSet: { involvedOrgUnits: w.orgUnit } },
      );
      await this.deps.cases.notify(receiver.username, 'task.transferred', `转办：${t.name}`, `${t.caseNo}：${reason}`, t.caseNo, t._id);
    }
    return this.view(taskId);
  }

  /** 加签: asks another window for its opinion; the task cannot be completed until it answers. */
  async cosign(taskId: string, windowId: string, reason: string, actor: Actor) {
    const t = await this.load(taskId);
    this.requireOpen(t);
    if (t.kind === 'cosign') throw new ValidationError('NESTED_COSIGN', 'a co-sign request cannot ask for another co-sign');
    if (!this.isHolder(t, actor)) throw new ForbiddenError('TASK_NOT_YOURS', 'only the person holding the task can ask for a co-sign');
    const w = await this.deps.models.Window.findById(windowId).lean();
    if (!w) throw new NotFoundError('WINDOW_NOT_FOUND', `window ${windowId} does not exist`);
    const receiver = await this.deps.org.receiverOf(windowId);
    if (!receiver.username) throw new BusinessRuleError('WINDOW_UNSTAFFED', `window ${windowId} has nobody to receive the request`);
    const now = this.deps.clock.now();
    const id = `cosign:${randomUUID()}`;
    // logged on the task first: a completion reads no co-sign requests of a task that logged none (complete)
    await this.log(t, 'cosign-requested', actor, reason, { cosignTaskId: id, window: windowId, to: receiver.username });
    await this.deps.models.Task.create({
      _id: id,
      instanceId: t.instanceId,
      executionId: id,
      elementId: t.elementId,
      name: `加签：${t.name}`,
      definitionKey: t.definitionKey,
      kind: 'cosign',
      parentTaskId: t._id,
      caseNo: t.caseNo,
      orgUnit: w.orgUnit,
      windowId,
      assignee: receiver.username,
      post: receiver.post,
      status: 'open',
      createdAt: now,
      revision: t.revision,
      actions: [{ type: 'requested', actor: actor.username, at: now, reason }],
    });
    if (t.caseNo) {
      await this.deps.models.ServiceCase.updateOne({ _id: t.caseNo }, { $addToSet: { involvedOrgUnits: w.orgUnit } });
      await this.deps.cases.notify(receiver.username, 'task.cosign', `加签请求：${t.name}`, `${t.caseNo}：${reason}`, t.caseNo, id);
    }
    return this.view(id);
  }

  private async answerCosign(t: any, input: { decision?: string; opinion?: string }, actor: Actor) {
    this.requireOpen(t);
    if (!this.isHolder(t, actor)) throw new ForbiddenError('TASK_NOT_YOURS', 'this co-sign request is not addressed to you');
    if (!['agree', 'disagree'].includes(input.decision ?? '')) throw new ValidationError('INVALID_DECISION', 'a co-sign answer is decision "agree" or "disagree" with an opinion');
    if (!input.opinion?.trim()) throw new ValidationError('OPINION_REQUIRED', 'a co-sign answer needs an opinion');
    const now = this.deps.clock.now();
    const r = await this.deps.models.Task.updateOne({ _id: t._id, status: 'open' }, { $set: { status: 'completed', completedAt: now, completedBy: actor.username, outcome: { decision: input.decision, opinion: input.opinion } } });
    if (!r.modifiedCount) throw new ConflictError('TASK_NOT_OPEN', `task ${t._id} is no longer open`);
    if (t.caseNo) await this.deps.audit.append(t.caseNo, 'task.cosigned', actor.username, { taskId: t._id, parentTaskId: t.parentTaskId, decision: input.decision, opinion: input.opinion });
    const parent = await this.deps.models.Task.findById(t.parentTaskId).lean();
    if (parent?.assignee) await this.deps.cases.notify(parent.assignee, 'task.cosign-answered', `加签意见：${parent.name}`, `${input.decision === 'agree' ? '同意' : '不同意'}：${input.opinion}`, t.caseNo, parent._id as string);
    return this.view(t._id);
  }

  /** 抄送 */
  async copyTo(taskId: string, to: string[], note: string | undefined, actor: Actor) {
    const t = await this.load(taskId);
    if (!this.isHolder(t, actor) && t.completedBy !== actor.username) throw new ForbiddenError('TASK_NOT_YOURS', 'only the person holding the task can copy it');
    const users = await this.deps.models.User.find({ _id: { $in: to } }, { _id: 1 }).lean();
    const found = new Set(users.map((u) => u._id as string));
    const unknown = to.filter((u) => !found.has(u));
    if (unknown.length) throw new ValidationError('UNKNOWN_USERS', `no such users: ${unknown.join(', ')}`);
    await this.deps.models.Task.updateOne({ _id: t._id }, { $addToSet: { ccTo: { $each: to } } });
    await this.log(t, 'copied', actor, note ?? '抄送知悉', { to });
    for (const u of to) await this.deps.cases.notify(u, 'task.cc', `抄送：${t.name}`, `${t.caseNo ?? ''} ${note ?? ''}`.trim(), t.caseNo ?? undefined, t._id);
    return this.view(taskId);
  }

  /** 催办: presses the holder; counted on the task. */
  async urge(taskId: string, reason: string, actor: Actor) {
    const t = await this.load(taskId);
    await this.reach(t, actor);
    this.requireOpen(t);
    if (!t.assignee) throw new BusinessRuleError('NOBODY_TO_URGE', 'the task has no holder yet; it waits to be claimed');
    const own = actor.username === t.assignee;
    if (own) throw new ValidationError('URGE_SELF', 'you hold this task yourself');
    const related = actor.roles.some((r) => r === 'supervisor' || r === 'admin' || r === 'manager');
    if (!related && t.caseNo) {
      const kase = await this.deps.models.ServiceCase.findById(t.caseNo, { responsible: 1 }).lean();
      if (kase?.responsible !== actor.username) throw new ForbiddenError('CANNOT_URGE', 'the responsible person, managers and supervisors may urge a task');
    }
    await this.log(t, 'urged', actor, reason, { to: t.assignee });
    await this.deps.cases.notify(t.assignee, 'task.urged', `催办：${t.name}`, `${t.caseNo ?? ''}：${reason}`, t.caseNo ?? undefined, t._id);
    return this.view(taskId);
  }

  /**
   * Deadline of each task from its step clock (or its BPMN due date): `signal` is `normal`,
   * `warned` (yellow: the warning or reminder rung is reached) or `late` (red: past the deadline).
   */
  async withDeadlines<T extends { id: string; dueDate?: Date | string; status?: string }>(tasks: T[]) {
    const clocks = tasks.length ? await this.deps.models.Clock.find({ _id: { $in: tasks.map((t) => `step:${t.id}`) } }).lean() : [];
    const byId = new Map(clocks.map((c: any) => [c._id as string, c]));
    const now = this.deps.clock.now().getTime();
    const calendar = clocks.some((c: any) => c.budget?.unit === 'working-days' && c.status === 'running') ? await this.deps.cases.workingCalendar().catch(() => undefined) : undefined;
    // what is left of each open step's clock (剩余): the one rule of engine/cases/step-deadline.ts, also the public lookup's
    const remainingOf = (c: any, dueAt: Date | undefined) => stepRemaining(c, dueAt, new Date(now), calendar);
    return tasks.map((t) => {
      const c = byId.get(`step:${t.id}`);
      const dueAt: Date | undefined = c ? (c.dueAt ?? undefined) : t.dueDate ? new Date(t.dueDate) : undefined;
      const at = (d: unknown) => (d ? new Date(d as string).getTime() : Infinity);
      const signals = (c?.signalsAt ?? {}) as Record<string, unknown>;
      let signal: 'normal' | 'warned' | 'late' = 'normal';
      if (t.status === 'open' || t.status === undefined) {
        if (now >= Math.min(at(signals.breach), at(dueAt))) signal = 'late';
        else if (now >= Math.min(at(signals.warning), at(signals.reminder))) signal = 'warned';
      }
      // a deadline counted over a year without its holiday notice says so (预计，2027年放假安排尚未公布)
      const estimated = c && c.estimated && c.status !== 'stopped' ? { estimated: true, estimatedYears: c.estimatedYears ?? [], estimateNote: estimateNote(c.estimatedYears ?? []) } : {};
      const remaining = t.status === 'open' || t.status === undefined ? remainingOf(c, dueAt ? new Date(dueAt) : undefined) : undefined;
      return { ...t, deadline: { dueAt, signal, ...estimated, ...(remaining ? { remaining } : {}), clock: c ? { id: c._id, status: c.status, budget: c.budget, startedAt: c.startedAt, signalsAt: signals } : null } };
    });
  }

  /** One task, for the people who may act on it or read its case. */
  async get(taskId: string, actor: Actor) {
    const t = await this.load(taskId);
    // the people it names, its window, or its case's org units (a candidate group only inside them)
    await this.reach(t, actor);
    return (await this.withPeople(await this.withDeadlines([taskView(t)]), { people: true }))[0];
  }

  /**
   * One page of the actor's inbox (待办): `mine`, `window` (all of the actor's window), `cc`
   * (copies, newest first) or `groups`; each with its `deadline`, case and names. A page is
   * `limit` rows (default 50, at most 200) from `offset`: a clerk holding hundreds of open steps
   * costs one page, not all of them (the enrichment — clocks, cases, names — is per row).
   */
  async inbox(actor: Actor, filter: InboxFilter, page: InboxPageRequest = {}) {
    const { limit, offset } = inboxPage(page);
    return this.withPeople(await this.withDeadlines(await this.inboxTasks(actor, filter, limit, offset)));
  }

  /**
   * How many steps each inbox holds (the tabs' badges and the home page's cards), counted on the
   * indexes without reading the steps; `mine` also says how many are late (已超期) and warned
   * (即将到期) by their step clocks — read for at most `INBOX_SIGNAL_SCAN` steps, else `capped`.
   */
  async inboxCounts(actor: Actor): Promise<InboxCounts> {
    const { Task, Clock } = this.deps.models;
    const [window, cc, groups, mineIds] = await Promise.all([
      actor.windowId ? Task.countDocuments({ status: 'open', windowId: actor.windowId }) : Promise.resolve(0),
      Task.countDocuments({ ccTo: actor.username }),
      this.deps.processService.listTasks(actor, 'groups').then((t) => t.length),
      Task.find({ status: 'open', assignee: actor.username }, { _id: 1, dueDate: 1 }).limit(INBOX_SIGNAL_SCAN).lean(),
    ]);
    // the clerk's own steps are read (for their signals) up to the scan limit: counted only beyond it
    const mine = mineIds.length < INBOX_SIGNAL_SCAN ? mineIds.length : await Task.countDocuments({ status: 'open', assignee: actor.username });
    const clocks = mineIds.length ? await Clock.find({ _id: { $in: mineIds.map((t: any) => `step:${t._id}`) } }, { dueAt: 1, signalsAt: 1, status: 1 }).lean() : [];
    const byId = new Map(clocks.map((c: any) => [String(c._id), c]));
    const now = this.deps.clock.now().getTime();
    const at = (d: unknown) => (d ? new Date(d as string).getTime() : Infinity);
    let late = 0;
    let warned = 0;
    for (const t of mineIds as any[]) {
      const c = byId.get(`step:${t._id}`);
      const signals = (c?.signalsAt ?? {}) as Record<string, unknown>;
      const dueAt = c ? c.dueAt : t.dueDate;
      if (now >= Math.min(at(signals.breach), at(dueAt))) late++;
      else if (now >= Math.min(at(signals.warning), at(signals.reminder))) warned++;
    }
    return { mine: { total: mine, late, warned, ...(mine > INBOX_SIGNAL_SCAN ? { capped: true } : {}) }, window, cc, groups };
  }

  /**
   * What a clerk reads in an inbox row besides the step: the case's service item and its
   * applicant (name, phone and ID masked: 王*燕, 138****8000, 4409**********1234), received
   * time, and the display names (姓名) of the assignee and the claimer beside their logins.
   */
  async withPeople<T extends { caseNo?: string; assignee?: string; claimedBy?: string; completedBy?: string; actions?: { actor?: string; to?: unknown }[]; ccTo?: string[] }>(tasks: T[], opts: { people?: boolean } = {}) {
    const caseNos = [...new Set(tasks.map((t) => t.caseNo).filter((c): c is string => !!c))];
    const cases = caseNos.length ? await this.deps.models.ServiceCase.find({ _id: { $in: caseNos } }, { itemCode: 1, itemName: 1, applicant: 1, receivedAt: 1, category: 1 }).lean() : [];
    const byNo = new Map(cases.map((c: any) => [String(c._id), c]));
    const names = await this.deps.org.displayNames(tasks.flatMap((t) => [t.assignee, t.claimedBy, t.completedBy, ...(opts.people ? [...(t.actions ?? []).flatMap((a) => [a.actor, typeof a.to === 'string' ? a.to : undefined]), ...(t.ccTo ?? [])] : [])]));
    return tasks.map((t) => {
      const c = t.caseNo ? byNo.get(t.caseNo) : undefined;
      const a = c?.applicant ?? {};
      const caseInfo = c
        ? {
            itemCode: c.itemCode,
            itemName: c.itemName,
            category: c.category,
            receivedAt: c.receivedAt,
            applicant: { kind: a.kind, name: a.kind === 'company' ? a.name : maskName(a.name ?? ''), phone: a.phone ? maskPhone(a.phone) : undefined, idNumber: a.idNumber ? maskIdNumber(a.idNumber) : undefined },
          }
        : undefined;
      return {
        ...t,
        assigneeName: t.assignee ? (names.get(t.assignee) ?? undefined) : undefined,
        claimedByName: t.claimedBy ? (names.get(t.claimedBy) ?? undefined) : undefined,
        completedByName: t.completedBy ? (names.get(t.completedBy) ?? undefined) : undefined,
        case: caseInfo,
        // one task's page: every person it names (actions, copies) by display name
        ...(opts.people ? { people: Object.fromEntries(names) } : {}),
      };
    });
  }

  private async inboxTasks(actor: Actor, filter: InboxFilter, limit: number, offset: number): Promise<ReturnType<typeof taskView>[]> {
    const { Task } = this.deps.models;
    // offered steps are narrowed after the read (org units of their cases): the page is cut after that
    if (filter === 'all' || filter === 'groups') return ((await this.deps.processService.listTasks(actor, filter)) as any[]).slice(offset, offset + limit);
    let q: any;
    let sort: Record<string, 1 | -1> = { dueDate: 1, createdAt: 1, _id: 1 };
    if (filter === 'mine') q = { status: 'open', assignee: actor.username };
    else if (filter === 'window') {
      if (!actor.windowId) return [];
      q = { status: 'open', windowId: actor.windowId };
    } else {
      // copies (抄送) pile up over the years: the newest first, a page at a time
      q = { ccTo: actor.username };
      sort = { createdAt: -1, _id: -1 };
    }
    const docs = await Task.find(q).sort(sort).skip(offset).limit(limit).lean();
    return docs.map(taskView);
  }
}
