/**
 * Where `evaluate` and `explain` read works from: snapshot files / saved API pages (`--snapshot`)
 * or the DuckDB store (`--db`). Both yield the same typed Work, so the commands work on any corpus.
 */
import { access } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { readWorks } from '../ingest/snapshot.js';
import { isNewerCopy, type Work } from '../model/work.js';
import { Store } from '../store/store.js';

export interface SnapshotRead {
  /** One copy per work id: the newest by `updated_date`, as the store keeps it. */
  works: Map<string, Work>;
  /** Records that could not be used, with where they came from. */
  rejected: { origin: string; reason: string }[];
}

export async function readSnapshotWorks(specs: readonly string[]): Promise<SnapshotRead> {
  const works = new Map<string, Work>();
  const rejected: SnapshotRead['rejected'] = [];
  for await (const { origin, result } of readWorks(specs)) {
    if (!result.ok) {
      rejected.push({ origin, reason: result.reason });
      continue;
    }
    const prior = works.get(result.work.id);
    if (prior === undefined || isNewerCopy(result.work, prior)) works.set(result.work.id, result.work);
  }
  return { works, rejected };
}

/** Opens an existing store; reading commands must not create an empty database by mistake. */
export async function openExistingStore(path: string): Promise<Store> {
  try {
    await access(path);
  } catch {
    throw new UserError(`no database at ${path}: run \`medai-trends fetch\` first, or pass --snapshot <files>`);
  }
  return Store.open(path);
}
