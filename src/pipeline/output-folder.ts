/**
 * The output folder (--out) as one unit. A run writes into a staging folder beside --out and swaps
 * it in with renames at the end, so --out always holds one whole run or the previous one, never a
 * mix; a lock file beside --out keeps a second run from writing to the same folder at once.
 *
 * Beside --out (same parent, so every rename stays on one filesystem and is atomic):
 *   .<name>.lock                  the holder: {"pid", "host", "startedAt", "command"}
 *   .<name>.tmp-<pid>-<random>    the staging folder of a run in progress (or killed)
 *   .<name>.old-<pid>-<random>    the previous run, moved aside for the moment of the swap
 */
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, cp, link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UserError, fsReason as reason } from '../errors.js';
import { acquireLocks, defaultLockEffects, type HeldLock, type LockEffects, type LockRequest } from './lock.js';

/**
 * Every name a run writes into --out (report, aggregate --out, --pdf). The folder is the tool's:
 * each run replaces these whole. Anything else a user keeps there (a README, .gitkeep) is carried
 * over into the new folder, so the swap never deletes a file the tool did not write.
 */
const TOOL_FILE = /^(?:figure2(?:\.svg|\.png|@2x\.png|\.vl\.json|\.html|\.embed\.html|\.pdf)|counts(?:-[a-z]+)?\.csv|report\.(?:html|pdf)|works\.(?:csv|parquet)|rejects\.jsonl|manifest\.json|summary\.md)$/;

