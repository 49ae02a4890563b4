/**
 * 开放时间 of the centres:
 *   GET /api/org/units/:id/opening   the spec, close of business, the next 14 days' sessions, change history
 *   PUT /api/org/units/:id/opening   admin, or the centre's head: { workingDaySessions, extraOpenings, extraDays, closedDays, reason }
 * Public readers get the same next-14-days view at GET /api/public/towns/:id/opening.
 */
import { Router } from 'express';
import { OpeningBody, type Platform } from '../../engine';
import { pathParam } from '../http/params';

export function openingRoutes(platform: Platform): Router {
  const r = Router();
  r.get('/org/units/:id/opening', async (req, res) => {
    res.json(await platform.openingHours.get(pathParam(req, 'id'), new Date(), 14, req.actor!));
  });
  r.put('/org/units/:id/opening', async (req, res) => {
    const body = OpeningBody.parse(req.body ?? {});
    res.json(await platform.openingHours.set(pathParam(req, 'id'), body, req.actor!, new Date()));
  });
  return r;
}

/** The public, read-only view (no history, no names of who changed it). */
export function publicOpeningRoutes(platform: Platform): Router {
  const r = Router();
  r.get('/towns/:id/opening', async (req, res) => {
    const o = await platform.openingHours.get(pathParam(req, 'id'), new Date());
    res.json({ unit: o.unit, name: o.name, spec: o.spec, closeTime: o.closeTime, next: o.next });
  });
  return r;
}
