/**
 * The report stage: turns zero-filled yearly counts into Figure 2 (SVG, PNG, interactive HTML,
 * Vega-Lite spec, embed snippet), report.html and counts.csv. Everything up to the file writes is
 * pure (`buildReport`), so tests can check the artefacts without touching the disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.js';
import { browserLibraries, type BrowserLibrary } from './assets.js';
import { countryName } from './countries.js';
import { toCsv } from './csv.js';
import { embedSnippet, figurePage, formatInt, formatPct, reportPage, type TableRow } from './html.js';
import { renderPng, renderSvg } from './render.js';
import { buildSeries, cagr, checkInput, incompleteYears, overtake, papersOf, yearOverYear } from './series.js';
import { buildSpec, sentence, untitled, yearRange, type ChartInput } from './spec.js';
import {
  DEFAULT_TITLE,
  FORMATS,
  METHOD_SUBTITLE,
  METRICS,
  THEMES,
  type Format,
  type Metric,
  type ReportInput,
  type ReportOptions,
  type Theme,
} from './types.js';

export type { CountRow, Format, Metric, ReportInput, ReportOptions, Theme } from './types.js';
export { DEFAULT_TITLE, FORMATS, METHOD_SUBTITLE, METRICS, THEMES } from './types.js';
export { countryName } from './countries.js';

/** Plot area in px; with margins, labels and note the default figure is about 790 x 510. */
export const DEFAULT_WIDTH = 600;
export const DEFAULT_HEIGHT = 340;
/** Below this the year labels collide; above it the PNG at 2x gets unreasonably large. */
const MIN_SIZE = 200;
const MAX_SIZE = 4000;

export interface ResolvedOptions {
  formats: Format[];
  title: string;
  width: number;
  height: number;
  theme: Theme;
  metric: Metric;
  incompleteYears: number | undefined;
}

/** Checks every option at once and fills defaults, so a bad call lists all its problems. */
export function resolveOptions(options: ReportOptions): ResolvedOptions {
  const problems: string[] = [];
  const formats = [...new Set(options.formats)];
  for (const f of formats) {
    if (!FORMATS.includes(f)) problems.push(`unknown format "${f}" (choose from ${FORMATS.join(', ')})`);
  }
  if (formats.length === 0) problems.push(`no output format given (choose from ${FORMATS.join(', ')})`);
  const size = (name: string, v: number | undefined, d: number): number => {
    if (v === undefined) return d;
    if (!Number.isInteger(v) || v < MIN_SIZE || v > MAX_SIZE) {
      problems.push(`${name} must be a whole number of pixels from ${MIN_SIZE} to ${MAX_SIZE}, got ${v}`);
    }
    return v;
  };
  const width = size('width', options.width, DEFAULT_WIDTH);
  const height = size('height', options.height, DEFAULT_HEIGHT);
  const theme = options.theme ?? 'light';
  if (!THEMES.includes(theme)) problems.push(`unknown theme "${theme}" (choose from ${THEMES.join(', ')})`);
  const metric = options.metric ?? 'count';
  if (!METRICS.includes(metric)) problems.push(`unknown metric "${metric}" (choose from ${METRICS.join(', ')})`);
  const inc = options.incompleteYears;
  if (inc !== undefined && (!Number.isInteger(inc) || inc < 0)) {
    problems.push(`incompleteYears must be a whole number >= 0, got ${inc}`);
  }
  const title = options.title?.trim() || DEFAULT_TITLE;
  if (problems.length > 0) throw new UserError(`Report options are not usable:\n  - ${problems.join('\n  - ')}`);
  return { formats, title, width, height, theme, metric, incompleteYears: inc };
}

/** One spec per metric for the same input; throws if `metric` cannot be computed from it. */
export function chartSpec(input: ReportInput, o: ResolvedOptions, metric: Metric = o.metric): TopLevelSpec {
  checkInput(input, metric);
  const incomplete = incompleteYears(input.from, input.to, input.dataDate, o.incompleteYears);
  const chart: ChartInput = {
    series: buildSeries(input, metric, incomplete),
    countries: input.countries,
    names: input.countries.map(countryName),
    from: input.from,
    to: input.to,
    metric,
    theme: o.theme,
    title: o.title,
    subtitle: METHOD_SUBTITLE,
    width: o.width,
    height: o.height,
    incomplete,
    sourceLabel: input.sourceLabel,
    dataDate: input.dataDate,
    countryPolicy: input.countryPolicy,
    ...(input.dataWarning === undefined ? {} : { dataWarning: input.dataWarning }),
  };
  return buildSpec(chart);
}

