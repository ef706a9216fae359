/**
 * The aggregate stage: yearly counts per country from the classified works, in DuckDB, full and
 * fractional, with both counting invariants checked next to the aggregation. The counts read the scope chain
 * (chain.ts), which writeWorks reads too, so both cover the same works.
 */
import { InvariantError } from '../errors.js';
import type { CollaborationRow, CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';
import { buildChain, readChain, type ScopeChain, type Verdict, type WorksListing } from './chain.js';
import type { Scope } from './scope.js';

export interface Aggregates {
  counts: CountRow[];
  worldTotals: { year: number; papers: number }[];
  /** Co-authored papers per year and pair of the Scope's countries (collaboration.csv). */
  collaboration: CollaborationRow[];
  /** The tables the counts came from, for the works they cover (writeWorks). */
  chain: ScopeChain;
}

/**
 * The counts of `scope` with both invariants checked, by the rule's verdict or (`compare`) by the
 * second rule's (--compare-keywords), through the same chain.
 */
export async function aggregate(store: Store, scope: Scope, verdict: Verdict = 'rule', listing?: WorksListing): Promise<Aggregates> {
  const chain = await buildChain(store, scope, verdict, listing);
  // The invariant messages say which rule's counts broke.
  const rule = verdict === 'compare' ? 'second rule: ' : '';
  const counts = await readChain<CountRow>(chain, 'counts_by_year_country');
  const worldTotals = await readChain<{ year: number; papers: number }>(chain, 'world_totals');
  const broken = await readChain<{ year: number; expected: number; observed: number }>(chain, 'check_full_counting');
  if (broken.length > 0) {
    const b = broken[0]!;
    throw new InvariantError(`${rule}full counts for ${b.year} add up to ${b.observed}, expected ${b.expected} (${broken.length} year(s) affected)`);
  }
  const unsplit = await readChain<{ year: number; expected: number; observed: number; misaligned: number }>(chain, 'check_fractional_counting');
  if (unsplit.length > 0) {
    const b = unsplit[0]!;
    throw new InvariantError(
      `${rule}fractional counts for ${b.year} add up to ${b.observed.toFixed(6)}, expected ${b.expected} (the papers with a known country)` +
        `${b.misaligned > 0 ? `; ${b.misaligned} paper(s) have weights that do not line up with their countries` : ''} (${unsplit.length} year(s) affected)`,
    );
  }
  const expectedRows = (scope.to - scope.from + 1) * scope.countries.length;
  if (counts.length !== expectedRows) {
    throw new InvariantError(`${rule}expected ${expectedRows} year x country rows, the aggregation returned ${counts.length}`);
  }
  const collaboration = await readChain<CollaborationRow>(chain, 'collaboration');
  return { counts, worldTotals, collaboration, chain };
}
