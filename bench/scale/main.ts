/**
 * `npm run bench:scale`: the snapshot path at 100k, 1M and 5M works (issue 10). Per size, in one
 * run on the same files: generates the works by resampling the real records, measures the floors
 * (gzip -dc, DuckDB read_json and read_parquet counts) and the pipeline by stage through the real
 * CLI for JSON Lines and for Parquet, prints a markdown table and the targets, and stores the
 * numbers in a results file (`--print` shows them again). Not part of `npm test`.
 *
 *   npm run bench:scale -- [--sizes 100k,1M,5M] [--dir <folder>] [--keep] [--read duckdb|node|auto|none]
 *                          [--part <works per part>] [--results <file>] [--print] [--cli <checkout>]
 *                          [--formats jsonl,parquet]
 *
 * --read none runs fetch without the flag; --cli runs another checkout's bin/medai-trends.js (default
 * this one), e.g. a branch under test.
 *
 * The formats are measured one after the other (JSON Lines, then Parquet) and each one's files are
 * deleted after it unless --keep, so the disk holds one format of one size at a time: 5M works are
 * about 16 GB as gzipped JSON Lines and 12 GB as Parquet.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, statfs } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { hasGnuTime, runChild } from './child.js';
import { READ_JSON_SQL, READ_PARQUET_SQL, duckdbFloor, gzipFloor, type FloorRun } from './floors.js';
import { DEFAULT_PART, PARTITION, readBaseLines, writeJsonlParts, writeParquetParts, type Part } from './generate.js';
import { END_TO_END, allMarkdown, crossSizeTargets, readResults, saveResult, sizeTable, sizeTargets, verdictList, type Group, type Row, type SizeResult } from './results.js';
import { STAGES, runStage, type ReadChoice } from './stages.js';

const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const DEFAULT_SIZES = ['100k', '1M', '5M'];
const READ_CHOICES: readonly ReadChoice[] = ['duckdb', 'node', 'auto', 'none'];

/**
 * Database bytes per work assumed by the disk check, with room for DuckDB's spill files: the node
 * reader keeps every record whole (5.6 kB/work measured at 20k); the duckdb reader's compact store
 * aims at 300 B. 'auto' reads files under 1 GB with the node reader.
 */
const DB_BYTES_PER_WORK: Record<ReadChoice, number> = { duckdb: 1000, node: 6000, auto: 6000, none: 6000 };
/** Parquet parts per work, as a share of the JSON Lines parts (measured 0.77-1.0: never more). */
const PARQUET_VS_JSONL = 1.0;
/** Room left free for everything else on the disk. */
const DISK_MARGIN = 2 * 2 ** 30;

class BenchError extends Error {}

