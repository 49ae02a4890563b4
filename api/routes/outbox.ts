/** Operators' view of the provincial feed (省级电子监察平台推送): counts, events by status, requeue a dead letter. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { OUTBOX_STATUSES, type Logger, type OutboxStatus, type Platform } from '../../engine';
import { requireRole } from '../http/auth';
import { pathParam } from '../http/params';

export const OutboxListQuery = z.object({
  status: z.enum(OUTBOX_STATUSES as [OutboxStatus, ...OutboxStatus[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  order: z.enum(['oldest', 'newest']).default('oldest'),
});
const idOf = (req: Request) => pathParam(req, 'id');

export function outboxRoutes(platform: Platform, logger: Logger): Router {
  const r = Router();
  const { outbox } = platform;
  r.get('/outbox/stats', requireRole('supervisor'), async (_req, res) => {
    res.json({ enabled: Boolean(platform.feedDelivery), ...(await outbox.stats()) });
  });
  r.get('/outbox/events', requireRole('supervisor'), async (req, res) => {
    res.json(await outbox.list(OutboxListQuery.parse(req.query)));
  });
  r.get('/outbox/events/:id', requireRole('supervisor'), async (req, res) => {
    res.json(await outbox.get(idOf(req)));
  });
  r.post('/outbox/events/:id/retry', requireRole('admin'), async (req, res) => {
    const ev = await outbox.retry(idOf(req));
    logger.info({ eventId: ev.id, by: req.actor!.username }, 'outbox event requeued');
    res.json(ev);
  });
  return r;
}
