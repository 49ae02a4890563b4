/**
 * The electronic supervision system (行政电子监察系统): deadline clocks on every case and step,
 * graded signals fired exactly once as Agenda jobs, and escalations with their life cycle
 * (督办): open → acknowledged → supervision notice (with a reply deadline that is itself a
 * clock) → replied → closed, or re-escalated.
 *
 * Exactly once: every ledger change bumps the clock's `version` and schedules one job per
 * rung still to come (unique key clock:rung:version), then removes the older versions' jobs.
 * A job whose version is stale, whose clock stopped, or whose time moved later does nothing;
 * a firing claims `${clockId}:${rung}` by insert, so two workers (or a retried job) fire once.
 *
 * Round trips (issue 11, item 3): a clock starts as ONE insert with its deadline and signal times
 * already derived (the centre's close of business from the org cache), then its signal jobs as ONE
 * batch of insert-only upserts (timers/unique-jobs.ts); a duplicate key means it was started before
 * (maybe by a process killed before its jobs): its jobs are then ensured from what it stores. A
 * ledger change writes the clock, its jobs in one batch, and drops the older versions' jobs with
 * one delete. A kill between a clock's write and its jobs loses nothing: starting it again (the
 * case layer's repair and replays do) ensures them, and a stale version's job that fires ensures
 * the current version's.
 */
import { computeHeatmap } from '../stats/heatmap';
import type { Agenda } from 'agenda';
import { cstMinute } from '../../common/cst';
import { BusinessRuleError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Clock as TimeSource, LooseEventListener, Logger } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { newestFirst } from '../persistence/newest';
import type { AuditLog } from '../cases/audit';
import { estimateNote, loadWorkingCalendar, WorkingCalendar } from '../calendar/working-calendar';
import type { YearTableStore } from '../calendar/holiday-table';
import { crashPoint } from '../domain/fault';
import { completionResult, derive, parseBudget, RUNGS, type Budget, type Ledger, type Pause, type Rung } from './clock-ledger';

import { orgCacheOf } from '../org/org-cache';
import { actorReadsEscalation, CITY_UNIT, readsCase, seesAcross } from '../org/scope';
import { agendaJobs, saveUniqueJobs, type UniqueJob } from '../timers/unique-jobs';

export const SIGNAL_JOB = 'supervision.clock.signal';

/** Where notifications go; in-app now, an SMS channel later implements the same port. */
export interface NotificationChannel {
  /** `key`: the same notification sent again (a signal rung again after a kill) is kept once. */
  send(to: string, n: { kind: string; title: string; body: string; caseNo?: string; taskId?: string; key?: string }): Promise<void>;
}

export interface SupervisionDeps {
  models: Models;
  agenda: Agenda;
  audit: AuditLog;
  clock: TimeSource;
  logger: Logger;
  channel: NotificationChannel;
  calendar?: WorkingCalendar;
  /** The city office's year-table overrides; reloaded at most once a minute. */
  yearTables?: YearTableStore;
}

/** What starting a clock needs: its id (`${caseNo}:statutory`, `step:${taskId}`, …), kind, budget and start. */
export interface ClockStart {
  id: string;
  kind: string;
  caseNo?: string;
  taskId?: string;
  escalationId?: string;
  label?: string;
  orgUnit?: string;
  windowId?: string;
  holder?: string;
  budget: Budget;
  startedAt: Date;
}

/**
 * Inserts the documents in one unordered `insert`; returns the ids that were there already
 * (duplicate key). Any other write error is thrown (after the others were written).
 */
async function insertNew(collection: { insertMany(docs: any[], opts: { ordered: boolean }): Promise<unknown> }, docs: any[]): Promise<Set<string>> {
  const dup = new Set<string>();
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (err: any) {
    const errors: any[] = err?.writeErrors ? [].concat(err.writeErrors) : [];
    if (!errors.length) {
      if (isDuplicateKey(err) && docs.length === 1) return new Set([String(docs[0]._id)]);
      throw err;
    }
    for (const e of errors) {
      if ((e.code ?? e.err?.code) !== 11000) throw err;
      dup.add(String(docs[e.index ?? e.err?.index]._id));
    }
  }
  return dup;
}

/** The mark of the sweep for clocks without their jobs (`repairClockJobs`), in `settings`. */
const CLOCK_JOBS_SWEEP = 'sweep:clock-jobs';
/** How far back the sweep's first run on a database reads. */
const CLOCK_JOBS_FIRST_LOOKBACK_MS = 7 * 24 * 3_600_000;
/** The range of `updatedAt` the first page of a run reads (then adapted to how many it found). */
const CLOCK_JOBS_SPAN_MS = 3_600_000;
/** What the sweep reads of a clock. */
const CLOCK_JOBS_FIELDS = { status: 1, version: 1, signalsAt: 1, fired: 1, caseNo: 1, taskId: 1, kind: 1, budget: 1, label: 1, updatedAt: 1 };

const RUNG_LABEL: Record<Rung, string> = { reminder: '提醒', warning: '预警（黄牌）', breach: '超期（红牌）', serious: '严重超期' };
const KIND_LABEL: Record<string, string> = { statutory: '法定时限', promised: '承诺时限', step: '环节时限', reply: '督办回复时限', examination: '收件审查告知期限（五日）', complaint: '投诉答复时限' };

export class SupervisionService {
  private calendar: WorkingCalendar;
  private calendarLoadedAt = 0;

  constructor(private readonly deps: SupervisionDeps) {
    this.calendar = deps.calendar ?? WorkingCalendar.official();
  }

  /** The counting calendar in force: official tables plus the city office's overrides. */
  async currentCalendar(force = false): Promise<WorkingCalendar> {
    if (this.deps.yearTables && (force || Date.now() - this.calendarLoadedAt > 60_000)) {
      const before = this.calendarLoadedAt ? this.calendar : undefined;
      this.calendar = await loadWorkingCalendar(this.deps.yearTables);
      this.calendarLoadedAt = Date.now();
      // a year's table arrived (entered through another process, or this one's PUT): the clocks
      // still counted on an estimate — e.g. rescheduled meanwhile by a process with the old
      // calendar — are counted again, in the background
      if (before && tablesChanged(before, this.calendar) && !this.recomputing) {
        this.recomputing = this.recomputeWith(this.calendar)
          .catch((err) => {
            this.deps.logger.warn({ err }, 'recomputing estimated clocks failed; the next table change or PUT retries');
            return undefined;
          })
          .finally(() => { this.recomputing = undefined; });
      }
    }
    return this.calendar;
  }

