/** The public API (`/api/public/...`, no login) as the public pages use it. */
import { api, ApiProblem } from '../../api-client';
import type { Fees, Material } from '../../../../common/catalogue';

export interface OrgUnit {
  id: string;
  code: string;
  name: string;
  shortName: string;
  level: 'city' | 'town';
  parent: string | null;
  address?: string;
  phone?: string;
  openingHours?: { weekdays?: Array<{ from: string; to: string }> };
}

export interface ItemSummary {
  code: string;
  name: string;
  department: string;
  orgLevel: 'town' | 'city';
  category: string;
  promisedLimitDays: number;
}

export interface TownItem extends ItemSummary {
  window: { id: string; no: number; name: string } | null;
}

export interface PublicWindow {
  id: string;
  no: number;
  name: string;
  department: string;
  departmentName?: string;
  kind: string;
  accepts?: string[];
  status?: string;
}

export interface GuideStep {
  elementId: string;
  name: string;
  kind?: string;
  orgLevel?: string;
  timeLimit?: string;
  /** a step of a called process: the item's call activity it belongs to (上报件: 报市中心审批; 联办件: 各部门并联审查) */
  calledBy?: string;
  /** done by each joint department of the item (联办件: the called department review) */
  perJointDepartment?: boolean;
}

/** A required material and the fees, as the catalogue keeps them (common/catalogue.ts). */
export type GuideMaterial = Material;
export type { Fees };

export interface Guide {
  code: string;
  department: string;
  orgLevel: 'town' | 'city';
  category: string;
  disclosures: {
    name: string;
    procedure: {
      definitionKey: string;
      definitionVersion?: number;
      steps: GuideStep[];
      conditions?: string;
      outcome?: string;
      legalBasis?: string[];
      jointDepartments?: string[];
    };
    materials: GuideMaterial[];
    timeLimit: { statutoryWorkingDays: number; promisedWorkingDays: number; sameDay: boolean };
    fees: Fees;
  };
}

export interface BoardPost {
  id: string;
  windowId: string;
  windowName?: string;
  kind: string;
  title: string;
  body: string;
  publishAt: string;
  expireAt: string;
}

export interface StepDeadline {
  dueAt?: string;
  status: 'running' | 'paused' | 'stopped' | string;
  remaining?: { unit: 'working-days' | 'hours' | 'minutes'; value: number; estimated?: boolean };
  overdue?: boolean;
  estimated?: boolean;
  estimatedYears?: number[];
  estimateNote?: string;
}

export interface CaseView {
  caseNo: string;
  itemName: string;
  centre?: string;
  centrePhone?: string;
  applicantName: string;
  category: string;
  status: string;
  outcome?: string;
  receivedAt: string;
  acceptedAt?: string;
  endedAt?: string;
  /** the open steps; `deadline` from the step's clock (剩余 by the inbox's rule; estimated over a year without its holiday notice) */
  /** `office`: the centre whose step it is (the city's for the city's part of a 上报件), `level` town or city */
  currentSteps: Array<{ name: string; since: string; dueDate?: string; deadline?: StepDeadline; office?: string; level?: 'town' | 'city' }>;
  /** every step done on the whole path: the town's, the city's (上报件), each department's (联办件), in the order done */
  stepsDone?: Array<{ name: string; since: string; completedAt?: string; decision?: string; office?: string; level?: 'town' | 'city' }>;
  deadline?: { promised?: PublicDeadline; statutory?: PublicDeadline };
  awaitingMaterials: Array<{ name: string; reason?: string }>;
  notices: Array<{ title: string; issuedAt: string }>;
}

export interface RatingResult {
  caseNo: string;
  stage: string;
  level: number;
  label: string;
  rectificationTaskId?: string;
}

export interface ComplaintReceipt {
  reference: string;
  queryCode: string;
  status: string;
}

export interface ComplaintView {
  reference: string;
  status: string;
  createdAt: string;
  reply: { text: string; at: string } | null;
}

const enc = encodeURIComponent;

export const publicApi = {
  towns: () => api.get<OrgUnit[]>('/api/public/towns'),
  items: () => api.get<ItemSummary[]>('/api/public/items'),
  guide: (code: string) => api.get<Guide>(`/api/public/items/${enc(code)}`),
  /** BPMN XML of the item's procedure; undefined when none is deployed (404). */
  diagram: async (code: string): Promise<string | undefined> => {
    try {
      return await api.text(`/api/public/items/${enc(code)}/diagram`, 'application/xml');
    } catch (e) {
      if (e instanceof ApiProblem && e.status === 404) return undefined;
      throw e;
    }
  },
  townItems: (id: string) => api.get<TownItem[]>(`/api/public/towns/${enc(id)}/items`),
  townWindows: (id: string) => api.get<PublicWindow[]>(`/api/public/towns/${enc(id)}/windows`),
  board: (id: string) => api.get<BoardPost[]>(`/api/public/towns/${enc(id)}/board`),
  lookup: (body: { caseNo: string; queryCode?: string; phone?: string }) => api.post<CaseView>('/api/public/case-lookup', body),
  rate: (body: { caseNo: string; queryCode?: string; phone?: string; stage: 'acceptance' | 'completion'; level: number; comment?: string }) => api.post<RatingResult>('/api/public/ratings', body),
  /** `key`: the Idempotency-Key of this complaint, kept by the page until it is answered (a resend after a lost answer files it once). */
  complain: (body: { orgUnit: string; target: { kind: 'case' | 'window' | 'person'; caseNo?: string; windowId?: string; person?: string }; content: string; contactName?: string; phone?: string }, key?: string) =>
    api.post<ComplaintReceipt>('/api/public/complaints', body, key ? { 'Idempotency-Key': key } : undefined),
  complaintLookup: (body: { reference: string; queryCode: string }) => api.post<ComplaintView>('/api/public/complaint-lookup', body),
};

export const CASE_NO = /^[A-Za-z]{2}-\d{8}-\d{4,6}$/;
export const COMPLAINT_REF = /^TS-[A-Za-z]{2}-\d{8}-\d{4,6}$/;

/** A case deadline as the public lookup shows it; `estimated` when counted over a year without its holiday notice. */
export interface PublicDeadline { dueAt?: string; status: string; estimated?: boolean; estimatedYears?: number[]; estimateNote?: string }
