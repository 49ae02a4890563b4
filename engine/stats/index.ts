/** Statistics and rankings (统计与排名, issue #4), the live board, the heat map and the spreadsheet export. */
export * from './stats-service';
export * from './report-types';
export { cstStartOfDay, DAY_REPORT_MAX_DAYS, periodOfDays, periodOfMonth } from './period';
export * from './scores';
export * from './export-columns';
export * from './csv';
export { WorkingDayCounter } from './working-day-counter';
export * from './board';
export * from './heatmap';
export * from './xlsx';
