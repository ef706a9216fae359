/**
 * The run history through the real CLI on the real records: `run --snapshot` records every run,
 * diffs it against the last published one (runs/<id>/diff.csv, summary.md), flags changes above
 * the threshold in complete years, exits 7 with --fail-on-change and prints one JSON object with
 * --json. `refresh --snapshot`: a second refresh of the same files changes nothing and says so.
 * Expected diffs are computed here from each run's counts.csv, not from the tool's diff.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { listRuns } from '../../src/pipeline/runs.js';
import { Store } from '../../src/store/store.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';
import { runCli, runCliInProcess, type CliResult } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'medai-runs-cli-'));
const DB = join(tmp, 'data', 'medai.duckdb');
const OUT = join(tmp, 'out');
// CSV for counts.csv; the charts are tested elsewhere.
const BASE = ['--snapshot', WORKS_FILE, '--from', '2010', '--to', '2021', '--countries', 'US,CN', '--format', 'csv,json', '--db', DB, '--out', OUT];
const STRICT = ['--keywords', join(REPO_ROOT, 'data/keywords-strict')];

interface Row {
  year: number;
  country: string;
  papers: number;
  fractional: string;
}

function csvRows(path: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data;
}

function counts(path: string): Row[] {
  return csvRows(path).map((r) => ({ year: Number(r.year), country: String(r.country), papers: Number(r.papers), fractional: String(r.fractional) }));
}

/** diff.csv as expected from two counts.csv files: same window and countries, so every row is on both sides. */
function expectedDiff(before: Row[], after: Row[]): { year: number; country: string; before: number; after: number; change: number }[] {
  return after.map((a) => {
    const b = before.find((r) => r.year === a.year && r.country === a.country)?.papers ?? NaN;
    return { year: a.year, country: a.country, before: b, after: a.papers, change: a.papers - b };
  });
}

function diffOf(runId: string): { year: number; country: string; before: number; after: number; change: number }[] {
  return csvRows(join(tmp, 'data', 'runs', runId, 'diff.csv')).map((r) => ({ year: Number(r.year), country: String(r.country), before: Number(r.before), after: Number(r.after), change: Number(r.change) }));
}

function manifestOf(runId: string, db = DB): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dirname(db), 'runs', runId, 'manifest.json'), 'utf8')) as Record<string, unknown>;
}

/** The run id a human run names on stderr ("run <id> recorded in ..."). */
function runIdOf(r: CliResult): string {
  const m = /run (\d{8}T\d{6}Z-[0-9a-f]{4}) recorded in/.exec(r.stderr);
  if (!m) throw new Error(`no run id in:\n${r.stderr}`);
  return m[1]!;
}

/** counts.csv of each run, kept as it was when the run ended. */
function keepCounts(name: string): Row[] {
  copyFileSync(join(OUT, 'counts.csv'), join(tmp, `${name}.csv`));
  return counts(join(tmp, `${name}.csv`));
}

async function storedRuns(db: string) {
  const store = await Store.open(db, { threads: 1 });
  try {
    return await listRuns(store);
  } finally {
    store.close();
  }
}

