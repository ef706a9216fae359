/**
 * Reads OpenAlex works from local files, with no network: snapshot parts (`part_*.gz`, gzipped
 * JSON Lines, one work per line), saved API responses (a JSON page with a `results` array) and
 * JSON arrays of works, gzipped or not, found recursively under a directory or by a glob.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import Papa from 'papaparse';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UserError } from '../errors.js';
import { isParquetPath, sha256Of } from '../files.js';
import { normalizeWork, shortWorkId, type Normalized } from '../model/work.js';
import { openMaybeGzip, splitLines } from './lines.js';
import { JsonPrefix } from './prefix.js';
import { MANIFEST_NAMES } from './manifest.js';

/** A record as read, before validation; `text` is kept for records that cannot be parsed. */
export type { ReadRecord as RawRecord } from '../model/batch.js';
import type { ReadRecord as RawRecord } from '../model/batch.js';

/** A file as listed: path, size and compression, known before a byte of it is read. */
export interface ListedFile {
  path: string;
  bytes: number;
  gzipped: boolean;
}

/** A listed file with its content's sha256, which pins what a run read. */
export interface SnapshotFile extends ListedFile {
  sha256: string;
}

/** File names the directory walk picks up: JSON, JSON Lines and snapshot parts, gzipped or not. */
const WORK_FILE = /(?:\.(?:json|jsonl|ndjson)|^part_\d+)(?:\.gz)?$/;

/**
 * The date of the `updated_date=YYYY-MM-DD` partition a file sits in, or null. OpenAlex files each
 * record under the day it last changed, so a newer partition holds newer copies (docs: "Snapshot
 * data format", keeping a snapshot up to date).
 */
export function partitionDate(path: string): string | null {
  return /(?:^|[\\/])updated_date=(\d{4}-\d{2}-\d{2})[\\/]/.exec(path)?.[1] ?? null;
}

/**
 * Where a file found under a walked folder lies, by its path relative to that folder: in a works
 * partition (`works/updated_date=…/`, or `updated_date=…/` of the works folder given), in another
 * entity's (a snapshot root holds `data/jsonl/authors/updated_date=…/part_0000.gz`, and
 * `data/authors/…` in older copies, beside the works, in the same shape: skipped), or in no
 * partition at all.
 */
function partitionOf(rel: string): 'works' | 'other' | 'none' {
  const parts = rel.split(sep);
  const at = parts.findIndex((p) => p.startsWith('updated_date='));
  if (at === -1) return 'none';
  return at === 0 || parts[at - 1] === 'works' ? 'works' : 'other';
}

/**
 * Every file under `dir`, following symbolic links: a copy of the snapshot often links its parts or
 * its `updated_date=` folders to another disk, and skipping a link would leave its works out without
 * a word. A link that leads nowhere is an error naming it; a folder reached twice (a link back up the
 * tree) is walked once.
 */
async function walk(dir: string, seen: Set<string> = new Set()): Promise<string[]> {
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    let info: { isDirectory(): boolean; isFile(): boolean } = entry;
    if (entry.isSymbolicLink()) {
      info = await stat(p).catch((err: NodeJS.ErrnoException) => {
        throw new UserError(`snapshot: cannot follow the link ${p}: ${err.code ?? err.message}`);
      });
    }
    if (info.isDirectory()) out.push(...(await walk(p, seen)));
    else if (info.isFile()) out.push(p);
  }
  return out;
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}


/**
 * Expands each argument (a file, a directory, or a glob) into files, sorted so that every run
 * reads them in the same order. A path that matches nothing is an error naming it. A path that
 * exists is taken as it is, even if it holds glob characters (`data (2024)/`, `works[1].jsonl`).
 */
