/**
 * Who may call what (DESIGN.md §6): one table for every route of the OpenAPI document; the
 * guard (api/http/access.ts) enforces it before any handler runs. Data only, so a test can read it.
 *
 * Each rule names
 *   - `who`: `public` (no login), `anyone` logged in, or the roles that may call it (admin always passes);
 *   - `unit`: how the record's org unit is checked —
 *       `none`       no record of an org unit (catalogue, calendar, definitions, the caller's own data);
 *       `case`       the service case `{no}`: its org unit or an org unit it was handed to (involvedOrgUnits);
 *       `instance`   the process instance `{id}`: its service case as above, else the starter's org unit and
 *                    the org units of its steps;
 *       `task`       the task `{id}`: the people it names (holder, candidate users, copied, who completed it),
 *                    its window, and the org units of its case — a candidate group counts only inside that
 *                    org unit, so the shared group `town-window` never reaches another town; a `city-*`
 *                    group is the city office's over the towns' steps routed up to it;
 *       `escalation` the escalation `{id}`: its org unit;
 *       `unit`       the org unit `{id}` in the path: the caller's own (the handler checks; 403);
 *       `list`       a list the handler narrows to the caller's org unit (or to what names the caller);
 *       `handler`    checked inside the use case against the record (named in `note`).
 * Supervisors and admins see across org units (DESIGN.md §6); a foreign record answers 404 with
 * nothing of the record in the body, the same answer as a record that does not exist.
 */
/** The staff roles a rule names (admin passes every rule that names roles). */
export type Role = 'admin' | 'designer' | 'clerk' | 'supervisor' | 'manager' | 'discipline';

export type UnitCheck = 'none' | 'case' | 'instance' | 'task' | 'escalation' | 'unit' | 'list' | 'handler';
export interface AccessRule {
  who: 'public' | 'anyone' | readonly Role[];
  unit: UnitCheck;
  note?: string;
  /** `tasks`: the guard removes the tasks of other org units from the answer (a `list` rule). */
  narrow?: 'tasks';
}

const pub: AccessRule = { who: 'public', unit: 'none' };
const any: AccessRule = { who: 'anyone', unit: 'none' };
const rule = (who: AccessRule['who'], unit: UnitCheck, note?: string): AccessRule => ({ who, unit, note });
const caseRead = rule('anyone', 'case');
const taskAct = (note: string) => rule('anyone', 'task', note);
const escalationAct = (note: string) => rule('anyone', 'escalation', note);

