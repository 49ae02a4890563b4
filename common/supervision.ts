/**
 * What the supervisors' console reads (监察督办): the live board (GET /api/supervision/board and its
 * event stream) and an item's heat map (GET /api/supervision/heatmap). Computed by
 * engine/stats/board.ts and engine/stats/heatmap.ts, drawn by modeler-ui/src/areas/console.
 * `TDate` is `Date` on the server and `string` (ISO 8601, as JSON carries it) in the browser.
 */

/** The counts of one board cell (the city, a town, a window, or the total). */
export interface BoardCounts {
  openCases: number;
  openSteps: number;
  warned: number;
  breached: number;
  serious: number;
  openEscalations: number;
}

export interface BoardWindow extends BoardCounts {
  key: string;
  no?: number;
  label: string;
}

export interface BoardUnit extends BoardCounts {
  key: string;
  label: string;
  level: string;
  seq: number;
  windows: BoardWindow[];
}

export interface BoardOf<TDate> {
  /** When the board was computed. */
  at: TDate;
  /** The org unit the board is limited to (a town manager sees his own), or undefined for all. */
  orgUnit?: string;
  total: BoardCounts;
  units: BoardUnit[];
  meta: { elapsedMs: number; openClocks: number };
}

/** One step of an item's diagram on the heat map: its tasks in the period, waits and breaches. */
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

export interface HeatmapOf<TDate> {
  /** The period of task creation covered, `[from, to)`; open tasks are counted whenever created. */
  from: TDate;
  to: TDate;
  /** The centre the map is limited to; absent: every centre. */
  orgUnit?: string;
  itemCode?: string;
  itemName?: string;
  definitionKey: string;
  at: TDate;
  steps: HeatStep[];
  totals: { tasks: number; open: number; breaches: number; cases: number };
}