// One history, run after run: each test builds on the runs before it.
describe.sequential('run history through `medai-trends run --snapshot`', () => {
  const ids: string[] = [];
  const kept: Row[][] = [];

  it('records the first run, with nothing to diff against', async () => {
    const r = await runCliInProcess(['run', ...BASE]);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    ids.push(runIdOf(r));
    kept.push(keepCounts('r1'));
    expect(existsSync(join(tmp, 'data', 'runs', ids[0]!, 'diff.csv'))).toBe(false);
    const m = manifestOf(ids[0]!);
    expect(m).toMatchObject({ runId: ids[0], command: 'run', outcome: 'ok', exitCode: 0, source: 'snapshot', costUsd: 0, diff: { against: null } });
    expect(m.counts).toEqual(kept[0]!.map((c) => ({ ...c, fractional: Number(c.fractional) })).map(({ fractional, ...c }) => ({ ...c, fractional: expect.closeTo(fractional, 4) })));
    // The outputs published, by hash, under --out.
    const outputs = m.outputs as { path: string; sha256: string }[];
    expect(outputs.map((o) => o.path)).toContain(join(OUT, 'counts.csv'));
    expect(outputs.map((o) => o.path)).toContain(join(OUT, 'summary.md'));
  });

  it('diffs a second run of the same data and settings to all zeros', async () => {
    const r = await runCliInProcess(['run', ...BASE]);
    expect(r.code).toBe(0);
    ids.push(runIdOf(r));
    kept.push(keepCounts('r2'));
    const diff = diffOf(ids[1]!);
    expect(diff).toEqual(expectedDiff(kept[0]!, kept[1]!));
    expect(diff).toHaveLength(24);
    expect(diff.every((d) => d.change === 0)).toBe(true);
    expect(diff.some((d) => d.after > 0)).toBe(true);
    const summary = readFileSync(join(OUT, 'summary.md'), 'utf8');
    expect(summary).toContain(`## Changes since run ${ids[0]}`);
    expect(summary).toContain('0 of 24 year x country counts changed');
    expect(manifestOf(ids[1]!)).toMatchObject({ diff: { against: ids[0], rows: 24, changed: 0, overThreshold: [] } });
  });

  it('with another keyword rule: the diff against the counts before, the changes over 5% listed, --fail-on-change exits 7 with the outputs written, --json one object on stdout', async () => {
    // A real process: its exit code, and stdout and stderr as pipes (no terminal: no progress bar).
    const r = await runCli(['run', ...BASE, ...STRICT, '--fail-on-change', '--json']);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(7);
    kept.push(keepCounts('r3'));
    // stdout is exactly one JSON object; the summary and logs went to stderr.
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & { runId: string; counts: { year: number; country: string; papers: number; fractional: number }[] };
    ids.push(json.runId);
    expect(r.stderr).toContain('# medai-trends summary');
    expect(r.stderr).not.toMatch(/\x1b\[|\r/);

    const expected = expectedDiff(kept[1]!, kept[2]!);
    const moved = expected.filter((d) => d.change !== 0);
    // The strict rule counts fewer papers somewhere in the window, or this test shows nothing.
    expect(moved.length).toBeGreaterThan(0);
    expect(diffOf(json.runId)).toEqual(expected);
    // Every year of 2010-2021 is complete for data dated years later (manifest's dataDate).
    expect(Number(String(json.dataDate).slice(0, 4)) - 1).toBeGreaterThan(2021);
    const over = moved.filter((d) => d.before === 0 || Math.abs(d.change / d.before) > 0.05);
    expect((json.changesOverThreshold as { year: number; country: string }[]).map((c) => `${c.year} ${c.country}`)).toEqual(over.map((d) => `${d.year} ${d.country}`));

    // --json's counts are counts.csv's, and the run's outputs are in --out although it exited 7.
    expect(json.counts.map((c) => ({ ...c, fractional: c.fractional.toFixed(4) }))).toEqual(kept[2]);
    expect(json).toMatchObject({ outcome: 'ok', previousRunId: ids[1], costUsd: 0, runFolder: join(tmp, 'data', 'runs', json.runId), warnings: [] });
    expect(json.diff).toEqual(expected);
    const summary = readFileSync(join(OUT, 'summary.md'), 'utf8');
    expect(summary).toContain(`## Changes since run ${ids[1]}`);
    for (const d of over) expect(summary).toContain(`- ${d.year} ${d.country}: ${d.before} -> ${d.after}`);
    expect(r.stderr).toMatch(new RegExp(`${over.length} count\\(s\\) of complete years changed by more than 5% since run ${ids[1]} \\(--fail-on-change\\)`));
    expect(manifestOf(json.runId)).toMatchObject({ outcome: 'ok', exitCode: 7, diff: { against: ids[1], changed: moved.length } });
  });

  it('--change-threshold moves the line: only changes above it, and every rise from 0, are flagged', async () => {
    const r = await runCliInProcess(['run', ...BASE, '--change-threshold', '100', '--fail-on-change', '--json']);
    kept.push(keepCounts('r4'));
    const json = JSON.parse(r.stdout) as { runId: string; changesOverThreshold: { year: number; country: string; percent: number | null }[] };
    ids.push(json.runId);
    const over = expectedDiff(kept[2]!, kept[3]!).filter((d) => d.change !== 0 && (d.before === 0 || Math.abs(d.change / d.before) > 1));
    expect(json.changesOverThreshold.map((c) => `${c.year} ${c.country}`)).toEqual(over.map((d) => `${d.year} ${d.country}`));
    // Back to the shipped rule: the counts of the first run again.
    expect(kept[3]).toEqual(kept[0]);
    expect(over.length).toBeGreaterThan(0);
    expect(r.code).toBe(7);
  });

  it('flags nothing in the years the report marks incomplete (--incomplete-years), and without --fail-on-change exits 0', async () => {
    const r = await runCliInProcess(['run', ...BASE, ...STRICT, '--incomplete-years', '3']);
    expect(r.code).toBe(0);
    ids.push(runIdOf(r));
    kept.push(keepCounts('r5'));
    const moved = expectedDiff(kept[3]!, kept[4]!).filter((d) => d.change !== 0);
    const flagged = (manifestOf(ids[4]!).diff as { overThreshold: { year: number }[] }).overThreshold;
    expect(flagged.map((c) => c.year)).toEqual(moved.filter((d) => d.year <= 2018 && (d.before === 0 || Math.abs(d.change / d.before) > 0.05)).map((d) => d.year));
    // The strict rule moves counts in 2019-2021 too, which are not flagged here.
    expect(moved.some((d) => d.year > 2018)).toBe(true);
    expect(readFileSync(join(OUT, 'summary.md'), 'utf8')).toContain('complete years (up to 2018)');
  });

  it('records a failed run with its exit code, and the next run diffs against the last published one', async () => {
    expect(BASE.slice(0, 2)).toEqual(['--snapshot', WORKS_FILE]);
    const failed = await runCliInProcess(['run', '--snapshot', join(tmp, 'no-such-part.gz'), ...BASE.slice(2)]);
    expect(failed.code).toBe(2);
    const again = await runCliInProcess(['run', ...BASE, ...STRICT, '--incomplete-years', '3']);
    expect(again.code).toBe(0);
    const id = runIdOf(again);
    expect(manifestOf(id)).toMatchObject({ diff: { against: ids[4], changed: 0 } });
    const runs = await storedRuns(DB);
    expect(runs.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'failed', 'ok']);
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 7, 7, 0, 2, 0]);
    expect(runs.map((r) => r.changesOverThreshold)).toEqual([null, 0, expect.any(Number), expect.any(Number), expect.any(Number), null, 0]);
    expect(runs.map((r) => r.runId).slice(0, 5)).toEqual(ids);
    expect(runs[5]).toMatchObject({ command: 'run', source: 'snapshot', outcome: 'failed' });
    expect(runs[5]?.message).toContain('no-such-part.gz');
    expect(manifestOf(runs[5]!.runId)).toMatchObject({ outcome: 'failed', exitCode: 2 });
    expect(runs.every((r) => r.startedAt <= (r.endedAt ?? ''))).toBe(true);
  });
});

