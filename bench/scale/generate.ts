/**
 * Makes a snapshot-shaped folder of N works by resampling the real records
 * (../shared/data/openalex/works.jsonl.gz): each line is a real record as OpenAlex wrote it, with a
 * new id, so every field keeps its real distribution. The 2026 layout: JSON Lines parts under
 * data/jsonl/works/updated_date=…/part_NNNN.gz with their manifest.json, and the same rows as
 * Parquet under data/parquet/works/… with theirs. Not a test.
 *
 *   npx tsx bench/scale/generate.ts --works 100000 --out /tmp/scale-100k [--part 50000] [--no-parquet]
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
import { availableParallelism } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { WORKS_FILE } from '../../test/support/paths.js';

/** The partition every generated part sits in (one release). */
export const PARTITION = 'updated_date=2026-06-01';

interface PartJob {
  lines: string[];
  first: number;
  count: number;
  seed: number;
  path: string;
}

/** A small deterministic generator (mulberry32), so a size always yields the same files. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ID = /"id":\s*"https:\/\/openalex\.org\/W\d+"/;

/** One part's text: `count` records drawn at random, work i of the run renamed W9<i, 12 digits>. */
function sampleLines(job: PartJob): Buffer {
  const next = random(job.seed);
  const out: Buffer[] = [];
  for (let i = 0; i < job.count; i++) {
    const line = job.lines[Math.floor(next() * job.lines.length)]!;
    out.push(Buffer.from(`${line.replace(ID, `"id":"https://openalex.org/W9${String(job.first + i).padStart(12, '0')}"`)}\n`));
  }
  return Buffer.concat(out);
}

async function main(): Promise<void> {
  const arg = (name: string, fallback?: string): string => {
    const at = process.argv.indexOf(`--${name}`);
    if (at === -1) {
      if (fallback === undefined) throw new Error(`--${name} is required`);
      return fallback;
    }
    return process.argv[at + 1]!;
  };
  const works = Number(arg('works'));
  const out = arg('out');
  const perPart = Number(arg('part', '50000'));
  const parquet = !process.argv.includes('--no-parquet');
  const lines = gunzipSync(await readFile(WORKS_FILE)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  const jsonlDir = join(out, 'data', 'jsonl', 'works', PARTITION);
  await rm(out, { recursive: true, force: true });
  await mkdir(jsonlDir, { recursive: true });
  const jobs: PartJob[] = [];
  for (let first = 0, n = 0; first < works; first += perPart, n++) {
    jobs.push({ lines, first, count: Math.min(perPart, works - first), seed: 1000 + n, path: join(jsonlDir, `part_${String(n).padStart(4, '0')}.gz`) });
  }
  const started = Date.now();
  const written = await runJobs(jobs);
  await writeManifest(join(out, 'data', 'jsonl', 'works'), 'jsonl', written);
  console.error(`generated ${works} works in ${written.length} JSON Lines parts (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (parquet) {
    const t = Date.now();
    const parquetDir = join(out, 'data', 'parquet', 'works', PARTITION);
    await mkdir(parquetDir, { recursive: true });
    const db = await DuckDBInstance.create(':memory:', { threads: String(availableParallelism()) });
    const con = await db.connect();
    const parts: { path: string; records: number; bytes: number }[] = [];
    for (const w of written) {
      const path = join(parquetDir, w.path.split('/').at(-1)!.replace(/\.gz$/, '.snappy.parquet'));
      // Every field of the record, as DuckDB infers it; an object with many keys (the abstract's
      // inverted index) becomes a MAP, as in a Spark-written Parquet copy.
      await con.run(
        `copy (select * from read_json('${w.path}', format='newline_delimited', sample_size=-1, maximum_object_size=134217728)) to '${path}' (format parquet, compression snappy)`,
      );
      parts.push({ path, records: w.records, bytes: (await stat(path)).size });
    }
    con.closeSync();
    db.closeSync();
    await writeManifest(join(out, 'data', 'parquet', 'works'), 'parquet', parts);
    console.error(`wrote the same works as ${parts.length} Parquet parts (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}

async function writeManifest(dir: string, format: string, parts: { path: string; records: number; bytes: number }[]): Promise<void> {
  const entries = parts.map((p) => ({
    url: `s3://openalex/data/${format}/works/${PARTITION}/${p.path.split('/').at(-1)}`,
    meta: { content_length: p.bytes, record_count: p.records },
  }));
  const meta = { content_length: parts.reduce((s, p) => s + p.bytes, 0), record_count: parts.reduce((s, p) => s + p.records, 0) };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify({ entries, meta }, null, 2)}\n`);
}

/**
 * Writes the parts, two at a time per core: zlib's asynchronous gzip runs on libuv's thread pool,
 * so the compression of one part overlaps the sampling of the next.
 */
async function runJobs(jobs: PartJob[]): Promise<{ path: string; records: number; bytes: number }[]> {
  const results: { path: string; records: number; bytes: number }[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const job = jobs[next++];
      if (job === undefined) return;
      const gz = await gzipAsync(sampleLines(job), { level: 1 });
      await writeFile(job.path, gz);
      results.push({ path: job.path, records: job.count, bytes: gz.length });
    }
  };
  await Promise.all(Array.from({ length: availableParallelism() * 2 }, lane));
  return results.sort((a, b) => a.path.localeCompare(b.path));
}

await main();
