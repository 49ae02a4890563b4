/**
 * Statistics and rankings of the supervision system (统计与排名), as JSON or as a spreadsheet
 * file (CSV, UTF-8 with BOM, Chinese headers). Towns see their own figures; the city office and
 * supervisors see every town and the ranking.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { cstMinute } from '../../common/cst';
import { attachmentDisposition, cstDayOf, ForbiddenError, NotFoundError, periodOfDays, RANKING_CSV_COLUMNS, STATS_CSV_COLUMNS, STATS_DIMENSIONS, toCsv, toXlsx, XLSX_CONTENT_TYPE, type Platform, type StatsDimension, type StatsFilter } from '../../engine';
import { requireRole } from '../http/auth';
import { idSchema } from '../http/params';

const id = idSchema;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day looks like 2025-10-01');
export const StatsQuery = z.object({
  from: day.optional(),
  to: day.optional(),
  orgUnit: id.optional(),
  windowId: id.optional(),
  department: id.optional(),
  itemCode: id.optional(),
  responsible: id.optional(),
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
  /** `scan` reads every case instead of the day rollups (for checking them; slow on a large database) */
  source: z.enum(['auto', 'scan']).default('auto'),
});

function scoped(req: Request): { filter: StatsFilter; csv: boolean; xlsx: boolean; all: boolean; query: z.infer<typeof StatsQuery> } {
  const q = StatsQuery.parse(req.query);
  const a = req.actor!;
  const all = a.roles.includes('admin') || a.roles.includes('supervisor') || a.orgUnit === 'city';
  if (!all && q.orgUnit && q.orgUnit !== a.orgUnit) throw new ForbiddenError('OTHER_ORG_UNIT', 'you may only see the statistics of your own org unit');
  return {
    filter: { ...periodOfDays(q.from, q.to), orgUnit: all ? q.orgUnit : (a.orgUnit ?? '-'), windowId: q.windowId, department: q.department, itemCode: q.itemCode, responsible: q.responsible },
    csv: q.format === 'csv',
    xlsx: q.format === 'xlsx',
    all,
    query: q,
  };
}

const DIMENSION_LABEL: Record<string, string> = { town: '镇街', window: '窗口', department: '部门', item: '事项', person: '人员', year: '年度', month: '月度', day: '日', all: '合计' };

/**
 * What the exported table covers, for the workbook's 说明 sheet — by names, not codes: 所属机构
 * 全部（全市）or the centre's name (a town's manager always his own), the window, department,
 * item and responsible person by name.
 */
async function aboutSheet(platform: Platform, title: string, q: z.infer<typeof StatsQuery>, filter: StatsFilter): Promise<[string, string][]> {
  const out: [string, string][] = [['报表', title], ['导出时间', cstMinute(Date.now()) + '（北京时间）']];
  out.push(['收件期间', `${q.from ?? '不限'} 至 ${q.to ?? '不限'}`]);
  const labels = await platform.org.labelsOf({ orgUnit: filter.orgUnit, windowId: q.windowId, department: q.department });
  out.push(['所属机构', filter.orgUnit ? (labels.orgUnit ?? '—') : '全部（全市）']);
  if (q.windowId) out.push(['窗口', labels.window ?? '—']);
  if (q.department) out.push(['部门', labels.department ?? '—']);
  if (q.itemCode) out.push(['事项', (await platform.catalogue.getItem(q.itemCode).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))))?.name ?? '—']);
  if (q.responsible) out.push(['负责人', (await platform.org.displayNames([q.responsible])).get(q.responsible) ?? '—']);
  out.push(['口径', '按收件期间统计办件；比率以百分数表示；无办件的单位不参与排名；详见 API 文档 /api/openapi.json']);
  return out;
}

/** The file name's Chinese part of each export (统计-按镇街-<date>.xlsx, 统计-镇街效能排名-<date>.xlsx), as the console names it. */
const FILE_LABEL: Record<string, string> = { 'town-ranking': '镇街效能排名', 'window-ranking': '窗口效能排名', town: '按镇街', window: '按窗口', department: '按部门', item: '按事项', person: '按人员', month: '按月', day: '按日', year: '按年度', all: '合计' };

/** An .xlsx download named 统计-<what, in Chinese>-<date>.xlsx (RFC 5987 filename*; the ASCII fallback stats-<dimension>-<date>.xlsx). */
async function sendXlsx<T>(res: Response, dim: string, sheet: string, rows: readonly T[], columns: Parameters<typeof toXlsx<T>>[2], about: [string, string][]) {
  const day = cstDayOf(new Date());
  const body = await toXlsx(sheet, rows, columns, about);
  res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
  res.setHeader('Content-Disposition', attachmentDisposition(`统计-${FILE_LABEL[dim] ?? sheet}-${day}.xlsx`, `stats-${dim}-${day}.xlsx`));
  res.setHeader('Cache-Control', 'no-store');
  res.send(body);
}

function sendCsv(res: Response, name: string, body: string) {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
  res.send(body);
}

export function statsRoutes(platform: Platform): Router {
  const r = Router();
  const { stats } = platform;
  const dimension = z.enum(STATS_DIMENSIONS as [StatsDimension, ...StatsDimension[]]);
  r.get('/stats/rankings/towns', requireRole('supervisor', 'manager'), async (req, res) => {
    const { filter, csv, xlsx, all, query } = scoped(req);
    if (!all) throw new ForbiddenError('CITY_ONLY', 'the town ranking is for the city office and supervisors');
    const ranking = await stats.rankTowns(filter);
    if (xlsx) return sendXlsx(res, 'town-ranking', '镇街效能排名', ranking.rows, RANKING_CSV_COLUMNS, await aboutSheet(platform, '镇街效能排名', query, filter));
    if (csv) return sendCsv(res, 'town-ranking', toCsv(ranking.rows, RANKING_CSV_COLUMNS));
    res.json(ranking);
  });
  r.get('/stats/rankings/windows', requireRole('supervisor', 'manager'), async (req, res) => {
    const { filter, csv, xlsx, query } = scoped(req);
    const ranking = await stats.rank(filter, { level: 'window' });
    if (xlsx) return sendXlsx(res, 'window-ranking', '窗口效能排名', ranking.rows, RANKING_CSV_COLUMNS, await aboutSheet(platform, '窗口效能排名', query, filter));
    if (csv) return sendCsv(res, 'window-ranking', toCsv(ranking.rows, RANKING_CSV_COLUMNS));
    res.json(ranking);
  });
  r.get('/stats/:dimension', requireRole('supervisor', 'manager'), async (req, res) => {
    const dim = dimension.parse(req.params.dimension);
    const { filter, csv, xlsx, query } = scoped(req);
    const report = await stats.report(dim, filter, { source: query.source });
    if (xlsx) return sendXlsx(res, dim, `按${DIMENSION_LABEL[dim] ?? dim}统计`, [...report.rows, report.total], STATS_CSV_COLUMNS, await aboutSheet(platform, `按${DIMENSION_LABEL[dim] ?? dim}统计`, query, filter));
    if (csv) return sendCsv(res, `stats-${dim}`, toCsv([...report.rows, report.total], STATS_CSV_COLUMNS));
    res.json(report);
  });
  return r;
}
