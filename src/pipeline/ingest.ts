/**
 * Snapshot mode: reads local OpenAlex files into the store, replacing whatever data set it held,
 * in batches of one transaction each.
 */
import { UserError } from '../errors.js';
import { displayPath, findMergedIdFiles, findSnapshotFiles, readMergedIds, readRecords, type RawRecord, type SnapshotFile } from '../ingest/snapshot.js';
import { loadQuery } from '../store/queries.js';
import type { RejectRow, Store } from '../store/store.js';
import { toBatch } from '../store/store.js';
import { quietEffects, type Effects } from './effects.js';

/** Works per transaction: large enough to amortise the commit, small enough to bound memory. */
const BATCH_SIZE = 5_000;

export interface SnapshotSource {
  kind: 'snapshot';
  files: { path: string; bytes: number; sha256: string }[];
  /** The snapshot's merged_ids/works lists applied to it. */
  mergedIdFiles?: { path: string; bytes: number; sha256: string }[];
}

export interface IngestSummary {
  files: SnapshotFile[];
  recordsRead: number;
}

export async function ingestSnapshot(store: Store, specs: readonly string[], effects: Effects = quietEffects): Promise<IngestSummary> {
  const files = await findSnapshotFiles(specs);
  const mergedIdFiles = await findMergedIdFiles(specs);
  await store.clear();
  // A snapshot replaces the data set, so an unfinished API refresh has nothing left to compare.
  await store.connection.run('drop table if exists previous_works');
  const describe = ({ path, bytes, sha256 }: SnapshotFile): { path: string; bytes: number; sha256: string } => ({ path, bytes, sha256 });
  const source: SnapshotSource = { kind: 'snapshot', files: files.map(describe) };
  if (mergedIdFiles.length > 0) source.mergedIdFiles = mergedIdFiles.map(describe);
  await store.setMeta('source', source);
  let records: RawRecord[] = [];
  let recordsRead = 0;
  const flush = async (): Promise<void> => {
    const batch = toBatch(records);
    await store.commitBatch(batch);
    recordsRead += batch.recordsRead;
    records = [];
  };
  const empty: SnapshotFile[] = [];
  for (const f of files) {
    effects.log(`reading ${f.path}`);
    let inFile = 0;
    for await (const r of readRecords([f])) {
      inFile++;
      records.push(r);
      if (records.length >= BATCH_SIZE) await flush();
    }
    if (inFile === 0) {
      empty.push(f);
      effects.log(`no records in ${displayPath(f.path)} (empty or blank)`);
    }
  }
  await flush();
  if (recordsRead === 0) throw new UserError(noRecordsMessage(empty));
  if (mergedIdFiles.length > 0) await applyMergedIds(store, mergedIdFiles, effects);
  return { files, recordsRead };
}

/** Files listed by name up to this many, then counted: the message stays one readable line. */
const MAX_NAMED_FILES = 5;

function noRecordsMessage(files: readonly SnapshotFile[]): string {
  const names = files.slice(0, MAX_NAMED_FILES).map((f) => displayPath(f.path));
  if (files.length === 1) return `snapshot: no records in ${names[0]} (empty or blank)`;
  if (files.length <= MAX_NAMED_FILES) return `snapshot: no records in ${names.join(', ')} (each empty or blank)`;
  return `snapshot: no records in any of the ${files.length} files given, each empty or blank: ${names.join(', ')} and ${files.length - MAX_NAMED_FILES} more`;
}

/** Drops works OpenAlex merged into others, each set aside as retired with the id it now lives on. */
async function applyMergedIds(store: Store, files: readonly SnapshotFile[], effects: Effects): Promise<void> {
  await store.transaction(async () => {
    await store.connection.run(loadQuery('schema/merged_ids'));
    const app = await store.connection.createAppender('merged_ids', 'main', 'temp');
    const bad: RejectRow[] = [];
    for (const f of files) {
      effects.log(`reading merged ids ${f.path}`);
      for await (const m of readMergedIds(f)) {
        if ('error' in m) {
          bad.push({ kind: 'rejected', origin: m.origin, workId: null, reason: m.error, raw: m.text });
          continue;
        }
        app.appendVarchar(m.workId);
        app.appendVarchar(m.mergeIntoId);
        app.appendVarchar(m.mergeDate);
        app.appendVarchar(m.origin);
        app.endRow();
      }
    }
    app.flushSync();
    app.closeSync();
    await store.commitBatch({ works: [], rejects: bad, recordsRead: 0 });
    await store.connection.run(loadQuery('retire_merged_works'));
    await store.connection.run(loadQuery('delete_merged_works'));
    await store.connection.run('drop table merged_ids');
  });
  const [row] = await store.query<{ n: number }>('count_retired');
  effects.log(`merged ids: ${row?.n ?? 0} stored works were merged into others and are set aside`);
}
