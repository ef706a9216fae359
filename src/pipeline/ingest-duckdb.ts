/**
 * The "duckdb" snapshot reader: reads snapshot parts inside DuckDB, several files at once, and
 * keeps a compact data set: per work its fields, countries and the keyword rule's verdict, no
 * abstract, authorships or MeSH. Beside the "node" reader (ingest.ts), which parses every line in
 * JavaScript and stores full records; `--read auto` picks this one for large snapshots.
 *
 * Per part, in one transaction on a connection of its own: the part is read slice by slice into
 * temp table `snapshot_read` (readPartSlices in read-part.ts: DuckDB reads, TypeScript rebuilds the
 * abstracts), each slice's usable records classified into `compact_stage`
 * (queries/snapshot/stage_classified.sql), its set-aside records and repair notes into `rejects`
 * (stage_rejects.sql), and the part into `compact_parts`. The few records SQL cannot reproduce
 * exactly (marked `precise`) are read by the node reader; a part DuckDB cannot read (an error
 * reading it, or memory even alone) is read again by the node reader whole, which writes the same
 * rows. Then the newest copy of
 * each work is kept by aggregation (no primary key: an index on millions of ids does not fit the
 * memory limit), and the id lists, the manifest's counts and the load's completion follow as for
 * the node reader.
 */
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { classify } from '../classify/classifier.js';
import { countryShares, type CountryPolicy } from '../classify/countries.js';
import type { KeywordRules } from '../classify/keywords.js';
import { stageClassifiedParams } from '../classify/sql.js';
import { InvariantError, UserError } from '../errors.js';
import { openMaybeGzip, splitLines } from '../ingest/lines.js';
import { displayPath, hashFile, readFileRecords, type ListedFile, type RawRecord, type SnapshotFile } from '../ingest/snapshot.js';
import { isParquetPath } from '../files.js';
import { toBatch } from '../model/batch.js';
import type { Authorship } from '../model/work.js';
import { loadQuery } from '../store/queries.js';
import { CLASSIFIED_ORDER, DOUBLE_LIST, VARCHAR_LIST, appendNullable, appendReject, type Store, type StoreConnection } from '../store/store.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { durationText } from '../effects/progress.js';
import { boundNames } from './chain.js';
import { ruleRecord, type ClassifierRecord, type ClassifySummary } from './classify.js';
import { commandLine } from './completeness.js';
import { beginSnapshotLoad, checkMissingParts, finishSnapshotLoad, listSnapshot, manifestMismatch, noRecordsMessage, whyReadingStopped, type IngestSummary, type SnapshotFound } from './ingest.js';
import type { SnapshotReader, SnapshotSource, UnreadFile } from './provenance.js';
import { AbstractPool, inlineRebuilder, type AbstractRebuilder } from './abstract-pool.js';
import { SLICE_LINES, dropPartTables, readPartSlices } from './read-part.js';

/**
 * Per format of the parts being read (Parquet when any part is): DuckDB's memory per part read at
 * once (`memoryMb`), and the peak RSS a part being read adds, DuckDB's share included (`peakMb`).
 *
 * JSON Lines memory: the aggregation and the parts' temp tables spill to the temp_directory beside
 * the database past it. Measured on the 100k resample (two 50k-work parts side by side, abstracts
 * rebuilt in TypeScript): 1 GB for the two gave a peak RSS of 1.3-1.5 GB, 300 MB 0.7 GB at about
 * 10% more time, 200 MB ran out of memory (the part then went to the node reader, 2x slower); 400 MB
 * kept a margin over that. Per part, because a limit for the whole read does not grow with the
 * cores: four parts at once under 400 MB (as a 4-core machine reads them) sent three of the four to
 * the node reader, out of memory.
 *
 * Parquet memory: a row group's abstract indexes (a MAP column) are decoded whole and made into JSON
 * text, which for 50,000 works needs a 128 MB buffer at once; two 50k-work parts side by side ran
 * out of 400 MB and read in 1 GB. Their index column is dropped once the abstracts are rebuilt, as
 * for JSON Lines (read-part.ts).
 *
 * Peak RSS: JSON Lines 1.0-1.2 GB for two parts of 50k or 400k works at once, of which about 100 MB
 * is the idle process; Parquet 1.5-1.6 GB for two 50k-work parts (the row group decoded whole).
 */
const PER_PART = { jsonl: { memoryMb: 200, peakMb: 550 }, parquet: { memoryMb: 500, peakMb: 800 } };

/**
 * Parts read at once: one per core (a part is one DuckDB thread), and no more than half the
 * machine's memory holds at `peakMb` each (PER_PART).
 */
function partsAtOnce(peakMb: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / 2 / (peakMb * 2 ** 20))));
}

