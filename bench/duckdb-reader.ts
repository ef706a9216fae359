/**
 * The DuckDB reader's cost against DuckDB's bare read of the same fields, side by side in one run:
 * the JSON Lines parts of a scale folder at once (one connection per file, as the reader runs
 * them), first the bare read_json, then readPartSlices() (the read, the abstracts rebuilt in
 * TypeScript, the rows made in SQL, slice by slice) into the temp table it fills. Not a test.
 *   npx tsx bench/duckdb-reader.ts [/tmp/scale-100k] [rounds]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPartSlices } from '../src/pipeline/read-part.js';
import { Store, type StoreConnection } from '../src/store/store.js';

const root = process.argv[2] ?? '/tmp/scale-100k';
const rounds = Number(process.argv[3] ?? 2);
const worksDir = join(root, 'data/jsonl/works');
const files = readdirSync(worksDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => /part_\d+\.gz$/.test(f))
  .sort()
  .map((f) => join(worksDir, f));

const store = await Store.open(':memory:', { threads: files.length });
const bare = `select count(*) from read_json($file, format = 'newline_delimited', records = true, hive_partitioning = false, columns = {id: 'JSON', publication_year: 'JSON', title: 'JSON', type: 'JSON', updated_date: 'JSON', authorships: 'JSON', abstract_inverted_index: 'JSON'}) with ordinality`;

async function timed(step: (c: StoreConnection, file: string) => Promise<void>): Promise<number> {
  const start = performance.now();
  await Promise.all(files.map(async (file) => {
    const c = await store.connect();
    try {
      await step(c, file);
    } finally {
      c.close();
    }
  }));
  return performance.now() - start;
}

console.log(`${files.length} files under ${worksDir}`);
for (let i = 0; i < rounds; i++) {
  const a = await timed((c, file) => c.runSql(bare, { file }));
  const b = await timed((c, file) => readPartSlices(c, file, 'jsonl', 'separate', async () => {}));
  console.log(`bare read_json ${(a / 1000).toFixed(1)} s, readPartSlices ${(b / 1000).toFixed(1)} s, ratio ${(b / a).toFixed(2)}`);
}
store.close();
