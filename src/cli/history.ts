/**
 * A `run` or `refresh` as a recorded run: begun in the runs table before any work, diffed against
 * the last published run while its outputs are still staged (so summary.md carries the changes
 * when it is swapped in), finished with its outcome, and written up in runs/<run id>/. Under
 * --json the command's stdout is one JSON object and everything else goes to stderr.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import type { Effects } from '../effects/effects.js';
import type { DataRefresh } from '../pipeline/refresh-types.js';
import type { ReportRun } from '../pipeline/report.js';
import {
  beginRun,
  changeText,
  changesOverThreshold,
  dataFingerprint,
  diffCounts,
  fileHashes,
  finishRun,
  previousSuccessfulRun,
  runCounts,
  runFolder,
  writeRunFolder,
  newRunId,
  type CountCell,
  type DiffRow,
  type FlaggedChange,
  type RunEnd,
  type RunRow,
} from '../pipeline/runs.js';
import type { Scope } from '../pipeline/scope.js';
import type { Store } from '../store/store.js';
import type { EffectiveConfig } from './config.js';
import type { CliIo } from './io.js';
import type { HistorySettings } from './options.js';

export interface RecordedRunSpec {
  command: 'run' | 'refresh';
  dbPath: string;
  /** --out as given: the outputs are named under it. */
  outDir: string;
  scope: Scope;
  /** What decides the outputs (scope, keyword hashes, report options; pipeline.ts effectiveSettings): no-change compares it. */
  settings: unknown;
  /** The config file read (or null) and the effective settings, keyed as in the file (config.ts): what reproduces the run. */
  config: EffectiveConfig;
  source: 'api' | 'snapshot';
  history: HistorySettings;
}

export interface RunContext {
  runId: string;
  /** The last published run, or null for the first. */
  previous: RunRow | null;
  /** The command's io for the stages: under --json its stdout goes to stderr, and warnings are collected. */
  io: CliIo;
  /** For reportStage: diffs the staged report against `previous` and adds the changes to summary.md. */
  beforeCommit(report: ReportRun, staging: string): Promise<void>;
}

/** What the command's body did: the data step, and whether it reported (false: nothing to redo). */
/** What the run's body did: published a report, or nothing, standing on the last published run's data (its fingerprint). */
export type BodyResult = { data: DataRefresh; reported: true } | { data: DataRefresh; reported: false; fingerprint: string };

/** The published part of a run, as beforeCommit found it. */
interface Published {
  report: ReportRun;
  counts: CountCell[];
  diff: DiffRow[] | null;
  flagged: FlaggedChange[];
  outputs: { path: string; sha256: string }[];
  /** The data the report was made from (runs.ts dataFingerprint). */
  fingerprint: string;
}

/** summary.md's "Changes since run <id>" section. */
function changesSection(previousId: string, diff: readonly DiffRow[], flagged: readonly FlaggedChange[], thresholdPercent: number, lastComplete: number): string {
  const moved = diff.filter((d) => d.change !== 0).length;
  const head = [
    '',
    `## Changes since run ${previousId}`,
    '',
    `Full counts compared with run ${previousId}: ${moved} of ${diff.length} year x country counts changed (every row in diff.csv of this run's folder, runs/<run id>/ beside the database). ` +
      `Listed: changes above ${thresholdPercent}% of the earlier count in complete years (up to ${lastComplete}).`,
    '',
  ];
  const body = flagged.length === 0 ? ['None.'] : flagged.map((c) => `- ${changeText(c)}`);
  return `${[...head, ...body].join('\n')}\n`;
}

/** The stages' io: warnings also collected for the record; under --json, stdout (summary, CSV) sent to stderr. */
function runIo(io: CliIo, json: boolean, warnings: string[]): CliIo {
  const effects: Effects = {
    ...io.effects,
    warn: (m) => {
      warnings.push(m);
      io.effects.warn(m);
    },
    ...(json ? { stdout: (text: string) => void io.stderr.write(text) } : {}),
  };
  return { ...io, ...(json ? { stdout: io.stderr } : {}), effects };
}

