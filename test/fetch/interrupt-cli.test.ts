/**
 * Ctrl-C (SIGINT) or SIGTERM during a real `medai-trends fetch` against a slow local OpenAlex:
 * exit 130 with one line saying the run was interrupted and that the same command resumes it, and
 * the same command then does resume (slices already done are skipped) and finishes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { sqlRows } from '../support/store-sql.js';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { REPO_ROOT } from '../support/paths.js';
import { tempDir } from './helpers.js';

const KEY = 'interrupt-key';
// Small pages and a slow server, so the fetch is still walking when the signal comes.
const ARGS = ['--from', '2015', '--to', '2021', '--countries', 'US,CN', '--prefilter', 'none', '--per-page', '10', '--concurrency', '2', '--max-rps', '50'];

let server: OpenAlexServer;
beforeAll(async () => {
  server = await startOpenAlexServer({ apiKey: KEY, latencyMs: 60 });
});
afterAll(async () => {
  await server?.close();
});

/** Starts a fetch, waits for `pages` pages to be served, sends `signal`, and returns how it ended. */
async function interrupt(db: string, signal: NodeJS.Signals, pages: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const start = server.stats.pageLog.length;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/medai-trends.js'), 'fetch', ...ARGS, '--db', db], {
    cwd: REPO_ROOT,
    env: { ...process.env, OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
  let finished = false;
  void closed.then(() => (finished = true));
  while (!finished && server.stats.pageLog.length - start < pages) await new Promise((r) => setTimeout(r, 5));
  expect(finished, `the fetch ended before ${pages} pages: ${stderr}`).toBe(false);
  child.kill(signal);
  return { ...(await closed), stderr };
}

async function checkpoints(db: string): Promise<{ done: number; pages: number }> {
  const store = await Store.open(db);
  try {
    const [row] = await sqlRows(store, 'select count(*) filter (where done) as done, sum(pages_done) as pages from checkpoints');
    return { done: Number(row?.done ?? 0), pages: Number(row?.pages ?? 0) };
  } finally {
    store.close();
  }
}

describe.each(['SIGINT', 'SIGTERM'] as const)('fetch stopped by %s', (signal) => {
  it('exits 130 with one line saying how to resume, and the same command resumes and finishes', async () => {
    const dir = await tempDir('medai-interrupt-');
    const db = join(dir, 'medai.duckdb');
    const stopped = await interrupt(db, signal, 12);
    expect(stopped.signal).toBeNull();
    expect(stopped.code, stopped.stderr).toBe(130);
    const lines = stopped.stderr.split('\n').filter((l) => l.includes('interrupted'));
    expect(lines).toEqual([`medai-trends: interrupted by ${signal}; work already saved is kept (a fetch resumes from its checkpoint): run the same command again to continue`]);
    expect(stopped.stderr).not.toMatch(/unexpected error|    at /);

    const saved = await checkpoints(db);
    expect(saved.pages).toBeGreaterThan(0);
    const rerun = await runCliInProcess(['fetch', ...ARGS, '--db', db], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url });
    expect(rerun.code, rerun.stderr).toBe(0);
    // The rerun starts from what the interrupted run saved.
    const skipped = Number(/\((\d+) already done/.exec(rerun.stderr)?.[1]);
    expect(skipped).toBe(saved.done);
    const after = await checkpoints(db);
    expect(after.done).toBe(2 * 7);
    expect(after.pages).toBeGreaterThan(saved.pages);
  });
});
