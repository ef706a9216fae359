/**
 * The DuckDB snapshot reader's cost against DuckDB's bare read of the same fields, side by side in
 * one run: both JSON Lines parts of a scale folder at once (one connection per file, as the reader
 * runs them), first the bare read_json, then snapshot_jsonl() into the temp table it fills.
 * Not a test.
 *   npx tsx bench/duckdb-reader.ts [/tmp/scale-100k] [rounds]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { QUERIES_DIR } from '../src/paths.js';

const root = process.argv[2] ?? '/tmp/scale-100k';
const rounds = Number(process.argv[3] ?? 2);
const worksDir = join(root, 'data/jsonl/works');
const files = readdirSync(worksDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => /part_\d+\.gz$/.test(f))
  .sort()
  .map((f) => join(worksDir, f));

const instance = await DuckDBInstance.create(':memory:', { threads: String(files.length) });
const setup = await instance.connect();
// Helpers first, the table macros that use them last.
const macros = readdirSync(join(QUERIES_DIR, 'schema'))
  .filter((f) => f.startsWith('snapshot_'))
  .sort((a, b) => Number(/jsonl|parquet/.test(a)) - Number(/jsonl|parquet/.test(b)) || a.localeCompare(b));
for (const m of macros) await setup.run(readFileSync(join(QUERIES_DIR, 'schema', m), 'utf8'));

const bare = `select count(*) from read_json($file, format = 'newline_delimited', records = true, columns = {id: 'JSON', publication_year: 'JSON', title: 'JSON', type: 'JSON', updated_date: 'JSON', authorships: 'JSON', abstract_inverted_index: 'JSON'}) with ordinality`;
const reader = 'create or replace temp table snapshot_read as select * from snapshot_jsonl($file, false)';

async function timed(sql: string): Promise<number> {
  const start = performance.now();
  await Promise.all(files.map(async (file) => {
    const c = await instance.connect();
    try {
      await c.run(sql, { file });
    } finally {
      c.closeSync();
    }
  }));
  return performance.now() - start;
}

console.log(`${files.length} files under ${worksDir}`);
for (let i = 0; i < rounds; i++) {
  const a = await timed(bare);
  const b = await timed(reader);
  console.log(`bare read_json ${(a / 1000).toFixed(1)} s, snapshot_jsonl ${(b / 1000).toFixed(1)} s, ratio ${(b / a).toFixed(2)}`);
}
instance.closeSync();