export async function listSnapshotFiles(specs: readonly string[], strays: string[] = []): Promise<ListedFile[]> {
  const paths = new Set<string>();
  for (const spec of specs) {
    const abs = resolve(spec);
    const info = await stat(abs).catch(() => null);
    if (info === null && isDynamicPattern(spec)) {
      // `*` and `?` within a name, `**` across folders, `[...]` classes and `{a,b}` braces; files
      // whose names begin with a dot match too, as they do in a folder's walk.
      const matched = await glob(spec, { absolute: true, dot: true, onlyFiles: true, expandDirectories: false });
      if (matched.length === 0) throw new UserError(`snapshot: no file matches ${spec}`);
      matched.forEach((p) => paths.add(resolve(p)));
      continue;
    }
    if (info === null) throw new UserError(`snapshot: no such file or directory: ${spec}`);
    if (info.isDirectory()) {
      // A snapshot's manifest.json lists the parts; it is not one (reconcile reads it).
      const placed = (await walk(abs)).filter((p) => !MANIFEST_NAMES.includes(basename(p))).map((p) => ({ p, in: partitionOf(relative(abs, p)) }));
      const partitioned = placed.filter((f) => f.in === 'works').map((f) => f.p);
      const loose = placed.filter((f) => f.in === 'none').map((f) => f.p);
      // In a snapshot's tree the parts are the files of its works partitions. A work-like file beside
      // them (a report written under the root: figure2.vl.json, rejects.jsonl) is not a part: read as
      // one, its lines were rejects, and the manifest, looked for above the files' common folder, was
      // not found. Such files are left out and named (`strays`). A folder with no partition is read whole.
      const walked = partitioned.length > 0 ? partitioned : loose;
      if (partitioned.length > 0) strays.push(...loose.filter((p) => WORK_FILE.test(basename(p)) || isParquetPath(p)));
      const json = walked.filter((p) => WORK_FILE.test(basename(p)));
      // A snapshot root holds the same works in both formats (data/jsonl/, data/parquet/): its JSON
      // Lines parts are read. A folder of Parquet parts alone is read as Parquet.
      const found = json.length > 0 ? json : walked.filter((p) => isParquetPath(p));
      if (found.length === 0) throw new UserError(`snapshot: no OpenAlex work files (*.json, *.jsonl, part_*, optionally .gz; or *.parquet) under ${spec}`);
      found.forEach((p) => paths.add(p));
    } else paths.add(abs);
  }
  return describeFiles([...paths]);
}

const cannotRead = (path: string, err: unknown): UserError => new UserError(`snapshot: cannot read ${path}: ${(err as Error).message}`);

/** Each file with its size and compression, sorted so that every run reads them in the same order. */
async function describeFiles(paths: readonly string[]): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  for (const path of [...new Set(paths)].sort()) {
    try {
      files.push({ path, bytes: (await stat(path)).size, gzipped: await isGzip(path) });
    } catch (err) {
      throw cannotRead(path, err);
    }
  }
  return files;
}

/**
 * The file with its content's sha256 (kept when it has one). A snapshot part is 1-3 GB of reading
 * for the hash alone, so a reader that can hash a part while it reads it asks here per part, not
 * for every part before the first (the full snapshot, 1.4 TB, is most of an hour of disk on one core).
 */
export async function hashFile(file: ListedFile | SnapshotFile): Promise<SnapshotFile> {
  if ('sha256' in file) return file;
  try {
    return { ...file, sha256: await sha256Of(file.path) };
  } catch (err) {
    throw cannotRead(file.path, err);
  }
}

/** Every file hashed, one after another (the disk reads them in order). */
export async function hashFiles(files: readonly (ListedFile | SnapshotFile)[]): Promise<SnapshotFile[]> {
  const out: SnapshotFile[] = [];
  for (const f of files) out.push(await hashFile(f));
  return out;
}

/** The works of an API page (its `results`) or of an array; null for any other value. */
function pageItems(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { results?: unknown }).results)) {
    return (value as { results: unknown[] }).results;
  }
  return null;
}

/** A file's path as messages and origins show it: relative to the working folder when near it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') && rel.split(sep).length > 4 ? path : rel;
}

/**
 * The most text held while a file may still be one JSON document. An API page (200 works) is a
 * few MB; a document larger than this would need several times its size in memory to parse, so
 * the read stops and asks for JSON Lines instead of risking the heap.
 */
const MAX_DOCUMENT_CHARS = 128 * 1024 * 1024;

/**
 * Yields every record in one file. The format is decided from the content: the file is one JSON
 * document (an API page, an array, a work; pretty-printed or on one line) only when its whole
 * text parses as one. Otherwise each non-blank line stands alone: a work, a page or array of
 * works (each element a record, origin `file:line#i`), or a reject naming `file:line`.
 *
 * Lines are buffered only while the text read so far can still begin one JSON document
 * (`JsonPrefix`); JSON Lines stops being such a prefix at its second work or first bad line, so
 * a huge JSON Lines file is streamed, never held whole.
 */
