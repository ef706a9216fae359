/**
 * `refresh` from a snapshot folder: brings a snapshot read before up to date with the folder's
 * newer release, reading only what is new. OpenAlex files each work under the `updated_date=`
 * partition of the day it last changed, so a newer release adds partitions holding the works
 * added or changed since; a newer copy replaces the stored one (queries/merge_works.sql: newest
 * updated_date wins), and `deleted_ids.csv` names the works to drop.
 *
 * What a file was is told by its sha256, recorded in the store's `source` when it was read to its
 * end: a file recorded with the same hash is not read again; any other file is read, each for a
 * reason the steps say (a newer partition, a file changed since it was read, an older partition
 * not read before). A store that holds no snapshot of these folders is read in full.
 */
import { resolve, sep } from 'node:path';
import { displayPath, partitionDate, type SnapshotFile } from '../ingest/snapshot.js';
import type { Store } from '../store/store.js';
import type { CountryPolicy } from '../classify/countries.js';
import type { KeywordRules } from '../classify/keywords.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { beginLoad, commandLine, completenessOf } from './completeness.js';
import { beginCoverage } from './coverage.js';
import {
  checkMissingParts,
  findSnapshot,
  finishSnapshotLoad,
  ingestSnapshot,
  newestPartition,
  readSnapshotFiles,
  worksFingerprint,
  type DeletedSummary,
  type SnapshotFound,
} from './ingest.js';
import type { SnapshotFileRecord, SnapshotSource, Source } from './provenance.js';
import type { DataRefresh } from './refresh-types.js';

/** Why a file is read by an incremental refresh. */
type Reason = 'newer partition' | 'changed since read' | 'not read before';

interface PlannedFile {
  file: SnapshotFile;
  reason: Reason;
}

/**
 * The snapshot the store holds, if it was read from the folders given (then only what is new is
 * read); otherwise why it is read in full. A database from an older version recorded no folders:
 * its snapshot is taken as theirs when every file it read lies inside them.
 */
function heldSnapshot(source: Source | null, roots: readonly string[]): { held: SnapshotSource } | { full: string } {
  if (source === null) return { full: 'the store holds no data set: reading the snapshot in full' };
  if (source.kind === 'api') return { full: 'the store holds works fetched from the API: the snapshot replaces them, read in full' };
  const recorded = source.roots;
  const same =
    recorded !== undefined
      ? recorded.length === roots.length && recorded.every((r) => roots.includes(r))
      : source.files.length > 0 && source.files.every((f) => roots.some((r) => f.path === r || f.path.startsWith(`${r}${sep}`)));
  if (same) return { held: source };
  const from = recorded === undefined ? 'other files' : recorded.join(', ');
  return { full: `the store holds a snapshot read from ${from}: reading ${roots.join(', ')} in full instead` };
}

/** The files to read, each with its reason, given what was read before. */
export function planRead(files: readonly SnapshotFile[], readBefore: readonly SnapshotFileRecord[]): PlannedFile[] {
  const before = new Map(readBefore.map((f) => [f.path, f]));
  const newest = newestPartition(readBefore);
  const planned: PlannedFile[] = [];
  for (const file of files) {
    const was = before.get(file.path);
    if (was !== undefined && was.sha256 === file.sha256) continue;
    const date = partitionDate(file.path);
    let reason: Reason;
    if (was !== undefined) reason = 'changed since read';
    else if (date !== null && (newest === null || date > newest)) reason = 'newer partition';
    else reason = 'not read before';
    planned.push({ file, reason });
  }
  return planned;
}