/**
 * The largest abstract index column chunk (uncompressed, of one row group) with which Parquet parts
 * are read side by side; above it, one at a time with all of DuckDB's threads and memory, a row
 * group at a time (read-part.ts). Row groups of 50,000 works (a 130 MB chunk) read two at once in
 * 1 GB; DuckDB's own of 122,880 (321 MB) ran out beside another part and were read again alone.
 */
const PARQUET_SIDE_BY_SIDE_MB = 160;

/**
 * Worker threads that rebuild the abstracts (abstract-pool.ts): one per four cores, and one on 2-3
 * cores, so that the main thread, which serves every part being read, is not what DuckDB's threads
 * wait for. On 2 cores, eight 50k-work parts read two at a time took 51.7-56.6 s with one worker
 * against 58.6-65.0 s with none (three runs each, alternating), for about 80 MB more peak RSS; a
 * worker per core cut the time as much but added about 430 MB (each worker's heap and the batches
 * copied to it). None on one core.
 */
const ABSTRACT_WORKERS = availableParallelism() >= 2 ? Math.max(1, Math.floor(availableParallelism() / 4)) : 0;

/**
 * Records of a part SQL marks `precise` that the node reader reads line by line (the rest of the
 * part stays SQL's); above it the whole part is read by the node reader. Real parts have a few per
 * 50,000 records (0.04% in the 100k resample), so one such record must not send the part back.
 */
const MAX_PRECISE_LINES = 1_000;

/** Records per batch of the node reader's fallback: bounds the JS memory one part holds. */
const FALLBACK_BATCH = 5_000;

export interface DuckdbIngestOptions {
  /** As IngestOptions.verify: a part read with another record count than the manifest's stops the load (exit 5). */
  verify?: boolean;
  /** As IngestOptions.found; its parts need not be hashed (each is hashed as it is read). */
  found?: SnapshotFound<ListedFile>;
  /** Parts read at once; default one per core (a gzip part is read by one thread). */
  parallel?: number;
  /** Worker threads rebuilding abstracts; 0: on the main thread. Default ABSTRACT_WORKERS. */
  abstractWorkers?: number;
  /** Lines of a part made into rows and classified at once; default SLICE_LINES (read-part.ts). */
  sliceLines?: number;
  /** DuckDB's memory per part read at once, in MB; default PER_PART's `memoryMb` for the format. */
  memoryPerPartMb?: number;
}

export interface DuckdbIngestSummary extends IngestSummary {
  /** Parts the node reader read instead (a record SQL cannot reproduce, or an error reading it). */
  fellBack: string[];
  works: number;
}

/** How one part was read. */
interface PartRead {
  file: SnapshotFile;
  records: number;
  via: SnapshotReader;
  why?: string;
}

/**
 * A part neither reader could read to its end, and why: the records before the error (a gzip cut
 * off, say) are kept, committed with a compact_cut row, as the node reader keeps them.
 */
interface PartUnread {
  file: ListedFile;
  why: string;
  /** Records kept from it; 0 when none could be read. */
  recordsRead: number;
  /** Where the last record kept came from (`file:line`); null before the first. */
  readTo: string | null;
}

const isRead = (p: PartRead | PartUnread): p is PartRead => 'records' in p;

/**
 * What a stopped read must share with this one for its committed parts to stand: the command (the
 * snapshot folders and database), and the rule and country policy its rows were classified with.
 * Set when a read begins, removed in the transaction that finishes it.
 */
const READ_KEY = 'duckdb_read';
interface ReadRecord {
  command: string;
  rule: ReturnType<typeof ruleRecord>;
  policy: CountryPolicy;
}

/**
 * What a committed part left: its classified copies, its rejects and repair notes, and itself; and
 * the parts cut off, whose rows a resumed read removes before it reads them again whole.
 */
const RESUMED_TABLES = ['compact_stage', 'rejects', 'compact_parts', 'compact_cut'];

/**
 * The parts a stopped read of the same command, rule and policy committed, each still the same
 * file (path, bytes, sha256): empty unless every committed part is one of `files` unchanged, so a
 * changed or removed part means starting over. A part is committed with its rows in one
 * transaction, so a part the stop interrupted left nothing and is read again. Only the committed
 * parts are hashed, once their paths and sizes all match.
 */
