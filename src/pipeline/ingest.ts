/**
 * Snapshot mode: reads local OpenAlex files into the store, in batches of one transaction each.
 * `fetch --snapshot` replaces whatever data set the store held (ingestSnapshot); `refresh` adds
 * what is new to a snapshot read before (refresh-snapshot.ts), with the same file reader and the
 * same id lists (merged_ids, deleted_ids.csv).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvariantError, UserError } from '../errors.js';
import { findManifest, listedRecords, missingParts, readManifest, type Manifest } from '../ingest/manifest.js';
import {
  displayPath,
  findDeletedIdFiles,
  findMergedIdFiles,
  hashFiles,
  listSnapshotFiles,
  partitionDate,
  readDeletedIds,
  readFileRecords,
  readMergedIds,
  type ListedFile,
  type RawRecord,
  type SnapshotFile,
} from '../ingest/snapshot.js';
import { toBatch, type RejectRow } from '../model/batch.js';
import type { Store } from '../store/store.js';
import { beginLoad, commandLine, finishLoad } from './completeness.js';
import { beginCoverage, finishCoverage } from './coverage.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import type { SnapshotFileRecord, SnapshotSource, UnreadFile } from './provenance.js';

/** Works per transaction: large enough to amortise the commit, small enough to bound memory. */
const BATCH_SIZE = 5_000;

export interface IngestSummary {
  files: SnapshotFile[];
  recordsRead: number;
  /** What the deleted-id lists did: distinct ids listed, and those held (now retired). */
  deleted: DeletedSummary | null;
}

export interface DeletedSummary {
  listed: number;
  held: number;
}

/**
 * Everything a snapshot folder holds for a load: its work files (hashed, or only listed when the
 * reader hashes each part as it reads it), id lists and manifest.
 */
export interface SnapshotFound<F extends ListedFile = SnapshotFile> {
  files: F[];
  mergedIdFiles: SnapshotFile[];
  deletedIdFiles: SnapshotFile[];
  /** The works' manifest (manifest.json beside the partitions), or null when there is none. */
  manifest: Manifest | null;
  /** Work-like files under a snapshot folder given but outside its works partitions: not read. */
  strays: string[];
}

export interface IngestOptions {
  /**
   * Whether a disagreement with the manifest stops the load (exit 5): a part it lists missing on
   * disk, a part read with another record count. `refresh` verifies; `fetch --snapshot` warns, and
   * `reconcile` sets the counts side by side.
   */
  verify?: boolean;
  /**
   * What findSnapshot found, when the caller looked already. A caller passing it has run
   * checkMissingParts on it (with the same specs and verify) already: ingestSnapshot does not again.
   */
  found?: SnapshotFound<ListedFile>;
}

export const describe = ({ path, bytes, sha256 }: SnapshotFile): SnapshotFileRecord => ({ path, bytes, sha256 });

/** What the snapshot folders hold, every work file hashed (what refresh compares with the last read). */
export async function findSnapshot(specs: readonly string[]): Promise<SnapshotFound> {
  const found = await listSnapshot(specs);
  return { ...found, files: await hashFiles(found.files) };
}

/**
 * What the snapshot folders hold, the work files listed but not hashed: a full read hashes each
 * part as it reads it, so the first part is read without a pass over every part's bytes first.
 */
export async function listSnapshot(specs: readonly string[]): Promise<SnapshotFound<ListedFile>> {
  const strays: string[] = [];
  const files = await listSnapshotFiles(specs, strays);
  const manifestPath = await findManifest(files.map((f) => f.path));
  return {
    files,
    mergedIdFiles: await findMergedIdFiles(specs),
    deletedIdFiles: await findDeletedIdFiles(specs),
    manifest: manifestPath === null ? null : await readManifest(manifestPath),
    strays,
  };
}

/**
 * The manifest's parts missing on disk, inside the folders given: an error naming them (exit 5)
 * when verifying, a warning otherwise. Checked before anything is written.
 */
