/**
 * CSV writing shared by every artefact: fixed column order, `\n` newlines, RFC 4180 quoting, and
 * cells that a spreadsheet would run as a formula (a title can begin with `=`) prefixed with `'`.
 */
import Papa from 'papaparse';

export type Cell = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  // Numbers are passed as numbers, so a leading '-' here is text (e.g. a title), not a value.
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function toCsv(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const body = Papa.unparse(
    { fields: [...columns], data: rows.map((r) => r.map(cell)) },
    { newline: '\n', quotes: false, header: true },
  );
  return `${body}\n`;
}