  /** Registers the signal job handler on an Agenda (the worker side). */
  defineJobs(agenda: Agenda): void {
    agenda.define(SIGNAL_JOB, async (job: any) => {
      const d = job.attrs.data ?? {};
      if (typeof d.clockId !== 'string' || !RUNGS.includes(d.rung) || typeof d.version !== 'number') {
        this.deps.logger.warn({ data: { clockId: d.clockId, rung: d.rung } }, 'signal job with bad payload ignored');
        return;
      }
      await this.fire(d.clockId, d.rung, d.version);
    });
  }

  // ---------------------------------------------------------------- clocks

  /**
   * Starts (idempotently) a clock; schedules its signals. Two round trips (the clock, its jobs) and
   * the audit event; a clock started before only gets its jobs ensured (one read, one batch).
   */
  async startClock(input: ClockStart): Promise<void> {
    await this.startClocks([input]);
  }

  /**
   * Starts (idempotently) several clocks at once: ONE insert of all of them, ONE batch of their
   * signal jobs (the same two round trips as one clock), then their audit events. Each clock's
   * deadline and signals are derived before it is written, so the insert is the whole start.
   */
  async startClocks(inputs: ClockStart[]): Promise<void> {
    if (!inputs.length) return;
    const { Clock } = this.deps.models;
    const calendar = await this.currentCalendar();
    const org = orgCacheOf(this.deps.models);
    const now = this.deps.clock.now();
    const docs: any[] = [];
    for (const input of inputs) {
      const { id, ...rest } = input;
      const closeTime = input.orgUnit ? await org.closeTimeOf(input.orgUnit) : undefined;
      const d = derive({ budget: input.budget, startedAt: input.startedAt, pauses: [], extension: null, closeTime }, calendar);
      docs.push(
        new Clock({
          _id: id, ...rest, closeTime, pauses: [], extension: null, status: 'running', version: 1,
          dueAt: d.dueAt ?? null, estimated: d.estimated, estimatedYears: d.estimatedYears ?? [], signalsAt: d.signals, fired: [], updatedAt: now,
        }).toObject(),
      );
    }
    // started before: by a process that may have died before scheduling it (jobs are keyed by clock,
    // rung and version, insert-only; the start event is deduplicated)
    const startedBefore = await insertNew(Clock.collection, docs);
    crashPoint('clock.after-insert');
    const earlier: any[] = startedBefore.size ? await Clock.find({ _id: { $in: [...startedBefore] } }).lean() : [];
    const jobs: UniqueJob[] = docs.filter((c) => !startedBefore.has(c._id)).flatMap((c) => this.signalJobs(c));
    for (const c of earlier) {
      // written by a version that derived the deadline after the insert, and killed in between: derive it now
      if (c.status === 'running' && !c.dueAt && !Object.keys(c.signalsAt ?? {}).length) await this.reschedule(String(c._id), false, c);
      else if (c.status === 'running') jobs.push(...this.signalJobs(c));
    }
    await saveUniqueJobs(this.deps.agenda, jobs);
    for (const input of inputs) {
      if (input.caseNo) await this.deps.audit.append(input.caseNo, 'clock.started', 'system', { clockId: input.id, kind: input.kind, budget: input.budget, label: input.label ?? null }, { dedupeKey: `clock:start:${input.id}` });
    }
  }

  /** The signal jobs of a running clock's current version: one per rung due and not fired. */
  private signalJobs(c: { _id: unknown; version: number; signalsAt?: any; fired?: string[] | null }): UniqueJob[] {
    const clockId = String(c._id);
    const fired = (c.fired ?? []) as string[];
    const jobs: UniqueJob[] = [];
    for (const rung of RUNGS) {
      const at = c.signalsAt?.[rung];
      if (!at || fired.includes(rung)) continue;
      const key = `${clockId}:${rung}:${c.version}`;
      jobs.push({ name: SIGNAL_JOB, data: { key, clockId, rung, version: c.version }, at: new Date(at) });
    }
    return jobs;
  }

  /**
   * Recomputes deadline and signals from the ledger; schedules the new version's jobs. `known`: the
   * clock as just written (after the ledger change), so it is not read again.
   */
  async reschedule(clockId: string, bump = false, known?: any): Promise<void> {
    const { Clock } = this.deps.models;
    const c = known ?? (await Clock.findById(clockId).lean());
    if (!c) return;
    const version = bump ? c.version + 1 : c.version;
    const ledger: Ledger = { budget: c.budget, startedAt: c.startedAt, pauses: c.pauses as Pause[], extension: c.extension, stoppedAt: c.stoppedAt, closeTime: (c as any).closeTime ?? undefined };
    const d = derive(ledger, await this.currentCalendar());
    await Clock.updateOne(
      { _id: clockId },
      { $set: { version, dueAt: d.dueAt ?? null, estimated: d.estimated, estimatedYears: d.estimatedYears ?? [], signalsAt: d.signals, status: c.status === 'stopped' ? 'stopped' : d.paused ? 'paused' : 'running', updatedAt: this.deps.clock.now() } },
    );
    if (c.status === 'stopped' || d.paused) {
      await this.deps.agenda.cancel({ name: SIGNAL_JOB, data: { clockId } } as any);
      return;
    }
    await saveUniqueJobs(this.deps.agenda, this.signalJobs({ _id: clockId, version, signalsAt: d.signals, fired: c.fired }));
    // only now drop the jobs of older versions, all in one delete (a crash before this leaves stale jobs that do nothing)
    if (version > 1) await (await agendaJobs(this.deps.agenda)).deleteMany({ name: SIGNAL_JOB, 'data.clockId': clockId, 'data.version': { $lt: version } });
  }

