/**
 * Which snapshot reader a load uses (`--read`): "node" (src/pipeline/ingest.ts, full records) or
 * "duckdb" (src/pipeline/ingest-duckdb.ts, a compact data set read inside DuckDB). Apart from both
 * so the command line checks the flag without loading either.
 */
import { UserError } from '../errors.js';
import { isParquetPath } from '../files.js';
import type { SnapshotReader } from './provenance.js';

export type ReadChoice = SnapshotReader | 'auto';
export const READ_CHOICES: readonly ReadChoice[] = ['duckdb', 'node', 'auto'];
/** The node reader by default below this: small snapshots (and the tests) keep full records. */
export const DEFAULT_READ: ReadChoice = 'auto';

/**
 * `--read auto` reads with DuckDB when the files total more than this. Below it the node reader
 * takes minutes at most and keeps full records (abstracts for `explain`, `evaluate`,
 * `--compare-keywords`); above it its time and the store's size grow past what a laptop run bears.
 */
export const AUTO_DUCKDB_BYTES = 1_000_000_000;

/**
 * Which reader a snapshot load uses, and why, for the log. Parquet parts are read by the duckdb
 * reader alone: `auto` picks it for them whatever their size, and `--read node` is refused.
 */
export function chooseReader(choice: ReadChoice, files: readonly { bytes: number; path: string }[]): { read: SnapshotReader; why: string } {
  const parquet = files.find((f) => isParquetPath(f.path));
  if (parquet !== undefined && choice === 'node') {
    throw new UserError(`--read node reads JSON only, and ${parquet.path} is a Parquet part: read it with --read duckdb (or auto)`);
  }
  if (choice !== 'auto') return { read: choice, why: `--read ${choice}` };
  if (parquet !== undefined) return { read: 'duckdb', why: '--read auto: the snapshot has Parquet parts, which only the duckdb reader reads' };
  const total = files.reduce((n, f) => n + f.bytes, 0);
  const gb = (total / 1e9).toFixed(2);
  return total > AUTO_DUCKDB_BYTES
    ? { read: 'duckdb', why: `--read auto: the files total ${gb} GB, more than 1 GB` }
    : { read: 'node', why: `--read auto: the files total ${gb} GB, not more than 1 GB` };
}