export async function* readFileRecords(file: ListedFile, maxDocumentChars = MAX_DOCUMENT_CHARS): AsyncGenerator<RawRecord> {
  const name = displayPath(file.path);
  // Read as text, a Parquet file's bytes made a million "records" that are not JSON.
  if (isParquetPath(file.path)) throw new UserError(`snapshot: ${name} is a Parquet file, which only the duckdb reader reads: run with --read duckdb`);
  const prefix = new JsonPrefix();
  let buffered: Line[] | null = [];
  let bufferedChars = 0;
  try {
    for await (const l of splitLines(openMaybeGzip(file.path, file.gzipped))) {
      if (buffered === null) {
        yield* recordsOfLine(name, l);
        continue;
      }
      buffered.push(l);
      bufferedChars += l.text.length + 1;
      if (prefix.feed(l.text) && prefix.feed('\n')) {
        if (bufferedChars > maxDocumentChars) {
          throw new UserError(
            `snapshot: ${name} reads as one JSON document of more than ${maxDocumentChars} characters (line ${l.line}); write it as JSON Lines, one work per line`,
          );
        }
        continue;
      }
      const lines: Line[] = buffered;
      buffered = null;
      for (const b of lines) yield* recordsOfLine(name, b);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`snapshot: cannot read ${name}: ${(err as Error).message}`);
  }
  if (buffered === null) return;
  const text = buffered.map((b) => b.text).join('\n');
  if (text.trim() === '') return;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // A valid beginning that never ends (a document cut off, or a first line cut off at a value
    // and one more line): the lines stand alone, like any text that is not one document.
    for (const b of buffered) yield* recordsOfLine(name, b);
    return;
  }
  const works = pageItems(doc) ?? [doc];
  for (let i = 0; i < works.length; i++) yield { origin: `${name}#${i}`, raw: works[i] };
}

type Line = { line: number; text: string };

/** The records of one line of JSON Lines: none when blank, the elements of a page or array, else the line itself. */
function* recordsOfLine(name: string, l: Line): Generator<RawRecord> {
  if (l.text.trim() === '') return;
  const origin = `${name}:${l.line}`;
  let value: unknown;
  try {
    value = JSON.parse(l.text) as unknown;
  } catch (err) {
    yield { origin, parseError: `not JSON: ${(err as Error).message}`, text: l.text };
    return;
  }
  const items = pageItems(value);
  if (items === null) {
    yield { origin, raw: value };
    return;
  }
  for (let i = 0; i < items.length; i++) yield { origin: `${origin}#${i}`, raw: items[i] };
}

/** Every record of every file, in file order. */
export async function* readRecords(files: readonly ListedFile[]): AsyncGenerator<RawRecord> {
  for (const f of files) yield* readFileRecords(f);
}

/**
 * OpenAlex lists the ids it merged away in the snapshot's `merged_ids/works/<date>.csv.gz`
 * (columns merge_date,id,merge_into_id); a merged id redirects to the surviving work in the API,
 * and a copy of the snapshot must drop it.
 */
const MERGED_IDS_FILE = /(?:^|\/)merged_ids\/works\/[^/]+\.csv(?:\.gz)?$/;

export interface MergedId {
  origin: string;
  workId: string;
  mergeIntoId: string;
  mergeDate: string;
}

/** The merged-id lists inside the snapshot directories given (files and globs name works only). */
export async function findMergedIdFiles(specs: readonly string[]): Promise<SnapshotFile[]> {
  const paths: string[] = [];
  for (const spec of specs) {
    const abs = resolve(spec);
    if ((await stat(abs).catch(() => null))?.isDirectory() !== true) continue;
    paths.push(...(await walk(abs)).filter((p) => MERGED_IDS_FILE.test(p)));
  }
  return hashFiles(await describeFiles(paths));
}

/**
 * OpenAlex lists the works it deleted in `deleted_ids.csv` (columns work_id,deleted_date; ids as
 * `https://openalex.org/W…`), a cumulative ledger a local copy applies by removing those ids
 * (ourresearch/openalex-walden, notebooks/snapshot/export_deleted_works.ipynb: written at the
 * release's root; the 2026 layout may also hold it beside the works, in `data/jsonl/works/`).
 * Found gzipped or not.
 */
const DELETED_IDS_NAMES = ['deleted_ids.csv', 'deleted_ids.csv.gz'];
/** Folders between a snapshot's root and its works where a deleted-id list may sit. */
const LAYOUT_FOLDERS = new Set(['data', 'jsonl', 'works']);

export interface DeletedId {
  origin: string;
  workId: string;
  /** As the file gives it (YYYY-MM-DD); null when the row has none. */
  deletedDate: string | null;
}

/**
 * The deleted-id lists of the snapshot directories given: below each (in the folder itself or in
 * its `data/`, `data/jsonl/`, `data/jsonl/works/` or `works/`, not in another entity's folder), and
 * above it up to the snapshot's root (the folder holding `data/`), so a list at the root applies
 * when the works folder is given. Files and globs name works only.
 */
