import { afterEach, describe, expect, it } from 'vitest';
import { InvariantError, UserError } from '../../src/errors.js';
import { aggregate } from '../../src/pipeline/aggregate.js';
import { readChain } from '../../src/pipeline/chain.js';
import { Store } from '../../src/store/store.js';
import { scopeOf } from '../support/scope.js';
import { sqlRun } from '../support/store-sql.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/**
 * Each work's type and the medical-AI works' titles, copied into classified from the works rows a
 * test inserted after it, and the country sets, as every writer of classified makes them
 * (schema/classified.sql).
 */
async function copyWorkFields(s: Store): Promise<void> {
  await s.run('classified_work_fields_fill');
}

/** A store whose classified table holds the given constructed rows. */
async function withClassified(rows: [string, number, boolean, boolean, string[], number[]?][]): Promise<Store> {
  const s = await Store.open(':memory:');
  stores.push(s);
  for (const [id, year, med, ai, countries, given] of rows) {
    // Without weights given, the paper is split equally over its countries (one author per country).
    const weights = given ?? countries.map(() => 1 / countries.length);
    await sqlRun(
      s,
      `insert into classified (work_id, year, is_medical, is_ai, is_medical_ai, matched_terms, countries, weights) values ($id, $year, $med, $ai, $med and $ai, [], ${countries.length === 0 ? '[]::varchar[]' : `[${countries.map((c) => `'${c}'`).join(',')}]`}, ${weights.length === 0 ? '[]::double[]' : `[${weights.join(',')}]::double[]`})`,
      { id, year, med, ai },
    );
  }
  await copyWorkFields(s);
  return s;
}