  /**
   * Recomputes every running or paused clock whose deadline was counted over an estimated year
   * (after the city office entered a year's holiday table): new deadline, signals and version.
   * Returns how many clocks were recomputed and how many are still estimated.
   */
  async recomputeEstimatedClocks(): Promise<{ recomputed: number; stillEstimated: number }> {
    await this.currentCalendar(true);
    // the reload may have started the recompute in the background: count its clocks too
    const started = this.recomputing ? await this.recomputing : undefined;
    const rest = await this.recomputeWith(this.calendar);
    return { recomputed: (started?.recomputed ?? 0) + rest.recomputed, stillEstimated: rest.stillEstimated };
  }

  private recomputing?: Promise<{ recomputed: number; stillEstimated: number } | undefined>;

  private async recomputeWith(_calendar: WorkingCalendar): Promise<{ recomputed: number; stillEstimated: number }> {
    const ids = (await this.deps.models.Clock.find({ estimated: true, status: { $in: ['running', 'paused'] } }, { _id: 1 }).lean()).map((c) => String(c._id));
    // read 500 at a time (not once per clock), each rescheduled from what was read
    for (let i = 0; i < ids.length; i += 500) {
      const page: any[] = await this.deps.models.Clock.find({ _id: { $in: ids.slice(i, i + 500) } }).lean();
      for (const c of page) await this.reschedule(String(c._id), true, c);
    }
    const stillEstimated = ids.length ? await this.deps.models.Clock.countDocuments({ _id: { $in: ids }, estimated: true }) : 0;
    return { recomputed: ids.length, stillEstimated };
  }

  /**
   * Stops a clock and records early / on time / late. `known`: the clock's status, deadline and case
   * as the caller read them in this command (saves the read; the stop itself is conditional) — a
   * stopped one is read again for its result.
   */
  async stopClock(clockId: string, at: Date, known?: { status: string; dueAt: Date | null | undefined; caseNo: string | null | undefined }): Promise<void> {
    const { Clock } = this.deps.models;
    const c: any = known && known.status !== 'stopped' ? known : await Clock.findById(clockId, { status: 1, dueAt: 1, caseNo: 1, result: 1 }).lean();
    if (!c) return;
    if (c.status === 'stopped') {
      // stopped already (a replayed projection, a repaired end): its event again, keyed — written once,
      // also when the kill came between the stop and its event (the case layer holds events back in batches)
      if (c.caseNo) await this.deps.audit.append(c.caseNo, 'clock.stopped', 'system', { clockId, result: c.result ?? null, dueAt: c.dueAt?.toISOString() ?? null }, { dedupeKey: `clock:stop:${clockId}` });
      return;
    }
    const result = completionResult(at, c.dueAt ?? undefined);
    await Clock.updateOne({ _id: clockId, status: { $ne: 'stopped' } }, { $set: { status: 'stopped', stoppedAt: at, result, updatedAt: this.deps.clock.now() } });
    await this.deps.agenda.cancel({ name: SIGNAL_JOB, data: { clockId } } as any);
    if (c.caseNo) await this.deps.audit.append(c.caseNo, 'clock.stopped', 'system', { clockId, result, dueAt: c.dueAt?.toISOString() ?? null }, { dedupeKey: `clock:stop:${clockId}` });
  }

  /**
   * Stops several clocks at once — a case's end (statutory, promised, its open steps), the step
   * clocks of a command's closed steps — each as `stopClock` would: one read of them, one bulk write
   * of their stops (each conditional: a clock stopped meanwhile keeps its result), one delete of
   * their signal jobs, then their events (keyed: written once). 3 round trips instead of 3 per clock.
   */
  async stopClocks(clockIds: string[], at: Date): Promise<void> {
    const ids = [...new Set(clockIds)];
    if (!ids.length) return;
    const { Clock } = this.deps.models;
    const docs: any[] = await Clock.find({ _id: { $in: ids } }, { status: 1, dueAt: 1, caseNo: 1, result: 1 }).lean();
    const running = docs.filter((c) => c.status !== 'stopped');
    const results = new Map<string, string>(running.map((c) => [String(c._id), completionResult(at, c.dueAt ?? undefined)]));
    if (running.length) {
      const now = this.deps.clock.now();
      await Clock.bulkWrite(
        running.map((c) => ({ updateOne: { filter: { _id: c._id, status: { $ne: 'stopped' } }, update: { $set: { status: 'stopped', stoppedAt: at, result: results.get(String(c._id)), updatedAt: now } } } })),
        { ordered: false },
      );
      await (await agendaJobs(this.deps.agenda)).deleteMany({ name: SIGNAL_JOB, 'data.clockId': { $in: running.map((c) => String(c._id)) } });
    }
    for (const c of docs) {
      if (!c.caseNo) continue;
      // stopped already (a replayed projection, a repaired end): its event again, keyed — written once
      const result = results.get(String(c._id)) ?? c.result ?? null;
      await this.deps.audit.append(c.caseNo, 'clock.stopped', 'system', { clockId: String(c._id), result, dueAt: c.dueAt?.toISOString() ?? null }, { dedupeKey: `clock:stop:${String(c._id)}` });
    }
  }

  /**
   * The clocks of a case as `actor` may read them: its org units' staff, supervisors and admins
   * (the same rule as the case itself, CaseService.assertReadable); another unit's case, or none,
   * is 404 CASE_NOT_FOUND, nothing of its clocks.
   * @throws NotFoundError CASE_NOT_FOUND
   */
  async clocksOf(caseNo: string, actor: Actor) {
    const kase = await this.deps.models.ServiceCase.findById(caseNo, { orgUnit: 1, involvedOrgUnits: 1 }).lean();
    if (!kase || !(actor.roles.includes('system') || readsCase(actor, kase))) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
    return this.clockViews(caseNo);
  }

  /**
   * The clocks that carry escalation notices' reply deadlines (督办通知书 答复期限), by id: due, status
   * and whether counted over an estimated year. One read by `_id`; none for no ids.
   */
  async noticeClocks(ids: string[]): Promise<Map<string, { dueAt?: Date | null; status?: string | null; estimated?: boolean | null; estimatedYears?: number[] | null }>> {
    const docs: any[] = ids.length ? await this.deps.models.Clock.find({ _id: { $in: ids } }, { dueAt: 1, status: 1, estimated: 1, estimatedYears: 1 }).lean() : [];
    return new Map(docs.map((c) => [String(c._id), c]));
  }

