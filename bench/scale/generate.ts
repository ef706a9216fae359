/**
 * Makes a snapshot-shaped folder of N works by resampling the real records
 * (../shared/data/openalex/works.jsonl.gz): each record is a real one as OpenAlex wrote it, with a
 * new id, so every field keeps its real distribution. The 2026 layout: JSON Lines parts under
 * data/jsonl/works/updated_date=…/part_NNNN.gz with their manifest.json, and the same works, row
 * for row, as Parquet under data/parquet/works/… with theirs. Not a test.
 *
 *   npx tsx bench/scale/generate.ts --works 100000 --out /tmp/scale-100k [--part 50000] [--no-parquet]
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGzip, gunzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { WORKS_FILE } from '../../test/support/paths.js';

/** The partition every generated part sits in (one release). */
export const PARTITION = 'updated_date=2026-06-01';

/**
 * Parts this size at most by default, so that even 100k works make one part per core (a gz part is
 * read by one thread). OpenAlex's own export writes up to 400,000 records per part (`--part 400000`
 * makes parts of that size; the reader takes any part in slices of 50,000 lines).
 */
export const DEFAULT_PART = 50_000;

export interface Part {
  path: string;
  records: number;
  bytes: number;
}

/** One part of a generated snapshot: works `first`…`first+count-1`, drawn with `seed`. */
interface PartPlan {
  n: number;
  first: number;
  count: number;
  seed: number;
}

