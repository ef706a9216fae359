import { afterEach, describe, expect, it } from 'vitest';
import { InvariantError, UserError } from '../../src/errors.js';
import { aggregate } from '../../src/pipeline/aggregate.js';
import { Store } from '../../src/store/store.js';
import { scopeOf } from '../support/scope.js';
import { sqlRun } from '../support/store-sql.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** A store whose classified table holds the given constructed rows. */
async function withClassified(rows: [string, number, boolean, boolean, string[]][]): Promise<Store> {
  const s = await Store.open(':memory:');
  stores.push(s);
  for (const [id, year, med, ai, countries] of rows) {
    await sqlRun(
      s,
      `insert into classified values ($id, $year, $med, $ai, $med and $ai, [], ${countries.length === 0 ? '[]::varchar[]' : `[${countries.map((c) => `'${c}'`).join(',')}]`})`,
      { id, year, med, ai },
    );
  }
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
    expect(counts).toEqual([
      { year: 2020, country: 'US', papers: 2 },
      { year: 2020, country: 'CN', papers: 1 },
      { year: 2021, country: 'US', papers: 0 },
      { year: 2021, country: 'CN', papers: 0 },
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
    const window = scopeOf({ from: 2020, to: 2020, countries: ['US', 'CN'] });
    const all = await aggregate(s, window);
    expect(all.counts).toEqual([
      { year: 2020, country: 'CN', papers: 2 },
      { year: 2020, country: 'US', papers: 3 },
    ]);
    const some = await aggregate(s, { ...window, types: ['article', 'preprint'] });
    expect(some.counts).toEqual([
      { year: 2020, country: 'CN', papers: 1 },
      { year: 2020, country: 'US', papers: 2 },
    ]);
    expect(some.worldTotals).toEqual([{ year: 2020, papers: 2 }]);
    expect((await aggregate(s, { ...window, types: ['dataset'] })).counts.every((c) => c.papers === 0)).toBe(true);
  });

  it('stops with an invariant error when a country set holds a country twice', async () => {
    const s = await withClassified([['W1', 2020, true, true, ['US', 'US']]]);
    await expect(aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).rejects.toThrow(InvariantError);
    await expect(aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).rejects.toThrow(/add up to 1, expected 2/);
  });

  it('says to classify first when nothing is classified', async () => {
    const s = await withClassified([]);
    await expect(aggregate(s, scopeOf({ from: 2020, to: 2020, countries: ['US'] }))).rejects.toThrow(UserError);
  });
});
