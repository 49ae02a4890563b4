/**
 * Messages (消息, issue 15): an external sender (or an operator) posts a message for the case of a
 * business key (the case number); the instance waiting on a catch of that name takes it, exactly
 * once; a message nobody waits for is kept `pending` and listed for admins. `messageId` makes a
 * resend idempotent: the same id answers the stored message's state and delivers nothing again.
 */
import { Router } from 'express';
import { z } from 'zod';
import { MESSAGE_STATUSES, type Platform } from '../../engine';
import { requireRole } from '../http/auth';

const name = z.string().trim().min(1, 'name is required').max(200).regex(/^[\p{L}\p{N}_.:-]+$/u, 'a message name is letters, digits and _ . : -');
const variables = z.record(z.string().max(100), z.unknown());

export const SendMessageBody = z.object({
  name,
  businessKey: z.string().trim().min(1, 'businessKey (the case number) is required').max(100),
  correlationKeys: variables.optional(),
  variables: variables.refine((v) => !('caseNo' in v), 'a message may not change the case number (caseNo)').optional(),
  messageId: z.string().min(1).max(200).regex(/^[\p{L}\p{N}_.:-]+$/u, 'a message id is letters, digits and _ . : -').optional(),
});
export const MessageListQuery = z.object({ status: z.enum(MESSAGE_STATUSES).default('pending') });

export function messageRoutes(platform: Platform): Router {
  const r = Router();
  r.post('/messages', requireRole('designer', 'supervisor'), async (req, res) => {
    const body = SendMessageBody.parse(req.body ?? {});
    const sent = await platform.messages.send(
      { name: body.name, businessKey: body.businessKey, ...(body.correlationKeys ? { correlationKeys: body.correlationKeys } : {}), ...(body.variables ? { variables: body.variables } : {}), ...(body.messageId ? { id: body.messageId } : {}) },
      req.actor!,
    );
    res.status(202).json(sent);
  });
  r.get('/messages', requireRole('admin'), async (req, res) => {
    const q = MessageListQuery.parse(req.query);
    res.json(await platform.messages.list(q.status));
  });
  return r;
}
