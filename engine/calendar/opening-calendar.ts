/**
 * Opening calendar (窗口开放时间) of one service centre: when its windows take applications.
 *
 * Kept apart from the counting calendar on purpose. Many centres open beyond working days —
 * "5+X" service (五天工作日 + 周末/节假日预约或延时服务, e.g. Saturday mornings) — but a day is
 * a working day for time limits only by the State Council notice (`WorkingCalendar`,
 * 行政许可法 第八十二条). An application accepted at a Saturday opening is accepted that
 * Saturday, and its period still counts from the next WORKING day (民法典 第二百零一条).
 * Nothing here changes `WorkingCalendar`.
 *
 * Which sessions apply to a CST day, first match wins:
 * 1. `closedDays` (one-off closure: typhoon signal, power cut) → closed;
 * 2. `extraDays` (one-off opening with its sessions);
 * 3. a working day of the counting calendar (make-up workdays included) → `workingDaySessions`;
 * 4. a non-working day whose ISO weekday is in an `extraOpenings` rule → that rule's sessions,
 *    except on statutory holidays unless the rule sets `onStatutoryHolidays`;
 * 5. otherwise closed.
 * A session is [start, end) in CST wall-clock time.
 */
import { ValidationError } from '../domain/errors';
import { addCalendarDays, assertDay, cstDayOf, cstInstantAtMinute, cstMinuteOfDay, isoWeekday, parseHHMM, type Day } from './cst';
import type { WorkingCalendar } from './working-calendar';

/** One opening session, `'HH:MM'` CST, start inclusive, end exclusive. */
export type Session = { start: string; end: string };

/** A "5+X" rule: open on some non-working weekdays. */
export type ExtraOpening = {
  /** ISO weekdays (1 = Monday … 6 = Saturday, 7 = Sunday) it applies to, when not a working day. */
  isoWeekdays: number[];
  sessions: Session[];
  /** Open also when the day is in a statutory holiday block (default false). */
  onStatutoryHolidays?: boolean;
};

export type OpeningSpec = {
  /** The centre (org unit id). */
  centre: string;
  /** Sessions on working days; default `DEFAULT_WORKING_DAY_SESSIONS`. */
  workingDaySessions?: Session[];
  /** "5+X" openings on non-working days. */
  extraOpenings?: ExtraOpening[];
  /** One-off openings, day → sessions. */
  extraDays?: Record<Day, Session[]>;
  /** One-off closures. */
  closedDays?: Day[];
};

/** Morning and afternoon sessions: 08:30–12:00 and 14:00–17:30. */
export const DEFAULT_WORKING_DAY_SESSIONS: readonly Session[] = Object.freeze([
  { start: '08:30', end: '12:00' },
  { start: '14:00', end: '17:30' },
]);

type Span = { start: number; end: number; session: Session };

function spans(sessions: readonly Session[], where: string): Span[] {
  const out = sessions.map((s) => ({ start: parseHHMM(s.start), end: parseHHMM(s.end), session: { start: s.start, end: s.end } }));
  out.sort((a, b) => a.start - b.start);
  out.forEach((s, i) => {
    if (s.end <= s.start) throw new ValidationError('INVALID_OPENING_HOURS', `${where}: session ${s.session.start}–${s.session.end} ends before it starts (开放时段无效)`);
    const prev = out[i - 1];
    if (prev && s.start < prev.end) throw new ValidationError('INVALID_OPENING_HOURS', `${where}: sessions overlap (开放时段重叠)`);
  });
  return out;
}

export class OpeningCalendar {
  readonly centre: string;
  private readonly working: Span[];
  private readonly extra: { weekdays: Set<number>; spans: Span[]; onHolidays: boolean }[];
  private readonly extraDays: Map<Day, Span[]>;
  private readonly closed: Set<Day>;

  constructor(
    private readonly counting: WorkingCalendar,
    spec: OpeningSpec,
  ) {
    this.centre = spec.centre;
    this.working = spans(spec.workingDaySessions ?? DEFAULT_WORKING_DAY_SESSIONS, `${spec.centre} working days`);
    this.extra = (spec.extraOpenings ?? []).map((rule) => {
      for (const d of rule.isoWeekdays) {
        if (!Number.isInteger(d) || d < 1 || d > 7) throw new ValidationError('INVALID_OPENING_HOURS', `${spec.centre}: ISO weekday must be 1–7, got ${d} (星期应为1至7)`);
      }
      return { weekdays: new Set(rule.isoWeekdays), spans: spans(rule.sessions, `${spec.centre} extra opening`), onHolidays: rule.onStatutoryHolidays ?? false };
    });
    this.extraDays = new Map(Object.entries(spec.extraDays ?? {}).map(([day, sessions]) => [assertDay(day), spans(sessions, `${spec.centre} ${day}`)]));
    this.closed = new Set((spec.closedDays ?? []).map(assertDay));
  }

  private spansOn(day: Day): Span[] {
    if (this.closed.has(day)) return [];
    const oneOff = this.extraDays.get(day);
    if (oneOff) return oneOff;
    // a year without its notice is taken from its estimated table (WorkingCalendar.dayInfo)
    const kind = this.counting.dayInfo(day).kind;
    if (kind === 'workday' || kind === 'make-up-workday') return this.working;
    const wd = isoWeekday(day);
    for (const rule of this.extra) {
      if (rule.weekdays.has(wd) && (kind !== 'holiday' || rule.onHolidays)) return rule.spans;
    }
    return [];
  }

  /**
   * The sessions on a CST day (empty when closed).
   * A day of a year without a holiday table follows its estimated table (statutory holidays, no 调休).
   */
  sessionsOn(day: Day): Session[] {
    assertDay(day);
    return this.spansOn(day).map((s) => ({ ...s.session }));
  }

  /** Whether the windows are open at an instant. */
  isOpen(at: Date): boolean {
    const minute = cstMinuteOfDay(at);
    return this.spansOn(cstDayOf(at)).some((s) => s.start <= minute && minute < s.end);
  }

  /**
   * The earliest instant at or after `at` when the windows are open: `at` itself when open,
   * else the start of the next session. `null` if none within `horizonDays` calendar days.
   */
  nextOpening(at: Date, horizonDays = 366): Date | null {
    let day = cstDayOf(at);
    const minute = cstMinuteOfDay(at);
    for (let i = 0; i <= horizonDays; i++, day = addCalendarDays(day, 1)) {
      for (const s of this.spansOn(day)) {
        if (i === 0) {
          if (s.end <= minute) continue;
          if (s.start <= minute) return new Date(at.getTime());
        }
        return cstInstantAtMinute(day, s.start);
      }
    }
    return null;
  }

  /** Close of business on a day: end of its last session (`'HH:MM'`), or undefined when closed. */
  closingTime(day: Day): string | undefined {
    const s = this.spansOn(assertDay(day));
    return s.length ? s[s.length - 1].session.end : undefined;
  }
}
