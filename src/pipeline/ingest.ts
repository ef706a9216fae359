/**
 * Snapshot mode: reads local OpenAlex files into the store, replacing whatever data set it held,
 * in batches of one transaction each.
 */
import { UserError } from '../errors.js';
import { displayPath, findMergedIdFiles, findSnapshotFiles, readFileRecords, readMergedIds, type RawRecord, type SnapshotFile } from '../ingest/snapshot.js';
import { toBatch, type RejectRow } from '../model/batch.js';
import type { Store } from '../store/store.js';
import { beginLoad, commandLine, finishLoad } from './completeness.js';
import { beginCoverage, finishCoverage } from './coverage.js';
import { quietEffects, type Effects } from '../effects/effects.js';

/** Works per transaction: large enough to amortise the commit, small enough to bound memory. */
const BATCH_SIZE = 5_000;

import type { SnapshotFileRecord, SnapshotSource, UnreadFile } from './provenance.js';

export interface IngestSummary {
  files: SnapshotFile[];
  recordsRead: number;
}

const describe = ({ path, bytes, sha256 }: SnapshotFile): SnapshotFileRecord => ({ path, bytes, sha256 });

/** The tail of a reader's "snapshot: cannot read <file>: <why>", which names the file already. */
function whyReadingStopped(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('snapshot: cannot read ') ? message.slice(message.lastIndexOf(': ') + 2) : message;
}

/**
 * Reads the files into a store it empties first. The data set is marked incomplete in the
 * transaction that empties it; each batch is committed with how far its file was read, and a file
 * read to its end moves to `source.files` with its hash, so a load stopped any way (an error, a
 * kill) leaves a record of what was read and where it stopped.
 */
export async function ingestSnapshot(store: Store, specs: readonly string[], effects: Effects = quietEffects): Promise<IngestSummary> {
  const files = await findSnapshotFiles(specs);
  const mergedIdFiles = await findMergedIdFiles(specs);
  const command = commandLine(['fetch', '--db', store.path, '--snapshot', ...specs]);
  const entries: UnreadFile[] = files.map(({ path, bytes }) => ({ path, bytes, recordsRead: 0, readTo: null }));
  const unread = [...entries];
  const source: SnapshotSource = { kind: 'snapshot', files: [], unread };
  await store.transaction(async () => {
    await store.clear();
    // A snapshot replaces the data set, so an unfinished API refresh has nothing left to compare.
    await store.run('drop_previous_works');
    await store.setMeta('source', source);
    await beginLoad(store, { kind: 'snapshot', command });
    await beginCoverage(store, command, { kind: 'snapshot', files: files.map((f) => f.path), dataDate: null });
  });
  let recordsRead = 0;
  const empty: SnapshotFile[] = [];
  for (const [i, f] of files.entries()) {
    effects.log(`reading ${f.path}`);
    const entry = entries[i]!;
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
            `classify, aggregate and report stop on it until every file is read whole (replace the file, then rerun \`${command}\`).`,
          err.exitCode,
        );
      }
      if (next.done === true) break;
      records.push(next.value);
      if (records.length >= BATCH_SIZE) await flush(null);
    }
    await flush('whole');
    if (entry.recordsRead === 0) {
      empty.push(f);
      effects.log(`no records in ${displayPath(f.path)} (empty or blank)`);
    }
  }
  if (recordsRead === 0) throw new UserError(noRecordsMessage(empty));
  if (mergedIdFiles.length > 0) await applyMergedIds(store, mergedIdFiles, effects);
  const done: SnapshotSource = { kind: 'snapshot', files: source.files };
  if (mergedIdFiles.length > 0) done.mergedIdFiles = mergedIdFiles.map(describe);
  await store.transaction(async () => {
    await store.setMeta('source', done);
    await finishLoad(store, command);
    // Every country, type and keyword of the files, for the years up to their newest update.
    const [totals] = await store.query<{ newest_updated_date: string | null }>('dataset_totals');
    const dataDate = totals?.newest_updated_date?.slice(0, 10) ?? null;
    await finishCoverage(store, command, { kind: 'snapshot', files: done.files.map((f) => f.path), dataDate });
  });
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
    await store.run('schema/merged_ids');
    const bad: RejectRow[] = [];
    await store.append(
      'merged_ids',
      async (app) => {
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
      },
      { temp: true },
    );
    await store.commitBatch({ works: [], rejects: bad, recordsRead: 0 });
    await store.run('retire_merged_works');
    await store.run('delete_merged_works');
    await store.run('drop_merged_ids');
  });
  const [row] = await store.query<{ n: number }>('count_retired');
  effects.log(`merged ids: ${row?.n ?? 0} stored works were merged into others and are set aside`);
}
