import { api } from '../../api-client';

/** Forms API (contract of GET/PUT /api/forms). */
export interface FormSummary {
  id: string;
  name: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
  /** the display name (姓名) of who saved it; none for the seed (`system`) */
  updatedByName?: string;
}

export interface FormDocument {
  id: string;
  name: string;
  version: number;
  latestVersion?: number;
  schema: Record<string, unknown>;
}

export const formsApi = {
  list: () => api.get<FormSummary[]>('/api/forms'),
  get: (id: string, version?: number) => api.get<FormDocument>(`/api/forms/${encodeURIComponent(id)}${version ? `?version=${version}` : ''}`),
  /** `baseVersion`: the latest version the editor knows (0 for a new form); a newer one on the server answers 409 FORM_CHANGED */
  save: (id: string, name: string, schema: unknown, baseVersion: number) => api.put<{ id: string; version: number }>(`/api/forms/${encodeURIComponent(id)}`, { name, schema, baseVersion }),
};

/** 表单标识: like a process key (becomes `camunda:formKey="form:<id>"`). */
export const FORM_ID_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;

export function blankSchema(id: string): Record<string, unknown> {
  return { type: 'default', id, schemaVersion: 18, components: [] };
}