async function partsCommitted(store: Store, now: ReadRecord, files: readonly ListedFile[]): Promise<PartRead[]> {
  const before = await store.getMeta<ReadRecord>(READ_KEY);
  if (before === null || JSON.stringify(before) !== JSON.stringify(now)) return [];
  const committed = await store.query<{ path: string; bytes: bigint; sha256: string; records: bigint }>('snapshot/compact_parts_all');
  const byPath = new Map(files.map((f) => [f.path, f]));
  if (committed.some((c) => byPath.get(c.path)?.bytes !== Number(c.bytes))) return [];
  const parts: PartRead[] = [];
  for (const c of committed) {
    const f = await hashFile(byPath.get(c.path)!);
    if (f.sha256 !== c.sha256) return [];
    parts.push({ file: f, records: Number(c.records), via: 'duckdb' });
  }
  return parts;
}

/** A part whose records SQL cannot reproduce exactly: read by the node reader instead. */
class NeedsNodeReader extends Error {}

/**
 * Reads the snapshot into a store it empties first, classifying with `rules` and `policy` as it
 * reads. Marked incomplete in the transaction that empties the store and complete in the last one,
 * so a load stopped any way (an error, a kill) leaves it incomplete; the next load starts over.
 */
export async function ingestSnapshotDuckdb(
  store: Store,
  specs: readonly string[],
  rules: KeywordRules,
  policy: CountryPolicy,
  effects: Effects = quietEffects,
  options: DuckdbIngestOptions = {},
): Promise<DuckdbIngestSummary> {
  const verify = options.verify ?? false;
  // Listed, not hashed: each part is hashed while DuckDB reads it (readPart).
  const found = options.found ?? (await listSnapshot(specs));
  if (options.found === undefined) await checkMissingParts(found, specs, verify, effects);
  const { files } = found;
  const command = commandLine(['fetch', '--db', store.path, '--snapshot', ...specs, '--read', 'duckdb']);
  const unread: UnreadFile[] = files.map(({ path, bytes }) => ({ path, bytes, recordsRead: 0, readTo: null }));
  const source: SnapshotSource = { kind: 'snapshot', read: 'duckdb', files: [], unread, roots: specs.map((s) => resolve(s)) };
  // A read of the same parts with the same rule, stopped (a kill, a part that could not be read):
  // the parts it committed stay, and only the others are read.
  const reading: ReadRecord = { command, rule: ruleRecord(rules), policy };
  const resumed = await partsCommitted(store, reading, files);
  await beginSnapshotLoad(store, source, command, files, resumed.length > 0 ? RESUMED_TABLES : []);
  await store.setMeta(READ_KEY, reading);
  if (resumed.length > 0) {
    // A part the stopped read cut off is read again whole: what it kept of it goes first.
    await store.transaction(async () => {
      for (const { display } of await store.query<{ display: string }>('snapshot/compact_cut_displays')) {
        await store.run('snapshot/delete_part_stage', { prefix: display });
        await store.run('delete_file_rejects', { prefix: display });
      }
      await store.run('snapshot/empty_compact_cut');
    });
    effects.log(`resuming: ${resumed.length} of ${files.length} part(s) were read to their end by the stopped run of this command; reading the other ${files.length - resumed.length}`);
  }
  const done = new Set(resumed.map((p) => p.file.path));
  const toRead = files.filter((f) => !done.has(f.path));

  const started = effects.now().getTime();
  const parquet = files.some(isParquet);
  const perPart = PER_PART[parquet ? 'parquet' : 'jsonl'];
  // Parquet parts side by side, as JSON Lines, where their row groups allow: four 50k-work parts took
  // 24.1-24.6 s two at a time against 37.6-39.8 s one at a time (both threads), for 1.5-1.6 GB of
  // peak RSS against 1.2 GB.
  const atOnce = options.parallel ?? (parquet && (await hasLargeIndexChunks(store, toRead)) ? 1 : partsAtOnce(perPart.peakMb));
  // Never more readers than parts; DuckDB's threads stay shared as if all were read (one 400k-work
  // part read alone took 90 s with both threads of 2 cores, 78 s with one).
  const parallel = Math.max(1, Math.min(atOnce, toRead.length));
  // Never under two parts' share: the newest-copy step after the read runs under the same limit.
  const limit = `${(options.memoryPerPartMb ?? perPart.memoryMb) * Math.max(2, parallel)}MB`;
  // DuckDB's threads shared out among the parts read at once: on 2 cores, two parts with one DuckDB
  // thread each read the 1M bench in 196 s, where with two threads each (four on two cores) they
  // took 248 s. The finishing step (one query over every part) has all of them again.
  const threads = String(Math.max(1, Math.floor(Number(await store.setting('threads')) / atOnce)));
  const parts = [
    ...resumed,
    ...(await store.withSettings({ memory_limit: limit, threads }, () =>
      readParts(store, toRead, parallel, options.abstractWorkers ?? ABSTRACT_WORKERS, { rules, policy, sliceLines: options.sliceLines ?? SLICE_LINES, effects }),
    )),
  ];
  // Read order, as the node reader records its files.
  const byPath = new Map(parts.map((p) => [p.file.path, p]));
  const inOrder = files.map((f) => byPath.get(f.path)!);
  const read = inOrder.filter(isRead);
  // Parts not read to their end, and (verifying) those whose record count the manifest contradicts.
  const stopped = new Map<string, UnreadFile & { mismatch?: string }>();
  for (const p of inOrder) {
    if (!isRead(p)) {
      stopped.set(p.file.path, { path: p.file.path, bytes: p.file.bytes, recordsRead: p.recordsRead, readTo: p.readTo, error: p.why });
      continue;
    }
    const mismatch = manifestMismatch(found.manifest, p.file.path, p.records);
    if (mismatch === null) continue;
    if (!verify) {
      effects.warn(mismatch.what);
      continue;
    }
    // Its records are kept, but it is not recorded as read, as by the node reader.
    stopped.set(p.file.path, { path: p.file.path, bytes: p.file.bytes, recordsRead: p.records, readTo: null, error: mismatch.error, mismatch: mismatch.what });
  }
  if (stopped.size > 0) {
    source.files = read.filter((p) => !stopped.has(p.file.path)).map(record);
    source.unread = [...stopped.values()].map(({ mismatch: _, ...u }) => u);
    const kept = await keepWhatWasRead(store, source, inOrder, { rules, policy, limit });
    const failed = inOrder.filter((p): p is PartUnread => !isRead(p));
    const cutRecords = failed.reduce((n, p) => n + p.recordsRead, 0);
    const what = [
      ...(source.files.length > 0 ? [`the ${source.files.length} part(s) read to their end`] : []),
      ...(cutRecords > 0 ? [`the ${cutRecords} record(s) read from the others before they stopped`] : []),
    ];
    const keptText =
      `${what.length > 0 ? `Stored: ${what.join(' and ')} (${kept} distinct works). The` : 'Nothing was stored: the'} data set is marked incomplete: ` +
      'classify, aggregate and report stop on it until every part is read whole (--allow-incomplete goes on with what was read)';
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new UserError(
        `snapshot: cannot read ${displayPath(first.file.path)}: ${first.why}${failed.length > 1 ? ` (and ${failed.length - 1} more part(s))` : ''}\n` +
          `${keptText} (replace the file, then rerun \`${command}\`: it reads again only the parts not read to their end).`,
      );
    }
    const mismatched = [...stopped.values()].map((u) => u.mismatch!);
    throw new InvariantError(`${mismatched.join('\n')}.\n${keptText} (download it again, then rerun \`${command}\`).`);
  }
  source.files = read.map(record);
  delete source.unread;
  const recordsRead = read.reduce((n, p) => n + p.records, 0);
  if (recordsRead === 0) throw new UserError(noRecordsMessage(files));
  for (const p of read) if (p.records === 0) effects.log(`no records in ${displayPath(p.file.path)} (empty or blank)`);

  const readSeconds = (effects.now().getTime() - started) / 1000;
  let works = 0;
  // The aggregation over every staged copy spills past the same limit (at the default, 80% of RAM,
  // the 1M bench's fetch peaked at 1.2 GB here while its reads stayed under 1 GB).
  const result = await store.withMemoryLimit(limit, () => store.transaction(async () => {
    works = await keepNewestCopies(store, recordsRead, 'empty');
    const finished = await finishSnapshotLoad(store, source, found, command, effects);
    // Works the id lists set aside leave the classifications too: they were made as the files were read.
    await store.run('snapshot/finish_prune_classified');
    // Finished: nothing left to resume.
    await store.run('delete_meta', { key: READ_KEY });
    return { finished, summary: await recordClassifier(store, rules, policy) };
  }));
  const fellBack = read.filter((p) => p.via === 'node').map((p) => p.file.path);
  effects.log(
    `duckdb reader: ${recordsRead} records from ${files.length} part(s)` +
      `${fellBack.length > 0 ? ` (${fellBack.length} read by the node reader)` : ''}, ${works} distinct works, ` +
      `${result.summary.classified} classified: ${result.summary.medicalAi} medical AI (${result.summary.medical} medical, ${result.summary.ai} AI); ` +
      `parts read in ${readSeconds.toFixed(1)} s, newest copies and id lists in ${((effects.now().getTime() - started) / 1000 - readSeconds).toFixed(1)} s`,
  );
  return { files: read.map((p) => p.file), recordsRead, deleted: result.finished.deleted, fellBack, works: result.finished.after.works };
}

