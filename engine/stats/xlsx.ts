/**
 * Spreadsheet export as a real Excel workbook (.xlsx, exceljs): the same columns and Chinese
 * headers as the CSV export (`STATS_CSV_COLUMNS`, `RANKING_CSV_COLUMNS`), numbers as numbers,
 * text as text (a cell is never a formula, so "CSV injection" cannot happen here), the header
 * row bold and frozen, and a second sheet saying what the table covers.
 */
import ExcelJS from 'exceljs';
import type { CsvColumn } from './csv';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function cellValue(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return String(v);
}

/** A workbook with one table sheet (and an optional "说明" sheet of key/value lines), as bytes. */
export async function toXlsx<T>(sheetName: string, rows: readonly T[], columns: readonly CsvColumn<T>[], about: [string, string][] = []): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '行政服务中心流程平台';
  wb.created = new Date();
  const ws = wb.addWorksheet(sheetName.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, width: Math.max(10, Math.min(28, c.header.length * 2 + 4)) }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(columns.map((c) => cellValue(c.value(r))));
  if (about.length) {
    const meta = wb.addWorksheet('说明');
    meta.columns = [{ header: '项目', width: 16 }, { header: '内容', width: 60 }];
    meta.getRow(1).font = { bold: true };
    for (const [k, v] of about) meta.addRow([k, v]);
  }
  const buf = await wb.xlsx.writeBuffer();
  return Buffer.from(buf as ArrayBuffer);
}

/**
 * `Content-Disposition` for a download with a Chinese name: an ASCII fallback `filename` and
 * the real name as RFC 5987 `filename*=UTF-8''…`.
 */
export function attachmentDisposition(name: string, asciiFallback: string): string {
  const enc = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiFallback.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${enc}`;
}
