/**
 * Raw pages on disk: every page's records as the API sent them, one gzipped JSON Lines file per
 * page under `<dataDir>/<sliceId>/`, so classifying again never costs API money (the files
 * read like snapshot parts: one work per line). Beside each, a small `.cursor` file says which
 * request it answers and where the walk goes next, so a run killed after a page reached the disk
 * but before it was committed replays it from disk instead of asking the API again.
 * Both are written to temporary names and renamed, the page last, so a kill leaves either the
 * whole page or none of it.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeWhole } from '../files.js';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface RawPageMeta {
  /** The slice query and the cursor sent: the page answers exactly this request. */
  query: string;
  cursor: string;
  nextCursor: string | null;
  count: number;
}

function rawSliceDir(dataDir: string, sliceId: string): string {
  return join(dataDir, sliceId);
}

function pageBase(dataDir: string, sliceId: string, pageNo: number): string {
  return join(rawSliceDir(dataDir, sliceId), `page_${String(pageNo).padStart(5, '0')}`);
}


export async function writeRawPage(dataDir: string, sliceId: string, pageNo: number, records: readonly unknown[], meta: RawPageMeta): Promise<string> {
  const base = pageBase(dataDir, sliceId, pageNo);
  await mkdir(rawSliceDir(dataDir, sliceId), { recursive: true });
  // JSON.stringify leaves U+2028 inside its line; only `\n` separates records.
  const text = records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
  await writeWhole(`${base}.cursor`, JSON.stringify(meta));
  await writeWhole(`${base}.jsonl.gz`, gzipSync(text));
  return `${base}.jsonl.gz`;
}

/** A page kept on disk, or null when it is missing or unreadable (then it is fetched again). */
export async function readRawPage(dataDir: string, sliceId: string, pageNo: number): Promise<{ meta: RawPageMeta; records: unknown[] } | null> {
  const base = pageBase(dataDir, sliceId, pageNo);
  try {
    const meta = JSON.parse(await readFile(`${base}.cursor`, 'utf8')) as RawPageMeta;
    const text = gunzipSync(await readFile(`${base}.jsonl.gz`)).toString('utf8');
    const records = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
    return { meta, records };
  } catch {
    return null;
  }
}

/** Drops a slice's pages before it is fetched again from the start (`--refresh`). */
export async function clearRawSlice(dataDir: string, sliceId: string): Promise<void> {
  await rm(rawSliceDir(dataDir, sliceId), { recursive: true, force: true });
}
