/**
 * Public routes (no login): the service guide with each item's five disclosures (五公开),
 * item lists per town and per department, each town's notice board, and the case lookup —
 * which needs the case number AND its query code (or the applicant's phone) and is
 * rate-limited per address.
 */
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError, type Platform } from '../../engine';
import { rateLimit } from '../http/rate-limit';
import { idempotent, type IdempotencyLocals } from '../http/idempotency';
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
  /**
   * The procedure of a public item drawn as BPMN (the latest deployed version of its path), for
   * the guide's read-only diagram. Only definitions a catalogue item names are reachable here.
   */
  r.get('/items/:code/diagram', async (req, res) => {
    const item = await catalogue.getItem(parseId(req.params.code, 'item code'));
    const def = await platform.processService.getDefinition(item.procedure).catch((err) => {
      throw err instanceof NotFoundError ? new NotFoundError('DIAGRAM_NOT_FOUND', `item ${item.code} has no deployed procedure yet`) : err;
    });
    res.setHeader('X-Definition-Key', String(def.key));
    res.setHeader('X-Definition-Version', String(def.version));
    res.type('application/xml').send(def.xml);
  });
  /** Items a town's windows take in, each with the window to go to. */
  r.get('/towns/:id/items', async (req, res) => {
    const town = parseId(req.params.id, 'town');
    await org.getOrgUnit(town);
    const items = await catalogue.listItems();
    const out = [];
    // one look-up per department, not per item (items share departments)
    const windowOf = new Map<string, Awaited<ReturnType<typeof org.windowFor>>>();
    for (const i of items) {
      if (!windowOf.has(i.department)) windowOf.set(i.department, await org.windowFor(town, i.department));
      const w = windowOf.get(i.department);
      out.push({ code: i.code, name: i.name, department: i.department, orgLevel: i.orgLevel, category: i.defaultCategory, promisedLimitDays: i.promisedLimitDays, window: w ? { id: w._id, no: w.no, name: w.name } : null });
    }
    res.json(out);
  });
  /** A town's windows as the public sees them in the hall: number, name, department (no staff data). */
  r.get('/towns/:id/windows', async (req, res) => {
    const town = parseId(req.params.id, 'town');
    const windows = await org.listWindows(town);
    res.json(windows.map((w) => ({ id: w.id, no: w.no, name: w.name, department: w.department, departmentName: w.departmentName, kind: w.kind, accepts: w.accepts, status: w.status })));
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
  r.post('/complaints', limited(), idempotent(platform.idempotency), async (req, res) => {
    const body = z
      .object({
        orgUnit: id,
        target: z.object({ kind: z.enum(['case', 'window', 'person']), caseNo: caseNoParam.optional(), windowId: z.string().max(60).optional(), person: z.string().trim().max(60).optional() }),
        content: z.string().trim().min(5, 'say what happened (at least 5 characters)').max(5000),
        contactName: z.string().trim().max(50).optional(),
        phone: z.string().trim().max(20).optional(),
      })
      .parse(req.body ?? {});
    // under an Idempotency-Key: the resend of a complaint that was filed gets it back (reference and query code), not a second one
    const idem = res.locals.idempotency as IdempotencyLocals | undefined;
    const out = await feedback.complain(body, idem ? { requestId: idem.requestId, previous: idem.previous, onReference: idem.attach } : {});
    if ('replayed' in out) res.set('Idempotent-Replayed', 'true');
    res.status(201).json(out);
  });
  r.post('/complaint-lookup', limited(), async (req, res) => {
    const body = z.object({ reference: z.string().regex(/^TS-[A-Z]{2}-\d{8}-\d{4,6}$/, 'a reference looks like TS-DB-20261128-0001'), queryCode: z.string().trim().min(1).max(20) }).parse(req.body ?? {});
    res.json(await feedback.lookupComplaint(body.reference, body.queryCode));
  });
  r.post('/ratings', limited(), idempotent(platform.idempotency), async (req, res) => {
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
    // the resend of a rating that was given (same key, or without one the same level and comment) is answered as done
    const out = await feedback.rate(body.caseNo, body, body, { requestId: (res.locals.idempotency as IdempotencyLocals | undefined)?.requestId });
    if (out.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(201).json(out);
  });
  r.post('/case-lookup', limited(), async (req, res) => {
    const body = z
      .object({ caseNo: caseNoParam, queryCode: z.string().trim().max(20).optional(), phone: z.string().trim().max(20).optional() })
      .refine((b) => b.queryCode || b.phone, { message: 'give the query code (查询码) or the applicant phone number' })
      .parse(req.body ?? {});
    res.json(await cases.publicCase(body.caseNo, body));
  });

  return r;
}