/** counts.csv: raw counts whatever the metric, by year then in the given country order. */
export function countsCsv(input: ReportInput): string {
  const byKey = new Map(input.counts.map((r) => [`${r.year}|${r.country}`, r.papers]));
  const rows: (string | number)[][] = [];
  for (let y = input.from; y <= input.to; y++) {
    for (const c of input.countries) rows.push([y, c, byKey.get(`${y}|${c}`) ?? 0]);
  }
  return toCsv(['year', 'country', 'papers'], rows);
}

/** The plotted values for share or index, next to the raw counts they come from. */
export function metricCsv(input: ReportInput, metric: Exclude<Metric, 'count'>, o: ResolvedOptions): string {
  const incomplete = incompleteYears(input.from, input.to, input.dataDate, o.incompleteYears);
  const series = buildSeries(input, metric, incomplete);
  const world = new Map(input.worldTotals.map((w) => [w.year, w.papers]));
  // Fixed decimals so the file is byte-identical between runs and platforms.
  const fixed = (v: number | null, d: number) => (v === null ? null : Number(v.toFixed(d)));
  if (metric === 'share') {
    return toCsv(
      ['year', 'country', 'papers', 'world_papers', 'share'],
      series.map((p) => [p.year, p.country, p.papers, world.get(p.year) ?? 0, fixed(p.value, 6)]),
    );
  }
  return toCsv(
    ['year', 'country', 'papers', 'index'],
    series.map((p) => [p.year, p.country, p.papers, fixed(p.value, 2)]),
  );
}

function tryMetric(input: ReportInput, o: ResolvedOptions, metric: Metric): TopLevelSpec | undefined {
  try {
    return chartSpec(input, o, metric);
  } catch (e) {
    // report.html offers the other metrics only where the input supports them.
    if (e instanceof UserError) return undefined;
    throw e;
  }
}

function papersText(n: number): string {
  return `${formatInt(n)} ${n === 1 ? 'paper' : 'papers'}`;
}

/** Plain-language findings for report.html: the CN/US crossing and each country's growth. */
export function findings(input: ReportInput, incomplete: readonly number[]): string[] {
  const out: string[] = [];
  const lastComplete = incomplete.length > 0 ? (incomplete[0] as number) - 1 : input.to;
  const late = new Set(incomplete);
  const papers = (c: string, y: number) => papersOf(input.counts, c, y) ?? 0;
  if (input.countries.includes('CN') && input.countries.includes('US') && input.from < input.to) {
    const o = overtake(input.counts, 'CN', 'US', input.from, input.to);
    const at = `(${input.to}: China ${formatInt(papers('CN', input.to))}, United States ${formatInt(papers('US', input.to))})`;
    if (o.aheadThroughout) {
      out.push(`China's count was above the United States' in every year from ${input.from} to ${input.to} ${at}.`);
    } else if (o.year === null) {
      out.push(`China's count did not overtake the United States' between ${input.from} and ${input.to} ${at}.`);
    } else {
      const caveat = late.has(o.year) ? ', a year whose counts are still incomplete' : '';
      const cnEnd = papers('CN', input.to);
      const usEnd = papers('US', input.to);
      const after = o.aheadAtEnd
        ? ''
        : usEnd > cnEnd
          ? `; the United States was ahead again by ${input.to}`
          : `; the two were level in ${input.to}`;
      out.push(`China's count overtook the United States' in ${o.year}${caveat}${after} ${at}.`);
    }
  }
  for (const c of input.countries) {
    const g = cagr(input.counts, c, input.from, lastComplete);
    const span = lastComplete > input.from ? `${input.from}–${lastComplete}` : String(input.from);
    out.push(
      `${countryName(c)}: ${papersText(papers(c, input.from))} in ${input.from}, ` +
        `${formatInt(papers(c, input.to))} in ${input.to}; compound annual growth ${span}: ${formatPct(g)}.`,
    );
  }
  return out;
}

