/**
 * The store opened under its lock (`<db>.lock`, src/pipeline/lock.ts). Every command that opens
 * the database takes it, readers too: DuckDB itself lets only one process open a file, so a
 * reader would otherwise stop a writer with DuckDB's error instead of a message naming the run.
 */
import { ExitCode, UserError } from '../errors.js';
import { Store } from '../store/store.js';
import { acquireLocks, databaseLock, defaultLockEffects, releaseLocks, type HeldLock, type LockEffects } from './lock.js';

/**
 * How long a run that has our lock keeps trying DuckDB's: a holder lets go of `<db>.lock` on its
 * way out (process.exit included) a moment before the process, and DuckDB's lock, are gone.
 */
const DUCKDB_RELEASE_GRACE_MS = 3_000;

export interface DatabaseSettings {
  path: string;
  threads?: number;
}

/** Opens the store once its lock is held, trying again while DuckDB's own lock is still held. */
export async function openHeldStore(db: DatabaseSettings, waitSeconds: number, effects: LockEffects = defaultLockEffects): Promise<Store> {
  const deadline = effects.now().getTime() + Math.max(DUCKDB_RELEASE_GRACE_MS, waitSeconds * 1000);
  for (;;) {
    try {
      return await Store.open(db.path, db.threads === undefined ? {} : { threads: db.threads });
    } catch (e) {
      if (!(e instanceof UserError) || e.exitCode !== ExitCode.busy || effects.now().getTime() >= deadline) throw e;
      await effects.sleep(100);
    }
  }
}

export interface LockedStore {
  store: Store;
  /** Closes the store, then lets go of its lock. */
  close: () => void;
}

/** Takes the database's lock (exit 6, or waiting up to `waitSeconds`) and opens the store. */
export async function openLockedStore(db: DatabaseSettings, waitSeconds: number, effects: LockEffects = defaultLockEffects): Promise<LockedStore> {
  const request = databaseLock(db.path);
  const locks: HeldLock[] = await acquireLocks(request === null ? [] : [request], waitSeconds, effects);
  try {
    const store = await openHeldStore(db, waitSeconds, effects);
    return {
      store,
      close: () => {
        // DuckDB's lock first, so a run that gets ours next can open the file.
        store.close();
        releaseLocks(locks);
      },
    };
  } catch (e) {
    releaseLocks(locks);
    throw e;
  }
}
