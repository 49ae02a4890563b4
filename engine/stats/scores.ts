/** The efficiency score (效能综合得分) of a town or window, computed from its statistics row. */
import type { ScoreComponent, ScoreComponentName, StatsRow } from './report-types';

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Weights of the efficiency score (效能综合得分), out of 100.
 *
 * Each component is a measure (`value`) turned into a sub-score in [0, 1] (higher is better):
 *
 * | component | value | sub-score | weight |
 * |---|---|---|---|
 * | `onTimePromised` 承诺时限按时办结率 | (early + on time) / stopped promised clocks | value | 30 |
 * | `speed` 承诺时限用时比 | mean working days used / promised days (`avgPromisedUse`) | max(0, 1 − value / 2): 0 used → 1, the whole limit → 0.5, twice the limit or more → 0 | 20 |
 * | `overdueNow` 当前超期占比 | promised clocks overdue now / open cases | 1 − min(1, value) | 15 |
 * | `escalations` 每百件督办数 | 100 × escalations / received | max(0, 1 − value / 10): 10 or more per 100 cases → 0 | 15 |
 * | `complaints` 每百件投诉数 | 100 × complaints / received | max(0, 1 − value / 5): 5 or more per 100 cases → 0 | 10 |
 * | `satisfaction` 满意度 | mean rating level (1–5) | (value − 1) / 4 | 10 |
 *
 * score = 100 × Σ(weight × sub-score) / Σ(weight), both sums over the components that HAVE a
 * value (a component without data — no promised clock stopped, no open case, nothing received,
 * no rating — is left out and the other weights are rescaled, so a unit is neither rewarded nor
 * punished for an empty denominator). Rounded to 2 decimals; null when no component has data.
 */
export const EFFICIENCY_WEIGHTS: Readonly<Record<ScoreComponentName, number>> = {
  onTimePromised: 30,
  speed: 20,
  overdueNow: 15,
  escalations: 15,
  complaints: 10,
  satisfaction: 10,
};

/** Escalations per 100 cases at which the escalation sub-score reaches 0. */
export const ESCALATIONS_PER_100_AT_ZERO = 10;
/** Complaints per 100 cases at which the complaint sub-score reaches 0. */
export const COMPLAINTS_PER_100_AT_ZERO = 5;

/** The six components of a row's efficiency score (see `EFFICIENCY_WEIGHTS`). */
export function scoreComponents(s: StatsRow): Record<ScoreComponentName, ScoreComponent> {
  const comp = (name: ScoreComponentName, value: number | null, score: (v: number) => number): ScoreComponent => ({
    value: value === null ? null : r4(value),
    score: value === null ? null : r4(Math.min(1, Math.max(0, score(value)))),
    weight: EFFICIENCY_WEIGHTS[name],
  });
  const p = s.promised;
  const onTime = p.stopped ? (p.early + p.onTime) / p.stopped : null;
  return {
    onTimePromised: comp('onTimePromised', onTime, (v) => v),
    speed: comp('speed', s.avgPromisedUse, (v) => 1 - v / 2),
    overdueNow: comp('overdueNow', s.open ? Math.min(1, p.overdueNow / s.open) : null, (v) => 1 - v),
    escalations: comp('escalations', s.received ? (100 * s.escalations) / s.received : null, (v) => 1 - v / ESCALATIONS_PER_100_AT_ZERO),
    complaints: comp('complaints', s.received ? (100 * s.complaints) / s.received : null, (v) => 1 - v / COMPLAINTS_PER_100_AT_ZERO),
    satisfaction: comp('satisfaction', s.ratings.count ? (1 * s.ratings.levels[1] + 2 * s.ratings.levels[2] + 3 * s.ratings.levels[3] + 4 * s.ratings.levels[4] + 5 * s.ratings.levels[5]) / s.ratings.count : null, (v) => (v - 1) / 4),
  };
}

/**
 * 100 × Σ(weight × sub-score) / Σ(weight) over the components with data, from the sub-scores
 * as shown (4 decimals), so anyone can recompute it from an export; 2 decimals; null if none.
 */
export function efficiencyScore(components: Record<ScoreComponentName, ScoreComponent>): number | null {
  let w = 0;
  let sum = 0;
  for (const c of Object.values(components)) {
    if (c.score === null) continue;
    w += c.weight;
    sum += c.weight * c.score;
  }
  return w ? r2((100 * sum) / w) : null;
}

/** What the rank of a unit without data says. */
export const NO_CASES = '无办件';
