import { api } from '../../api-client';
import type { ItemChangeEntryOf, ItemRuleViolation, ItemVersionOf, ServiceItemOf } from '../../../../common/catalogue';

/**
 * Catalogue API (GET/PUT /api/items, GET /api/items/{code}/versions, GET /api/item-changes): the
 * types are the server's own (common/catalogue.ts), with dates as JSON carries them.
 */
export type { FeeItem, Fees, Material } from '../../../../common/catalogue';
export type CatalogueItem = ServiceItemOf<string>;
export type ItemVersion = ItemVersionOf<string>;

/** One broken catalogue rule of a 422 ITEM_RULE_VIOLATION. */
export type RuleViolation = ItemRuleViolation;

export interface CityWindow {
  id: string;
  name: string;
  department: string;
  departmentName?: string;
  kind: string;
}

export type ItemSave = Omit<CatalogueItem, 'code' | 'version' | 'updatedBy' | 'updatedAt'> & { note?: string; baseVersion?: number };

/** One entry of the catalogue's change log (GET /api/item-changes). */
export type ItemChangeEntry = ItemChangeEntryOf<string>;

/**
 * An item as a designer reads it: with the catalogue's warnings (ruleWarnings — they do not refuse a
 * save: the path's step limits on its longest way against the promise, rule path-within-promise).
 */
export type DesignedItem = CatalogueItem & { ruleWarnings?: RuleViolation[] };

export const catalogueApi = {
  changes: () => api.get<ItemChangeEntry[]>('/api/item-changes'),
  list: () => api.get<CatalogueItem[]>('/api/items'),
  get: (code: string) => api.get<DesignedItem>(`/api/items/${encodeURIComponent(code)}`),
  versions: (code: string) => api.get<ItemVersion[]>(`/api/items/${encodeURIComponent(code)}/versions`),
  save: (code: string, body: ItemSave) => api.put<DesignedItem>(`/api/items/${encodeURIComponent(code)}`, body),
  /** the city's department windows: each department's window name (受理部门) */
  cityWindows: () => api.get<CityWindow[]>('/api/org/units/city/windows'),
};
