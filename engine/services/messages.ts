/**
 * Messages between instances (消息, issue 15): a message — a name, a business key (the case
 * number), optional correlation keys (process variables the receiver must hold with these values)
 * and variables — is kept in `messages` and delivered to the one instance of that business key
 * waiting on a catch of that name (an intermediate message catch event or a receive task).
 *
 * Exactly once, durably:
 *   - the message is inserted `pending` under the sender's id before anything else (a resend with
 *     the same id finds it and is answered with its state: nothing is delivered twice);
 *   - one process at a time holds it: the conditional update `pending → delivering` is the claim;
 *   - delivery is the instance's own command path (ProcessService.deliverMessage: a conditional
 *     revision write whose command names the message id), so a holder that died after the revision
 *     leaves a trace the next holder finds (`messageTakenBy`) before delivering again;
 *   - a message nobody waits for goes back to `pending` and stays visible (GET /api/messages); the
 *     revision that reaches a catch of its name delivers it (ProcessService tells `waitsAppeared`
 *     after that revision commits), and the repair sweep retries pending and stale `delivering` ones.
 *
 * Correlation reads the running instances of the business key (instances index businessKey+status)
 * and the message waits of each one's latest revision — no separate subscription read model yet.
 * More than one instance waiting: the earliest started takes it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError } from '../domain/errors';
import { crashPoint } from '../domain/fault';
import type { Models } from '../persistence/models';
import { isDuplicateKey } from '../persistence/models';
import type { MessageWait, ThrownMessage } from '../runtime/run-engine';
import type { Actor, Clock, Logger } from '../domain/types';
import { checkVariables } from './variables';
import type { ProcessService } from './process-service';
import { caseContextOf } from './process/call-mapping';

/** A `delivering` claim older than this is taken over by the sweep (its holder died). */
const CLAIM_LEASE_MS = 10_000;
/** How many running instances of one business key are looked at per delivery. */
const MAX_CANDIDATES = 50;

export interface SendMessage {
  /** The sender's message id (idempotency key); a new id when absent. */
  id?: string;
  name: string;
  businessKey: string;
  correlationKeys?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  /** The instance that threw it (a send task or throw event), if any. */
  fromInstanceId?: string;
}

export interface MessageView {
  id: string;
  name: string;
  businessKey: string;
  status: (typeof MESSAGE_STATUSES)[number];
  /** The instance that threw it (an intermediate throw or message end event). */
  fromInstanceId?: string;
  instanceId?: string;
  elementId?: string;
  revision?: number;
  correlationKeys: Record<string, unknown>;
  createdAt: string;
  deliveredAt?: string;
  sentBy: string;
  /** True when this answer is for a resend of a message id already stored. */
  replayed?: boolean;
  /** Delivered by starting an instance (消息开始事件): `instanceId` is the instance it started. */
  startedInstance?: boolean;
  /** The case (办件) the started instance belongs to: the business key was its case number. */
  caseNo?: string;
  /** Why the started instance belongs to no case, or why the message is kept pending (Chinese). */
  note?: string;
}

export const MESSAGE_STATUSES = ['pending', 'delivering', 'delivered', 'thrown'] as const;

function view(m: any, replayed = false): MessageView {
  return {
    id: String(m._id),
    name: m.name,
    businessKey: m.businessKey,
    status: m.status,
    ...(m.instanceId ? { instanceId: m.instanceId } : {}),
    ...(m.fromInstanceId ? { fromInstanceId: m.fromInstanceId } : {}),
    ...(m.elementId ? { elementId: m.elementId } : {}),
    ...(typeof m.revision === 'number' ? { revision: m.revision } : {}),
    correlationKeys: JSON.parse(m.correlationKeys ?? '{}'),
    createdAt: new Date(m.createdAt).toISOString(),
    ...(m.deliveredAt ? { deliveredAt: new Date(m.deliveredAt).toISOString() } : {}),
    sentBy: m.sentBy,
    ...(replayed ? { replayed: true } : {}),
    ...(m.startedInstance ? { startedInstance: true } : {}),
    ...(m.caseNo ? { caseNo: m.caseNo } : {}),
    ...(m.note ? { note: m.note } : {}),
  };
}

/** Case statuses whose instance runs: a message start may join the case (its instance id is recorded by then). */
const CASE_RUNNING = new Set(['accepting', 'in-progress', 'awaiting-supplement']);

