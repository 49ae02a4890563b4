/** Shapes of the API answers the workbench reads (see api/openapi.ts). */
import type { ServiceItemOf } from '../../../../common/catalogue';

export interface Me {
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
  orgUnit?: string;
  windowId?: string;
}

export interface Duty {
  status: 'present' | 'away';
  reason?: string;
  from?: string;
  until?: string;
  standIn?: string;
  since?: string;
}

export interface PostPerson {
  username: string;
  displayName?: string;
  duty: Duty;
}

export interface WindowView {
  id: string;
  orgUnit: string;
  no: number;
  name: string;
  department: string;
  departmentName?: string;
  kind: string;
  accepts?: string[];
  postA: PostPerson | null;
  postB: PostPerson | null;
  receiver: string | null;
}

export interface OrgUnit {
  id: string;
  name: string;
  shortName?: string;
  level: string;
}

/** A catalogue item as GET /api/items serves it: the server's own type (common/catalogue.ts). */
export type { Material } from '../../../../common/catalogue';
export type Item = ServiceItemOf<string>;

export interface HandedMaterial {
  code: string;
  provided: boolean;
  defect?: string;
  applicable?: boolean;
}

export type Signal = 'normal' | 'warned' | 'late';

export interface TaskAction {
  type: string;
  actor: string;
  at: string;
  reason?: string | null;
  [k: string]: unknown;
}

export interface Task {
  id: string;
  caseId: string;
  elementId: string;
  name: string;
  definitionKey: string;
  assignee?: string;
  dueDate?: string;
  formKey?: string;
  timeLimit?: string;
  status: string;
  createdAt: string;
  completedAt?: string;
  completedBy?: string;
  kind: string;
  caseNo?: string;
  orgUnit?: string;
  windowId?: string;
  post?: string;
  claimedBy?: string;
  claimedAt?: string;
  movedFrom?: string;
  parentTaskId?: string;
  outcome?: { decision?: string; opinion?: string };
  actions: TaskAction[];
  ccTo: string[];
  candidateGroups?: string[];
  candidateUsers?: string[];
  /** display names (姓名) beside the logins */
  assigneeName?: string;
  claimedByName?: string;
  completedByName?: string;
  /** on one task's page: display names of every person it names, by login */
  people?: Record<string, string>;
  /** the case of the step: its service item and applicant (name, phone, ID masked) */
  case?: { itemCode: string; itemName: string; category?: string; receivedAt?: string; applicant: { kind?: string; name: string; phone?: string; idNumber?: string } };
  /** GET /api/tasks/{id}: what the reader may do with it (api/routes/task-offer.ts); absent in inbox rows */
  offer?: TaskOffer;
  deadline?: { dueAt?: string; signal: Signal; estimated?: boolean; estimatedYears?: number[]; estimateNote?: string; remaining?: { unit: 'working-days' | 'hours' | 'minutes'; value: number; estimated?: boolean }; clock: { id: string; status: string; budget: Budget; startedAt: string } | null };
}

/** What the reader of a task may do with it, as the server's actions check it. */
export interface TaskOffer { claim: boolean; complete: boolean; return: boolean; transfer: boolean; cosign: boolean; cc: boolean; withdraw: boolean; urge: boolean }

export type Budget = { unit: 'working-days'; days: number } | { unit: 'duration'; ms: number; iso: string };

export interface CaseStep {
  taskId: string;
  kind: string;
  elementId: string;
  name: string;
  status: string;
  orgUnit?: string;
  windowId?: string;
  assignee?: string;
  assigneeName?: string;
  post?: string;
  createdAt: string;
  completedAt?: string;
  completedBy?: string;
  completedByName?: string;
  outcome?: { decision?: string; opinion?: string };
  dueDate?: string;
}

/** GET /api/cases/{id}: a process instance with its call links (调用活动) — the part the case page reads. */
export interface InstanceView {
  id: string;
  definitionKey: string;
  definitionVersion: number;
  name?: string;
  status: string;
  /** an instance a call activity started: the caller's instance and call activity, and the case's root instance */
  parent?: { instanceId: string; elementId: string; rootInstanceId: string };
  /** its steps (GET /api/cases/{id} `tasks`): the case page's fallback for a called process the case's own read does not list */
  tasks?: { id: string; elementId: string; name: string; status: string; kind?: string; assignee?: string; orgUnit?: string; windowId?: string; createdAt: string; completedAt?: string; completedBy?: string; dueDate?: string; outcome?: { decision?: string; opinion?: string } }[];
  /** the instances this one's call activities started (with theirs, when the server gives the whole tree) */
  calledCases?: CalledCaseView[];
}

/** A process a call activity started (调用活动); `calledCases`: the ones its own call activities started, when the server gives the tree. */
export interface CalledCaseView { elementId: string; instanceId: string; definitionKey?: string; definitionVersion?: number; name?: string; status?: string; calledCases?: CalledCaseView[]; /** it called more than the server lists */ truncated?: true }

export interface NoticeRef {
  id: string;
  kind: 'acceptance' | 'one-time' | 'return' | 'completion' | string;
  title: string;
  issuedAt: string;
  issuedBy: string;
}

export interface CaseDetail {
  caseNo: string;
  itemCode: string;
  itemName: string;
  category: string;
  status: string;
  outcome?: string;
  orgUnit: string;
  receivingWindow: string;
  responsible: string;
  responsibleName?: string;
  /** display names (姓名) of the people the case names, by login */
  people?: Record<string, string>;
  applicant: { kind: string; name: string; idType: string; idNumber: string; phone?: string; address?: string; contactName?: string };
  receivedAt: string;
  acceptedAt?: string;
  endedAt?: string;
  materials: HandedMaterial[];
  supplementRounds?: { round: number; requestedAt: string; materials: { code: string; name: string; reason: string }[]; receivedAt?: string }[];
  rejectReason?: string;
  instanceId?: string;
  definitionKey?: string;
  steps: CaseStep[];
  notices: NoticeRef[];
  proxyRecord: { at: string; type: string; fromOrgUnit?: string; toOrgUnit?: string; fromWindow?: string; toWindow?: string; toPerson?: string; step?: string; reason?: string }[];
}

export interface CaseSummary {
  caseNo: string;
  itemCode: string;
  itemName: string;
  category: string;
  status: string;
  outcome?: string;
  responsible: string;
  applicant: { kind: string; name: string; idNumber: string; phone?: string };
  receivedAt: string;
  endedAt?: string;
}

export interface Clock {
  id: string;
  kind: 'statutory' | 'promised' | 'step' | string;
  label?: string;
  taskId?: string;
  holder?: string;
  budget: Budget;
  startedAt: string;
  status: 'running' | 'paused' | 'stopped' | string;
  dueAt?: string;
  estimated: boolean;
  /** The years counted by estimate (no holiday notice yet), when `estimated`. */
  estimatedYears?: number[];
  estimateNote?: string;
  signalsAt: Partial<Record<'reminder' | 'warning' | 'breach' | 'serious', string>>;
  fired: string[];
  pauses: { kind: string; reason: string; from: string; to?: string }[];
  stoppedAt?: string;
  result?: string;
}

export interface AuditEvent {
  seq: number;
  type: string;
  actor: string;
  actorName?: string;
  at: string;
  data: Record<string, any>;
}

export interface IntakeResult {
  case: CaseDetail;
  /** null when the answer was recovered from an earlier attempt of the same request (then it is on the acceptance notice) */
  queryCode: string | null;
}

export interface TaskForm {
  id: string;
  version: number;
  name: string;
  schema: { components: any[]; [k: string]: unknown };
  data: Record<string, unknown>;
}
