/**
 * Routes of the network office system (网络办公系统): org model and duty, catalogue and
 * information posts, intake and service cases, inbox actions, audit, notifications.
 * Everything here needs a login; the public routes live in `public.ts`.
 */
import { Router, type Request, type Response } from 'express';
import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { ConflictError, INBOX_PAGE_DEFAULT, INBOX_PAGE_MAX, NotFoundError, REJECT_REASONS, UnavailableError, type Platform } from '../../engine';
import { requireRole } from '../http/auth';
import { idempotent, type IdempotencyLocals } from '../http/idempotency';
import { idSchema, pathParam } from '../http/params';
import { Variables } from '../schemas';
import { taskOffer } from './task-offer';

const id = idSchema;
export const caseNoParam = z.string().regex(/^[A-Z]{2}-\d{8}-\d{4,6}$/, 'a case number looks like DB-20261128-0001');

const p = pathParam;

const text = (max: number) => z.string().trim().min(1).max(max);
const reason = text(500).describe('why (logged with the action)');

export const Material = z.object({
  code: z.string().min(1).max(20),
  provided: z.boolean(),
  defect: z.string().trim().max(300).optional(),
  applicable: z.boolean().optional(),
});

export const ApplicantBody = z.object({
  kind: z.enum(['person', 'company']),
  name: text(100),
  idType: z.enum(['resident-id', 'credit-code', 'passport', 'hk-macao-permit', 'other']),
  idNumber: text(40),
  phone: z.string().trim().max(20).optional(),
  contactName: z.string().trim().max(50).optional(),
  address: z.string().trim().max(200).optional().describe('postal address (联系地址); shown on the case page only'),
});

export const IntakeBody = z.object({
  itemCode: text(40),
  applicant: ApplicantBody,
  materials: z.array(Material).max(100).default([]),
  reject: z.object({ reasonCode: z.string().max(40).optional(), reason: z.string().trim().max(1000).optional() }).optional(),
  limitOverrides: z.record(z.string().max(64), z.string().max(40)).optional(),
  /** 收件后审查 (行政许可法 第三十二条): decide within five working days instead of on the spot */
  examine: z.boolean().optional(),
});

export const DutyBody = z.object({
  status: z.enum(['present', 'away']),
  reason: z.string().trim().max(300).optional(),
  until: z.coerce.date().optional(),
  standIn: z.string().max(64).optional(),
});

export const CompleteBody = z.object({
  decision: z.string().max(20).optional(),
  opinion: z.string().trim().max(2000).optional(),
  /** the shared schema: names of at most 64, 16 deep, 5,000 values (the engine's own limits) */
  variables: Variables,
});

export const ItemBody = z.object({
  code: z.string().regex(/^[A-Z]{1,6}-\d{3}$/, 'item codes look like SW-001'),
  name: text(200),
  department: text(60),
  orgLevel: z.enum(['town', 'city']),
  /** 即办件 · 承诺件 · 上报件 · 联办件; the catalogue rules (engine/catalogue/item-rules.ts) check it against limits and path: 422 ITEM_RULE_VIOLATION */
  defaultCategory: z.enum(['immediate', 'promised', 'report-up', 'joint']),
  procedure: text(200),
  statutoryLimitDays: z.number().int().min(0).max(365),
  promisedLimitDays: z.number().int().min(0).max(365),
  materials: z.array(
    z.object({
      code: text(20),
      name: text(200),
      form: text(40),
      copies: z.number().int().min(1).max(50),
      original: z.boolean(),
      requirement: z.enum(['mandatory', 'conditional']),
      condition: z.string().max(300).optional(),
      note: z.string().max(300).optional(),
    }),
  ).max(60),
  fees: z.union([
    z.object({ free: z.literal(true), basis: z.string().max(300).optional() }),
    z.object({ free: z.literal(false), items: z.array(z.object({ name: text(100), amountFen: z.number().int().min(0).max(100_000_000), basis: text(300) })).min(1).max(20) }),
  ]),
  legalBasis: z.array(text(300)).max(30).default([]),
  conditions: z.string().max(2000).optional(),
  outcome: z.string().max(200).optional(),
  jointDepartments: z.array(text(60)).max(10).optional(),
  /** the change note kept with the version (修改说明) */
  note: z.string().max(500).optional(),
  /** the version the editor started from: a save over a newer version is 409 ITEM_VERSION_CONFLICT */
  baseVersion: z.number().int().min(0).optional(),
});

