/**
 * `refresh` from the API against the local OpenAlex, whose data moves between two refreshes: works
 * updated into another year or country, one updated in place, one new, two deleted. The refresh
 * recounts every slice with list-priced group_by calls and walks only what changed: the works
 * updated since (from_updated_date) or, when the key may not use it, the slices whose counts moved.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import { quietEffects, type Effects } from '../../src/effects/effects.js';
import { ExitCode, UserError } from '../../src/errors.js';
import { pagesFor } from '../../src/fetch/planner.js';
import { refreshFromApi } from '../../src/pipeline/refresh-api.js';
import type { DataRefresh } from '../../src/pipeline/refresh-types.js';
import { loadFromApi, type ApiSettings } from '../../src/pipeline/source.js';
import { Store } from '../../src/store/store.js';
import { readCorpus, type CorpusWork } from '../fetch/helpers.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { scopeOf } from '../support/scope.js';

const COUNTRIES = ['CN', 'GB', 'US'];
const scope = scopeOf({ from: 2018, to: 2021, countries: COUNTRIES });
const PER_PAGE = 5;
const LIST_USD = 0.0001;
const UPDATED = '2026-06-03T10:00:00.000000';

let rules: KeywordRules;
const servers: OpenAlexServer[] = [];
beforeAll(async () => {
  rules = await loadKeywordRules();
});
afterAll(async () => Promise.all(servers.map((s) => s.close())));

function apiOf(server: OpenAlexServer, over: Partial<ApiSettings> = {}): ApiSettings {
  return { baseUrl: server.url, apiKey: 'k', budgetUsd: 1, maxRps: 500, concurrency: 4, refresh: false, prefilter: 'none', yes: false, perPage: PER_PAGE, ...over };
}

/** Quiet effects whose dates are a test's: the refreshes happen on given days. */
function on(day: string): Effects {
  return { ...quietEffects, now: () => new Date(`${day}T12:00:00Z`) };
}

async function withStore<T>(db: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(db);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

async function refresh(db: string, server: OpenAlexServer, day: string, over: Partial<ApiSettings> = {}): Promise<DataRefresh> {
  return withStore(db, (store) => refreshFromApi(store, scope, rules, apiOf(server, over), on(day)));
}

async function stored(db: string): Promise<Map<string, { year: number; updated: string | null; countries: string[] }>> {
  return withStore(db, async (store) => {
    const out = new Map<string, { year: number; updated: string | null; countries: string[] }>();
    for await (const w of store.iterateWorks()) out.set(w.id, { year: w.year, updated: w.updatedDate, countries: [...new Set(w.authorships.flatMap((a) => [...(a.countries ?? []), ...a.institutionCountries.filter((c): c is string => c !== null)]))].sort() });
    return out;
  });
}

async function retiredIds(db: string): Promise<string[]> {
  return withStore(db, async (store) => (await store.query<{ work_id: string }>('rejects_all')).filter((r) => (r as { kind?: string }).kind === 'retired').map((r) => r.work_id).sort());
}

const inScope = (w: CorpusWork): boolean => w.year !== null && w.year >= scope.from && w.year <= scope.to && COUNTRIES.some((c) => w.countries.has(c));
/** A work whose only country is `country`, of `year`: its changes move exactly the slices named. */
const only = (year: number, country: string, skip: readonly string[] = []): CorpusWork =>
  readCorpus().find((w) => w.year === year && w.countries.size === 1 && w.countries.has(country) && !skip.includes(w.id))!;

/**
 * The change between the two refreshes, built from the real records: W_year goes from 2020 to 2021
 * (US), W_country from US to CN (2019), W_title is updated in place (2021 CN), W9999999999 is new
 * (2021 CN), and two 2020 CN works are deleted.
 */
function changedWorld(): { records: unknown[]; year: string; country: string; title: string; added: string; deleted: string[] } {
  const year = only(2020, 'US');
  const country = only(2019, 'US');
  const title = only(2021, 'CN');
  const template = only(2021, 'CN', [title.id]);
  const gone1 = only(2020, 'CN');
  const gone2 = only(2020, 'CN', [gone1.id]);
  const deleted = [gone1.id, gone2.id];
  const records: unknown[] = [];
  for (const w of readCorpus()) {
    if (deleted.includes(w.id)) continue;
    let raw = w.raw;
    if (w.id === year.id) raw = { ...raw, publication_year: 2021, publication_date: '2021-03-01', updated_date: UPDATED };
    if (w.id === country.id) raw = { ...(JSON.parse(JSON.stringify(raw).replaceAll('"US"', '"CN"')) as Record<string, unknown>), updated_date: UPDATED };
    if (w.id === title.id) raw = { ...raw, title: `${String(raw.title)} (corrected)`, updated_date: UPDATED };
    records.push(raw);
  }
  records.push({ ...template.raw, id: 'https://openalex.org/W9999999999', updated_date: UPDATED });
  return { records, year: year.id, country: country.id, title: title.id, added: 'W9999999999', deleted };
}

/** Works of a slice in a set of records, as the local server's filter matches them. */
function countIn(records: readonly unknown[], year: number, country: string): number {
  return records.filter((r) => {
    const raw = r as Record<string, unknown>;
    if (raw.publication_year !== year) return false;
    const text = JSON.stringify(raw.authorships);
    return text.includes(`"${country}"`);
  }).length;
}

/** The list pages served since `from` in the server's log: the slices walked, as `year country` (+ ` since` for an updates walk). */
function pagesServed(server: OpenAlexServer, from: number): string[] {
  return server.stats.pageLog.slice(from).map((p) => {
    const filter = /^filter=([^|]*)/.exec(p.key)![1]!;
    const year = /publication_year:(\d{4})/.exec(filter)![1];
    const country = /authorships\.countries:([A-Z]{2})/.exec(filter)![1];
    return `${year} ${country}${filter.includes('from_updated_date:') ? ' since' : ''}`;
  });
}

function tally(list: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of list) out[k] = (out[k] ?? 0) + 1;
  return out;
}

