/** Shapes of the supervision API answers the console reads (see api/openapi.ts). */
import type { BoardOf, HeatmapOf } from '../../../../common/supervision';

// the board and the heat map are the server's own types (common/supervision.ts)
export type { BoardCounts, BoardUnit, BoardWindow, HeatStep } from '../../../../common/supervision';
export type Board = BoardOf<string>;

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

/** The heat map as served: the engine's, with the diagram's name added by the route (api/routes/supervision.ts). */
export type Heatmap = HeatmapOf<string> & { definitionName?: string };

export interface ServiceItemSummary { code: string; name: string; procedure: string; department?: string }
