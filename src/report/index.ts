/**
 * The report stage: builds the report model once from zero-filled yearly counts (model.ts), then
 * renders it as Figure 2 (SVG, PNG, interactive HTML, Vega-Lite spec, embed snippet), report.html
 * and counts.csv. Everything up to the file writes is pure (`buildReport`), so tests can check the
 * artefacts without touching the disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { browserLibraries, type BrowserLibrary } from './assets.js';
import { embedSnippet, figurePage, formatInt, formatPct, reportPage, type TableRow } from './html.js';
import { buildReportModel, type ReportModel } from './model.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { preloadRenderer, renderPng, renderSvg } from './render.js';
import { buildSpec, sentence, untitled, yearRange } from './spec.js';
import { collaborationCsv, countsCsv, metricCsv } from './tables.js';
import { METHOD_SUBTITLE, METRIC_SUBTITLES, METRICS, type Metric, type ReportInput, type ReportOptions } from './types.js';

export type { CountRow, Format, Metric, ReportInput, ReportOptions, RuleComparison, ShareDenominator, Theme } from './types.js';
export { DEFAULT_TITLE, FORMATS, METHOD_SUBTITLE, METRICS, THEMES, WORLD_DENOMINATOR } from './types.js';
export { REPORT_BOUNDS, REPORT_DEFAULTS, resolveOptions, type ResolvedOptions } from './options.js';
export { buildReportModel, type ReportModel } from './model.js';
export { collaborationCsv, collaborationMarkdown, countsCsv, markdownTable, metricCsv } from './tables.js';
export { countryName } from './countries.js';

/**
 * Starts loading what drawing needs (vega, vega-lite, the browser builds the pages inline) while the
 * caller still counts: at 5M works read the report's DuckDB queries take seconds, and this about 0.6 s
 * of them. Failures surface where the drawing awaits the same promises.
 */
export function preloadReport(): void {
  preloadRenderer().catch(() => undefined);
  browserLibraries().catch(() => undefined);
}

/** The chart of one of the model's metrics (the chosen one by default). */
export function chartSpec(m: ReportModel, o: ResolvedOptions, metric: Metric = m.metric): TopLevelSpec {
  return buildSpec(m, { metric, theme: o.theme, title: o.title, subtitle: METRIC_SUBTITLES[metric] ?? METHOD_SUBTITLE, width: o.width, height: o.height });
}

function papersText(n: number): string {
  return `${formatInt(n)} ${n === 1 ? 'paper' : 'papers'}`;
}

/** "2010–2020", or the one year when the growth span is empty. */
function growthSpan(m: ReportModel): string {
  return m.lastComplete > m.from ? `${m.from}–${m.lastComplete}` : String(m.from);
}

/** Plain-language findings for report.html: the CN/US crossing and each country's growth. */
export function findings(m: ReportModel): string[] {
  const out: string[] = [];
  const last = m.years.length - 1;
  const end = (c: string) => m.series.find((s) => s.country === c)?.papers[last] ?? 0;
  const o = m.overtake;
  if (o !== null) {
    const cnEnd = end('CN');
    const usEnd = end('US');
    const at = `(${m.to}: China ${formatInt(cnEnd)}, United States ${formatInt(usEnd)})`;
    if (o.aheadThroughout) {
      out.push(`China's count was above the United States' in every year from ${m.from} to ${m.to} ${at}.`);
    } else if (o.year === null) {
      out.push(`China's count did not overtake the United States' between ${m.from} and ${m.to} ${at}.`);
    } else {
      const caveat = m.incomplete.includes(o.year) ? ', a year whose counts are still incomplete' : '';
      const after = o.aheadAtEnd
        ? ''
        : usEnd > cnEnd
          ? `; the United States was ahead again by ${m.to}`
          : `; the two were level in ${m.to}`;
      out.push(`China's count overtook the United States' in ${o.year}${caveat}${after} ${at}.`);
    }
  }
  for (const s of m.series) {
    out.push(
      `${s.name}: ${papersText(s.papers[0] as number)} in ${m.from}, ` +
        `${formatInt(s.papers[last] as number)} in ${m.to}; compound annual growth ${growthSpan(m)}: ${formatPct(s.cagr)}.`,
    );
  }
  return out;
}

export interface ReportArtefacts {
  model: ReportModel;
  spec: TopLevelSpec;
  svg: string;
  files: Map<string, string | Buffer>;
}

