/**
 * The report model: every number an artefact shows, computed once from the counts. The chart
 * spec, the HTML pages, the CSVs and summary.md are renderings of it and derive nothing of their
 * own, so the incomplete years, the growth rates and the crossing cannot differ between them.
 * Pure: no I/O here.
 */
import { ExitCode, UserError } from '../errors.js';
import { countryName } from './countries.js';
import type { ResolvedOptions } from './options.js';
import { METRICS, type CollaborationRow, type CountRow, type Metric, type ReportInput } from './types.js';

export interface SeriesPoint {
  year: number;
  country: string;
  name: string;
  papers: number;
  /** The plotted value: papers, a fraction of the denominator, or an index; null where undefined. */
  value: number | null;
  incomplete: boolean;
}

/** One country's line, zero-filled over the window. */
export interface CountrySeries {
  country: string;
  name: string;
  /** Papers per year, `papers[i]` for year `from + i`. */
  papers: number[];
  /** Fractional counts per year, as `papers`. */
  fractional: number[];
  /** Change from the previous year as a fraction; null for the first year and growth from zero. */
  yoy: (number | null)[];
  /** Compound annual growth from `from` to `lastComplete`; null from zero or over no span. */
  cagr: number | null;
  /** Papers per year under the second keyword rule (--compare-keywords), like `papers`; absent without one. */
  papersCompare?: number[];
}

/** Two countries' co-authored papers, and what part of each one's output they are. */
export interface PairSeries {
  /** The pair's codes in collaboration.csv's order (`a` < `b`). */
  a: string;
  b: string;
  /** "China–United States". */
  name: string;
  /** Each country's name ("China", "United States"), for tables. */
  nameA: string;
  nameB: string;
  /** Papers with authors in both, per year. */
  papers: number[];
  /** The co-authored papers as a part of `a`'s (full) count, per year; null where `a` has none. */
  shareOfA: (number | null)[];
  shareOfB: (number | null)[];
}

/** When `leader` first moved ahead of `other` in the window, if it did. */
export interface Overtake {
  leader: string;
  other: string;
  /** The first year `leader` had more papers than `other` after a year it had no more. */
  year: number | null;
  /** `leader` had more papers in every year of the window. */
  aheadThroughout: boolean;
  /** `leader` was ahead in the last year of the window. */
  aheadAtEnd: boolean;
}

/** The input's labels and provenance pass through unchanged, for the renderers' notes and pages. */
export interface ReportModel
  extends Pick<ReportInput, 'from' | 'to' | 'dataDate' | 'sourceLabel' | 'countryPolicy' | 'method' | 'manifest' | 'dataWarning' | 'denominator' | 'compare' | 'fractionalMissing'> {
  years: number[];
  /** ISO codes in the order given: legend, colours, table columns and CSV rows follow it. */
  countries: string[];
  names: string[];
  series: CountrySeries[];
  /** The zero-filled counts by year, then country in the order given: counts.csv's rows. */
  counts: CountRow[];
  /** The share denominator per year, `denominators[i]` for year `from + i`; null where not given. */
  denominators: (number | null)[];
  /** All works of each country per year (per-1000's denominator), keyed `year|country`; empty without baselines. */
  allWorks: Map<string, number>;
  perThousandRefusal?: string;
  /** Years still growing because indexing lags publication, ascending. */
  incomplete: number[];
  /** The last year before the incomplete ones (`to` when none is; below `from` when all are). */
  lastComplete: number;
  /** Every pair of the countries with its co-authored papers, in collaboration.csv's order; empty without collaboration input. */
  pairs: PairSeries[];
  /** China and the United States, the crossing Figure 2 is about; null unless both are shown over 2+ years. */
  overtake: Overtake | null;
  /** The plotted values of every metric this input supports, in plotting order (country, then year). */
  values: Partial<Record<Metric, SeriesPoint[]>>;
  /** Why a metric is missing from `values` (no papers in the first year to index to, say). */
  unavailable: Partial<Record<Metric, UserError>>;
  /** The metric the chart shows; always in `values`. */
  metric: Metric;
}

