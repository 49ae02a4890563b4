/**
 * Incidents (事件/故障) of service and send task jobs as the API answers them
 * (engine/service-jobs/service-jobs.ts) and the console shows them (IncidentsPage.tsx).
 * `TDate` is `Date` on the server and `string` (ISO, after JSON) in the browser.
 */

export type IncidentStatus = 'open' | 'retrying' | 'resolved' | 'cancelled';

/** One failed attempt of a job. */
export interface AttemptLogOf<TDate> {
  attempt: number;
  at: TDate;
  error: string;
}

/** What happened to an incident: raised, retried or cancelled, by whom. */
export interface IncidentHistoryEntryOf<TDate> {
  action: 'incident' | 'retry' | 'cancel';
  at: TDate;
  by: string;
  note?: string;
}

export interface IncidentViewOf<TDate> {
  id: string;
  status: IncidentStatus;
  topic: string;
  instanceId: string;
  caseNo?: string;
  orgUnit?: string;
  definitionKey: string;
  elementId: string;
  elementName?: string;
  error?: string;
  attempts: number;
  maxAttempts: number;
  firstFailedAt?: TDate;
  lastFailedAt?: TDate;
  incidentAt?: TDate;
  errors: AttemptLogOf<TDate>[];
  history: IncidentHistoryEntryOf<TDate>[];
}
