/**
 * Pure numbers behind every artefact: input checks, the plotted value per metric, the years
 * marked incomplete, growth rates and who overtook whom. No I/O here.
 */
import { ExitCode, UserError } from '../errors.js';
import { countryName } from './countries.js';
import type { CountRow, Metric, ReportInput } from './types.js';

export interface SeriesPoint {
  year: number;
  country: string;
  name: string;
  papers: number;
  /** The plotted value: papers, a fraction of the world total, or an index; null where undefined. */
  value: number | null;
  incomplete: boolean;
}

const ISO2 = /^[A-Z]{2}$/;
const DATE = /^(\d{4})-\d{2}-\d{2}/;

/** Collects every problem with the input before failing, so one run shows them all. */
export function checkInput(input: ReportInput, metric: Metric): void {
  const problems: string[] = [];
  const { from, to, countries } = input;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from > to) {
    problems.push(`year window ${from}-${to} is not a pair of integer years with from <= to`);
  }
  if (countries.length === 0) problems.push('no countries given');
  const seenCountry = new Set<string>();
  for (const c of countries) {
    if (!ISO2.test(c)) problems.push(`country "${c}" is not an ISO 3166-1 alpha-2 code`);
    if (seenCountry.has(c)) problems.push(`country ${c} is listed twice`);
    seenCountry.add(c);
  }
  const seen = new Set<string>();
  for (const r of input.counts) {
    const key = `${r.year}|${r.country}`;
    if (seen.has(key)) problems.push(`count for ${r.country} ${r.year} appears twice`);
    seen.add(key);
    if (!Number.isInteger(r.papers) || r.papers < 0) {
      problems.push(`count for ${r.country} ${r.year} is not a non-negative integer: ${r.papers}`);
    }
    if (!seenCountry.has(r.country) || r.year < from || r.year > to) {
      problems.push(`count for ${r.country} ${r.year} is outside the window or country list`);
    }
  }
  if (problems.length === 0) {
    // The pipeline zero-fills; a gap here means it did not, and a line would silently skip a year.
    for (let y = from; y <= to; y++) {
      for (const c of countries) {
        if (!seen.has(`${y}|${c}`)) problems.push(`count for ${c} ${y} is missing (not zero-filled)`);
      }
    }
  }
  if (problems.length > 0) {
    throw new UserError(`Report input is not usable:\n  - ${problems.join('\n  - ')}`);
  }
  if (metric === 'share') checkWorldTotals(input);
}

function checkWorldTotals(input: ReportInput): void {
  const world = new Map(input.worldTotals.map((w) => [w.year, w.papers]));
  const problems: string[] = [];
  for (let y = input.from; y <= input.to; y++) {
    if (!world.has(y)) problems.push(`world total for ${y} is missing`);
  }
  // Full counting gives each country at most every work once, so no country can exceed the world.
  for (const r of input.counts) {
    const w = world.get(r.year);
    if (w !== undefined && r.papers > w) {
      problems.push(`${r.country} ${r.year} has ${r.papers} papers, more than the world total ${w}`);
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      `World totals do not fit the counts, so shares would be wrong:\n  - ${problems.join('\n  - ')}`,
      ExitCode.invariant,
    );
  }
}

/**
 * Years whose counts are still growing because indexing lags publication. By default the years
 * within one year of the data date (a 2026-05 snapshot has most of 2025 but not all of it); an
 * explicit `count` marks that many final years of the window instead.
 */
export function incompleteYears(from: number, to: number, dataDate: string, count?: number): number[] {
  const years: number[] = [];
  if (count !== undefined) {
    if (!Number.isInteger(count) || count < 0) {
      throw new UserError(`incompleteYears must be a non-negative integer, got ${count}`);
    }
    for (let y = Math.max(from, to - count + 1); y <= to; y++) years.push(y);
    return years;
  }
  const match = DATE.exec(dataDate);
  // Without a usable data date (e.g. "unknown") nothing is marked by default; the note still shows it.
  if (!match) return years;
  const dataYear = Number(match[1]);
  for (let y = Math.max(from, dataYear - 1); y <= to; y++) years.push(y);
  return years;
}

/** Rows in the plotting order: countries as given, years ascending. */
export function buildSeries(
  input: ReportInput,
  metric: Metric,
  incomplete: readonly number[],
): SeriesPoint[] {
  const byKey = new Map(input.counts.map((r) => [`${r.year}|${r.country}`, r.papers]));
  const world = new Map(input.worldTotals.map((w) => [w.year, w.papers]));
  const late = new Set(incomplete);
  const out: SeriesPoint[] = [];
  for (const country of input.countries) {
    const base = byKey.get(`${input.from}|${country}`) ?? 0;
    if (metric === 'index' && base === 0) {
      throw new UserError(
        `Cannot index ${country} to 100 at ${input.from}: it has no papers that year. ` +
          'Choose a later --from or use --metric count.',
      );
    }
    for (let year = input.from; year <= input.to; year++) {
      const papers = byKey.get(`${year}|${country}`) ?? 0;
      let value: number | null = papers;
      if (metric === 'share') {
        const w = world.get(year) ?? 0;
        value = w > 0 ? papers / w : null;
      } else if (metric === 'index') {
        value = (papers / base) * 100;
      }
      out.push({ year, country, name: countryName(country), papers, value, incomplete: late.has(year) });
    }
  }
  return out;
}

const indexes = new WeakMap<readonly CountRow[], Map<string, number>>();

/** Papers for one country and year; a keyed index per rows array keeps big tables linear. */
export function papersOf(rows: readonly CountRow[], country: string, year: number): number | undefined {
  let index = indexes.get(rows);
  if (!index) {
    index = new Map(rows.map((r) => [`${r.year}|${r.country}`, r.papers]));
    indexes.set(rows, index);
  }
  return index.get(`${year}|${country}`);
}

/** Growth from the previous year as a fraction; null for the first year or from zero. */
export function yearOverYear(rows: readonly CountRow[], country: string, year: number): number | null {
  const now = papersOf(rows, country, year);
  const before = papersOf(rows, country, year - 1);
  if (now === undefined || before === undefined || before === 0) return null;
  return now / before - 1;
}

/** Compound annual growth rate between two years; null when the start is zero or the span empty. */
export function cagr(rows: readonly CountRow[], country: string, start: number, end: number): number | null {
  const a = papersOf(rows, country, start);
  const b = papersOf(rows, country, end);
  if (a === undefined || b === undefined || a === 0 || end <= start) return null;
  return (b / a) ** (1 / (end - start)) - 1;
}

export interface Overtake {
  /** The first year `leader` had more papers than `other` after a year it had no more. */
  year: number | null;
  /** `leader` had more papers in every year of the window. */
  aheadThroughout: boolean;
  /** `leader` was ahead in the last year of the window. */
  aheadAtEnd: boolean;
}

/** When `leader` (e.g. CN) first moved ahead of `other` (e.g. US) in the window, if it did. */
export function overtake(rows: readonly CountRow[], leader: string, other: string, from: number, to: number): Overtake {
  const papers = (c: string, y: number) => papersOf(rows, c, y) ?? 0;
  const ahead = (y: number) => papers(leader, y) > papers(other, y);
  let year: number | null = null;
  let all = true;
  for (let y = from; y <= to; y++) {
    if (!ahead(y)) all = false;
    if (year === null && y > from && ahead(y) && !ahead(y - 1)) year = y;
  }
  return { year, aheadThroughout: all, aheadAtEnd: ahead(to) };
}