/** Keys are `METHOD /path` exactly as the OpenAPI document writes the path. */
export const ACCESS: Readonly<Record<string, AccessRule>> = {
  'GET /api/health': pub,
  'GET /api/openapi.json': pub,
  'POST /api/auth/login': pub,
  'POST /api/auth/logout': any,
  'GET /api/me': any,

  'GET /api/definitions': any,
  'POST /api/definitions': rule(['designer'], 'none'),
  'GET /api/definitions/{key}': any,
  'PUT /api/definitions/{key}/archived': rule(['designer'], 'none'),
  'GET /api/definitions/{key}/versions': any,
  'GET /api/definitions/{key}/versions/{version}': any,
  'GET /api/definitions/{key}/versions/{version}/xml': any,
  'GET /api/definitions/{key}/xml': any,

  'GET /api/decisions': any,
  'POST /api/decisions': rule(['designer'], 'none'),
  'GET /api/decisions/{key}': any,
  'GET /api/decisions/{key}/xml': any,

  'POST /api/cases': rule(['clerk'], 'none', 'the case belongs to the starter\'s org unit'),
  'GET /api/cases/{id}': rule('anyone', 'instance'),
  'GET /api/tasks': { ...rule('anyone', 'list', 'offered tasks only of the caller\'s org unit'), narrow: 'tasks' },
  'GET /api/tasks/{id}': rule('anyone', 'task'),
  'GET /api/tasks/{id}/form': rule('anyone', 'task'),
  'POST /api/tasks/{id}/complete': taskAct('then: holder, or candidate of its org unit'),
  'POST /api/tasks/{id}/claim': taskAct('then: its window, or a candidate'),
  'POST /api/tasks/{id}/return': taskAct('then: the holder'),
  'POST /api/tasks/{id}/withdraw': taskAct('then: who completed the step before'),
  'POST /api/tasks/{id}/transfer': taskAct('then: the holder'),
  'POST /api/tasks/{id}/cosign': taskAct('then: the holder'),
  'POST /api/tasks/{id}/cc': taskAct('then: the holder or who completed it'),
  'POST /api/tasks/{id}/urge': taskAct('then: the responsible person, managers, supervisors'),
  'GET /api/inbox/counts': rule('anyone', 'list', 'counts of the caller\'s own inboxes (assigned to, window of, copied to, offered to the caller)'),
  'GET /api/inbox': { ...rule('anyone', 'list', 'mine / window / cc / offered tasks of the caller\'s org unit'), narrow: 'tasks' },

  'GET /api/org/units': any,
  'GET /api/org/units/{id}/windows': rule('anyone', 'handler', 'directory of windows and posts for all (the targets of transfers and co-signs across units); duty details (reason, until, stand-in) only to the org unit itself, the city office and supervisors'),
  'GET /api/org/units/{id}/opening': rule('anyone', 'handler', 'the hours for all; who changed them and why only to the unit itself, the city office and supervisors'),
  'PUT /api/org/units/{id}/opening': rule('anyone', 'unit', 'admin, or the head of that centre'),
  'POST /api/org/windows': rule(['admin'], 'none'),
  'GET /api/org/windows/{id}': rule('anyone', 'handler', 'directory; duty details only to the org unit itself, the city office and supervisors'),
  'POST /api/org/staff': rule(['admin'], 'none'),
  'PUT /api/org/staff/{username}/duty': rule('anyone', 'handler', 'oneself, or the manager of that person\'s centre; a stand-in of the same org unit'),
  'GET /api/org/filings': rule('anyone', 'list', 'the caller\'s org unit; the city office and supervisors every unit; another unit asked for: 403'),

  'GET /api/items': any,
  'GET /api/items/{code}': any,
  'POST /api/items': rule(['admin', 'designer'], 'none'),
  'PUT /api/items/{code}': rule(['admin', 'designer'], 'none'),
  'GET /api/item-changes': rule(['admin', 'designer', 'supervisor'], 'none', 'the catalogue\'s change log'),
  'GET /api/items/{code}/versions': any,
  'GET /api/items/{code}/versions/{version}': any,
  'POST /api/info-posts': rule(['clerk'], 'handler', 'only for the clerk\'s own window'),
  'GET /api/reject-reasons': any,
  'GET /api/forms': any,
  'GET /api/forms/{id}': any,
  'PUT /api/forms/{id}': rule(['designer'], 'none'),
  'GET /api/forms/{id}/versions': any,

  'POST /api/intake': rule(['clerk'], 'none', 'at the clerk\'s own window and org unit'),
  'GET /api/service-cases': rule('anyone', 'list'),
  'GET /api/service-cases/{no}': caseRead,
  'POST /api/service-cases/{no}/examination': rule(['clerk'], 'case', 'then: its responsible window'),
  'POST /api/service-cases/{no}/supplements': rule(['clerk'], 'case', 'then: its responsible window'),
  'POST /api/service-cases/{no}/supplement-notices': rule(['clerk'], 'case', 'then: its responsible window'),
  'POST /api/service-cases/{no}/fee': rule(['clerk'], 'case', 'then: its responsible window'),
  'GET /api/service-cases/{no}/notices': caseRead,
  'GET /api/service-cases/{no}/notices/{noticeId}': caseRead,
  'GET /api/service-cases/{no}/proxy-record': caseRead,
  'GET /api/service-cases/{no}/audit': caseRead,
  'GET /api/service-cases/{no}/audit/verify': caseRead,
  'GET /api/service-cases/{no}/clocks': caseRead,
  'POST /api/service-cases/{no}/clocks/pause': rule(['clerk', 'manager'], 'case'),
  'POST /api/service-cases/{no}/clocks/resume': rule(['clerk', 'manager'], 'case'),
  'POST /api/service-cases/{no}/clocks/extend': rule(['manager'], 'case'),
  'GET /api/service-cases/{no}/ratings': caseRead,
  'GET /api/notifications': rule('anyone', 'list', 'the caller\'s own'),

  'GET /api/escalations': rule(['supervisor', 'designer', 'manager'], 'list', 'a manager sees his own org unit'),
  'GET /api/escalations/{id}': rule(['supervisor', 'designer', 'manager'], 'escalation'),
  'POST /api/escalations/{id}/acknowledge': escalationAct('then: supervisors'),
  'POST /api/escalations/{id}/notice': escalationAct('then: supervisors'),
  'POST /api/escalations/{id}/reply': escalationAct('then: the supervised unit'),
  'POST /api/escalations/{id}/close': escalationAct('then: supervisors'),
  'POST /api/escalations/{id}/reescalate': escalationAct('then: supervisors'),
  'GET /api/complaints': rule('anyone', 'list', 'discipline commission of its town; supervisors all'),
  'POST /api/complaints/{id}/reply': rule('anyone', 'handler', 'the discipline commission of the complaint\'s town'),

  'GET /api/calendar/deadline': any,
  'GET /api/calendar/days': any,
  'GET /api/calendar/years': any,
  'PUT /api/calendar/years/{year}': rule(['admin'], 'none'),
  'GET /api/stats/{dimension}': rule(['supervisor', 'manager'], 'list', 'a manager his own org unit'),
  'GET /api/stats/rankings/towns': rule(['supervisor', 'manager'], 'none', 'ranking scores of all towns, no case data'),
  'GET /api/stats/rankings/windows': rule(['supervisor', 'manager'], 'list'),
  'GET /api/supervision/board': rule(['supervisor', 'manager'], 'list', 'a manager his own org unit'),
  'GET /api/supervision/board/stream': rule(['supervisor', 'manager'], 'list', 'a manager his own org unit'),
  'GET /api/supervision/heatmap': rule(['supervisor', 'manager', 'designer'], 'list', 'counts per step, no case data; a town\'s centre only its own tasks'),
  'GET /api/outbox/stats': rule(['supervisor'], 'none'),
  'GET /api/outbox/events': rule(['supervisor'], 'none'),
  'GET /api/outbox/events/{id}': rule(['supervisor'], 'none'),
  'POST /api/outbox/events/{id}/retry': rule(['admin'], 'none'),
  'GET /api/incidents': rule(['supervisor'], 'none', 'only roles that see every org unit (supervisors, admins) may call it; the engine narrows the list to the caller\'s org unit for any other'),
  'GET /api/incidents/{id}': rule(['supervisor'], 'none', 'only roles that see every org unit; the engine answers another org unit\'s incident 404 for any other'),
  'POST /api/incidents/{id}/retry': rule(['admin'], 'none'),
  'POST /api/incidents/{id}/cancel': rule(['admin'], 'none'),
  'POST /api/messages': rule(['designer', 'supervisor'], 'none', 'messages for a business key (case number) from external senders and operators; no integration role exists yet, so the city roles (admin, designer, supervisor) — a town clerk cannot'),
  'GET /api/messages': rule(['admin'], 'none', 'messages by status (pending: nobody waits yet)'),

  'GET /api/public/items': pub,
  'GET /api/public/items/{code}': pub,
  'GET /api/public/items/{code}/diagram': pub,
  'GET /api/public/towns': pub,
  'GET /api/public/towns/{id}/items': pub,
  'GET /api/public/towns/{id}/windows': pub,
  'GET /api/public/towns/{id}/board': pub,
  'GET /api/public/towns/{id}/opening': pub,
  'GET /api/public/departments/{code}/items': pub,
  'POST /api/public/case-lookup': rule('public', 'handler', 'the case number AND its query code or phone'),
  'POST /api/public/complaints': pub,
  'POST /api/public/complaint-lookup': rule('public', 'handler', 'the reference AND its query code'),
  'POST /api/public/ratings': rule('public', 'handler', 'the case number AND its query code'),
};
