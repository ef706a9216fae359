/**
 * The run history: every `run` and `refresh` is a row of the store's `runs` table, begun before any
 * work and finished with its outcome, and a published run's counts are kept (`run_counts`) so the
 * next run can say what moved. Each finished run also gets a folder beside the database,
 * `runs/<run id>/` with manifest.json and diff.csv, for the people and jobs that read files.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import { toCsv } from '../report/csv.js';
import type { CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';
import { sha256Of, writeWhole } from '../files.js';
import { worksFingerprint } from './ingest.js';

/**
 * running: begun (a killed run stays so); ok: its outputs were published; no-change: the data had
 * not moved and the settings were those of the last published run, so nothing was redone; failed:
 * stopped by an error; abandoned: found still running by a later run, so it was killed.
 */
export type RunOutcome = 'running' | 'ok' | 'no-change' | 'failed' | 'abandoned';

export interface RunRow {
  runId: string;
  startedAt: string;
  endedAt: string | null;
  command: string;
  scope: unknown;
  settings: unknown;
  source: 'api' | 'snapshot' | null;
  dataDate: string | null;
  costUsd: number | null;
  outcome: RunOutcome;
  changesOverThreshold: number | null;
  exitCode: number | null;
  message: string | null;
}

/** One year x country of a run's published counts. */
export type CountCell = Pick<CountRow, 'year' | 'country' | 'papers' | 'fractional'>;

/** One row of diff.csv: full counts (papers) before and after, `change` = after - before. */
export interface DiffRow {
  year: number;
  country: string;
  before: number;
  after: number;
  change: number;
}

/** A change the threshold flags: `percent` of `before`, null when before was 0 (any rise from 0 is flagged). */
export interface FlaggedChange extends DiffRow {
  percent: number | null;
}

/**
 * A run id: its UTC start to the second, then 4 random hex digits. Sorting the ids sorts the runs
 * by start, a person can read when it ran, and two runs started in one second still differ.
 */
export function newRunId(now: Date, random: () => string = () => randomBytes(2).toString('hex')): string {
  return `${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')}-${random()}`;
}

/**
 * Records a run as begun. Any run still marked running was killed (the database is held by one
 * process at a time, so it is not running now): marked abandoned, and never diffed against.
 */
export async function beginRun(
  store: Store,
  run: { runId: string; startedAt: Date; command: string; scope: unknown; settings: unknown; source: 'api' | 'snapshot' },
): Promise<{ abandoned: string[] }> {
  return store.transaction(async () => {
    const abandoned = await store.query<{ run_id: string }>('abandon_running_runs', { ended_at: run.startedAt.toISOString(), by_run: run.runId });
    await store.run('insert_run', {
      run_id: run.runId,
      started_at: run.startedAt.toISOString(),
      command: run.command,
      scope: JSON.stringify(run.scope),
      settings: JSON.stringify(run.settings),
      source: run.source,
    });
    return { abandoned: abandoned.map((r) => r.run_id) };
  });
}

export interface RunEnd {
  outcome: Exclude<RunOutcome, 'running' | 'abandoned'>;
  endedAt: Date;
  dataDate: string | null;
  costUsd: number | null;
  changesOverThreshold: number | null;
  exitCode: number;
  message: string | null;
  /** The counts published (outcome ok): kept for the next run's diff. */
  counts?: readonly CountCell[];
}

/** Records how a run ended, and a published run's counts, in one transaction. */
export async function finishRun(store: Store, runId: string, end: RunEnd): Promise<void> {
  await store.transaction(async () => {
    await store.run(
      'finish_run',
      {
        run_id: runId,
        ended_at: end.endedAt.toISOString(),
        outcome: end.outcome,
        data_date: end.dataDate,
        cost_usd: end.costUsd,
        changes_over_threshold: end.changesOverThreshold,
        exit_code: end.exitCode,
        message: end.message,
      },
      { data_date: VARCHAR, cost_usd: DOUBLE, changes_over_threshold: INTEGER, message: VARCHAR },
    );
    if (end.counts !== undefined && end.counts.length > 0) {
      await store.append('run_counts', (app) => {
        for (const c of end.counts ?? []) {
          app.appendVarchar(runId);
          app.appendInteger(c.year);
          app.appendVarchar(c.country);
          app.appendInteger(c.papers);
          app.appendDouble(c.fractional);
          app.endRow();
        }
      });
    }
  });
}

function toRunRow(r: Record<string, unknown>): RunRow {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    runId: String(r.run_id),
    startedAt: String(r.started_at),
    endedAt: r.ended_at === null ? null : String(r.ended_at),
    command: String(r.command),
    scope: json(r.scope),
    settings: json(r.settings),
    source: r.source === null ? null : (String(r.source) as RunRow['source']),
    dataDate: r.data_date === null ? null : String(r.data_date),
    costUsd: num(r.cost_usd),
    outcome: String(r.outcome) as RunOutcome,
    changesOverThreshold: num(r.changes_over_threshold),
    exitCode: num(r.exit_code),
    message: r.message === null ? null : String(r.message),
  };
}

/** Every run recorded in the store, oldest first. */
export async function listRuns(store: Store): Promise<RunRow[]> {
  return (await store.query('runs_all')).map(toRunRow);
}

/** The newest published run (outcome ok) other than `runId`: what this run diffs against. */
export async function previousSuccessfulRun(store: Store, runId: string): Promise<RunRow | null> {
  const [row] = await store.query('previous_successful_run', { run_id: runId });
  return row === undefined ? null : toRunRow(row);
}

