/**
 * The output folder through the real CLI: a `report` killed with -9 at seeded moments leaves --out
 * holding exactly the previous run or exactly the new one, never a mix; a second run writing to the
 * same --out stops with exit 6 naming the holder; a lock left by a dead process is taken over; and
 * an --out or --db that cannot be written is a usage error before any work starts.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { seededRandom } from '../../src/random.js';
import { spawn } from 'node:child_process';
import { runCliInProcess, spawnCli } from '../support/cli.js';
import { WORKS_FILE } from '../support/paths.js';

const TRIALS = 10;
// Two parameter sets whose every artefact differs (title, window), so a mix of the two shows.
const P = ['--from', '2010', '--to', '2021', '--title', 'Run P', '--format', 'svg,csv,json,html'];
const Q = ['--from', '2012', '--to', '2020', '--title', 'Run Q', '--format', 'svg,csv,json,html'];
const CHROMIUM = existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');

const tmp = mkdtempSync(join(tmpdir(), 'medai-outputs-'));
const db = join(tmp, 'db.duckdb');
const refs: Record<'P' | 'Q', Map<string, string>> = { P: new Map(), Q: new Map() };

/** File name -> sha256 of the content; manifest.json without its generatedAt, so two runs compare. */
function contents(dir: string, normalize = true): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    let body = readFileSync(join(dir, f));
    if (normalize && f === 'manifest.json') {
      const m = JSON.parse(body.toString('utf8')) as { generatedAt?: string };
      delete m.generatedAt;
      body = Buffer.from(JSON.stringify(m));
    }
    // report.html embeds the manifest, generatedAt included.
    if (normalize && f === 'report.html') body = Buffer.from(body.toString('utf8').replace(/(?:"|&quot;)generatedAt(?:"|&quot;):\s*(?:"|&quot;)[^"&]*(?:"|&quot;)/g, ''));
    out.set(f, createHash('sha256').update(body).digest('hex'));
  }
  return out;
}

const generatedAt = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { generatedAt: string }).generatedAt;
const besides = (out: string): string[] => readdirSync(dirname(out)).filter((e) => e.startsWith(`.${basename(out)}.`));


async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Whether a run started at `since` has written a file yet, into --out or a staging folder beside it. */
function writing(out: string, since: number): boolean {
  const dirs = [out, ...besides(out).filter((e) => e.includes('.tmp-')).map((e) => join(dirname(out), e))];
  for (const d of dirs) {
    try {
      for (const f of readdirSync(d)) if (statSync(join(d, f)).mtimeMs >= since) return true;
    } catch {
      // Renamed or removed while looking: look again on the next poll.
    }
  }
  return false;
}

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const { child, done } = spawnCli(['--version']);
  await done;
  return child.pid!;
}

const report = (params: string[], out: string, env: Record<string, string> = {}) => runCliInProcess(['report', ...params, '--db', db, '--out', out], env);

beforeAll(async () => {
  const seed = await runCliInProcess(['run', '--snapshot', WORKS_FILE, ...P, '--db', db, '--out', join(tmp, 'refP')]);
  expect(seed.stderr).not.toMatch(/unexpected error/);
  expect(seed.code).toBe(0);
  const q = await report(Q, join(tmp, 'refQ'));
  expect(q.code).toBe(0);
  refs.P = contents(join(tmp, 'refP'));
  refs.Q = contents(join(tmp, 'refQ'));
});

