/**
 * The holder-file lock: taken and let go, a live holder named, a dead one's lock taken over (on
 * this host only), a half-written file judged by its age, exactly one winner among contenders in
 * one process and across processes, --wait's polling, and a folder where no lock can be made.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, UserError } from '../../src/errors.js';
import {
  HeldLock,
  UNREADABLE_LOCK_GRACE_MS,
  acquireLocks,
  busyError,
  databaseLock,
  defaultLockEffects,
  tryLock,
  type Busy,
  type LockEffects,
  type LockRequest,
} from '../../src/pipeline/lock.js';
import { REPO_ROOT } from '../support/paths.js';

const HOST = hostname();
/** A pid no process of this test has: the lock's liveness check is given by each test. */
const OTHER_PID = 999_999;

function effects(over: Partial<LockEffects> = {}): LockEffects & { lines: string[] } {
  const lines: string[] = [];
  return { ...defaultLockEffects, log: (l) => lines.push(l), lines, ...over };
}

async function request(name = 'x'): Promise<LockRequest> {
  const dir = await mkdtemp(join(tmpdir(), 'medai-lock-'));
  return { path: join(dir, `${name}.lock`), label: `the thing ${name}`, action: `open the thing ${name}`, doing: `is using the thing ${name}` };
}

function writeHolder(path: string, pid: number, host = HOST, startedAt = '2026-12-01T09:00:00.000Z'): void {
  writeFileSync(path, `${JSON.stringify({ pid, host, startedAt, command: 'run --snapshot w.gz' })}\n`);
}

const held = (r: HeldLock | Busy): HeldLock => {
  expect(r).toBeInstanceOf(HeldLock);
  return r as HeldLock;
};
const busy = (r: HeldLock | Busy): Busy => {
  expect(r).not.toBeInstanceOf(HeldLock);
  return r as Busy;
};