export async function checkMissingParts(found: SnapshotFound<ListedFile>, specs: readonly string[], verify: boolean, effects: Effects): Promise<void> {
  if (found.strays.length > 0) {
    effects.warn(`${found.strays.length} file(s) under the snapshot folder lie outside its works partitions (…/works/updated_date=…/) and are not read as parts: ${namedList(found.strays.map(displayPath))}`);
  }
  if (found.manifest === null) return;
  const dirs: string[] = [];
  for (const s of specs) if ((await stat(resolve(s)).catch(() => null))?.isDirectory() === true) dirs.push(resolve(s));
  const missing = missingParts(found.manifest, found.files.map((f) => f.path), dirs);
  if (missing.length === 0) return;
  const what = `${missing.length} part(s) listed in the snapshot manifest ${found.manifest.path} are not on disk: ${namedList(missing)}`;
  if (!verify) {
    effects.warn(`${what} (the data set lacks their works; \`reconcile\` lists them)`);
    return;
  }
  throw new InvariantError(`${what}. The download is incomplete: fetch them again (nothing was read).`);
}

/** The tail of a reader's "snapshot: cannot read <file>: <why>", which names the file already. */
export function whyReadingStopped(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('snapshot: cannot read ') ? message.slice(message.lastIndexOf(': ') + 2) : message;
}

/**
 * Reads the files into a store it empties first. The data set is marked incomplete in the
 * transaction that empties it; each batch is committed with how far its file was read, and a file
 * read to its end moves to `source.files` with its hash, so a load stopped any way (an error, a
 * kill) leaves a record of what was read and where it stopped. The id lists are applied, and the
 * data set marked complete, in one last transaction.
 */
export async function ingestSnapshot(store: Store, specs: readonly string[], effects: Effects = quietEffects, options: IngestOptions = {}): Promise<IngestSummary> {
  const verify = options.verify ?? false;
  // A caller passing `found` (refresh's full read) checked these parts already, with the same specs and verify.
  const found = options.found ?? (await listSnapshot(specs));
  if (options.found === undefined) await checkMissingParts(found, specs, verify, effects);
  // The node reader is the slow path (a file with errors, or asked for): its parts are hashed first.
  const files = await hashFiles(found.files);
  const command = commandLine(['fetch', '--db', store.path, '--snapshot', ...specs]);
  const source: SnapshotSource = { kind: 'snapshot', read: 'node', files: [], unread: [], roots: specs.map((s) => resolve(s)) };
  await beginSnapshotLoad(store, source, command, files);
  const { recordsRead, empty } = await readSnapshotFiles(store, files, source, { command, manifest: found.manifest, verify }, effects);
  if (recordsRead === 0) throw new UserError(noRecordsMessage(empty));
  const { deleted } = await finishSnapshotLoad(store, source, found, command, effects);
  return { files, recordsRead, deleted };
}

/**
 * Empties the store for a snapshot that replaces its data set and marks the load begun, in one
 * transaction (either reader): the data set is incomplete until the load finishes.
 */
export async function beginSnapshotLoad(store: Store, source: SnapshotSource, command: string, files: readonly ListedFile[], keep: readonly string[] = []): Promise<void> {
  await store.transaction(async () => {
    await store.clear(keep);
    // A snapshot replaces the data set, so an unfinished API refresh has nothing left to compare.
    await store.run('drop_previous_works');
    await store.setMeta('source', source);
    await beginLoad(store, { kind: 'snapshot', command });
    await beginCoverage(store, command, { kind: 'snapshot', files: files.map((f) => f.path), dataDate: null });
  });
}

/**
 * Reads `files` into the store, keeping what it holds (a newer copy of a work replaces an older
 * one: queries/merge_works.sql). `source` is the record kept in the store as the read goes: a file
 * read to its end moves from `unread` to `files`; a file read before (changed since) leaves
 * `files` and the records it set aside leave `rejects` when its read begins.
 */