  /**
   * 热力图: per user-task step of an item's diagram, over the working calendar in force (see
   * stats/heatmap.ts `computeHeatmap`), with the diagram's name (流程名称) beside its key.
   * @throws ValidationError / NotFoundError from computeHeatmap
   */
  async heatmap(opts: { itemCode?: string; definitionKey?: string; from?: Date; to?: Date; orgUnit?: string }) {
    const heat = await computeHeatmap(this.deps.models, await this.currentCalendar(), opts);
    const def: any = await this.deps.models.Definition.findOne({ key: heat.definitionKey }, { name: 1, version: 1 }).sort({ version: -1 }).lean();
    return { ...heat, definitionName: def?.name ?? undefined };
  }

  /** The clocks of a case, unchecked: what a command that checked its actor answers with. */
  private async clockViews(caseNo: string) {
    const docs = await this.deps.models.Clock.find({ caseNo }).lean();
    return docs.map(clockView);
  }

  /**
   * The clocks of a case are its org units' to pause, resume and extend (DESIGN.md §6): checked
   * here too, not only by the HTTP guard; another unit's case is answered as one that does not
   * exist. The platform's own follow-ups (the system actor) and supervisors pass.
   */
  private async requireCaseUnit(caseNo: string, actor: Actor) {
    if (actor.roles.includes('system') || seesAcross(actor)) return;
    const kase = await this.deps.models.ServiceCase.findById(caseNo, { orgUnit: 1, involvedOrgUnits: 1 }).lean();
    if (!kase || !readsCase(actor, kase)) throw new NotFoundError('CASE_NOT_FOUND', `case ${caseNo} does not exist`);
  }

  /** Pauses every running clock of the case (补正, 听证, 检验检测, 专家评审, 公示 …). */
  async pause(caseNo: string, input: { kind: string; reason: string; notice?: string }, actor: Actor) {
    await this.requireCaseUnit(caseNo, actor);
    const { Clock } = this.deps.models;
    // by the case alone, chosen here: `kind: {$in}` beside the case took 14–600 ms for a new case at 100,000 stored (2 ms without)
    const clocks = (await Clock.find({ caseNo }).lean()).filter((c) => c.status === 'running' && ['statutory', 'promised', 'step'].includes(c.kind as string));
    if (!clocks.length) throw new ConflictError('NO_RUNNING_CLOCK', `case ${caseNo} has no running clock to pause`);
    if (input.kind !== 'supplement' && !input.notice) throw new ValidationError('NOTICE_REQUIRED', 'a suspension (听证/检验检测/专家评审/公示) needs the written notice given to the applicant (notice)');
    const now = this.deps.clock.now();
    for (const c of clocks) {
      // the clock as written is what reschedule derives from: not read again
      const written = await Clock.findOneAndUpdate({ _id: c._id }, { $push: { pauses: { kind: input.kind, reason: input.reason, notice: input.notice, from: now, by: actor.username } } }, { returnDocument: 'after' }).lean();
      if (written) await this.reschedule(c._id as string, true, written);
    }
    await this.deps.audit.appendNow(caseNo, 'clock.paused', actor.username, { kind: input.kind, reason: input.reason, notice: input.notice ?? null, clocks: clocks.map((c) => c._id) });
    return this.clockViews(caseNo);
  }

  async resume(caseNo: string, actor: Actor) {
    await this.requireCaseUnit(caseNo, actor);
    const { Clock } = this.deps.models;
    const clocks = await Clock.find({ caseNo, status: 'paused' }).lean();
    if (!clocks.length) throw new ConflictError('NOT_PAUSED', `case ${caseNo} has no paused clock`);
    const now = this.deps.clock.now();
    for (const c of clocks) {
      const pauses = (c.pauses as Pause[]).map((p) => (p.to ? p : { ...p, to: now }));
      const written = await Clock.findOneAndUpdate({ _id: c._id }, { $set: { pauses } }, { returnDocument: 'after' }).lean();
      if (written) await this.reschedule(c._id as string, true, written);
    }
    await this.deps.audit.appendNow(caseNo, 'clock.resumed', actor.username, { clocks: clocks.map((c) => c._id) });
    return this.clockViews(caseNo);
  }

  /** 延长: at most once per clock, approved by a centre manager or the city office. */
  async extend(caseNo: string, input: { clock: 'statutory' | 'promised'; days?: number; duration?: string; reason: string }, actor: Actor) {
    if (!actor.roles.some((r) => r === 'manager' || r === 'admin')) throw new ForbiddenError('APPROVER_REQUIRED', 'an extension is approved by the centre manager (负责人) or the city office');
    await this.requireCaseUnit(caseNo, actor);
    const { Clock } = this.deps.models;
    const id = `${caseNo}:${input.clock}`;
    const c = await Clock.findById(id).lean();
    if (!c) throw new NotFoundError('CLOCK_NOT_FOUND', `case ${caseNo} has no ${input.clock} clock`);
    if (c.status === 'stopped') throw new ConflictError('CLOCK_STOPPED', 'the clock has stopped; nothing to extend');
    if (c.extension) throw new BusinessRuleError('ALREADY_EXTENDED', `the ${input.clock} limit of case ${caseNo} was extended once already; the law allows one extension`);
    const extension: any = { approver: actor.username, reason: input.reason, at: this.deps.clock.now() };
    if ((c.budget as Budget).unit === 'working-days') {
      if (!input.days || input.days < 1 || input.days > 30) throw new ValidationError('INVALID_EXTENSION', 'extend by 1–30 working days (days)');
      extension.days = input.days;
    } else {
      const b = parseBudget(input.duration ?? '');
      if (b.unit !== 'duration') throw new ValidationError('INVALID_EXTENSION', 'this clock counts time: give duration (ISO-8601)');
      extension.ms = b.ms;
    }
    const written = await Clock.findOneAndUpdate({ _id: id, extension: null }, { $set: { extension } }, { returnDocument: 'after' }).lean();
    if (!written) throw new BusinessRuleError('ALREADY_EXTENDED', 'the limit was extended once already');
    await this.reschedule(id, true, written);
    await this.deps.audit.append(caseNo, 'clock.extended', actor.username, { clockId: id, days: extension.days ?? null, ms: extension.ms ?? null, reason: input.reason });
    return this.clockViews(caseNo);
  }

