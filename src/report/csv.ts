/**
 * CSV writing shared by every artefact: fixed column order, `\n` newlines, RFC 4180 quoting,
 * control characters dropped from text cells, and cells that a spreadsheet would run as a formula
 * (a title can begin with `=`) prefixed with `'`.
 */
import Papa from 'papaparse';

export type Cell = string | number | boolean | null;

/**
 * Counts what the writer changed, for the manifest: text cells from which control characters were
 * dropped. One number rather than a note per cell: the original text is still in the database and
 * works.parquet, so the count only has to say that works.csv differs from them.
 */
export interface CsvTally {
  cellsCleaned: number;
}

/**
 * A cell a spreadsheet would take as a formula: `=`, `+`, `-`, `@` first, also after leading
 * whitespace (Excel and LibreOffice skip it: `  =cmd` runs) and in their full-width forms
 * (＝＋－＠, which East Asian input methods type and Excel reads as the ASCII ones); or a leading
 * tab or CR (OWASP's CSV-injection list).
 */
const FORMULA_START = /^(?:[\t\r]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u;

/**
 * Control characters (Unicode Cc: C0, DEL, C1) other than tab and newline. A NUL or an escape in a
 * title breaks tools that read the file as text; tab and newline are text a title may hold, and
 * quoting keeps them inside the cell.
 */
const CONTROL = /[^\P{Cc}\t\n]/gu;

/** One cell as the file holds it before quoting; queries/schema/csv_cell.sql is the same rule for the files DuckDB writes. */
export function csvCell(value: Cell, tally?: CsvTally): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  // A CR (alone or before LF) is a newline in another convention: kept as the file's `\n`.
  const text = value.replace(/\r\n?/g, '\n').replace(CONTROL, '');
  if (tally !== undefined && text !== value) tally.cellsCleaned++;
  // Numbers are passed as numbers, so a leading '-' here is text (e.g. a title), not a value.
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function toCsv(columns: readonly string[], rows: readonly (readonly Cell[])[], tally?: CsvTally): string {
  const body = Papa.unparse(
    { fields: [...columns], data: rows.map((r) => r.map((v) => csvCell(v, tally))) },
    { newline: '\n', quotes: false, header: true },
  );
  return `${body}\n`;
}
