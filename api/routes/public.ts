/**
 * Public routes (no login): the service guide with each item's five disclosures (五公开),
 * item lists per town and per department, each town's notice board, and the case lookup —
 * which needs the case number AND its query code (or the applicant's phone) and is
 * rate-limited per address.
 */
import { Router } from 'express';
import { z } from 'zod';
import { ValidationError, type Platform } from '../../engine';
import { rateLimit } from '../http/rate-limit';
import { caseNoParam } from './network-office';

const id = z.string().min(1).max(60).regex(/^[A-Za-z0-9_-]+$/, 'contains characters that no id has');

export function publicRoutes(platform: Platform, opts: { lookupPerMinute?: number } = {}): Router {
  const r = Router();
  const { catalogue, org, cases, feedback } = platform;
  const limited = () => rateLimit({ windowMs: 60_000, max: opts.lookupPerMinute ?? 10 });
  const parseId = (v: unknown, what: string) => {
    const x = id.safeParse(v);
    if (!x.success) throw new ValidationError('INVALID_ID', `${what}: ${x.error.issues[0].message}`);
    return x.data;
  };

  r.get('/towns', async (_req, res) => void res.json(await org.listOrgUnits()));
  r.get('/items', async (req, res) => {
    const q = z.object({ department: z.string().max(60).optional(), orgLevel: z.enum(['town', 'city']).optional() }).parse(req.query);
    res.json((await catalogue.listItems(q)).map((i) => ({ code: i.code, name: i.name, department: i.department, orgLevel: i.orgLevel, category: i.defaultCategory, promisedLimitDays: i.promisedLimitDays })));
  });
  r.get('/items/:code', async (req, res) => void res.json(await catalogue.guide(parseId(req.params.code, 'item code'))));
  /** Items a town's windows take in, each with the window to go to. */
  r.get('/towns/:id/items', async (req, res) => {
    const town = parseId(req.params.id, 'town');
    await org.getOrgUnit(town);
    const items = await catalogue.listItems();
    const out = [];
    for (const i of items) {
      const w = await org.windowFor(town, i.department);
      out.push({ code: i.code, name: i.name, department: i.department, orgLevel: i.orgLevel, category: i.defaultCategory, promisedLimitDays: i.promisedLimitDays, window: w ? { id: w._id, no: w.no, name: w.name } : null });
    }
    res.json(out);
  });
  r.get('/departments/:code/items', async (req, res) => {
    const items = await catalogue.listItems({ department: parseId(req.params.code, 'department') });
    res.json(items.map((i) => ({ code: i.code, name: i.name, orgLevel: i.orgLevel, category: i.defaultCategory, promisedLimitDays: i.promisedLimitDays })));
  });
  r.get('/towns/:id/board', async (req, res) => {
    const town = parseId(req.params.id, 'town');
    await org.getOrgUnit(town);
    res.json(await catalogue.board(town));
  });
  r.post('/complaints', limited(), async (req, res) => {
    const body = z
      .object({
        orgUnit: id,
        target: z.object({ kind: z.enum(['case', 'window', 'person']), caseNo: caseNoParam.optional(), windowId: z.string().max(60).optional(), person: z.string().trim().max(60).optional() }),
        content: z.string().trim().min(5, 'say what happened (at least 5 characters)').max(5000),
        contactName: z.string().trim().max(50).optional(),
        phone: z.string().trim().max(20).optional(),
      })
      .parse(req.body ?? {});
    res.status(201).json(await feedback.complain(body));
  });
  r.post('/complaint-lookup', limited(), async (req, res) => {
    const body = z.object({ reference: z.string().regex(/^TS-[A-Z]{2}-\d{8}-\d{4,6}$/, 'a reference looks like TS-DB-20261128-0001'), queryCode: z.string().trim().min(1).max(20) }).parse(req.body ?? {});
    res.json(await feedback.lookupComplaint(body.reference, body.queryCode));
  });
  r.post('/ratings', limited(), async (req, res) => {
    const body = z
      .object({
        caseNo: caseNoParam,
        queryCode: z.string().trim().max(20).optional(),
        phone: z.string().trim().max(20).optional(),
        stage: z.enum(['acceptance', 'completion', 're-rating']),
        level: z.number().int().min(1).max(5),
        comment: z.string().trim().max(1000).optional(),
      })
      .refine((b) => b.queryCode || b.phone, { message: 'give the query code (查询码) or the applicant phone number' })
      .parse(req.body ?? {});
    res.status(201).json(await feedback.rate(body.caseNo, body, body));
  });
  r.post('/case-lookup', limited(), async (req, res) => {
    const body = z
      .object({ caseNo: caseNoParam, queryCode: z.string().trim().max(20).optional(), phone: z.string().trim().max(20).optional() })
      .refine((b) => b.queryCode || b.phone, { message: 'give the query code (查询码) or the applicant phone number' })
      .parse(req.body ?? {});
    res.json(await cases.publicLookup(body.caseNo, body));
  });
  return r;
}
