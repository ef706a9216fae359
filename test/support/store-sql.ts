/**
 * A test's own SQL against a Store, to look at or damage its tables directly. The CLI's code has no
 * such door: the store's connection is private and every query it runs is a file in queries/. Here
 * the SQL still takes its turn on the store's queue, like any query.
 */
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { CountryPolicy } from '../../src/classify/countries.js';
import type { KeywordRules } from '../../src/classify/keywords.js';
import { classifySqlParams } from '../../src/classify/sql.js';
import type { Work } from '../../src/model/work.js';
import { Store, StoreConnection, type StoreOptions } from '../../src/store/store.js';
import { WORKS_FILE } from './paths.js';

interface Inside {
  connection: DuckDBConnection;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

const inside = (store: Store): Inside => store as unknown as Inside;

/** The store's own connection as a StoreConnection: what the duckdb reader's steps take, with its temp tables visible to sqlRows. */
export const storeConnection = (store: Store): StoreConnection => new StoreConnection(inside(store).connection);

/** The rows of `sql`, as plain JS values. */
export async function sqlRows(store: Store, sql: string, params: Record<string, DuckDBValue> = {}, types?: Record<string, DuckDBType>): Promise<Record<string, unknown>[]> {
  const s = inside(store);
  return s.exclusive(async () => (await s.connection.runAndReadAll(sql, params, types)).getRowObjectsJS());
}

/** Runs `sql` for its effect. */
export async function sqlRun(store: Store, sql: string, params: Record<string, DuckDBValue> = {}): Promise<void> {
  const s = inside(store);
  await s.exclusive(() => s.connection.run(sql, params));
}

/** An in-memory Store holding `works`, written as the fetch writes them (one batch). */
export async function storeWithWorks(works: Iterable<Work>, origin = 'test', options: StoreOptions = {}): Promise<Store> {
  const store = await Store.open(':memory:', options);
  const batch = [...works].map((work) => ({ work, origin }));
  await store.commitBatch({ works: batch, rejects: [], recordsRead: batch.length });
  return store;
}

/** A row of classify_works.sql: the columns of the `classified` table. */
export interface SqlClassification {
  work_id: string;
  year: number;
  is_medical: boolean;
  is_ai: boolean;
  is_medical_ai: boolean;
  matched_terms: string[];
  countries: string[];
  weights: number[];
}

/** The SQL twin's verdict on every stored work, read back as rows (the CLI inserts them in DuckDB). */
export async function classifyWorksInDatabase(store: Store, rules: KeywordRules, policy: CountryPolicy = 'separate'): Promise<SqlClassification[]> {
  const { params, types } = classifySqlParams(rules, policy);
  return store.query<SqlClassification>('classify_works', params, types);
}

/**
 * The real records (WORKS_FILE) written as one Parquet part at `path`, in the column types of
 * OpenAlex's Parquet snapshot (typed authorships, the abstract index as JSON), by `store`'s DuckDB.
 */
export async function writeRealRecordsParquet(store: Store, path: string, rowGroupSize?: number): Promise<void> {
  await sqlRun(
    store,
    `copy (select * from read_json('${WORKS_FILE}', format = 'newline_delimited', records = true, columns = {
      id: 'VARCHAR', publication_year: 'BIGINT', title: 'VARCHAR', display_name: 'VARCHAR',
      authorships: 'STRUCT(author_position VARCHAR, countries VARCHAR[], institutions STRUCT(id VARCHAR, country_code VARCHAR)[])[]',
      abstract_inverted_index: 'JSON', type: 'VARCHAR', language: 'VARCHAR', updated_date: 'VARCHAR', is_authors_truncated: 'BOOLEAN'
    })) to '${path}' (format parquet${rowGroupSize === undefined ? '' : `, row_group_size ${rowGroupSize}`})`,
  );
}
