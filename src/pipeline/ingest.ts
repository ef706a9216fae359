/**
 * Snapshot mode: reads local OpenAlex files into the store, replacing whatever data set it held,
 * in batches of one transaction each.
 */
import { findSnapshotFiles, readRecords, type RawRecord, type SnapshotFile } from '../ingest/snapshot.js';
import type { Store } from '../store/store.js';
import { toBatch } from '../store/store.js';
import { quietEffects, type Effects } from './effects.js';

/** Works per transaction: large enough to amortise the commit, small enough to bound memory. */
const BATCH_SIZE = 5_000;

export interface SnapshotSource {
  kind: 'snapshot';
  files: { path: string; bytes: number; sha256: string }[];
}

export interface IngestSummary {
  files: SnapshotFile[];
  recordsRead: number;
}

export async function ingestSnapshot(store: Store, specs: readonly string[], effects: Effects = quietEffects): Promise<IngestSummary> {
  const files = await findSnapshotFiles(specs);
  await store.clear();
  // A snapshot replaces the data set, so an unfinished API refresh has nothing left to compare.
  await store.connection.run('drop table if exists previous_works');
  const source: SnapshotSource = { kind: 'snapshot', files: files.map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })) };
  await store.setMeta('source', source);
  let records: RawRecord[] = [];
  let recordsRead = 0;
  const flush = async (): Promise<void> => {
    const batch = toBatch(records);
    await store.commitBatch(batch);
    recordsRead += batch.recordsRead;
    records = [];
  };
  for (const f of files) {
    effects.log(`reading ${f.path}`);
    for await (const r of readRecords([f])) {
      records.push(r);
      if (records.length >= BATCH_SIZE) await flush();
    }
  }
  await flush();
  return { files, recordsRead };
}
