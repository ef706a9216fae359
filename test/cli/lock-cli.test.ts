/**
 * One run at a time, through the real CLI (the package's bin, real processes, real DuckDB files):
 * two `run`s started together on one database and --out, exactly one works and the other exits 6
 * naming the holder; with --wait the second waits its turn; a lock left by a dead process is taken
 * over; a reader meets the lock, not DuckDB's error; a folder where the lock cannot be made is exit 2.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { spawn } from 'node:child_process';
import { runCli, runCliInProcess, spawnCli } from '../support/cli.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';

const HOST = hostname();


const runArgs = (db: string, out: string): string[] => ['run', '--snapshot', WORKS_FILE, '--db', db, '--out', out];

async function place(): Promise<{ dir: string; db: string; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'medai-lock-cli-'));
  return { dir, db: join(dir, 'medai.duckdb'), out: join(dir, 'reports') };
}

/** The lock files and staging folders a run leaves beside the database and --out: none once it is done. */
const leftovers = (dir: string): string[] => readdirSync(dir).filter((e) => e.endsWith('.lock') || e.includes('.takeover') || /\.(tmp|old)-/.test(e));

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const { child, done } = spawnCli(['--version']);
  await done;
  return child.pid!;
}

/** An uninterrupted run's counts.csv, and its database and folder (left as they are by the tests that only meet a lock). */
let reference: string;
let ran: { dir: string; db: string; out: string };

beforeAll(async () => {
  ran = await place();
  const r = await runCliInProcess(runArgs(ran.db, ran.out));
  expect(r.code).toBe(0);
  reference = readFileSync(join(ran.out, 'counts.csv'), 'utf8');
}, 60_000);