/**
 * Whether any Parquet part among `files` has a row group whose abstract index column chunk is over
 * PARQUET_SIDE_BY_SIDE_MB, read from the files' footers one by one. A part whose footer DuckDB cannot
 * read is passed over here: its own read fails and names it, as for any other damaged part.
 */
async function hasLargeIndexChunks(store: Store, files: readonly ListedFile[]): Promise<boolean> {
  for (const f of files.filter(isParquet)) {
    let rows: { mb: number }[];
    try {
      rows = await store.query<{ mb: number }>('snapshot/parquet_index_group_mb', { file: f.path });
    } catch (err) {
      if (err instanceof Error && DUCKDB_ERROR.test(err.message)) continue;
      throw err;
    }
    if ((rows[0]?.mb ?? 0) > PARQUET_SIDE_BY_SIDE_MB) return true;
  }
  return false;
}

const record = (p: PartRead) => ({ path: p.file.path, bytes: p.file.bytes, sha256: p.file.sha256, records: p.records });

/**
 * The classifier record classifyStore writes, for the verdicts made as the parts were read, so
 * `run`'s classify stage sees this rule and policy done. Returns the totals it records.
 */
async function recordClassifier(store: Store, rules: KeywordRules, policy: CountryPolicy): Promise<ClassifySummary> {
  const [totals] = await store.query<ClassifySummary>('classified_totals');
  const summary = totals ?? { classified: 0, medical: 0, ai: 0, medicalAi: 0 };
  await store.setMeta('classifier', { ...ruleRecord(rules), engine: 'sql', countryPolicy: policy, summary } satisfies ClassifierRecord);
  return summary;
}

