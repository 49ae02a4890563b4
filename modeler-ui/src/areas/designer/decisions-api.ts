import { api } from '../../api-client';

/**
 * Decision tables (决策表, DMN) over the API: GET /api/decisions (every decision with its versions),
 * GET /api/decisions/{key} (versions, newest first), GET /api/decisions/{key}/xml[?version=n],
 * POST /api/decisions `{ xml, note }` (designer; the change note is required) → the versions stored.
 */
export interface DecisionVersion {
  key: string;
  version: number;
  name: string;
  /** `UNIQUE`, `FIRST`, `RULE ORDER`, `COLLECT`, `COLLECT SUM` … */
  hitPolicy: string;
  deployedAt: string;
  deployedBy: string;
  changeNote: string;
}

export interface DecisionEntry {
  key: string;
  name: string;
  latestVersion: number;
  versions: DecisionVersion[];
}

export const decisionsApi = {
  list: () => api.get<DecisionEntry[]>('/api/decisions'),
  entry: (key: string) => api.get<DecisionEntry>(`/api/decisions/${encodeURIComponent(key)}`),
  xml: (key: string, version?: number) =>
    api.text(`/api/decisions/${encodeURIComponent(key)}/xml${version ? `?version=${version}` : ''}`, 'application/xml, text/xml;q=0.9, */*;q=0.1'),
  deploy: (xml: string, note: string) => api.post<DecisionVersion[]>('/api/decisions', { xml, note }),
};
