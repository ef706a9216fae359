/**
 * kill -9 at seeded moments of a real `medai-trends run --snapshot` (the package's bin, the real
 * works file, a DuckDB file and an --out that already hold a successful run): after every kill
 * --out holds a whole report (the previous one byte for byte, or, when the kill came after the
 * swap, the new one whole), nothing half-written is counted as an output, the next run takes over
 * the lock the killed one left, and the run after the last kill gives what an uninterrupted run gives.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { seededRandom } from '../../src/random.js';
import { spawnCli, type CliProcess, type CliResult } from '../support/cli.js';
import { WORKS_FILE } from '../support/paths.js';

const TRIALS = 10;
const SEED = 20261111;

interface Trial {
  delayMs: number;
  pid: number;
  result: CliResult;
  /** A lock of the killed run was left beside the database. */
  lockLeft: boolean;
  /** --out after the kill equals --out before it, byte for byte. */
  previous: boolean;
  /** --out after the kill is a whole report, its volatile stamps aside (the previous or the new one). */
  whole: boolean;
  /** What the kill left beside --out and the database: lock files, staging or swap folders. */
  besides: string[];
  /** Files inside --out that a whole report does not have. */
  extra: string[];
}

let dir: string;
let db: string;
let out: string;
let durationMs: number;
const reference: Record<'counts' | 'summary', string> = { counts: '', summary: '' };
let referenceFiles: Map<string, string>;
const trials: Trial[] = [];
let last: CliResult;

/** The run every trial starts: the real binary, killable. */
const startRun = (): CliProcess => spawnCli(['run', '--snapshot', WORKS_FILE, '--db', db, '--out', out]);

/** summary.md without the run history's "Changes since run <id>" section, which ends it. */
const withoutChanges = (summary: string): string => summary.replace(/\n## Changes since run [\s\S]*$/, '');

/** File name -> sha256; with `normalize`, the generation stamp in manifest.json and report.html left out. */
function contents(folder: string, normalize: boolean): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of readdirSync(folder).sort()) {
    let body = readFileSync(join(folder, f));
    if (normalize && (f === 'manifest.json' || f === 'report.html')) {
      body = Buffer.from(body.toString('utf8').replace(/(?:"|&quot;)generatedAt(?:"|&quot;):\s*(?:"|&quot;)[^"&]*(?:"|&quot;)/g, ''));
    }
    // The run history's section names the run compared with; the first run has none.
    if (normalize && f === 'summary.md') body = Buffer.from(withoutChanges(body.toString('utf8')));
    files.set(f, createHash('sha256').update(body).digest('hex'));
  }
  return files;
}

/** Everything in the temp folder but the database, --out, what DuckDB keeps beside its file and the run history's runs/. */
const besides = (): string[] => readdirSync(dir).filter((e) => e !== basename(db) && e !== basename(out) && e !== `${basename(db)}.wal` && e !== 'runs').sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-kill-run-'));
  db = join(dir, 'medai.duckdb');
  out = join(dir, 'reports');

  // The previous report every kill must leave intact; this first run also compiles the sources
  // into bin's cache, so the timed run below is as long as the killed ones.
  const first = await startRun().done;
  expect(first.stderr).not.toMatch(/unexpected error/);
  expect(first.code).toBe(0);
  const firstFiles = contents(out, true);
  // The uninterrupted run: the counts the last run must reach, and the span the kills are spread
  // over (start to exit, node's start-up included).
  const started = Date.now();
  const timed = await startRun().done;
  durationMs = Date.now() - started;
  expect(timed.code).toBe(0);
  reference.counts = readFileSync(join(out, 'counts.csv'), 'utf8');
  reference.summary = withoutChanges(readFileSync(join(out, 'summary.md'), 'utf8'));
  referenceFiles = contents(out, true);
  // Two runs of the same data give the same report: a whole new report can be told by its contents.
  expect(referenceFiles).toEqual(firstFiles);

  const random = seededRandom(SEED);
  for (let t = 0; t < TRIALS; t++) {
    const before = contents(out, false);
    // Anywhere over the whole run: start-up, reading, classifying, writing, the swap.
    const delayMs = Math.floor(random() * durationMs);
    const run = startRun();
    await new Promise((r) => setTimeout(r, delayMs));
    run.kill();
    const result = await run.done;
    const now = existsSync(out) ? contents(out, false) : new Map<string, string>();
    const normalized = existsSync(out) ? contents(out, true) : new Map<string, string>();
    trials.push({
      delayMs,
      pid: run.pid,
      result,
      lockLeft: existsSync(`${db}.lock`),
      previous: now.size === before.size && [...now].every(([f, h]) => before.get(f) === h),
      whole: normalized.size === referenceFiles.size && [...normalized].every(([f, h]) => referenceFiles.get(f) === h),
      besides: besides(),
      extra: [...now.keys()].filter((f) => !referenceFiles.has(f)),
    });
  }
  last = await startRun().done;
  if (process.env.KILL_TEST_VERBOSE) {
    process.stderr.write(`uninterrupted run ${durationMs} ms; trials: ${JSON.stringify(trials.map((t) => ({ delayMs: t.delayMs, signal: t.result.signal, code: t.result.code, previous: t.previous, lockLeft: t.lockLeft, besides: t.besides })))}\n`);
  }
}, 300_000);