/** '100k' -> 100000, '5M' -> 5000000, '2500' -> 2500. */
export function parseSize(text: string): { label: string; works: number } {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (m === null) throw new BenchError(`--sizes: "${text}" is not a size such as 20k, 100k, 1M or 5M`);
  const works = Math.round(Number(m[1]) * ({ k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1));
  if (works < 1) throw new BenchError(`--sizes: "${text}" is less than one work`);
  return { label: `${m[1]}${m[2] === '' ? '' : m[2]!.toLowerCase() === 'k' ? 'k' : 'M'}`, works };
}

const OPTIONS = {
  sizes: { type: 'string', default: DEFAULT_SIZES.join(',') },
  dir: { type: 'string' },
  keep: { type: 'boolean', default: false },
  read: { type: 'string', default: 'duckdb' },
  part: { type: 'string' },
  results: { type: 'string', default: join(REPO, 'bench', 'scale', 'results.json') },
  print: { type: 'boolean', default: false },
  cli: { type: 'string', default: REPO },
  formats: { type: 'string', default: 'jsonl,parquet' },
} as const;

function options(argv: readonly string[]) {
  const parsed = (() => {
    try {
      return parseArgs({ args: [...argv], options: OPTIONS });
    } catch (err) {
      throw new BenchError((err as Error).message);
    }
  })();
  const values = parsed.values;
  const read = values.read as ReadChoice;
  if (!READ_CHOICES.includes(read)) throw new BenchError(`--read: one of ${READ_CHOICES.join(', ')}`);
  const part = values.part === undefined ? null : Number(values.part);
  if (part !== null && !(Number.isInteger(part) && part > 0)) throw new BenchError('--part: a whole number of works per part');
  const formats = values.formats.split(',').map((f) => f.trim());
  if (formats.length === 0 || formats.some((f) => f !== 'jsonl' && f !== 'parquet') || !formats.includes('jsonl')) {
    throw new BenchError('--formats: jsonl, or jsonl,parquet (the Parquet target is a ratio to JSON Lines)');
  }
  return { sizes: values.sizes.split(',').map(parseSize), dir: values.dir ?? null, keep: values.keep, read, part, results: resolve(values.results), print: values.print, cli: resolve(values.cli), parquet: formats.includes('parquet') };
}

const log = (text: string): void => void process.stderr.write(`${text}\n`);
const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

/** Refuses before any work when the disk cannot hold what the run will write at its peak. */
async function checkDisk(root: string, sizes: readonly { label: string; works: number }[], keep: boolean, jsonlPerWork: number, read: ReadChoice): Promise<void> {
  const perWork = { jsonl: jsonlPerWork, parquet: jsonlPerWork * PARQUET_VS_JSONL, db: DB_BYTES_PER_WORK[read] };
  // Without --keep one format of one size is on disk at a time; with it, everything stays.
  const need = keep
    ? sizes.reduce((s, z) => s + z.works * (perWork.jsonl + perWork.parquet + 2 * perWork.db), 0)
    : Math.max(...sizes.map((z) => z.works * (Math.max(perWork.jsonl, perWork.parquet) + perWork.db)));
  const fs = await statfs(root);
  const free = fs.bavail * fs.bsize;
  const gb = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GB`;
  if (need + DISK_MARGIN > free) {
    throw new BenchError(
      `not enough free disk under ${root}: the run needs about ${gb(need)} at its peak (+${gb(DISK_MARGIN)} spare) and ${gb(free)} is free. ` +
        `Pass --dir on a larger disk, fewer --sizes${keep ? ', or drop --keep' : ''}.`,
    );
  }
  log(`disk: about ${gb(need)} needed at the peak, ${gb(free)} free under ${root}`);
}

/** The CLI checkout's commit, marked when its tracked files differ from it. */
function commit(cli: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: cli, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: cli, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

/** A floor row; a count that differs from the works generated fails the run (the floor read something else). */
function floorRow(stage: string, run: FloorRun, works: number): Row {
  if (run.exitCode !== 0) return { group: 'floor', stage, seconds: null, peakRssBytes: run.peakRssBytes, dbBytes: null, error: `failed: ${run.stderrTail}` };
  if (run.rows !== null && run.rows !== works) throw new BenchError(`${stage} counted ${run.rows} rows, not the ${works} works generated`);
  return { group: 'floor', stage, seconds: run.seconds, peakRssBytes: run.peakRssBytes, dbBytes: null };
}

/** The four stages on a fresh database, then the end-to-end and total rows. */
async function pipelineRows(cli: string, group: Exclude<Group, 'floor'>, snapshot: string, work: string, read: ReadChoice, logFile: string): Promise<Row[]> {
  await mkdir(work, { recursive: true });
  const target = { snapshot, db: join(work, 'medai.duckdb'), out: join(work, 'report'), read };
  // A kept folder holds the last run's database: reloaded in place, it keeps that run's freed blocks
  // (135 MB where a fresh file of the same 800k works is 85 MB), so its bytes per work would be wrong.
  await Promise.all(['', '.wal', '.tmp'].map((suffix) => rm(`${target.db}${suffix}`, { recursive: true, force: true })));
  const rows: Row[] = [];
  let failed: string | null = null;
  for (const stage of STAGES) {
    if (failed !== null) {
      rows.push({ group, stage, seconds: null, peakRssBytes: null, dbBytes: null, error: `skipped (${failed} failed)` });
      continue;
    }
    log(`  ${group} ${stage}…`);
    const run = await runStage(cli, stage, target, { cwd: cli, logFile });
    if (run.exitCode !== 0) {
      failed = stage;
      log(`  ${group} ${stage} failed (exit ${run.exitCode}): ${run.stderrTail}`);
      rows.push({ group, stage, seconds: null, peakRssBytes: run.peakRssBytes, dbBytes: run.dbBytes, error: `exit ${run.exitCode}: ${run.stderrTail}` });
    } else rows.push({ group, stage, seconds: run.seconds, peakRssBytes: run.peakRssBytes, dbBytes: run.dbBytes });
  }
  const sum = (stages: readonly string[], label: string): Row => {
    const part = rows.filter((r) => stages.includes(r.stage));
    const ok = part.every((r) => r.seconds !== null);
    const rss = part.map((r) => r.peakRssBytes).filter((b): b is number => b !== null);
    return {
      group,
      stage: label,
      seconds: ok ? part.reduce((s, r) => s + r.seconds!, 0) : null,
      peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
      dbBytes: part.at(-1)?.dbBytes ?? null,
      ...(ok ? {} : { error: 'a stage failed' }),
    };
  };
  rows.push(sum(END_TO_END, 'end-to-end'), sum(STAGES, 'total'));
  return rows;
}

/** The parts an earlier --keep run left for this size and format, when its manifest holds exactly `works` records. */
async function keptParts(dir: string, format: 'jsonl' | 'parquet', works: number): Promise<Part[] | null> {
  const root = join(dir, 'data', format, 'works');
  const text = await readFile(join(root, 'manifest.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  const { entries } = JSON.parse(text) as { entries: { url: string; meta: { content_length: number; record_count: number } }[] };
  if (entries.reduce((s, e) => s + e.meta.record_count, 0) !== works) return null;
  const parts = entries.map((e) => ({ path: join(root, PARTITION, e.url.split('/').at(-1)!), records: e.meta.record_count, bytes: e.meta.content_length }));
  for (const p of parts) if ((await stat(p.path).catch(() => null))?.size !== p.bytes) return null;
  log(`  ${format}: reusing the ${parts.length} parts kept by an earlier run`);
  return parts;
}

const bytesOf = (parts: readonly Part[]): number => parts.reduce((s, p) => s + p.bytes, 0);

async function measureSize(size: { label: string; works: number }, root: string, o: ReturnType<typeof options>, lines: readonly string[]): Promise<SizeResult> {
  const dir = join(root, size.label);
  const logFile = join(root, `${size.label}.log`);
  // With --keep, parts kept by an earlier run of the same size are measured again, not rewritten
  // (the 5M JSON Lines parts take the better part of an hour to write on two cores).
  if (!o.keep) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // Parts of up to 50k works, and at least one per core so that small sizes are read side by side too.
  const perPart = o.part ?? Math.min(DEFAULT_PART, Math.ceil(size.works / availableParallelism()));
  log(`${size.label}: ${size.works} works, parts of ${perPart}, log ${logFile}`);
  const child = { cwd: REPO, logFile };

  let t = process.hrtime.bigint();
  const jsonl = (o.keep ? await keptParts(dir, 'jsonl', size.works) : null) ?? (await writeJsonlParts(dir, size.works, perPart, lines));
  const generateJsonl = since(t);
  log(`  JSON Lines: ${jsonl.length} parts written (${generateJsonl.toFixed(1)} s); floors…`);
  const jsonlFiles = jsonl.map((p) => p.path);
  const rows: Row[] = [floorRow('gzip -dc', await gzipFloor(jsonlFiles, child), size.works), floorRow('read_json', await duckdbFloor(READ_JSON_SQL, jsonlFiles, child), size.works)];
  const jsonlRows = await pipelineRows(o.cli, 'jsonl', join(dir, 'data', 'jsonl', 'works', 'updated_date=*', 'part_*.gz'), join(dir, 'run-jsonl'), o.read, logFile);
  if (!o.keep) await Promise.all([rm(join(dir, 'data', 'jsonl'), { recursive: true, force: true }), rm(join(dir, 'run-jsonl'), { recursive: true, force: true })]);

  let parquet: Part[] = [];
  let generateParquet = 0;
  let parquetRows: Row[] = [];
  // --formats jsonl: the JSON Lines measures alone (the 5M Parquet parts take longer to write than to read).
  if (o.parquet) {
    t = process.hrtime.bigint();
    parquet = (o.keep ? await keptParts(dir, 'parquet', size.works) : null) ?? (await writeParquetParts(dir, size.works, perPart, lines));
    generateParquet = since(t);
    log(`  Parquet: ${parquet.length} parts written (${generateParquet.toFixed(1)} s); floor…`);
    rows.push(floorRow('read_parquet', await duckdbFloor(READ_PARQUET_SQL, parquet.map((p) => p.path), child), size.works));
    parquetRows = await pipelineRows(o.cli, 'parquet', join(dir, 'data', 'parquet', 'works', 'updated_date=*', 'part_*.parquet'), join(dir, 'run-parquet'), o.read, logFile);
  }
  if (!o.keep) await rm(dir, { recursive: true, force: true });

  return {
    size: size.label,
    works: size.works,
    date: new Date().toISOString(),
    commit: commit(o.cli),
    cores: availableParallelism(),
    read: o.read,
    rssSource: hasGnuTime ? 'GNU time %M' : '/proc VmHWM polled',
    files: { jsonl: { parts: jsonl.length, bytes: bytesOf(jsonl) }, parquet: { parts: parquet.length, bytes: bytesOf(parquet) } },
    generateSeconds: { jsonl: generateJsonl, parquet: generateParquet },
    rows: [...rows, ...jsonlRows, ...parquetRows],
  };
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  if (o.print) {
    process.stdout.write(`${allMarkdown(await readResults(o.results))}\n`);
    return 0;
  }
  const lines = await readBaseLines();
  const jsonlPerWork = gzipSync(lines.join('\n'), { level: 1 }).length / lines.length;
  const root = o.dir === null ? await mkdtemp(join(dirname(REPO), 'medai-trends-scale-')) : resolve(o.dir);
  await mkdir(root, { recursive: true });
  try {
    await checkDisk(root, o.sizes, o.keep, jsonlPerWork, o.read);
  } catch (err) {
    if (o.dir === null) await rm(root, { recursive: true, force: true });
    throw err;
  }
  // The CLI compiles its sources into a cache on first use; do that before anything is timed.
  await runChild(process.execPath, [join(o.cli, 'bin', 'medai-trends.js'), '--version'], { cwd: o.cli, logFile: join(root, 'warm-up.log') });
  let failures = 0;
  for (const size of o.sizes) {
    const result = await measureSize(size, root, o, lines);
    await saveResult(o.results, result);
    const verdicts = sizeTargets(result);
    failures += result.rows.filter((r) => r.seconds === null).length;
    process.stdout.write(`${sizeTable(result)}\n\nTargets:\n${verdictList(verdicts)}\n\n`);
  }
  process.stdout.write(`Across sizes (from ${o.results}):\n${verdictList(crossSizeTargets(await readResults(o.results)))}\n`);
  log(`results: ${o.results}`);
  // The default folder goes unless asked to keep it or a failure's log is in it.
  if (o.dir === null && !o.keep && failures === 0) await rm(root, { recursive: true, force: true });
  else log(`files and logs: ${root}`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof BenchError)) throw err;
  process.stderr.write(`bench:scale: ${err.message}\n`);
  process.exitCode = 2;
}
