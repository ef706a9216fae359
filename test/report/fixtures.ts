/**
 * Constructed report input shaped like CSET's "China and Medical AI" (May 2024) Figure 2: US and
 * China rising from a few hundred papers in 2010 to about 11-12 thousand in 2021, the United
 * States narrowly ahead at the end. The numbers are made up for tests; they are not CSET's data.
 */
import type { TopLevelSpec } from 'vega-lite';
import { buildReportModel, chartSpec, resolveOptions, WORLD_DENOMINATOR, type CountRow, type ReportInput, type ReportModel, type ReportOptions } from '../../src/report/index.js';

export const US = [612, 705, 831, 1012, 1190, 1489, 2034, 2896, 4421, 6573, 9217, 11642];
export const CN = [289, 361, 472, 618, 804, 1106, 1592, 2478, 4015, 6132, 9034, 11389];
/** Distinct works with any known affiliation country: more than either, less than US + CN + rest. */
/** Made-up fractional counts: the part of each country's papers left after sharing with co-authors abroad. */
export const US_FRACTIONAL = US.map((p) => Math.round(p * 850) / 1000);
export const CN_FRACTIONAL = CN.map((p) => Math.round(p * 905) / 1000);
/** Made-up papers co-authored by CN and US authors. */
export const CN_US = [41, 52, 70, 95, 121, 170, 240, 361, 560, 790, 1050, 1260];
export const WORLD = [2410, 2730, 3190, 3850, 4560, 5780, 7830, 11150, 17060, 25470, 36120, 45930];

export function csetLikeInput(overrides: Partial<ReportInput> = {}): ReportInput {
  const counts: CountRow[] = [];
  const worldTotals: { year: number; papers: number }[] = [];
  for (let i = 0; i < US.length; i++) {
    const year = 2010 + i;
    counts.push({ year, country: 'US', papers: US[i] as number, fractional: US_FRACTIONAL[i] as number });
    counts.push({ year, country: 'CN', papers: CN[i] as number, fractional: CN_FRACTIONAL[i] as number });
    worldTotals.push({ year, papers: WORLD[i] as number });
  }
  const input: ReportInput = {
    counts,
    worldTotals,
    from: 2010,
    to: 2021,
    countries: ['US', 'CN'],
    // As if the snapshot were taken in spring 2022: 2021 is still being indexed.
    dataDate: '2022-04-30',
    sourceLabel: 'OpenAlex snapshot files',
    countryPolicy: 'HK, MO and TW counted separately from CN',
    method:
      'A work is counted when its title or abstract contains at least one medical keyword and at least one AI keyword (case-insensitive, whole words). Each work counts once for every distinct country among its authors\' affiliations (full counting).',
    manifest: { tool: 'medai-trends 0.1.0 (constructed test input)', source: { kind: 'snapshot', files: ['works.jsonl.gz'] } },
    denominator: WORLD_DENOMINATOR,
    ...overrides,
  };
  // The CN-US co-authorships, where both countries and the years are in the input's window.
  if (overrides.collaboration === undefined && input.countries.includes('CN') && input.countries.includes('US')) {
    input.collaboration = CN_US.map((papers, i) => ({ year: 2010 + i, country_a: 'CN', country_b: 'US', papers })).filter((r) => r.year >= input.from && r.year <= input.to);
  }
  return input;
}

/** Four regions including HK and TW, for name lookup, colour cycling and label dodging. */
export function fourCountryInput(): ReportInput {
  const base = csetLikeInput();
  const hk = [40, 46, 55, 61, 70, 88, 110, 150, 210, 290, 380, 450];
  const tw = [95, 101, 112, 120, 131, 150, 170, 220, 300, 390, 470, 520];
  const counts = [...base.counts];
  for (let i = 0; i < hk.length; i++) {
    counts.push({ year: 2010 + i, country: 'HK', papers: hk[i] as number, fractional: (hk[i] as number) / 2 });
    counts.push({ year: 2010 + i, country: 'TW', papers: tw[i] as number, fractional: (tw[i] as number) / 2 });
  }
  // Only the CN-US pair has constructed co-authorships: the other pairs are zero-filled.
  return { ...base, counts, countries: ['US', 'CN', 'HK', 'TW'] };
}

/** The model of `input` under `options` (only the metric and incomplete years matter to it). */
export function modelOf(input: ReportInput, options: Partial<ReportOptions> = {}): ReportModel {
  return buildReportModel(input, resolveOptions({ outDir: '', formats: ['svg'], ...options }));
}

/** The chart spec of `input` under `options`, through the model as the report builds it. */
export function specOf(input: ReportInput, options: ReportOptions): TopLevelSpec {
  const o = resolveOptions(options);
  return chartSpec(buildReportModel(input, o), o);
}
