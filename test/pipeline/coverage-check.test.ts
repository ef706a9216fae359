/**
 * The coverage check on hand-made coverage records: each dimension of a Scope (years, countries,
 * country policy, keywords with a prefilter, types; a snapshot's data date), the fetch command it
 * prints, and the share denominator.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS_DIR } from '../../src/classify/keywords.js';
import {
  apiShareRefusal,
  checkCoverage,
  fetchCommandsFor,
  shareDenominator,
  termsBeyond,
  yearRanges,
  type ApiSpan,
  type Coverage,
  type PrefilterRecord,
  type RuleTerms,
} from '../../src/pipeline/coverage.js';
import { scopeOf } from '../support/scope.js';

const span = (over: Partial<ApiSpan> = {}): ApiSpan => ({ from: 2015, to: 2021, countries: ['US'], countryPolicy: 'separate', prefilter: 'none', types: [], perPage: 100, ...over });
const api = (spans: ApiSpan[], prefilters: Record<string, PrefilterRecord> = {}): Coverage => ({ kind: 'api', spans, prefilters });
const prefilter = (ai: string[], medical: string[]): PrefilterRecord => ({ ruleHash: 'r', keywordsDir: DEFAULT_KEYWORDS_DIR, ai, medical });
const rule = (ai: string[], medical: string[], require: RuleTerms['require'] = ['ai', 'medical']): RuleTerms => ({ dir: '/lists', require, ai, medical });
const details = (c: Coverage, ...args: Parameters<typeof checkCoverage> extends [Coverage, ...infer R] ? R : never) => checkCoverage(c, ...args).map((s) => `${s.dimension}: ${s.detail}`);

describe('years and countries', () => {
  it('names years fetched for no asked country and countries fetched in no asked year', () => {
    expect(details(api([span()]), scopeOf({ from: 2010, to: 2021, countries: ['US', 'GB', 'CN'] }), null, 'window')).toEqual([
      'years: years 2010-2014 were not fetched',
      'countries: countries GB, CN were not fetched',
    ]);
  });

  it('names the cells missing when neither a whole year nor a whole country is', () => {
    const c = api([span(), span({ from: 2010, to: 2021, countries: ['CN'] })]);
    expect(details(c, scopeOf({ from: 2010, to: 2021, countries: ['US', 'CN'] }), null, 'window')).toEqual(['years: US in 2010-2014 were not fetched']);
  });

  it('covers what was fetched, over several fetches', () => {
    const c = api([span({ to: 2017 }), span({ from: 2018, countries: ['US', 'CN'] }), span({ from: 2015, to: 2017, countries: ['CN'] })]);
    expect(details(c, scopeOf({ from: 2015, to: 2021, countries: ['CN', 'US'] }), null, 'window')).toEqual([]);
  });

  it('a year missing for every country of a window of one country is a year, not a country', () => {
    expect(details(api([span()]), scopeOf({ from: 2014, to: 2015, countries: ['US'] }), null, 'window')).toEqual(['years: year 2014 was not fetched']);
    expect(details(api([span()]), scopeOf({ from: 2014, to: 2014, countries: ['US'] }), null, 'window')).toEqual(['years: year 2014 was not fetched']);
  });

  it('classify reads the cells fetched, whatever the window', () => {
    expect(details(api([span()]), scopeOf({ from: 1990, to: 1991, countries: ['GB'] }), null, 'fetched')).toEqual([]);
  });
});

describe('country policy', () => {
  const scope = scopeOf({ from: 2015, to: 2021, countries: ['US', 'CN'], countryPolicy: 'fold-hk-mo' });
  it('fold-hk-mo needs HK and MO wherever CN is counted', () => {
    const separate = api([span({ countries: ['CN', 'US'] })]);
    const line = 'country policy: --country-policy fold-hk-mo counts HK and MO as CN, but HK, MO in 2015-2021 were not fetched (a fetch with that policy fetches them)';
    expect(details(separate, scope, null, 'window')).toEqual([line]);
    expect(details(separate, scope, null, 'fetched')).toEqual([line]);
    expect(details(api([span({ countries: ['CN', 'HK', 'MO', 'US'], countryPolicy: 'fold-hk-mo' })]), scope, null, 'window')).toEqual([]);
  });

  it('needs nothing more without CN, or under separate', () => {
    expect(details(api([span()]), { ...scope, countries: ['US'] }, null, 'window')).toEqual([]);
    expect(details(api([span({ countries: ['CN', 'US'] })]), { ...scope, countryPolicy: 'separate' }, null, 'window')).toEqual([]);
  });
});

describe('keywords with a prefilter', () => {
  const shipped = prefilter(['machine learning', 'learning', 'neural network'], ['diagnosis', 'patient']);

  it.each([
    ['the same terms', rule(['machine learning', 'neural network'], ['diagnosis', 'patient']), []],
    ['a term within a searched one (deep learning within learning)', rule(['deep learning'], ['patient']), []],
    ['a term spelled with other case and hyphens', rule(['Neural-Network'], ['Diagnosis']), []],
    // The check knows containment, not OpenAlex's stemmer: a plural written as its own term is
    // taken as not searched for (a refusal that costs a fetch, never a count short).
    ['a plural written as a term of its own', rule(['neural networks'], ['patient']), ['neural networks']],
    ['a term the prefilter did not search for', rule(['random forest', 'learning'], ['patient', 'hospital']), ['random forest', 'hospital']],
    ['a broader term than one searched', rule(['network'], ['patient']), ['network']],
  ])('%s', (_, r, beyond) => {
    expect(termsBeyond(r, shipped)).toEqual(beyond);
  });

  it('a rule requiring only one group is beyond any prefilter (it asks for both)', () => {
    expect(termsBeyond(rule(['learning'], [], ['ai']), shipped)).toBeNull();
    const c = api([span({ prefilter: 'p1' })], { p1: shipped });
    expect(details(c, scopeOf({ from: 2015, to: 2021, countries: ['US'] }), rule(['learning'], [], ['ai']), 'window')).toEqual([
      'keywords: the keyword rule in /lists requires ai keywords only, but the fetch\'s search prefilter asked for works with both an AI and a medical keyword (US in 2015-2021)',
    ]);
  });

  it('names the terms and cells beyond the prefilter; no prefilter covers any rule', () => {
    const c = api([span({ prefilter: 'p1' }), span({ countries: ['CN'] })], { p1: shipped });
    const scope = scopeOf({ from: 2015, to: 2021, countries: ['US', 'CN'] });
    expect(details(c, scope, rule(['random forest'], ['patient']), 'window')).toEqual([
      'keywords: the keyword rule in /lists has search terms the fetch\'s prefilter did not ask for ("random forest"), so works matching them were never fetched (US in 2015-2021)',
    ]);
    expect(details(c, scope, rule(['learning'], ['patient']), 'window')).toEqual([]);
    expect(details(c, scope, null, 'window')).toEqual([]);
  });

  it('a cell fetched twice is covered when either fetch covers the rule', () => {
    const c = api([span({ prefilter: 'p1' }), span({ prefilter: 'none' })], { p1: shipped });
    expect(details(c, scopeOf({ from: 2015, to: 2021, countries: ['US'] }), rule(['random forest'], ['patient']), 'fetched')).toEqual([]);
  });
});

describe('types', () => {
  const scope = scopeOf({ from: 2015, to: 2021, countries: ['US'] });
  it.each([
    [[], ['article'], []],
    [['article'], ['article'], []],
    [['article', 'review'], ['review'], []],
    [['article'], [], ['types: every work type is counted, but the fetch of US in 2015-2021 asked only for article']],
    [['article'], ['article', 'review'], ['types: types article, review are counted, but the fetch of US in 2015-2021 asked only for article']],
  ])('fetched %j, counted %j', (fetched, counted, expected) => {
    expect(details(api([span({ types: fetched })]), { ...scope, types: counted }, null, 'window')).toEqual(expected);
  });

  it('classify tags every type, so it does not check them', () => {
    expect(details(api([span({ types: ['article'] })]), scope, null, 'fetched')).toEqual([]);
  });
});

describe('a snapshot', () => {
  const snapshot = (dataDate: string | null): Coverage => ({ kind: 'snapshot', files: ['/s/part_000.gz'], dataDate });
  it('covers every country, policy, type and keyword up to the year of its data date', () => {
    const scope = scopeOf({ from: 2010, to: 2021, countries: ['GB', 'CN'], types: ['review'], countryPolicy: 'fold-hk-mo' });
    expect(details(snapshot('2021-03-01'), scope, rule(['anything'], [], ['ai']), 'window')).toEqual([]);
    expect(details(snapshot('2019-06-01'), scope, null, 'window')).toEqual(["years: years 2020-2021 are after the snapshot's data date (2019-06-01)"]);
    expect(details(snapshot('2019-06-01'), { ...scope, from: 2020 }, null, 'window')).toEqual(["years: years 2020-2021 are after the snapshot's data date (2019-06-01)"]);
    expect(details(snapshot('2020-06-01'), scope, null, 'window')).toEqual(["years: year 2021 is after the snapshot's data date (2020-06-01)"]);
    // No record with an update date: nothing to tell the years by.
    expect(details(snapshot(null), scope, null, 'window')).toEqual([]);
    expect(details(snapshot('2019-06-01'), scope, null, 'fetched')).toEqual([]);
  });
});

describe('the fetch command printed', () => {
  it('aggregate and report: the Scope, with the page size of the last fetch, so the slices done are resumed', () => {
    const c = api([span({ perPage: 25 })]);
    const scope = scopeOf({ from: 2010, to: 2021, countries: ['US', 'CN'], types: ['article'], countryPolicy: 'fold-hk-mo' });
    expect(fetchCommandsFor(c, 'm.duckdb', scope, rule(['x'], ['y']), 'window')).toEqual([
      "medai-trends fetch --db m.duckdb --from 2010 --to 2021 --countries US,CN --types article --country-policy fold-hk-mo --keywords /lists --per-page 25",
    ]);
    expect(fetchCommandsFor(c, 'm.duckdb', scopeOf(), rule(['x'], [], ['ai']), 'window')).toEqual([
      'medai-trends fetch --db m.duckdb --from 2010 --to 2021 --countries US,CN --prefilter none --per-page 25',
    ]);
  });

  it('classify: each fetch again, with the policy and lists asked for', () => {
    const c = api([span({ countries: ['CN', 'HK', 'MO'], countryPolicy: 'fold-hk-mo' }), span({ from: 2010, to: 2012, countries: ['GB'], types: ['review'] })]);
    expect(fetchCommandsFor(c, 'm.duckdb', scopeOf({ countryPolicy: 'fold-hk-mo' }), rule(['x'], ['y']), 'fetched')).toEqual([
      'medai-trends fetch --db m.duckdb --from 2015 --to 2021 --countries CN --country-policy fold-hk-mo --keywords /lists',
      'medai-trends fetch --db m.duckdb --from 2010 --to 2012 --countries GB --types review --country-policy fold-hk-mo --keywords /lists',
    ]);
  });
});

describe('the share denominator', () => {
  it('is refused after an API fetch, naming the countries fetched', () => {
    expect(shareDenominator(api([span({ countries: ['CN', 'HK', 'MO'] }), span()]))).toEqual({
      label: "Share of the fetched countries' medical-AI papers",
      short: 'Share of fetched',
      description: "the medical-AI papers with an author in a country fetched (CN, HK, MO, US), not the world's",
      refusal: apiShareRefusal(['CN', 'HK', 'MO', 'US']),
    });
    expect(apiShareRefusal(['US'])).toContain("the denominator would be those countries' papers, not the world's");
  });

  it('names the snapshot read, or says what an older database may hold', () => {
    expect(shareDenominator({ kind: 'snapshot', files: ['a.gz', 'b.gz'], dataDate: '2026-05-11' })).toEqual({
      label: 'Share of medical-AI papers in the snapshot read',
      short: 'Share of snapshot',
      description: 'all medical-AI papers with a known affiliation country in the 2 snapshot file(s) read (data date 2026-05-11)',
    });
    expect(shareDenominator(null)).toMatchObject({ label: 'Share of medical-AI papers in the database', short: 'Share of database' });
    expect(shareDenominator(null)).not.toHaveProperty('refusal');
  });
});

it('yearRanges', () => {
  expect(yearRanges([2014, 2010, 2011, 2012, 2017, 2018, 2020])).toBe('2010-2012, 2014, 2017-2018, 2020');
});
