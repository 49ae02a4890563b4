/**
 * stats.rollups.refresh — recomputes the statistics buckets that changed (engine/stats/rollups.ts),
 * so a report finds them fresh instead of refreshing them itself first. Trigger: every
 * STATS_REFRESH_EVERY (Agenda interval, default 30 seconds; one shared job). Idempotency: a
 * recompute is idempotent and a marker is removed only if nothing changed meanwhile, so a run
 * killed mid-way or two at once double nothing. Retries: the next run.
 */
import type { Agenda } from 'agenda';
import type { Logger, StatsRollups } from '../../engine';

export const STATS_REFRESH_JOB = 'stats.rollups.refresh';
export const STATS_REFRESH_EVERY = process.env.STATS_REFRESH_EVERY ?? '30 seconds';

export function defineStatsRefreshJob(agenda: Agenda, rollups: StatsRollups, logger: Logger) {
  agenda.define(
    STATS_REFRESH_JOB,
    async () => {
      const t = Date.now();
      const n = await rollups.refreshDirty(500);
      if (n) logger.info({ jobName: STATS_REFRESH_JOB, buckets: n, ms: Date.now() - t }, 'statistics rollups refreshed');
    },
    { concurrency: 1, lockLifetime: 10 * 60_000 },
  );
}