export async function findDeletedIdFiles(specs: readonly string[]): Promise<SnapshotFile[]> {
  const paths: string[] = [];
  for (const spec of specs) {
    const abs = resolve(spec);
    if ((await stat(abs).catch(() => null))?.isDirectory() !== true) continue;
    for (const p of await walk(abs)) {
      const folders = relative(abs, dirname(p)).split(sep).filter((f) => f !== '');
      if (DELETED_IDS_NAMES.includes(basename(p)) && folders.every((f) => LAYOUT_FOLDERS.has(f))) paths.push(p);
    }
    // The snapshot's root: the folder holding the nearest `data/` at or above the folder given.
    const segments = abs.split(sep);
    const dataAt = segments.lastIndexOf('data');
    if (dataAt <= 0) continue;
    const root = segments.slice(0, dataAt).join(sep) || sep;
    for (let dir = dirname(abs); dir.startsWith(root); dir = dirname(dir)) {
      for (const name of DELETED_IDS_NAMES) {
        const candidate = join(dir, name);
        if ((await stat(candidate).catch(() => null))?.isFile() === true) paths.push(candidate);
      }
      if (dir === root) break;
    }
  }
  return hashFiles(await describeFiles(paths));
}

const MERGED_IDS_HEADER = ['merge_date', 'id', 'merge_into_id'];

/**
 * The fields of one CSV line (quoted fields may hold commas and `""`), or why it is not CSV. Each
 * line is parsed alone so a bad row is set aside with its own `file:line`; a quoted field that
 * runs past its line is such a bad row (the lists hold dates and ids, never line breaks).
 */
function csvFields(text: string): string[] | { error: string } {
  const parsed = Papa.parse<string[]>(text, { delimiter: ',', header: false, skipEmptyLines: false });
  const [first] = parsed.errors;
  if (first !== undefined) return { error: `not CSV: ${first.message}` };
  return (parsed.data[0] ?? []).map((f) => f.trim());
}

/**
 * The rows of one id list (merged_ids, deleted_ids.csv): its header checked, blank lines skipped, a
 * byte order mark dropped (splitLines), and a row `toRow` cannot read yielded as an error to set
 * aside with its own `file:line`. A header that is not `header` stops the read: the file is not
 * such a list, and applying it would drop works at random.
 */
async function* readIdList<T>(
  file: ListedFile,
  what: string,
  header: readonly string[],
  toRow: (fields: string[], origin: string) => T | { error: string },
  shownHeader?: string,
): AsyncGenerator<T | { origin: string; error: string; text: string }> {
  const name = displayPath(file.path);
  let first = true;
  try {
    for await (const { line, text } of splitLines(openMaybeGzip(file.path, file.gzipped))) {
      if (text.trim() === '') continue;
      const fields = csvFields(text);
      const origin = `${name}:${line}`;
      if (first) {
        first = false;
        // Columns after the ones read are allowed: OpenAlex may add some.
        if (!Array.isArray(fields) || fields.slice(0, header.length).map((f) => f.toLowerCase()).join(',') !== header.join(',')) {
          throw new UserError(`snapshot: ${origin} is not ${what} (header ${shownHeader ?? header.join(',')})`);
        }
        continue;
      }
      const row = Array.isArray(fields) ? toRow(fields, origin) : fields;
      if (typeof row === 'object' && row !== null && 'error' in row) yield { origin, error: row.error, text };
      else yield row;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`snapshot: cannot read ${name}: ${(err as Error).message}`);
  }
}

/** Rows of one merged-id list; a row that is not `date,W…,W…` is yielded as an error to set aside. */
export function readMergedIds(file: ListedFile): AsyncGenerator<MergedId | { origin: string; error: string; text: string }> {
  return readIdList<MergedId>(file, 'a merged-id list', MERGED_IDS_HEADER, ([mergeDate = '', id, into], origin) => {
    const workId = shortWorkId(id);
    const mergeIntoId = shortWorkId(into);
    if (workId === null || mergeIntoId === null) return { error: 'merged-id row without two work ids' };
    return { origin, workId, mergeIntoId, mergeDate };
  });
}

/** The column a deleted-id list must begin with; deleted_date, the second, is read when present. */
const DELETED_IDS_HEADER = ['work_id'];

/** Rows of one deleted_ids.csv; a row without a work id is yielded as an error to set aside. */
export function readDeletedIds(file: ListedFile): AsyncGenerator<DeletedId | { origin: string; error: string; text: string }> {
  return readIdList<DeletedId>(file, 'a deleted-id list', DELETED_IDS_HEADER, ([id, date], origin) => {
    const workId = shortWorkId(id);
    if (workId === null) return { error: 'deleted-id row without a work id' };
    return { origin, workId, deletedDate: date === undefined || date === '' ? null : date };
  }, 'work_id,deleted_date');
}

/** Records validated into works, for consumers that do not store them (evaluate, explain). */
export async function* readWorks(specs: readonly string[]): AsyncGenerator<{ origin: string; result: Normalized; text?: string }> {
  for await (const r of readRecords(await listSnapshotFiles(specs))) {
    if ('parseError' in r) yield { origin: r.origin, result: { ok: false, reason: r.parseError, workId: null }, text: r.text };
    else yield { origin: r.origin, result: normalizeWork(r.raw) };
  }
}