describe('aggregate (DuckDB, queries/counts_by_year_country.sql)', () => {
  it('counts medical-AI papers per year and country with full counting, zero-filled', async () => {
    const s = await withClassified([
      ['W1', 2020, true, true, ['CN', 'US']], // co-authored: counts for both
      ['W2', 2020, true, true, ['US']],
      ['W3', 2020, true, false, ['US']], // medical only: not counted
      ['W4', 2020, false, true, ['CN']], // AI only: not counted
      ['W5', 2021, true, true, ['HK']], // HK is not CN under the default policy
      ['W6', 2021, true, true, []], // no known country: in no country's count, not in the world total
      ['W7', 2019, true, true, ['US']], // outside the window
    ]);
    const { counts, worldTotals } = await aggregate(s, scopeOf({ from: 2020, to: 2021, countries: ['US', 'CN'] }));
    // Fractional: W1 gives CN and US half each, W2 gives US 1.
    expect(counts).toEqual([
      { year: 2020, country: 'US', papers: 2, fractional: 1.5 },
      { year: 2020, country: 'CN', papers: 1, fractional: 0.5 },
      { year: 2021, country: 'US', papers: 0, fractional: 0 },
      { year: 2021, country: 'CN', papers: 0, fractional: 0 },
    ].sort((a, b) => a.year - b.year || a.country.localeCompare(b.country)));
    expect(worldTotals).toEqual([
      { year: 2020, papers: 2 },
      { year: 2021, papers: 1 },
    ]);
  });

  it('counts only the OpenAlex types asked for, in the counts, the world totals and the invariant', async () => {
    const s = await withClassified([
      ['W1', 2020, true, true, ['US']],
      ['W2', 2020, true, true, ['US', 'CN']],
      ['W3', 2020, true, true, ['CN']],
      ['W4', 2020, true, true, ['US']], // no works row: its type is unknown, so no type admits it
    ]);
    for (const [id, type] of [
      ['W1', 'article'],
      ['W2', 'preprint'],
      ['W3', 'paratext'],
    ]) {
      await sqlRun(s, `insert into works (work_id, year, type, origin) values ($id, 2020, $type, 'test')`, { id: id as string, type: type as string });
    }
    await copyWorkFields(s);
    const window = scopeOf({ from: 2020, to: 2020, countries: ['US', 'CN'] });
    const all = await aggregate(s, window);
    expect(all.counts).toEqual([
      { year: 2020, country: 'CN', papers: 2, fractional: 1.5 },
      { year: 2020, country: 'US', papers: 3, fractional: 2.5 },
    ]);
    const some = await aggregate(s, { ...window, types: ['article', 'preprint'] });
    expect(some.counts).toEqual([
      { year: 2020, country: 'CN', papers: 1, fractional: 0.5 },
      { year: 2020, country: 'US', papers: 2, fractional: 1.5 },
    ]);
    expect(some.worldTotals).toEqual([{ year: 2020, papers: 2 }]);
    expect((await aggregate(s, { ...window, types: ['dataset'] })).counts.every((c) => c.papers === 0)).toBe(true);
  });

  it('stops with an invariant error when a country set holds a country twice', async () => {
    const s = await withClassified([['W1', 2020, true, true, ['US', 'US']]]);
    await expect(aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).rejects.toThrow(InvariantError);
    await expect(aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).rejects.toThrow(/add up to 1, expected 2/);
  });

  it('stops with an invariant error when a year\'s fractional counts do not add up to its papers with a country', async () => {
    // W2's weights add up to 0.9: the year's fractional sum is 1.9 for 2 papers with a country.
    const s = await withClassified([
      ['W1', 2020, true, true, ['US']],
      ['W2', 2020, true, true, ['CN', 'US'], [0.4, 0.5]],
      ['W3', 2020, true, true, []],
    ]);
    const scope = scopeOf({ from: 2020, to: 2020, countries: ['US', 'CN'] });
    await expect(aggregate(s, scope)).rejects.toThrow(InvariantError);
    await expect(aggregate(s, scope)).rejects.toThrow(/fractional counts for 2020 add up to 1\.900000, expected 2 /);
  });

  it('stops with an invariant error when weights do not line up with countries', async () => {
    // One weight for two countries: the sum is right (1), the alignment is not.
    const s = await withClassified([['W1', 2020, true, true, ['CN', 'US'], [1]]]);
    const scope = scopeOf({ from: 2020, to: 2020, countries: ['US', 'CN'] });
    await expect(aggregate(s, scope)).rejects.toThrow(/1 paper\(s\) have weights that do not line up/);
  });

  it('with --merge-versions, weights a paper by the mean over its versions that have a country', async () => {
    // Three versions of one paper: A (2020 article, US), B (2021 preprint, CN+US split 1/2 each)
    // and C (2021 preprint, no country). They count once, as A in 2020; C has no country, so the
    // mean is over A and B: US (1 + 1/2) / 2 = 3/4, CN (0 + 1/2) / 2 = 1/4, adding up to 1.
    const s = await withClassified([
      ['W10', 2020, true, true, ['US']],
      ['W11', 2021, true, true, ['CN', 'US']],
      ['W12', 2021, true, true, []],
    ]);
    const title = 'Deep learning for the detection of diabetic retinopathy';
    for (const [id, year, type] of [
      ['W10', 2020, 'article'],
      ['W11', 2021, 'preprint'],
      ['W12', 2021, 'preprint'],
    ] as const) {
      await sqlRun(s, `insert into works (work_id, year, title, type, origin) values ($id, $year, $title, $type, 'test')`, { id, year, title, type });
    }
    await copyWorkFields(s);
    const scope = scopeOf({ from: 2020, to: 2021, countries: ['US', 'CN'] });
    const merged = await aggregate(s, { ...scope, mergeVersions: true });
    expect(merged.counts).toEqual([
      { year: 2020, country: 'CN', papers: 1, fractional: 0.25 },
      { year: 2020, country: 'US', papers: 1, fractional: 0.75 },
      { year: 2021, country: 'CN', papers: 0, fractional: 0 },
      { year: 2021, country: 'US', papers: 0, fractional: 0 },
    ]);
    // Unmerged: each version counts in its own year.
    expect((await aggregate(s, scope)).counts).toEqual([
      { year: 2020, country: 'CN', papers: 0, fractional: 0 },
      { year: 2020, country: 'US', papers: 1, fractional: 1 },
      { year: 2021, country: 'CN', papers: 1, fractional: 0.5 },
      { year: 2021, country: 'US', papers: 1, fractional: 0.5 },
    ]);
  });

  it('lists each later version once, with the earliest version within reach that has none before it (version_pairs_table.sql)', async () => {
    const versions: [string, number, string, string][] = [
      // Two articles of one year and a preprint a year on: the preprint goes with the first article only.
      ['W20', 2019, 'article', 'Machine learning for sepsis prediction in intensive care units'],
      ['W21', 2019, 'article', 'Machine learning for sepsis prediction in intensive care units'],
      ['W22', 2020, 'preprint', 'Machine learning for sepsis prediction in intensive care units'],
      // A chain: B is a later version of A; C is within two years of B alone, and B is itself a later
      // version, so C is counted as itself.
      ['W30', 2014, 'article', 'Neural networks for the grading of prostate biopsies'],
      ['W31', 2016, 'preprint', 'Neural networks for the grading of prostate biopsies'],
      ['W32', 2018, 'article', 'Neural networks for the grading of prostate biopsies'],
      // Two articles: no preprint, no pair.
      ['W40', 2018, 'article', 'Deep learning detects pneumonia on chest radiographs'],
      ['W41', 2019, 'article', 'Deep learning detects pneumonia on chest radiographs'],
    ];
    // 300 copies of one preprint (as the bench's resampled records repeat): 299 later versions of
    // the first, not 44,850 pairs.
    for (let i = 0; i < 300; i++) versions.push([`W${1000 + i}`, 2017, 'preprint', 'Convolutional networks segment brain tumours on MRI']);
    const s = await withClassified(versions.map(([id, year]) => [id, year, true, true, ['US']]));
    for (const [id, year, type, title] of versions) {
      await sqlRun(s, `insert into works (work_id, year, title, type, origin) values ($id, $year, $title, $type, 'test')`, { id, year, title, type });
    }
    await copyWorkFields(s);
    const { chain } = await aggregate(s, scopeOf({ from: 2010, to: 2021, countries: ['US'] }));
    const pairs = await readChain<{ kept_id: string; later_id: string }>(chain, 'version_pairs', { limit: 1000 });
    const later = Object.fromEntries(pairs.map((p) => [p.later_id, p.kept_id]));
    expect(Object.keys(later)).toHaveLength(2 + 299);
    expect(later).toMatchObject({ W22: 'W20', W31: 'W30' });
    expect(pairs.filter((p) => p.later_id.startsWith('W1')).every((p) => p.kept_id === 'W1000')).toBe(true);
    // Merged, the 300 copies are one paper and the sepsis and prostate titles two each.
    const merged = await aggregate(s, { ...scopeOf({ from: 2010, to: 2021, countries: ['US'] }), mergeVersions: true });
    expect(merged.counts.reduce((n, c) => n + c.papers, 0)).toBe(versions.length - 301);
  });

  it('counts the papers co-authored by each pair of countries, zero-filled (queries/collaboration.sql)', async () => {
    const s = await withClassified([
      ['W1', 2020, true, true, ['CN', 'US']], // CN-US
      ['W2', 2020, true, true, ['CN', 'GB', 'US']], // every pair of the three
      ['W3', 2020, true, true, ['US']], // no pair
      ['W4', 2020, true, false, ['CN', 'US']], // not medical AI
      ['W5', 2021, true, true, ['GB', 'HK']], // HK is not selected: no pair
    ]);
    const { collaboration } = await aggregate(s, scopeOf({ from: 2020, to: 2021, countries: ['US', 'CN', 'GB'] }));
    expect(collaboration).toEqual([
      { year: 2020, country_a: 'CN', country_b: 'GB', papers: 1 },
      { year: 2020, country_a: 'CN', country_b: 'US', papers: 2 },
      { year: 2020, country_a: 'GB', country_b: 'US', papers: 1 },
      { year: 2021, country_a: 'CN', country_b: 'GB', papers: 0 },
      { year: 2021, country_a: 'CN', country_b: 'US', papers: 0 },
      { year: 2021, country_a: 'GB', country_b: 'US', papers: 0 },
    ]);
    expect((await aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).collaboration).toEqual([]);
  });

  it('says to classify first when nothing is classified', async () => {
    const s = await withClassified([]);
    await expect(aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).rejects.toThrow(UserError);
  });
});
