/**
 * The aggregate stage: yearly counts per country from the classified works, in DuckDB, with the
 * full-counting invariant checked next to the aggregation. The counts read the scope chain
 * (chain.ts), which writeWorks reads too, so both cover the same works.
 */
import { InvariantError } from '../errors.js';
import type { CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';
import { buildChain, readChain, type ScopeChain } from './chain.js';
import type { Scope } from './scope.js';

export interface Aggregates {
  counts: CountRow[];
  worldTotals: { year: number; papers: number }[];
  /** The tables the counts came from, for the works they cover (writeWorks). */
  chain: ScopeChain;
}

export async function aggregate(store: Store, scope: Scope): Promise<Aggregates> {
  const chain = await buildChain(store, scope);
  const counts = await readChain<CountRow>(chain, 'counts_by_year_country');
  const worldTotals = await readChain<{ year: number; papers: number }>(chain, 'world_totals');
  const broken = await readChain<{ year: number; expected: number; observed: number }>(chain, 'check_full_counting');
  if (broken.length > 0) {
    const b = broken[0]!;
    throw new InvariantError(`full counts for ${b.year} add up to ${b.observed}, expected ${b.expected} (${broken.length} year(s) affected)`);
  }
  const expectedRows = (scope.to - scope.from + 1) * scope.countries.length;
  if (counts.length !== expectedRows) {
    throw new InvariantError(`expected ${expectedRows} year x country rows, the aggregation returned ${counts.length}`);
  }
  return { counts, worldTotals, chain };
}
