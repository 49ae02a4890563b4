/** Names of the path patterns (the XML is in patterns.ts, loaded with the modeler page only). */
export const PATTERNS = [
  { id: 'immediate-item', category: 'immediate' },
  { id: 'supplement-item', category: 'supplement' },
  { id: 'report-up-item', category: 'report-up' },
  { id: 'joint-approval-item', category: 'joint' },
  { id: 'rejection-item', category: 'rejected' },
] as const;

/** 流程标识: lower-case letters, digits and hyphens, starting with a letter (becomes the process id). */
export const KEY_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;