/** The id of the instance a message start event starts for message `messageId`: derived from it, UUID-shaped. */
export function messageInstanceId(messageId: string): string {
  const h = createHash('sha256').update(`message-start:${messageId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Whether the instance variables hold every correlation key with an equal value. */
function correlates(variables: Record<string, unknown>, keys: Record<string, unknown>): boolean {
  return Object.entries(keys).every(([k, v]) => JSON.stringify(variables[k]) === JSON.stringify(v));
}

export class MessageService {
  constructor(private readonly deps: { models: Models; processService: ProcessService; clock: Clock; logger: Logger }) {}

  /**
   * Stores the message and delivers it if an instance waits for it. A resend with an id already
   * stored delivers nothing again: it is answered with the message's state (`replayed: true`).
   * @throws ConflictError MESSAGE_ID_REUSED when the id names another message (other name or business key)
   */
  async send(msg: SendMessage, actor: Actor): Promise<MessageView> {
    const variables = msg.variables ?? {};
    const correlationKeys = msg.correlationKeys ?? {};
    checkVariables(variables);
    checkVariables(correlationKeys);
    const id = msg.id ?? randomUUID();
    const now = this.deps.clock.now();
    try {
      await this.deps.models.Message.create({
        _id: id,
        name: msg.name,
        businessKey: msg.businessKey,
        correlationKeys: JSON.stringify(correlationKeys),
        variables: JSON.stringify(variables),
        status: 'pending',
        sentBy: actor.username,
        ...(msg.fromInstanceId ? { fromInstanceId: msg.fromInstanceId } : {}),
        createdAt: now,
        updatedAt: now,
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing: any = await this.deps.models.Message.findById(id).lean();
      if (!existing) throw err;
      if (existing.name !== msg.name || existing.businessKey !== msg.businessKey) {
        throw new ConflictError('MESSAGE_ID_REUSED', `message id ${id} was used for another message (${existing.name}, ${existing.businessKey})`, { id });
      }
      return view(existing, true);
    }
    return this.tryDeliver(id);
  }

  /**
   * Before the revision that throws them: the messages of an instance's throw events, stored
   * `thrown` (not deliverable) under `${instanceId}:${executionId}` with the revision that will name them.
   */
  async storeThrown(instanceId: string, revision: number, businessKey: string | undefined, thrown: ThrownMessage[]): Promise<void> {
    if (!businessKey) {
      this.deps.logger.warn({ instanceId, messages: thrown.map((t) => t.messageName ?? t.messageId) }, 'a message thrown by an instance without a business key (case number) is not sent');
      return;
    }
    const now = this.deps.clock.now();
    for (const t of thrown) {
      await this.deps.models.Message.updateOne(
        { _id: `${instanceId}:${t.executionId}` },
        {
          $setOnInsert: {
            name: t.messageName ?? t.messageId,
            businessKey,
            correlationKeys: '{}',
            variables: JSON.stringify(t.variables),
            status: 'thrown',
            sentBy: 'system',
            fromInstanceId: instanceId,
            fromElementId: t.elementId,
            fromRevision: revision,
            createdAt: now,
            updatedAt: now,
          },
        },
        { upsert: true },
      );
    }
  }

  /** After the revision that threw them committed: the messages become pending and are delivered. */
  async releaseThrown(instanceId: string, thrown: ThrownMessage[]): Promise<void> {
    for (const t of thrown) {
      const id = `${instanceId}:${t.executionId}`;
      const released = await this.deps.models.Message.updateOne({ _id: id, status: 'thrown' }, { $set: { status: 'pending', updatedAt: this.deps.clock.now() } });
      if (released.modifiedCount) await this.tryDeliver(id);
    }
  }

  /** Messages by status, newest first (at most 200). */
  async list(status: (typeof MESSAGE_STATUSES)[number] = 'pending'): Promise<MessageView[]> {
    const docs = await this.deps.models.Message.find({ status }).sort({ updatedAt: -1 }).limit(200).lean();
    return docs.map((m) => view(m));
  }

  /** Told after a revision reached message catches: pending messages of the instance's business key and those names are delivered. */
  async waitsAppeared(instanceId: string, waits: MessageWait[]): Promise<void> {
    if (!waits.length) return;
    const inst: any = await this.deps.models.Instance.findById(instanceId, { businessKey: 1 }).lean();
    if (!inst?.businessKey) return;
    const names = [...new Set(waits.map((w) => w.messageName ?? w.messageId))];
    const pending = await this.deps.models.Message.find({ businessKey: inst.businessKey, name: { $in: names }, status: 'pending' }, { _id: 1, createdAt: 1 }).lean();
    pending.sort((a: any, b: any) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
    for (const m of pending) {
      const v = await this.tryDeliver(String(m._id));
      if (v.status === 'delivered' && v.instanceId === instanceId) {
        // the wait took one message; the others of the name wait for the next catch
        if (names.length === 1) break;
      }
    }
  }

  /**
   * The repair sweep: `delivering` claims older than the lease (their holder died) are taken over,
   * and pending messages are tried again (a wait that appeared while its telling failed).
   * @returns how many it delivered
   */
  async sweep(olderThanMs: number): Promise<number> {
    const { Message } = this.deps.models;
    const now = this.deps.clock.now();
    let delivered = 0;
    const stale = await Message.find({ status: 'delivering', updatedAt: { $lt: new Date(now.getTime() - Math.max(olderThanMs, CLAIM_LEASE_MS)) } }, { _id: 1, updatedAt: 1 }).limit(100).lean();
    for (const m of stale) {
      const claimed: any = await Message.findOneAndUpdate({ _id: m._id, status: 'delivering', updatedAt: m.updatedAt }, { $set: { updatedAt: now } }, { new: true }).lean();
      if (!claimed) continue;
      try {
        if ((await this.deliverClaimed(claimed)).status === 'delivered') delivered++;
      } catch (err) {
        this.deps.logger.warn({ messageId: m._id, err: (err as Error).message }, 'message repair failed; the next sweep tries again');
      }
    }
    // thrown by a revision that committed but died before releasing them; dropped when it never came
    const thrown = await Message.find({ status: 'thrown', updatedAt: { $lt: new Date(now.getTime() - Math.max(olderThanMs, CLAIM_LEASE_MS)) } }, { fromInstanceId: 1, fromRevision: 1 }).limit(100).lean();
    for (const m of thrown) {
      const [instanceId, executionId] = [String(m.fromInstanceId), String(m._id).slice(String(m.fromInstanceId).length + 1)];
      const rev: any = await this.deps.models.Revision.findById(`${instanceId}:${m.fromRevision}`, { thrownMessages: 1 }).lean();
      if (rev && (JSON.parse(rev.thrownMessages ?? '[]') as string[]).includes(executionId)) {
        await this.releaseThrown(instanceId, [{ executionId } as ThrownMessage]);
        delivered++;
      } else {
        await Message.deleteOne({ _id: m._id, status: 'thrown' });
      }
    }
    const pending = await Message.find({ status: 'pending', updatedAt: { $lt: new Date(now.getTime() - olderThanMs) } }, { _id: 1 }).sort({ updatedAt: 1 }).limit(100).lean();
    for (const m of pending) {
      try {
        if ((await this.tryDeliver(String(m._id))).status === 'delivered') delivered++;
      } catch (err) {
        this.deps.logger.warn({ messageId: m._id, err: (err as Error).message }, 'message delivery failed; the next sweep tries again');
      }
    }
    return delivered;
  }

  /**
   * 消息开始事件: the latest (not archived) version of a process whose message start event has the
   * message's name starts a new instance with the message's business key, and the message is
   * delivered to its start event. Once per message id: the instance id is derived from it, so a
   * retry after a kill finds the instance started (start is idempotent with a given id) and, if the
   * delivering revision was written, the message taken. Null when no process starts on that name.
   *
   * Which case it belongs to (Camunda correlates a message start by name only; the business key is
   * the new instance's): a business key that is the case number of a case in progress (办件) makes
   * the instance the case's — like a called process: the case's number, org unit, windows,
   * department and limit overrides as variables, the case's org unit, the case's root instance
   * (its steps, clocks and audit are the case's; its end does not end the case). A case number of a
   * case not running (under examination, ended, void) starts nothing: the message is kept pending
   * with a note (a case under examination is joined once accepted: the sweep retries). Any other
   * business key starts an instance of no case — no case number, org unit or window; visible to
   * supervisors and admins — and the message says so (`note`, and a warning in the log).
   */
  private async startByMessage(m: any, id: string, variables: Record<string, unknown>): Promise<{ instanceId: string; revision: number; elementId?: string; caseNo?: string; note?: string } | { kept: string } | null> {
    const { Definition, ServiceCase, Instance } = this.deps.models;
    const named = await Definition.find({ 'userTasks.messageStarts': m.name }, { key: 1 }).lean();
    if (!named.length) return null;
    let key: string | undefined;
    for (const k of [...new Set(named.map((d: any) => String(d.key)))].sort()) {
      const latest: any = await Definition.findOne({ key: k }, { userTasks: 1, archived: 1 }).sort({ version: -1 }).lean();
      const starts = ((latest?.userTasks ?? []) as any[]).find((t) => t && Array.isArray(t.messageStarts))?.messageStarts ?? [];
      if (latest && !latest.archived && starts.includes(m.name)) {
        key = k;
        break;
      }
    }
    if (!key) return null;
    const ps = this.deps.processService;
    const instanceId = messageInstanceId(id);
    const kase: any = await ServiceCase.findById(m.businessKey, { status: 1, instanceId: 1, orgUnit: 1 }).lean();
    let startVariables: Record<string, unknown> = {};
    let orgUnit: string | undefined;
    let rootInstanceId: string | undefined;
    let note: string | undefined;
    if (kase) {
      // (unless this message's instance was started already, by a holder that died before delivering: it goes on)
      if ((!CASE_RUNNING.has(kase.status) || !kase.instanceId) && !(await this.deps.models.Revision.exists({ _id: `${instanceId}:1` }))) {
        return { kept: `办件 ${m.businessKey} 当前状态为「${kase.status}」，未在办理中：消息开始事件不为它启动流程，消息保留待处理（办件受理后自动重试）` };
      }
      const root: any = kase.instanceId ? await Instance.findById(kase.instanceId, { variables: 1, orgUnit: 1 }).lean() : null;
      startVariables = caseContextOf((root?.variables ?? {}) as Record<string, unknown>);
      startVariables.caseNo = m.businessKey;
      orgUnit = kase.orgUnit ?? root?.orgUnit ?? undefined;
      rootInstanceId = kase.instanceId ? String(kase.instanceId) : undefined;
    } else {
      note = `业务键「${m.businessKey}」不是本平台办件的编号：启动的流程实例不属于任何办件（无办件编号、所属机构和窗口，不计入办件时限），仅督查员和管理员可见`;
    }
    // the case's root instance lists it (the case page reads the steps of these instances): idempotent, done again on a retry
    const listed = async () => {
      if (rootInstanceId) await Instance.updateOne({ _id: rootInstanceId }, { $addToSet: { messageStartedInstances: { instanceId, messageId: id, name: m.name } } });
    };
    const taken = await ps.messageTakenBy(instanceId, id);
    if (taken) {
      await listed();
      return { instanceId, ...taken, ...(rootInstanceId ? { caseNo: m.businessKey } : {}), ...(note ? { note } : {}) };
    }
    const actor = { username: m.sentBy ?? 'system', groups: [], roles: ['system'], ...(orgUnit ? { orgUnit } : {}) };
    await ps.startInstance(key, startVariables, actor, m.businessKey, instanceId, { ...(rootInstanceId ? { rootInstanceId } : {}), message: { id, name: m.name } });
    await listed();
    crashPoint('messages.after-start');
    const r = await ps.deliverMessage(instanceId, { id, name: m.name, variables });
    if (rootInstanceId) {
      // the case's root ended while this instance started (its end cancels the instances listed before it read
      // the list): this one ends with the case too
      const rootNow: any = await Instance.findById(rootInstanceId, { status: 1 }).lean();
      if (rootNow && rootNow.status !== 'running' && rootNow.status !== 'starting') {
        await ps.cancelInstance(instanceId, { username: 'system', groups: [], roles: ['system'] }, '办件已结束，消息启动的流程随之终止').catch((err) => {
          if (!(err instanceof ConflictError && err.code === 'CASE_ENDED')) throw err;
        });
      }
    }
    if (note) this.deps.logger.warn({ messageId: id, name: m.name, key, instanceId }, 'a message started an instance outside any case (its business key is no case number)');
    else this.deps.logger.info({ messageId: id, name: m.name, key, instanceId, caseNo: m.businessKey }, 'message started an instance of the case');
    return { instanceId, revision: r.revision, elementId: r.elementId, ...(rootInstanceId ? { caseNo: m.businessKey } : {}), ...(note ? { note } : {}) };
  }

  /** Claims a pending message (`pending → delivering`) and delivers it; answers its state when another holds it or it is done. */
  private async tryDeliver(id: string): Promise<MessageView> {
    const claimed: any = await this.deps.models.Message.findOneAndUpdate({ _id: id, status: 'pending' }, { $set: { status: 'delivering', updatedAt: this.deps.clock.now() } }, { new: true }).lean();
    if (!claimed) return view(await this.deps.models.Message.findById(id).lean());
    return this.deliverClaimed(claimed);
  }

  /** Delivers a message this process holds to the one instance waiting for it, or puts it back `pending`. */
  private async deliverClaimed(m: any): Promise<MessageView> {
    const { Message, Instance } = this.deps.models;
    const ps = this.deps.processService;
    const id = String(m._id);
    const keys = JSON.parse(m.correlationKeys ?? '{}') as Record<string, unknown>;
    const variables = JSON.parse(m.variables ?? '{}') as Record<string, unknown>;
    const done = async (instanceId: string, revision: number, elementId?: string, started?: { caseNo?: string; note?: string }) => {
      const now = this.deps.clock.now();
      const set = { status: 'delivered', instanceId, revision, ...(elementId ? { elementId } : {}), deliveredAt: now, updatedAt: now, ...(started ? { startedInstance: true, ...(started.caseNo ? { caseNo: started.caseNo } : {}), ...(started.note ? { note: started.note } : {}) } : {}) };
      await Message.updateOne({ _id: id, status: 'delivering' }, { $set: set });
      return view({ ...m, ...set });
    };
    try {
      const candidates = await Instance.find({ businessKey: m.businessKey, status: 'running' }, { _id: 1, startedAt: 1 }).limit(MAX_CANDIDATES).lean();
      candidates.sort((a: any, b: any) => new Date(a.startedAt).getTime() - new Date(b.startedAt).getTime());
      for (const c of candidates) {
        const instanceId = String(c._id);
        // a holder that died after the instance's revision took the message: only record it
        const taken = await ps.messageTakenBy(instanceId, id);
        if (taken) return await done(instanceId, taken.revision, taken.elementId);
        const state = await ps.messageWaitsOf(instanceId);
        if (!state || !state.waits.some((w) => w.kind === 'catch' && (w.messageName ?? w.messageId) === m.name)) continue;
        if (!correlates(state.variables, keys)) continue;
        try {
          const r = await ps.deliverMessage(instanceId, { id, name: m.name, variables });
          crashPoint('messages.after-delivery');
          return await done(instanceId, r.revision, r.elementId);
        } catch (err) {
          // the wait went (taken by another message, the case ended) between the read and the command
          if (err instanceof ConflictError && (err.code === 'MESSAGE_NOT_WAITING' || err.code === 'CASE_ENDED')) continue;
          throw err;
        }
      }
    } catch (err) {
      await Message.updateOne({ _id: id, status: 'delivering' }, { $set: { status: 'pending', updatedAt: this.deps.clock.now() } });
      throw err;
    }
    let kept: string | undefined;
    try {
      // nobody waits: a deployed process whose message start event has this name starts an instance
      const started = await this.startByMessage(m, id, variables);
      if (started && 'kept' in started) kept = started.kept;
      else if (started && 'instanceId' in started) return await done(started.instanceId, started.revision, started.elementId, { caseNo: started.caseNo, note: started.note });
    } catch (err) {
      await Message.updateOne({ _id: id, status: 'delivering' }, { $set: { status: 'pending', updatedAt: this.deps.clock.now() } });
      throw err;
    }
    // nobody waits: kept, visible, delivered when a wait appears
    const now = this.deps.clock.now();
    await Message.updateOne({ _id: id, status: 'delivering' }, kept ? { $set: { status: 'pending', updatedAt: now, note: kept } } : { $set: { status: 'pending', updatedAt: now }, $unset: { note: 1 } });
    return view({ ...m, status: 'pending', updatedAt: now, note: kept });
  }
}
