/**
 * Snapshot mode: reads local OpenAlex files into the store, replacing whatever data set it held,
 * in batches of one transaction each.
 */
import { findSnapshotFiles, readRecords, type SnapshotFile } from '../ingest/snapshot.js';
import type { Store, RejectRow } from '../store/store.js';
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
  const source: SnapshotSource = { kind: 'snapshot', files: files.map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })) };
  await store.setMeta('source', source);
  let raws: { origin: string; raw: unknown }[] = [];
  let unparsable: RejectRow[] = [];
  let recordsRead = 0;
  const flush = async (): Promise<void> => {
    const batch = toBatch(raws);
    batch.rejects.push(...unparsable);
    batch.recordsRead += unparsable.length;
    await store.commitBatch(batch);
    recordsRead += batch.recordsRead;
    raws = [];
    unparsable = [];
  };
  for (const f of files) {
    effects.log(`reading ${f.path}`);
    for await (const r of readRecords([f])) {
      if ('parseError' in r) unparsable.push({ kind: 'rejected', origin: r.origin, workId: null, reason: r.parseError, raw: r.text.slice(0, 20_000) });
      else raws.push(r);
      if (raws.length + unparsable.length >= BATCH_SIZE) await flush();
    }
  }
  await flush();
  return { files, recordsRead };
}