const ISO2 = /^[A-Z]{2}$/;
const DATE = /^(\d{4})-\d{2}-\d{2}/;

/**
 * Builds the model, or fails with every problem of the input listed; also fails when the chosen
 * metric cannot be computed from it (`unavailable` says why for the others).
 */
export function buildReportModel(input: ReportInput, o: Pick<ResolvedOptions, 'metric' | 'incompleteYears'>): ReportModel {
  checkInput(input);
  const { from, to } = input;
  const years = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const byKey = new Map(input.counts.map((r) => [`${r.year}|${r.country}`, r]));
  const papersIn = (country: string) => years.map((y) => byKey.get(`${y}|${country}`)?.papers ?? 0);
  const fractionalIn = (country: string) => years.map((y) => byKey.get(`${y}|${country}`)?.fractional ?? 0);
  const world = new Map(input.worldTotals.map((w) => [w.year, w.papers]));
  const incomplete = incompleteYears(from, to, input.dataDate, o.incompleteYears);
  const lastComplete = incomplete.length > 0 ? (incomplete[0] as number) - 1 : to;

  const series: CountrySeries[] = input.countries.map((country) => {
    const papers = papersIn(country);
    return {
      country,
      name: countryName(country),
      papers,
      fractional: fractionalIn(country),
      yoy: papers.map((p, i) => (i === 0 ? null : growth(papers[i - 1] as number, p))),
      cagr: cagr(papers[0] as number, papers[lastComplete - from] ?? 0, lastComplete - from),
      ...(input.compare === undefined ? {} : { papersCompare: years.map((y) => byKey.get(`${y}|${country}`)?.papersCompare ?? 0) }),
    };
  });

  const model: ReportModel = {
    from,
    to,
    years,
    countries: [...input.countries],
    names: series.map((s) => s.name),
    series,
    counts: years.flatMap((year, i) =>
      series.map((s) => ({
        year,
        country: s.country,
        papers: s.papers[i] as number,
        fractional: s.fractional[i] as number,
        ...(s.papersCompare === undefined ? {} : { papersCompare: s.papersCompare[i] as number }),
      })),
    ),
    denominators: years.map((y) => world.get(y) ?? null),
    allWorks: new Map((input.allWorks ?? []).map((r) => [`${r.year}|${r.country}`, r.all_works])),
    ...(input.perThousandRefusal === undefined ? {} : { perThousandRefusal: input.perThousandRefusal }),
    incomplete,
    lastComplete,
    pairs: pairSeries(input.collaboration ?? [], series, years),
    overtake: crossing(series, 'CN', 'US', from),
    values: {},
    unavailable: {},
    metric: o.metric,
    dataDate: input.dataDate,
    sourceLabel: input.sourceLabel,
    countryPolicy: input.countryPolicy,
    method: input.method,
    manifest: input.manifest,
    ...(input.dataWarning === undefined ? {} : { dataWarning: input.dataWarning }),
    denominator: input.denominator,
    ...(input.compare === undefined ? {} : { compare: input.compare }),
    ...(input.fractionalMissing === undefined ? {} : { fractionalMissing: input.fractionalMissing }),
  };
  for (const metric of METRICS) {
    if (metric === 'fractional' && input.fractionalMissing !== undefined) {
      model.unavailable[metric] = new UserError(input.fractionalMissing);
      continue;
    }
    try {
      model.values[metric] = metricValues(model, metric);
    } catch (e) {
      // report.html offers the other metrics only where the input supports them.
      if (!(e instanceof UserError)) throw e;
      model.unavailable[metric] = e;
    }
  }
  const chosen = model.unavailable[o.metric];
  if (chosen !== undefined) throw chosen;
  return model;
}