describe('two runs on one database and --out', () => {
  it('started together: exactly one works, the other exits 6 at once naming the holder', async () => {
    const { dir, db, out } = await place();
    const a = spawnCli(runArgs(db, out));
    const b = spawnCli(runArgs(db, out));
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code].sort()).toEqual([0, ExitCode.busy]);
    const [winner, loser] = ra.code === 0 ? [a, rb] : [b, ra];
    expect(loser.stderr).not.toMatch(/unexpected error|\n\s+at |IO Error/);
    // The database is taken first, so it is the database's lock that answers.
    expect(loser.stderr).toMatch(
      new RegExp(`^medai-trends: another run is using the database ${db}: pid ${winner.child.pid} on ${HOST}, started \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(run --snapshot `),
    );
    expect(loser.stderr).toContain(`lock file ${db}.lock`);
    expect(loser.stderr).toContain('--wait <seconds>');
    expect(loser.stderr).not.toMatch(/^reading /m);
    expect(loser.stdout).toBe('');
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(reference);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('the second with --wait 60 waits for the first, then both succeed', async () => {
    const { dir, db, out } = await place();
    const a = spawnCli(runArgs(db, out));
    // Started only once the first holds the database, so which one waits is known.
    while (!existsSync(`${db}.lock`) && a.child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    const b = spawnCli([...runArgs(db, out), '--wait', '60']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code).toBe(0);
    expect(rb.stderr).not.toMatch(/unexpected error|IO Error/);
    expect(rb.code).toBe(0);
    expect(rb.stderr).toContain(`waiting up to 60 s for pid ${a.child.pid} on ${HOST} holding the database ${db} (${db}.lock)`);
    // The second read the snapshot after the first had finished.
    expect(rb.stderr.indexOf('waiting up to')).toBeLessThan(rb.stderr.indexOf('reading '));
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(reference);
    expect(leftovers(dir)).toEqual([]);
  }, 90_000);
});

describe('a lock left behind', () => {
  it('by a dead process, on the database and on --out: taken over, and the run succeeds', async () => {
    const { dir, db, out } = await place();
    const pid = await deadPid();
    const holder = JSON.stringify({ pid, host: HOST, startedAt: '2026-12-01T09:00:00.000Z', command: 'run' });
    const outLock = join(dirname(out), `.${basename(out)}.lock`);
    writeFileSync(`${db}.lock`, holder);
    writeFileSync(outLock, holder);
    const r = await runCli(runArgs(db, out));
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`taking over the lock on the database ${db}: pid ${pid} on ${HOST} is no longer running`);
    expect(r.stderr).toContain(`taking over the lock on --out ${out}: pid ${pid} on ${HOST} is no longer running`);
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(reference);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('by a live process: every command that opens the database exits 6 naming it, readers too, and the lock stays', async () => {
    const { db, out } = ran;
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(`${db}.lock`, JSON.stringify({ pid: holder.pid, host: HOST, startedAt: '2026-12-01T09:00:00.000Z', command: 'refresh' }));
      for (const args of [
        ['fetch', '--snapshot', WORKS_FILE, '--db', db],
        ['classify', '--db', db],
        ['aggregate', '--db', db],
        ['report', '--db', db, '--out', join(dirname(out), 'other')],
        ['reconcile', '--db', db],
        ['explain', 'W2911489562', '--db', db],
        ['evaluate', '--db', db, '--report', join(dirname(out), 'evaluation.md')],
        ['review-sample', '--db', db, '--out', join(dirname(out), 'sheet.csv')],
      ]) {
        const r = await runCliInProcess(args);
        expect(r.code, args.join(' ')).toBe(ExitCode.busy);
        expect(r.stderr, args[0]).toBe(
          `medai-trends: another run is using the database ${db}: pid ${holder.pid} on ${HOST}, started 2026-12-01T09:00:00.000Z (refresh); lock file ${db}.lock. ` +
            'Run again with --wait <seconds> to wait for it to finish, or, if it is not running, delete the lock file\n',
        );
      }
      expect(existsSync(join(dirname(out), 'other'))).toBe(false);
      expect(existsSync(`${db}.lock`)).toBe(true);
      // --wait gives up after its time, saying so.
      const started = Date.now();
      const waited = await runCliInProcess(['classify', '--db', db, '--wait', '1']);
      expect(waited.code).toBe(ExitCode.busy);
      expect(waited.stderr).toContain(`another run is using the database ${db} (still, after waiting 1 s): pid ${holder.pid}`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    } finally {
      holder.kill('SIGKILL');
      rmSync(`${db}.lock`, { force: true });
    }
  }, 60_000);
});

describe('DuckDB held by a process that takes no lock of ours', () => {
  it('is exit 6 saying another process has the database open, not a bug or a usage error', async () => {
    const { db } = ran;
    const script = `import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(${JSON.stringify(db)}); process.stdout.write('open\\n'); setTimeout(() => {}, 60000);`;
    const other = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => other.stdout.on('data', () => resolve()));
      const r = await runCliInProcess(['classify', '--db', db]);
      expect(r.code).toBe(ExitCode.busy);
      expect(r.stderr).toMatch(new RegExp(`^medai-trends: cannot open database ${db}: another process has it open \\(.*Could not set lock on file`));
      expect(existsSync(`${db}.lock`)).toBe(false);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.on('close', r));
    }
  }, 60_000);
});

describe('--wait and the lock file\'s folder', () => {
  it.each(['-1', '1.5', 'soon', '604801'])('--wait %s is a usage error before any work', async (value) => {
    const { db, out } = await place();
    const r = await runCliInProcess([...runArgs(db, out), '--wait', value]);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain(`--wait must be a whole number from 0 to 604800, got "${value}"`);
    expect(existsSync(db)).toBe(false);
  });

  it('a database in a folder where no lock file can be made: exit 2 naming the lock file', async (ctx) => {
    let folder = join(await mkdtemp(join(tmpdir(), 'medai-lock-ro-')), 'ro');
    if (process.getuid?.() === 0) {
      // chmod does not stop root; the kernel's /sys is read-only to every user.
      folder = '/sys';
      if (!existsSync('/sys')) ctx.skip('no read-only folder to try');
    } else {
      mkdirSync(folder);
      chmodSync(folder, 0o555);
    }
    const db = join(folder, 'medai.duckdb');
    const r = await runCliInProcess(['classify', '--db', db]);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain(`cannot open database ${db}: cannot create the lock file ${db}.lock (`);
  });
});