/** The real records, one JSON text per line, in file order (record k of the base is line k). */
export async function readBaseLines(): Promise<string[]> {
  return gunzipSync(await readFile(WORKS_FILE)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
}

/** The parts of `works` works: `perPart` each (the last one shorter), each with its own seed. */
function planParts(works: number, perPart: number): PartPlan[] {
  const plans: PartPlan[] = [];
  for (let first = 0, n = 0; first < works; first += perPart, n++) plans.push({ n, first, count: Math.min(perPart, works - first), seed: 1000 + n });
  return plans;
}

const partName = (n: number): string => `part_${String(n).padStart(4, '0')}`;

/** Work i of a generated snapshot is W9<i, 12 digits>: ids no real work has, unique across parts. */
const workId = (i: number): string => `https://openalex.org/W9${String(i).padStart(12, '0')}`;

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

/** Which base record each work of a part is: the one list both formats are written from. */
function draws(plan: PartPlan, baseCount: number): Uint32Array {
  const next = random(plan.seed);
  const out = new Uint32Array(plan.count);
  for (let i = 0; i < plan.count; i++) out[i] = Math.floor(next() * baseCount);
  return out;
}

const ID = /"id":\s*"https:\/\/openalex\.org\/W\d+"/;

/** A part's lines, in batches of about 1,000 (one write each), the record's first id renamed. */
function* partText(plan: PartPlan, lines: readonly string[]): Generator<string> {
  const picks = draws(plan, lines.length);
  const BATCH = 1000;
  for (let at = 0; at < picks.length; at += BATCH) {
    let chunk = '';
    for (let i = at; i < Math.min(at + BATCH, picks.length); i++) {
      chunk += `${lines[picks[i]!]!.replace(ID, `"id":"${workId(plan.first + i)}"`)}\n`;
    }
    yield chunk;
  }
}

/** Runs `task` over `items`, `lanes` at a time; results in the items' order. */
async function inLanes<T, R>(items: readonly T[], lanes: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return results;
}

/**
 * Writes the JSON Lines parts and their manifest under `<out>/data/jsonl/works/`. Streamed: zlib's
 * gzip runs on libuv's thread pool, so two parts per core overlap sampling and compression
 * without holding a part's text (about 0.7 GB per 50k works) in memory. Level 1: the files are
 * read many times and written once per size; the read cost, not the size, is what is measured.
 */
export async function writeJsonlParts(out: string, works: number, perPart: number, lines: readonly string[]): Promise<Part[]> {
  const root = join(out, 'data', 'jsonl', 'works');
  const dir = join(root, PARTITION);
  await mkdir(dir, { recursive: true });
  const parts = await inLanes(planParts(works, perPart), availableParallelism() * 2, async (plan) => {
    const path = join(dir, `${partName(plan.n)}.gz`);
    await pipeline(Readable.from(partText(plan, lines)), createGzip({ level: 1 }), createWriteStream(path));
    return { path, records: plan.count, bytes: (await stat(path)).size };
  });
  await writeManifest(root, 'jsonl', parts);
  return parts;
}

/**
 * Writes the same works as Parquet parts (part_NNNN.snappy.parquet, row i = line i of the JSON
 * Lines part) and their manifest under `<out>/data/parquet/works/`. The 2,290 base records are
 * loaded into DuckDB once, with the schema DuckDB infers from all of them; each part is then the
 * join of its draws with that table, so no JSON is parsed per part.
 *
 * abstract_inverted_index stays as DuckDB infers it, MAP(VARCHAR, JSON) — the type of the
 * /tmp/scale-100k copy the readers were written against. Not MAP(VARCHAR, INTEGER[]) as a Spark
 * copy might have it: the pre-2023 wrapper `{"IndexLength": n, "InvertedIndex": {…}}` of some real
 * records would not fit, and JSON values keep both shapes readable (to_json(map) gives the object back).
 */
export async function writeParquetParts(out: string, works: number, perPart: number, lines: readonly string[]): Promise<Part[]> {
  const root = join(out, 'data', 'parquet', 'works');
  const dir = join(root, PARTITION);
  await mkdir(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', { threads: String(availableParallelism()) });
  const con = await db.connect();
  try {
    await loadBase(con, lines);
    await con.run('create temp table draws (i integer, k integer)');
    const parts: Part[] = [];
    for (const plan of planParts(works, perPart)) {
      const path = join(dir, `${partName(plan.n)}.snappy.parquet`);
      await con.run('delete from draws');
      const appender = await con.createAppender('draws');
      draws(plan, lines.length).forEach((k, i) => {
        appender.appendInteger(i);
        appender.appendInteger(k);
        appender.endRow();
      });
      appender.closeSync();
      // Ordered by i, so row i of the Parquet part is line i+1 of the JSON Lines part.
      await con.run(
        `copy (select b.* exclude (k) replace ('https://openalex.org/W9' || lpad((${plan.first} + d.i)::varchar, 12, '0') as id)
               from draws d join base b using (k) order by d.i)
         to '${path.replaceAll("'", "''")}' (format parquet, compression snappy)`,
      );
      parts.push({ path, records: plan.count, bytes: (await stat(path)).size });
    }
    await writeManifest(root, 'parquet', parts);
    return parts;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/**
 * Table `base`: the real records with k = their line index, checked against the lines' ids so the
 * Parquet parts draw exactly the records the JSON Lines parts do.
 */
async function loadBase(con: DuckDBConnection, lines: readonly string[]): Promise<void> {
  await con.run(
    `create temp table base as
     select (ordinality - 1)::integer as k, * exclude (ordinality)
     from read_json('${WORKS_FILE.replaceAll("'", "''")}', format='newline_delimited', sample_size=-1, maximum_object_size=134217728) with ordinality`,
  );
  const ids = (await con.runAndReadAll('select id from base order by k')).getRows().map((r) => r[0]);
  const expected = lines.map((l) => (JSON.parse(l) as { id?: unknown }).id ?? null);
  const at = expected.findIndex((id, k) => ids[k] !== id);
  if (ids.length !== expected.length || at !== -1) {
    throw new Error(`generate: DuckDB read the base records in another order or count (${ids.length} of ${expected.length}; first difference at line ${at + 1})`);
  }
}

async function writeManifest(dir: string, format: string, parts: readonly Part[]): Promise<void> {
  const entries = parts.map((p) => ({
    url: `s3://openalex/data/${format}/works/${PARTITION}/${p.path.split('/').at(-1)}`,
    meta: { content_length: p.bytes, record_count: p.records },
  }));
  const meta = { content_length: parts.reduce((s, p) => s + p.bytes, 0), record_count: parts.reduce((s, p) => s + p.records, 0) };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify({ entries, meta }, null, 2)}\n`);
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
  const perPart = Number(arg('part', String(DEFAULT_PART)));
  const lines = await readBaseLines();
  await rm(out, { recursive: true, force: true });
  let t = Date.now();
  const jsonl = await writeJsonlParts(out, works, perPart, lines);
  console.error(`generated ${works} works in ${jsonl.length} JSON Lines parts (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  if (!process.argv.includes('--no-parquet')) {
    t = Date.now();
    const parquet = await writeParquetParts(out, works, perPart, lines);
    console.error(`wrote the same works as ${parquet.length} Parquet parts (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
