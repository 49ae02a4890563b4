/** Statistics and rankings (统计与排名, issue #4) and the spreadsheet export. */
export * from './stats-service';
export * from './csv';
export { WorkingDayCounter } from './working-day-counter';
export * from './board';
export * from './heatmap';
export * from './xlsx';
