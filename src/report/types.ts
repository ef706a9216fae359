/** The report stage's input and options: the contract the pipeline calls `writeReport` with. */

export interface CountRow {
  year: number;
  country: string;
  /** Full counting: papers with an author in the country. */
  papers: number;
  /** Fractional counting: the country's share of those papers, each paper adding up to 1 (classify/countries.ts). */
  fractional: number;
  /** The same count under the second keyword rule (--compare-keywords); absent when none is compared. */
  papersCompare?: number;
}
/** One row of collaboration.csv: papers with authors in both countries of a pair (`country_a` < `country_b`). */
export interface CollaborationRow {
  year: number;
  country_a: string;
  country_b: string;
  papers: number;
}
export type Metric = 'count' | 'share' | 'index' | 'per-1000' | 'fractional' | 'collaboration';
export type Theme = 'light' | 'dark';
export type Format = 'svg' | 'png' | 'html' | 'csv' | 'json';

export const METRICS: readonly Metric[] = ['count', 'share', 'index', 'per-1000', 'fractional', 'collaboration'];
export const THEMES: readonly Theme[] = ['light', 'dark'];
export const FORMATS: readonly Format[] = ['svg', 'png', 'html', 'csv', 'json'];

export interface ReportInput {
  /** Zero-filled: every year in [from, to] x every country, ISO alpha-2. */
  counts: CountRow[];
  /**
   * Zero-filled co-authored papers per year and pair of the countries (queries/collaboration.sql);
   * absent or empty with one country, when the collaboration metric and table are unavailable.
   */
  collaboration?: CollaborationRow[];
  /** Distinct medical-AI works per year with >= 1 known affiliation country: the share denominator. */
  worldTotals: { year: number; papers: number }[];
  from: number;
  to: number;
  countries: string[];
  /** e.g. "2026-05-11": the snapshot's newest updated_date, or the fetch date. */
  dataDate: string;
  sourceLabel: string;
  countryPolicy: string;
  method: string;
  manifest: unknown;
  /** A warning about the data itself (an incomplete fetch), first in the chart note and the report's source line. */
  dataWarning?: string;
  /** What `worldTotals` counts, so a share chart names its denominator instead of assuming the world. */
  denominator: ShareDenominator;
  /** All works of each country per year (baselines.csv's all_works): the per-1000 denominator. */
  allWorks?: { year: number; country: string; all_works: number }[];
  /** Why per-1000 cannot be drawn (no baselines): the refusal names the command that gets them. */
  perThousandRefusal?: string;
  /** A second keyword rule counted beside the rule (--compare-keywords); `counts` then carry `papersCompare`. */
  compare?: RuleComparison;
  /**
   * Why the counts have no fractional counting (a counts file without the column, `report
   * --counts`): the fractional metric is then unavailable and counts.csv has no such column,
   * rather than zeros drawn for data not held.
   */
  fractionalMissing?: string;
}

/** How the report names the two rules it counts with, and what it says of them. */
export interface RuleComparison {
  /** Short names for the legend and end labels, e.g. "keywords" and "keywords-strict". */
  ruleLabel: string;
  compareLabel: string;
  /** Both rules and each one's hand-review precision: report.html's method section and summary.md. */
  text: string;
}

/** The share metric's denominator in the words the chart, the page and the method note use. */
export interface ShareDenominator {
  /** The y-axis title of a share chart. */
  label: string;
  /** The short form, for tooltips and the report page's metric switch. */
  short: string;
  /** Completes "papers with an author in the country, divided by ..." in the method note. */
  description: string;
}

/** The denominator when the data holds every medical-AI paper (a snapshot of the whole corpus). */
export const WORLD_DENOMINATOR: ShareDenominator = {
  label: 'Share of world medical-AI papers',
  short: 'Share of world',
  description: 'all medical-AI papers with a known affiliation country',
};

export interface ReportOptions {
  outDir: string;
  formats: Format[];
  title?: string;
  /** Width of the plot area in px; title, axes, end labels and the note are added around it (bounds and defaults: options.ts). */
  width?: number;
  /** Height of the plot area in px. */
  height?: number;
  theme?: Theme;
  metric?: Metric;
  /** How many final years of the window to mark incomplete; default: those within 1 year of dataDate. */
  incompleteYears?: number;
}

export const DEFAULT_TITLE = 'Trends in Publication Output Containing Medical and AI Keywords';
export const METHOD_SUBTITLE =
  'Papers with medical and AI keywords in title or abstract, full counting by author affiliation';

/** The chart's subtitle where a metric counts otherwise than METHOD_SUBTITLE says. */
export const METRIC_SUBTITLES: Partial<Record<Metric, string>> = {
  fractional: 'Papers with medical and AI keywords in title or abstract, fractional counting by author affiliation',
  collaboration: 'Papers with medical and AI keywords in title or abstract and authors in both countries',
};