describe('refreshFromApi', () => {
  it('fetches an empty store whole, then walks only what OpenAlex changed, then costs only the counts when nothing did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-refresh-api-'));
    const db = join(dir, 'db.duckdb');
    const server = await startOpenAlexServer({ apiKey: 'k' });
    servers.push(server);

    // 1. An empty store: a normal full fetch, the same works a `fetch` stores.
    const first = await refresh(db, server, '2026-06-01');
    expect(first.changed).toBe(true);
    const fetchDb = join(dir, 'fetch.duckdb');
    await withStore(fetchDb, (store) => loadFromApi(store, scope, rules, apiOf(server), on('2026-06-01')));
    const before = await stored(db);
    expect([...before.keys()].sort()).toEqual([...(await stored(fetchDb)).keys()].sort());
    expect([...before.keys()].sort()).toEqual(readCorpus().filter(inScope).map((w) => w.id).sort());

    // 2. OpenAlex moves.
    const world = changedWorld();
    server.setWorks(world.records);
    const old = readCorpus().map((w) => w.raw);
    // The walks below are cheaper than whole slices only for slices of more than one page.
    for (const [y, c] of [[2021, 'US'], [2019, 'CN'], [2021, 'CN'], [2020, 'CN']] as const) expect(countIn(world.records, y, c)).toBeGreaterThanOrEqual(PER_PAGE);
    const usdBefore = server.stats.usdSpent;
    const pagesBefore = server.stats.pageLog.length;
    const second = await refresh(db, server, '2026-06-08');
    expect(second.changed).toBe(true);

    const after = await stored(db);
    const expectedIds = [...before.keys()].filter((id) => !world.deleted.includes(id)).concat(world.added).sort();
    expect([...after.keys()].sort()).toEqual(expectedIds);
    expect(after.get(world.year)).toMatchObject({ year: 2021, updated: UPDATED });
    expect(after.get(world.country)!.countries).toEqual(['CN']);
    expect(after.get(world.title)!.updated).toBe(UPDATED);
    expect(await retiredIds(db)).toEqual([...world.deleted].sort());

    // What was walked: the updates of the three slices works were updated into (one page each),
    // and 2020 CN whole, whose count fell by two with no update to explain it (deleted works are
    // never listed as updated). 2020 US and 2019 US lost a work each, explained by its update out.
    const served = tally(pagesServed(server, pagesBefore));
    const n2020CN = countIn(world.records, 2020, 'CN');
    expect(served).toEqual({ '2021 US since': 1, '2019 CN since': 1, '2021 CN since': 1, '2020 CN': pagesFor(n2020CN, PER_PAGE) });
    // Cost: 3 recounts + 3 counts of updates (one group_by per country) + the pages walked.
    const pages = 3 + pagesFor(n2020CN, PER_PAGE);
    expect(server.stats.usdSpent - usdBefore).toBeCloseTo((6 + pages) * LIST_USD, 10);
    expect(second.usdSpent).toBeCloseTo((6 + pages) * LIST_USD, 10);
    expect(second.detail.slicesWalkedWhole).toHaveLength(1);
    expect(second.dataDate).toBe('2026-06-03');
    // The counts of the old world moved where the fixture says.
    expect(countIn(world.records, 2020, 'US')).toBe(countIn(old, 2020, 'US') - 1);

    // 3. Nothing changed since: only the count calls, no page.
    const usd2 = server.stats.usdSpent;
    const pages2 = server.stats.pageLog.length;
    const third = await refresh(db, server, '2026-06-15');
    expect(third.changed).toBe(false);
    expect(server.stats.pageLog.length).toBe(pages2);
    expect(server.stats.usdSpent - usd2).toBeCloseTo(6 * LIST_USD, 10);
    expect(third.usdSpent).toBeCloseTo(6 * LIST_USD, 10);
    expect(third.steps.join('\n')).toMatch(/recounted 12 slices with 3 group_by calls: 0 moved/);
    expect([...(await stored(db)).keys()].sort()).toEqual(expectedIds);
  });

  it('without from_updated_date (refused like a key not allowed it, once, for free) walks whole only the slices whose counts moved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-refresh-api-'));
    const db = join(dir, 'db.duckdb');
    const server = await startOpenAlexServer({ apiKey: 'k', refuseUpdatedDateFilter: true });
    servers.push(server);
    await refresh(db, server, '2026-06-01');
    const before = await stored(db);
    const world = changedWorld();
    server.setWorks(world.records);
    const usdBefore = server.stats.usdSpent;
    const pagesBefore = server.stats.pageLog.length;
    const second = await refresh(db, server, '2026-06-08');

    expect(server.stats.outcomes['403-protected']).toBe(1);
    expect(second.detail.fromUpdatedDate).toMatch(/^refused by OpenAlex \(Forbidden: You must include a valid API key to use "from_updated_date:2026-06-01" with filter\)/);
    // The slices whose counts moved, and no other: 2020 US -1, 2021 US +1, 2019 US -1, 2019 CN +1, 2021 CN +1, 2020 CN -2.
    const old = readCorpus().map((w) => w.raw);
    const moved = ['2020 US', '2021 US', '2019 US', '2019 CN', '2021 CN', '2020 CN'];
    for (const slice of moved) {
      const [y, c] = slice.split(' ') as [string, string];
      expect(countIn(world.records, Number(y), c), slice).not.toBe(countIn(old, Number(y), c));
    }
    const expectedPages = Object.fromEntries(moved.map((s) => [s, pagesFor(countIn(world.records, Number(s.slice(0, 4)), s.slice(5)), PER_PAGE)]));
    expect(tally(pagesServed(server, pagesBefore))).toEqual(expectedPages);
    const pages = Object.values(expectedPages).reduce((a, b) => a + b, 0);
    expect(server.stats.usdSpent - usdBefore).toBeCloseTo((3 + pages) * LIST_USD, 10);

    const after = await stored(db);
    expect([...after.keys()].sort()).toEqual([...before.keys()].filter((id) => !world.deleted.includes(id)).concat(world.added).sort());
    expect(after.get(world.year)!.year).toBe(2021);
    expect(after.get(world.country)!.countries).toEqual(['CN']);
    expect(await retiredIds(db)).toEqual([...world.deleted].sort());

    // Nothing moved since: the counts only (the 403 is not billed).
    const usd2 = server.stats.usdSpent;
    const third = await refresh(db, server, '2026-06-15');
    expect(third.changed).toBe(false);
    expect(server.stats.usdSpent - usd2).toBeCloseTo(3 * LIST_USD, 10);
  });

  it('stops at a spent budget with exit 4 and its checkpoints saved; the rerun resumes without counting or buying a page twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-refresh-api-'));
    const db = join(dir, 'db.duckdb');
    const server = await startOpenAlexServer({ apiKey: 'k' });
    servers.push(server);
    await refresh(db, server, '2026-06-01');
    const world = changedWorld();
    server.setWorks(world.records);
    // Room for the 6 count calls and two pages: OpenAlex's own daily budget runs out mid-walk.
    server.setBudget(8 * LIST_USD);
    const refreshStart = server.stats.pageLog.length;
    const err = await refresh(db, server, '2026-06-08').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.budgetExhausted);
    expect((err as Error).message).toMatch(/OpenAlex budget exhausted/);
    const requestsBefore = server.stats.requests;
    const pagesBefore = server.stats.pageLog.length;
    server.setBudget(undefined);
    const resumed = await refresh(db, server, '2026-06-08');
    expect(resumed.changed).toBe(true);
    expect(resumed.steps[0]).toMatch(/^resumed the refresh counted at 2026-06-08/);
    // No page of the refresh bought twice (the full fetch before served some of the same first pages).
    const keys = server.stats.pageLog.slice(refreshStart).map((p) => p.key);
    expect(keys.length).toBeGreaterThan(2);
    expect(new Set(keys).size).toBe(keys.length);
    // No group_by call on the rerun: its requests are all pages.
    expect(server.stats.requests - requestsBefore).toBe(server.stats.pageLog.length - pagesBefore);
    expect(pagesServed(server, pagesBefore).length).toBeGreaterThan(0);
    const after = await stored(db);
    expect(after.has(world.added)).toBe(true);
    expect(world.deleted.filter((id) => after.has(id))).toEqual([]);
    expect(await retiredIds(db)).toEqual([...world.deleted].sort());
  });
});
