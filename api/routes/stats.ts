/**
 * Statistics and rankings of the supervision system (统计与排名), as JSON or as a spreadsheet
 * file (CSV, UTF-8 with BOM, Chinese headers). Towns see their own figures; the city office and
 * supervisors see every town and the ranking.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ForbiddenError, periodOfDays, RANKING_CSV_COLUMNS, STATS_CSV_COLUMNS, STATS_DIMENSIONS, toCsv, type Platform, type StatsDimension, type StatsFilter } from '../../engine';
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
  format: z.enum(['json', 'csv']).default('json'),
});

function scoped(req: Request): { filter: StatsFilter; csv: boolean; all: boolean } {
  const q = StatsQuery.parse(req.query);
  const a = req.actor!;
  const all = a.roles.includes('admin') || a.roles.includes('supervisor') || a.orgUnit === 'city';
  if (!all && q.orgUnit && q.orgUnit !== a.orgUnit) throw new ForbiddenError('OTHER_ORG_UNIT', 'you may only see the statistics of your own org unit');
  return {
    filter: { ...periodOfDays(q.from, q.to), orgUnit: all ? q.orgUnit : a.orgUnit, windowId: q.windowId, department: q.department, itemCode: q.itemCode, responsible: q.responsible },
    csv: q.format === 'csv',
    all,
  };
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
    const { filter, csv, all } = scoped(req);
    if (!all) throw new ForbiddenError('CITY_ONLY', 'the town ranking is for the city office and supervisors');
    const ranking = await stats.rankTowns(filter);
    if (csv) return sendCsv(res, 'town-ranking', toCsv(ranking.rows, RANKING_CSV_COLUMNS));
    res.json(ranking);
  });
  r.get('/stats/rankings/windows', requireRole('supervisor', 'manager'), async (req, res) => {
    const { filter, csv } = scoped(req);
    const ranking = await stats.rank(filter, { level: 'window' });
    if (csv) return sendCsv(res, 'window-ranking', toCsv(ranking.rows, RANKING_CSV_COLUMNS));
    res.json(ranking);
  });
  r.get('/stats/:dimension', requireRole('supervisor', 'manager'), async (req, res) => {
    const dim = dimension.parse(req.params.dimension);
    const { filter, csv } = scoped(req);
    const report = await stats.report(dim, filter);
    if (csv) return sendCsv(res, `stats-${dim}`, toCsv([...report.rows, report.total], STATS_CSV_COLUMNS));
    res.json(report);
  });
  return r;
}
