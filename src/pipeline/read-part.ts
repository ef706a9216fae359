/**
 * How the duckdb snapshot reader reads one part into the temp table `snapshot_read` of a connection:
 * DuckDB reads the fields it needs (queries/snapshot/read_jsonl.sql, read_parquet.sql into
 * `snapshot_source`), TypeScript rebuilds the abstracts with the node reader's own abstractOf()
 * (into `snapshot_text`), and SQL makes the rows: rejects, countries under the policy, and `precise`
 * where the node reader must read a record (queries/snapshot/read_part.sql).
 *
 * Why the abstracts are rebuilt here and not in SQL: DuckDB's list functions (sort the positions,
 * pick the words, join them) took about four times the part's own read, and reproducing
 * rebuildAbstract() exactly in SQL (two words at one position, JavaScript's key order, bad entries,
 * the set-aside rules) needed a dozen macros and still sent rare shapes back to the node reader.
 * JSON.parse and rebuildAbstract() on the index DuckDB hands over cost about half of that (and
 * rebuildAbstractJson() half again), run in worker threads from 4 cores (abstract-pool.ts), and are
 * the node reader's results by construction.
 */
import type { CountryPolicy } from '../classify/countries.js';
import { VARCHAR_LIST, appendNullable, type StoreConnection } from '../store/store.js';
import { inlineRebuilder, type AbstractRebuilder } from './abstract-pool.js';

/** Abstract indexes fetched from DuckDB at once: bounds what JavaScript holds of a part. */
const TEXT_BATCH = 5_000n;

/**
 * Fills temp table `snapshot_read` of `conn` from the snapshot part `file`, the abstracts rebuilt by
 * `rebuilder` (an AbstractPool's worker threads, or this thread). Call in a transaction of `conn`:
 * a DuckDB error (a line it cannot parse or type) leaves nothing behind on rollback.
 */
export async function readPartRows(
  conn: StoreConnection,
  file: string,
  format: 'jsonl' | 'parquet',
  policy: CountryPolicy,
  rebuilder: AbstractRebuilder = inlineRebuilder,
): Promise<void> {
  await conn.run(format === 'parquet' ? 'snapshot/read_parquet' : 'snapshot/read_jsonl', { file });
  await rebuildAbstracts(conn, rebuilder);
  await conn.run('snapshot/read_part', { fold_hk_mo: policy === 'fold-hk-mo' });
  await conn.runSql('drop table snapshot_source');
  await conn.runSql('drop table snapshot_text');
}

/**
 * Temp table `snapshot_text`: each record's abstract and its repair notes, as normalizeWork() gives
 * them. An index JSON.parse cannot read as DuckDB wrote it is marked `precise`: the node reader
 * reads that record from the file.
 */
async function rebuildAbstracts(conn: StoreConnection, rebuilder: AbstractRebuilder): Promise<void> {
  await conn.run('snapshot/create_text');
  const [end] = await conn.query<{ last: bigint }>('snapshot/source_lines');
  const last = end?.last ?? 0n;
  for (let from = 1n; from <= last; from += TEXT_BATCH) {
    const rows = await conn.query<{ line: bigint; aii: string }>('snapshot/source_indexes', { from, to: from + TEXT_BATCH - 1n });
    if (rows.length === 0) continue;
    const rebuilt = await rebuilder.rebuild(rows.map((r) => r.aii));
    await conn.append(
      'snapshot_text',
      (app) => {
        rows.forEach((r, i) => {
          app.appendBigInt(r.line);
          appendNullable(app, rebuilt.texts[i] ?? null);
          app.appendList(rebuilt.notes[i] ?? [], VARCHAR_LIST);
          app.appendBoolean(rebuilt.failed[i] ?? true);
          app.endRow();
        });
      },
      { temp: true },
    );
  }
}
