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

/** 办件类型 — the five case categories (五分类). */
export const CASE_CATEGORIES: SvcOption[] = [
  { value: 'immediate', label: '即办件' },
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
