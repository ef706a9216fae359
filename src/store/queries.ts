/**
 * Loads SQL from `queries/`, one statement per file, by name. The files' hashes go into the run
 * manifest so every count can be traced to the exact SQL that produced it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { QUERIES_DIR } from '../paths.js';


const cache = new Map<string, string>();

/** The SQL of `queries/<name>.sql` (name may include a subfolder, e.g. `schema/works`). */
export function loadQuery(name: string): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    sql = readFileSync(join(QUERIES_DIR, `${name}.sql`), 'utf8');
    cache.set(name, sql);
  }
  return sql;
}

function listSql(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listSql(join(dir, e.name)) : e.name.endsWith('.sql') ? [join(dir, e.name)] : [],
  );
}

/** sha256 of every query file, keyed by its path under `queries/`, for the manifest. */
export function queryHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of listSql(QUERIES_DIR).sort()) {
    out[relative(QUERIES_DIR, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}
