/**
 * The aggregate stage: yearly counts per country from the classified works, in DuckDB, with the
 * full-counting invariant checked next to the aggregation.
 */
import { LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { InvariantError, UserError } from '../errors.js';
import type { CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';

export interface Window {
  from: number;
  to: number;
  countries: string[];
}

export { LIST_TYPES };

export interface Aggregates {
  counts: CountRow[];
  worldTotals: { year: number; papers: number }[];
}

/** Countries are bound as a VARCHAR list; DuckDB cannot infer a list parameter's type. */
const LIST_TYPES = { countries: LIST(VARCHAR) };

export async function aggregate(store: Store, window: Window): Promise<Aggregates> {
  const [{ n } = { n: 0 }] = await store.query<{ n: number }>('classified_count');
  if (n === 0) throw new UserError('nothing is classified yet: run `medai-trends classify` (or `run`) first');
  const counts = await store.query<CountRow>(
    'counts_by_year_country',
    { from_year: window.from, to_year: window.to, countries: listValue(window.countries) },
    LIST_TYPES,
  );
  const worldTotals = await store.query<{ year: number; papers: number }>('world_totals', { from_year: window.from, to_year: window.to });
  const broken = await store.query<{ year: number; expected: number; observed: number }>('check_full_counting', {
    from_year: window.from,
    to_year: window.to,
  });
  if (broken.length > 0) {
    const b = broken[0]!;
    throw new InvariantError(`full counts for ${b.year} add up to ${b.observed}, expected ${b.expected} (${broken.length} year(s) affected)`);
  }
  const expectedRows = (window.to - window.from + 1) * window.countries.length;
  if (counts.length !== expectedRows) {
    throw new InvariantError(`expected ${expectedRows} year x country rows, the aggregation returned ${counts.length}`);
  }
  return { counts, worldTotals };
}
