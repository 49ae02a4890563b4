/** The spreadsheet layouts (CSV / .xlsx) of a statistics report and of a ranking: Chinese headers, rates in per cent. */
import type { CsvColumn } from './csv';
import type { RankingRow, StatsRow } from './report-types';
import { NO_CASES } from './scores';

const pct = (v: number | null): number | null => (v === null ? null : Math.round(v * 10_000) / 100);

/** Columns of a statistics export (Chinese headers; rates in per cent). */
export const STATS_CSV_COLUMNS: readonly CsvColumn<StatsRow>[] = [
  { header: '名称', value: (r) => r.label },
  { header: '编码', value: (r) => r.key },
  { header: '所属机构', value: (r) => r.orgUnitName ?? '' },
  { header: '收件数', value: (r) => r.received },
  { header: '办结数', value: (r) => r.completed },
  { header: '退回数', value: (r) => r.rejected },
  { header: '在办数', value: (r) => r.open },
  { header: '补正件数', value: (r) => r.supplement },
  { header: '补正率(%)', value: (r) => pct(r.supplementRate) },
  { header: '退回率(%)', value: (r) => pct(r.rejectionRate) },
  { header: '法定时限-提前办结', value: (r) => r.statutory.early },
  { header: '法定时限-按时办结', value: (r) => r.statutory.onTime },
  { header: '法定时限-超期办结', value: (r) => r.statutory.late },
  { header: '法定时限-按时率(%)', value: (r) => pct(r.statutory.onTimeRate) },
  { header: '法定时限-当前超期', value: (r) => r.statutory.overdueNow },
  { header: '承诺时限-提前办结', value: (r) => r.promised.early },
  { header: '承诺时限-按时办结', value: (r) => r.promised.onTime },
  { header: '承诺时限-超期办结', value: (r) => r.promised.late },
  { header: '承诺时限-按时率(%)', value: (r) => pct(r.promised.onTimeRate) },
  { header: '承诺时限-当前超期', value: (r) => r.promised.overdueNow },
  { header: '平均办理用时(工作日)', value: (r) => r.avgWorkingDays },
  { header: '承诺时限用时比', value: (r) => r.avgPromisedUse },
  { header: '督办数', value: (r) => r.escalations },
  { header: '投诉数', value: (r) => r.complaints },
  { header: '违规数', value: (r) => r.violations },
  { header: '评价数', value: (r) => r.ratings.count },
  { header: '非常满意', value: (r) => r.ratings.levels[5] },
  { header: '满意', value: (r) => r.ratings.levels[4] },
  { header: '基本满意', value: (r) => r.ratings.levels[3] },
  { header: '不满意', value: (r) => r.ratings.levels[2] },
  { header: '非常不满意', value: (r) => r.ratings.levels[1] },
  { header: '平均评分', value: (r) => r.ratings.average },
  { header: '满意率(%)', value: (r) => pct(r.ratings.satisfiedRate) },
];


/** Columns of a ranking export: each component's value and sub-score (in points of 100). */
export const RANKING_CSV_COLUMNS: readonly CsvColumn<RankingRow>[] = [
  { header: '排名', value: (r) => r.rank ?? r.unranked ?? NO_CASES },
  { header: '名称', value: (r) => r.label },
  { header: '所属机构', value: (r) => r.orgUnitName ?? '' },
  { header: '编码', value: (r) => r.key },
  { header: '综合得分', value: (r) => r.score },
  { header: '收件数', value: (r) => r.stats.received },
  { header: '承诺时限按时率(%)', value: (r) => pct(r.components.onTimePromised.value) },
  { header: '按时率得分', value: (r) => pct(r.components.onTimePromised.score) },
  { header: '承诺时限用时比', value: (r) => r.components.speed.value },
  { header: '用时得分', value: (r) => pct(r.components.speed.score) },
  { header: '当前超期占比(%)', value: (r) => pct(r.components.overdueNow.value) },
  { header: '超期得分', value: (r) => pct(r.components.overdueNow.score) },
  { header: '每百件督办数', value: (r) => r.components.escalations.value },
  { header: '督办得分', value: (r) => pct(r.components.escalations.score) },
  { header: '每百件投诉数', value: (r) => r.components.complaints.value },
  { header: '投诉得分', value: (r) => pct(r.components.complaints.score) },
  { header: '平均满意度(1-5)', value: (r) => r.components.satisfaction.value },
  { header: '满意度得分', value: (r) => pct(r.components.satisfaction.score) },
  { header: '平均办理用时(工作日)', value: (r) => r.stats.avgWorkingDays },
];
