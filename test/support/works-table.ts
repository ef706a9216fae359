/**
 * A `works` table in a bare DuckDB connection, filled the way the store fills it (appendWork), for
 * tests and benchmarks of the SQL classifier that need no Store around it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import type { Work } from '../../src/model/work.js';
import { appendWork } from '../../src/store/store.js';

/** A Work with only a title and an abstract (CONSTRUCTED texts): no authors, no MeSH. */
export function textWork(id: string, title: string | null, abstract: string | null, year = 2020): Work {
  return { id, year, title, abstract, authorships: [], authorsTruncated: false, mesh: null, type: null, language: null, updatedDate: null };
}

export async function fillWorksTable(connection: DuckDBConnection, works: Iterable<Work>, origin = 'test'): Promise<void> {
  await connection.run(readFileSync(new URL('../../queries/schema/works.sql', import.meta.url), 'utf8'));
  const app = await connection.createAppender('works');
  for (const w of works) appendWork(app, w, origin);
  app.flushSync();
  app.closeSync();
}