describe('report killed with -9 part-way', () => {
  it('leaves --out holding the previous run or the new one, whole, never a mix', async () => {
    const out = join(tmp, 'killed', 'out');
    expect((await report(P, out)).code).toBe(0);
    // An uninterrupted run sets the span to kill in: from its first file written to a little past its end.
    const since = Date.now();
    const timed = spawnCli(['report', ...P, '--db', db, '--out', out]);
    await until(() => writing(out, since) || timed.child.exitCode !== null);
    const firstWrite = Date.now();
    expect((await timed.done).code).toBe(0);
    const span = Date.now() - firstWrite;
    const random = seededRandom(20261201);
    const outcomes = { previous: 0, next: 0 };
    for (let t = 0; t < TRIALS; t++) {
      const params = t % 2 === 0 ? Q : P;
      const before = contents(out, false);
      const beforeAt = generatedAt(out);
      const start = Date.now();
      const { child, done } = spawnCli(['report', ...params, '--db', db, '--out', out]);
      await until(() => writing(out, start) || child.exitCode !== null);
      await new Promise((r) => setTimeout(r, Math.floor(span * 1.2 * random())));
      child.kill('SIGKILL');
      await done;
      expect(existsSync(out), `trial ${t}: --out is gone`).toBe(true);
      const now = contents(out, false);
      if ([...now].every(([f, h]) => before.get(f) === h) && now.size === before.size) {
        outcomes.previous++;
      } else {
        expect(contents(out), `trial ${t}: --out mixes two runs`).toEqual(refs[params === P ? 'P' : 'Q']);
        expect(generatedAt(out)).not.toBe(beforeAt);
        outcomes.next++;
      }
    }
    process.stderr.write(`kill trials: ${JSON.stringify(outcomes)}\n`);
    // The next run cleans what the killed ones left beside --out and leaves nothing behind itself.
    const last = await report(P, out);
    expect(last.code).toBe(0);
    expect(contents(out)).toEqual(refs.P);
    expect(besides(out)).toEqual([]);
  });

  it('a run killed between its two renames: the next run puts the previous folder back', async () => {
    const out = join(tmp, 'swap', 'out');
    mkdirSync(dirname(out), { recursive: true });
    // The state of a run killed after moving --out aside, before moving its staging folder in.
    cpSync(join(tmp, 'refP'), join(dirname(out), '.out.old-4242-abcDEF'), { recursive: true });
    cpSync(join(tmp, 'refQ'), join(dirname(out), '.out.tmp-4242-xyzXYZ'), { recursive: true });
    rmSync(join(dirname(out), '.out.tmp-4242-xyzXYZ', 'summary.md'));
    writeFileSync(join(dirname(out), '.out.lock'), JSON.stringify({ pid: await deadPid(), host: hostname(), startedAt: 'then', command: 'report' }));
    // A run that fails after taking the folder (an unclassified database) publishes nothing new.
    const r = await runCliInProcess(['report', ...Q, '--db', join(tmp, 'empty.duckdb'), '--out', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(contents(out)).toEqual(refs.P);
    expect(besides(out)).toEqual([]);
  });
});

describe('two runs writing to one --out', () => {
  it('the second stops at once with exit 6 naming the holder; the first finishes whole', async () => {
    const out = join(tmp, 'busy', 'out');
    // Its own database, as two jobs with different --db and one --out: the folder's lock answers,
    // not the database's (test/cli/lock-cli.test.ts has two runs on one database).
    const otherDb = join(tmp, 'busy-db.duckdb');
    cpSync(db, otherDb);
    // --pdf (when Chromium is here) keeps the first run busy long enough for the second to start.
    const first = spawnCli(['report', ...P, ...(CHROMIUM ? ['--pdf'] : []), '--db', db, '--out', out]);
    await until(() => existsSync(join(dirname(out), '.out.lock')));
    const second = await runCliInProcess(['report', ...Q, '--db', otherDb, '--out', out]);
    const a = await first.done;
    expect(second.code).toBe(ExitCode.busy);
    expect(second.stderr).toMatch(new RegExp(`another run is writing to --out ${out}: pid ${first.child.pid} on ${hostname()}, started \\d{4}-\\d\\d-\\d\\dT`));
    expect(second.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(second.stdout).toBe('');
    expect(a.stderr).not.toMatch(/unexpected error/);
    expect(a.code).toBe(0);
    const got = contents(out);
    if (CHROMIUM) {
      // The PDFs are printed into the staging folder and swapped in with the rest.
      for (const f of ['figure2.pdf', 'report.pdf']) {
        expect(got.has(f)).toBe(true);
        got.delete(f);
      }
    }
    expect(got).toEqual(refs.P);
    expect(besides(out)).toEqual([]);
  });

  it('a live holder is named and its lock kept; once it is gone its lock is taken over', async () => {
    const out = join(tmp, 'stale', 'out');
    mkdirSync(dirname(out), { recursive: true });
    const lock = join(dirname(out), '.out.lock');
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: '2026-12-01T09:00:00.000Z', command: 'report' }));
    try {
      const busy = await report(P, out);
      expect(busy.code).toBe(ExitCode.busy);
      expect(busy.stderr).toContain(`pid ${holder.pid} on ${hostname()}, started 2026-12-01T09:00:00.000Z (report)`);
      expect(busy.stderr).toContain(lock);
      expect(existsSync(lock)).toBe(true);
      expect(existsSync(out)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((r) => holder.on('close', r));
    const taken = await report(P, out);
    expect(taken.code).toBe(0);
    expect(taken.stderr).toContain(`taking over the lock on --out ${out}: pid ${holder.pid} on ${hostname()} is no longer running`);
    expect(contents(out)).toEqual(refs.P);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('files in --out that the tool did not write', () => {
  it('single files are carried over into each new run; a folder of the user\'s is refused before any work', async () => {
    const out = join(tmp, 'mine', 'out');
    expect((await report(Q, out)).code).toBe(0);
    writeFileSync(join(out, 'README.md'), 'my notes\n');
    writeFileSync(join(out, '.gitkeep'), '');
    // An older run's extra artefact (a metric CSV this run does not write) goes with the old run.
    writeFileSync(join(out, 'counts-share.csv'), 'old\n');
    chmodSync(out, 0o750);
    expect((await report(P, out)).code).toBe(0);
    // The new folder keeps the old one's permissions (a staging folder starts private).
    expect(statSync(out).mode & 0o777).toBe(0o750);
    const got = contents(out);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('my notes\n');
    expect(got.has('.gitkeep')).toBe(true);
    got.delete('README.md');
    got.delete('.gitkeep');
    expect(got).toEqual(refs.P);

    mkdirSync(join(out, 'drafts'));
    const r = await report(Q, out);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain(`--out ${out} holds folders this tool did not write (drafts)`);
    expect(existsSync(join(out, 'drafts'))).toBe(true);
    expect(besides(out)).toEqual([]);
  });
});

describe('outputs that cannot be written are usage errors before any work', () => {
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'not a folder\n');
  const fresh = (name: string) => join(tmp, 'fresh', name);

  it.each([
    ['report --out ""', ['report', '--db', db, '--out', ''], '--out is empty'],
    ['report --out under a file', ['report', '--db', db, '--out', join(file, 'out')], `cannot write --out ${join(file, 'out')}: cannot create ${file} (a part of the path is a file, not a folder)`],
    ['report --out that is a file', ['report', '--db', db, '--out', file], `--out ${file} is a file, not a folder`],
    ['aggregate --out under a file', ['aggregate', '--db', db, '--out', join(file, 'out')], `cannot write --out ${join(file, 'out')}`],
    ['aggregate --out ""', ['aggregate', '--db', db, '--out', ''], '--out is empty'],
    ['report --db under a file', ['report', '--db', join(file, 'db.duckdb'), '--out', fresh('r')], `cannot open database ${join(file, 'db.duckdb')}: cannot create the folder ${file}`],
    ['report --db inside --out', ['report', '--db', join(tmp, 'refP', 'db.duckdb'), '--out', join(tmp, 'refP')], `--db ${join(tmp, 'refP', 'db.duckdb')} is inside --out ${join(tmp, 'refP')}`],
  ])('%s: exit 2 naming the path, no stack', async (_name, args, message) => {
    const r = await runCliInProcess(args);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['--out under a file', ['--out', join(file, 'out'), '--db', fresh('a.duckdb')], `cannot write --out ${join(file, 'out')}`, fresh('a.duckdb')],
    ['--out ""', ['--out', '', '--db', fresh('b.duckdb')], '--out is empty', fresh('b.duckdb')],
    ['--db under a file', ['--out', fresh('c'), '--db', join(file, 'db.duckdb')], `cannot open database ${join(file, 'db.duckdb')}`, fresh('c')],
  ])('run %s: exit 2 before anything is fetched', async (_name, args, message, notCreated) => {
    const r = await runCliInProcess(['run', '--snapshot', WORKS_FILE, ...args]);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at |Read \d+ records/i);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain(message);
    expect(existsSync(notCreated)).toBe(false);
    if (existsSync(join(tmp, 'fresh'))) expect(readdirSync(join(tmp, 'fresh')).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('run into a read-only folder: exit 2 naming it, before the fetch', async (ctx) => {
    // chmod 555 does not stop root; as root the kernel's /sys (read-only to every user) stands in.
    let ro = join(tmp, 'read-only');
    if (process.getuid?.() === 0) {
      ro = '/sys';
      try {
        writeFileSync('/sys/.medai-probe', '', { flag: 'wx' });
        rmSync('/sys/.medai-probe');
        ctx.skip('running as root where /sys is writable: no read-only folder to try');
      } catch {
        // Not writable, as wanted.
      }
    } else {
      mkdirSync(ro);
      chmodSync(ro, 0o555);
    }
    const r = await runCliInProcess(['run', '--snapshot', WORKS_FILE, '--db', join(tmp, 'ro.duckdb'), '--out', join(ro, 'medai-out')]);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain(`cannot write --out ${join(ro, 'medai-out')}`);
    expect(existsSync(join(tmp, 'ro.duckdb'))).toBe(false);
  });

  it('aggregate --out after a killed run: the staging folder left is removed, --out holds this run alone', async () => {
    const out = join(tmp, 'leftover', 'out');
    mkdirSync(join(dirname(out), '.out.tmp-1-aaaaaa'), { recursive: true });
    writeFileSync(join(dirname(out), '.out.tmp-1-aaaaaa', 'counts.csv'), 'partial\n');
    const r = await runCliInProcess(['aggregate', '--db', db, '--out', out]);
    expect(r.code).toBe(0);
    expect(statSync(out).isDirectory()).toBe(true);
    expect(readdirSync(out)).toEqual(['counts.csv']);
    expect(besides(out)).toEqual([]);
  });
});
