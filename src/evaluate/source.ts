/**
 * Where `evaluate` and `explain` read works from: snapshot files / saved API pages (`--snapshot`)
 * or the DuckDB store (`--db`). Both yield the same typed Work, so the commands work on any corpus.
 */
import { access } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { readWorks } from '../ingest/snapshot.js';
import { ABSTRACT_SET_ASIDE, isNewerCopy, type Work } from '../model/work.js';
import { lockEffects } from '../pipeline/lock.js';
import { openLockedStore, type LockedStore } from '../pipeline/locked-store.js';
import { requireFullRecords } from '../pipeline/compact.js';
import { completenessOf, resumeText } from '../pipeline/completeness.js';
import { quietEffects, type Effects } from '../effects/effects.js';

export interface SnapshotRead {
  /** One copy per work id: the newest by `updated_date`, as the store keeps it. */
  works: Map<string, Work>;
  /** Records that could not be used, with where they came from. */
  rejected: { origin: string; reason: string }[];
  /** Repairs noted for the kept copy of a work (e.g. its abstract set aside), by work id. */
  notes: Map<string, string[]>;
}

export async function readSnapshotWorks(specs: readonly string[]): Promise<SnapshotRead> {
  const works = new Map<string, Work>();
  const rejected: SnapshotRead['rejected'] = [];
  const notes = new Map<string, string[]>();
  for await (const { origin, result } of readWorks(specs)) {
    if (!result.ok) {
      rejected.push({ origin, reason: result.reason });
      continue;
    }
    const prior = works.get(result.work.id);
    if (prior === undefined || isNewerCopy(result.work, prior)) {
      works.set(result.work.id, result.work);
      if (result.notes.length > 0) notes.set(result.work.id, result.notes);
      else notes.delete(result.work.id);
    }
  }
  return { works, rejected, notes };
}

/**
 * Opens an existing store under its lock (exit 6 naming the run that holds it, or waiting up to
 * `waitSeconds`); reading commands must not create an empty database by mistake. They look at
 * single works or samples rather than counting, so a data set whose fetch stopped is a warning
 * here, not a stop.
 */
export async function openExistingStore(path: string, effects: Effects = quietEffects, waitSeconds = 0): Promise<LockedStore> {
  try {
    await access(path);
  } catch {
    throw new UserError(`no database at ${path}: run \`medai-trends fetch\` first, or pass --snapshot <files>`);
  }
  const locked = await openLockedStore({ path }, waitSeconds, lockEffects(effects.log));
  try {
    const c = await completenessOf(locked.store);
    if (c.state === 'incomplete') effects.warn(`the data set in ${path} is incomplete (${c.reason}); ${resumeText(c)}`);
    else if (c.state === 'unknown') effects.warn(c.reason);
  } catch (e) {
    locked.close();
    throw e;
  }
  return locked;
}

/** Ids of the works whose abstract was set aside (a placeholder or teaser), from their repair notes. */
function abstractsSetAside(notes: ReadonlyMap<string, readonly string[]>): Set<string> {
  return new Set([...notes].filter(([, n]) => n.some((t) => t.startsWith(ABSTRACT_SET_ASIDE))).map(([id]) => id));
}

/** A corpus to score or sample: the works, which abstracts were set aside, and how to name it. */
export interface Corpus {
  works: AsyncIterable<Work> | Iterable<Work>;
  setAside: Set<string>;
  /** Snapshot records that were not usable works (none for a database, which never stored them). */
  rejected: SnapshotRead['rejected'];
  /** For reports: the snapshot paths or the database file. */
  description: string;
  close: () => void;
}

/** Opens `--snapshot` files when given, else the existing database. */
export async function openCorpus(o: { db: string; snapshot?: string[]; wait?: number; command?: string }, effects: Effects = quietEffects): Promise<Corpus> {
  if (o.snapshot !== undefined) {
    const read = await readSnapshotWorks(o.snapshot);
    return {
      works: read.works.values(),
      setAside: abstractsSetAside(read.notes),
      rejected: read.rejected,
      description: `snapshot ${o.snapshot.map((s) => `\`${s}\``).join(', ')}`,
      close: () => {},
    };
  }
  const locked = await openExistingStore(o.db, effects, o.wait);
  const { store } = locked;
  try {
    await requireFullRecords(store, o.command ?? 'evaluate', 'the works\' abstracts and MeSH headings');
  } catch (err) {
    locked.close();
    throw err;
  }
  return {
    works: store.iterateWorks(),
    setAside: abstractsSetAside(await store.repairNotes()),
    rejected: [],
    description: `database \`${o.db}\``,
    close: () => locked.close(),
  };
}

/** The line a command prints about unusable snapshot records, or null when there were none. */
export function skippedLine(command: string, corpus: Corpus): string | null {
  const first = corpus.rejected[0];
  return first === undefined ? null : `${command}: ${corpus.rejected.length} records skipped (not usable works), e.g. ${first.origin}: ${first.reason}`;
}
