/**
 * Option lists for the `svc` moddle attributes. Stored values are the English
 * domain codes; labels are what the designer sees.
 * Keep in step with processes/moddle/service-centre.json and the engine's
 * deploy-time validation.
 */
export interface SvcOption {
  value: string;
  label: string;
}

/** 办件类型 — the five case categories (五分类), and 承诺件 (an item finished at its own level within its promised working days). */
export const CASE_CATEGORIES: SvcOption[] = [
  { value: 'immediate', label: '即办件' },
  { value: 'promised', label: '承诺件' },
  { value: 'supplement', label: '补办件' },
  { value: 'report-up', label: '上报件' },
  { value: 'joint', label: '联办件' },
  { value: 'rejected', label: '退回件' },
];

/** 层级 — which level of centre owns the item or step. */
export const ORG_LEVELS: SvcOption[] = [
  { value: 'town', label: '镇（街道）' },
  { value: 'city', label: '市' },
];

/** 环节类型 — what a user-task step does (engine/domain/types.ts `UserTaskMeta.stepKind`). */
export const STEP_KINDS: SvcOption[] = [
  { value: 'accept', label: '受理' },
  { value: 'review', label: '审查' },
  { value: 'approve', label: '审批' },
  { value: 'notify', label: '告知' },
];

/**
 * 窗口 / 部门 — who receives a step: the case's receiving window, the item's own
 * department, or a department code (processes/catalogue/org-units.json `department`).
 */
export const WINDOWS: SvcOption[] = [
  { value: 'receiving', label: '受理窗口（收件的窗口）' },
  { value: 'item-department', label: '事项所属部门' },
  { value: 'village-construction', label: '村镇建设' },
  { value: 'land', label: '国土' },
  { value: 'social-affairs', label: '社会事务' },
  { value: 'family-planning', label: '计生' },
  { value: 'household', label: '户籍' },
  { value: 'hr-social-security', label: '人社' },
  { value: 'agri-forestry-water', label: '农林水' },
  { value: 'rural-assets', label: '“三资”管理' },
  { value: 'industry-tax', label: '工商税务' },
  { value: 'city-centre', label: '市政管办' },
];

let formOptions: SvcOption[] = [];

/** 表单 — forms from GET /api/forms, as `camunda:formKey` values `form:<id>`; set by the modeler page. */
export function setFormOptions(forms: Array<{ id: string; name: string }>): void {
  formOptions = forms.map((f) => ({ value: `form:${f.id}`, label: `${f.name}（${f.id}）` }));
}

export function getFormOptions(): SvcOption[] {
  return formOptions;
}
