/**
 * The job handlers this platform ships, one per topic (engine/domain/service-jobs.ts JOB_TOPICS).
 * Each is idempotent by the job key: it may run again after a kill or a double delivery, and the
 * second run must not double the effect.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from '../domain/types';
import { JOB_TOPICS } from '../domain/service-jobs';
import type { Models } from '../persistence/models';
import { isDuplicateKey } from '../persistence/models';
import type { Outbox } from '../outbox/outbox';
import { maskPhone } from '../cases/identity';
import type { SmsConfig } from './config';

/** What a handler is told about the job it runs. */
export interface JobContext {
  /** The job key (instance:element:execution): the idempotency key of every effect. */
  key: string;
  topic: string;
  instanceId: string;
  elementId: string;
  elementName?: string;
  executionId: string;
  definitionKey: string;
  caseNo?: string;
  orgUnit?: string;
  /** The process variables when the job runs (read-only). */
  variables: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt. */
  attempt: number;
}

/** Runs one job; the returned variables go into the process when the task completes. Throws to fail the attempt. */
export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown> | void>;

/**
 * provincial-feed (省级电子监察平台): appends the case's step event to the outbound feed — the
 * outbox (engine/outbox), whose delivery job sends it with retries of its own. The event id is
 * the job key, so a second run appends nothing.
 */
export function provincialFeedHandler(outbox: Outbox): JobHandler {
  return async (ctx) => {
    const r = await outbox.append({
      type: 'case.step-reported',
      caseNo: ctx.caseNo,
      orgUnit: ctx.orgUnit,
      occurredAt: new Date(),
      data: { instanceId: ctx.instanceId, definitionKey: ctx.definitionKey, elementId: ctx.elementId, step: ctx.elementName ?? ctx.elementId },
      dedupeKey: `job:${ctx.key}`,
    });
    return { provincialFeedEventId: r.id };
  };
}

interface SmsDoc {
  _id: string;
  caseNo?: string;
  /** Masked, never the full number. */
  to: string;
  channel: 'log' | 'gateway';
  claimedAt: Date;
  sentAt?: Date;
}

/**
 * applicant-notification (申请人短信通知): an SMS to the applicant of the case (the phone of the
 * service case, else the variable `applicantPhone`), through the gateway of `SMS_GATEWAY_URL`, or
 * the log channel when it is unset: one log line with the number masked (138****5678), never the
 * full number. Idempotency: the send is recorded in `sms_messages` by job key; a recorded send is
 * not repeated, and a send cut short by a kill is repeated with the same `Idempotency-Key` so the
 * gateway can drop it. A case without a phone fails the attempt (it becomes an incident).
 */
export function applicantNotificationHandler(deps: { conn: Connection; models: Models; sms: SmsConfig; logger: Logger }): JobHandler {
  const Sms: Model<SmsDoc> = deps.conn.models.SmsMessage ?? deps.conn.model<SmsDoc>('SmsMessage', new Schema<SmsDoc>({ _id: String, caseNo: String, to: String, channel: String, claimedAt: Date, sentAt: Date }, { versionKey: false, collection: 'sms_messages' }));
  return async (ctx) => {
    const kase: any = ctx.caseNo ? await deps.models.ServiceCase.findById(ctx.caseNo, { applicant: 1, itemName: 1 }).lean() : null;
    const phone = String(kase?.applicant?.phone ?? (typeof ctx.variables.applicantPhone === 'string' ? ctx.variables.applicantPhone : '')).trim();
    if (!phone) throw new Error('the case has no applicant phone number to notify');
    const masked = maskPhone(phone);
    const channel = deps.sms.endpoint ? 'gateway' : 'log';
    try {
      await Sms.create({ _id: ctx.key, caseNo: ctx.caseNo, to: masked, channel, claimedAt: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const prior = await Sms.findById(ctx.key).lean();
      if (prior?.sentAt) return { notifiedAt: prior.sentAt.toISOString() };
    }
    const text = `【${deps.sms.signature}】您的办件${ctx.caseNo ?? ''}${kase?.itemName ? `（${kase.itemName}）` : ''}：${ctx.elementName ?? '办理进度有更新'}。`;
    if (deps.sms.endpoint) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), deps.sms.timeoutMs);
      try {
        const res = await fetch(deps.sms.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': ctx.key, ...(deps.sms.token ? { authorization: `Bearer ${deps.sms.token}` } : {}) },
          body: JSON.stringify({ to: phone, text }),
          signal: ac.signal,
        });
        if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
      } catch (err) {
        throw new Error(ac.signal.aborted ? `SMS gateway did not answer within ${deps.sms.timeoutMs} ms` : (err as Error).message);
      } finally {
        clearTimeout(timer);
      }
    } else {
      deps.logger.info({ channel: 'log', to: masked, caseNo: ctx.caseNo, instanceId: ctx.instanceId, activityId: ctx.elementId, chars: text.length }, 'sms (log channel)');
    }
    const sentAt = new Date();
    await Sms.updateOne({ _id: ctx.key }, { $set: { sentAt } });
    return { notifiedAt: sentAt.toISOString() };
  };
}

/** The platform's handlers by topic. */
export function platformJobHandlers(deps: { conn: Connection; models: Models; outbox: Outbox; sms: SmsConfig; logger: Logger }): Record<string, JobHandler> {
  return {
    [JOB_TOPICS.provincialFeed]: provincialFeedHandler(deps.outbox),
    [JOB_TOPICS.applicantNotification]: applicantNotificationHandler(deps),
  };
}
