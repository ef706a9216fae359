/**
 * The run history (src/pipeline/runs.ts) on a real DuckDB file: run ids, the diff of two runs'
 * counts (one-sided rows included), which changes the threshold flags (complete years only), and
 * runs killed before they finished (never diffed against, marked abandoned by the next run).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  beginRun,
  changesOverThreshold,
  diffCounts,
  finishRun,
  listRuns,
  newRunId,
  outputsIntact,
  readRunManifest,
  previousSuccessfulRun,
  runCounts,
  runFolder,
  writeRunFolder,
  type CountCell,
  type RunEnd,
} from '../../src/pipeline/runs.js';
import { Store } from '../../src/store/store.js';

const tmp = mkdtempSync(join(tmpdir(), 'medai-runs-'));
const stores: Store[] = [];
afterAll(() => stores.forEach((s) => s.close()));

async function open(name: string): Promise<Store> {
  const s = await Store.open(join(tmp, name), { threads: 1 });
  stores.push(s);
  return s;
}

const cell = (year: number, country: string, papers: number, fractional = papers): CountCell => ({ year, country, papers, fractional });

describe('run ids', () => {
  it('are the UTC start to the second plus 4 hex digits, and sort as the starts do', () => {
    expect(newRunId(new Date('2026-12-01T16:20:00.123Z'), () => '3f9a')).toBe('20261201T162000Z-3f9a');
    const ids = ['2026-12-01T16:20:09Z', '2026-12-01T16:20:10Z', '2027-01-01T00:00:00Z'].map((t) => newRunId(new Date(t)));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^20261201T162009Z-[0-9a-f]{4}$/);
  });
});

describe('diffCounts', () => {
  it('gives after - before for every year x country, zero where nothing moved', () => {
    const before = [cell(2020, 'US', 10), cell(2020, 'CN', 4), cell(2021, 'US', 0), cell(2021, 'CN', 7)];
    const after = [cell(2020, 'US', 12), cell(2020, 'CN', 4), cell(2021, 'US', 3), cell(2021, 'CN', 5)];
    expect(diffCounts(before, after)).toEqual([
      { year: 2020, country: 'US', before: 10, after: 12, change: 2 },
      { year: 2020, country: 'CN', before: 4, after: 4, change: 0 },
      { year: 2021, country: 'US', before: 0, after: 3, change: 3 },
      { year: 2021, country: 'CN', before: 7, after: 5, change: -2 },
    ]);
    expect(diffCounts(after, after).every((d) => d.change === 0)).toBe(true);
  });

  it('counts a year x country on one side only from 0 or to 0, in year order', () => {
    // The earlier run had GB and 2019; this one has DE and 2022 instead.
    const before = [cell(2019, 'US', 5), cell(2020, 'US', 6), cell(2020, 'GB', 2)];
    const after = [cell(2020, 'US', 6), cell(2020, 'DE', 1), cell(2022, 'US', 9)];
    expect(diffCounts(before, after)).toEqual([
      { year: 2019, country: 'US', before: 5, after: 0, change: -5 },
      { year: 2020, country: 'US', before: 6, after: 6, change: 0 },
      { year: 2020, country: 'DE', before: 0, after: 1, change: 1 },
      { year: 2020, country: 'GB', before: 2, after: 0, change: -2 },
      { year: 2022, country: 'US', before: 0, after: 9, change: 9 },
    ]);
  });
});

describe('changesOverThreshold', () => {
  const diff = diffCounts(
    [cell(2018, 'US', 100), cell(2018, 'CN', 100), cell(2019, 'US', 0), cell(2019, 'CN', 40), cell(2020, 'US', 100), cell(2021, 'US', 100)],
    [cell(2018, 'US', 105), cell(2018, 'CN', 94), cell(2019, 'US', 2), cell(2019, 'CN', 40), cell(2020, 'US', 200), cell(2021, 'US', 10)],
  );

  it('flags changes above the percentage of the earlier count, and every rise from 0, in complete years only', () => {
    // 2020 and 2021 are incomplete (the report's lastComplete is 2019): their large moves are expected.
    expect(changesOverThreshold(diff, 5, 2019)).toEqual([
      { year: 2018, country: 'CN', before: 100, after: 94, change: -6, percent: -6 },
      { year: 2019, country: 'US', before: 0, after: 2, change: 2, percent: null },
    ]);
  });

  it('takes the threshold as given: exactly at it is not above it', () => {
    expect(changesOverThreshold(diff, 4.9, 2019).map((c) => `${c.year} ${c.country}`)).toEqual(['2018 US', '2018 CN', '2019 US']);
    expect(changesOverThreshold(diff, 6, 2019).map((c) => `${c.year} ${c.country}`)).toEqual(['2019 US']);
    expect(changesOverThreshold(diff, 5, 2021).map((c) => `${c.year} ${c.country}`)).toEqual(['2018 CN', '2019 US', '2020 US', '2021 US']);
    // Nothing that did not move, whatever the threshold.
    expect(changesOverThreshold(diff, 0, 2021).some((c) => c.change === 0)).toBe(false);
  });
});

describe('the runs table', () => {
  const end = (outcome: RunEnd['outcome'], counts?: CountCell[]): RunEnd => ({
    outcome,
    endedAt: new Date('2026-12-01T17:00:00Z'),
    dataDate: '2026-11-30',
    costUsd: 0.25,
    changesOverThreshold: 0,
    exitCode: outcome === 'failed' ? 2 : 0,
    message: outcome === 'failed' ? 'no such file' : null,
    ...(counts === undefined ? {} : { counts }),
  });
  const begin = (store: Store, runId: string, startedAt: string) =>
    beginRun(store, { runId, startedAt: new Date(startedAt), command: 'refresh', scope: { from: 2020 }, settings: { s: 1 }, source: 'snapshot' });

  it('diffs against the last published run: never a killed, failed or no-change one; a killed run is marked abandoned by the next', async () => {
    const store = await open('history.duckdb');
    await begin(store, 'A', '2026-12-01T10:00:00Z');
    await finishRun(store, 'A', end('ok', [cell(2020, 'US', 3, 2.5), cell(2020, 'CN', 1, 0.5)]));
    // B is killed: it never finishes.
    await begin(store, 'B', '2026-12-01T11:00:00Z');
    expect(await previousSuccessfulRun(store, 'B')).toMatchObject({ runId: 'A', outcome: 'ok', scope: { from: 2020 }, settings: { s: 1 }, costUsd: 0.25 });
    const { abandoned } = await begin(store, 'C', '2026-12-01T12:00:00Z');
    expect(abandoned).toEqual(['B']);
    expect((await previousSuccessfulRun(store, 'C'))?.runId).toBe('A');
    await finishRun(store, 'C', end('failed'));
    await begin(store, 'D', '2026-12-01T13:00:00Z');
    await finishRun(store, 'D', end('no-change'));
    await begin(store, 'E', '2026-12-01T14:00:00Z');
    expect((await previousSuccessfulRun(store, 'E'))?.runId).toBe('A');
    expect((await listRuns(store)).map((r) => [r.runId, r.outcome, r.exitCode])).toEqual([
      ['A', 'ok', 0],
      ['B', 'abandoned', null],
      ['C', 'failed', 2],
      ['D', 'no-change', 0],
      ['E', 'running', null],
    ]);
    expect(await runCounts(store, 'A')).toEqual([cell(2020, 'CN', 1, 0.5), cell(2020, 'US', 3, 2.5)]);
    expect(await runCounts(store, 'C')).toEqual([]);
  });

  it('outlives a new data set: a snapshot load empties the data tables, not the history', async () => {
    const store = await open('clear.duckdb');
    await begin(store, 'A', '2026-12-01T10:00:00Z');
    await finishRun(store, 'A', end('ok', [cell(2020, 'US', 3)]));
    await store.clear();
    expect((await listRuns(store)).map((r) => r.runId)).toEqual(['A']);
    expect(await runCounts(store, 'A')).toEqual([cell(2020, 'US', 3)]);
  });
});

describe('runs/<run id>/', () => {
  it('is written beside the database, whole files only, and tells whether --out still holds what a run published', async () => {
    const db = join(tmp, 'folder', 'medai.duckdb');
    const out = join(tmp, 'folder-out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'counts.csv'), 'year,country,papers\n');
    const sha = createHash('sha256').update('year,country,papers\n').digest('hex');
    const dir = await writeRunFolder(db, 'R1', { runId: 'R1', outputs: [{ path: join('reports', 'counts.csv'), sha256: sha }] }, [{ year: 2020, country: 'US', before: 1, after: 3, change: 2 }]);
    expect(dir).toBe(runFolder(db, 'R1'));
    expect(dir).toBe(join(tmp, 'folder', 'runs', 'R1'));
    expect(readdirSync(dir).sort()).toEqual(['diff.csv', 'manifest.json']);
    expect(readFileSync(join(dir, 'diff.csv'), 'utf8')).toBe('year,country,before,after,change\n2020,US,1,3,2\n');
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).runId).toBe('R1');
    expect(await outputsIntact(await readRunManifest(db, 'R1'), out)).toBe(true);
    writeFileSync(join(out, 'counts.csv'), 'edited\n');
    expect(await outputsIntact(await readRunManifest(db, 'R1'), out)).toBe(false);
    expect(await outputsIntact(await readRunManifest(db, 'no-such-run'), out)).toBe(false);
  });
});
