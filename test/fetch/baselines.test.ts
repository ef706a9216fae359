/**
 * API baselines against the local OpenAlex server: the figures a `fetch --baselines` stores, worked
 * out here from the real records with the server's own search semantics (each keyword list's
 * values matched separately), and the calls and cost of the two-level path and of its fallback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadKeywordRules, searchTerms } from '../../src/classify/keywords.js';
import { ExitCode, UserError } from '../../src/errors.js';
import { rebuildAbstract } from '../../src/model/abstract.js';
import { fetchApiBaselines, readTwoLevel, unionTerms, type ApiBaselines } from '../../src/fetch/baselines.js';
import { searchChunks } from '../../src/fetch/planner.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { analyze, matches, parseSearch } from '../support/openalex-search.js';
import { quiet, readCorpus } from './helpers.js';

let server: OpenAlexServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const FROM = 2015;
const TO = 2021;
const COUNTRIES = ['US', 'CN', 'GB'];

async function run(s: OpenAlexServer): Promise<ApiBaselines> {
  const terms = searchTerms(await loadKeywordRules());
  return fetchApiBaselines(
    { baseUrl: s.url, apiKey: 'test-key', from: FROM, to: TO, countries: COUNTRIES.map((c) => ({ country: c, codes: [c] })), terms, types: [], budgetUsd: 1, maxRps: 500, timeoutMs: 2000, retry: { attempts: 3, baseMs: 5, maxMs: 20 } },
    quiet,
  );
}

/** The expected figures, from the records: a list matches when any of its search values does. */
async function expected(): Promise<Map<string, { all_works: number; ai: number; medical: number }>> {
  const terms = searchTerms(await loadKeywordRules());
  const ai = searchChunks(terms.ai).map(parseSearch);
  const med = searchChunks(terms.medical).map(parseSearch);
  const out = new Map<string, { all_works: number; ai: number; medical: number }>();
  for (const w of readCorpus()) {
    if (w.year === null || w.year < FROM || w.year > TO) continue;
    const title = typeof w.raw.title === 'string' ? w.raw.title : typeof w.raw.display_name === 'string' ? w.raw.display_name : '';
    const text = analyze(`${title} ${rebuildAbstract(w.raw.abstract_inverted_index).text ?? ''}`);
    const isAi = ai.some((n) => matches(n, text));
    const isMed = med.some((n) => matches(n, text));
    for (const c of ['WORLD', ...COUNTRIES.filter((c) => w.countries.has(c))]) {
      const r = out.get(`${w.year}|${c}`) ?? { all_works: 0, ai: 0, medical: 0 };
      r.all_works++;
      if (isAi) r.ai++;
      if (isMed) r.medical++;
      out.set(`${w.year}|${c}`, r);
    }
  }
  return out;
}

describe('API baselines', () => {
  it('unionTerms: one value is one call; two values are three signed calls; a term that does not fit gives null', () => {
    const fits = () => true;
    expect(unionTerms([['a']], fits)).toEqual([{ searches: ['a'], sign: 1 }]);
    expect(unionTerms([['a', 'b']], fits)).toEqual([
      { searches: ['a'], sign: 1 },
      { searches: ['b'], sign: 1 },
      { searches: ['a', 'b'], sign: -1 },
    ]);
    // (a or b) and m: |a m| + |b m| - |a b m|
    expect(unionTerms([['a', 'b'], ['m']], fits)?.map((t) => `${t.sign > 0 ? '+' : '-'}${t.searches.join('&')}`)).toEqual(['+a&m', '+b&m', '-a&b&m']);
    expect(unionTerms([['a', 'b']], (s) => s.length < 2)).toBeNull();
    expect(unionTerms([[]], fits)).toBeNull();
  });

  it('readTwoLevel: reads the nested shape; a flat answer, or a country missing from a full list of 200, is not understood', () => {
    const nested = { group_by: [{ key: '2020', count: 3, group_by: [{ key: 'https://openalex.org/countries/US', count: 2 }] }] };
    expect(readTwoLevel(nested, ['US', 'CN'])).toEqual(new Map([[2020, new Map([['US', 2]])]]));
    expect(readTwoLevel({ group_by: [{ key: '2020', count: 3 }] }, ['US'])).toBeNull();
    const full = Array.from({ length: 200 }, (_, i) => ({ key: `C${i}`, count: 1 }));
    expect(readTwoLevel({ group_by: [{ key: '2020', count: 200, group_by: full }] }, ['US'])).toBeNull();
  });

  it('two-level: every figure equals the records, WORLD and each country; 22 list-priced calls', async () => {
    server = await startOpenAlexServer();
    const got = await run(server);
    const want = await expected();
    expect(got.mode).toBe('two-level');
    expect(got.rows).toHaveLength((TO - FROM + 1) * (COUNTRIES.length + 1));
    for (const r of got.rows) {
      const w = want.get(`${r.year}|${r.country}`) ?? { all_works: 0, ai: 0, medical: 0 };
      expect({ key: `${r.year}|${r.country}`, all_works: r.all_works, ai: r.ai, medical: r.medical }).toEqual({ key: `${r.year}|${r.country}`, ...w });
    }
    const terms = searchTerms(await loadKeywordRules());
    const perMeasure = 1 + (2 ** searchChunks(terms.ai).length - 1) + (2 ** searchChunks(terms.medical).length - 1);
    // The world's calls plus as many two-level calls; the world's medical-AI query does not fit one URL.
    expect(got.rows.find((r) => r.country === 'WORLD')!.medical_ai).toBeNull();
    expect(got.requests).toBe(2 * perMeasure);
    expect(server.stats.requests).toBe(2 * perMeasure);
    expect(server.stats.usdSpent).toBeCloseTo(2 * perMeasure * 0.0001, 9);
    expect(got.usdSpent).toBeCloseTo(server.stats.usdSpent, 9);
  });

  it('falls back to per-country calls when the server refuses the two-level group_by, with the same figures', async () => {
    server = await startOpenAlexServer();
    const twoLevel = await run(server);
    await server.close();
    server = await startOpenAlexServer({ refuseTwoLevelGroupBy: true });
    const fallback = await run(server);
    expect(fallback.mode).toBe('per-country');
    expect(fallback.fallbackReason).toMatch(/refused the two-level group_by.*HTTP 400/);
    expect(fallback.rows).toEqual(twoLevel.rows);
    const perMeasure = twoLevel.requests / 2;
    // The world's calls, one refused two-level call (not charged), then every measure per country.
    expect(server.stats.outcomes['400']).toBe(1);
    expect(fallback.requests).toBe(perMeasure + 1 + COUNTRIES.length * perMeasure);
    expect(server.stats.usdSpent).toBeCloseTo((perMeasure + COUNTRIES.length * perMeasure) * 0.0001, 9);
  });

  it("stops with exit 4 when OpenAlex's daily budget runs out part-way, saying when it resets", async () => {
    // Five list-priced calls, fewer than the baselines need.
    server = await startOpenAlexServer({ budgetUsd: 0.0005 });
    const stopped = await run(server).then(
      () => null,
      (e: unknown) => e,
    );
    expect(stopped).toBeInstanceOf(UserError);
    expect((stopped as UserError).exitCode).toBe(ExitCode.budgetExhausted);
    expect((stopped as UserError).message).toMatch(/^OpenAlex budget exhausted/);
    expect((stopped as UserError).message).toMatch(/Counting the baselines stopped after \d+ calls; nothing of them was stored\. The budget resets at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(server.stats.outcomes['429-budget']).toBeGreaterThan(0);
  });
});