  /** A step changed hands (transfer, A/B move): the clock now answers to the new holder. */
  async reassign(taskId: string, holder: string, windowId?: string) {
    const id = `step:${taskId}`;
    const set = { holder, ...(windowId ? { windowId } : {}) };
    const before: any = await this.deps.models.Clock.findOneAndUpdate({ _id: id, status: { $ne: 'stopped' } }, { $set: set }, { returnDocument: 'before' }).lean();
    // rescheduled only when it changed (as when this was an update's modifiedCount), from the clock as written
    if (before && (before.holder !== holder || (windowId && before.windowId !== windowId))) await this.reschedule(id, true, { ...before, ...set });
  }

  // ---------------------------------------------------------------- signals

  /**
   * Runs one signal. Exactly once per clock and rung: the insert of the signal is the claim, made
   * `pending` until its follow-ups (the audit event, notifications, the escalation, the breach
   * handlers) are done; a process killed in between leaves it pending, and the repair sweep
   * (`repairPendingSignals`) runs the follow-ups again — each is keyed, so nothing doubles.
   */
  async fire(clockId: string, rung: Rung, version: number): Promise<boolean> {
    const { Clock, Signal } = this.deps.models;
    const c = await Clock.findById(clockId).lean();
    if (c && c.status === 'running' && c.version > version) {
      // a job of an older version, still there: its ledger change was killed before the current
      // version's jobs were written or the older ones dropped — write the current ones (insert-only, so
      // nothing doubles when they are there), and this one does nothing
      await saveUniqueJobs(this.deps.agenda, this.signalJobs(c));
      return false;
    }
    if (!c || c.status !== 'running' || c.version !== version) return false;
    const due = (c.signalsAt as any)?.[rung] ? new Date((c.signalsAt as any)[rung]) : undefined;
    const now = this.deps.clock.now();
    if (!due || due.getTime() > now.getTime() + 1000) return false;
    try {
      await Signal.create({ _id: `${clockId}:${rung}`, clockId, rung, caseNo: c.caseNo, orgUnit: c.orgUnit, at: now, dueAt: c.dueAt, pending: true, claimedAt: now });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    crashPoint('signal.after-claim');
    await this.ring(c, rung, now, false);
    await Signal.updateOne({ _id: `${clockId}:${rung}` }, { $unset: { pending: 1 } });
    return true;
  }

  /**
   * Finishes the signals whose process died between the claim and the end of their follow-ups
   * (pending for longer than `olderThanMs`, so rings in flight are left alone). One taker per
   * signal (a conditional update of `claimedAt`). Returns the signals finished.
   */
  async repairPendingSignals(now = this.deps.clock.now(), olderThanMs = 30_000): Promise<number> {
    const { Clock, Signal } = this.deps.models;
    const stale = await Signal.find({ pending: true, claimedAt: { $lt: new Date(now.getTime() - olderThanMs) } }).limit(200).lean();
    let n = 0;
    for (const s of stale) {
      const took = await Signal.updateOne({ _id: s._id, pending: true, claimedAt: s.claimedAt }, { $set: { claimedAt: now } });
      if (!took.modifiedCount) continue;
      const c = await Clock.findById(s.clockId).lean();
      if (c) await this.deps.audit.asRepair(() => this.ring(c, s.rung as Rung, new Date(s.at), true));
      await Signal.updateOne({ _id: s._id }, { $unset: { pending: 1 } });
      this.deps.logger.warn({ signal: s._id }, 'finished a signal cut short');
      n++;
    }
    return n;
  }

  /**
   * The clocks a killed process left without their signal jobs (中断修复, issue 12): a clock starts
   * as one insert and then one batch of jobs (`startClocks`), a ledger change as one write of the
   * clock and then its new version's jobs (`reschedule`) — a kill in between leaves a running clock
   * whose signals never ring. The case layer's repair starts a case's clocks again, but a complaint's
   * or a rectification's clock was only repaired if its sender sent again. This sweep reads the
   * clocks written since its last run (by `updatedAt`, index `updatedAt_1`; the mark in `settings`,
   * `_id` `sweep:clock-jobs`) up to `olderThanMs` ago — so starts in flight are left alone —, at most
   * `pages` pages of 500 per run, and writes the missing jobs of each running clock's current
   * version (insert-only: a job there is left as it is, a rung fired needs none). A clock whose start
   * was cut short (version 1, none of its jobs) also gets its start event (keyed, written once) and
   * the handlers of its kind (`onStartRepaired`: a complaint's follow-ups). Returns the clocks repaired.
   */
  async repairClockJobs(now = this.deps.clock.now(), olderThanMs = 30_000, opts: { pages?: number; pageSize?: number } = {}): Promise<number> {
    const { Clock } = this.deps.models;
    const marks = Clock.db.db!.collection<{ _id: string; upTo?: Date }>('settings');
    const pageSize = opts.pageSize ?? 500;
    const end = now.getTime() - olderThanMs;
    const mark = await marks.findOne({ _id: CLOCK_JOBS_SWEEP });
    // from `olderThanMs` before the mark: a write stamped long before it reached the database (a slow
    // insert under load) is still read; the first run on a database reads the last week's clocks
    // (older ones were repaired by their senders or not at all)
    let from = mark?.upTo ? new Date(mark.upTo).getTime() - Math.max(1000, olderThanMs) : end - CLOCK_JOBS_FIRST_LOOKBACK_MS;
    let repaired = 0;
    // a range of `updatedAt` per page, so a long pause (the platform down for days) is never read
    // and sorted all at once: an hour, twice as long after a page a quarter full, half after a full one
    let span = CLOCK_JOBS_SPAN_MS;
    for (let page = 0; page < (opts.pages ?? 20) && from < end; page++) {
      const to = Math.min(end, from + span);
      let docs: any[] = await Clock.find({ updatedAt: { $gte: new Date(from), $lt: new Date(to) } }, CLOCK_JOBS_FIELDS).sort({ updatedAt: 1 }).limit(pageSize).lean();
      let next = to;
      if (docs.length === pageSize) {
        const last = new Date(docs[docs.length - 1].updatedAt).getTime();
        if (last > from) next = last; // the clocks written at `last` are read again on the next page
        else {
          // a whole page written in one millisecond: all of that millisecond, then past it
          docs = await Clock.find({ updatedAt: new Date(last) }, CLOCK_JOBS_FIELDS).lean();
          next = last + 1;
        }
      }
      span = docs.length >= pageSize ? Math.max(60_000, span / 2) : docs.length < pageSize / 4 ? Math.min(CLOCK_JOBS_FIRST_LOOKBACK_MS, span * 2) : span;
      repaired += await this.ensureJobsOf(docs.filter((c) => c.status === 'running'));
      await marks.updateOne({ _id: CLOCK_JOBS_SWEEP }, { $max: { upTo: new Date(next) } }, { upsert: true });
      from = next;
    }
    return repaired;
  }

  /** The missing signal jobs of these running clocks written (one read of their jobs, one batch); returns the clocks that missed some. */
  private async ensureJobsOf(clocks: any[]): Promise<number> {
    const want = clocks.map((c) => ({ c, jobs: this.signalJobs(c) })).filter((w) => w.jobs.length);
    if (!want.length) return 0;
    const have = new Set(
      (await (await agendaJobs(this.deps.agenda)).find({ name: SIGNAL_JOB, 'data.clockId': { $in: want.map((w) => String(w.c._id)) } }, { projection: { 'data.key': 1 } }).toArray()).map((j) => String(j.data?.key)),
    );
    const short = want.map((w) => ({ ...w, missing: w.jobs.filter((j) => !have.has(j.data.key)) })).filter((w) => w.missing.length);
    if (!short.length) return 0;
    await saveUniqueJobs(this.deps.agenda, short.flatMap((w) => w.missing));
    for (const { c, jobs, missing } of short) {
      this.deps.logger.warn({ clockId: String(c._id), kind: c.kind, version: c.version, missing: missing.map((j) => j.data.rung) }, 'wrote the signal jobs of a clock left without them');
      // none of its jobs, nothing fired, its first version: its start was cut short (clock.after-insert)
      if (c.version !== 1 || missing.length !== jobs.length || (c.fired ?? []).length) continue;
      if (c.caseNo) await this.deps.audit.append(c.caseNo, 'clock.started', 'system', { clockId: String(c._id), kind: c.kind, budget: c.budget, label: c.label ?? null }, { dedupeKey: `clock:start:${String(c._id)}` });
      for (const h of this.startRepairHandlers) await h(c);
    }
    return short.length;
  }

  private readonly startRepairHandlers: ((clock: { _id: string; kind: string; caseNo?: string | null; taskId?: string | null }) => Promise<unknown>)[] = [];
  /** What else a clock's start cut short needs when the sweep finds it (e.g. a complaint's notices, `repairClockJobs`); keyed work only. */
  onStartRepaired(handler: (clock: { _id: string; kind: string; caseNo?: string | null; taskId?: string | null }) => Promise<unknown>): void {
    this.startRepairHandlers.push(handler);
  }

  /**
   * A signal's follow-ups. `redo`: run again after a killed process — every write is keyed (audit
   * dedupe keys, the escalation's id, conditional updates), and a dedupe claim left by the dead
   * process is taken over at once (its event is not in the chain, or the claim would know).
   */
  private async ring(c: any, rung: Rung, now: Date, redo: boolean): Promise<void> {
    const { Clock } = this.deps.models;
    const clockId = c._id as string;
    const keyed = (key: string) => ({ dedupeKey: key, ...(redo ? { claimTakeoverMs: 0 } : {}) });
    // updatedAt on every write of a clock: the board reads the clocks changed since its last read (stats/board.ts)
    await Clock.updateOne({ _id: clockId }, { $addToSet: { fired: rung }, $set: { updatedAt: this.deps.clock.now() } });
    const label = `${KIND_LABEL[c.kind] ?? c.kind}${c.label ? `「${c.label}」` : ''}`;
    // A step's clock answers to whoever holds the step now (transfers and A/B moves included).
    if (c.taskId) {
      const t = await this.deps.models.Task.findById(c.taskId, { assignee: 1, windowId: 1 }).lean();
      if (t?.assignee) c.holder = t.assignee;
      if (t?.windowId) c.windowId = t.windowId;
    }
    if (c.caseNo) await this.deps.audit.append(c.caseNo, `clock.${rung}`, 'system', { clockId, dueAt: c.dueAt?.toISOString() ?? null }, keyed(`signal:${clockId}:${rung}`));
    // the centre's managers and the supervisors through the org cache (org-cache.ts: a role change is seen within 3 s)
    const heads = c.orgUnit ? await orgCacheOf(this.deps.models).loginsWhere({ orgUnit: c.orgUnit, roles: 'manager' }) : [];
    if (rung === 'reminder' || rung === 'warning') {
      const to = new Set([c.holder, ...heads].filter(Boolean) as string[]);
      for (const u of to) await this.deps.channel.send(u, { kind: `clock.${rung}`, title: `${RUNG_LABEL[rung]}：${c.caseNo ?? ''} ${label}`, body: `期限 ${fmt(c.dueAt)}`, caseNo: c.caseNo ?? undefined, taskId: c.taskId ?? undefined, key: `signal:${clockId}:${rung}:${u}` });
      return;
    }
    if (c.kind === 'reply') {
      // the supervised unit did not reply in time: the reply clock ends and the escalation goes up a level
      if (rung !== 'breach') return;
      await this.stopClock(clockId, now);
      if (c.escalationId) {
        try {
          await this.reescalate(c.escalationId, { username: 'system', groups: [], roles: ['system'] }, '督办回复逾期，自动升级');
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err; // replied or closed meanwhile
        }
      }
      return;
    }
    await this.openEscalation(c, rung, keyed);
    if (rung === 'breach') for (const h of this.breachHandlers.get(c.kind) ?? []) await h(c);
  }

  private readonly breachHandlers = new Map<string, ((clock: { _id: string; caseNo?: string | null }) => Promise<unknown>)[]>();
  /** What else a breach of a clock kind does (e.g. examination → deemed acceptance), after the escalation opened. Runs once per breach signal. */
  onBreach(kind: string, handler: (clock: { _id: string; caseNo?: string | null }) => Promise<unknown>): void {
    this.breachHandlers.set(kind, [...(this.breachHandlers.get(kind) ?? []), handler]);
  }

  private looseListener?: LooseEventListener;
  /** Told of each escalation that names no case, before it is written (the statistics rollups count it by centre and day). */
  onLooseEvent(listener: LooseEventListener): void {
    this.looseListener = listener;
  }

  private async openEscalation(c: any, rung: Rung, keyed: (key: string) => { dedupeKey: string; claimTakeoverMs?: number }) {
    const { Escalation } = this.deps.models;
    const now = this.deps.clock.now();
    const id = `clock:${c._id}`;
    const lateMs = c.dueAt ? now.getTime() - new Date(c.dueAt).getTime() : 0;
    if (rung === 'breach') {
      // an escalation naming no case (a complaint's clock) is counted by centre and day: marked before it exists
      if (!c.caseNo && c.orgUnit) await this.looseListener?.('esc', id, c.orgUnit, now);
      try {
        await Escalation.create({
          _id: id,
          source: 'clock',
          instanceId: undefined,
          caseNo: c.caseNo,
          clockId: c._id,
          limitKind: c.kind,
          taskName: c.label,
          escalationCode: 'deadline.breach',
          escalationName: `${KIND_LABEL[c.kind] ?? c.kind}超期`,
          orgUnit: c.orgUnit,
          windowId: c.windowId,
          responsible: c.holder,
          dueAt: c.dueAt,
          raisedAt: now,
          status: 'open',
          severity: 'breach',
          level: 1,
          history: [{ status: 'open', at: now, by: 'system', reason: `${KIND_LABEL[c.kind] ?? c.kind}已到期未办结`, lateMs }],
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // a step's boundary timer opened it first (process-service joins the two): add the clock's facts, once
        await Escalation.updateOne(
          { _id: id, dueAt: { $exists: false } },
          {
            $set: { source: 'clock', clockId: c._id, caseNo: c.caseNo, limitKind: c.kind, orgUnit: c.orgUnit, windowId: c.windowId, responsible: c.holder, dueAt: c.dueAt, severity: 'breach', level: 1 },
            $push: { history: { status: 'open', at: now, by: 'system', reason: `${KIND_LABEL[c.kind] ?? c.kind}已到期未办结`, lateMs } },
          },
        );
      }
    } else {
      await Escalation.updateOne({ _id: id, severity: { $ne: 'serious' } }, { $set: { severity: 'serious' }, $push: { history: { status: 'serious', at: now, by: 'system', reason: '超期5个工作日以上（严重超期）', lateMs } } });
    }
    const supervisors = await orgCacheOf(this.deps.models).loginsWhere({ roles: 'supervisor', orgUnit: { $in: ['city', c.orgUnit].filter(Boolean) } });
    for (const s of supervisors) {
      await this.deps.channel.send(s, { kind: `escalation.${rung}`, title: `${RUNG_LABEL[rung]}：${c.caseNo ?? ''} ${KIND_LABEL[c.kind] ?? c.kind}`, body: `${c.label ?? ''} 责任人 ${c.holder ?? '-'}，期限 ${fmt(c.dueAt)}`, caseNo: c.caseNo, key: `signal:${String(c._id)}:${rung}:${s}` });
    }
    if (c.caseNo) await this.deps.audit.append(c.caseNo, rung === 'breach' ? 'escalation.opened' : 'escalation.serious', 'system', { escalationId: id, limitKind: c.kind, responsible: c.holder ?? null }, keyed(`escalation:${rung}:${id}`));
  }

  // ---------------------------------------------------------------- escalation life cycle

  private async loadEscalation(id: string) {
    const e = await this.deps.models.Escalation.findById(id).lean();
    if (!e) throw new NotFoundError('ESCALATION_NOT_FOUND', `escalation ${id} does not exist`);
    return e;
  }

  private requireSupervisor(actor: Actor) {
    if (!actor.roles.some((r) => r === 'supervisor' || r === 'admin')) throw new ForbiddenError('SUPERVISOR_ONLY', 'only supervisors act on escalations');
  }

  private async transition(id: string, from: string[], to: string, actor: Actor, reason: string, set: Record<string, unknown> = {}) {
    const e = await this.loadEscalation(id);
    if (!from.includes(e.status)) throw new ConflictError('ESCALATION_STATE', `escalation ${id} is ${e.status}; it cannot become ${to} from there`);
    const now = this.deps.clock.now();
    const r = await this.deps.models.Escalation.updateOne({ _id: id, status: e.status }, { $set: { status: to, ...set }, $push: { history: { status: to, at: now, by: actor.username, reason } } });
    if (!r.modifiedCount) throw new ConflictError('ESCALATION_STATE', `escalation ${id} changed meanwhile; reload`);
    if (e.caseNo) await this.deps.audit.append(e.caseNo, `escalation.${to}`, actor.username, { escalationId: id, reason, ...set });
    return this.deps.models.Escalation.findById(id).lean();
  }

  async acknowledge(id: string, actor: Actor, reason = '已知悉') {
    this.requireSupervisor(actor);
    return this.transition(id, ['open'], 'acknowledged', actor, reason);
  }

  /** 督办通知: tells the responsible unit to act and reply within `replyWithin` (a clock). */
  async issueNotice(id: string, input: { text: string; replyWithin: string }, actor: Actor) {
    this.requireSupervisor(actor);
    const budget = parseBudget(input.replyWithin);
    const e = await this.loadEscalation(id);
    const n = (e.history ?? []).filter((h: any) => h.status === 'notified').length + 1;
    const clockId = `reply:${id}:${n}`;
    const updated = await this.transition(id, ['open', 'acknowledged'], 'notified', actor, input.text, { notice: { text: input.text, issuedBy: actor.username, issuedAt: this.deps.clock.now(), replyWithin: input.replyWithin, clockId } });
    await this.startClock({ id: clockId, kind: 'reply', caseNo: e.caseNo ?? undefined, escalationId: id, label: '督办回复', orgUnit: e.orgUnit ?? undefined, holder: e.responsible ?? undefined, budget, startedAt: this.deps.clock.now() });
    const to = new Set([e.responsible, ...(e.orgUnit ? await orgCacheOf(this.deps.models).loginsWhere({ orgUnit: e.orgUnit, roles: 'manager' }) : [])].filter(Boolean) as string[]);
    for (const u of to) await this.deps.channel.send(u, { kind: 'escalation.notice', title: `督办通知：${e.caseNo ?? ''}`, body: input.text, caseNo: e.caseNo ?? undefined });
    return updated;
  }

  /** The supervised unit replies (the responsible person or a manager of that org unit). */
  async reply(id: string, text: string, actor: Actor) {
    const e = await this.loadEscalation(id);
    const own = actor.username === e.responsible || (actor.roles.includes('manager') && actor.orgUnit === e.orgUnit) || actor.roles.includes('admin');
    if (!own) throw new ForbiddenError('NOT_SUPERVISED_UNIT', 'the responsible person or the centre manager replies to a supervision notice');
    const updated = await this.transition(id, ['notified'], 'replied', actor, text, { reply: { text, by: actor.username, at: this.deps.clock.now() } });
    const clockId = (e.notice as any)?.clockId;
    if (clockId) await this.stopClock(clockId, this.deps.clock.now());
    return updated;
  }

  async close(id: string, reason: string, actor: Actor) {
    this.requireSupervisor(actor);
    return this.transition(id, ['open', 'acknowledged', 'replied'], 'closed', actor, reason);
  }

  /** 升级督办: back to open one level higher (also done automatically when a reply is late). */
  async reescalate(id: string, actor: Actor, reason: string) {
    if (actor.roles[0] !== 'system') this.requireSupervisor(actor);
    const e = await this.loadEscalation(id);
    return this.transition(id, ['notified', 'replied', 'acknowledged'], 'open', actor, reason, { level: (e.level ?? 1) + 1 });
  }

  async list(actor: Actor, filter: { status?: string; orgUnit?: string } = {}) {
    const q: Record<string, unknown> = {};
    if (filter.status) q.status = filter.status;
    // supervisors and the city office over its towns see every unit's (a designer is the city office's); others their own
    if (!(seesAcross(actor) || actor.orgUnit === CITY_UNIT)) q.orgUnit = actor.orgUnit ?? '-';
    else if (filter.orgUnit) q.orgUnit = filter.orgUnit;
    // newest first by windows of raisedAt (persistence/newest.ts: DocumentDB reads no sort from an index)
    const docs = await newestFirst(this.deps.models.Escalation, q, 'raisedAt', 500, this.deps.clock.now());
    return docs.map(escalationView);
  }

  /**
   * One escalation (督办) as `actor` may read it — the rule of GET /api/escalations/{id}, checked
   * here too so that no caller reads a foreign one by forgetting the HTTP guard: supervisors and
   * designers and managers (403 ROLE_REQUIRED for other roles), of its org unit — the city office
   * over its towns, supervisors and admins across; an escalation of a bare instance goes by the
   * instance (engine/org/scope.ts `actorReadsEscalation`). Another unit's is 404 ESCALATION_NOT_FOUND.
   * @throws ForbiddenError ROLE_REQUIRED; NotFoundError ESCALATION_NOT_FOUND
   */
  async get(id: string, actor: Actor) {
    const may = ['supervisor', 'designer', 'manager', 'admin', 'system'];
    if (!actor.roles.some((r) => may.includes(r))) throw new ForbiddenError('ROLE_REQUIRED', 'this needs one of the roles: supervisor, designer, manager');
    const e = await this.loadEscalation(id);
    if (!(await actorReadsEscalation(this.deps.models, actor, e))) throw new NotFoundError('ESCALATION_NOT_FOUND', `escalation ${id} does not exist`);
    return escalationView(e);
  }
}

function fmt(d?: Date | null) {
  if (!d) return '-';
  return cstMinute(d);
}

/** True when a year got a table or a table a new version between two calendars. */
function tablesChanged(a: WorkingCalendar, b: WorkingCalendar): boolean {
  const ya = a.years();
  const yb = b.years();
  return ya.length !== yb.length || yb.some((y) => a.tableFor(y)?.version !== b.tableFor(y)?.version);
}

export function clockView(c: any) {
  return {
    id: c._id,
    kind: c.kind,
    label: c.label ?? undefined,
    caseNo: c.caseNo ?? undefined,
    taskId: c.taskId ?? undefined,
    holder: c.holder ?? undefined,
    orgUnit: c.orgUnit ?? undefined,
    budget: c.budget,
    startedAt: c.startedAt,
    status: c.status,
    dueAt: c.dueAt ?? undefined,
    estimated: c.estimated ?? false,
    ...(c.estimated ? { estimatedYears: c.estimatedYears ?? [], estimateNote: estimateNote(c.estimatedYears ?? []) } : {}),
    signalsAt: c.signalsAt ?? {},
    fired: c.fired ?? [],
    pauses: c.pauses ?? [],
    extension: c.extension ?? null,
    stoppedAt: c.stoppedAt ?? undefined,
    result: c.result ?? undefined,
    version: c.version,
  };
}

export function escalationView(e: any) {
  return {
    id: e._id,
    source: e.source ?? 'bpmn',
    caseId: e.instanceId ?? undefined,
    caseNo: e.caseNo ?? undefined,
    definitionKey: e.definitionKey ?? undefined,
    code: e.escalationCode,
    name: e.escalationName,
    elementId: e.elementId ?? undefined,
    taskElementId: e.taskElementId ?? undefined,
    taskName: e.taskName ?? undefined,
    limitKind: e.limitKind ?? undefined,
    severity: e.severity ?? undefined,
    orgUnit: e.orgUnit ?? undefined,
    windowId: e.windowId ?? undefined,
    responsible: e.responsible ?? undefined,
    dueAt: e.dueAt ?? undefined,
    raisedAt: e.raisedAt,
    status: e.status,
    level: e.level ?? 1,
    notice: e.notice ?? undefined,
    reply: e.reply ?? undefined,
    history: e.history ?? [],
  };
}