export function networkOfficeRoutes(platform: Platform): Router {
  const r = Router();
  const { org, catalogue, cases, taskActions, audit } = platform;
  /** Idempotency-Key on the window's creating and deciding POSTs (a retried request answers once). */
  const once = idempotent(platform.idempotency);

  // ---- org model (组织机构)
  r.get('/org/units', async (_req, res) => void res.json(await org.listOrgUnits()));
  r.get('/org/units/:id/windows', async (req, res) => void res.json(await org.listWindows(p(req, 'id'), req.actor!)));
  r.get('/org/windows/:id', async (req, res) => void res.json(await org.getWindow(p(req, 'id'), req.actor!)));
  r.post('/org/windows', requireRole('admin'), async (req, res) => {
    const body = z.object({
      orgUnit: id, name: text(100), department: text(60), departmentName: z.string().max(100).optional(),
      kind: z.enum(['department', 'comprehensive', 'service']), accepts: z.array(text(60)).max(20).optional(),
      postA: id, postB: id,
    }).parse(req.body ?? {});
    res.status(201).json(await org.registerWindow(body, req.actor!));
  });
  r.post('/org/staff', requireRole('admin'), async (req, res) => {
    const body = z.object({
      username: z.string().regex(/^[a-z][a-z0-9-]{2,40}$/, 'lowercase letters, digits and -'),
      displayName: text(50), orgUnit: id, password: z.string().min(8).max(200),
      roles: z.array(z.enum(['clerk', 'manager', 'supervisor', 'designer', 'discipline'])).min(1),
    }).parse(req.body ?? {});
    const passwordHash = await bcrypt.hash(body.password, 10);
    res.status(201).json(await org.registerStaff({ username: body.username, displayName: body.displayName, orgUnit: body.orgUnit, passwordHash, roles: body.roles }, req.actor!));
  });
  r.get('/org/filings', async (req, res) => {
    const q = z.object({ orgUnit: id.optional() }).parse(req.query);
    res.json(await org.listFilings(req.actor!, q.orgUnit));
  });
  r.put('/org/staff/:username/duty', async (req, res) => {
    res.json(await org.setDuty(p(req, 'username'), DutyBody.parse(req.body ?? {}), req.actor!));
  });

  // ---- catalogue (事项目录) and information posts (信息发布)
  r.get('/items', async (req, res) => {
    const q = z.object({ department: z.string().max(60).optional(), orgLevel: z.enum(['town', 'city']).optional() }).parse(req.query);
    res.json(await catalogue.listItems(q));
  });
  // a designer also reads the catalogue's warnings (ruleWarnings: 环节时限之和超过承诺时限, engine/catalogue/item-rules.ts)
  const designing = (req: Request) => req.actor!.roles.some((r) => r === 'admin' || r === 'designer');
  r.get('/items/:code', async (req, res) => {
    const item = await catalogue.getItem(p(req, 'code'));
    res.json(designing(req) ? { ...item, ruleWarnings: await catalogue.ruleWarnings(item) } : item);
  });
  r.put('/items/:code', requireRole('admin', 'designer'), async (req, res) => {
    const { note, baseVersion, ...body } = ItemBody.parse({ ...(req.body ?? {}), code: p(req, 'code') });
    const saved = await catalogue.saveItem(body as any, req.actor!, { note, baseVersion });
    res.json({ ...saved, ruleWarnings: await catalogue.ruleWarnings(saved) });
  });
  // 新增事项: a new code only (an existing one is 409 ITEM_CODE_TAKEN, never overwritten); the same
  // rules, version 1 with its note and the change log as an edit
  r.post('/items', requireRole('admin', 'designer'), async (req, res) => {
    const { note, baseVersion: _ignored, ...body } = ItemBody.parse(req.body ?? {});
    const taken = await catalogue.getItem(body.code).catch((err) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (taken) throw new ConflictError('ITEM_CODE_TAKEN', `事项编码${body.code}已被“${taken.name}”使用，请换一个编码。`, { itemCode: body.code });
    const item = await catalogue.saveItem(body as any, req.actor!, { note: note?.trim() || '新增事项', baseVersion: 0 });
    res.status(201).location(`/api/items/${encodeURIComponent(item.code)}`).json(item);
  });
  r.get('/item-changes', requireRole('admin', 'designer', 'supervisor'), async (req, res) => {
    const q = z.object({ from: z.coerce.date().optional(), to: z.coerce.date().optional() }).parse(req.query);
    const to = q.to ?? new Date(Date.now() + 60_000);
    res.json(await catalogue.changes({ from: q.from ?? new Date(to.getTime() - 90 * 86_400_000), to }));
  });
  r.get('/items/:code/versions', async (req, res) => void res.json(await catalogue.versions(p(req, 'code'))));
  r.get('/items/:code/versions/:version', async (req, res) => {
    const version = z.coerce.number().int().min(1).max(1_000_000).parse(req.params.version);
    res.json(await catalogue.version(p(req, 'code'), version));
  });
  r.post('/info-posts', requireRole('clerk'), async (req, res) => {
    const body = z.object({
      windowId: id, kind: z.enum(['produce-price', 'weather', 'pest-alert', 'notice']), title: text(200), body: text(5000),
      publishAt: z.coerce.date().optional(), expireAt: z.coerce.date(),
    }).parse(req.body ?? {});
    res.status(201).json(await catalogue.publish(body, req.actor!));
  });

  // ---- intake and service cases (收件与办件)
  r.get('/reject-reasons', async (_req, res) => {
    res.json(Object.entries(REJECT_REASONS).map(([code, text]) => ({ code, text })));
  });
  r.post('/intake', requireRole('clerk'), once, async (req, res) => {
    const body = IntakeBody.parse(req.body ?? {});
    await platform.forms.checkIntake(body.applicant as Record<string, unknown>);
    const idem = res.locals.idempotency as IdempotencyLocals | undefined;
    if (idem?.previous) {
      // an earlier attempt of this very request died after taking a number: finish its decision
      // now, as the repair sweep would (the sweep may not have come yet), and answer with its
      // case rather than take the applicant in twice; a voided one is taken in again
      await cases.finishInterrupted(idem.previous);
      const prev = await cases.getCase(idem.previous, req.actor!).catch(() => undefined);
      if (prev?.status === 'accepting') throw new UnavailableError('INTAKE_REPAIR_PENDING', `the first attempt of this request (case ${prev.caseNo}) is still being finished; retry with the same Idempotency-Key`);
      if (prev && prev.status !== 'void') {
        res.status(201).location(`/api/service-cases/${prev.caseNo}`).json({ case: prev, queryCode: null, recovered: true });
        return;
      }
    }
    const out = await cases.intake(body as any, req.actor!, { onNumber: idem?.attach });
    res.status(201).location(`/api/service-cases/${out.case.caseNo}`).json(out);
  });
  r.get('/service-cases', async (req, res) => {
    const q = z.object({
      status: z.enum(['accepting', 'awaiting-supplement', 'in-progress', 'completed', 'rejected', 'void', 'failed']).optional(),
      category: z.enum(['immediate', 'supplement', 'report-up', 'joint', 'rejected']).optional(),
      orgUnit: id.optional(),
      mine: z.enum(['true', 'false']).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }).parse(req.query);
    res.json(await cases.listCases(req.actor!, { ...q, mine: q.mine === 'true' }));
  });
  r.get('/service-cases/:no', async (req, res) => void res.json(await cases.getCase(p(req, 'no', caseNoParam), req.actor!)));
  // a resend of a decision that was written (its answer lost, or a 503 after the write) — the same
  // Idempotency-Key, or without one the same clerk with the same input — is answered as done
  const replayed = <T extends object>(res: Response, out: T): T => {
    if ('replayed' in out && out.replayed) res.set('Idempotent-Replayed', 'true');
    return out;
  };
  const requestIdOf = (res: Response) => (res.locals.idempotency as IdempotencyLocals | undefined)?.requestId;
  r.post('/service-cases/:no/examination', requireRole('clerk'), once, async (req, res) => {
    const body = z.object({ materials: z.array(Material).max(100).optional(), reject: IntakeBody.shape.reject }).parse(req.body ?? {});
    res.json(replayed(res, await cases.examine(p(req, 'no', caseNoParam), body, req.actor!, { requestId: requestIdOf(res) })));
  });
  r.post('/service-cases/:no/supplements', requireRole('clerk'), once, async (req, res) => {
    const body = z.object({ materials: z.array(Material).min(1).max(100) }).parse(req.body ?? {});
    res.json(replayed(res, await cases.receiveSupplement(p(req, 'no', caseNoParam), body.materials, req.actor!, { requestId: requestIdOf(res) })));
  });
  r.post('/service-cases/:no/supplement-notices', requireRole('clerk'), once, async (req, res) => {
    const body = z.object({ materials: z.array(z.object({ code: text(20), reason: text(300) })).min(1).max(100) }).parse(req.body ?? {});
    res.status(201).json(replayed(res, await cases.furtherNotice(p(req, 'no', caseNoParam), body.materials, req.actor!, { requestId: requestIdOf(res) })));
  });
  r.post('/service-cases/:no/fee', requireRole('clerk'), async (req, res) => {
    const body = z.object({ items: z.array(z.object({ name: text(100), amountFen: z.number().int().min(0) })).min(1).max(20), receiptNo: z.string().max(60).optional() }).parse(req.body ?? {});
    res.status(201).json(await cases.chargeFee(p(req, 'no', caseNoParam), body, req.actor!));
  });
  r.get('/service-cases/:no/notices', async (req, res) => void res.json(await cases.listNotices(p(req, 'no', caseNoParam), req.actor!)));
  r.get('/service-cases/:no/notices/:noticeId', async (req, res) => {
    const n = await cases.getNotice(p(req, 'no', caseNoParam), p(req, 'noticeId'), req.actor!);
    if (req.accepts(['application/json', 'text/html']) === 'text/html') {
      res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'").type('text/html').send(n.html);
    } else res.json(n);
  });
  r.get('/service-cases/:no/proxy-record', async (req, res) => void res.json(await cases.proxyRecord(p(req, 'no', caseNoParam), req.actor!)));
  r.get('/service-cases/:no/audit', async (req, res) => {
    const no = p(req, 'no', caseNoParam);
    await cases.assertReadable(no, req.actor!);
    // each event with its actor's display name (姓名) beside the login
    const events = await audit.list(no);
    const names = await org.displayNames(events.map((e) => e.actor));
    res.json(events.map((e) => ({ ...e, actorName: names.get(e.actor) })));
  });
  r.get('/service-cases/:no/audit/verify', async (req, res) => {
    const no = p(req, 'no', caseNoParam);
    await cases.assertReadable(no, req.actor!);
    res.json(await audit.verify(no));
  });

  // ---- inbox actions (待办操作)
  r.get('/inbox', async (req, res) => {
    const q = z
      .object({
        filter: z.enum(['mine', 'window', 'cc', 'groups', 'all']).default('mine'),
        limit: z.coerce.number().int().min(1).max(INBOX_PAGE_MAX).default(INBOX_PAGE_DEFAULT),
        offset: z.coerce.number().int().min(0).max(100_000).default(0),
      })
      .parse(req.query);
    res.json(await taskActions.inbox(req.actor!, q.filter, { limit: q.limit, offset: q.offset }));
  });
  r.get('/inbox/counts', async (req, res) => void res.json(await taskActions.inboxCounts(req.actor!)));
  // with `offer`: what the reader may do with it (the browser offers nothing that would be refused)
  r.get('/tasks/:id', async (req, res) => {
    const task = await taskActions.get(p(req, 'id'), req.actor!);
    res.json({ ...task, offer: taskOffer(task, req.actor!) });
  });
  r.post('/tasks/:id/claim', async (req, res) => {
    const body = z.object({ reason: z.string().trim().max(500).optional() }).parse(req.body ?? {});
    res.json(await taskActions.claim(p(req, 'id'), req.actor!, body.reason));
  });
  r.post('/tasks/:id/complete', once, async (req, res) => {
    const body = CompleteBody.parse(req.body ?? {});
    const idem = res.locals.idempotency as IdempotencyLocals | undefined;
    // the task with its instance head as the access guard read it (api/http/access.ts): not read again
    const out: any = await taskActions.complete(p(req, 'id'), body, req.actor!, { requestId: idem?.requestId, loaded: res.locals.loadedTask });
    // a resend of a completion that did commit (its answer lost, or a 503 after the revision): the case as it stands
    if (out?.replayed) res.set('Idempotent-Replayed', 'true');
    res.json(out);
  });
  r.post('/tasks/:id/return', async (req, res) => {
    const body = z.object({ reason }).parse(req.body ?? {});
    res.json(await taskActions.returnTask(p(req, 'id'), body.reason, req.actor!));
  });
  r.post('/tasks/:id/withdraw', async (req, res) => {
    const body = z.object({ reason }).parse(req.body ?? {});
    res.json(await taskActions.withdraw(p(req, 'id'), body.reason, req.actor!));
  });
  r.post('/tasks/:id/transfer', async (req, res) => {
    const body = z.object({ windowId: id, reason }).parse(req.body ?? {});
    res.json(await taskActions.transfer(p(req, 'id'), body.windowId, body.reason, req.actor!));
  });
  r.post('/tasks/:id/cosign', async (req, res) => {
    const body = z.object({ windowId: id, reason }).parse(req.body ?? {});
    res.status(201).json(await taskActions.cosign(p(req, 'id'), body.windowId, body.reason, req.actor!));
  });
  r.post('/tasks/:id/cc', async (req, res) => {
    const body = z.object({ to: z.array(id).min(1).max(50), note: z.string().trim().max(500).optional() }).parse(req.body ?? {});
    res.json(await taskActions.copyTo(p(req, 'id'), body.to, body.note, req.actor!));
  });
  r.post('/tasks/:id/urge', async (req, res) => {
    const body = z.object({ reason }).parse(req.body ?? {});
    res.json(await taskActions.urge(p(req, 'id'), body.reason, req.actor!));
  });

  // ---- notifications (站内消息)
  r.get('/notifications', async (req, res) => {
    res.json(await cases.notificationsOf(req.actor!.username));
  });
  return r;
}
