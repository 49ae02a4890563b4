import { api } from '../../api-client';

/** Catalogue API (contract of GET/PUT /api/items and GET /api/items/{code}/versions). */
export interface Material {
  code: string;
  name: string;
  form: string;
  copies: number;
  original: boolean;
  requirement: 'mandatory' | 'conditional';
  condition?: string;
  note?: string;
}

export interface FeeItem {
  name: string;
  amountFen: number;
  basis: string;
}

export type Fees = { free: true; basis?: string } | { free: false; items: FeeItem[] };

export interface CatalogueItem {
  code: string;
  name: string;
  department: string;
  orgLevel: 'town' | 'city';
  defaultCategory: 'immediate' | 'promised' | 'report-up' | 'joint';
  procedure: string;
  statutoryLimitDays: number;
  promisedLimitDays: number;
  materials: Material[];
  fees: Fees;
  legalBasis: string[];
  conditions?: string;
  outcome?: string;
  jointDepartments?: string[];
  version?: number;
  updatedBy?: string;
  updatedAt?: string;
}

export interface ItemVersion {
  version: number;
  savedBy: string;
  savedByName: string;
  savedAt: string;
  note: string | null;
  changes: { field: string; label: string; summary: string }[];
}

/** One broken catalogue rule of a 422 ITEM_RULE_VIOLATION. */
export interface RuleViolation {
  field: string;
  rule: string;
  message: string;
}

export interface CityWindow {
  id: string;
  name: string;
  department: string;
  departmentName?: string;
  kind: string;
}

export type ItemSave = Omit<CatalogueItem, 'code' | 'version' | 'updatedBy' | 'updatedAt'> & { note?: string; baseVersion?: number };

/** One entry of the catalogue's change log (GET /api/item-changes). */
export interface ItemChangeEntry extends ItemVersion {
  code: string;
  itemName: string;
}

export const catalogueApi = {
  changes: () => api.get<ItemChangeEntry[]>('/api/item-changes'),
  list: () => api.get<CatalogueItem[]>('/api/items'),
  get: (code: string) => api.get<CatalogueItem>(`/api/items/${encodeURIComponent(code)}`),
  versions: (code: string) => api.get<ItemVersion[]>(`/api/items/${encodeURIComponent(code)}/versions`),
  save: (code: string, body: ItemSave) => api.put<CatalogueItem>(`/api/items/${encodeURIComponent(code)}`, body),
  /** the city's department windows: each department's window name (受理部门) */
  cityWindows: () => api.get<CityWindow[]>('/api/org/units/city/windows'),
};
