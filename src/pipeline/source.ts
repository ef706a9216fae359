/**
 * The fetch stage: fills the store from snapshot files or from the OpenAlex API.
 */
import { rm } from 'node:fs/promises';
import { LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { dirname, join } from 'node:path';
import { searchTerms, type KeywordRules } from '../classify/keywords.js';
import { fetchCountries } from '../classify/countries.js';
import { ExitCode, UserError } from '../errors.js';
import { fetchWorks, type FetchOptions, type FetchSummary } from '../fetch/fetcher.js';
import { planSlices } from '../fetch/planner.js';
import { parseBaseUrl, redactUrl } from '../fetch/safe-url.js';
import type { Store } from '../store/store.js';
import type { Scope } from './scope.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { beginLoad, finishLoad } from './completeness.js';
import { apiCoverage, apiFetchCommand, beginCoverage, finishCoverage } from './coverage.js';
import { checkMissingParts, ingestSnapshot, listSnapshot, type IngestSummary } from './ingest.js';
import { chooseReader, type ReadChoice } from './reader.js';
import { DEFAULT_KEYWORDS_DIR, loadKeywordRules } from '../classify/keywords.js';
import { DEFAULT_POLICY, type CountryPolicy } from '../classify/countries.js';
import type { ApiSource, Source } from './provenance.js';

const DEFAULT_BASE_URL = 'https://api.openalex.org';

/** The API's address: OPENALEX_BASE_URL (checked: no credentials in it) or OpenAlex's own. */
export function apiBaseUrl(fromEnv: string | undefined): string {
  return fromEnv === undefined || fromEnv === '' ? DEFAULT_BASE_URL : parseBaseUrl(fromEnv);
}

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

/** How a snapshot is read: the reader (--read) and, for the duckdb reader, which classifies as it reads, the rule and policy. */
export interface SnapshotReadSettings {
  read: ReadChoice;
  keywordsDir: string;
  policy: CountryPolicy;
}

export async function loadFromSnapshot(
  store: Store,
  specs: readonly string[],
  effects: Effects = quietEffects,
  how: SnapshotReadSettings = { read: 'node', keywordsDir: DEFAULT_KEYWORDS_DIR, policy: DEFAULT_POLICY },
): Promise<IngestSummary> {
  // Listed, not hashed: the duckdb reader hashes each part as it reads it, the node reader all of them as it begins.
  const found = await listSnapshot(specs);
  await checkMissingParts(found, specs, false, effects);
  const { read, why } = chooseReader(how.read, found.files);
  effects.log(`snapshot reader: ${read} (${why})`);
  const summary =
    read === 'duckdb'
      ? await (await import('./ingest-duckdb.js')).ingestSnapshotDuckdb(store, specs, await loadKeywordRules(how.keywordsDir), how.policy, effects, { found })
      : await ingestSnapshot(store, specs, effects, { found });
  effects.log(`read ${summary.recordsRead} records from ${summary.files.length} file(s)`);
  return summary;
}

/** Where a store's raw pages sit: beside the database file (data/raw/ for the default data/medai.duckdb). */
export function rawPagesDir(store: Store): string {
  return store.path === ':memory:' ? join('data', 'raw') : join(dirname(store.path), 'raw');
}

/** The fetch of a Scope's slices with the API settings: what `fetch` and `refresh` plan and walk. */
export function apiFetchOptions(store: Store, scope: Scope, rules: KeywordRules, api: ApiSettings): FetchOptions {
  return {
    baseUrl: api.baseUrl,
    apiKey: api.apiKey,
    from: scope.from,
    to: scope.to,
    countries: fetchCountries(scope.countries, scope.countryPolicy),
    prefilter: api.prefilter === 'none' ? null : searchTerms(rules),
    types: scope.types,
    dataDir: rawPagesDir(store),
    budgetUsd: api.budgetUsd,
    maxRps: api.maxRps,
    concurrency: api.concurrency,
    // A --refresh empties the store and the raw pages below, so from there it is an ordinary
    // fetch, and a refresh that is stopped resumes like any other run.
    refresh: false,
    yes: api.yes,
    perPage: api.perPage,
  };
}

export async function loadFromApi(
  store: Store,
  scope: Scope,
  rules: KeywordRules,
  api: ApiSettings,
  effects: Effects = quietEffects,
): Promise<FetchSummary> {
  if (api.apiKey === '') throw new UserError(NO_KEY_MESSAGE, ExitCode.usage);
  const previous = await store.getMeta<Source>('source');
  const options = apiFetchOptions(store, scope, rules, api);
  const dataDir = options.dataDir;
  const command = apiFetchCommand(store.path, scope, rules, api);
  const plan = planSlices(options);
  // The data set is marked incomplete in the transaction that empties it (if anything does).
  await store.transaction(async () => {
    // One store holds one data set: API works are not mixed into a loaded snapshot.
    if (previous?.kind === 'snapshot') {
      effects.log('the database held snapshot data; clearing it for the API fetch');
      await store.clear();
    }
    if (api.refresh) await beginRefresh(store, dataDir, effects);
    // Until the fetch finishes, the source says what is being fetched and nothing about its cost.
    await store.setMeta('source', { kind: 'api', baseUrl: redactUrl(api.baseUrl), queries: plan.slices.map((s) => s.query), fetchedAt: effects.now().toISOString() } satisfies ApiSource);
    await beginLoad(store, { kind: 'api', command, slices: plan.slices.map((s) => s.id) });
    // Added to what earlier fetches covered: the store keeps their works too.
    await beginCoverage(store, command, apiCoverage(scope, rules, api));
  });
  const summary = await fetchWorks(store, options, effects);
  const source: ApiSource = {
    kind: 'api',
    baseUrl: redactUrl(api.baseUrl),
    queries: summary.queries,
    fetchedAt: effects.now().toISOString(),
    usdSpent: summary.usdSpent,
  };
  await store.setMeta('source', source);
  await finishRefresh(store, scope, effects);
  await store.transaction(async () => {
    await finishLoad(store, command);
    await finishCoverage(store, command);
  });
  return summary;
}

/**
 * `--refresh` fetches a new copy of the data set: the store and the kept raw pages are emptied,
 * and the ids held before are kept aside, so that once the new copy is complete the works OpenAlex
 * no longer returns (deleted or merged away) are counted and reported rather than silently kept.
 */
async function beginRefresh(store: Store, dataDir: string, effects: Effects): Promise<void> {
  await store.transaction(() => keepPreviousWorks(store));
  await store.clear();
  await rm(dataDir, { recursive: true, force: true });
  effects.log('refresh: fetching a new copy; a stopped refresh resumes when run again without --refresh');
}

async function finishRefresh(store: Store, window: Scope, effects: Effects): Promise<void> {
  if (!(await store.tableExists('previous_works'))) return;
  const retired = await store.transaction(() => retireVanished(store, window, null));
  if (retired > 0) effects.log(`refresh: ${retired} works held before are no longer returned by OpenAlex (deleted or merged); see rejects.jsonl`);
}

/**
 * Keeps aside the works held now, with the year, type and countries that make them members of
 * slices, before a refresh walks slices again. Call in a transaction. An earlier refresh that was
 * stopped keeps its list: it holds the copy before that refresh.
 */
export async function keepPreviousWorks(store: Store): Promise<void> {
  if (await store.tableExists('previous_works')) return;
  await store.run('schema/previous_works');
  await store.insertFrom('previous_works', 'work_cells', { ids: null }, { ids: LIST(VARCHAR) });
}

/**
 * Once the walks of a refresh are complete: the works held before in the slices walked again
 * (`cells`, 'year country' keys; null: every slice of the window, a whole `--refresh`) that the store
 * no longer holds are set aside as retired, and the list kept aside is dropped. Call in a
 * transaction. Returns how many were retired.
 */
export async function retireVanished(store: Store, window: Pick<Scope, 'from' | 'to'>, cells: readonly string[] | null): Promise<number> {
  const [before] = await store.query<{ n: number }>('count_retired');
  await store.run('retire_vanished_works', { from_year: window.from, to_year: window.to, cells: cells === null ? null : listValue([...cells]) }, { cells: LIST(VARCHAR) });
  await store.run('drop_previous_works');
  const [after] = await store.query<{ n: number }>('count_retired');
  return (after?.n ?? 0) - (before?.n ?? 0);
}