export async function readSnapshotFiles(
  store: Store,
  files: readonly SnapshotFile[],
  source: SnapshotSource,
  how: { command: string; manifest: Manifest | null; verify: boolean },
  effects: Effects,
): Promise<{ recordsRead: number; empty: SnapshotFile[] }> {
  const unread = (source.unread ??= []);
  /** Files some of whose records are stored already: read before to their end, or partly by a load stopped. */
  const readBefore = new Set([...source.files.map((f) => f.path), ...unread.filter((u) => u.recordsRead > 0).map((u) => u.path)]);
  const entries: UnreadFile[] = files.map(({ path, bytes }) => {
    const kept = unread.findIndex((u) => u.path === path);
    if (kept >= 0) unread.splice(kept, 1);
    const entry = { path, bytes, recordsRead: 0, readTo: null };
    unread.push(entry);
    return entry;
  });
  let recordsRead = 0;
  const empty: SnapshotFile[] = [];
  for (const [i, f] of files.entries()) {
    effects.log(`reading ${f.path}`);
    const entry = entries[i]!;
    const before = source.files.findIndex((r) => r.path === f.path);
    if (readBefore.has(f.path)) {
      await store.transaction(async () => {
        if (before >= 0) source.files.splice(before, 1);
        // What it set aside when read before goes; reading it again sets aside what it holds now.
        await dropRejectsOf(store, [f]);
        await store.setMeta('source', source);
      });
    }
    let records: RawRecord[] = [];
    /** Commits the records read so far of `f` with how far `f` was read: to its end, to an error, or on. */
    const flush = async (end: 'whole' | { error: string } | null): Promise<void> => {
      const batch = toBatch(records);
      entry.recordsRead += records.length;
      entry.readTo = records.at(-1)?.origin ?? entry.readTo;
      if (end === 'whole') {
        source.files.push({ ...describe(f), records: entry.recordsRead });
        unread.splice(unread.indexOf(entry), 1);
      } else if (end !== null) entry.error = end.error;
      await store.transaction(async () => {
        await store.commitBatch(batch);
        await store.setMeta('source', source);
      });
      recordsRead += batch.recordsRead;
      records = [];
    };
    const reader = readFileRecords(f)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<RawRecord>;
      try {
        next = await reader.next();
      } catch (err) {
        // What was read before the error is kept and counted; the file is recorded as cut off.
        await flush({ error: whyReadingStopped(err) });
        if (!(err instanceof UserError)) throw err;
        throw new UserError(
          `${err.message}\nThe ${entry.recordsRead} records read from it before that are stored, and the data set is marked incomplete: ` +
            `classify, aggregate and report stop on it until every file is read whole (replace the file, then rerun \`${how.command}\`).`,
          err.exitCode,
        );
      }
      if (next.done === true) break;
      records.push(next.value);
      if (records.length >= BATCH_SIZE) await flush(null);
    }
    const mismatch = manifestMismatch(how.manifest, f.path, entry.recordsRead + records.length);
    if (mismatch !== null) {
      if (how.verify) {
        // Its records are stored, but it is not recorded as read: the data set stays incomplete,
        // and the next run reads it again (once it is replaced with a whole copy).
        await flush({ error: mismatch.error });
        throw new InvariantError(`${mismatch.what}. Download it again, then rerun \`${how.command}\`; the data set is marked incomplete until then.`);
      }
      effects.warn(mismatch.what);
    }
    await flush('whole');
    if (entry.recordsRead === 0) {
      empty.push(f);
      effects.log(`no records in ${displayPath(f.path)} (empty or blank)`);
    }
  }
  return { recordsRead, empty };
}

/**
 * A part read with another record count than its manifest lists (either reader): the warning or
 * error text, and what the source meta records for the part; null when they agree or none is listed.
 */
export function manifestMismatch(manifest: Manifest | null, path: string, records: number): { what: string; error: string } | null {
  const listed = manifest === null ? null : listedRecords(manifest, path);
  if (listed === null || listed === records) return null;
  return {
    what: `snapshot part ${displayPath(path)} holds ${records} records, but the manifest ${manifest!.path} lists ${listed}: the file is cut off or not the one the manifest lists`,
    error: `${records} records read, the manifest lists ${listed}`,
  };
}

/** The stored works in one row: how many, and an order-free hash of each id with its copy. */
export interface WorksFingerprint {
  works: number;
  digest: string;
}