/** Collects every problem with the input before failing, so one run shows them all. */
function checkInput(input: ReportInput): void {
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
    if (input.compare !== undefined && !(Number.isInteger(r.papersCompare) && (r.papersCompare as number) >= 0)) {
      problems.push(`second-rule count for ${r.country} ${r.year} is not a non-negative integer: ${r.papersCompare}`);
    }
    // A fractional count is a part of the full count: each paper adds at most 1 to it.
    if (!Number.isFinite(r.fractional) || r.fractional < 0 || r.fractional > r.papers + 1e-9) {
      problems.push(`fractional count for ${r.country} ${r.year} is not between 0 and its ${r.papers} papers: ${r.fractional}`);
    }
    if (!seenCountry.has(r.country) || r.year < from || r.year > to) {
      problems.push(`count for ${r.country} ${r.year} is outside the window or country list`);
    }
  }
  for (const c of input.collaboration ?? []) {
    if (!(c.country_a < c.country_b) || !seenCountry.has(c.country_a) || !seenCountry.has(c.country_b) || c.year < from || c.year > to) {
      problems.push(`collaboration row ${c.year} ${c.country_a}-${c.country_b} is not an ordered pair of the countries in the window`);
    }
    if (!Number.isInteger(c.papers) || c.papers < 0) problems.push(`collaboration count ${c.year} ${c.country_a}-${c.country_b} is not a non-negative integer: ${c.papers}`);
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
}