describe('tryLock', () => {
  it('creates the lock naming this process, and release removes it', async () => {
    const r = await request();
    const lock = held(tryLock(r, effects()));
    const holder = JSON.parse(readFileSync(r.path, 'utf8')) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: process.pid, host: HOST, command: process.argv.slice(2).join(' ') });
    expect(Date.now() - Date.parse(String(holder.startedAt))).toBeLessThan(60_000);
    lock.release();
    expect(existsSync(r.path)).toBe(false);
    lock.release();
    held(tryLock(r, effects())).release();
  });

  it('a live holder keeps it and is named: pid, host, start, lock file, --wait; exit 6', async () => {
    const r = await request();
    writeHolder(r.path, OTHER_PID);
    const b = busy(tryLock(r, effects({ isAlive: () => true })));
    expect(b.holder).toEqual({ pid: OTHER_PID, host: HOST, startedAt: '2026-12-01T09:00:00.000Z', command: 'run --snapshot w.gz' });
    const e = busyError(b, 0);
    expect(e.exitCode).toBe(ExitCode.busy);
    expect(e.exitCode).toBe(6);
    expect(e.message).toBe(
      `another run is using the thing x: pid ${OTHER_PID} on ${HOST}, started 2026-12-01T09:00:00.000Z (run --snapshot w.gz); lock file ${r.path}. ` +
        'Run again with --wait <seconds> to wait for it to finish, or, if it is not running, delete the lock file',
    );
    expect(busyError(b, 30).message).toContain('(still, after waiting 30 s)');
    // Untouched: still the holder's.
    expect(JSON.parse(readFileSync(r.path, 'utf8')).pid).toBe(OTHER_PID);
  });

  it('a holder of this host that no longer runs: taken over, and the log says so', async () => {
    const r = await request();
    writeHolder(r.path, OTHER_PID);
    const fx = effects({ isAlive: (pid) => pid !== OTHER_PID });
    const lock = held(tryLock(r, fx));
    expect(fx.lines).toEqual([`taking over the lock on the thing x: pid ${OTHER_PID} on ${HOST} is no longer running`]);
    expect(JSON.parse(readFileSync(r.path, 'utf8')).pid).toBe(process.pid);
    expect(existsSync(`${r.path}.takeover`)).toBe(false);
    lock.release();
    expect(existsSync(r.path)).toBe(false);
  });

  it('a holder on another host is not taken over, even if no such pid runs here', async () => {
    const r = await request();
    writeHolder(r.path, OTHER_PID, 'another-host');
    const fx = effects({ isAlive: () => false });
    const b = busy(tryLock(r, fx));
    expect(b.holder?.host).toBe('another-host');
    expect(fx.lines).toEqual([]);
    expect(JSON.parse(readFileSync(r.path, 'utf8')).host).toBe('another-host');
  });

  it('this pid in a lock this process does not hold is an earlier process with a reused pid: taken over', async () => {
    const r = await request();
    writeHolder(r.path, process.pid);
    const fx = effects();
    const lock = held(tryLock(r, fx));
    expect(fx.lines[0]).toContain(`pid ${process.pid} on ${HOST} is no longer running`);
    // Held here now: a second try in this same process finds it held, not stale.
    expect(busy(tryLock(r, fx)).holder?.pid).toBe(process.pid);
    lock.release();
  });

  it('a half-written lock is a run starting within the grace period, then a run killed while starting', async () => {
    const r = await request();
    writeFileSync(r.path, '{"pid": 12');
    const b = busy(tryLock(r, effects()));
    expect(b.holder).toBeNull();
    expect(busyError(b, 0).message).toContain('another run is using the thing x: a run that is just starting');
    const old = (Date.now() - UNREADABLE_LOCK_GRACE_MS - 5_000) / 1000;
    utimesSync(r.path, old, old);
    const fx = effects();
    const lock = held(tryLock(r, fx));
    expect(fx.lines).toHaveLength(1);
    expect(fx.lines[0]).toMatch(/^taking over the lock on the thing x: it names no holder and is 1[45] s old$/);
    lock.release();
  });

  it('of many contenders in one process, exactly one wins', async () => {
    const r = await request();
    // Each a different live pid, as runs of other processes would be.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => acquireLocks([r], 0, effects({ pid: 50_000 + i, isAlive: () => true })).then(
        (locks) => ({ won: true, pid: 50_000 + i, locks }),
        (e: unknown) => ({ won: false, pid: 50_000 + i, error: e as UserError }),
      )),
    );
    const winners = results.filter((x) => x.won);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.pid;
    for (const loser of results.filter((x) => !x.won)) {
      expect('error' in loser && loser.error.exitCode).toBe(ExitCode.busy);
      expect('error' in loser && loser.error.message).toContain(`pid ${winner} on ${HOST}`);
    }
    expect(JSON.parse(readFileSync(r.path, 'utf8')).pid).toBe(winner);
  });

  /** Six processes trying the lock `path` at one agreed moment: what each printed (see lock-child.ts). */
  async function race(path: string): Promise<string[]> {
    const children = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/support/lock-child.ts'), path, '1500'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.startsWith('ready\n') && resolve())));
      const done = new Promise<string>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', () => resolve(out.replace('ready\n', '').trim()));
      });
      return { child, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    // Every contender loaded and spinning towards one moment.
    const startAt = Date.now() + 200;
    for (const c of children) c.child.stdin.end(`${startAt}\n`);
    return (await Promise.all(children.map((c) => c.done))).sort();
  }

  it('of processes racing for a free lock, exactly one wins and every other names it; nothing is left behind', async () => {
    const r = await request();
    // The lock file is never seen without its holder: it is written aside and linked into place.
    expect(await race(r.path)).toEqual(['busy', 'busy', 'busy', 'busy', 'busy', 'won']);
    expect(readdirSync(dirname(r.path))).toEqual([]);
  }, 30_000);

  it('of processes racing for one stale lock, exactly one takes it over; it goes when that process exits', async () => {
    const r = await request();
    writeHolder(r.path, OTHER_PID);
    // OTHER_PID must really not run here for this test: the children check for real.
    expect(defaultLockEffects.isAlive(OTHER_PID)).toBe(false);
    // A loser may look while the stale file is being replaced, and then names no holder.
    const outputs = (await race(r.path)).map((o) => o.replace(' unnamed', ''));
    expect(outputs).toEqual(['busy', 'busy', 'busy', 'busy', 'busy', 'won']);
    expect(existsSync(r.path)).toBe(false);
    expect(existsSync(`${r.path}.takeover`)).toBe(false);
  }, 30_000);

  it('a folder where no lock file can be made: a usage error naming the lock file', async (ctx) => {
    let dir = join(await mkdtemp(join(tmpdir(), 'medai-lock-ro-')), 'ro');
    if (process.getuid?.() === 0) {
      // chmod does not stop root; the kernel's /sys is read-only to every user.
      dir = '/sys';
      if (existsSync('/sys/medai.duckdb.lock') || !existsSync('/sys')) ctx.skip('no read-only folder to try');
    } else {
      mkdirSync(dir, { mode: 0o555 });
    }
    const r = databaseLock(join(dir, 'medai.duckdb'))!;
    let error: unknown;
    try {
      tryLock(r, effects());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(ExitCode.usage);
    expect((error as UserError).message).toMatch(new RegExp(`^cannot open database ${join(dir, 'medai.duckdb')}: cannot create the lock file ${join(dir, 'medai.duckdb.lock')} \\((permission denied|the filesystem is read-only|not permitted)\\)$`));
  });
});

