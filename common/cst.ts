/**
 * China Standard Time (CST, 北京时间): UTC+8 all year, no daylight saving time since 1991.
 * The one definition of the offset for the server (engine/calendar/cst.ts re-exports it with the
 * validated day arithmetic) and the browser app. Pure arithmetic on UTC milliseconds: never the
 * host's time zone, so a server set to UTC and a browser in Los Angeles see the same day.
 */

/** Offset of CST from UTC, in milliseconds. */
export const CST_OFFSET_MS = 8 * 3600_000;

/**
 * The CST calendar day `'YYYY-MM-DD'` an instant falls on: 2025-01-01T16:30:00Z → '2025-01-02'.
 * Takes a Date, an ISO string or epoch milliseconds; an invalid instant throws a RangeError
 * (engine/calendar/cst.ts `cstDayOf` checks first and throws the domain's ValidationError).
 */
export function cstDay(at: Date | string | number): string {
  return new Date(new Date(at).getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** CST wall-clock time of an instant to the minute, `'YYYY-MM-DD HH:mm'` (for documents and exports). */
export function cstMinute(at: Date | string | number): string {
  return new Date(new Date(at).getTime() + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