/** Whether the id lists found are those applied before: the same paths with the same hashes. */
function sameLists(recorded: readonly SnapshotFileRecord[] | undefined, found: readonly SnapshotFile[]): boolean {
  const key = (fs: readonly { path: string; sha256: string }[]): string => fs.map((f) => `${f.path} ${f.sha256}`).sort().join('\n');
  return key(recorded ?? []) === key(found);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "updated_date=2024-06-01 (2 files, 310 records)" per partition of the files read. */
function partitionsText(files: readonly SnapshotFileRecord[]): string {
  const by = new Map<string, { files: number; records: number }>();
  for (const f of files) {
    const key = partitionDate(f.path) ?? displayPath(f.path);
    const seen = by.get(key) ?? { files: 0, records: 0 };
    seen.files++;
    seen.records += f.records ?? 0;
    by.set(key, seen);
  }
  return [...by]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${/^\d{4}-/.test(key) ? `updated_date=${key}` : key} (${plural(n.files, 'file')}, ${plural(n.records, 'record')})`)
    .join(', ');
}

function deletedText(d: DeletedSummary | null, unchanged: boolean): string {
  if (d === null) return 'no deleted_ids.csv in the snapshot';
  return `deleted_ids.csv${unchanged ? ' (unchanged, applied again to the works read)' : ''}: ${plural(d.listed, 'work')} listed as deleted by OpenAlex, ${d.held} of them held and set aside as retired, ${d.listed - d.held} not held`;
}

async function retiredCount(store: Store): Promise<number> {
  const [row] = await store.query<{ n: number }>('count_retired');
  return row?.n ?? 0;
}

/**
 * Brings the store's snapshot up to date with the folders given (`specs`, as `fetch --snapshot`
 * takes them). Checked against the works' manifest first: a part it lists missing on disk stops
 * the refresh before anything is written, and a part read with another record count stops it with
 * the data set marked incomplete (both exit 5). A refresh stopped any way leaves the data set
 * marked incomplete and the files read to their end recorded, so the next refresh finishes it.
 */
export async function refreshFromSnapshot(store: Store, specs: readonly string[], effects: Effects = quietEffects, rule?: CompactRule): Promise<DataRefresh> {
  const roots = specs.map((s) => resolve(s));
  const found = await findSnapshot(specs);
  await checkMissingParts(found, specs, true, effects);
  const state = heldSnapshot(await store.getMeta<Source>('source'), roots);
  if ('full' in state) return fullRead(store, specs, found, state.full, effects);
  const held = state.held;

  const current = new Set(found.files.map((f) => f.path));
  const planned = planRead(found.files, held.files);
  const gone = held.files.filter((f) => !current.has(f.path));
  const deletedListsUnchanged = sameLists(held.deletedIdFiles, found.deletedIdFiles);
  const listsUnchanged = sameLists(held.mergedIdFiles, found.mergedIdFiles) && deletedListsUnchanged;
  const completeness = await completenessOf(store);
  const newestBefore = newestPartition(held.files);
  if (planned.length === 0 && gone.length === 0 && listsUnchanged && completeness.state !== 'incomplete') {
    const [totals] = await store.query<{ newest_updated_date: string | null }>('dataset_totals');
    const noDeleted = found.deletedIdFiles.length === 0 ? 'no deleted_ids.csv' : 'deleted_ids.csv unchanged';
    return {
      source: 'snapshot',
      changed: false,
      steps: [`no partition newer than ${newestBefore === null ? 'those read' : `updated_date=${newestBefore}`}; ${noDeleted}`],
      usdSpent: 0,
      dataDate: totals?.newest_updated_date?.slice(0, 10) ?? newestBefore,
      detail: { mode: 'none', newestPartitionRead: newestBefore, filesRead: [], deletedIds: null },
    };
  }

  if (held.read === 'duckdb') {
    // Kept simple: a compact store holds no full records to merge newer copies into, and its
    // works and classifications were made by one aggregation over every part, so any change is a
    // full duckdb read again (with the manifest verified, as here).
    const why = 'the store was read with --read duckdb: the snapshot changed, so it is read again in full by the duckdb reader';
    if (rule === undefined) throw new Error('refreshFromSnapshot: a store read by the duckdb reader needs the rule and country policy to read it again');
    return fullRead(store, specs, found, why, effects, rule);
  }
  const command = commandLine(['refresh', '--db', store.path, '--snapshot', ...specs]);
  const steps: string[] = [];
  if (completeness.state === 'incomplete') steps.push(`the data set was incomplete (${completeness.reason}): finishing it`);
  const byReason = (r: Reason): PlannedFile[] => planned.filter((p) => p.reason === r);
  for (const p of byReason('changed since read')) {
    const msg = `${displayPath(p.file.path)} changed since it was read (sha256 differs): reading it again (the newest copy of each work is kept)`;
    steps.push(msg);
    effects.warn(msg);
  }
  for (const p of byReason('not read before')) {
    const at = partitionDate(p.file.path);
    const msg =
      at !== null && newestBefore !== null && at <= newestBefore
        ? `${displayPath(p.file.path)} is in updated_date=${at}, not newer than the newest partition read (updated_date=${newestBefore}), and was not read before: reading it`
        : `${displayPath(p.file.path)} was not read before: reading it`;
    steps.push(msg);
    // An older partition appearing later is not how OpenAlex releases grow: said aloud, not skipped.
    if (completeness.state !== 'incomplete') effects.warn(msg);
  }
  if (gone.length > 0) {
    const msg = `${plural(gone.length, 'file')} read before ${gone.length === 1 ? 'is' : 'are'} no longer in the snapshot (${gone.slice(0, 3).map((f) => displayPath(f.path)).join(', ')}${gone.length > 3 ? ', ...' : ''}): their works stay unless a newer copy replaces them or deleted_ids.csv lists them`;
    steps.push(msg);
    effects.warn(msg);
  }

  const before = await worksFingerprint(store);
  const retiredBefore = await retiredCount(store);
  const source: SnapshotSource = {
    kind: 'snapshot',
    files: held.files.filter((f) => current.has(f.path)),
    unread: (held.unread ?? []).filter((u) => current.has(u.path)),
    roots,
  };
  if (held.mergedIdFiles !== undefined) source.mergedIdFiles = held.mergedIdFiles;
  if (held.deletedIdFiles !== undefined) source.deletedIdFiles = held.deletedIdFiles;
  await store.transaction(async () => {
    await store.setMeta('source', source);
    // Marked incomplete until the last transaction: a refresh stopped midway is finished by the next.
    await beginLoad(store, { kind: 'snapshot', command });
    await beginCoverage(store, command, { kind: 'snapshot', files: found.files.map((f) => f.path), dataDate: null });
  });
  const toRead = planned.map((p) => p.file);
  await readSnapshotFiles(store, toRead, source, { command, manifest: found.manifest, verify: true }, effects);
  const readNow = source.files.filter((f) => toRead.some((t) => t.path === f.path));
  const newerPaths = new Set(byReason('newer partition').map((p) => p.file.path));
  const newer = readNow.filter((f) => newerPaths.has(f.path));
  if (newer.length > 0) steps.unshift(`read ${partitionsText(newer)}${newestBefore === null ? '' : `, newer than updated_date=${newestBefore}`}`);
  else steps.unshift(`no partition newer than ${newestBefore === null ? 'those read' : `updated_date=${newestBefore}`}`);

  const finished = await finishSnapshotLoad(store, source, found, command, effects, before);
  const retired = (await retiredCount(store)) - retiredBefore;
  steps.push(deletedText(finished.deleted, deletedListsUnchanged));
  const changed = before.works !== finished.after.works || before.digest !== finished.after.digest;
  steps.push(changed ? `works stored: ${before.works} before, ${finished.after.works} after (${retired} set aside as retired)` : `the stored works did not change (${finished.after.works})`);
  return {
    source: 'snapshot',
    changed,
    steps,
    usdSpent: 0,
    dataDate: finished.newestUpdated ?? newestPartition(source.files),
    detail: {
      mode: 'incremental',
      newestPartitionRead: newestBefore,
      filesRead: planned.map((p) => ({ path: p.file.path, partition: partitionDate(p.file.path), reason: p.reason })),
      filesGone: gone.map((f) => f.path),
      deletedIds: finished.deleted,
      worksBefore: before.works,
      worksAfter: finished.after.works,
      retired,
    },
  };
}

/** The rule and country policy the duckdb reader classifies with as it reads (a refresh of a store it filled). */
export interface CompactRule {
  rules: KeywordRules;
  policy: CountryPolicy;
}

async function fullRead(store: Store, specs: readonly string[], found: SnapshotFound, why: string, effects: Effects, compact?: CompactRule): Promise<DataRefresh> {
  effects.log(`refresh: ${why}`);
  const summary =
    compact === undefined
      ? await ingestSnapshot(store, specs, effects, { verify: true, found })
      : await (await import('./ingest-duckdb.js')).ingestSnapshotDuckdb(store, specs, compact.rules, compact.policy, effects, { verify: true, found });
  const [totals] = await store.query<{ distinct_works: number; newest_updated_date: string | null }>('dataset_totals');
  const source = await store.getMeta<SnapshotSource>('source');
  const files = source?.files ?? [];
  // The store was emptied first: every work set aside as retired was set aside by this read.
  const retired = await retiredCount(store);
  return {
    source: 'snapshot',
    changed: true,
    steps: [why, `read ${partitionsText(files)}`, deletedText(summary.deleted, false), `works stored: ${totals?.distinct_works ?? 0} (${retired} set aside as retired)`],
    usdSpent: 0,
    dataDate: totals?.newest_updated_date?.slice(0, 10) ?? newestPartition(files),
    detail: {
      mode: 'full',
      newestPartitionRead: null,
      filesRead: files.map((f) => ({ path: f.path, partition: partitionDate(f.path), reason: 'full read' })),
      filesGone: [],
      deletedIds: summary.deleted,
      worksBefore: 0,
      worksAfter: totals?.distinct_works ?? 0,
      retired,
    },
  };
}