export async function runCounts(store: Store, runId: string): Promise<CountCell[]> {
  const rows = await store.query<{ year: number; country: string; papers: number; fractional: number }>('run_counts_of', { run_id: runId });
  return rows.map((r) => ({ year: Number(r.year), country: String(r.country), papers: Number(r.papers), fractional: Number(r.fractional) }));
}

/**
 * The full counts of two runs side by side. A year x country on one side only (the window or the
 * countries changed between the runs) counts from 0 or to 0, so dropping a country shows as its
 * papers falling to 0. Rows in year order; within a year the new run's country order, then the
 * countries only the previous run had.
 */
export function diffCounts(before: readonly CountCell[], after: readonly CountCell[]): DiffRow[] {
  const key = (c: CountCell): string => `${c.year}|${c.country}`;
  const was = new Map(before.map((c) => [key(c), c.papers]));
  const now = new Set(after.map(key));
  const rows: DiffRow[] = after.map((c) => {
    const b = was.get(key(c)) ?? 0;
    return { year: c.year, country: c.country, before: b, after: c.papers, change: c.papers - b };
  });
  for (const c of before) if (!now.has(key(c))) rows.push({ year: c.year, country: c.country, before: c.papers, after: 0, change: -c.papers });
  // Array.prototype.sort is stable: the order above holds within a year.
  return rows.sort((a, b) => a.year - b.year);
}

/**
 * The changes worth a human's look: in a complete year (`lastComplete`: the report's last year not
 * marked incomplete, src/report/model.ts, so a year still filling in as OpenAlex indexes it does not
 * raise an alarm every week), and larger than `thresholdPercent` of the previous count. A count that
 * rises from 0 has no percentage and is always flagged; a count that did not move never is.
 */
export function changesOverThreshold(diff: readonly DiffRow[], thresholdPercent: number, lastComplete: number): FlaggedChange[] {
  return diff
    .filter((d) => d.year <= lastComplete && d.change !== 0)
    .map((d) => ({ ...d, percent: d.before === 0 ? null : (d.change / d.before) * 100 }))
    .filter((d) => d.percent === null || Math.abs(d.percent) > thresholdPercent);
}

/** One change as a line: "2019 US: 12 -> 15 (+3, +25.0%)". */
export function changeText(c: FlaggedChange): string {
  const sign = (n: number): string => (n > 0 ? `+${n}` : String(n));
  return `${c.year} ${c.country}: ${c.before} -> ${c.after} (${sign(c.change)}${c.percent === null ? ', from 0' : `, ${c.percent > 0 ? '+' : ''}${c.percent.toFixed(1)}%`})`;
}

export function diffCsv(rows: readonly DiffRow[]): string {
  return toCsv(['year', 'country', 'before', 'after', 'change'], rows.map((r) => [r.year, r.country, r.before, r.after, r.change]));
}

/** Where a run's folder goes: `runs/<run id>/` beside the database file. */
export function runFolder(dbPath: string, runId: string): string {
  return join(dirname(dbPath), 'runs', runId);
}

/** sha256 of every file in `dir` (not recursing: an output folder is flat), by name. */
export async function fileHashes(dir: string): Promise<{ name: string; sha256: string }[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  return Promise.all(names.map(async (name) => ({ name, sha256: await sha256Of(join(dir, name)) })));
}

/** Writes runs/<run id>/manifest.json, and diff.csv when there was a run to diff against; returns the folder. */
export async function writeRunFolder(dbPath: string, runId: string, manifest: unknown, diff: readonly DiffRow[] | null): Promise<string> {
  const dir = runFolder(dbPath, runId);
  await mkdir(dir, { recursive: true });
  if (diff !== null) await writeWhole(join(dir, 'diff.csv'), diffCsv(diff));
  // The manifest last: a folder with a manifest is a finished record.
  await writeWhole(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

/**
 * The data a report is made from, in one string: the stored works (each id with its copy) and the
 * records set aside. A run records it with its outputs; a refresh whose data still give the same
 * string as the last published run's has nothing new to report, however it got there (a same-day
 * rerun that fetched the same copies again, or a run killed after its data step and before its report).
 */
export async function dataFingerprint(store: Store): Promise<string> {
  const works = await worksFingerprint(store);
  const [rejects] = await store.query<{ rejects: number; digest: string }>('rejects_fingerprint');
  return `works ${works.works} ${works.digest}; rejects ${rejects?.rejects ?? 0} ${String(rejects?.digest ?? '0')}`;
}

/** What a refresh reads back of a published run's manifest.json: the data it reported from and the files it wrote. */
export interface RunManifest {
  /** Absent in a run recorded before the fingerprint was. */
  dataFingerprint?: string;
  outputs?: { path: string; sha256: string }[];
}

/** Run `runId`'s manifest.json, or null when its folder or manifest is missing or unreadable. */
export async function readRunManifest(dbPath: string, runId: string): Promise<RunManifest | null> {
  try {
    return JSON.parse(await readFile(join(runFolder(dbPath, runId), 'manifest.json'), 'utf8')) as RunManifest;
  } catch {
    return null;
  }
}

/**
 * Whether `outDir` still holds exactly the files a run published (by its manifest's sha256), so a
 * refresh with nothing new may leave it alone. No manifest, a missing file or one edited since
 * means no: the report is written again.
 */
export async function outputsIntact(manifest: RunManifest | null, outDir: string): Promise<boolean> {
  const outputs = manifest?.outputs ?? [];
  if (outputs.length === 0) return false;
  for (const o of outputs) {
    try {
      if ((await sha256Of(join(outDir, basename(o.path)))) !== o.sha256) return false;
    } catch {
      return false;
    }
  }
  return true;
}
