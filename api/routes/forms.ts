/**
 * 表单 — form-js schemas (Camunda Forms) for task and intake forms.
 *   GET  /api/forms                    list (id, name, latest version, updated at/by)
 *   GET  /api/forms/:id[?version=n]    one version's schema (latest by default)
 *   GET  /api/forms/:id/versions       the version history
 *   PUT  /api/forms/:id                designer: save { name, schema, baseVersion? } as a new version
 *   GET  /api/tasks/:id/form           the form a task is completed through, with its initial data
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Platform } from '../../engine';
import { requireRole } from '../http/auth';
import { pathParam } from '../http/params';

const formId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'a form id is lower-case letters, digits and "-"');

export const SaveFormBody = z.object({
  name: z.string().trim().min(1).max(100),
  schema: z.record(z.string(), z.unknown()),
  /** the version the editor started from; a save over a newer version is refused (409 FORM_CHANGED) */
  baseVersion: z.number().int().min(0).optional(),
});

export function formRoutes(platform: Platform): Router {
  const r = Router();
  const { forms, taskActions } = platform;
  r.get('/forms', async (_req, res) => {
    res.json(await forms.list());
  });
  r.get('/forms/:id', async (req, res) => {
    const q = z.object({ version: z.coerce.number().int().min(1).optional() }).parse(req.query);
    res.json(await forms.get(pathParam(req, 'id', formId), q.version));
  });
  r.get('/forms/:id/versions', async (req, res) => {
    res.json(await forms.versions(pathParam(req, 'id', formId)));
  });
  r.put('/forms/:id', requireRole('designer'), async (req, res) => {
    const body = SaveFormBody.parse(req.body ?? {});
    res.json(await forms.save(pathParam(req, 'id', formId), { name: body.name, schema: body.schema }, req.actor!.username, body.baseVersion));
  });
  r.get('/tasks/:id/form', async (req, res) => {
    res.json(await taskActions.form(pathParam(req, 'id'), req.actor!));
  });
  return r;
}
