/**
 * One run at a time: a holder file beside what a run writes (the database, --out). The file is
 * created only where none exists, so of two runs exactly one gets it, and it names its holder
 * ({"pid", "host", "startedAt", "command"}) from its first instant, so the other can say who has
 * it. It goes when the holder ends, process.exit included; a holder killed with -9 leaves it
 * behind, and the next run finds its pid gone on this host and takes it over.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ExitCode, UserError, fsReason } from '../errors.js';

/**
 * A lock file younger than this with no readable holder is a run between creating the file and
 * writing its first line; an older one was left by a run killed in that instant.
 */
export const UNREADABLE_LOCK_GRACE_MS = 10_000;

/**
 * How often a run given --wait looks again. A run lasts seconds to hours, so five looks a second
 * cost nothing and start the waiter soon after the holder ends; the jitter keeps two waiters
 * from looking in step forever.
 */
const POLL_MS = 200;
const POLL_JITTER_MS = 50;

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface LockEffects {
  pid: number;
  host: string;
  now: () => Date;
  /** Whether a process of this host is still running (signal 0: EPERM means it exists). */
  isAlive: (pid: number) => boolean;
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const defaultLockEffects: LockEffects = {
  pid: process.pid,
  host: hostname(),
  now: () => new Date(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  log: (line) => process.stderr.write(`${line}\n`),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
};

/** This process's lock effects, logging where the command logs. */
export function lockEffects(log: (line: string) => void): LockEffects {
  return { ...defaultLockEffects, log };
}

/** A lock to take: its file, and what it guards as messages name it. */
export interface LockRequest {
  path: string;
  /** "--out reports", "the database data/medai.duckdb". */
  label: string;
  /** What cannot be done when the lock file cannot be made: "write --out reports", "open database data/medai.duckdb". */
  action: string;
  /** What the holder is doing, for the run that finds it held: "is writing to --out reports". */
  doing: string;
}

/** The lock file beside a database; none for an in-memory one, which no other process can open. */
export function databaseLock(db: string): LockRequest | null {
  return db === ':memory:' ? null : { path: `${db}.lock`, label: `the database ${db}`, action: `open database ${db}`, doing: `is using the database ${db}` };
}

/**
 * Lock files this process holds, by absolute path. A holder naming this pid is this process only
 * if the path is here; otherwise it is an earlier process that had the same pid (pids are reused)
 * and is gone.
 */
const heldHere = new Set<string>();

export class HeldLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  constructor(
    readonly request: LockRequest,
    private readonly effects: LockEffects,
  ) {
    heldHere.add(resolve(request.path));
    // process.exit (an error, SIGINT) skips finally blocks: the lock goes on any exit.
    process.on('exit', this.onExit);
  }

  get path(): string {
    return this.request.path;
  }

  /** Removes the lock file while it is still ours; safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    heldHere.delete(resolve(this.path));
    const holder = readHolder(this.path);
    if (holder !== null && holder.pid === this.effects.pid && holder.host === this.effects.host) rmSync(this.path, { force: true });
  }
}

/** Another run has the lock: who (null while it is still writing its name), and which lock. */
export interface Busy {
  request: LockRequest;
  holder: LockHolder | null;
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return { pid: h.pid, host: h.host, startedAt: String(h.startedAt), command: String(h.command ?? '') };
  } catch {
    // Unreadable: judged by the file's age.
  }
  return null;
}

/**
 * Creates `path` holding `content`, only if it does not exist; false when it does. Any other failure
 * is the user's to fix (exit 2). The content is written to a file of this process's own first and
 * hard-linked into place (link() fails when the name exists, as O_EXCL does), so a run that finds
 * the lock always finds its holder named in it: created with O_EXCL and then written, a run starting
 * in the same instant read it empty and could only say "a run that is just starting". Where the
 * file system has no hard links, it is created with O_EXCL and written.
 */
function createExclusive(path: string, action: string, content: string): boolean {
  const cannot = (e: unknown): UserError => new UserError(`cannot ${action}: cannot create the lock file ${path} (${fsReason(e)})`);
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(aside, content, { flag: 'wx' });
  } catch (e) {
    throw cannot(e);
  }
  try {
    linkSync(aside, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw cannot(e);
  } finally {
    rmSync(aside, { force: true });
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw cannot(e);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Milliseconds since the file was last written; null if it is gone. */
function ageOf(path: string, effects: LockEffects): number | null {
  try {
    return effects.now().getTime() - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Why the lock at `path` is stale (its holder is gone), or null while it is held. A holder on
 * another host cannot be checked from here and counts as held; so does a half-written file
 * younger than the grace period.
 */
function staleReason(path: string, effects: LockEffects): { holder: LockHolder | null; why: string | null } | 'gone' {
  const holder = readHolder(path);
  if (holder === null) {
    const age = ageOf(path, effects);
    if (age === null) return 'gone';
    return { holder, why: age > UNREADABLE_LOCK_GRACE_MS ? `it names no holder and is ${Math.round(age / 1000)} s old` : null };
  }
  if (holder.host !== effects.host) return { holder, why: null };
  const mine = holder.pid === effects.pid;
  if (mine ? heldHere.has(resolve(path)) : effects.isAlive(holder.pid)) return { holder, why: null };
  return { holder, why: `pid ${holder.pid} on ${holder.host} is no longer running` };
}

/**
 * Takes the lock if it is free or stale; otherwise says who holds it. Never waits.
 *
 * A stale lock is removed under a second, short-lived lock (`<lock>.takeover`), with its staleness
 * checked again there: two runs that both found it stale cannot then both remove it, the second
 * deleting the lock the first had just made.
 */
export function tryLock(request: LockRequest, effects: LockEffects = defaultLockEffects): HeldLock | Busy {
  const { path, label } = request;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new UserError(`cannot ${request.action}: cannot create the folder ${dirname(path)} (${fsReason(e)})`);
  }
  const me: LockHolder = { pid: effects.pid, host: effects.host, startedAt: effects.now().toISOString(), command: process.argv.slice(2).join(' ') };
  const takeover = `${path}.takeover`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, request.action, `${JSON.stringify(me)}\n`)) return new HeldLock(request, effects);
    const judged = staleReason(path, effects);
    if (judged === 'gone') continue;
    if (judged.why === null) return { request, holder: judged.holder };
    if (!createExclusive(takeover, request.action, `${JSON.stringify(me)}\n`)) {
      // Another run is taking it over this instant; one killed in that instant left this behind.
      const age = ageOf(takeover, effects);
      if (age !== null && age > UNREADABLE_LOCK_GRACE_MS) rmSync(takeover, { force: true });
      // Whoever is taking it over may already have written its name.
      return { request, holder: readHolder(path) };
    }
    try {
      const again = staleReason(path, effects);
      if (again !== 'gone' && again.why !== null) {
        effects.log(`taking over the lock on ${label}: ${again.why}`);
        rmSync(path, { force: true });
      }
    } finally {
      rmSync(takeover, { force: true });
    }
  }
  // Lost every race to other runs taking it: one of them holds it now.
  return { request, holder: readHolder(path) };
}

/** The message of a run that found a lock held: what, by whom, where the lock file is, and what to do. */
export function busyError(busy: Busy, waitedSeconds: number): UserError {
  const h = busy.holder;
  const who = h === null ? 'a run that is just starting' : `pid ${h.pid} on ${h.host}, started ${h.startedAt}${h.command ? ` (${h.command})` : ''}`;
  const waited = waitedSeconds > 0 ? ` (still, after waiting ${waitedSeconds} s)` : '';
  return new UserError(
    `another run ${busy.request.doing}${waited}: ${who}; lock file ${busy.request.path}. ` +
      `Run again with --wait <seconds> to wait for it to finish, or, if it is not running, delete the lock file`,
    ExitCode.busy,
  );
}

/**
 * Takes every lock, in the order given, before any work starts. Every command takes them in one
 * order (the database, then --out), and a run that finds one held lets go of those it has before
 * waiting, so two runs never each hold what the other waits for. With `waitSeconds` 0 a held lock
 * ends the command at once (exit 6); otherwise it looks again until that long has passed.
 */
export async function acquireLocks(requests: readonly LockRequest[], waitSeconds: number, effects: LockEffects = defaultLockEffects): Promise<HeldLock[]> {
  const deadline = effects.now().getTime() + waitSeconds * 1000;
  let told = false;
  for (;;) {
    const held: HeldLock[] = [];
    let busy: Busy | null = null;
    for (const r of requests) {
      const got = tryLock(r, effects);
      if (got instanceof HeldLock) held.push(got);
      else {
        busy = got;
        break;
      }
    }
    if (busy === null) return held;
    releaseLocks(held);
    const left = deadline - effects.now().getTime();
    if (left <= 0) throw busyError(busy, waitSeconds);
    if (!told) {
      told = true;
      const h = busy.holder;
      effects.log(`waiting up to ${waitSeconds} s for ${h === null ? 'the run' : `pid ${h.pid} on ${h.host}`} holding ${busy.request.label} (${busy.request.path})`);
    }
    await effects.sleep(Math.min(left, POLL_MS + Math.floor(effects.random() * POLL_JITTER_MS)));
  }
}

/** Lets go of locks, the last taken first. */
export function releaseLocks(locks: readonly HeldLock[]): void {
  for (const l of [...locks].reverse()) l.release();
}
