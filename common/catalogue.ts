/**
 * The service catalogue's contract (事项目录): what GET/PUT /api/items, GET /api/items/{code}/versions
 * and GET /api/item-changes carry, and the words the catalogue rules and the designer's form both
 * use. The server (engine/catalogue/) and the browser (modeler-ui/src/areas/designer/catalogue-api.ts)
 * import these, so a field added on one side is a type error on the other until both agree.
 * `TDate` is `Date` on the server and `string` (ISO 8601, as JSON carries it) in the browser.
 */

export const ITEM_CATEGORIES = ['immediate', 'promised', 'report-up', 'joint'] as const;
/** 办件类型: 即办件 immediate · 承诺件 promised · 上报件 report-up · 联办件 joint (engine/catalogue/item-rules.ts). */
export type ItemCategory = (typeof ITEM_CATEGORIES)[number];

/** The categories' Chinese names. */
export const CATEGORY_NAMES: Record<string, string> = { immediate: '即办件', promised: '承诺件', 'report-up': '上报件', joint: '联办件' };

/** 审批层级 in Chinese. */
export const ORG_LEVEL_NAMES: Record<string, string> = { town: '镇级', city: '市级' };

/** Field names as the designer's form shows them (also in rule violations and change summaries). */
export const ITEM_FIELD_LABELS: Record<string, string> = {
  name: '事项名称',
  department: '受理部门（窗口）',
  orgLevel: '审批层级',
  defaultCategory: '办件类型',
  procedure: '办理路径',
  statutoryLimitDays: '法定时限',
  promisedLimitDays: '承诺时限',
  materials: '申请材料',
  fees: '收费',
  legalBasis: '设定依据',
  conditions: '受理条件',
  outcome: '办理结果',
  jointDepartments: '联办部门',
};

/** A required material (申请材料). */
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

/** A service item as the catalogue keeps and serves it. */
export interface ServiceItemOf<TDate> {
  code: string;
  name: string;
  department: string;
  orgLevel: 'town' | 'city';
  defaultCategory: ItemCategory;
  procedure: string;
  statutoryLimitDays: number;
  promisedLimitDays: number;
  materials: Material[];
  fees: Fees;
  legalBasis: string[];
  conditions?: string;
  outcome?: string;
  jointDepartments?: string[];
  /** current version (each save is a new version) */
  version?: number;
  updatedBy?: string;
  updatedAt?: TDate;
}

/** One broken catalogue rule (422 ITEM_RULE_VIOLATION `details`). */
export interface ItemRuleViolation {
  /** the item field the rule is about */
  field: string;
  /** stable rule id */
  rule: string;
  /** the reason, in Chinese */
  message: string;
}

/** What one save changed in one field. */
export interface ItemChange {
  field: string;
  label: string;
  /** what changed, in Chinese (e.g. 承诺时限：15 → 10个工作日; 新增材料“…”) */
  summary: string;
}

/** One saved version of an item: who, when, why, what changed. */
export interface ItemVersionOf<TDate> {
  version: number;
  savedBy: string;
  /** 姓名 of `savedBy` (系统（平台预置） for the seed) */
  savedByName: string;
  savedAt: TDate;
  note: string | null;
  changes: ItemChange[];
}

/** One entry of the catalogue's change log (GET /api/item-changes). */
export interface ItemChangeEntryOf<TDate> extends ItemVersionOf<TDate> {
  code: string;
  itemName: string;
}