/** Shares need a denominator for every year, and one no country exceeds. */
function checkDenominators(m: ReportModel): void {
  const problems: string[] = [];
  m.years.forEach((y, i) => {
    if (m.denominators[i] === null) problems.push(`world total for ${y} is missing`);
  });
  // Full counting gives each country at most every work once, so no country can exceed the total.
  for (const r of m.counts) {
    const w = m.denominators[r.year - m.from];
    if (w !== null && w !== undefined && r.papers > w) {
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

/** per-1000 needs every country's all works per year, and no country with more papers than works. */
function checkAllWorks(m: ReportModel): void {
  if (m.allWorks.size === 0) throw new UserError(m.perThousandRefusal ?? '--metric per-1000 needs baselines (all works per country and year), and there are none');
  const problems: string[] = [];
  for (const r of m.counts) {
    const all = m.allWorks.get(`${r.year}|${r.country}`);
    if (all === undefined) problems.push(`all works of ${r.country} in ${r.year} are missing from the baselines`);
    else if (r.papers > all) problems.push(`${r.country} ${r.year} has ${r.papers} medical-AI papers, more than its ${all} works`);
  }
  if (problems.length > 0) throw new UserError(`Baselines do not fit the counts, so per-1000 would be wrong:\n  - ${problems.join('\n  - ')}`, ExitCode.invariant);
}

/**
 * Years whose counts are still growing because indexing lags publication. By default the years
 * within one year of the data date (a 2026-05 snapshot has most of 2025 but not all of it); an
 * explicit `count` marks that many final years of the window instead.
 */
function incompleteYears(from: number, to: number, dataDate: string, count: number | undefined): number[] {
  const years: number[] = [];
  if (count !== undefined) {
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

/** The plotted values of one metric: countries as given, years ascending. */
function metricValues(m: ReportModel, metric: Metric): SeriesPoint[] {
  if (metric === 'share') checkDenominators(m);
  if (metric === 'per-1000') checkAllWorks(m);
  if (metric === 'collaboration') return collaborationValues(m);
  const late = new Set(m.incomplete);
  return m.series.flatMap((s) => {
    const base = s.papers[0] as number;
    if (metric === 'index' && base === 0) {
      throw new UserError(
        `Cannot index ${s.country} to 100 at ${m.from}: it has no papers that year. ` +
          'Choose a later --from or use --metric count.',
      );
    }
    return s.papers.map((papers, i) => {
      let value: number | null = papers;
      if (metric === 'share') {
        const w = m.denominators[i] ?? 0;
        value = w > 0 ? papers / w : null;
      } else if (metric === 'index') {
        value = (papers / base) * 100;
      } else if (metric === 'per-1000') {
        // Medical-AI papers per 1,000 works of the country that year (full counting on both sides).
        const all = m.allWorks.get(`${m.from + i}|${s.country}`) ?? 0;
        value = all > 0 ? (papers / all) * 1000 : null;
      } else if (metric === 'fractional') {
        value = s.fractional[i] as number;
      }
      const year = m.from + i;
      return { year, country: s.country, name: s.name, papers, value, incomplete: late.has(year) };
    });
  });
}

/** One line per pair of countries: the papers co-authored by both. */
function collaborationValues(m: ReportModel): SeriesPoint[] {
  if (m.pairs.length === 0) {
    throw new UserError('Collaboration needs at least two countries (--countries US,CN) and their co-authored papers; use --metric count.');
  }
  const late = new Set(m.incomplete);
  return m.pairs.flatMap((p) =>
    p.papers.map((papers, i) => ({ year: m.from + i, country: `${p.a}-${p.b}`, name: p.name, papers, value: papers, incomplete: late.has(m.from + i) })),
  );
}

/** The pairs of the collaboration rows, zero-filled, with each country's co-authored part of its output. */
function pairSeries(rows: readonly CollaborationRow[], series: readonly CountrySeries[], years: readonly number[]): PairSeries[] {
  const byKey = new Map(rows.map((r) => [`${r.year}|${r.country_a}|${r.country_b}`, r.papers]));
  const out: PairSeries[] = [];
  const codes = series.map((s) => s.country);
  const sorted = [...series].sort((x, y) => (x.country < y.country ? -1 : 1));
  if (rows.length === 0) return out;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i] as CountrySeries;
      const b = sorted[j] as CountrySeries;
      const papers = years.map((y) => byKey.get(`${y}|${a.country}|${b.country}`) ?? 0);
      const part = (of: CountrySeries) => papers.map((p, k) => ((of.papers[k] as number) === 0 ? null : p / (of.papers[k] as number)));
      out.push({ a: a.country, b: b.country, name: `${a.name}–${b.name}`, nameA: a.name, nameB: b.name, papers, shareOfA: part(a), shareOfB: part(b) });
    }
  }
  // The pairs in the order of the countries given (US,CN,GB: US-CN, US-GB, CN-GB), for legend and tables.
  const rank = (p: PairSeries) => Math.min(codes.indexOf(p.a), codes.indexOf(p.b)) * codes.length + Math.max(codes.indexOf(p.a), codes.indexOf(p.b));
  return out.sort((x, y) => rank(x) - rank(y));
}

/** Growth from `before` to `now` as a fraction; null from zero. */
function growth(before: number, now: number): number | null {
  return before === 0 ? null : now / before - 1;
}

/** Compound annual growth over `span` years; null when the start is zero or the span empty. */
function cagr(start: number, end: number, span: number): number | null {
  return start === 0 || span <= 0 ? null : (end / start) ** (1 / span) - 1;
}

function crossing(series: readonly CountrySeries[], leader: string, other: string, from: number): Overtake | null {
  const a = series.find((s) => s.country === leader)?.papers;
  const b = series.find((s) => s.country === other)?.papers;
  if (a === undefined || b === undefined || a.length < 2) return null;
  const ahead = (i: number) => (a[i] as number) > (b[i] as number);
  let year: number | null = null;
  let all = true;
  for (let i = 0; i < a.length; i++) {
    if (!ahead(i)) all = false;
    if (year === null && i > 0 && ahead(i) && !ahead(i - 1)) year = from + i;
  }
  return { leader, other, year, aheadThroughout: all, aheadAtEnd: ahead(a.length - 1) };
}
