/**
 * In-app messages (站内消息): written for a person (a step handed to them, a case ended, a
 * complaint, a clock's signal) and read as their newest first.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { newestFirst } from '../persistence/newest';

/** What messages need: the models and the clock (the supervision channel sends through it before any case service exists). */
export interface NotifyContext {
  deps: { models: Models; clock: Clock };
}

/** An in-app message (站内消息). With `key` it is written once however often it is sent (a signal rung again by the repair). */
export async function notify(ctx: NotifyContext, to: string, kind: string, title: string, body: string, caseNo?: string, taskId?: string, key?: string) {
  try {
    await ctx.deps.models.Notification.create({ _id: key ?? randomUUID(), to, kind, title, body, caseNo, taskId, createdAt: ctx.deps.clock.now() });
  } catch (err) {
    if (!key || !isDuplicateKey(err)) throw err;
  }
}

/**
 * A person's newest in-app messages (at most `limit`), newest first, by windows of createdAt
 * (DocumentDB reads no sort from an index: a plain sort read every message the person ever had —
 * years of them — to answer the newest 200).
 */
export async function notificationsOf(ctx: NotifyContext, username: string, limit = 200) {
  const docs = await newestFirst<any>(ctx.deps.models.Notification, { to: username }, 'createdAt', limit, ctx.deps.clock.now());
  return docs.map((n) => ({ id: String(n._id), kind: String(n.kind), title: String(n.title), body: String(n.body), caseNo: n.caseNo ?? undefined, taskId: n.taskId ?? undefined, createdAt: n.createdAt as Date, readAt: (n.readAt ?? null) as Date | null }));
}
