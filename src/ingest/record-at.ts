/**
 * One snapshot record read again from its file, by the number a compact store keeps in
 * works.origin (`<display path>:<n>`): the n-th non-blank line of a JSON Lines file (gzipped or
 * not), or the n-th row of a Parquet file. A compact store keeps no abstracts or authorships, so
 * `explain` re-reads the one record it needs instead.
 */
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { openMaybeGzip, splitLines } from './lines.js';

/** Parquet files begin (and end) with these 4 bytes. */
const PARQUET_MAGIC = 'PAR1';
const GZIP_MAGIC = [0x1f, 0x8b];

/** Fields a Parquet reader may hand over as JSON text rather than nested values. */
const JSON_TEXT_FIELDS = ['abstract_inverted_index', 'authorships', 'mesh'];

async function magic(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, 0);
    return buf;
  } finally {
    await fh.close();
  }
}

/** `<display path>:<n>` into its parts; null when the origin names no file record (an API page, `file:line#i`). */
export function parseOrigin(origin: string): { path: string; n: number } | null {
  const m = /^(.*):([0-9]+)$/.exec(origin);
  if (m === null || m[1] === '') return null;
  return { path: m[1]!, n: Number(m[2]) };
}

/**
 * The file an origin's display path names: against the working folder first, else under each
 * snapshot root the store recorded (dropping leading folders of the display path, which was
 * relative to the working folder of the read); null when none exists.
 */
export function resolveRecordFile(display: string, cwd: string, roots: readonly string[]): string | null {
  const first = resolve(cwd, display);
  if (existsSync(first)) return first;
  if (isAbsolute(display)) return null;
  const parts = display.split(/[\\/]/).filter((p) => p !== '' && p !== '.' && p !== '..');
  for (const root of roots) {
    // A root given as a file or a glob: its folder.
    const glob = root.search(/[*?[{]/);
    let base = glob >= 0 ? dirname(root.slice(0, glob) + 'x') : root;
    if (existsSync(base) && !statSync(base).isDirectory()) base = dirname(base);
    for (let k = 0; k < parts.length; k++) {
      const candidate = join(base, ...parts.slice(k));
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  return null;
}

/** The n-th record (1-based) of a JSON Lines or Parquet file, as parsed JSON; a UserError when the file has fewer. */
export async function recordAt(path: string, n: number): Promise<unknown> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`record number ${n} is not a 1-based whole number`);
  const head = await magic(path);
  if (head.toString('latin1') === PARQUET_MAGIC) return parquetRowAt(path, n);
  const gzipped = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  let seen = 0;
  const stream = openMaybeGzip(path, gzipped);
  try {
    for await (const l of splitLines(stream)) {
      // Blank lines are not records: the record number counts the others.
      if (l.text.trim() === '') continue;
      if (++seen < n) continue;
      try {
        return JSON.parse(l.text) as unknown;
      } catch (e) {
        throw new UserError(`${path}: record ${n} (line ${l.line}) is not JSON: ${(e as Error).message}`);
      }
    }
  } finally {
    stream.destroy();
  }
  throw new UserError(`${path} has ${seen} records, not ${n}: the file changed since it was read`);
}

async function parquetRowAt(path: string, n: number): Promise<unknown> {
  const { DuckDBInstance, VARCHAR, BIGINT } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    // file_row_number is 0-based and follows the file's own row order, as the reader numbered them.
    const reader = await connection.runAndReadAll(
      'select to_json(t)::varchar as record from read_parquet($path, file_row_number = true) as t where file_row_number = $row',
      { path, row: BigInt(n - 1) },
      { path: VARCHAR, row: BIGINT },
    );
    const [row] = reader.getRowObjectsJS();
    if (row === undefined) throw new UserError(`${path} has no row ${n}: the file changed since it was read`);
    const record = JSON.parse(String(row.record)) as Record<string, unknown>;
    delete record.file_row_number;
    for (const f of JSON_TEXT_FIELDS) {
      const v = record[f];
      if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
        try {
          record[f] = JSON.parse(v) as unknown;
        } catch {
          // Left as text: normalizeWork says what is wrong with it.
        }
      }
    }
    return record;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** For messages: a path as the user may know it. */
export function shownPath(path: string, cwd: string): string {
  return path.startsWith(cwd + sep) ? path.slice(cwd.length + 1) : path;
}