describe('databaseLock', () => {
  it('is <db>.lock beside the file, and none for an in-memory database', () => {
    expect(databaseLock('data/medai.duckdb')).toEqual({ path: 'data/medai.duckdb.lock', label: 'the database data/medai.duckdb', action: 'open database data/medai.duckdb', doing: 'is using the database data/medai.duckdb' });
    expect(databaseLock(':memory:')).toBeNull();
  });
});

describe('acquireLocks with a wait', () => {
  it('waits while held, polling, and takes the locks once the holder lets go', async () => {
    const [a, b] = [await request('a'), await request('b')];
    writeHolder(b.path, OTHER_PID);
    const naps: number[] = [];
    const fx = effects({
      isAlive: () => true,
      sleep: async (ms) => {
        naps.push(ms);
        // Waiting for b, a run holds nothing: a is free for others meanwhile.
        expect(existsSync(a.path)).toBe(false);
        if (naps.length === 3) rmSync(b.path);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    const locks = await acquireLocks([a, b], 60, fx);
    expect(locks.map((l) => l.path)).toEqual([a.path, b.path]);
    expect(naps).toHaveLength(3);
    for (const ms of naps) expect(ms).toBeGreaterThanOrEqual(200), expect(ms).toBeLessThan(250);
    expect(fx.lines).toEqual([`waiting up to 60 s for pid ${OTHER_PID} on ${HOST} holding the thing b (${b.path})`]);
    for (const l of locks) l.release();
    expect(existsSync(a.path) || existsSync(b.path)).toBe(false);
  });

  it('gives up after the wait with exit 6, holding nothing', async () => {
    const [a, b] = [await request('a'), await request('b')];
    writeHolder(b.path, OTHER_PID);
    const started = Date.now();
    const error = await acquireLocks([a, b], 1, effects({ isAlive: () => true })).catch((e: unknown) => e as UserError);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(ExitCode.busy);
    expect((error as UserError).message).toContain(`another run is using the thing b (still, after waiting 1 s): pid ${OTHER_PID} on ${HOST}`);
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(2_000);
    expect(existsSync(a.path)).toBe(false);
  });

  it('without a wait, fails at once', async () => {
    const r = await request();
    writeHolder(r.path, OTHER_PID);
    const started = Date.now();
    await expect(acquireLocks([r], 0, effects({ isAlive: () => true }))).rejects.toThrow(/another run is using the thing x: pid 999999/);
    expect(Date.now() - started).toBeLessThan(100);
  });
});