function isToolFile(name: string): boolean {
  return TOOL_FILE.test(name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What stands in the way of writing --out, found before any work starts; null when none. */
function unusable(out: string, target: string): string | null {
  if (out.trim() === '') return '--out is empty: name the folder to write the outputs to';
  if (dirname(target) === target) return `--out ${out} is the root of the filesystem: name a folder of its own`;
  // The swap moves --out aside: the shell's (or our) current folder must not vanish under it.
  const fromCwd = relative(target, process.cwd());
  if (fromCwd === '' || !fromCwd.startsWith('..')) return `--out ${out} is the current folder or holds it: name a folder of its own`;
  return null;
}

/** --out checked and its lock named, before the lock is taken (prepare) and the folder opened (open). */
export interface OutputClaim {
  out: string;
  target: string;
  lock: LockRequest;
}

export class OutputFolder {
  private committed = false;
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    /** --out as the user wrote it, for messages. */
    readonly out: string,
    readonly target: string,
    /** Where this run writes; swapped in as --out by commit(). */
    readonly staging: string,
    private readonly lock: HeldLock,
  ) {
    // process.exit (an error, SIGINT) skips finally blocks: staging goes on any exit (the lock has its own).
    process.on('exit', this.onExit);
  }

  /**
   * Takes the folder for this run before any work starts: prepare, the lock (exit 6 naming the
   * holder, or waiting up to `waitSeconds`), then open. A command that also locks the database
   * calls the three itself, taking both locks together.
   */
  static async claim(out: string, forbidden: { label: string; path: string }[] = [], effects: LockEffects = defaultLockEffects, waitSeconds = 0): Promise<OutputFolder> {
    const claim = OutputFolder.prepare(out, forbidden);
    const [lock] = await acquireLocks([claim.lock], waitSeconds, effects);
    return OutputFolder.open(claim, lock!, effects);
  }

  /**
   * Checks --out can be written (exit 2 naming the path) and names its lock. `forbidden` names
   * paths that must not lie inside --out (the database), because the swap replaces the folder whole.
   */
  static prepare(out: string, forbidden: { label: string; path: string }[] = []): OutputClaim {
    let target = resolve(out);
    try {
      // A symlinked --out (reports -> a shared drive) is swapped where it points, and stays a link.
      target = realpathSync(target);
    } catch {
      // Not there yet (or a dangling link, refused below as not a folder).
    }
    const problem = unusable(out, target);
    if (problem !== null) throw new UserError(problem);
    for (const f of forbidden) {
      const r = relative(target, resolve(f.path));
      if (r !== '' && !r.startsWith('..')) throw new UserError(`${f.label} ${f.path} is inside --out ${out}, which each run replaces whole: keep them apart`);
    }
    const parent = dirname(target);
    try {
      mkdirSync(parent, { recursive: true });
    } catch (e) {
      throw new UserError(`cannot write --out ${out}: cannot create ${parent} (${reason(e)})`);
    }
    return { out, target, lock: { path: join(parent, `.${basename(target)}.lock`), label: `--out ${out}`, action: `write --out ${out}`, doing: `is writing to --out ${out}` } };
  }

  /**
   * Under the lock: repairs what a killed run left beside --out and makes the staging folder. The
   * folder owns `lock` from here: release() lets go of it, as does a failure here.
   */
  static async open(claim: OutputClaim, lock: HeldLock, effects: LockEffects = defaultLockEffects): Promise<OutputFolder> {
    const { out, target } = claim;
    const parent = dirname(target);
    const name = basename(target);
    try {
      await recover(parent, name, target, effects);
      const mode = await checkTarget(out, target);
      // Not mkdtemp: its 0700 would become --out's mode; a new folder gets the umask's, a replaced one keeps its own.
      const staging = join(parent, `.${name}.tmp-${effects.pid}-${randomBytes(3).toString('hex')}`);
      await mkdir(staging);
      if (mode !== null) await chmod(staging, mode);
      return new OutputFolder(out, target, staging, lock);
    } catch (e) {
      lock.release();
      if (e instanceof UserError) throw e;
      throw new UserError(`cannot write --out ${out}: ${reason(e)}`);
    }
  }

  /** Swaps the staging folder in as --out: the previous run goes aside, then away. */
  async commit(): Promise<void> {
    await carryOver(this.target, this.staging);
    const old = `${this.staging.replace(/\.tmp-(\d+-[^/]+)$/, '.old-$1')}`;
    let hadOld = true;
    try {
      await rename(this.target, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      hadOld = false;
    }
    // Killed between these two renames, --out is missing and the next claim restores `old`.
    await rename(this.staging, this.target);
    this.committed = true;
    if (hadOld) await rm(old, { recursive: true, force: true });
  }

  /** Removes an uncommitted staging folder and the lock; safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (!this.committed) rmSync(this.staging, { recursive: true, force: true });
    this.lock.release();
  }
}

/**
 * Repairs what a killed run left beside --out; runs under the lock, so nothing here is in use. A
 * staging folder is an unfinished run: removed. A previous run moved aside with no --out beside it
 * was killed mid-swap: put back, so --out holds the previous run again.
 */
async function recover(parent: string, name: string, target: string, effects: LockEffects): Promise<void> {
  const n = escapeRegExp(name);
  const tmp = new RegExp(`^\\.${n}\\.tmp-\\d+-[A-Za-z0-9]{6}$`);
  const old = new RegExp(`^\\.${n}\\.old-\\d+-[A-Za-z0-9]{6}$`);
  const entries = await readdir(parent);
  for (const e of entries.filter((e) => tmp.test(e))) {
    effects.log(`removing ${join(parent, e)}, left by a run that did not finish`);
    await rm(join(parent, e), { recursive: true, force: true });
  }
  const olds = entries.filter((e) => old.test(e));
  let targetExists = true;
  try {
    await lstat(target);
  } catch {
    targetExists = false;
  }
  if (!targetExists && olds.length > 0) {
    // A run holds the lock through its swap, so there is at most one; newest first all the same.
    const stamped = await Promise.all(olds.map(async (e) => ({ e, t: (await lstat(join(parent, e))).mtimeMs })));
    const [back] = stamped.sort((a, b) => b.t - a.t);
    effects.log(`restoring ${target} from ${join(parent, back!.e)}, left by a run killed while swapping it in`);
    await rename(join(parent, back!.e), target);
  }
  for (const e of olds) await rm(join(parent, e), { recursive: true, force: true });
}

/**
 * --out must be a folder; a folder of the user's inside it would be copied every run, so it is
 * refused. Returns the permission bits of an existing --out, for its replacement.
 */
async function checkTarget(out: string, target: string): Promise<number | null> {
  let entries: string[];
  let mode: number;
  try {
    const s = await lstat(target);
    if (!s.isDirectory()) throw new UserError(`--out ${out} is a file, not a folder`);
    mode = s.mode & 0o7777;
    entries = await readdir(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const folders: string[] = [];
  for (const e of entries) {
    if (!isToolFile(e) && (await lstat(join(target, e))).isDirectory()) folders.push(e);
  }
  if (folders.length > 0) {
    throw new UserError(
      `--out ${out} holds folders this tool did not write (${folders.slice(0, 5).join(', ')}${folders.length > 5 ? ', ...' : ''}); ` +
        'each run replaces --out whole, carrying over only single files: choose an empty or new folder',
    );
  }
  return mode;
}

/** Files the tool does not write are linked (or copied) into the new folder before the swap. */
async function carryOver(target: string, staging: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  // A name this run wrote itself is never replaced by the older copy, even one TOOL_FILE misses.
  const written = new Set(await readdir(staging));
  for (const e of entries.filter((e) => !isToolFile(e) && !written.has(e))) {
    const from = join(target, e);
    const to = join(staging, e);
    const s = await lstat(from);
    if (s.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (s.isDirectory()) await cp(from, to, { recursive: true, preserveTimestamps: true });
    else {
      try {
        await link(from, to);
      } catch {
        await cp(from, to, { preserveTimestamps: true });
      }
    }
  }
}
