/**
 * The report options' one definition: defaults and bounds. The command line validates a user's
 * flags against these bounds once (src/cli/options.ts, collecting every problem); the report
 * stage trusts its typed options and only fills in what was left out.
 */
import { DEFAULT_TITLE, FORMATS, type Format, type Metric, type ReportOptions, type Theme } from './types.js';

/** Plot area in px; with margins, labels and note the default figure is about 790 x 510. */
export const REPORT_DEFAULTS = {
  width: 600,
  height: 340,
  theme: 'light',
  metric: 'count',
  title: DEFAULT_TITLE,
  formats: FORMATS,
} as const satisfies { width: number; height: number; theme: Theme; metric: Metric; title: string; formats: readonly Format[] };

/** Inclusive bounds of the numeric options. */
export const REPORT_BOUNDS = {
  // Below 200 px the year labels collide and the note wraps into a column; above 4000 the PNG at
  // 2x gets unreasonably large.
  width: { min: 200, max: 4000 },
  height: { min: 200, max: 4000 },
  // More than ten years of indexing lag is no lag: such a window is simply incomplete data.
  incompleteYears: { min: 0, max: 10 },
} as const;

export interface ResolvedOptions {
  formats: Format[];
  title: string;
  width: number;
  height: number;
  theme: Theme;
  metric: Metric;
  /** How many final years to mark incomplete; undefined: those within a year of the data date. */
  incompleteYears: number | undefined;
}

/** Fills the defaults; the values themselves were validated where they entered (the CLI). */
export function resolveOptions(options: ReportOptions): ResolvedOptions {
  return {
    formats: [...new Set(options.formats)],
    // An empty or blank --title means the default, not an untitled chart.
    title: options.title?.trim() || REPORT_DEFAULTS.title,
    width: options.width ?? REPORT_DEFAULTS.width,
    height: options.height ?? REPORT_DEFAULTS.height,
    theme: options.theme ?? REPORT_DEFAULTS.theme,
    metric: options.metric ?? REPORT_DEFAULTS.metric,
    incompleteYears: options.incompleteYears,
  };
}
