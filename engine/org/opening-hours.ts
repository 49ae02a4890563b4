/**
 * 开放时间 of each centre, editable through the API: working-day sessions and "5+X" openings
 * (Saturday mornings, evening hours…), one-off openings and closures — kept apart from the
 * counting calendar (see calendar/opening-calendar.ts for the rules and their sources).
 *
 * Stored on the org unit as `openingHours` (the `OpeningSpec` without `centre`); every change is
 * appended to `openingHistory` with who, when and why, so earlier versions stay readable. The
 * seeded form `{ weekdays: [{ from, to }] }` is read as working-day sessions.
 * Only the city's administrators or the centre's own head (manager) may change a centre's hours.
 */
import { z } from 'zod';
import { OpeningCalendar, type Session } from '../calendar/opening-calendar';
import { cstDayOf, addCalendarDays, type Day } from '../calendar/cst';
import type { WorkingCalendar } from '../calendar/working-calendar';
import { ConflictError, ForbiddenError, NotFoundError } from '../domain/errors';
import type { Actor } from '../domain/types';
import type { Models } from '../persistence/models';
import { CITY_UNIT, seesAcross } from './scope';
import { orgCacheOf } from './org-cache';
import { closeTimeOfSpec, openingSpecOf } from './opening-spec';

export { closeTimeOfSpec, openingSpecOf } from './opening-spec';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM');
const session = z.object({ start: hhmm, end: hhmm });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD');

export const OpeningBody = z.object({
  workingDaySessions: z.array(session).min(1).max(6),
  extraOpenings: z.array(z.object({ isoWeekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7), sessions: z.array(session).min(1).max(6), onStatutoryHolidays: z.boolean().optional() })).max(7).default([]),
  extraDays: z.record(day, z.array(session).min(1).max(6)).default({}),
  closedDays: z.array(day).max(366).default([]),
  reason: z.string().trim().min(1).max(300),
});
export type OpeningInput = z.infer<typeof OpeningBody>;

export class OpeningHours {
  constructor(private readonly models: Models, private readonly calendar: () => Promise<WorkingCalendar>) {}

  /**
   * The spec and the sessions of the next `days` CST days (with working-day flags), and the
   * change history. Who changed the hours and why is the unit's own (DESIGN.md §6): a `viewer` of
   * another town gets the versions and dates only; the unit itself, the city office and
   * supervisors (and the platform, without a viewer) get all.
   */
  async get(unitId: string, from: Date, days = 14, viewer?: Actor) {
    const u = await this.models.OrgUnit.findById(unitId, { openingHours: 1, name: 1, openingHistory: 1 }).lean();
    if (!u) throw new NotFoundError('ORG_UNIT_NOT_FOUND', `org unit ${unitId} does not exist`);
    const spec = openingSpecOf(unitId, u.openingHours);
    const counting = await this.calendar();
    const cal = new OpeningCalendar(counting, spec);
    const start = cstDayOf(from);
    const next: { day: Day; workingDay: boolean | null; estimated?: true; sessions: Session[] }[] = [];
    for (let i = 0; i < days; i++) {
      const d = addCalendarDays(start, i);
      try {
        // a year without its holiday table (see PUT /api/calendar/years/:year) is estimated, and says so
        const info = counting.dayInfo(d);
        next.push({ day: d, workingDay: info.working, ...(info.estimated ? { estimated: true as const } : {}), sessions: cal.sessionsOn(d) });
      } catch {
        // beyond the years the lunar calendar covers: unknown, not guessed
        next.push({ day: d, workingDay: null, sessions: [] });
      }
    }
    const own = !viewer || seesAcross(viewer) || viewer.orgUnit === CITY_UNIT || viewer.orgUnit === unitId;
    const history = ((u as any).openingHistory ?? []).map((h: any) => (own ? { version: h.version, at: h.at, by: h.by, reason: h.reason } : { version: h.version, at: h.at }));
    return { unit: unitId, name: u.name, version: history.length, spec: { ...spec, centre: undefined }, closeTime: closeTimeOfSpec(spec) ?? null, next, history };
  }

  /** Replaces a unit's opening hours (validated by building the calendar first); the old spec stays in the history. */
  async set(unitId: string, input: OpeningInput, actor: Actor, now: Date) {
    const u = await this.models.OrgUnit.findById(unitId, { openingHours: 1, openingHistory: 1 }).lean();
    if (!u) throw new NotFoundError('ORG_UNIT_NOT_FOUND', `org unit ${unitId} does not exist`);
    const mayEdit = actor.roles.includes('admin') || (actor.roles.includes('manager') && actor.orgUnit === unitId);
    if (!mayEdit) throw new ForbiddenError('NOT_YOUR_CENTRE', `only administrators or the head of ${unitId} may change its opening hours`);
    const { reason, ...spec } = input;
    new OpeningCalendar(await this.calendar(), { centre: unitId, ...spec }); // throws INVALID_OPENING_HOURS (overlaps, bad days)
    const version = ((u as any).openingHistory ?? []).length + 1;
    // compare-and-set on the history length: two heads saving at once cannot both win
    const r = await this.models.OrgUnit.updateOne(
      { _id: unitId, openingHistory: { $size: version - 1 } },
      { $set: { openingHours: spec }, $push: { openingHistory: { version, at: now, by: actor.username, reason, previous: u.openingHours ?? {} } } },
    );
    if (!r.modifiedCount) throw new ConflictError('OPENING_HOURS_CHANGED', 'someone changed these opening hours just now; reload and try again');
    // the close of business new clocks and step deadlines count to: at once in this process (org-cache.ts bounds the others)
    orgCacheOf(this.models).forgetUnit(unitId);
    return this.get(unitId, now);
  }
}
