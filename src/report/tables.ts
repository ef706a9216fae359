/**
 * The model's tables as text: counts.csv (the one writer, for `report` and `aggregate` alike),
 * the metric CSVs and the year x country table of summary.md. Kept apart from the chart and page
 * renderers so `aggregate` loads no charting code.
 */
import { toCsv } from './csv.js';
import type { ReportModel } from './model.js';
import type { CountRow, Metric } from './types.js';

/**
 * counts.csv: raw counts whatever the metric, one row per year (ascending) and country in the
 * order given (--countries US,CN writes US before CN), zero where a count is missing: full
 * counting (`papers`), then fractional counting with 4 decimals, written out so the file is
 * byte-identical between runs. `fractional` false: counts without fractional counting (a counts
 * file without the column), so the column is left out rather than written as zeros.
 */
export function countsCsv(counts: readonly CountRow[], window: { from: number; to: number; countries: readonly string[] }, fractional = true): string {
  const byKey = new Map(counts.map((r) => [`${r.year}|${r.country}`, r]));
  // papers_compare only when a second rule was counted (--compare-keywords), so the usual file is unchanged.
  const compared = counts.some((r) => r.papersCompare !== undefined);
  const rows: (string | number)[][] = [];
  for (let y = window.from; y <= window.to; y++) {
    for (const c of window.countries) {
      const r = byKey.get(`${y}|${c}`);
      rows.push([y, c, r?.papers ?? 0, ...(fractional ? [(r?.fractional ?? 0).toFixed(4)] : []), ...(compared ? [r?.papersCompare ?? 0] : [])]);
    }
  }
  return toCsv(['year', 'country', 'papers', ...(fractional ? ['fractional'] : []), ...(compared ? ['papers_compare'] : [])], rows);
}

/** collaboration.csv: per year, every pair of the countries (`country_a` < `country_b`) and their co-authored papers. */
export function collaborationCsv(m: ReportModel): string {
  const rows = m.years.flatMap((year, i) => [...m.pairs].sort((x, y) => (x.a + x.b < y.a + y.b ? -1 : 1)).map((p) => [year, p.a, p.b, p.papers[i] as number]));
  return toCsv(['year', 'country_a', 'country_b', 'papers'], rows);
}

/** Each country's output co-authored with the other of a pair, as summary.md's table. */
export function collaborationMarkdown(m: ReportModel): string[] {
  if (m.pairs.length === 0) return [];
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
  return m.pairs.flatMap((p) => {
    const [na, nb] = [p.nameA, p.nameB];
    return [
      `Co-authored by ${na} and ${nb} (papers with authors in both; share of each one's papers):`,
      '',
      `| year | papers | share of ${na} | share of ${nb} |`,
      '|---|---:|---:|---:|',
      ...m.years.map((y, i) => `| ${y} | ${(p.papers[i] as number).toLocaleString('en-US')} | ${pct(p.shareOfA[i] ?? null)} | ${pct(p.shareOfB[i] ?? null)} |`),
      '',
    ];
  });
}

/** The plotted values for share, index or per-1000, next to the raw counts they come from. */
export function metricCsv(m: ReportModel, metric: Exclude<Metric, 'count' | 'fractional' | 'collaboration'>): string {
  const values = m.values[metric] ?? [];
  // Fixed decimals so the file is byte-identical between runs and platforms.
  const fixed = (v: number | null, d: number) => (v === null ? null : Number(v.toFixed(d)));
  if (metric === 'share') {
    return toCsv(
      ['year', 'country', 'papers', 'world_papers', 'share'],
      values.map((p) => [p.year, p.country, p.papers, m.denominators[p.year - m.from] ?? 0, fixed(p.value, 6)]),
    );
  }
  if (metric === 'per-1000') {
    return toCsv(
      ['year', 'country', 'papers', 'all_works', 'per_1000'],
      values.map((p) => [p.year, p.country, p.papers, m.allWorks.get(`${p.year}|${p.country}`) ?? 0, fixed(p.value, 4)]),
    );
  }
  return toCsv(
    ['year', 'country', 'papers', 'index'],
    values.map((p) => [p.year, p.country, p.papers, fixed(p.value, 2)]),
  );
}

/** summary.md's table: a row per year, a column per country in the order given. */
export function markdownTable(m: ReportModel): string[] {
  // With a second rule, a column per country for it after the rule's, named by its short label.
  const second = m.compare === undefined ? [] : m.countries.map((c) => `${c} (${m.compare?.compareLabel})`);
  const n = (v: number | undefined): string => (v as number).toLocaleString('en-US');
  return [
    `| year | ${[...m.countries, ...second].join(' | ')} |`,
    `|---|${[...m.countries, ...second].map(() => '---:').join('|')}|`,
    ...m.years.map(
      (y, i) =>
        `| ${y} | ${[...m.series.map((s) => n(s.papers[i])), ...(m.compare === undefined ? [] : m.series.map((s) => n(s.papersCompare?.[i])))].join(' | ')} |`,
    ),
  ];
}

/** summary.md's fractional table: the same rows and columns as markdownTable, fractional counts (CWTS). */
export function fractionalMarkdown(m: ReportModel): string[] {
  return [
    "Fractional counting (each paper adds up to 1 over all countries, split over its authors with a country; counts.csv's `fractional`):",
    '',
    `| year | ${m.countries.join(' | ')} |`,
    `|---|${m.countries.map(() => '---:').join('|')}|`,
    ...m.years.map((y, i) => `| ${y} | ${m.series.map((s) => (s.fractional[i] as number).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })).join(' | ')} |`),
  ];
}