export async function worksFingerprint(store: Store): Promise<WorksFingerprint> {
  const [row] = await store.query<WorksFingerprint>('works_fingerprint');
  return { works: row?.works ?? 0, digest: String(row?.digest ?? '0') };
}

export interface FinishedLoad {
  deleted: DeletedSummary | null;
  /** The works after the lists were applied. */
  after: WorksFingerprint;
  /** The newest updated_date of the works stored (YYYY-MM-DD), or null. */
  newestUpdated: string | null;
}

/**
 * Applies the id lists and marks the load finished, in one transaction: a load stopped before it
 * ends stays incomplete, and one that ends has applied every list. `source` becomes the record of
 * what was read, with the lists applied. Given the works as they were before the load (`before`),
 * a load that changed them also empties the classifications, which no longer describe them.
 */
export async function finishSnapshotLoad(
  store: Store,
  source: SnapshotSource,
  found: Pick<SnapshotFound, 'mergedIdFiles' | 'deletedIdFiles'>,
  command: string,
  effects: Effects,
  before?: WorksFingerprint,
): Promise<FinishedLoad> {
  return store.transaction(async () => {
    const deleted = found.mergedIdFiles.length > 0 || found.deletedIdFiles.length > 0 ? await applyIdLists(store, found, effects) : null;
    const done: SnapshotSource = { kind: 'snapshot', files: source.files };
    if (found.mergedIdFiles.length > 0) done.mergedIdFiles = found.mergedIdFiles.map(describe);
    if (found.deletedIdFiles.length > 0) done.deletedIdFiles = found.deletedIdFiles.map(describe);
    if (source.roots !== undefined) done.roots = source.roots;
    if (source.read !== undefined) done.read = source.read;
    await store.setMeta('source', done);
    const after = await worksFingerprint(store);
    if (before !== undefined && (before.works !== after.works || before.digest !== after.digest)) {
      await store.run('empty_classified');
      await store.run('empty_classified_compare');
    }
    await finishLoad(store, command);
    // Every country, type and keyword of the files, for the years up to their newest update.
    const [totals] = await store.query<{ newest_updated_date: string | null }>('dataset_totals');
    const newestUpdated = totals?.newest_updated_date?.slice(0, 10) ?? null;
    await finishCoverage(store, command, { kind: 'snapshot', files: done.files.map((f) => f.path), dataDate: newestUpdated ?? newestPartition(done.files) });
    return { deleted, after, newestUpdated };
  });
}

/** The newest `updated_date=` partition among files read, or null. */
export function newestPartition(files: readonly { path: string }[]): string | null {
  return files.reduce<string | null>((newest, f) => {
    const d = partitionDate(f.path);
    return d !== null && (newest === null || d > newest) ? d : newest;
  }, null);
}

async function applyIdLists(store: Store, found: Pick<SnapshotFound, 'mergedIdFiles' | 'deletedIdFiles'>, effects: Effects): Promise<DeletedSummary | null> {
  if (found.mergedIdFiles.length > 0) await applyMergedIds(store, found.mergedIdFiles, effects);
  return found.deletedIdFiles.length > 0 ? applyDeletedIds(store, found.deletedIdFiles, effects) : null;
}

/** Files listed by name up to this many, then counted: the message stays one readable line. */
const MAX_NAMED_FILES = 5;

/** `names` joined with commas, the first MAX_NAMED_FILES of them, then how many more. */
function namedList(names: readonly string[]): string {
  return names.slice(0, MAX_NAMED_FILES).join(', ') + (names.length > MAX_NAMED_FILES ? ` and ${names.length - MAX_NAMED_FILES} more` : '');
}

export function noRecordsMessage(files: readonly ListedFile[]): string {
  const names = files.map((f) => displayPath(f.path));
  if (files.length === 1) return `snapshot: no records in ${names[0]} (empty or blank)`;
  if (files.length <= MAX_NAMED_FILES) return `snapshot: no records in ${names.join(', ')} (each empty or blank)`;
  return `snapshot: no records in any of the ${files.length} files given, each empty or blank: ${namedList(names)}`;
}

