/** Working-day calendar (issue #4): counting calendar, holiday tables, opening calendar. */
export * from './cst';
export * from './holiday-table';
export * from './working-calendar';
export * from './opening-calendar';
export * from './mongo-year-table-store';
export * from './estimated-table';
