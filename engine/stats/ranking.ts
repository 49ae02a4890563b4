/** The efficiency ranking (效能排名) of towns or windows from a report by town or window. */
import { newAcc } from './accumulator';
import { toRow } from './report-rows';
import type { StatsComputed, Ranking, RankingRow, StatsFilter } from './report-types';
import { EFFICIENCY_WEIGHTS, efficiencyScore, NO_CASES, scoreComponents } from './scores';

/**
 * Ranks the 19 towns (`level: 'town'`, the org units of level `town`;
 * the city centre is not ranked) or the windows (`level: 'window'`, the active windows of
 * `filter.orgUnit`, or of every unit) over the cases of `filter`, by the score documented on
 * `EFFICIENCY_WEIGHTS`, each component shown with its value, sub-score and weight. Units with
 * no case are listed too (score null).
 *
 * Order (total, so the ranks are unique and repeatable):
 * 1. score, higher first (compared at its 2 shown decimals; null last);
 * 2. then the promised on-time rate, higher first (null last);
 * 3. then cases received, more first;
 * 4. then the catalogue order (`org_units.seq`; for windows, the unit's seq then window number);
 * 5. then the id.
 */
export function rankUnits(level: 'town' | 'window', filter: StatsFilter, { report, lookups }: StatsComputed): Ranking {
  const byKey = new Map(report.rows.map((r) => [r.key, r]));
  let keys: string[];
  if (level === 'town') {
    keys = [...lookups.orgs.entries()].filter(([, o]) => o.level === 'town').map(([k]) => k);
    if (!keys.length) keys = report.rows.map((r) => r.key).filter((k) => k !== 'city');
  } else {
    keys = [...lookups.windows.entries()].filter(([, w]) => (w.status ?? 'active') === 'active' && (!filter.orgUnit || w.orgUnit === filter.orgUnit)).map(([k]) => k);
    for (const r of report.rows) if (!keys.includes(r.key) && r.key !== '(none)') keys.push(r.key);
  }
  const rows: RankingRow[] = keys.map((key) => {
    const stats = byKey.get(key) ?? toRow(newAcc(key), level, lookups);
    const components = scoreComponents(stats);
    const orgUnit = level === 'window' ? (lookups.windows.get(key)?.orgUnit ?? stats.orgUnit) : stats.orgUnit;
    const orgUnitName = level === 'window' && orgUnit ? lookups.orgs.get(orgUnit)?.shortName : undefined;
    return { rank: 0, key, label: stats.label, orgUnit, ...(orgUnitName ? { orgUnitName } : {}), score: efficiencyScore(components), components, stats };
  });
  const seq = (r: RankingRow): [number, number] => {
    if (level === 'town') return [lookups.orgs.get(r.key)?.seq ?? 999, 0];
    const w = lookups.windows.get(r.key);
    return [lookups.orgs.get(w?.orgUnit ?? r.orgUnit ?? '')?.seq ?? 999, w?.no ?? 999];
  };
  const desc = (a: number | null, b: number | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : b - a);
  rows.sort((a, b) => {
    const sa = a.score === null ? null : Math.round(a.score * 100);
    const sb = b.score === null ? null : Math.round(b.score * 100);
    return (
      desc(sa, sb) ||
      desc(a.stats.promised.onTimeRate, b.stats.promised.onTimeRate) ||
      b.stats.received - a.stats.received ||
      seq(a)[0] - seq(b)[0] ||
      seq(a)[1] - seq(b)[1] ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    );
  });
  // a unit with no data is not ranked (the sort puts score null last): 无办件 instead of a number
  rows.forEach((r, i) => {
    if (r.score === null) {
      r.rank = null;
      r.unranked = NO_CASES;
    } else r.rank = i + 1;
  });
  return { level, filter: { ...filter }, now: report.now, weights: EFFICIENCY_WEIGHTS, rows };
}
