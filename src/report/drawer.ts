/**
 * The charts and pages drawn on a thread of their own (draw-worker.ts), so the thread that runs the
 * report's DuckDB queries is never held by vega loading, compiling and drawing, or by resvg. At 5M
 * works read, the drawing held it for about 0.9 s of the report's 4 s, in stretches during which
 * DuckDB, done with one query, waited to be handed the next.
 */
import type { Worker } from 'node:worker_threads';
import { UserError, type ExitCode } from '../errors.js';
import { startWorker } from '../threads.js';
import type { ReportModel } from './model.js';
import type { ResolvedOptions } from './options.js';

/** What the main thread asks of the worker: draw `model` and write the files into `dir`. */
export interface DrawJob {
  model: ReportModel;
  options: ResolvedOptions;
  dir: string;
}

/** The worker's answer: the files written, or the error, rebuilt on this side with its kind. */
export type DrawAnswer = { written: string[] } | { error: { message: string; stack?: string; exitCode?: ExitCode } };

/**
 * Starts the worker at once, so vega loads while the caller's queries run; draw() once, then
 * close(). The worker never keeps the process alive.
 */
export class ChartDrawer {
  private readonly worker: Worker;
  /** Settles, with why, when the thread fails or ends: a draw() waiting then rejects with it. */
  private readonly stopped: Promise<Error>;

  constructor() {
    this.worker = startWorker(import.meta.url, 'draw-worker');
    this.worker.unref();
    this.stopped = new Promise((resolve) => {
      this.worker.once('error', (err) => resolve(err));
      this.worker.once('exit', (code) => resolve(new Error(`the drawing thread stopped (exit code ${code})`)));
    });
  }

  /** Draws the model's artefacts and writes them into `dir`; the paths written. */
  async draw(model: ReportModel, options: ResolvedOptions, dir: string): Promise<string[]> {
    const answer = new Promise<DrawAnswer>((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage({ model, options, dir } satisfies DrawJob);
    const settled = await Promise.race([answer, this.stopped.then((error) => ({ stopped: error }))]);
    if ('stopped' in settled) throw settled.stopped;
    if ('written' in settled) return settled.written;
    const { message, stack, exitCode } = settled.error;
    const err = exitCode === undefined ? new Error(message) : new UserError(message, exitCode);
    if (stack !== undefined) err.stack = stack;
    throw err;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