/**
 * A read that stopped short of some parts: the works read so far into `works` and `classified`, as
 * the node reader keeps what it read, with `source` saying what was read and what was not. The id
 * lists are not applied and the load stays incomplete; the staged copies stay for the rerun, which
 * reads only the parts not read to their end. Returns the distinct works kept.
 */
async function keepWhatWasRead(store: Store, source: SnapshotSource, parts: readonly (PartRead | PartUnread)[], how: { rules: KeywordRules; policy: CountryPolicy; limit: string }): Promise<number> {
  const recordsRead = parts.reduce((n, p) => n + (isRead(p) ? p.records : p.recordsRead), 0);
  return store.withMemoryLimit(how.limit, () =>
    store.transaction(async () => {
      const works = await keepNewestCopies(store, recordsRead, 'keep');
      await recordClassifier(store, how.rules, how.policy);
      await store.setMeta('source', source);
      return works;
    }),
  );
}

/**
 * The newest copy of each staged work into `works` and `classified` (both made by aggregation,
 * without keys), checked to hold each work once; compact_stage emptied, or kept for a read that
 * stopped short. Call in a transaction. Returns the distinct works.
 */
async function keepNewestCopies(store: Store, recordsRead: number, stage: 'empty' | 'keep'): Promise<number> {
  await store.replaceTableFrom('works', 'snapshot/finish_works');
  await store.replaceTableFrom('classified', 'snapshot/finish_classified', {}, { orderBy: CLASSIFIED_ORDER });
  const [c] = await store.query<{ staged: bigint; works: bigint; work_ids: bigint; classified: bigint; classified_ids: bigint }>('snapshot/finish_check');
  const n = (v: bigint | undefined) => Number(v ?? 0n);
  // dbt's `unique` next to the model: the aggregation must leave one row per work in both tables.
  if (c === undefined || n(c.works) !== n(c.work_ids) || n(c.classified) !== n(c.works) || n(c.classified_ids) !== n(c.works)) {
    throw new Error(`the newest-copy aggregation left works ${c?.works} rows for ${c?.work_ids} ids and classified ${c?.classified} rows for ${c?.classified_ids} ids`);
  }
  if (stage === 'empty') await store.run('empty_compact_stage');
  await store.run('bump_counter', { name: 'records_read', delta: recordsRead });
  await store.run('bump_counter', { name: 'duplicates', delta: n(c.staged) - n(c.works) });
  return n(c.works);
}

/** What every part of one read is read with. */
interface PartReading {
  rules: KeywordRules;
  policy: CountryPolicy;
  /** Lines of a part made into rows at once. */
  sliceLines: number;
  effects: Effects;
}