describe(`run --snapshot killed with SIGKILL ${TRIALS} times`, () => {
  it('was killed at moments spread over the whole run, most of them mid-run', () => {
    // A run slower than the timed one may be killed late; one faster may already have ended.
    const killed = trials.filter((t) => t.result.signal === 'SIGKILL');
    expect(killed.length).toBeGreaterThanOrEqual(TRIALS - 3);
    // Kills early (start-up, reading), in the middle and late in the run.
    const at = trials.map((t) => t.delayMs / durationMs);
    expect(at.some((x) => x < 0.3)).toBe(true);
    expect(at.some((x) => x >= 0.3 && x < 0.7)).toBe(true);
    expect(at.some((x) => x >= 0.7)).toBe(true);
    // Some kills left the run's lock behind: what the next run must take over.
    expect(trials.filter((t) => t.lockLeft).length).toBeGreaterThanOrEqual(3);
  });

  it('leaves --out holding a whole report after every kill: the previous one byte for byte unless the new one was already swapped in', () => {
    for (const [i, t] of trials.entries()) {
      expect(t.whole, `trial ${i} (kill at ${t.delayMs} ms): --out is not a whole report`).toBe(true);
      expect(t.extra, `trial ${i}: --out holds files no report has`).toEqual([]);
    }
    // The new report can be there only once the run reached its swap, near its end.
    const swapped = trials.filter((t) => !t.previous);
    expect(trials.filter((t) => t.previous).length).toBeGreaterThanOrEqual(TRIALS / 2);
    for (const t of swapped) expect(t.delayMs / durationMs).toBeGreaterThan(0.3);
  });

  it('leaves beside --out and the database only its lock files and staging folders, which the next run clears', () => {
    const left = new RegExp(`^(?:${basename(db)}\\.lock(?:\\.takeover)?|\\.${basename(out)}\\.(?:lock(?:\\.takeover)?|tmp-\\d+-[A-Za-z0-9]{6}|old-\\d+-[A-Za-z0-9]{6}))$`);
    for (const [i, t] of trials.entries()) {
      for (const e of t.besides) expect(e, `trial ${i}: unexpected ${e}`).toMatch(left);
      // A staging folder is at most the one of the run just killed: the next run removed the older ones.
      expect(t.besides.filter((e) => e.includes('.tmp-')).length).toBeLessThanOrEqual(1);
    }
    expect(besides()).toEqual([]);
    // Each run's folder in runs/ holds whole files (written to a temp name, then renamed): every
    // manifest there parses, and the runs that ended (not the killed ones) all have one.
    const folders = readdirSync(join(dir, 'runs'));
    const manifests = folders.filter((f) => existsSync(join(dir, 'runs', f, 'manifest.json')));
    for (const f of manifests) expect(() => JSON.parse(readFileSync(join(dir, 'runs', f, 'manifest.json'), 'utf8')), f).not.toThrow();
    expect(manifests.length).toBeGreaterThanOrEqual(3);
  });

  it('never stops the next run with exit 6: a killed run\'s lock is taken over', () => {
    const runs = [...trials.map((t) => t.result), last];
    for (const r of runs) expect(r.code).not.toBe(ExitCode.busy);
    let takenOver = 0;
    for (let i = 0; i < trials.length; i++) {
      const t = trials[i]!;
      if (!t.lockLeft) continue;
      const next = i + 1 < trials.length ? trials[i + 1]!.result : last;
      const line = `taking over the lock on the database ${db}: pid ${t.pid} on `;
      // The next run, unless it was itself killed before it reached the lock (then the one after).
      if (next.stderr.includes(line)) takenOver++;
      else expect(next.signal, `the run after trial ${i} neither took over its lock nor was killed first`).toBe('SIGKILL');
    }
    expect(takenOver).toBeGreaterThanOrEqual(2);
  });

  it('ends, on the run after the last kill, with the counts and summary of an uninterrupted run', () => {
    expect(last.stderr).not.toMatch(/unexpected error/);
    expect(last.code).toBe(0);
    expect(reference.counts.split('\n')[0]).toBe('year,country,papers,fractional');
    expect(reference.counts.trim().split('\n').slice(1).reduce((n, row) => n + Number(row.split(',')[2]), 0)).toBeGreaterThan(10);
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(reference.counts);
    expect(withoutChanges(readFileSync(join(out, 'summary.md'), 'utf8'))).toBe(reference.summary);
    expect(contents(out, true)).toEqual(referenceFiles);
  });
});
