/**
 * `report --counts <csv>`: the report of a `year,country,papers` file made anywhere (the shipped
 * SQL run in BigQuery, say), without a database. The same model and renderers as the report of
 * our own counts (report/index.ts), so the charts cannot differ; only the provenance differs: the
 * manifest and summary name the file and its sha256 instead of a query of ours.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describePolicy, type CountryPolicy } from '../classify/countries.js';
import { UserError } from '../errors.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { buildReportModel, renderReport, resolveOptions, writeArtefacts, type ReportModel } from '../report/index.js';
import { fractionalMarkdown, markdownTable } from '../report/tables.js';
import { WORLD_DENOMINATOR, type ReportOptions } from '../report/types.js';
import type { CountsFile } from './counts-file.js';
import { methodText } from './report.js';
import { TOOL_VERSION } from './version.js';

/** What the user says of the file's data: none of it is in the file itself. */
export interface CountsProvenance {
  /** The data date of the OpenAlex copy the counts were made from ("unknown" when not given). */
  dataDate: string;
  /** The chart note's "Source: ..." (default: the file's name). */
  sourceLabel: string;
  /** The country policy the counts were made under (the shipped SQL's fold_hk_mo). */
  countryPolicy: CountryPolicy;
}

/** What a counts file cannot give, per metric: refused by name rather than drawn from nothing. */
const NOT_HELD: Partial<Record<string, string>> = {
  share: "the world's medical-AI papers per year (the share's denominator)",
  'per-1000': 'all works per country and year (the per-1000 denominator)',
  collaboration: 'papers co-authored by each pair of countries',
};

export interface CountsManifest {
  tool: { name: string; version: string };
  generatedAt: string;
  parameters: { from: number; to: number; countries: string[]; countryPolicy: CountryPolicy; metric: string };
  /** Where the counts came from: this file, not a query of ours; its sha256 pins the exact content. */
  source: { kind: 'counts-file'; path: string; sha256: string; rows: number; fractional: boolean; label: string; dataDate: string };
  /** Cells of the window with no row in the file, drawn as 0 (a GROUP BY gives no row for a zero count). */
  cellsWithoutRow: number;
}

export function countsSummary(manifest: CountsManifest, model: ReportModel): string {
  const s = manifest.source;
  return [
    '# medai-trends summary',
    '',
    `Medical-AI papers by year, full counting by author affiliation (${describePolicy(manifest.parameters.countryPolicy)}).`,
    `Counts read from ${s.path} (sha256 ${s.sha256}, ${s.rows} rows), not counted by medai-trends from works: no works, rejects or keyword lists were read.`,
    `Source: ${s.label}, data date ${s.dataDate}.`,
    ...(manifest.cellsWithoutRow > 0 ? [`${manifest.cellsWithoutRow} year x country cell(s) of the window have no row in the file and are drawn as 0.`] : []),
    '',
    ...markdownTable(model),
    '',
    ...(s.fractional ? [...fractionalMarkdown(model), ''] : ['The file has no fractional column: fractional counts are not drawn.', '']),
  ].join('\n');
}

/** Writes the charts, counts.csv, report.html, manifest.json and summary.md of a counts file into `options.writeTo ?? options.outDir`. */
export async function produceCountsReport(
  file: CountsFile,
  window: { from: number; to: number; countries: string[] },
  provenance: CountsProvenance,
  options: ReportOptions & { writeTo?: string },
  effects: Effects = quietEffects,
): Promise<{ manifest: CountsManifest; summary: string; files: string[] }> {
  const o = resolveOptions(options);
  const notHeld = NOT_HELD[o.metric];
  if (notHeld !== undefined) throw new UserError(`--metric ${o.metric} needs ${notHeld}, which ${file.path} does not hold: use --metric count, index${file.fractional ? ' or fractional' : ''}`);
  const inWindow = new Map(file.rows.filter((r) => r.year >= window.from && r.year <= window.to && window.countries.includes(r.country)).map((r) => [`${r.year}|${r.country}`, r]));
  const cells = (window.to - window.from + 1) * window.countries.length;
  const manifest: CountsManifest = {
    tool: { name: 'medai-trends', version: TOOL_VERSION },
    generatedAt: effects.now().toISOString(),
    parameters: { from: window.from, to: window.to, countries: window.countries, countryPolicy: provenance.countryPolicy, metric: o.metric },
    source: { kind: 'counts-file', path: file.path, sha256: file.sha256, rows: file.rows.length, fractional: file.fractional, label: provenance.sourceLabel, dataDate: provenance.dataDate },
    cellsWithoutRow: cells - inWindow.size,
  };
  if (manifest.cellsWithoutRow > 0) effects.log(`${manifest.cellsWithoutRow} year x country cell(s) have no row in ${file.path}: drawn as 0`);
  const model = buildReportModel(
    {
      // Zero-filled over the window, as the model requires: a missing cell is a count of zero (see cellsWithoutRow).
      counts: window.countries.flatMap((country) =>
        Array.from({ length: window.to - window.from + 1 }, (_, i) => inWindow.get(`${window.from + i}|${country}`) ?? { year: window.from + i, country, papers: 0, fractional: 0 }),
      ),
      worldTotals: [],
      from: window.from,
      to: window.to,
      countries: window.countries,
      dataDate: provenance.dataDate,
      sourceLabel: provenance.sourceLabel,
      countryPolicy: describePolicy(provenance.countryPolicy),
      method: `Counts read from ${basename(file.path)} (sha256 ${file.sha256}); they were counted by whatever made that file. medai-trends's own rule, which its shipped SQL (queries/, sql/bigquery/) applies: ${methodText(undefined)}`,
      manifest,
      denominator: WORLD_DENOMINATOR,
      ...(file.fractional ? {} : { fractionalMissing: `--metric fractional needs the fractional column, which ${file.path} does not have` }),
    },
    o,
  );
  const dir = options.writeTo ?? options.outDir;
  await mkdir(dir, { recursive: true });
  const files = await writeArtefacts((await renderReport(model, o)).files, dir);
  const summary = countsSummary(manifest, model);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'summary.md'), summary);
  const all = [...files.map((f) => basename(f)), 'manifest.json', 'summary.md'].map((f) => join(options.outDir, f));
  effects.log(`wrote ${all.length} files to ${options.outDir}`);
  return { manifest, summary, files: all };
}
