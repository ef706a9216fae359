/**
 * The fetch stage: fills the store from snapshot files or from the OpenAlex API.
 */
import { dirname, join } from 'node:path';
import { searchTerms, type KeywordRules } from '../classify/keywords.js';
import type { CountryPolicy } from '../classify/countries.js';
import { ExitCode, UserError } from '../errors.js';
import type { FetchSummary } from '../fetch/fetcher.js';
import type { Store } from '../store/store.js';
import type { Window } from './aggregate.js';
import { quietEffects, type Effects } from './effects.js';
import { ingestSnapshot } from './ingest.js';
import type { ApiSource, Source } from './outputs.js';

export const DEFAULT_BASE_URL = 'https://api.openalex.org';

export const NO_KEY_MESSAGE = [
  'No OpenAlex API key: set OPENALEX_API_KEY, or read local files with --snapshot <dir-or-glob>.',
  'A free key (US$1 of usage a day) comes with an account at https://openalex.org (Settings > API key).',
  'Snapshot files: https://docs.openalex.org/download-all-data/openalex-snapshot (works/*/part_*.gz).',
].join('\n');

export interface ApiSettings {
  baseUrl: string;
  apiKey: string;
  budgetUsd: number;
  maxRps: number;
  concurrency: number;
  refresh: boolean;
  prefilter: 'keywords' | 'none';
  yes: boolean;
  perPage: number;
}

/**
 * Codes to ask the API for. Under `fold-hk-mo`, China's count includes Hong Kong and Macao, so
 * their works must be fetched too; what is counted is still decided by the country rule.
 */
export function fetchCountries(countries: readonly string[], policy: CountryPolicy): string[] {
  const out = new Set(countries);
  if (policy === 'fold-hk-mo' && out.has('CN')) {
    out.add('HK');
    out.add('MO');
  }
  return [...out].sort();
}

export async function loadFromSnapshot(store: Store, specs: readonly string[], effects: Effects = quietEffects): Promise<void> {
  const summary = await ingestSnapshot(store, specs, effects);
  effects.log(`read ${summary.recordsRead} records from ${summary.files.length} file(s)`);
}

export async function loadFromApi(
  store: Store,
  window: Window,
  policy: CountryPolicy,
  rules: KeywordRules,
  api: ApiSettings,
  effects: Effects = quietEffects,
): Promise<FetchSummary> {
  if (api.apiKey === '') throw new UserError(NO_KEY_MESSAGE, ExitCode.usage);
  const previous = await store.getMeta<Source>('source');
  // One store holds one data set: API works are not mixed into a loaded snapshot.
  if (previous?.kind === 'snapshot') {
    effects.log('the database held snapshot data; clearing it for the API fetch');
    await store.clear();
  }
  // Loaded on demand: snapshot runs never need the HTTP stack.
  const { fetchWorks } = await import('../fetch/fetcher.js');
  const summary = await fetchWorks(
    store,
    {
      baseUrl: api.baseUrl,
      apiKey: api.apiKey,
      from: window.from,
      to: window.to,
      countries: fetchCountries(window.countries, policy),
      prefilter: api.prefilter === 'none' ? null : searchTerms(rules),
      dataDir: join(dirname(store.path === ':memory:' ? 'data/x' : store.path), 'raw'),
      budgetUsd: api.budgetUsd,
      maxRps: api.maxRps,
      concurrency: api.concurrency,
      refresh: api.refresh,
      yes: api.yes,
      perPage: api.perPage,
    },
  );
  const source: ApiSource = {
    kind: 'api',
    baseUrl: api.baseUrl,
    queries: summary.queries,
    fetchedAt: effects.now().toISOString(),
    usdSpent: summary.usdSpent,
  };
  await store.setMeta('source', source);
  return summary;
}
