/**
 * Baselines: per year, all works of each country (and the world), those with an AI keyword, with a
 * medical keyword, and the medical-AI papers, so a reader can tell "medical AI is growing" from
 * "everything is growing" (baselines.csv, --metric per-1000). A snapshot's come from the local data
 * (queries/baselines_local.sql); an API fetch holds only prefiltered works, so its come from
 * OpenAlex's counts (src/fetch/baselines.ts), fetched by `fetch --baselines` and stored in meta.
 */
import type { KeywordRules } from '../classify/keywords.js';
import { searchTerms } from '../classify/keywords.js';
import { fetchCountries, type CountryPolicy } from '../classify/countries.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { fetchApiBaselines, type ApiBaselineRow, type ApiBaselines } from '../fetch/baselines.js';
import { redactUrl } from '../fetch/safe-url.js';
import type { CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';
import { readChain, type ScopeChain } from './chain.js';
import type { Coverage } from './coverage.js';
import type { Scope } from './scope.js';

/** Where a row's figures come from: baselines.csv's `source` column and the report's method say it. */
export const BASELINE_SOURCES = {
  /** Every figure from the snapshot read, by the local keyword rule. */
  snapshot: 'snapshot',
  /** WORLD in API mode: all works from OpenAlex's counts, ai, medical and medical_ai from OpenAlex's own (stemmed) search. */
  openalexSearch: 'openalex-search',
  /** A country in API mode: all_works, ai and medical from OpenAlex (search), medical_ai by the local rule over the fetched works. */
  openalexSearchLocalRule: 'openalex-search+local-rule',
} as const;

/** One row of baselines.csv: the figures of a year x country (or WORLD) and where they come from (BASELINE_SOURCES). */
export interface BaselineRow extends ApiBaselineRow {
  source: string;
}

/** The API baselines as stored (meta key `baselines`): the figures and calls, for which scope and when. */
export interface ApiBaselinesRecord extends ApiBaselines {
  kind: 'api';
  from: number;
  to: number;
  countries: string[];
  countryPolicy: CountryPolicy;
  types: string[];
  fetchedAt: string;
  baseUrl: string;
}

const META_KEY = 'baselines';

export interface ApiBaselineSettings {
  baseUrl: string;
  apiKey: string;
  budgetUsd: number;
  maxRps: number;
}

/** `fetch --baselines` in API mode: asks OpenAlex and stores the figures with their queries and date. */
export async function fetchBaselines(store: Store, scope: Scope, rules: KeywordRules, api: ApiBaselineSettings, effects: Effects = quietEffects): Promise<ApiBaselinesRecord> {
  const got = await fetchApiBaselines(
    {
      baseUrl: api.baseUrl,
      apiKey: api.apiKey,
      from: scope.from,
      to: scope.to,
      countries: scope.countries.map((c) => ({ country: c, codes: fetchCountries([c], scope.countryPolicy) })),
      terms: searchTerms(rules),
      types: scope.types,
      budgetUsd: api.budgetUsd,
      maxRps: api.maxRps,
    },
    effects,
  );
  const record: ApiBaselinesRecord = {
    kind: 'api',
    from: scope.from,
    to: scope.to,
    countries: [...scope.countries],
    countryPolicy: scope.countryPolicy,
    types: [...scope.types].sort(),
    fetchedAt: effects.now().toISOString(),
    baseUrl: redactUrl(api.baseUrl),
    ...got,
  };
  await store.setMeta(META_KEY, record);
  effects.log(`baselines: ${got.requests} counting calls (${got.mode}${got.fallbackReason ? `: ${got.fallbackReason}` : ''}), US$${got.usdSpent.toFixed(4)}`);
  return record;
}

export type Baselines =
  | { rows: BaselineRow[]; note: string; record?: ApiBaselinesRecord }
  | { missing: string };

/** baselines.csv's order: by year, WORLD first, then the countries in --countries order (as counts.csv). */
function inCsvOrder(rows: BaselineRow[], scope: Scope): BaselineRow[] {
  const order = ['WORLD', ...scope.countries];
  return [...rows].sort((a, b) => a.year - b.year || order.indexOf(a.country) - order.indexOf(b.country));
}

/** The fetch that gets the API baselines for `scope`. */
export function baselinesCommand(db: string, scope: Scope): string {
  return [
    'medai-trends fetch --baselines',
    `--from ${scope.from} --to ${scope.to} --countries ${scope.countries.join(',')}`,
    ...(scope.types.length > 0 ? [`--types ${scope.types.join(',')}`] : []),
    ...(scope.countryPolicy !== 'separate' ? [`--country-policy ${scope.countryPolicy}`] : []),
    `--db ${db}`,
  ].join(' ');
}

/** Why the stored API baselines cannot serve `scope` (none stored, or for another scope), or null when they can. */
export async function apiBaselinesGap(store: Store, scope: Scope): Promise<string | null> {
  const record = await store.getMeta<ApiBaselinesRecord>(META_KEY);
  return record === null ? 'none are stored' : recordGap(record, scope);
}

/** Why a stored record does not serve `scope`, or null when it does. */
function recordGap(r: ApiBaselinesRecord, scope: Scope): string | null {
  const missing = scope.countries.filter((c) => !r.countries.includes(c));
  if (scope.from < r.from || scope.to > r.to) return `they cover ${r.from}-${r.to}, not ${scope.from}-${scope.to}`;
  if (missing.length > 0) return `they do not cover ${missing.join(', ')}`;
  if ([...scope.types].sort().join(',') !== r.types.join(',')) return `they were counted for types ${r.types.join(',') || '(every type)'}`;
  if (r.countryPolicy !== scope.countryPolicy) return `they were counted under --country-policy ${r.countryPolicy}`;
  return null;
}

/**
 * The baselines of `scope`: from the local data for a snapshot; from the stored API figures for an
 * API fetch, with each country's medical_ai from the local rule (`counts`); or why there are none.
 */
export async function baselinesOf(store: Store, chain: ScopeChain, coverage: Coverage | null, counts: readonly CountRow[]): Promise<Baselines> {
  const scope = chain.scope;
  if (coverage === null || coverage.kind === 'snapshot') {
    const rows = await readChain<Omit<BaselineRow, 'source'>>(chain, 'baselines_local');
    return {
      rows: inCsvOrder(rows.map((r) => ({ ...r, source: BASELINE_SOURCES.snapshot })), scope),
      note: 'Baselines (baselines.csv) come from the snapshot read: every work of the window and types, its AI and medical keywords by the same rule as the counts; WORLD is every work read.',
    };
  }
  const record = await store.getMeta<ApiBaselinesRecord>(META_KEY);
  const command = baselinesCommand(store.path, scope);
  if (record === null) return { missing: `baselines were not fetched: an API fetch holds only the prefiltered works, so all works per country must come from OpenAlex; run \`${command}\`` };
  const gap = recordGap(record, scope);
  if (gap !== null) return { missing: `the stored baselines do not fit this report (${gap}); run \`${command}\`` };
  const local = new Map(counts.map((c) => [`${c.year}|${c.country}`, c.papers]));
  const wanted = new Set(['WORLD', ...scope.countries]);
  const rows = record.rows
    .filter((r) => r.year >= scope.from && r.year <= scope.to && wanted.has(r.country))
    .map((r): BaselineRow =>
      r.country === 'WORLD'
        ? { ...r, source: BASELINE_SOURCES.openalexSearch }
        : { ...r, medical_ai: local.get(`${r.year}|${r.country}`) ?? 0, source: BASELINE_SOURCES.openalexSearchLocalRule },
    );
  return {
    rows: inCsvOrder(rows, scope),
    record,
    note:
      `Baselines (baselines.csv) come from OpenAlex's counts (group_by=publication_year, ${record.mode === 'two-level' ? 'two-level by country' : 'one call per country'}), fetched ${record.fetchedAt.slice(0, 10)}: ` +
      "all works, and AI and medical works by OpenAlex's own stemmed search for the keyword lists (source openalex-search); " +
      "a country's medical_ai is the local rule's count over the fetched works (source openalex-search+local-rule)" +
      (rows.some((r) => r.country === 'WORLD' && r.medical_ai === null) ? "; the world's medical_ai is empty: the prefilter query does not fit one OpenAlex query." : '.'),
  };
}
