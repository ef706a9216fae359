/**
 * The thread that draws a report's charts and pages (ChartDrawer in drawer.ts): loads vega at once,
 * then answers one DrawJob with the files it wrote, or with the error (a UserError keeps its exit code).
 */
import { parentPort } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { DrawAnswer, DrawJob } from './drawer.js';
import { preloadReport, renderReport, writeArtefacts } from './index.js';

preloadReport();

parentPort?.on('message', (job: DrawJob) => {
  const answer = (a: DrawAnswer): void => parentPort?.postMessage(a);
  renderReport(job.model, job.options)
    .then(({ files }) => writeArtefacts(files, job.dir))
    .then(
      (written) => answer({ written }),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        answer({ error: { message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }), ...(e instanceof UserError ? { exitCode: e.exitCode } : {}) } });
      },
    );
});
