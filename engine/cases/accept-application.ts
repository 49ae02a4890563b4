/**
 * 受理: the acceptance of an application — the item's path started (its engine instance, by an id
 * kept on the case), `case.accepted`, the case in progress, the acceptance notice, the statutory
 * (法定) and promised (承诺) clocks. Called by intake, the examination decision, the deemed
 * acceptance, a completed supplement and the repair; every step is keyed, so the repair runs it
 * again after a kill without doubling anything.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../domain/errors';
import type { Actor } from '../domain/types';
import { toItem, type ServiceItem } from '../catalogue/catalogue-service';
import { parseBudget, type Budget } from '../supervision/clock-ledger';
import { crashPoint, holdPoint } from '../domain/fault';
import type { CaseContext, Known } from './context';
import { issueNotice } from './issue-notice';
import { acceptingCase } from './project-case';
import { ACCEPTANCE_UNDER_WAY, finishCase } from './finish-case';

/**
 * 受理: starts the item's path and issues the acceptance notice. `acceptedAt` for deemed acceptance (from receipt).
 * Its events (case.accepted, the notice, the clocks) are appended as one batch: every caller holds
 * an intent (`case_intents`) until it returns, and the repair runs the acceptance again after a
 * kill — each of those steps appends its event again, keyed, so a held-back event is never lost.
 *
 * The batch is written BEFORE the case is in progress (issue 12): only a case in progress can be
 * ended (`finishCase` moves it on conditionally), so a step completed meanwhile — the path is started,
 * its first step is in the clerk's inbox — cannot put `case.ended` before `case.accepted` in the
 * chain. (Before, the batch went out after the write of 'in-progress', and a completion finishing
 * the case in between wrote its `case.ended` first.) Such a completion finds the case still
 * accepting and leaves its end to the acceptance, which ends it after its write.
 * @returns the case in progress as the write left it (its caller's answer need not read it again);
 * undefined when the acceptance ended it, or found it ended or voided
 */
export async function acceptApplication(ctx: CaseContext, caseNo: string, actor: Actor, limitOverrides: Record<string, string> | undefined, queryCode?: string, acceptedAt?: Date, known?: Known & { kase: any; item: ServiceItem }): Promise<any | undefined> {
  const { models, audit } = ctx.deps;
  const started = await audit.batch(() => acceptNow(ctx, caseNo, actor, limitOverrides, queryCode, acceptedAt, known));
  // the acceptance's events are in the chain; a kill here leaves the case accepting, and the repair runs it again
  await holdPoint('case.accept:before-in-progress');
  crashPoint('accept.before-in-progress');
  // the case as this write leaves it: a case ended meanwhile (or voided) is not put back in progress
  const kase: any = await models.ServiceCase.findOneAndUpdate(
    { _id: caseNo, status: { $in: [...ACCEPTANCE_UNDER_WAY, 'in-progress'] } },
    { $set: { status: 'in-progress', acceptedAt: started.acceptedAt, definitionKey: started.procedure, instanceId: started.instanceId, updatedAt: started.acceptedAt } },
    { returnDocument: 'after' },
  ).lean();
  if (!kase) return undefined;
  // An acceptance whose step was completed while the case was not yet in progress, or one finished
  // late — its write of 'in-progress' failed (an outage, a kill) and a resend or the repair sweep
  // finishes it now — may find its instance ended meanwhile: the projection's finish found no case
  // in progress and told the case so (`instanceEnded`, finish-case.ts), or the start itself ended it.
  // End the case now (finish is keyed: nothing doubles). Decided from the case as written, not from
  // the instance head, which moves only after the projection's listeners ran (issue 12).
  const ended = kase.instanceEnded?.instanceId === started.instanceId ? (kase.instanceEnded.status as string) : started.endedStatus;
  if (ended) {
    await audit.batch(() => finishCase(ctx, caseNo, started.instanceId, ended));
    return undefined;
  }
  return kase;
}

/** The acceptance's engine instance and its events: case.accepted, the notice, the clocks (all keyed). */
async function acceptNow(ctx: CaseContext, caseNo: string, actor: Actor, limitOverrides: Record<string, string> | undefined, queryCode?: string, acceptedAt?: Date, known?: Known & { kase: any; item: ServiceItem }) {
  const { models, clock, clocks } = ctx.deps;
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
    // 联办件: the departments that review in parallel (the joint path calls department-review once per element)
    ...(item.jointDepartments?.length ? { jointDepartments: item.jointDepartments } : {}),
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
  // what the start wrote: an instance that ended in its start is ended with the case's write of 'in-progress'
  // its projection (project-case.ts) works on the case as held here: nothing else writes a case being accepted
  const held = { caseNo, kase: { ...kase, instanceId } };
  const head = await acceptingCase.run(held, () => ctx.deps.processService.startInstanceHead(item.procedure, variables, actor, caseNo, instanceId));
  const endedStatus = head.status && head.status !== 'running' && head.status !== 'starting' ? head.status : undefined;
  crashPoint('accept.after-instance');
  await ctx.deps.audit.append(caseNo, 'case.accepted', actor.username, { procedure: item.procedure, promisedLimitDays: item.promisedLimitDays, statutoryLimitDays: item.statutoryLimitDays }, { dedupeKey: `case:accepted:${caseNo}` });
  // the notice names the acceptance as the case will hold it (the write of 'in-progress' comes after this batch)
  const accepted = { ...kase, status: 'in-progress', acceptedAt: now, definitionKey: item.procedure, instanceId };
  await issueNotice(ctx, caseNo, 'acceptance', actor.username, { queryCode }, `${caseNo}:acceptance:1`, { ...known, kase: accepted, item });
  // The case's clocks: statutory (法定) and promised (承诺), from the day after acceptance.
  if (clocks) {
    const budgetOf = (override: string | undefined, days: number): Budget => (override ? parseBudget(override) : { unit: 'working-days', days });
    // both in one insert and one batch of signal jobs (startClocks; idempotent like startClock)
    await clocks.startClocks(
      ([
        ['statutory', limitOverrides?.statutoryLimit, item.statutoryLimitDays],
        ['promised', limitOverrides?.promisedLimit, item.promisedLimitDays],
      ] as const).map(([kind, override, days]) => ({ id: `${caseNo}:${kind}`, kind, caseNo, label: item.name, orgUnit: kase.orgUnit, windowId: kase.receivingWindow, holder: kase.responsible, budget: budgetOf(override, days), startedAt: now })),
    );
  }
  return { instanceId, acceptedAt: now, procedure: item.procedure, endedStatus };
}