/** Reads every part, `parallel` at once (at least 1, at most the parts), largest first (so a large one does not start last). */
async function readParts(store: Store, files: readonly ListedFile[], parallel: number, workers: number, reading: PartReading): Promise<(PartRead | PartUnread)[]> {
  const order = new Map(files.map((f, i) => [f.path, i]));
  const queue = [...files].sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  const out: (PartRead | PartUnread)[] = [];
  let bug: unknown = null;
  // The abstracts of every part being read are rebuilt by one pool of worker threads, or on this
  // thread when the pool is empty (see ABSTRACT_WORKERS).
  const rebuilder = workers > 0 ? new AbstractPool(workers) : inlineRebuilder;
  const { effects } = reading;
  const started = effects.now().getTime();
  const bytesTotal = files.reduce((n, f) => n + f.bytes, 0);
  let bytesDone = 0;
  // Parts that ran out of DuckDB's memory beside the others: read again alone once they are done.
  const later: ListedFile[] = [];
  const readOne = async (conn: StoreConnection, f: ListedFile, alone: boolean): Promise<void> => {
    const partStarted = effects.now().getTime();
    let read: PartRead | PartUnread;
    try {
      read = await readPart(conn, f, order.get(f.path)!, rebuilder, reading, alone);
    } catch (err) {
      if (err instanceof OutOfMemoryBeside) {
        effects.log(`${displayPath(f.path)}: out of DuckDB's memory beside the other parts (${err.message}); read again alone once they are done`);
        later.push(f);
        return;
      }
      if (!(err instanceof UserError)) throw err;
      read = { file: f, why: whyReadingStopped(err), recordsRead: 0, readTo: null };
    }
    out.push(read);
    bytesDone += f.bytes;
    const now = effects.now().getTime();
    effects.log(partProgressLine({ part: displayPath(f.path), records: isRead(read) ? read.records : read.recordsRead, cut: !isRead(read), seconds: (now - partStarted) / 1000, partsDone: out.length, partsTotal: files.length, bytesDone, bytesTotal, elapsedSeconds: (now - started) / 1000 }));
  };
  const worker = async (queued: ListedFile[], alone: boolean): Promise<void> => {
    const conn = await store.connect();
    try {
      for (let f = queued.shift(); f !== undefined && bug === null; f = queued.shift()) {
        try {
          await readOne(conn, f, alone);
        } catch (err) {
          bug = err;
        }
      }
    } finally {
      conn.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, () => worker(queue, parallel === 1)));
    await worker(later, true);
  } finally {
    if (rebuilder instanceof AbstractPool) await rebuilder.close();
  }
  if (bug !== null) throw bug;
  return out;
}


/**
 * The line logged as each part is read: where the read stands, and how long the rest may take at
 * the pace of the bytes read so far (parts are read largest first; a part being read counts once
 * it is done, so the first estimates run long).
 */
export function partProgressLine(p: { part: string; records: number; cut?: boolean; seconds: number; partsDone: number; partsTotal: number; bytesDone: number; bytesTotal: number; elapsedSeconds: number }): string {
  const what =
    p.cut !== true ? `${p.records} records in ${durationText(p.seconds)}` : p.records > 0 ? `cut off after ${p.records} records, which are kept` : 'could not be read';
  const left = p.bytesDone >= p.bytesTotal || p.bytesDone === 0 ? '' : `, about ${durationText((p.elapsedSeconds * (p.bytesTotal - p.bytesDone)) / p.bytesDone)} left`;
  return `read ${p.part}: ${what} (${p.partsDone} of ${p.partsTotal} parts, ${Math.floor((100 * p.bytesDone) / Math.max(1, p.bytesTotal))}% of the bytes${left})`;
}

const isParquet = (f: ListedFile): boolean => isParquetPath(f.path);

/**
 * DuckDB ran out of memory reading a part beside others: the part is read again alone (its
 * message: DuckDB's first line), rather than by the node reader, which is several times slower.
 */
class OutOfMemoryBeside extends Error {}

/**
 * One part in one transaction of `conn`: by SQL, or by the node reader when SQL cannot read it
 * exactly. Out of DuckDB's memory while other parts are read (`alone` false): OutOfMemoryBeside.
 */
