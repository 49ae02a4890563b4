/**
 * The case's projection of its engine instance (the process service's projection listener): audit
 * events for opened, completed and withdrawn steps and breaches, the proxy-handling record
 * (代办记录) for hand-overs between org units and windows, the step clocks, the case's clocks
 * paused while it waits on the applicant, and the end of the case. Idempotent: every write is
 * keyed by instance, revision and event index, so the repair sweep replays it safely.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from '../domain/types';
import type { ClosedStep, OpenStep, ProjectedRevision } from '../services/process-service';
import { holdPoint } from '../domain/fault';
import { parseBudget, parseStepLimit, type Budget } from '../supervision/clock-ledger';
import type { CaseContext } from './context';
import { finishCase } from './finish-case';
import { notify } from './notifications';

/** The clocks a projection stops, pauses and resumes: the case's two and its steps' (not a complaint's). */
const CASE_CLOCK_KINDS = new Set(['statutory', 'promised', 'step']);

/** What the projection hands the listener (`ProjectionListener.onProjected`). */
export interface CaseProjection {
  instanceId: string;
  status: string;
  variables: Record<string, unknown>;
  revisions: ProjectedRevision[];
  opened?: ReadonlyMap<string, any>;
  openSteps?: OpenStep[];
  /** The steps the projected command closed, as the projection wrote them (absent on the repair path: read then). */
  closedSteps?: ClosedStep[];
  rootInstanceId?: string;
}

/**
 * Keeps the case in step with its engine instance: audit events for opened and completed
 * steps and breaches, the proxy-handling record for hand-overs between org units and
 * windows, and the end of the case with its completion or return notice. Idempotent: every
 * write is keyed by instance, revision and event index.
 */
export async function projectCase(ctx: CaseContext, p: CaseProjection): Promise<void> {
  // the events of the revisions go out as one batch before the projection counts as done (its head
  // moves after the listeners): a kill before replays the projection, and every step appends again, keyed
  await ctx.deps.audit.batch(() => project(ctx, p));
  // fault injection (tests): the case layer is done, the instance head not yet moved (issue 12's race)
  await holdPoint(`case.projected:${p.status}`);
}

/**
 * The case an acceptance is starting the path of, as the acceptance holds it (accept-application.ts):
 * the projection of that start — and of the call activities it starts — works on it instead of
 * reading it. Nothing else writes a case being accepted: it has no step yet.
 */
export const acceptingCase = new AsyncLocalStorage<{ caseNo: string; kase: any }>();

/** Statuses after the acceptance: a case in one of them keeps its instance and is never voided. */
const PAST_ACCEPTANCE = new Set(['in-progress', 'completed', 'rejected', 'failed']);
const MAX_KNOWN_CASES = 5000;
/** Cases past their acceptance with their instance, by number (per database, bounded). */
const knownCases = new WeakMap<object, Map<string, string>>();

