/**
 * The aggregate stage: yearly counts per country from the classified works, in DuckDB, with the
 * full-counting invariant checked next to the aggregation.
 */
import { LIST, VARCHAR, listValue, type DuckDBValue } from '@duckdb/node-api';
import { InvariantError, UserError } from '../errors.js';
import type { CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';
import type { Scope } from './scope.js';


export { LIST_TYPES };

export interface Aggregates {
  counts: CountRow[];
  worldTotals: { year: number; papers: number }[];
}

/** Countries and types are bound as VARCHAR lists; DuckDB cannot infer a list parameter's type. */
const LIST_TYPES = { countries: LIST(VARCHAR), types: LIST(VARCHAR) };

/** The window's year and type bounds as the queries bind them. */
export function windowParams(window: Scope): { from_year: number; to_year: number; types: DuckDBValue; merge_versions: boolean } {
  return { from_year: window.from, to_year: window.to, types: listValue([...window.types]), merge_versions: window.mergeVersions };
}

export async function aggregate(store: Store, window: Scope): Promise<Aggregates> {
  const [{ n } = { n: 0 }] = await store.query<{ n: number }>('classified_count');
  if (n === 0) throw new UserError('nothing is classified yet: run `medai-trends classify` (or `run`) first');
  const { merge_versions: _, ...pairBounds } = windowParams(window);
  await store.query('version_pairs_table', pairBounds, LIST_TYPES);
  await store.query('version_map_table');
  await store.query('counted_papers_table', windowParams(window), LIST_TYPES);
  const counts = await store.query<CountRow>(
    'counts_by_year_country',
    { from_year: window.from, to_year: window.to, countries: listValue([...window.countries]) },
    LIST_TYPES,
  );
  const worldTotals = await store.query<{ year: number; papers: number }>('world_totals', { from_year: window.from, to_year: window.to });
  const broken = await store.query<{ year: number; expected: number; observed: number }>('check_full_counting');
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
