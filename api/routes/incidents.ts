/**
 * Incidents (事件/故障): jobs of service and send tasks that failed their last attempt
 * (engine/service-jobs). Supervisors and admins list and read them (each sees across org units,
 * as everywhere); an admin retries one (the job runs again with its attempts back) or cancels it
 * (终止: the case's process instance is cancelled — what Camunda offers for a failed external task).
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { INCIDENT_FILTERS, type Logger, type Platform } from '../../engine';
import { requireRole } from '../http/auth';
import { pathParam } from '../http/params';

export const IncidentListQuery = z.object({ status: z.enum(INCIDENT_FILTERS).default('open') });
export const IncidentRetryBody = z.object({ note: z.string().max(500).optional() });
export const IncidentCancelBody = z.object({ reason: z.string().trim().min(1, 'reason is required').max(500) });

/** A job key: instance id, element id, execution id (element ids may be any XML name). */
const incidentId = z.string().min(1).max(400).regex(/^[\p{L}\p{N}:_.-]+$/u, 'contains characters that no incident id has');
const idOf = (req: Request) => pathParam(req, 'id', incidentId);

export function incidentRoutes(platform: Platform, logger: Logger): Router {
  const r = Router();
  const jobs = platform.serviceJobs;
  r.get('/incidents', requireRole('supervisor'), async (req, res) => {
    const q = IncidentListQuery.parse(req.query);
    res.json(await jobs.listIncidents(req.actor!, q.status));
  });
  r.get('/incidents/:id', requireRole('supervisor'), async (req, res) => {
    res.json(await jobs.getIncident(idOf(req), req.actor!));
  });
  r.post('/incidents/:id/retry', requireRole('admin'), async (req, res) => {
    const body = IncidentRetryBody.parse(req.body ?? {});
    const view = await jobs.retry(idOf(req), req.actor!, body.note);
    logger.info({ incident: view.id, by: req.actor!.username }, 'incident retried');
    res.json(view);
  });
  r.post('/incidents/:id/cancel', requireRole('admin'), async (req, res) => {
    const body = IncidentCancelBody.parse(req.body ?? {});
    res.json(await jobs.cancel(idOf(req), req.actor!, body.reason));
  });
  return r;
}