async function readPart(conn: StoreConnection, f: ListedFile, fileOrder: number, rebuilder: AbstractRebuilder, reading: PartReading, alone: boolean): Promise<PartRead | PartUnread> {
  const { rules, policy, effects } = reading;
  effects.log(`reading ${f.path}`);
  // The part's hash, which its compact_parts row keeps, is made while DuckDB reads it: no pass over
  // every part before the first is read. Awaited before the part commits (a file that cannot be read
  // fails the part there); caught here so a read that fails first leaves no unhandled rejection.
  const hashing = hashFile(f);
  hashing.catch(() => {});
  const name = displayPath(f.path);
  let why: string;
  try {
    const records = await conn.transaction(async () => {
      let records = 0;
      // Records SQL cannot read exactly: in JSON Lines, their lines, for the node reader; in Parquet, their number.
      const precise = new Set<number>();
      let inexact = 0;
      const { params, types } = stageClassifiedParams(rules, `${name}:`, fileOrder);
      const staged = bound('snapshot/stage_classified', params, types);
      await readPartSlices(conn, f.path, isParquet(f) ? 'parquet' : 'jsonl', policy, async () => {
        const [c] = await conn.query<{ records: number; precise: number }>('snapshot/read_summary');
        records += c?.records ?? 0;
        if ((c?.precise ?? 0) > 0) {
          if (isParquet(f)) inexact += c?.precise ?? 0;
          else for (const r of await conn.query<{ line: number }>('snapshot/precise_lines')) precise.add(Number(r.line));
          if (precise.size + inexact > MAX_PRECISE_LINES) throw new NeedsNodeReader(`more than ${MAX_PRECISE_LINES} record(s) need the node reader's exact reading`);
          // Parquet has no node reader: SQL's reading of those records stands (the warning below).
          if (!isParquet(f)) await conn.run('snapshot/drop_precise');
        }
        await conn.insertFrom('compact_stage', 'snapshot/stage_classified', ...staged);
        // A whole statement of its own (insert into rejects …): origins are `<display path>:<line>`.
        await conn.run('snapshot/stage_rejects', { display_path: name });
      }, { rebuilder, sliceLines: reading.sliceLines });
      if (inexact > 0) {
        effects.warn(`${name}: ${inexact} record(s) read by SQL where the node reader could differ in a detail (a repair note, a rare abstract shape); Parquet has no node reader to read them instead`);
      }
      // The few records SQL cannot read exactly are read by the node reader, line by line, once the
      // slices are staged (one pass over the file); the rest stay SQL's.
      if (precise.size > 0) await readLinesNode(conn, f, precise, fileOrder, rules, policy);
      await conn.run('snapshot/insert_compact_part', { path: f.path, bytes: f.bytes, sha256: (await hashing).sha256, records });
      return records;
    });
    return { file: await hashing, records, via: 'duckdb' };
  } catch (err) {
    // Only DuckDB's own errors on the part (a line it cannot parse or type, memory) send it to the
    // node reader; anything else is a bug, and falling back would hide it behind a slower read.
    if (!(err instanceof Error) || !(err instanceof NeedsNodeReader || DUCKDB_ERROR.test(err.message))) throw err;
    why = err instanceof NeedsNodeReader ? err.message : `DuckDB could not read it: ${err.message.split('\n')[0]}`;
    // A rollback undoes the part's temp tables with the rest; this is for an error outside it.
    await dropPartTables(conn);
    if (!alone && OUT_OF_MEMORY.test(err.message)) throw new OutOfMemoryBeside(err.message.split('\n')[0]);
  }
  if (isParquet(f)) throw new UserError(`snapshot: cannot read ${name}: ${why} (the node reader reads JSON only)`);
  effects.log(`${name}: read by the node reader (${why})`);
  const hashed = await hashing;
  const node = await conn.transaction(() => readPartNode(conn, hashed, fileOrder, rules, policy));
  if (node.error !== null) return { file: hashed, why: node.error, recordsRead: node.records, readTo: node.readTo };
  return { file: hashed, records: node.records, via: 'node', why };
}

/** How DuckDB's errors begin ("Invalid Input Error: …", "Conversion Error: …", "Out of Memory Error: …"). */
const DUCKDB_ERROR = /^[A-Z][A-Za-z ]* Error: /;
const OUT_OF_MEMORY = /^Out of Memory Error: /;

/** The bound parameters a query names, of `all` (DuckDB refuses a value for a parameter the SQL lacks). */
function bound(name: string, all: Record<string, DuckDBValue>, types: Record<string, DuckDBType>): [Record<string, DuckDBValue>, Record<string, DuckDBType>] {
  const params: Record<string, DuckDBValue> = {};
  const used: Record<string, DuckDBType> = {};
  for (const n of boundNames(loadQuery(name))) {
    if (!(n in all)) throw new Error(`queries/${name}.sql binds $${n}, which the duckdb reader does not give`);
    params[n] = all[n]!;
    if (n in types) used[n] = types[n]!;
  }
  return [params, used];
}


/** As schema/slice_countries.sql: any author's countries and any institution's code, before the policy, distinct. */
function sliceCountries(authorships: readonly Authorship[]): string[] {
  const out = new Set<string>();
  for (const a of authorships) for (const c of [...(a.countries ?? []), ...a.institutionCountries]) if (c !== null) out.add(c);
  return [...out];
}

/**
 * The node reader's reading of one part (readFileRecords + toBatch, classify() and countryShares()),
 * written as the same compact_stage and rejects rows, with the lines it names. Call in a
 * transaction of `conn`. Returns the records read, and, for a part that stops with an error (a gzip
 * cut off), why and the last record kept: the records before it are kept, as the node reader keeps
 * them, and the part is recorded in compact_cut, not compact_parts.
 */
