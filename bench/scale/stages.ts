/**
 * The pipeline by stage through the real CLI (bin/medai-trends.js), one child process per stage on
 * one database, as an analyst would run it. The one place that says how each stage is invoked.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild, type ChildOptions, type ChildRun } from './child.js';

export const STAGES = ['fetch', 'classify', 'aggregate', 'report'] as const;
export type Stage = (typeof STAGES)[number];

/** `--read` as given to fetch; 'none' passes no flag (the CLI's own choice, or a CLI without it). */
export type ReadChoice = 'duckdb' | 'node' | 'auto' | 'none';

export interface PipelineTarget {
  /**
   * The parts of one format, as a glob (…/data/parquet/works/updated_date=…/part_*.parquet): a folder
   * walk picks up JSON Lines parts only (`part_NNNN.gz`), a glob takes the Parquet parts too.
   */
  snapshot: string;
  db: string;
  /** The report's output folder. */
  out: string;
  read: ReadChoice;
}

/** The CLI's arguments for one stage; every other setting is the CLI's default. */
export function stageArgs(stage: Stage, t: PipelineTarget): string[] {
  switch (stage) {
    case 'fetch':
      return ['fetch', '--snapshot', t.snapshot, ...(t.read === 'none' ? [] : ['--read', t.read]), '--db', t.db];
    case 'classify':
      return ['classify', '--db', t.db];
    case 'aggregate':
      // counts.csv goes to stdout, which the bench sends to /dev/null.
      return ['aggregate', '--db', t.db];
    case 'report':
      return ['report', '--db', t.db, '--out', t.out];
  }
}

export interface StageRun extends ChildRun {
  stage: Stage;
  /** The database's bytes on disk after the stage (the file and its WAL). */
  dbBytes: number;
}

export async function runStage(repo: string, stage: Stage, t: PipelineTarget, options: ChildOptions): Promise<StageRun> {
  const run = await runChild(process.execPath, [join(repo, 'bin', 'medai-trends.js'), ...stageArgs(stage, t)], options);
  return { ...run, stage, dbBytes: (await sizeOf(t.db)) + (await sizeOf(`${t.db}.wal`)) };
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}
