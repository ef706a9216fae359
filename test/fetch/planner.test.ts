import { describe, expect, it } from 'vitest';
import { LIMITS, pagesFor, planSlices, pruneAlternatives, searchAlternatives } from '../../src/fetch/planner.js';

const BASE = 'https://api.openalex.org';
/** A real-length cursor, as OpenAlex returns them for relevance-sorted pages. */
const CURSOR = 'IlswLjIwNDg2MjM5LCAxNzAzMTE2ODAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzOTAwNDYwNzknXSI=';

function searchValues(query: string): string[] {
  const filter = new URL(query).searchParams.get('filter') ?? '';
  return [...filter.matchAll(/title_and_abstract\.search:([^,]*)/g)].map((m) => m[1]!);
}

describe('searchAlternatives', () => {
  it.each([
    ['AI', ['ai', 'ais']],
    ['deep-learning', ['"deep learning"']],
    ['Machine  Learning', ['"machine learning"']],
    ['OR', ['or']],
    ['a, b | c', ['"a b c"']],
    ['diagnosis', ['diagnosis', 'diagnoses']],
    ['differential diagnosis', ['"differential diagnosis"', '"differential diagnoses"']],
    ['virus', ['virus', 'viruses']],
    ['herpes simplex virus', ['"herpes simplex virus"', '"herpes simplex viruses"']],
    ['therapy', ['therapy']],
    ['人工智能', ['"人工智能"']],
    ['  ', []],
  ])('%s -> %j', (term, expected) => {
    expect(searchAlternatives(term)).toEqual(expected);
  });
});

describe('pruneAlternatives', () => {
  it('drops a phrase that contains a shorter alternative, keeps unrelated ones', () => {
    expect(pruneAlternatives(['"machine learning"', 'learning', '"deep learning"', 'ai', 'ai'])).toEqual(['ai', 'learning']);
    // "learn" is not a word of "machine learning": whole words only.
    expect(pruneAlternatives(['"machine learning"', 'learn'])).toEqual(['"machine learning"', 'learn']);
  });
});

describe('planSlices', () => {
  it('without a prefilter: one slice per year and country, list-priced, no search filter', () => {
    const plan = planSlices({ baseUrl: BASE, from: 2010, to: 2021, countries: ['us', 'CN', 'US'], prefilter: null });
    expect(plan.slices).toHaveLength(24);
    expect(new Set(plan.slices.map((s) => s.id)).size).toBe(24);
    expect(plan.slices.every((s) => !s.search && !s.query.includes('search'))).toBe(true);
    expect(plan.countQueries.map((q) => q.country)).toEqual(['CN', 'US']);
    expect(decodeURIComponent(plan.slices[0]!.query)).toContain('filter=publication_year:2010,authorships.countries:CN');
  });

  it('ids are stable and change when the query changes', () => {
    const a = planSlices({ baseUrl: BASE, from: 2020, to: 2020, countries: ['US'], prefilter: null });
    const b = planSlices({ baseUrl: BASE, from: 2020, to: 2020, countries: ['US'], prefilter: null });
    const c = planSlices({ baseUrl: BASE, from: 2020, to: 2020, countries: ['US'], prefilter: null, perPage: 50 });
    expect(a.slices[0]!.id).toBe(b.slices[0]!.id);
    expect(c.slices[0]!.id).not.toBe(a.slices[0]!.id);
    expect(a.slices[0]!.id).toMatch(/^2020-US-[0-9a-f]{8}$/);
  });

  it('splits long keyword lists into chunk slices that all fit the URL, OR-value and search-length limits', () => {
    // Constructed lists, far longer than the shipped ones, to force several chunks per list.
    const ai = Array.from({ length: 450 }, (_, i) => `neural method ${i}`);
    const medical = Array.from({ length: 260 }, (_, i) => `clinical condition number ${i}`);
    const plan = planSlices({ baseUrl: BASE, from: 2019, to: 2020, countries: ['US', 'CN'], prefilter: { ai, medical } });
    expect(plan.chunks.ai).toBeGreaterThan(4);
    expect(plan.chunks.medical).toBeGreaterThan(2);
    expect(plan.slices).toHaveLength(2 * 2 * plan.chunks.ai * plan.chunks.medical);
    for (const slice of plan.slices) {
      expect(`${slice.query}&cursor=${encodeURIComponent(CURSOR)}`.length).toBeLessThanOrEqual(4096);
      const values = searchValues(slice.query);
      expect(values).toHaveLength(2);
      for (const v of values) {
        expect(v.length).toBeLessThanOrEqual(LIMITS.maxSearchChars);
        expect(v.split('|').length).toBeLessThanOrEqual(LIMITS.maxOrValues);
      }
    }
    // Every keyword is in exactly one chunk of its list, so every AI x medical pair is in exactly one slice per year and country.
    const aiChunks = new Set(plan.slices.map((s) => searchValues(s.query)[0]!));
    const medChunks = new Set(plan.slices.map((s) => searchValues(s.query)[1]!));
    const flatten = (chunks: Set<string>): string[] => [...chunks].flatMap((c) => c.split('|')).sort();
    expect(flatten(aiChunks)).toEqual(pruneAlternatives(ai.flatMap(searchAlternatives)));
    expect(flatten(medChunks)).toEqual(pruneAlternatives(medical.flatMap(searchAlternatives)));
  });

  it('keeps short lists in one chunk each', () => {
    const plan = planSlices({ baseUrl: BASE, from: 2010, to: 2011, countries: ['US'], prefilter: { ai: ['deep learning', 'AI'], medical: ['patient', 'diagnosis'] } });
    expect(plan.chunks).toEqual({ ai: 1, medical: 1 });
    expect(searchValues(plan.slices[0]!.query)).toEqual(['"deep learning"|ai|ais', 'diagnoses|diagnosis|patient']);
    expect(plan.slices.every((s) => s.search)).toBe(true);
  });

  it('rejects a per_page OpenAlex would refuse', () => {
    expect(() => planSlices({ baseUrl: BASE, from: 2010, to: 2011, countries: ['US'], prefilter: null, perPage: 101 })).toThrow(/per_page/);
  });
});

describe('pagesFor', () => {
  it.each([
    [0, 1],
    [1, 1],
    [99, 1],
    [100, 2],
    [150, 2],
    [200, 3],
  ])('%i works -> %i requests at 100 per page', (works, pages) => {
    expect(pagesFor(works, 100)).toBe(pages);
  });
});