/** Builds the model and every requested artefact in memory; `writeReport` only adds the disk. */
export async function buildReport(
  input: ReportInput,
  options: ReportOptions,
  libraries: readonly BrowserLibrary[] | undefined = undefined,
): Promise<ReportArtefacts> {
  const o = resolveOptions(options);
  return renderReport(buildReportModel(input, o), o, libraries);
}

/** Every requested artefact of one model. */
export async function renderReport(
  m: ReportModel,
  o: ResolvedOptions,
  libraries: readonly BrowserLibrary[] | undefined = undefined,
): Promise<ReportArtefacts> {
  const spec = chartSpec(m, o);
  const svg = await renderSvg(spec);
  const files = new Map<string, string | Buffer>();
  const want = new Set(o.formats);
  const libs = want.has('html') ? (libraries ?? (await browserLibraries())) : [];
  const csv = countsCsv(m.counts, m, m.fractionalMissing === undefined);

  if (want.has('svg')) files.set('figure2.svg', svg);
  if (want.has('png')) {
    files.set('figure2.png', renderPng(svg, 1));
    files.set('figure2@2x.png', renderPng(svg, 2));
  }
  if (want.has('json')) files.set('figure2.vl.json', `${JSON.stringify(spec, null, 2)}\n`);
  if (want.has('csv')) {
    files.set('counts.csv', csv);
    // counts.csv holds the fractional counts and collaboration.csv the co-authored ones.
    if (m.metric === 'share' || m.metric === 'index' || m.metric === 'per-1000') files.set(`counts-${m.metric}.csv`, metricCsv(m, m.metric));
    if (m.pairs.length > 0) files.set('collaboration.csv', collaborationCsv(m));
  }
  if (want.has('html')) {
    const description = `${o.title}. ${METHOD_SUBTITLE}.`;
    files.set('figure2.html', figurePage({ title: o.title, description, spec, svg, theme: o.theme, libraries: libs }));
    files.set('figure2.embed.html', embedSnippet(spec, libs));
    const specs: Partial<Record<Metric, { download: TopLevelSpec; shown: TopLevelSpec }>> = {};
    for (const metric of METRICS) {
      if (m.values[metric] === undefined) continue;
      const s = metric === m.metric ? spec : chartSpec(m, o, metric);
      // The page's own heading carries the title, so the chart on the page does not repeat it.
      specs[metric] = { download: s, shown: untitled(s) };
    }
    const rows: TableRow[] = m.years.map((year, i) => ({
      year,
      incomplete: m.incomplete.includes(year),
      cells: m.series.map((s) => ({ papers: s.papers[i] as number, yoy: s.yoy[i] ?? null })),
    }));
    const incompleteNote =
      m.incomplete.length > 0
        ? `${yearRange(m.incomplete)}: incomplete, because OpenAlex indexing lags publication; growth rates stop at ${m.lastComplete}.`
        : `No year in ${m.from}–${m.to} is marked incomplete (data as of ${m.dataDate}).`;
    files.set(
      'report.html',
      reportPage({
        title: o.title,
        subtitle: METHOD_SUBTITLE,
        meta: `${m.dataWarning === undefined ? '' : `${m.dataWarning} `}Source: ${m.sourceLabel}, data as of ${m.dataDate}. ${sentence(m.countryPolicy)}`,
        theme: o.theme,
        metric: m.metric,
        specs,
        svg,
        names: m.names,
        rows,
        cagr: { label: `Compound annual growth ${growthSpan(m)}`, values: m.series.map((s) => s.cagr) },
        findings: findings(m),
        method: m.method,
        countryPolicy: m.countryPolicy,
        denominator: m.denominator,
        incompleteNote,
        ...(m.compare === undefined ? {} : { compare: m.compare.text }),
        manifest: m.manifest,
        countsCsv: csv,
        collaboration: m.pairs.map((p) => ({
          a: p.a,
          b: p.b,
          nameA: p.nameA,
          nameB: p.nameB,
          rows: m.years.map((year, i) => ({ year, papers: p.papers[i] as number, shareOfA: p.shareOfA[i] ?? null, shareOfB: p.shareOfB[i] ?? null })),
        })),
        libraries: libs,
      }),
    );
  }
  return { model: m, spec, svg, files };
}

/** Writes artefacts into `outDir` and returns the paths written. */
export async function writeArtefacts(files: ReadonlyMap<string, string | Buffer>, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(outDir, name);
    await writeFile(path, content);
    written.push(path);
  }
  return written;
}

/** Writes the requested artefacts into `options.outDir` and returns the paths written. */
export async function writeReport(input: ReportInput, options: ReportOptions): Promise<string[]> {
  const { files } = await buildReport(input, options);
  return writeArtefacts(files, options.outDir);
}