export interface ReportArtefacts {
  spec: TopLevelSpec;
  svg: string;
  files: Map<string, string | Buffer>;
}

/** Builds every requested artefact in memory; `writeReport` only adds the disk. */
export async function buildReport(
  input: ReportInput,
  options: ReportOptions,
  libraries: readonly BrowserLibrary[] | undefined = undefined,
): Promise<ReportArtefacts> {
  const o = resolveOptions(options);
  const spec = chartSpec(input, o);
  const svg = await renderSvg(spec);
  const files = new Map<string, string | Buffer>();
  const want = new Set(o.formats);
  const libs = want.has('html') ? (libraries ?? (await browserLibraries())) : [];
  const incomplete = incompleteYears(input.from, input.to, input.dataDate, o.incompleteYears);
  const csv = countsCsv(input);

  if (want.has('svg')) files.set('figure2.svg', svg);
  if (want.has('png')) {
    files.set('figure2.png', renderPng(svg, 1));
    files.set('figure2@2x.png', renderPng(svg, 2));
  }
  if (want.has('json')) files.set('figure2.vl.json', `${JSON.stringify(spec, null, 2)}\n`);
  if (want.has('csv')) {
    files.set('counts.csv', csv);
    if (o.metric !== 'count') files.set(`counts-${o.metric}.csv`, metricCsv(input, o.metric, o));
  }
  if (want.has('html')) {
    const description = `${o.title}. ${METHOD_SUBTITLE}.`;
    files.set('figure2.html', figurePage({ title: o.title, description, spec, svg, theme: o.theme, libraries: libs }));
    files.set('figure2.embed.html', embedSnippet(spec, libs));
    const specs: Partial<Record<Metric, { download: TopLevelSpec; shown: TopLevelSpec }>> = {};
    for (const m of METRICS) {
      const s = m === o.metric ? spec : tryMetric(input, o, m);
      // The page's own heading carries the title, so the chart on the page does not repeat it.
      if (s) specs[m] = { download: s, shown: untitled(s) };
    }
    const rows: TableRow[] = [];
    const late = new Set(incomplete);
    for (let y = input.from; y <= input.to; y++) {
      rows.push({
        year: y,
        incomplete: late.has(y),
        cells: input.countries.map((c) => ({
          papers: papersOf(input.counts, c, y) ?? 0,
          yoy: yearOverYear(input.counts, c, y),
        })),
      });
    }
    const lastComplete = incomplete.length > 0 ? (incomplete[0] as number) - 1 : input.to;
    const incompleteNote =
      incomplete.length > 0
        ? `${yearRange(incomplete)}: incomplete, because OpenAlex indexing lags publication; growth rates stop at ${lastComplete}.`
        : `No year in ${input.from}–${input.to} is marked incomplete (data as of ${input.dataDate}).`;
    files.set(
      'report.html',
      reportPage({
        title: o.title,
        subtitle: METHOD_SUBTITLE,
        meta: `${input.dataWarning === undefined ? '' : `${input.dataWarning} `}Source: ${input.sourceLabel}, data as of ${input.dataDate}. ${sentence(input.countryPolicy)}`,
        theme: o.theme,
        metric: o.metric,
        specs,
        svg,
        names: input.countries.map(countryName),
        rows,
        cagr: {
          label: `Compound annual growth ${lastComplete > input.from ? `${input.from}–${lastComplete}` : input.from}`,
          values: input.countries.map((c) => cagr(input.counts, c, input.from, lastComplete)),
        },
        findings: findings(input, incomplete),
        method: input.method,
        countryPolicy: input.countryPolicy,
        incompleteNote,
        manifest: input.manifest,
        countsCsv: csv,
        libraries: libs,
      }),
    );
  }
  return { spec, svg, files };
}

/** Writes the requested artefacts into `options.outDir` and returns the paths written. */
export async function writeReport(input: ReportInput, options: ReportOptions): Promise<string[]> {
  const { files } = await buildReport(input, options);
  await mkdir(options.outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(options.outDir, name);
    await writeFile(path, content);
    written.push(path);
  }
  return written;
}