async function readPartNode(conn: StoreConnection, f: SnapshotFile, fileOrder: number, rules: KeywordRules, policy: CountryPolicy): Promise<{ records: number; error: string | null; readTo: string | null }> {
  let records = 0;
  let readTo: string | null = null;
  let pending: RawRecord[] = [];
  const flush = async (): Promise<void> => {
    const first = records;
    // The record's place in the file, 1-based: the line for JSON Lines (the tie-break of two copies).
    const ordinal = new Map(pending.map((r, i) => [r.origin, first + i + 1]));
    records += pending.length;
    readTo = pending.at(-1)?.origin ?? readTo;
    const batch = pending;
    pending = [];
    await appendRecords(conn, batch, ordinal, fileOrder, rules, policy);
  };
  let error: string | null = null;
  try {
    for await (const r of readFileRecords(f)) {
      pending.push(r);
      if (pending.length >= FALLBACK_BATCH) await flush();
    }
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    error = whyReadingStopped(err);
  }
  await flush();
  if (error !== null) {
    await conn.run('snapshot/insert_compact_cut', { path: f.path, display: displayPath(f.path), records, read_to: readTo, error });
    return { records, error, readTo };
  }
  await conn.run('snapshot/insert_compact_part', { path: f.path, bytes: f.bytes, sha256: f.sha256, records });
  return { records, error: null, readTo };
}

/**
 * The node reader's reading of the lines `lines` of a JSON Lines part (those SQL marked `precise`),
 * written as compact_stage and rejects rows. Record numbers are line numbers only in a part with no
 * blank line and one record per line (OpenAlex's parts): anything else sends the whole part to the
 * node reader.
 */
async function readLinesNode(conn: StoreConnection, f: ListedFile, lines: ReadonlySet<number>, fileOrder: number, rules: KeywordRules, policy: CountryPolicy): Promise<void> {
  const name = displayPath(f.path);
  const records: RawRecord[] = [];
  // Only these lines and any that may be blank are made into text (splitLines).
  for await (const l of splitLines(openMaybeGzip(f.path, f.gzipped), (line) => lines.has(line))) {
    if (l.text.trim() === '') throw new NeedsNodeReader(`a blank line (${l.line}): its record numbers are not its line numbers`);
    if (!lines.has(l.line)) continue;
    const origin = `${name}:${l.line}`;
    let raw: unknown;
    try {
      raw = JSON.parse(l.text) as unknown;
    } catch (err) {
      records.push({ origin, parseError: `not JSON: ${(err as Error).message}`, text: l.text });
      continue;
    }
    // A page or an array of works on one line is several records (readFileRecords): the node reader's whole.
    if (Array.isArray(raw) || (typeof raw === 'object' && raw !== null && Array.isArray((raw as { results?: unknown }).results))) {
      throw new NeedsNodeReader(`line ${l.line} holds several records`);
    }
    records.push({ origin, raw });
  }
  const ordinal = new Map(records.map((r) => [r.origin, Number(r.origin.slice(r.origin.lastIndexOf(':') + 1))]));
  await appendRecords(conn, records, ordinal, fileOrder, rules, policy);
}

/** Records read by the node reader, as compact_stage rows (classified) and rejects rows, as toBatch makes them. */
async function appendRecords(conn: StoreConnection, records: readonly RawRecord[], ordinal: ReadonlyMap<string, number>, fileOrder: number, rules: KeywordRules, policy: CountryPolicy): Promise<void> {
  const batch = toBatch(records);
  if (batch.works.length > 0) {
    await conn.append('compact_stage', (app) => {
      for (const { work, origin } of batch.works) {
        const c = classify(work, rules);
        const shares = countryShares(work.authorships, policy);
        app.appendVarchar(work.id);
        app.appendInteger(work.year);
        appendNullable(app, work.type);
        appendNullable(app, work.title);
        appendNullable(app, work.language);
        appendNullable(app, work.updatedDate);
        app.appendBoolean(work.authorsTruncated);
        app.appendVarchar(origin);
        app.appendInteger(fileOrder);
        app.appendBigInt(BigInt(ordinal.get(origin) ?? 0));
        app.appendList(sliceCountries(work.authorships), VARCHAR_LIST);
        app.appendList(shares.countries, VARCHAR_LIST);
        app.appendList(shares.weights, DOUBLE_LIST);
        app.appendBoolean(c.isMedical);
        app.appendBoolean(c.isAi);
        app.appendBoolean(c.isMedicalAi);
        app.appendList(c.matchedTerms, VARCHAR_LIST);
        app.endRow();
      }
    });
  }
  if (batch.rejects.length > 0) {
    await conn.append('rejects', (app) => {
      for (const r of batch.rejects) appendReject(app, r);
    });
  }
}
