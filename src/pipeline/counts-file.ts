/**
 * A `year,country,papers` file made anywhere (our own counts.csv, or the same query run in
 * BigQuery from sql/bigquery/), read for `report --counts`: validated as strictly as our own
 * counts, every problem listed at once with file:line, and the report's window taken from what
 * the file holds. Parsing is pure (`parseCountsCsv`); `readCountsFile` adds the disk and the hash.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import type { CountRow } from '../report/types.js';

/** The columns, in this order: the counting query's output, and our counts.csv without papers_compare. */
const REQUIRED = ['year', 'country', 'papers'] as const;
const OPTIONAL = 'fractional';
// The same bounds as --from/--to (cli/options.ts): OpenAlex has no earlier dating to trust.
const MIN_YEAR = 1900;
// As our own countries (report/model.ts): ISO 3166-1 alpha-2, upper-case, as OpenAlex writes them.
const ISO2 = /^[A-Z]{2}$/;
const FRACTIONAL = /^[0-9]+(?:\.[0-9]+)?$/;

export interface CountsFile {
  /** The path as the user gave it, and its content's sha256: the provenance the report states. */
  path: string;
  sha256: string;
  rows: CountRow[];
  /** Whether the file has the fractional column; without it fractional counts are not drawn. */
  fractional: boolean;
  /** The years the file holds (first to last) and its countries in the order they first appear. */
  from: number;
  to: number;
  countries: string[];
}

/** A cell as written, without the quotes a spreadsheet or BigQuery's export may put around it. */
function unquote(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

/**
 * The rows of one counts file, or a UserError listing every problem as `file:line: ...`.
 * `thisYear` bounds the years (a count for next year is allowed: papers are dated ahead).
 */
export function parseCountsCsv(text: string, file: string, thisYear: number = new Date().getUTCFullYear()): Omit<CountsFile, 'sha256'> {
  const problems: string[] = [];
  // A BOM is what Excel and some exports write first: not part of the header.
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new UserError(`${file}: the file is empty; expected a header year,country,papers and a row per year and country`);
  const header = (lines[headerAt] as string).split(',').map((c) => unquote(c));
  const fractional = header.length === 4 && header[3] === OPTIONAL;
  if (!(REQUIRED.every((c, i) => header[i] === c) && (header.length === 3 || fractional))) {
    throw new UserError(`${file}:${headerAt + 1}: the header must be exactly year,country,papers (optionally then fractional), got "${lines[headerAt]}"`);
  }
  const rows: CountRow[] = [];
  const firstLine = new Map<string, number>();
  const maxYear = thisYear + 1;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    // Blank lines (a trailing newline, a spreadsheet's empty last row) hold no count.
    if (line.trim() === '') continue;
    const at = `${file}:${i + 1}`;
    const cells = line.split(',').map((c) => unquote(c));
    if (cells.length !== header.length) {
      problems.push(`${at}: ${cells.length} cells, the header has ${header.length}`);
      continue;
    }
    const [y, c, p, f] = cells as [string, string, string, string | undefined];
    const year = /^[0-9]{4}$/.test(y) ? Number(y) : NaN;
    if (!(year >= MIN_YEAR && year <= maxYear)) problems.push(`${at}: year "${y}" is not a whole year from ${MIN_YEAR} to ${maxYear}`);
    if (!ISO2.test(c)) problems.push(`${at}: country "${c}" is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. US)`);
    const papers = /^[0-9]+$/.test(p) ? Number(p) : NaN;
    if (!Number.isSafeInteger(papers)) problems.push(`${at}: papers "${p}" is not a non-negative whole number`);
    let frac = 0;
    if (fractional) {
      frac = FRACTIONAL.test(f as string) ? Number(f) : NaN;
      // Each paper adds at most 1 to a country's fractional count (as report/model.ts checks ours).
      if (!Number.isFinite(frac)) problems.push(`${at}: fractional "${f}" is not a non-negative number`);
      else if (Number.isSafeInteger(papers) && frac > papers + 1e-9) problems.push(`${at}: fractional ${f} is more than its ${papers} papers`);
    }
    const key = `${y}|${c}`;
    const seen = firstLine.get(key);
    if (seen !== undefined) problems.push(`${at}: ${c} ${y} again (first on line ${seen})`);
    else firstLine.set(key, i + 1);
    rows.push({ year, country: c, papers, fractional: frac });
  }
  if (rows.length === 0 && problems.length === 0) problems.push(`${file}: the file has a header but no rows`);
  if (problems.length > 0) {
    throw new UserError(`${file} is not a usable counts file (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
  }
  const years = rows.map((r) => r.year);
  const from = Math.min(...years);
  const to = Math.max(...years);
  // A year with no row for any country between two held years: a GROUP BY gives no row only for a
  // zero, and no country at all with a paper suggests the year was never queried.
  const held = new Set(years);
  const gaps: number[] = [];
  for (let y = from; y <= to; y++) if (!held.has(y)) gaps.push(y);
  if (gaps.length > 0) {
    throw new UserError(`${file}: no row for ${gaps.join(', ')}, between years the file holds; if those years were counted, add their rows (papers 0)`);
  }
  return { path: file, rows, fractional, from, to, countries: [...new Set(rows.map((r) => r.country))] };
}

export async function readCountsFile(path: string): Promise<CountsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new UserError(`cannot read --counts ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { ...parseCountsCsv(bytes.toString('utf8'), path), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The window a report draws from the file: the file's own unless --from/--to/--countries narrow
 * it; a request beyond what the file holds is refused, never drawn as zeros.
 */
export function countsWindow(
  file: Pick<CountsFile, 'path' | 'from' | 'to' | 'countries'>,
  asked: { from: number | null; to: number | null; countries: readonly string[] | null },
): { from: number; to: number; countries: string[] } {
  const problems: string[] = [];
  const from = asked.from ?? file.from;
  const to = asked.to ?? file.to;
  if (from < file.from || from > file.to) problems.push(`--from ${from} is outside the years ${file.path} holds (${file.from}-${file.to})`);
  if (to < file.from || to > file.to) problems.push(`--to ${to} is outside the years ${file.path} holds (${file.from}-${file.to})`);
  if (from > to) problems.push(`--from (${from}) is after --to (${to})`);
  const missing = (asked.countries ?? []).filter((c) => !file.countries.includes(c));
  if (missing.length > 0) problems.push(`--countries ${missing.join(',')}: not in ${file.path}, which holds ${file.countries.join(',')}`);
  if (problems.length === 1) throw new UserError(problems[0] as string);
  if (problems.length > 1) throw new UserError(`${problems.length} problems with the options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { from, to, countries: [...(asked.countries ?? file.countries)] };
}
