/**
 * Routes of the electronic supervision system (行政电子监察系统): deadline clocks of a case
 * (pause / resume / extend as ledger entries), escalations and their life cycle (督办), and
 * the working-day calendar.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { cstDayOf, estimateNote, ForbiddenError, periodOfDays, type Board, type Platform } from '../../engine';
import { requireRole } from '../http/auth';
import { idSchema, pathParam } from '../http/params';
import { escalationWorkbook } from './escalation-export';
import { caseNoParam } from './network-office';

const id = idSchema;
const text = (max: number) => z.string().trim().min(1).max(max);

const p = pathParam;

export const PauseBody = z.object({
  kind: z.enum(['supplement', 'hearing', 'testing', 'expert-review', 'public-notice', 'other']),
  reason: text(500),
  notice: z.string().trim().max(200).optional(),
});
export const ExtendBody = z.object({
  clock: z.enum(['statutory', 'promised']),
  days: z.number().int().min(1).max(30).optional(),
  duration: z.string().max(40).optional(),
  reason: text(500),
});

/** How often the board stream recomputes (ms); a change is pushed at once, else a heartbeat. */
const BOARD_TICK_MS = Number(process.env.BOARD_TICK_MS ?? 2000);
/** A stream ends after this long; the client reconnects (frees server resources of forgotten tabs). */
const BOARD_STREAM_MAX_MS = 15 * 60_000;