/** Whether refreshFromSnapshot is still the placeholder that throws (before H-snapshot's module is merged). */
const snapshotRefreshIsStub = readFileSync(join(REPO_ROOT, 'src/pipeline/refresh-snapshot.ts'), 'utf8').includes('not written yet');

describe.sequential('medai-trends refresh --snapshot', () => {
  const db = join(tmp, 'refresh', 'medai.duckdb');
  const out = join(tmp, 'refresh-out');
  const args = ['--snapshot', WORKS_FILE, '--from', '2010', '--to', '2021', '--countries', 'US,CN', '--format', 'csv,json', '--db', db, '--out', out];
  let first = '';

  it.skipIf(snapshotRefreshIsStub)('reads everything into an empty store and reports', async () => {
    const r = await runCliInProcess(['refresh', ...args]);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    first = runIdOf(r);
    expect(manifestOf(first, db)).toMatchObject({ command: 'refresh', outcome: 'ok', data: { changed: true } });
  });

  it.skipIf(snapshotRefreshIsStub)('with the same files and settings: "no change since <run id>", --out untouched, recorded as no-change', async () => {
    const before = statSync(join(out, 'summary.md')).mtimeMs;
    const text = readFileSync(join(out, 'counts.csv'), 'utf8');
    const r = await runCliInProcess(['refresh', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`no change since ${first}\n`);
    expect(statSync(join(out, 'summary.md')).mtimeMs).toBe(before);
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(text);
    const json = JSON.parse((await runCliInProcess(['refresh', ...args, '--json'])).stdout) as { outcome: string; noChangeSince: string };
    expect(json).toMatchObject({ outcome: 'no-change', noChangeSince: first });
    expect((await storedRuns(db)).map((r) => r.outcome)).toEqual(['ok', 'no-change', 'no-change']);
  });

  it.skipIf(snapshotRefreshIsStub)('with other settings: reports again from the stored data', async () => {
    const r = await runCliInProcess(['refresh', ...args, ...STRICT]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('no change since');
    expect((await storedRuns(db)).map((r) => r.outcome)).toEqual(['ok', 'no-change', 'no-change', 'ok']);
  });
});

describe('--json when the command stops before its run begins', () => {
  it('still prints exactly one JSON object on stdout: refused, with the exit code and the error', async () => {
    const bad = await runCliInProcess(['refresh', '--json', '--from', 'abc', '--snapshot', WORKS_FILE, '--db', join(tmp, 'json', 'm.duckdb'), '--out', join(tmp, 'json', 'out')]);
    expect(bad.code).toBe(2);
    const lines = bad.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ outcome: 'refused', exitCode: 2, error: '--from must be a whole number from 1900 to ' + (new Date().getUTCFullYear() + 1) + ', got "abc"' });
    // Nothing was begun: no database, no run folder.
    expect(existsSync(join(tmp, 'json', 'm.duckdb'))).toBe(false);

    // A database another live process holds: exit 6, the same one object naming the holder.
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const db = join(tmp, 'json', 'held.duckdb');
      mkdirSync(dirname(db), { recursive: true });
      writeFileSync(`${db}.lock`, JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: '2026-12-01T09:00:00.000Z', command: 'refresh' }));
      const busy = await runCliInProcess(['refresh', '--json', '--snapshot', WORKS_FILE, '--db', db, '--out', join(tmp, 'json', 'out')]);
      expect(busy.code).toBe(6);
      const object = JSON.parse(busy.stdout) as { outcome: string; exitCode: number; error: string };
      expect(object.outcome).toBe('refused');
      expect(object.exitCode).toBe(6);
      expect(object.error).toContain(`pid ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });
});
