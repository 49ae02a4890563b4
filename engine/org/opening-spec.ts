/**
 * A centre's stored opening hours (开放时间, opening-hours.ts) read as an `OpeningSpec`, and its close
 * of business — apart from OpeningHours so that the org cache (org-cache.ts) reads them without an
 * import cycle.
 */
import type { OpeningSpec, Session } from '../calendar/opening-calendar';

/** The stored spec of a unit, reading the seeded `{ weekdays: [{from,to}] }` form too. */
export function openingSpecOf(unitId: string, stored: any): OpeningSpec {
  const s = stored ?? {};
  const legacy: Session[] | undefined = Array.isArray(s.weekdays) ? s.weekdays.map((w: any) => ({ start: w.from, end: w.to })) : undefined;
  return {
    centre: unitId,
    workingDaySessions: s.workingDaySessions ?? legacy,
    extraOpenings: s.extraOpenings ?? [],
    extraDays: s.extraDays ?? {},
    closedDays: s.closedDays ?? [],
  };
}

/** The close of business on working days (end of the last session), used for deadlines. */
export function closeTimeOfSpec(spec: OpeningSpec): string | undefined {
  return spec.workingDaySessions?.map((x) => x.end).sort().pop();
}