/**
 * Runs `body` as a recorded run. A killed run stays 'running' (the next run marks it abandoned);
 * an error is recorded as 'failed' with its exit code and rethrown; --fail-on-change ends a
 * published run with ExitCode.changed once everything is written.
 */
export async function recordedRun(store: Store, spec: RecordedRunSpec, io: CliIo, body: (ctx: RunContext) => Promise<BodyResult>): Promise<void> {
  const { history } = spec;
  const startedAt = io.effects.now();
  const runId = newRunId(startedAt);
  const warnings: string[] = [];
  const stageIo = runIo(io, history.json, warnings);
  const { abandoned } = await beginRun(store, { runId, startedAt, command: spec.command, scope: spec.scope, settings: spec.settings, source: spec.source });
  for (const id of abandoned) stageIo.effects.warn(`run ${id} never finished (killed?): recorded as abandoned`);
  const previous = await previousSuccessfulRun(store, runId);
  const folderOf = (id: string): string => runFolder(spec.dbPath, id);
  let published: Published | null = null;

  const ctx: RunContext = {
    runId,
    previous,
    io: stageIo,
    async beforeCommit(report, staging) {
      const counts = report.counts.map(({ year, country, papers, fractional }) => ({ year, country, papers, fractional }));
      const diff = previous === null ? null : diffCounts(await runCounts(store, previous.runId), counts);
      const flagged = diff === null ? [] : changesOverThreshold(diff, history.thresholdPercent, report.lastComplete);
      if (previous !== null && diff !== null) await appendFile(join(staging, 'summary.md'), changesSection(previous.runId, diff, flagged, history.thresholdPercent, report.lastComplete));
      // Hashed as staged: the same bytes are swapped in as --out.
      const outputs = (await fileHashes(staging)).map((f) => ({ path: join(spec.outDir, f.name), sha256: f.sha256 }));
      published = { report, counts, diff, flagged, outputs, fingerprint: await dataFingerprint(store) };
    },
  };

  /** runs/<run id>/manifest.json: the run as recorded, with what it published and how it compares. */
  const record = (end: RunEnd, data: DataRefresh | null, p: Pick<Published, 'outputs' | 'counts' | 'diff' | 'flagged' | 'fingerprint'> | null, extra: Record<string, unknown> = {}, lastComplete: number | null = null) => ({
    runId,
    command: spec.command,
    startedAt: startedAt.toISOString(),
    endedAt: end.endedAt.toISOString(),
    outcome: end.outcome,
    exitCode: end.exitCode,
    ...extra,
    scope: spec.scope,
    settings: spec.settings,
    config: spec.config,
    source: data?.source ?? spec.source,
    data: data === null ? null : { changed: data.changed, steps: data.steps, detail: data.detail },
    dataDate: end.dataDate,
    costUsd: end.costUsd,
    dataFingerprint: p?.fingerprint ?? null,
    outputs: p?.outputs ?? [],
    counts: p?.counts ?? null,
    diff: {
      against: previous?.runId ?? null,
      rows: p?.diff?.length ?? null,
      changed: p?.diff === null || p === null ? null : p.diff.filter((d) => d.change !== 0).length,
      thresholdPercent: history.thresholdPercent,
      lastComplete,
      overThreshold: p?.flagged ?? [],
    },
    abandoned,
    warnings,
  });

  let result: BodyResult;
  try {
    result = await body(ctx);
  } catch (err) {
    const exitCode = err instanceof UserError ? err.exitCode : ExitCode.bug;
    const message = err instanceof Error ? err.message : String(err);
    const end: RunEnd = { outcome: 'failed', endedAt: io.effects.now(), dataDate: null, costUsd: null, changesOverThreshold: null, exitCode, message };
    try {
      await finishRun(store, runId, end);
      await writeRunFolder(spec.dbPath, runId, record(end, null, null, { error: message }), null);
    } catch (recordErr) {
      // The run's own error is what the user needs; a failure to record it is only noted.
      io.effects.warn(`could not record run ${runId} as failed: ${(recordErr as Error).message}`);
    }
    if (history.json) io.stdout.write(`${JSON.stringify({ runId, outcome: 'failed', exitCode, error: message, runFolder: folderOf(runId), warnings })}\n`);
    throw err;
  }

  const { data } = result;
  if (!result.reported) {
    // Nothing was redone: --out still holds the last published run's outputs, whose counts these are.
    if (previous === null) throw new Error('a run that reported nothing needs a previous run to stand on');
    // In the order the published run listed them: by year, then the countries in --countries order.
    const rank = (country: string) => spec.scope.countries.indexOf(country);
    const counts = (await runCounts(store, previous.runId)).sort((a, b) => a.year - b.year || rank(a.country) - rank(b.country));
    const diff = diffCounts(counts, counts);
    const end: RunEnd = {
      outcome: 'no-change',
      endedAt: io.effects.now(),
      dataDate: data.dataDate ?? previous.dataDate,
      costUsd: data.usdSpent,
      changesOverThreshold: 0,
      exitCode: ExitCode.ok,
      message: `no change since ${previous.runId}`,
    };
    await finishRun(store, runId, end);
    const dir = await writeRunFolder(spec.dbPath, runId, record(end, data, { counts, diff, flagged: [], outputs: [], fingerprint: result.fingerprint }, { noChangeSince: previous.runId }), diff);
    if (history.json) {
      io.stdout.write(`${JSON.stringify({ runId, outcome: 'no-change', noChangeSince: previous.runId, counts, diff, changesOverThreshold: [], costUsd: data.usdSpent, dataDate: end.dataDate, outputs: [], runFolder: dir, warnings })}\n`);
    } else {
      io.stdout.write(`no change since ${previous.runId}\n`);
    }
    io.effects.log(`run ${runId}: no change since ${previous.runId}; --out left as it was; recorded in ${dir}`);
    return;
  }

  const p = published as Published | null;
  if (p === null) throw new Error('the report was committed without the run history seeing it (reportStage was called without beforeCommit)');
  const failing = history.failOnChange && p.flagged.length > 0;
  const end: RunEnd = {
    outcome: 'ok',
    endedAt: io.effects.now(),
    dataDate: p.report.manifest.source?.dataDate ?? data.dataDate,
    costUsd: data.usdSpent,
    changesOverThreshold: previous === null ? null : p.flagged.length,
    exitCode: failing ? ExitCode.changed : ExitCode.ok,
    message: null,
    counts: p.counts,
  };
  await finishRun(store, runId, end);
  const dir = await writeRunFolder(spec.dbPath, runId, record(end, data, p, {}, p.report.lastComplete), p.diff);
  if (p.flagged.length > 0 && previous !== null) {
    io.stderr.write(`changes above ${history.thresholdPercent}% since run ${previous.runId} (complete years up to ${p.report.lastComplete}):\n${p.flagged.map((c) => `  ${changeText(c)}\n`).join('')}`);
  }
  if (history.json) {
    io.stdout.write(
      `${JSON.stringify({
        runId,
        outcome: 'ok',
        previousRunId: previous?.runId ?? null,
        counts: p.counts,
        diff: p.diff,
        changesOverThreshold: p.flagged,
        costUsd: end.costUsd,
        dataDate: end.dataDate,
        outputs: p.outputs,
        runFolder: dir,
        warnings,
      })}\n`,
    );
  }
  io.effects.log(`run ${runId} recorded in ${dir}${previous === null ? ' (the first: nothing to diff against)' : `; diff against run ${previous.runId}`}`);
  if (failing) {
    throw new UserError(
      `${p.flagged.length} count(s) of complete years changed by more than ${history.thresholdPercent}% since run ${previous?.runId} (--fail-on-change); ` +
        `the outputs are written: check them before publishing (${join(dir, 'diff.csv')}): ${p.flagged.map(changeText).join('; ')}`,
      ExitCode.changed,
    );
  }
}