/** Drops works OpenAlex merged into others, each set aside as retired with the id it now lives on. */
async function applyMergedIds(store: Store, files: readonly SnapshotFile[], effects: Effects): Promise<void> {
  await applyIdList(store, files, effects, {
    what: 'merged ids',
    table: 'merged_ids',
    read: readMergedIds,
    row: (app, m) => {
      app.appendVarchar(m.workId);
      app.appendVarchar(m.mergeIntoId);
      app.appendVarchar(m.mergeDate);
      app.appendVarchar(m.origin);
    },
    apply: ['retire_merged_works', 'delete_merged_works', 'drop_merged_ids'],
  });
  const [row] = await store.query<{ n: number }>('count_retired');
  effects.log(`merged ids: ${row?.n ?? 0} stored works were merged into others and are set aside`);
}

/** A bad row of an id list: set aside as rejected, with the text it held. */
type IdListError = { origin: string; error: string; text: string };

/** How one id list (merged_ids, deleted_ids.csv) is read into its temp table and applied. */
interface IdList<T> {
  /** Named in the "reading <what> <file>" log line. */
  what: string;
  /** The temp table its schema query (`schema/<table>`) creates and its rows fill. */
  table: string;
  read: (file: SnapshotFile) => AsyncIterable<T | IdListError>;
  /** Appends the columns of one good row (the row is ended after). */
  row: (app: Parameters<Parameters<Store['append']>[1]>[0], item: T) => void;
  /** Run once the bad rows are committed, before `apply`: what the list finds in the store. */
  survey?: () => Promise<void>;
  /** The queries that retire, delete and drop, in order. */
  apply: readonly string[];
}

/**
 * Reads an id list into its temp table, setting its bad rows aside (those of an earlier reading go
 * first), then applies it: the steps applyMergedIds and applyDeletedIds share, in one transaction.
 */
async function applyIdList<T extends object>(store: Store, files: readonly SnapshotFile[], effects: Effects, list: IdList<T>): Promise<void> {
  await store.transaction(async () => {
    await store.run(`schema/${list.table}`);
    const bad: RejectRow[] = [];
    await store.append(
      list.table,
      async (app) => {
        for (const f of files) {
          effects.log(`reading ${list.what} ${f.path}`);
          for await (const item of list.read(f)) {
            if ('error' in item) {
              bad.push({ kind: 'rejected', origin: item.origin, workId: null, reason: item.error, raw: item.text });
              continue;
            }
            list.row(app, item);
            app.endRow();
          }
        }
      },
      { temp: true },
    );
    await dropRejectsOf(store, files);
    await store.commitBatch({ works: [], rejects: bad, recordsRead: 0 });
    await list.survey?.();
    for (const q of list.apply) await store.run(q);
  });
}

/** A list applied again sets aside its bad rows once: those of its earlier reading go first. */
async function dropRejectsOf(store: Store, files: readonly SnapshotFile[]): Promise<void> {
  for (const f of files) await store.run('delete_file_rejects', { prefix: displayPath(f.path) });
}

/**
 * Drops the works OpenAlex deleted (deleted_ids.csv), each set aside as retired with the date it
 * was deleted. An id the store does not hold is counted, not an error: the ledger is cumulative
 * and names works deleted long before, or outside what was read.
 */
async function applyDeletedIds(store: Store, files: readonly SnapshotFile[], effects: Effects): Promise<DeletedSummary> {
  let summary: DeletedSummary = { listed: 0, held: 0 };
  await applyIdList(store, files, effects, {
    what: 'deleted ids',
    table: 'deleted_ids',
    read: readDeletedIds,
    row: (app, d) => {
      app.appendVarchar(d.workId);
      if (d.deletedDate === null) app.appendNull();
      else app.appendVarchar(d.deletedDate);
      app.appendVarchar(d.origin);
    },
    survey: async () => {
      const [held] = await store.query<DeletedSummary>('deleted_ids_held');
      summary = held ?? summary;
    },
    apply: ['retire_deleted_works', 'delete_deleted_works', 'drop_deleted_ids'],
  });
  effects.log(`deleted ids: ${summary.listed} works listed as deleted by OpenAlex, ${summary.held} of them held and now set aside`);
  return summary;
}
