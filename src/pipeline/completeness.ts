/**
 * Whether the data set in the store is whole. A fetch (snapshot or API) marks it incomplete in the
 * same transaction that starts replacing or adding data, and complete only once every file was
 * read to its end / every slice finished, so a fetch stopped any way (an error, exit 3/4, kill -9)
 * leaves the mark behind. The stages that count (classify, aggregate, report) refuse such a data
 * set unless told otherwise, and then say "incomplete" in what they write.
 */
import { ExitCode, UserError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Effects } from '../effects/effects.js';
import type { SnapshotSource, Source } from './provenance.js';

/** The meta key of the load record. */
const LOAD_KEY = 'load';

/** A fetch begun and not yet finished. */
export interface PendingLoad {
  kind: 'snapshot' | 'api';
  /** The command that finishes it (the same fetch again: an API fetch resumes from its checkpoints). */
  command: string;
  /** API: the slices of its plan; it is finished when every one has a done checkpoint. */
  slices?: string[];
}

/** What the store records; absent in databases filled by versions before this record existed. */
export interface LoadRecord {
  /** Loads begun and not finished, oldest first; empty when the data set is complete. */
  pending: PendingLoad[];
}

export type Completeness =
  | { state: 'complete' }
  | { state: 'incomplete'; reason: string; resume: string[] }
  /** A database from an older version: nobody recorded whether its fetch finished. */
  | { state: 'unknown'; reason: string };

export const UNKNOWN_REASON =
  'this database was filled by an older version of medai-trends, which did not record whether its fetch finished; rerun the fetch to be sure';

export async function loadRecord(store: Store): Promise<LoadRecord | null> {
  return store.getMeta<LoadRecord>(LOAD_KEY);
}

/** Marks the data set incomplete; call inside the transaction that clears or first adds to it. */
export async function beginLoad(store: Store, load: PendingLoad): Promise<void> {
  const before = (await loadRecord(store))?.pending ?? [];
  // An earlier API fetch that is still unfinished stays owed: its partial works are in the store.
  const owed = load.kind === 'api' ? await unfinished(store, before.filter((p) => p.command !== load.command)) : [];
  await store.setMeta(LOAD_KEY, { pending: [...owed, load] } satisfies LoadRecord);
}

/** Marks a load finished; the data set is complete when no other load is still owed. */
export async function finishLoad(store: Store, command: string): Promise<void> {
  const before = (await loadRecord(store))?.pending ?? [];
  await store.setMeta(LOAD_KEY, { pending: await unfinished(store, before.filter((p) => p.command !== command)) } satisfies LoadRecord);
}

/** The loads of `pending` not finished: every snapshot load, and API loads with a slice not done. */
async function unfinished(store: Store, pending: readonly PendingLoad[]): Promise<PendingLoad[]> {
  if (pending.length === 0) return [];
  const done = new Set((await store.query<{ slice_id: string }>('done_slices')).map((r) => r.slice_id));
  return pending.filter((p) => p.kind === 'snapshot' || (p.slices ?? []).some((s) => !done.has(s)));
}

export async function completenessOf(store: Store): Promise<Completeness> {
  const record = await loadRecord(store);
  if (record === null) {
    // An empty database (never fetched) has nothing to be incomplete; the stages say so themselves.
    const counters = await store.counters();
    return (counters.records_read ?? 0) === 0 ? { state: 'complete' } : { state: 'unknown', reason: UNKNOWN_REASON };
  }
  if (record.pending.length === 0) return { state: 'complete' };
  const source = await store.getMeta<Source>('source');
  const done = new Set((await store.query<{ slice_id: string }>('done_slices')).map((r) => r.slice_id));
  const reasons = record.pending.map((p) => {
    if (p.kind === 'api') {
      const slices = p.slices ?? [];
      const left = slices.filter((s) => !done.has(s)).length;
      return `the API fetch stopped with ${left} of ${slices.length} slices unfinished (their checkpoints are saved)`;
    }
    return snapshotReason(source?.kind === 'snapshot' ? source : null);
  });
  return { state: 'incomplete', reason: reasons.join('; '), resume: record.pending.map((p) => p.command) };
}

/** Where a snapshot load stopped, from the files it recorded as read and not read. */
function snapshotReason(source: SnapshotSource | null): string {
  const unread = source?.unread ?? [];
  const parts: string[] = [];
  for (const f of unread) {
    if (f.error !== undefined) {
      parts.push(`${f.path} was cut off after ${f.recordsRead} records${f.readTo ? ` (last: ${f.readTo})` : ''}: ${f.error} (replace it with a whole copy before rerunning)`);
    }
    else if (f.recordsRead > 0) parts.push(`reading ${f.path} stopped after ${f.recordsRead} records${f.readTo ? ` (last: ${f.readTo})` : ''}`);
  }
  const untouched = unread.filter((f) => f.error === undefined && f.recordsRead === 0);
  if (untouched.length > 0) {
    const names = untouched.slice(0, 3).map((f) => f.path).join(', ');
    parts.push(`${untouched.length} file(s) not read: ${names}${untouched.length > 3 ? ', ...' : ''}`);
  }
  const read = source?.files.length ?? 0;
  const head = `the snapshot load stopped (${read} of ${read + unread.length} file(s) read to their end)`;
  return parts.length > 0 ? `${head}: ${parts.join('; ')}` : `${head}, before it finished`;
}

/** The sentence that tells how to finish the data set. */
export function resumeText(c: Extract<Completeness, { state: 'incomplete' }>): string {
  return `to finish it, rerun the fetch: ${c.resume.map((r) => `\`${r}\``).join(', then ')}`;
}

/** The warning the outputs of a run on a data set not known to be complete carry (summary, chart note). */
export function incompleteNote(c: Exclude<Completeness, { state: 'complete' }>): string {
  if (c.state === 'unknown') return `Completeness unknown: ${c.reason}.`;
  return `Incomplete data set, the counts cover only what was read: ${c.reason}; ${resumeText(c)}.`;
}

/** The chart's note line for an incomplete data set (the chart has no room for the command). */
export function chartWarning(c: Completeness): string | undefined {
  return c.state === 'incomplete' ? `Incomplete data set, counts cover only what was read: ${c.reason}.` : undefined;
}

/**
 * The gate of the counting stages: an incomplete data set stops them (exit 2) unless
 * `allowIncomplete`, when it is a warning and the outputs say "incomplete". A database from an
 * older version is taken as it is, with a warning: refusing it would make every existing database
 * unusable until refetched, while nothing says its fetch stopped.
 */
export async function requireComplete(store: Store, command: string, allowIncomplete: boolean, effects: Effects): Promise<Completeness> {
  const c = await completenessOf(store);
  if (c.state === 'unknown') effects.warn(`${command}: ${c.reason}`);
  if (c.state !== 'incomplete') return c;
  const what = `the data set in ${store.path} is incomplete: ${c.reason}`;
  if (allowIncomplete) {
    effects.warn(`${command}: going on (--allow-incomplete) although ${what}; the outputs say "incomplete"`);
    return c;
  }
  throw new UserError(
    `${command}: ${what}.\nCounts from it would be partial. ${capitalize(resumeText(c))}, then run ${command} again; or pass --allow-incomplete to go on with what was read.`,
    ExitCode.usage,
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Quotes a command-line word for a POSIX shell when it needs it. */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(words: readonly string[]): string {
  return ['medai-trends', ...words].map(shellWord).join(' ');
}