async function project(ctx: CaseContext, p: CaseProjection): Promise<void> {
  const caseNo = typeof p.variables.caseNo === 'string' ? p.variables.caseNo : undefined;
  if (!caseNo) return;
  const { models, audit, clocks } = ctx.deps;
  const root = p.rootInstanceId ?? p.instanceId;
  // A running instance's revisions that open no step (a timer, a breach) need no more of a case known to be
  // past its acceptance than that it is this instance's: it is not read. Else it is read (hand-overs, the end).
  const opensSteps = p.revisions.some((r) => r.events.some((e) => e.type === 'activity.wait'));
  let known = knownCases.get(models);
  let kase: any;
  if (!(p.status === 'running' && !opensSteps && known?.get(caseNo) === root)) {
    const held = acceptingCase.getStore();
    kase = held?.caseNo === caseNo ? held.kase : await models.ServiceCase.findById(caseNo).lean();
    // While the case is being accepted its instanceId is not yet recorded: the first revision belongs to it too.
    // an instance a call activity started (调用活动) belongs to its root's case: its steps, clocks and audit are the case's
    if (!kase || (kase.instanceId && kase.instanceId !== root) || kase.status === 'void') return;
    if (kase.instanceId && PAST_ACCEPTANCE.has(kase.status)) {
      if (!known) knownCases.set(models, (known = new Map()));
      known.set(caseNo, kase.instanceId);
      if (known.size > MAX_KNOWN_CASES) known.delete(known.keys().next().value!);
    }
  }
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
        await recordHandOver(ctx, kase, t, r.createdAt);
        await startStepClock(ctx, caseNo, t, p.variables);
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
  // A command just projected (its closed steps in hand) that closed no step and leaves none waiting on
  // the applicant has no clock to stop, pause or resume: the case's clocks are not read (a start, a
  // timer that interrupted nothing).
  const nothingToClock = !!p.closedSteps && !p.closedSteps.length && !!p.openSteps && !p.openSteps.some((t) => t.stepKind === 'await-applicant');
  if (clocks && !nothingToClock) {
    // the case's clocks that still run or wait, in one read: the statutory and promised ones, the steps'
    // — and the step clocks stopped since these revisions: a replay after a kill stops them again, so
    // their clock.stopped (held back in this projection's batch when the kill came) is written, once
    const since = new Date(p.revisions.length ? Math.min(...p.revisions.map((r) => new Date(r.createdAt).getTime())) : Date.now());
    // Read by the case alone (a case has a handful of clocks) and chosen here: with the `$or` in the
    // filter DocumentDB 0.107 ran its `status $ne` branch over every clock not stopped — 660 ms a
    // projection at 30,000 stored cases (load ~25), 82 % of PostgreSQL's time in the commands; and
    // `kind: {$in}` beside the case took 14–600 ms for a new case at 100,000 (2 ms without it).
    const caseClocks = (
      await models.Clock.find({ caseNo }, { kind: 1, status: 1, taskId: 1, pauses: 1, updatedAt: 1, dueAt: 1 }).lean()
    ).filter((c) => CASE_CLOCK_KINDS.has(c.kind as string) && (c.status !== 'stopped' || (c.kind === 'step' && c.updatedAt && new Date(c.updatedAt as Date).getTime() >= since.getTime())));
    // Waiting on the applicant (等待补正) stops the case's clocks; they run again when the step ends.
    if (p.status === 'running') {
      const waiting = p.openSteps ? p.openSteps.some((t) => t.stepKind === 'await-applicant') : await models.Task.exists({ instanceId: p.instanceId, status: 'open', stepKind: 'await-applicant' });
      const paused = caseClocks.some((c) => (c.kind === 'statutory' || c.kind === 'promised') && c.status === 'paused');
      const system: Actor = { username: 'system', groups: [], roles: ['system'] };
      if (waiting && !paused) await clocks.pause(caseNo, { kind: 'supplement', reason: '等待申请人补正材料（补正期间不计入办理时限）' }, system).catch(() => undefined);
      if (!waiting && paused) {
        const c = caseClocks.find((x) => x.kind === 'promised');
        const open = ((c?.pauses ?? []) as any[]).find((x) => !x.to);
        if (open?.kind === 'supplement') await clocks.resume(caseNo, system);
      }
    }
    // Step clocks of steps no longer open stop (completed, cancelled by a timer, withdrawn): a step the
    // command closed is in hand (`closedSteps`, as the projection wrote it); any other is read.
    const stillOpen = new Set(p.openSteps?.map((t) => t.id) ?? []);
    const closed = new Map((p.closedSteps ?? []).map((t) => [t.id, t]));
    for (const c of caseClocks) {
      if (c.kind !== 'step' || stillOpen.has(c.taskId as string)) continue;
      const t = closed.get(c.taskId as string) ?? (await models.Task.findById(c.taskId, { status: 1, completedAt: 1 }).lean());
      // the clock as read above: stopClock need not read it again (one it finds stopped it reads, as a replay)
      if (!t || t.status !== 'open') await clocks.stopClock(c._id as string, t?.completedAt ?? ctx.deps.clock.now(), { status: c.status as string, dueAt: c.dueAt as Date | null | undefined, caseNo });
    }
  }
  // only the root instance's end ends the case; a called instance's end returns to its caller
  if (p.status !== 'running' && !p.rootInstanceId && kase.status !== 'void') await finishCase(ctx, caseNo, p.instanceId, p.status);
}

/**
 * A step's own clock (环节时限): its `svc:timeLimit` read by `parseStepLimit` — working days
 * (`3WD`, and the ISO `P3D` of the shipped diagrams as 3 working days, `PT8H` as one working
 * day), other durations in calendar time — or a demo override `<stepId in camelCase>Limit`
 * given at intake (ISO duration, calendar time, as the boundary timer reads it). A step with no
 * limit, or one that does not parse (the deploy lint reports it), has no clock.
 */
async function startStepClock(ctx: CaseContext, caseNo: string, t: any, variables: Record<string, unknown>) {
  const { clocks } = ctx.deps;
  if (!clocks) return;
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
  await clocks.startClock({ id: `step:${t._id}`, kind: 'step', caseNo, taskId: t._id, label: t.name, orgUnit: t.orgUnit, windowId: t.windowId, holder: t.assignee, budget, startedAt: new Date(t.createdAt) });
}

/**
 * 代办记录: a step opened in another org unit or window than the previous one is a hand-over.
 * Works on the case as read by the projection (`kase`, kept up to date here); the push is
 * conditional on the task not being recorded yet, so a replayed projection records nothing twice.
 */
async function recordHandOver(ctx: CaseContext, kase: any, task: any, at: Date) {
  const { models } = ctx.deps;
  const record = (kase.proxyRecord ?? []) as any[];
  const recorded = record.find((x) => x.taskId === task._id);
  if (recorded) {
    // recorded already (a replayed projection): its event again, keyed — once, also after a kill between the two
    await ctx.deps.audit.append(kase._id, 'case.handed-over', 'system', recorded, { at: recorded.at, dedupeKey: `case:handover:${task._id}` });
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
  await ctx.deps.audit.append(kase._id, 'case.handed-over', 'system', entry as any, { at, dedupeKey: `case:handover:${task._id}` });
  if (task.assignee) await notify(ctx, task.assignee, 'task.assigned', `新办件：${kase.itemName}`, `${kase._id} ${task.name}`, kase._id, task._id);
}
