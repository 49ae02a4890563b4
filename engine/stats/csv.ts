/**
 * Spreadsheet export (导出表格): CSV as spreadsheet programs read it without asking — UTF-8 with
 * a byte-order mark (Excel on Chinese Windows otherwise reads UTF-8 as GBK and garbles the
 * headers), CRLF line ends, RFC 4180 quoting.
 *
 * Cells that a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`, tab or
 * carriage return — "CSV injection") are prefixed with `'`; numbers are written as numbers.
 */

/** One column: its (Chinese) header and how to read the cell from a row. */
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => unknown;
}

/** The UTF-8 byte-order mark, first character of every export. */
export const BOM = '\uFEFF';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else if (typeof v === 'bigint' || typeof v === 'boolean') s = String(v);
  else if (v instanceof Date) s = Number.isNaN(v.getTime()) ? '' : v.toISOString();
  else {
    s = String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Rows as CSV text: BOM, one header line, one line per row, CRLF after every line.
 * Send it as `text/csv; charset=utf-8` (or write it to a file as UTF-8).
 */
export function toCsv<T>(rows: readonly T[], columns: readonly CsvColumn<T>[]): string {
  const lines = [columns.map((c) => cell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(','));
  return BOM + lines.join('\r\n') + '\r\n';
}
