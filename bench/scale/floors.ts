/**
 * The floors a snapshot read is held against, each over all parts of one size, each in a child
 * process (for its peak RSS):
 * - `gzip -dc part > /dev/null`, one process per core at a time: the cost of only inflating;
 * - DuckDB counting rows with read_json over the fields the pipeline needs;
 * - DuckDB counting the same columns with read_parquet.
 * DuckDB runs with its defaults (every core; a gz file is read by one thread, so files are read
 * side by side), as the CLI does.
 */
import { availableParallelism } from 'node:os';
import { runChild, type ChildOptions, type ChildRun } from './child.js';

/** The fields the pipeline reads from a work; the count of each forces it to be read and parsed. */
export const NEEDED_FIELDS = [
  'id',
  'publication_year',
  'title',
  'display_name',
  'type',
  'language',
  'updated_date',
  'is_authors_truncated',
  'authorships',
  'abstract_inverted_index',
] as const;

/**
 * Their read_json types. JSON where a typed read could fail on real records: authorships and the
 * abstract's index vary in shape (the pre-2023 `{"IndexLength", "InvertedIndex"}` wrapper), and a
 * damaged record may carry a year or flag as a string. Plain text fields are VARCHAR.
 */
const JSON_COLUMNS: Record<(typeof NEEDED_FIELDS)[number], string> = {
  id: 'VARCHAR',
  publication_year: 'JSON',
  title: 'VARCHAR',
  display_name: 'VARCHAR',
  type: 'VARCHAR',
  language: 'VARCHAR',
  updated_date: 'VARCHAR',
  is_authors_truncated: 'JSON',
  authorships: 'JSON',
  abstract_inverted_index: 'JSON',
};

const counts = NEEDED_FIELDS.map((f) => `count(${f})`).join(', ');

/** count(*) alone is answered from Parquet metadata; count(col) per column makes each be read. */
export const READ_JSON_SQL = `select count(*)::bigint::varchar as n, ${counts}
  from read_json($files, format='newline_delimited', maximum_object_size=134217728,
    columns={${Object.entries(JSON_COLUMNS).map(([k, v]) => `${k}: '${v}'`).join(', ')}})`;
export const READ_PARQUET_SQL = `select count(*)::bigint::varchar as n, ${counts} from read_parquet($files)`;

/** The DuckDB child: runs one counting statement over the files and prints the row count. */
const COUNT_SCRIPT = `
import { DuckDBInstance, listValue, LIST, VARCHAR } from '@duckdb/node-api';
const [sql, files] = process.argv.slice(1);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const reader = await con.runAndReadAll(sql, { files: listValue(JSON.parse(files)) }, { files: LIST(VARCHAR) });
console.log(reader.getRows()[0][0]);
`;

export interface FloorRun extends ChildRun {
  /** Rows DuckDB counted (null for gzip), checked by the caller against the works generated. */
  rows: number | null;
}

export async function gzipFloor(files: readonly string[], options: ChildOptions): Promise<FloorRun> {
  const started = process.hrtime.bigint();
  const runs: ChildRun[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < files.length; i = next++) runs.push(await runChild('gzip', ['-dc', files[i]!], options));
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), files.length) }, lane));
  const failed = runs.find((r) => r.exitCode !== 0);
  const rss = runs.map((r) => r.peakRssBytes).filter((b): b is number => b !== null);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
    exitCode: failed?.exitCode ?? 0,
    stderrTail: failed?.stderrTail ?? '',
    stdout: '',
    rows: null,
  };
}

export async function duckdbFloor(sql: string, files: readonly string[], options: ChildOptions): Promise<FloorRun> {
  const run = await runChild(process.execPath, ['--input-type=module', '-e', COUNT_SCRIPT, sql, JSON.stringify(files)], { ...options, captureStdout: true });
  return { ...run, rows: run.exitCode === 0 ? Number(run.stdout.trim()) : null };
}
