/**
 * Chinese identity numbers (resident ID GB 11643-1999, unified social credit code GB 32100-2015):
 * the one implementation lives in common/identity/id-numbers.ts, shared with the browser app so a
 * number the clerk's screen accepts is one the server accepts; the engine imports it here.
 */
export * from '../../common/identity/id-numbers';
