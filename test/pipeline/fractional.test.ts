/**
 * Fractional counting and collaboration on the real OpenAlex records (read by path): the store's
 * counts, under both engines and both country policies, against the same numbers worked out here
 * from the records with the TypeScript rules, and the invariant (a year's weights add up to its
 * papers with a country) on every classified work, not only the counted ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { countriesOf, fractionalWeights, type CountryPolicy } from '../../src/classify/countries.js';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import type { Work } from '../../src/model/work.js';
import { aggregate } from '../../src/pipeline/aggregate.js';
import { classifyStore } from '../../src/pipeline/classify.js';
import type { Store } from '../../src/store/store.js';
import { corpusWorks } from '../classify/corpus.js';
import { scopeOf } from '../support/scope.js';
import { sqlRows, storeWithWorks } from '../support/store-sql.js';

let works: Work[];
let rules: KeywordRules;
let store: Store;

beforeAll(async () => {
  works = await corpusWorks();
  rules = await loadKeywordRules();
  store = await storeWithWorks(works);
});

afterAll(() => store?.close());

/** The counts worked out from the records: full and fractional per year x country, and CN-US co-authorships. */
function expected(policy: CountryPolicy, from: number, to: number, codes: readonly string[]) {
  const full = new Map<string, number>();
  const frac = new Map<string, number>();
  const pair = new Map<number, number>();
  for (const w of works) {
    if (w.year < from || w.year > to || !classify(w, rules).isMedicalAi) continue;
    const countries = countriesOf(w.authorships, policy);
    const weights = fractionalWeights(w.authorships, policy);
    countries.forEach((c, i) => {
      full.set(`${w.year}|${c}`, (full.get(`${w.year}|${c}`) ?? 0) + 1);
      frac.set(`${w.year}|${c}`, (frac.get(`${w.year}|${c}`) ?? 0) + (weights[i] as number));
    });
    if (countries.includes('CN') && countries.includes('US')) pair.set(w.year, (pair.get(w.year) ?? 0) + 1);
  }
  const counts = [];
  for (let y = from; y <= to; y++) {
    for (const c of [...codes].sort()) counts.push({ year: y, country: c, papers: full.get(`${y}|${c}`) ?? 0, fractional: frac.get(`${y}|${c}`) ?? 0 });
  }
  return { counts, pair };
}

describe('fractional counting on the real records, 2010-2021, US and CN', () => {
  for (const policy of ['separate', 'fold-hk-mo'] as const) {
    for (const engine of ['ts', 'sql'] as const) {
      it(`${policy}, ${engine} engine: the counts are the records' own, and the invariant holds`, async () => {
        await classifyStore(store, rules, policy, engine);
        const scope = scopeOf({ countryPolicy: policy });
        const { counts, collaboration } = await aggregate(store, scope);
        const want = expected(policy, 2010, 2021, ['US', 'CN']);
        expect(counts.map((r) => ({ ...r, fractional: Number(r.fractional.toFixed(9)) }))).toEqual(want.counts.map((r) => ({ ...r, fractional: Number(r.fractional.toFixed(9)) })));
        expect(collaboration.map((r) => r.papers)).toEqual(Array.from({ length: 12 }, (_, i) => want.pair.get(2010 + i) ?? 0));
        // Not agreement on nothing: papers shared with other countries make fractional < full.
        const us = counts.filter((r) => r.country === 'US');
        expect(us.reduce((s, r) => s + r.papers, 0)).toBeGreaterThan(us.reduce((s, r) => s + r.fractional, 0) + 1);
        // Every classified work, counted or not: weights add up to the works with a country, per year.
        const years = await sqlRows(
          store,
          `select year, count(*) filter (where len(countries) > 0)::integer as n, coalesce(sum(list_sum(weights)), 0)::double as s,
             count(*) filter (where len(weights) <> len(countries) or list_min(weights) <= 0)::integer as bad
           from classified group by year`,
        );
        expect(years.length).toBeGreaterThan(10);
        for (const y of years) {
          expect(y.bad).toBe(0);
          expect(Math.abs((y.s as number) - (y.n as number))).toBeLessThan(1e-6);
        }
      });
    }
  }

  it('folding HK into CN moves a CN-HK paper of 2017 to CN whole', async () => {
    await classifyStore(store, rules, 'separate', 'ts');
    const separate = (await aggregate(store, scopeOf())).counts.find((r) => r.year === 2017 && r.country === 'CN');
    await classifyStore(store, rules, 'fold-hk-mo', 'ts');
    const folded = (await aggregate(store, scopeOf({ countryPolicy: 'fold-hk-mo' }))).counts.find((r) => r.year === 2017 && r.country === 'CN');
    // Measured on the records: the paper counts 1 for CN either way, but CN's weight goes from 0.7 to 1.
    expect(separate).toMatchObject({ papers: 1 });
    expect(separate?.fractional).toBeCloseTo(0.7, 9);
    expect(folded).toMatchObject({ papers: 1 });
    expect(folded?.fractional).toBeCloseTo(1, 9);
  });
});
