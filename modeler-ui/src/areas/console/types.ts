/** Shapes of the supervision API answers the console reads (see api/openapi.ts). */
export interface BoardCounts {
  openCases: number;
  openSteps: number;
  warned: number;
  breached: number;
  serious: number;
  openEscalations: number;
}
export interface BoardWindow extends BoardCounts { key: string; no?: number; label: string }
export interface BoardUnit extends BoardCounts { key: string; label: string; level: string; seq: number; windows: BoardWindow[] }
export interface Board { at: string; orgUnit?: string; total: BoardCounts; units: BoardUnit[] }

export interface EscalationHistory { status: string; at: string; by: string; reason?: string; lateMs?: number }
export interface Escalation {
  id: string;
  source: string;
  caseNo?: string;
  code?: string;
  name?: string;
  taskName?: string;
  limitKind?: string;
  severity?: string;
  orgUnit?: string;
  windowId?: string;
  responsible?: string;
  /** display name (姓名) of the responsible person */
  responsibleName?: string;
  /** display names of the people it names, by login */
  people?: Record<string, string>;
  dueAt?: string;
  raisedAt: string;
  status: 'open' | 'acknowledged' | 'notified' | 'replied' | 'closed';
  level: number;
  notice?: { text: string; issuedBy: string; issuedAt: string; replyWithin: string };
  reply?: { text: string; by: string; at: string };
  history: EscalationHistory[];
}

export interface Complaint {
  reference: string;
  orgUnit: string;
  orgUnitName?: string;
  target: { kind: 'case' | 'window' | 'person'; caseNo?: string; windowId?: string; windowName?: string; person?: string; personName?: string };
  content: string;
  contactName?: string;
  phone?: string;
  status: 'received' | 'replied' | 'closed';
  createdAt: string;
  reply?: { text: string; by: string; byName?: string; at: string };
}

export interface HeatStep {
  elementId: string;
  name: string;
  tasks: number;
  completed: number;
  open: number;
  breaches: number;
  avgHours: number | null;
  p90Hours: number | null;
  avgWorkingDays: number | null;
  p90WorkingDays: number | null;
  heatWait: number;
  heatBreach: number;
}
export interface Heatmap { itemCode?: string; itemName?: string; definitionKey: string; definitionName?: string; at: string; steps: HeatStep[]; totals: { tasks: number; open: number; breaches: number; cases: number } }

export interface ServiceItemSummary { code: string; name: string; procedure: string; department?: string }