export function supervisionRoutes(platform: Platform): Router {
  const r = Router();
  const { supervision, cases } = platform;

  /** An escalation with the display names (姓名) of the people it names: `responsibleName`, and `people` by login. */
  const escalationNames = async <E extends { responsible?: string | null; notice?: { issuedBy?: string; clockId?: string } | null; reply?: { by?: string } | null; history?: { by?: string }[] }>(list: E[]) => {
    const names = await platform.org.displayNames(list.flatMap((e) => [e.responsible, e.notice?.issuedBy, e.reply?.by, ...(e.history ?? []).map((h) => h.by)]));
    // the notice's reply deadline from its clock: when, and — counted over a year without its
    // holiday notice — estimated, saying so (预计，2027年放假安排尚未公布) like every other deadline
    const clockIds = [...new Set(list.map((e) => e.notice?.clockId).filter((x): x is string => !!x))];
    const clocks = await supervision.noticeClocks(clockIds);
    return list.map((e) => {
      const mine = [e.responsible, e.notice?.issuedBy, e.reply?.by, ...(e.history ?? []).map((h) => h.by)].filter((u): u is string => !!u && names.has(u));
      const c = e.notice?.clockId ? clocks.get(e.notice.clockId) : undefined;
      const estimated = !!c?.estimated && c.status !== 'stopped';
      const notice = e.notice && c
        ? { ...e.notice, replyDueAt: c.dueAt ?? undefined, replyEstimated: estimated, ...(estimated ? { replyEstimatedYears: c.estimatedYears ?? [], replyEstimateNote: estimateNote(c.estimatedYears ?? []) } : {}) }
        : e.notice;
      return { ...e, notice, responsibleName: e.responsible ? names.get(e.responsible) : undefined, people: Object.fromEntries(mine.map((u) => [u, names.get(u)!])) };
    });
  };
  /** A complaint with its centre's and window's names and the display names of the people it names. */
  const complaintNames = async <C extends { orgUnit?: string; target?: { windowId?: string; person?: string }; reply?: { by?: string } | null }>(list: C[]) => {
    const { units, windows } = await platform.org.placeNames([...new Set(list.map((c) => c.orgUnit).filter(Boolean) as string[])], [...new Set(list.map((c) => c.target?.windowId).filter(Boolean) as string[])]);
    const names = await platform.org.displayNames(list.flatMap((c) => [c.target?.person, c.reply?.by]));
    return list.map((c) => ({
      ...c,
      orgUnitName: c.orgUnit ? units.get(c.orgUnit) : undefined,
      ...(c.target ? { target: { ...c.target, windowName: c.target.windowId ? windows.get(c.target.windowId) : undefined, personName: c.target.person ? names.get(c.target.person) : undefined } } : {}),
      ...(c.reply?.by ? { reply: { ...c.reply, byName: names.get(c.reply.by) } } : {}),
    }));
  };

  // ---- live board (实时看板): one computation per scope at most every tick, shared by all streams
  // the open clocks are read once now, not by the first supervisor to open the board (4 s at 100,000 stored cases)
  void platform.board.warm();
  // one computation per scope at a time; a result is reused for a tick after it settled
  const boardCache = new Map<string, { settledAt?: number; board: Promise<Board> }>();
  const boardOf = (orgUnit: string | undefined): Promise<Board> => {
    const key = orgUnit ?? '*';
    const hit = boardCache.get(key);
    if (hit && (hit.settledAt === undefined || Date.now() - hit.settledAt < BOARD_TICK_MS - 100)) return hit.board;
    const entry: { settledAt?: number; board: Promise<Board> } = { board: platform.board.board({ orgUnit }) };
    boardCache.set(key, entry);
    entry.board.then(
      () => (entry.settledAt = Date.now()),
      () => boardCache.get(key) === entry && boardCache.delete(key),
    );
    return entry.board;
  };
  /** Supervisors and the city office see every unit; a town's manager sees his own. */
  const boardScope = (req: Request): string | undefined => {
    const a = req.actor!;
    const all = a.roles.includes('admin') || a.roles.includes('supervisor') || a.orgUnit === 'city';
    const q = z.object({ orgUnit: id.optional() }).parse(req.query);
    return all ? q.orgUnit : (a.orgUnit ?? '-');
  };
  r.get('/supervision/board', requireRole('supervisor', 'manager'), async (req, res) => {
    res.json(await boardOf(boardScope(req)));
  });
  /** Server-sent events: `event: board` with the whole board when it changed, `: ping` otherwise. */
  r.get('/supervision/board/stream', requireRole('supervisor', 'manager'), async (req, res) => {
    const scope = boardScope(req);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: 3000\n\n`);
    let last = '';
    let seq = 0;
    let busy = false;
    let closed = false;
    const push = async () => {
      if (busy || closed) return;
      busy = true;
      try {
        const board = await boardOf(scope);
        const sig = JSON.stringify({ t: board.total, u: board.units });
        if (closed) return;
        if (sig !== last) {
          last = sig;
          res.write(`event: board\nid: ${++seq}\ndata: ${JSON.stringify(board)}\n\n`);
        } else res.write(`: ping ${Date.now()}\n\n`);
      } catch (err) {
        if (!closed) res.write(`event: problem\ndata: ${JSON.stringify({ code: 'BOARD_FAILED', detail: String((err as Error)?.message ?? err) })}\n\n`);
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void push(), BOARD_TICK_MS);
    const stop = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearTimeout(limit);
      res.end();
    };
    const limit = setTimeout(stop, BOARD_STREAM_MAX_MS);
    req.on('close', stop);
    res.on('close', stop);
    await push();
  });

  /** 热力图: per user-task step of an item's diagram, tasks, waiting times, open now and breaches. */
  r.get('/supervision/heatmap', requireRole('supervisor', 'manager', 'designer'), async (req, res) => {
    const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day looks like 2026-10-01');
    const q = z.object({ itemCode: id.optional(), definitionKey: id.optional(), from: day.optional(), to: day.optional(), orgUnit: id.optional() }).parse(req.query);
    // a town's centre sees its own centre; the city office and supervisors every centre, or one
    const a = req.actor!;
    const all = a.roles.includes('admin') || a.roles.includes('supervisor') || a.orgUnit === 'city';
    if (!all && q.orgUnit && q.orgUnit !== a.orgUnit) throw new ForbiddenError('OTHER_ORG_UNIT', 'you may only see the heat map of your own org unit');
    const orgUnit = all ? q.orgUnit : (a.orgUnit ?? '-');
    res.json(await supervision.heatmap({ itemCode: q.itemCode, definitionKey: q.definitionKey, ...periodOfDays(q.from, q.to), orgUnit }));
  });

  r.get('/service-cases/:no/clocks', async (req, res) => {
    res.json(await supervision.clocksOf(p(req, 'no', caseNoParam), req.actor!));
  });
  r.post('/service-cases/:no/clocks/pause', requireRole('clerk', 'manager'), async (req, res) => {
    const no = p(req, 'no', caseNoParam);
    await cases.assertReadable(no, req.actor!);
    res.json(await supervision.pause(no, PauseBody.parse(req.body ?? {}), req.actor!));
  });
  r.post('/service-cases/:no/clocks/resume', requireRole('clerk', 'manager'), async (req, res) => {
    const no = p(req, 'no', caseNoParam);
    await cases.assertReadable(no, req.actor!);
    res.json(await supervision.resume(no, req.actor!));
  });
  r.post('/service-cases/:no/clocks/extend', requireRole('manager'), async (req, res) => {
    const no = p(req, 'no', caseNoParam);
    await cases.assertReadable(no, req.actor!);
    res.json(await supervision.extend(no, ExtendBody.parse(req.body ?? {}), req.actor!));
  });

  r.get('/escalations', requireRole('supervisor', 'designer', 'manager'), async (req, res) => {
    const q = z.object({ status: z.enum(['open', 'acknowledged', 'notified', 'replied', 'closed']).optional(), orgUnit: id.optional(), format: z.enum(['json', 'xlsx']).default('json') }).parse(req.query);
    const list = await escalationNames((await supervision.list(req.actor!, { status: q.status, orgUnit: q.orgUnit })) as any[]);
    if (q.format === 'json') return void res.json(list);
    // 督办台账 as .xlsx: the same list by names (机构, 窗口, 责任人), not codes
    const { units, windows } = await platform.org.placeNames([...new Set([...list.map((e) => e.orgUnit), q.orgUnit].filter(Boolean) as string[])], [...new Set(list.map((e) => e.windowId).filter(Boolean) as string[])]);
    const file = await escalationWorkbook(list, units, windows, q);
    res.set(file.headers).send(file.body);
  });
  r.get('/escalations/:id', requireRole('supervisor', 'designer', 'manager'), async (req, res) => void res.json((await escalationNames([(await supervision.get(p(req, 'id'), req.actor!)) as any]))[0]));
  r.post('/escalations/:id/acknowledge', async (req, res) => {
    const b = z.object({ reason: z.string().trim().max(500).optional() }).parse(req.body ?? {});
    res.json(await supervision.acknowledge(p(req, 'id'), req.actor!, b.reason));
  });
  r.post('/escalations/:id/notice', async (req, res) => {
    const b = z.object({ text: text(2000), replyWithin: text(40) }).parse(req.body ?? {});
    res.json((await escalationNames([(await supervision.issueNotice(p(req, 'id'), b, req.actor!)) as any]))[0]);
  });
  r.post('/escalations/:id/reply', async (req, res) => {
    const b = z.object({ text: text(2000) }).parse(req.body ?? {});
    res.json(await supervision.reply(p(req, 'id'), b.text, req.actor!));
  });
  r.post('/escalations/:id/close', async (req, res) => {
    const b = z.object({ reason: text(500) }).parse(req.body ?? {});
    res.json(await supervision.close(p(req, 'id'), b.reason, req.actor!));
  });
  r.post('/escalations/:id/reescalate', async (req, res) => {
    const b = z.object({ reason: text(500) }).parse(req.body ?? {});
    res.json(await supervision.reescalate(p(req, 'id'), req.actor!, b.reason));
  });

  // ---- complaints (投诉举报), handled by the town discipline commission
  r.get('/complaints', async (req, res) => {
    const q = z.object({ status: z.enum(['received', 'replied', 'closed']).optional() }).parse(req.query);
    res.json(await complaintNames((await platform.feedback.listComplaints(req.actor!, q)) as any[]));
  });
  r.post('/complaints/:id/reply', async (req, res) => {
    const b = z.object({ text: text(5000) }).parse(req.body ?? {});
    res.json(await platform.feedback.replyComplaint(p(req, 'id'), b.text, req.actor!));
  });
  r.get('/service-cases/:no/ratings', async (req, res) => {
    res.json(await platform.feedback.ratingsOf(p(req, 'no', caseNoParam), req.actor!));
  });

  /** Working-day arithmetic as the supervision system counts it (行政许可法 第八十二条). */
  r.get('/calendar/deadline', async (req, res) => {
    const q = z.object({ acceptedAt: z.coerce.date(), days: z.coerce.number().int().min(0).max(2500) }).parse(req.query);
    const calendar = await supervision.currentCalendar();
    const d = calendar.deadlineOrEstimate(q.acceptedAt, q.days);
    res.json({ acceptedDay: cstDayOf(q.acceptedAt), ...d, ...(d.estimated ? { estimateNote: estimateNote(d.estimatedYears) } : {}) });
  });
  /**
   * Each day of [from, to] (at most 400): kind and working. A day of a year without a holiday
   * table is counted by its estimated table and flagged `estimated: true`; the header
   * `X-Calendar-Estimated-Years` lists those years (never a 422 for a missing year).
   */
  r.get('/calendar/days', async (req, res) => {
    const q = z.object({ from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).parse(req.query);
    const calendar = await supervision.currentCalendar();
    const out = [];
    const estimated = new Set<number>();
    let day = q.from;
    for (let i = 0; i < 400 && day <= q.to; i++) {
      const info = calendar.dayInfo(day);
      if (info.estimated) estimated.add(Number(day.slice(0, 4)));
      out.push({ day, kind: info.kind, working: info.working, ...(info.estimated ? { estimated: true } : {}), ...(info.label ? { label: info.label } : {}) });
      day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    }
    if (estimated.size) res.set('X-Calendar-Estimated-Years', [...estimated].sort().join(','));
    res.json(out);
  });
  /** Years the calendar knows, with their source and version; `estimated` lists the coming years counted by estimate. */
  r.get('/calendar/years', async (_req, res) => {
    const calendar = await supervision.currentCalendar(true);
    const thisYear = Number(cstDayOf(new Date()).slice(0, 4));
    const estimated = [thisYear, thisYear + 1]
      .filter((y) => calendar.isEstimated(y))
      .map((y) => {
        const t = calendar.tableOrEstimate(y);
        return { year: y, estimated: true, note: estimateNote([y]), source: t.source, holidays: t.holidays, labels: t.labels };
      });
    res.json({ years: calendar.years().map((y) => ({ year: y, version: calendar.tableFor(y)?.version, source: calendar.tableFor(y)?.source })), estimated, overrides: await platform.yearTables.history() });
  });
  /** The city office adds or corrects a year (versioned, audited). */
  r.put('/calendar/years/:year', requireRole('admin'), async (req, res) => {
    const year = z.coerce.number().int().min(2000).max(2100).parse(req.params.year);
    const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are YYYY-MM-DD');
    const b = z.object({ holidays: z.array(day).max(60), makeUpWorkdays: z.array(day).max(20), version: z.number().int().min(2).max(1000), source: text(300), reason: text(500) }).parse(req.body ?? {});
    await platform.yearTables.saveOverride({ year, holidays: b.holidays, makeUpWorkdays: b.makeUpWorkdays, version: b.version, source: b.source }, { by: req.actor!.username, at: new Date(), reason: b.reason });
    await platform.org.fileCalendarYear(year, b.version, b.reason, req.actor!, new Date());
    // every deadline counted over an estimate is counted again with the table now in force
    const clocks = await supervision.recomputeEstimatedClocks();
    const calendar = await supervision.currentCalendar();
    res.json({ year, version: calendar.tableFor(year)?.version, source: calendar.tableFor(year)?.source, clocks });
  });
  return r;
}
