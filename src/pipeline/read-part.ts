/**
 * How the duckdb snapshot reader reads one part, slice by slice, into the temp table `snapshot_read`
 * of a connection: DuckDB reads the fields it needs (queries/snapshot/read_jsonl.sql,
 * read_parquet.sql into `snapshot_source`), TypeScript rebuilds the part's abstracts with the node
 * reader's own abstractOf() (into `snapshot_text`, and the indexes are let go), then for each slice
 * of the part's lines SQL makes the rows: rejects, countries under the policy, and `precise` where
 * the node reader must read a record (queries/snapshot/read_part.sql).
 *
 * Why slices: OpenAlex writes up to 400,000 records per part (about 1.3 GB gzipped). Made into rows
 * and classified whole, such a part ran out of the reader's 400 MB of DuckDB memory ("failed to pin
 * block") and went to the node reader, several times slower; only plain temp tables spill to disk
 * whole: `snapshot_source`, and `snapshot_text`, the part's rebuilt abstracts. A slice's rows and
 * classifier state are the same size whatever the part's.
 *
 * Why the abstracts are rebuilt here and not in SQL: DuckDB's list functions (sort the positions,
 * pick the words, join them) took about four times the part's own read, and reproducing
 * rebuildAbstract() exactly in SQL (two words at one position, JavaScript's key order, bad entries,
 * the set-aside rules) needed a dozen macros and still sent rare shapes back to the node reader.
 * JSON.parse and rebuildAbstract() on the index DuckDB hands over cost about half of that (and
 * rebuildAbstractJson() half again, and half again since), run on worker threads from 2 cores
 * (abstract-pool.ts), and are the node reader's results by construction.
 */
import type { CountryPolicy } from '../classify/countries.js';
import { VARCHAR_LIST, appendNullable, type StoreConnection } from '../store/store.js';
import { inlineRebuilder, type AbstractRebuilder } from './abstract-pool.js';

/**
 * Abstract indexes fetched from DuckDB at once: bounds what JavaScript holds of a part. Eight 50k-work
 * parts, two at once: 1,000 gave a peak RSS of 0.98-1.07 GB, 5,000 1.13-1.27 GB, in the same time
 * (45-48 s); 500 was slower (54 s).
 */
const TEXT_BATCH = 1_000n;

/**
 * Lines of a part made into rows at once (see above): the size of the bench's parts, whose two
 * side by side stay within the reader's memory limit.
 */
export const SLICE_LINES = 50_000;

export interface PartSlice {
  /** The slice's first and last line (1-based, inclusive); `snapshot_read` holds its records. */
  from: bigint;
  to: bigint;
}

/**
 * Reads the snapshot part `file` and, for each slice of up to `sliceLines` of its lines in order,
 * fills temp table `snapshot_read` of `conn` with that slice's rows (the abstracts rebuilt by
 * `rebuilder`: an AbstractPool's worker threads, or this thread) and awaits `each`, which may change
 * the table; it is dropped after. Call in a transaction of `conn`: a DuckDB error (a line it cannot
 * parse or type) leaves nothing behind on rollback.
 */
export async function readPartSlices(
  conn: StoreConnection,
  file: string,
  format: 'jsonl' | 'parquet',
  policy: CountryPolicy,
  each: (slice: PartSlice) => Promise<void>,
  options: { rebuilder?: AbstractRebuilder; sliceLines?: number } = {},
): Promise<void> {
  const rebuilder = options.rebuilder ?? inlineRebuilder;
  const size = BigInt(options.sliceLines ?? SLICE_LINES);
  await (format === 'parquet' ? readParquetSource(conn, file) : conn.run('snapshot/read_jsonl', { file }));
  const [end] = await conn.query<{ last: bigint }>('snapshot/source_lines');
  const last = end?.last ?? 0n;
  // Every abstract of the part first, then its indexes let go: they are most of what the part
  // holds in memory (see drop_indexes.sql), and the slices' rows need only the texts.
  await rebuildAbstracts(conn, rebuilder, { from: 1n, to: last });
  await conn.run('snapshot/drop_indexes');
  // An empty part is one empty slice: `each` still sees its (empty) rows.
  for (let from = 1n; from === 1n || from <= last; from += size) {
    const slice = { from, to: lastOf(from, size, last) };
    await conn.run('snapshot/read_part', { fold_hk_mo: policy === 'fold-hk-mo', from: slice.from, to: slice.to });
    await each(slice);
    await conn.runSql('drop table snapshot_read');
  }
  await conn.runSql('drop table snapshot_text');
  await conn.runSql('drop table snapshot_source');
}

/** The last line of a run of `size` lines from `from`, at most `end`. */
const lastOf = (from: bigint, size: bigint, end: bigint): bigint => (from + size - 1n < end ? from + size - 1n : end);

/** Drops the temp tables a part's read leaves on `conn` if it stopped outside a transaction rolled back. */
export async function dropPartTables(conn: StoreConnection): Promise<void> {
  for (const t of ['snapshot_source', 'snapshot_text', 'snapshot_read']) await conn.runSql(`drop table if exists ${t}`);
}

/**
 * Temp table `snapshot_source` from the Parquet part `file`, one row group at a time. Read whole, a
 * part of 400,000 records in row groups of 122,880 (DuckDB's own when it writes Parquet) ran out of
 * 1 GB: two threads each decoded a row group's abstract indexes (about 260 MB of text each) beside
 * the table. One statement per row group decodes one at a time; it took the same time (23 s).
 */
async function readParquetSource(conn: StoreConnection, file: string): Promise<void> {
  const groups = await conn.query<{ first_line: bigint; last_line: bigint }>('snapshot/parquet_row_groups', { file });
  const [first, ...rest] = groups;
  await conn.run('snapshot/read_parquet', { file, from: first?.first_line ?? 1n, to: first?.last_line ?? 0n });
  for (const g of rest) await conn.run('snapshot/append_parquet', { file, from: g.first_line, to: g.last_line });
}

/**
 * Temp table `snapshot_text`: the abstract and repair notes of each record of `slice`, as
 * normalizeWork() gives them. An index JSON.parse cannot read as DuckDB wrote it is marked
 * `precise`: the node reader reads that record from the file.
 */
async function rebuildAbstracts(conn: StoreConnection, rebuilder: AbstractRebuilder, slice: PartSlice): Promise<void> {
  await conn.run('snapshot/create_text');
  for (let from = slice.from; from <= slice.to; from += TEXT_BATCH) {
    const rows = await conn.query<{ line: bigint; aii: string }>('snapshot/source_indexes', { from, to: lastOf(from, TEXT_BATCH, slice.to) });
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
