/**
 * Raw pages on disk: every page's records as the API sent them, one gzipped JSON Lines file per
 * page under `<dataDir>/<sliceId>/`, so classifying again never costs API money (the files
 * read like snapshot parts: one work per line). Written to a temporary name and renamed, so a
 * kill leaves either the whole page or none of it.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function rawSliceDir(dataDir: string, sliceId: string): string {
  return join(dataDir, sliceId);
}

export function rawPagePath(dataDir: string, sliceId: string, pageNo: number): string {
  return join(rawSliceDir(dataDir, sliceId), `page_${String(pageNo).padStart(5, '0')}.jsonl.gz`);
}

export async function writeRawPage(dataDir: string, sliceId: string, pageNo: number, records: readonly unknown[]): Promise<string> {
  const file = rawPagePath(dataDir, sliceId, pageNo);
  await mkdir(rawSliceDir(dataDir, sliceId), { recursive: true });
  // JSON.stringify escapes nothing beyond JSON, so U+2028 in titles stays inside its line; `\n` splits lines.
  const text = records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, gzipSync(text));
  await rename(tmp, file);
  return file;
}

/** Drops a slice's pages before it is fetched again from the start (`--refresh`). */
export async function clearRawSlice(dataDir: string, sliceId: string): Promise<void> {
  await rm(rawSliceDir(dataDir, sliceId), { recursive: true, force: true });
}
