/**
 * Command-line options validated once into typed objects. Every problem is collected and reported
 * together, so a user fixes a command line in one go rather than one error per try.
 */
import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import { LIMITS } from '../fetch/planner.js';
import type { ApiSettings } from '../pipeline/source.js';
import type { Scope } from '../pipeline/scope.js';
import { DEFAULT_KEYWORDS_DIR } from '../classify/keywords.js';
import { COUNTRY_POLICIES, DEFAULT_POLICY, type CountryPolicy } from '../classify/countries.js';
import { DEFAULT_WORKS_LISTING, WORKS_LISTINGS, type WorksListing } from '../pipeline/chain.js';
import { CLASSIFY_ENGINES, type ClassifyEngine } from '../pipeline/engine.js';
import { DEFAULT_READ, READ_CHOICES, type ReadChoice } from '../pipeline/reader.js';
import { REPORT_BOUNDS, REPORT_DEFAULTS } from '../report/options.js';
import { FORMATS, METRICS, THEMES, type Format, type Metric, type Theme } from '../report/types.js';

/** CSET's Figure 2 window; analysts pass their own. */
export const DEFAULT_FROM = 2010;
export const DEFAULT_TO = 2021;
export const DEFAULT_COUNTRIES = 'US,CN';
export const DEFAULT_DB = 'data/medai.duckdb';
/** The TypeScript classifier, the reference the SQL twin is tested against. */
export const DEFAULT_ENGINE: ClassifyEngine = 'ts';
export const DEFAULT_OUT = 'reports';
/**
 * A run flags a complete year's count that moved by more than this percentage since the last
 * published run: above the week-to-week drift of OpenAlex's reindexing, below a real revision.
 */
export const DEFAULT_CHANGE_THRESHOLD_PERCENT = 5;

