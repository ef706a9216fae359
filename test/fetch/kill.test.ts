/**
 * kill -9 at random moments of a real `medai-trends fetch` (the package's bin, the DuckDB store)
 * against the local OpenAlex: every rerun resumes each slice exactly at its saved cursor, no
 * committed page is ever requested again, and the final data equals an uninterrupted run's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSlices, type Slice } from '../../src/fetch/planner.js';
import type { SliceCheckpoint } from '../../src/fetch/sink.js';
import { Store } from '../../src/store/store.js';
import { sqlRows } from '../support/store-sql.js';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { REPO_ROOT } from '../support/paths.js';
import { tempDir } from './helpers.js';
import { seededRandom } from '../../src/random.js';

const TRIALS = 10;
const FROM = 2000;
const TO = 2021;
const COUNTRIES = ['CN', 'DE', 'FR', 'GB', 'JP', 'US'];
// Ten per page, so slices take several pages and kills land between pages of one cursor walk.
const PER_PAGE = 10;
const CONCURRENCY = 6;
const ARGS = ['--from', String(FROM), '--to', String(TO), '--countries', COUNTRIES.join(','), '--prefilter', 'none', '--max-rps', '60', '--concurrency', String(CONCURRENCY), '--per-page', String(PER_PAGE)];
const KEY = 'kill-test-key';

function startFetch(server: OpenAlexServer, db: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/medai-trends.js'), 'fetch', ...ARGS, '--db', db], {
    cwd: REPO_ROOT,
    env: { ...process.env, OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, exited };
}

async function readDb(db: string, slices: Slice[]): Promise<{ checkpoints: Map<string, SliceCheckpoint>; works: string[] }> {
  const store = await Store.open(db);
  try {
    const checkpoints = new Map<string, SliceCheckpoint>();
    for (const s of slices) {
      const cp = await store.getCheckpoint(s.id);
      if (cp !== null) checkpoints.set(s.id, cp);
    }
    const rows = await sqlRows(store, 'select work_id, year, title from works order by work_id');
    return { checkpoints, works: rows.map((r) => JSON.stringify(r)) };
  } finally {
    store.close();
  }
}

const filterOf = (query: string): string => new URL(query).searchParams.get('filter')!;
const cursorOf = (key: string): string => decodeURIComponent(key.slice(key.indexOf('|cursor=') + '|cursor='.length));

let server: OpenAlexServer;
let slices: Slice[];
const trialLog: { killedAfterPages: number; served: string[]; before: Map<string, SliceCheckpoint> }[] = [];
let killedDb: Awaited<ReturnType<typeof readDb>>;
let cleanDb: Awaited<ReturnType<typeof readDb>>;
let dir: string;
let finalServed: string[] = [];
const countsCsv: Record<'killed' | 'clean', string> = { killed: '', clean: '' };

beforeAll(async () => {
  // Latency spreads each run over a second or more, so kills land mid-walk, mid-commit and between pages.
  server = await startOpenAlexServer({ apiKey: KEY, latencyMs: 40 });
  slices = planSlices({ baseUrl: server.url, from: FROM, to: TO, countries: COUNTRIES, prefilter: null, perPage: PER_PAGE }).slices;
  dir = await tempDir('medai-kill-');
  const db = join(dir, 'killed.duckdb');
  const random = seededRandom(20260525);

  for (let trial = 0; trial < TRIALS; trial++) {
    const before = (await readDb(db, slices)).checkpoints;
    const start = server.stats.pageLog.length;
    const target = 3 + Math.floor(random() * 12);
    const extraMs = Math.floor(random() * 40);
    const { child, exited } = startFetch(server, db);
    let finished = false;
    void exited.then(() => (finished = true));
    while (!finished && server.stats.pageLog.length - start < target) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, extraMs));
    child.kill('SIGKILL');
    await exited;
    trialLog.push({ killedAfterPages: target, served: server.stats.pageLog.slice(start).map((p) => p.key), before });
  }
  const before = (await readDb(db, slices)).checkpoints;
  const start = server.stats.pageLog.length;
  const last = await startFetch(server, db).exited;
  expect(last).toBe(0);
  finalServed = server.stats.pageLog.slice(start).map((p) => p.key);
  trialLog.push({ killedAfterPages: Infinity, served: finalServed, before });
  killedDb = await readDb(db, slices);

  const clean = join(dir, 'clean.duckdb');
  const cleanServer = await startOpenAlexServer({ apiKey: KEY });
  try {
    const r = await runCliInProcess(['fetch', ...ARGS, '--db', clean], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: cleanServer.url });
    expect(r.code).toBe(0);
  } finally {
    await cleanServer.close();
  }
  // Slice ids hash the query, which names the server's port: plan again for the clean server.
  cleanDb = await readDb(clean, planSlices({ baseUrl: cleanServer.url, from: FROM, to: TO, countries: COUNTRIES, prefilter: null, perPage: PER_PAGE }).slices);

  // The counts the rest of the pipeline makes from each database.
  for (const [name, path] of [['killed', db], ['clean', clean]] as const) {
    const classified = await runCliInProcess(['classify', '--db', path]);
    expect(classified.code).toBe(0);
    const aggregated = await runCliInProcess(['aggregate', '--db', path, '--from', String(FROM), '--to', String(TO), '--countries', COUNTRIES.join(',')]);
    expect(aggregated.code).toBe(0);
    countsCsv[name] = aggregated.stdout;
  }
}, 240_000);

afterAll(async () => {
  if (process.env.FETCH_TEST_VERBOSE) console.log("duplicates", server.duplicatePages().length, "served", server.stats.pageLog.length, "per trial", trialLog.map((t) => t.served.length).join(","));
  await server?.close();
});

describe(`fetch killed with SIGKILL ${TRIALS} times`, () => {
  it('was really interrupted mid-walk, many times', () => {
    const interrupted = trialLog.slice(0, TRIALS).filter((t) => t.served.length > 0 && t.served.length < 200);
    expect(interrupted.length).toBeGreaterThanOrEqual(TRIALS - 1);
    // Kills left slices half-walked: a checkpoint with a cursor still to follow, resumed by the next run.
    const halfWalked = trialLog.flatMap((t) => [...t.before.values()].filter((c) => !c.done && c.pagesDone > 0));
    expect(halfWalked.length).toBeGreaterThanOrEqual(5);
  });

  it('gives the same counts.csv as an uninterrupted run', () => {
    expect(countsCsv.killed.split('\n')[0]).toBe('year,country,papers,fractional');
    expect(countsCsv.killed.split('\n').length).toBeGreaterThan((TO - FROM + 1) * COUNTRIES.length);
    const papers = countsCsv.killed.trim().split('\n').slice(1).map((row) => Number(row.split(',')[2]));
    expect(papers.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(countsCsv.killed).toBe(countsCsv.clean);
  });

  it('ends with the same stored works as an uninterrupted run, every slice done', () => {
    expect(killedDb.works.length).toBeGreaterThan(500);
    expect(killedDb.works).toEqual(cleanDb.works);
    expect([...killedDb.checkpoints.values()].every((c) => c.done)).toBe(true);
    expect(killedDb.checkpoints.size).toBe(slices.length);
    expect(cleanDb.checkpoints.size).toBe(slices.length);
    expect([...killedDb.checkpoints.values()].map((c) => [c.pagesDone, c.worksStored])).toEqual([...cleanDb.checkpoints.values()].map((c) => [c.pagesDone, c.worksStored]));
  });

  it('never requests a committed page again, nor anything of a finished slice', () => {
    // The cursor each page of each slice was requested with, from the raw pages the run kept.
    const pageCursors = (slice: Slice, upTo: number): string[] =>
      Array.from({ length: upTo }, (_, i) => {
        const file = join(dir, 'raw', slice.id, `page_${String(i + 1).padStart(5, '0')}.cursor`);
        return (JSON.parse(readFileSync(file, 'utf8')) as { cursor: string }).cursor;
      });
    let resumed = 0;
    for (const trial of trialLog) {
      for (const slice of slices) {
        const prefix = `filter=${filterOf(slice.query)}|`;
        const served = trial.served.filter((k) => k.startsWith(prefix)).map(cursorOf);
        const cp = trial.before.get(slice.id);
        if (cp?.done) expect(served, `${slice.id} was done and was requested again`).toEqual([]);
        const committed = pageCursors(slice, cp?.pagesDone ?? 0);
        expect(served.filter((c) => committed.includes(c)), `${slice.id} refetched a committed page`).toEqual([]);
        if (cp !== undefined && !cp.done && served.length > 0) resumed++;
      }
    }
    expect(resumed).toBeGreaterThanOrEqual(5);
  });

  it('buys a page twice only when a kill caught it in flight, between the server and the disk', () => {
    // Pages on disk but not yet in the store are replayed from disk. What remains is a page the
    // server had sent when the kill came and the fetcher had not yet written: at most one per worker.
    const extraFetches = server.duplicatePages().reduce((n, key) => n + server.stats.pageHits.get(key)! - 1, 0);
    expect(extraFetches).toBeLessThanOrEqual(TRIALS * CONCURRENCY);
    // Within one run no page is ever requested twice: repeats only ever cross a kill.
    for (const trial of trialLog) expect(new Set(trial.served).size).toBe(trial.served.length);
    const totalPages = [...killedDb.checkpoints.values()].reduce((n, c) => n + c.pagesDone, 0);
    expect(server.stats.pageHits.size).toBe(totalPages);
  });
});