export class Problems {
  readonly list: string[] = [];
  /**
   * `labels`: flags whose value came from the config file, and how to name them there (`--from` ->
   * `from (medai-trends.config.json)`), so the parsers' messages, written for flags, point at the
   * file where the value is.
   */
  constructor(private readonly labels: ReadonlyMap<string, string> = new Map()) {}
  add(message: string): void {
    this.list.push(this.labels.size === 0 ? message : message.replace(/--[a-z][a-z0-9-]*/g, (flag) => this.labels.get(flag) ?? flag));
  }
  throwIfAny(): void {
    if (this.list.length === 1) throw new UserError(this.list[0]!);
    if (this.list.length > 1) throw new UserError(`${this.list.length} problems with the options:\n${this.list.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function integer(p: Problems, name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  // Decimal digits only: Number() would also take 0x7E3, 2e3, 2019.0, +2019 and " 2019 ".
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    p.add(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return n;
}

function oneOf<T extends string>(p: Problems, name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  p.add(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return fallback;
}

/** The database a command opens: its file (checked by dbPath in flags.ts) and DuckDB's threads. */
export interface DbSettings {
  path: string;
  threads: number;
}

export function parseDb(p: Problems, o: { db: string; threads?: string }): DbSettings {
  // Every core by default: DuckDB's aggregations and the SQL classifier scale with them.
  return { path: o.db, threads: integer(p, '--threads', o.threads, availableParallelism(), 1, 1024) };
}

/**
 * `--wait <seconds>`: how long a command waits for another run holding the database or --out; 0
 * (the default) exits 6 at once. Capped at a week: a job still waiting after that is stuck, not queued.
 */
export const MAX_WAIT_SECONDS = 7 * 24 * 3600;

export function parseWait(p: Problems, raw: string | undefined): number {
  return integer(p, '--wait', raw, 0, 0, MAX_WAIT_SECONDS);
}

/** The flags a Scope is parsed from (commander's camel-cased names). */
export interface ScopeFlags {
  from?: string;
  to?: string;
  countries?: string;
  types?: string;
  mergeVersions?: boolean;
  countryPolicy?: string;
  keywords?: string;
}

/** The Scope of a command line, every problem added to `p`: the one place a Scope is validated. */
export function parseScope(p: Problems, o: ScopeFlags): Scope {
  const thisYear = new Date().getUTCFullYear();
  const from = integer(p, '--from', o.from, DEFAULT_FROM, 1900, thisYear + 1);
  const to = integer(p, '--to', o.to, DEFAULT_TO, 1900, thisYear + 1);
  if (from > to) p.add(`--from (${from}) is after --to (${to})`);
  return {
    from,
    to,
    countries: parseCountries(p, o.countries ?? DEFAULT_COUNTRIES),
    types: parseTypes(p, o.types),
    mergeVersions: o.mergeVersions === true,
    countryPolicy: parsePolicy(p, o.countryPolicy),
    keywordsDir: o.keywords ?? DEFAULT_KEYWORDS_DIR,
  };
}

/**
 * `--types article,review` into OpenAlex type names (lower-case words joined by hyphens, as
 * OpenAlex and the Crossref types of older records write them: book-chapter, posted-content).
 */
function parseTypes(p: Problems, list: string | undefined): string[] {
  if (list === undefined) return [];
  const types: string[] = [];
  for (const raw of list.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t === '') continue;
    if (!/^[a-z]+(?:-[a-z]+)*$/.test(t)) p.add(`--types takes OpenAlex type names such as article,review,preprint; "${raw.trim()}" is not one`);
    else if (!types.includes(t)) types.push(t);
  }
  if (types.length === 0) p.add('--types names no type');
  return types;
}

/** `--countries US,CN` into distinct upper-case codes, each problem added to `p`. */
export function parseCountries(p: Problems, list: string): string[] {
  const countries: string[] = [];
  const bad: string[] = [];
  for (const raw of list.split(',')) {
    const code = raw.trim().toUpperCase();
    if (code === '') continue;
    // ISO 3166-1 alpha-2, as OpenAlex writes them (authorships[].countries).
    if (!/^[A-Z]{2}$/.test(code)) bad.push(raw.trim());
    else if (!countries.includes(code)) countries.push(code);
  }
  // One line for the option, whatever is wrong with it.
  if (bad.length > 0) p.add(`--countries takes ISO alpha-2 codes such as US,CN; ${bad.map((b) => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is not one' : 'are not codes'}`);
  else if (countries.length === 0) p.add('--countries names no country');
  return countries;
}

export function parsePolicy(p: Problems, raw: string | undefined): CountryPolicy {
  return oneOf(p, '--country-policy', raw, COUNTRY_POLICIES, DEFAULT_POLICY);
}

/** An optional `--from`/`--to` of the reading commands (no default window); null when not given. */
export function parseYear(p: Problems, flag: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  if (/^\d{4}$/.test(value)) return Number(value);
  p.add(`${flag} must be a year, got "${value}"`);
  return null;
}

/** `--compare-keywords <dir>`: the folder of a second rule (loaded, and its files checked, where it is used). */
export function parseCompare(p: Problems, raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (raw.trim() === '') p.add('--compare-keywords needs a keyword folder such as data/keywords-strict');
  return raw;
}

export function parseEngine(p: Problems, raw: string | undefined): ClassifyEngine {
  return oneOf(p, '--engine', raw, CLASSIFY_ENGINES, DEFAULT_ENGINE);
}

export function parseRead(p: Problems, raw: string | undefined): ReadChoice {
  return oneOf(p, '--read', raw, READ_CHOICES, DEFAULT_READ);
}

export interface ReportFlags {
  out?: string;
  title?: string;
  width?: string;
  height?: string;
  theme?: string;
  metric?: string;
  format?: string;
  incompleteYears?: string;
  listWorks?: string;
  pdf?: boolean;
}

/** The report options, checked against the report stage's own bounds and with its defaults filled. */
export interface ParsedReportOptions {
  outDir: string;
  formats: Format[];
  title?: string;
  width: number;
  height: number;
  theme: Theme;
  metric: Metric;
  incompleteYears?: number;
  /** What works.csv and works.parquet list (--list-works). */
  listWorks: WorksListing;
  pdf: boolean;
}

export function parseReport(p: Problems, o: ReportFlags): ParsedReportOptions {
  const formats: Format[] = [];
  let named = 0;
  for (const raw of (o.format ?? REPORT_DEFAULTS.formats.join(',')).split(',')) {
    const f = raw.trim();
    if (f === '') continue;
    named++;
    if (!(FORMATS as readonly string[]).includes(f)) p.add(`--format takes ${FORMATS.join(',')}; "${f}" is not one`);
    else if (!formats.includes(f as Format)) formats.push(f as Format);
  }
  if (named === 0) p.add('--format names no format');
  const { width, height, incompleteYears } = REPORT_BOUNDS;
  const parsed: ParsedReportOptions = {
    outDir: o.out ?? DEFAULT_OUT,
    formats,
    width: integer(p, '--width', o.width, REPORT_DEFAULTS.width, width.min, width.max),
    height: integer(p, '--height', o.height, REPORT_DEFAULTS.height, height.min, height.max),
    theme: oneOf(p, '--theme', o.theme, THEMES, REPORT_DEFAULTS.theme),
    metric: oneOf(p, '--metric', o.metric, METRICS, REPORT_DEFAULTS.metric),
    listWorks: oneOf(p, '--list-works', o.listWorks, WORKS_LISTINGS, DEFAULT_WORKS_LISTING),
    pdf: o.pdf === true,
  };
  // The PDFs are printed from figure2.html and report.html, so those must be written.
  if (parsed.pdf && !formats.includes('html')) p.add(`--pdf prints the HTML pages, so --format must include html (got "${o.format}")`);
  if (o.title !== undefined) parsed.title = o.title;
  if (o.incompleteYears !== undefined) {
    parsed.incompleteYears = integer(p, '--incomplete-years', o.incompleteYears, 0, incompleteYears.min, incompleteYears.max);
  }
  return parsed;
}

/** The run history's flags (run, refresh; flags.ts historyOptions). */
export interface HistoryFlags {
  changeThreshold?: string;
  failOnChange?: boolean;
  json?: boolean;
}

export interface HistorySettings {
  /** Percent of the previous count (5 = 5%). */
  thresholdPercent: number;
  failOnChange: boolean;
  json: boolean;
}

export function parseHistory(p: Problems, o: HistoryFlags): HistorySettings {
  const raw = o.changeThreshold;
  // Decimal notation only, as --budget-usd: "2.5" is 2.5%, and a trailing "%" is refused rather than guessed at.
  const n = raw === undefined ? DEFAULT_CHANGE_THRESHOLD_PERCENT : /^(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n)) p.add(`--change-threshold must be a percentage such as 5 or 2.5 (no % sign), got "${raw}"`);
  return { thresholdPercent: Number.isFinite(n) ? n : DEFAULT_CHANGE_THRESHOLD_PERCENT, failOnChange: o.failOnChange === true, json: o.json === true };
}

export interface FetchFlags {
  budgetUsd?: string;
  maxRps?: string;
  concurrency?: string;
  refresh?: boolean;
  prefilter?: string;
  yes?: boolean;
  perPage?: string;
}

/** The fetch settings a command line gives; the key and base URL come from the environment. */
export type ParsedFetchOptions = Omit<ApiSettings, 'baseUrl' | 'apiKey'>;

/** The fetch settings when a flag is not given; --help shows these (flags.ts), parseFetch applies them. */
export const FETCH_DEFAULTS = {
  // A free key's daily allowance.
  budgetUsd: 1,
  // OpenAlex allows more, but ten per second leaves room for other clients on the same key.
  maxRps: 10,
  // Slices fetched at once; each is one sequential cursor.
  concurrency: 6,
  prefilter: 'keywords',
  // OpenAlex's maximum: cost is per call, so full pages buy the most works per dollar.
  perPage: LIMITS.maxPerPage,
} as const;

/** reconcile's default cap: its few counting calls (one per country and keyword chunk) cost cents at most. */
export const RECONCILE_BUDGET_USD = 0.1;

export function parseFetch(p: Problems, o: FetchFlags): ParsedFetchOptions {
  const d = FETCH_DEFAULTS;
  // Decimal notation only, as for the whole numbers: Number() would take 0x10 as 16 dollars.
  const budget = o.budgetUsd === undefined ? d.budgetUsd : /^(\d+\.?\d*|\.\d+)$/.test(o.budgetUsd) ? Number(o.budgetUsd) : NaN;
  if (!Number.isFinite(budget) || budget <= 0) p.add(`--budget-usd must be a positive amount, got "${o.budgetUsd}"`);
  return {
    budgetUsd: Number.isFinite(budget) && budget > 0 ? budget : d.budgetUsd,
    maxRps: integer(p, '--max-rps', o.maxRps, d.maxRps, 1, 100),
    concurrency: integer(p, '--concurrency', o.concurrency, d.concurrency, 1, 32),
    refresh: o.refresh === true,
    prefilter: oneOf(p, '--prefilter', o.prefilter, ['keywords', 'none'] as const, d.prefilter),
    yes: o.yes === true,
    perPage: integer(p, '--per-page', o.perPage, d.perPage, 1, 100),
  };
}
