/**
 * A fetch that stopped part-way (a gzip cut off, kill -9 during a snapshot load, an API fetch out
 * of budget) leaves the data set marked incomplete: classify, aggregate and report stop (exit 2)
 * saying where it stopped and which fetch to rerun, unless --allow-incomplete, when the summary,
 * manifest and chart say "incomplete". Rerunning the fetch makes it complete, with the counts of
 * an uninterrupted run. All through the real CLI, on real records.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { sqlRows, sqlRun } from '../support/store-sql.js';
import { runCliInProcess, type CliResult } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';
import { UNKNOWN_REASON } from '../../src/pipeline/completeness.js';

const WINDOW = ['--from', '2010', '--to', '2021', '--countries', 'US,CN'];
const servers: OpenAlexServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

const temp = (): string => mkdtempSync(join(tmpdir(), 'medai-complete-'));
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The real records written `copies` times under new ids (W9<copy><id digits>), gzipped. */
function copiesOfCorpus(copies: number): Buffer {
  const lines = readJsonLineTexts(WORKS_FILE);
  const out: string[] = [];
  for (let k = 1; k <= copies; k++) {
    for (const l of lines) {
      const w = JSON.parse(l) as { id: string };
      out.push(JSON.stringify({ ...w, id: w.id.replace(/W(\d+)$/, `W9${k}$1`) }));
    }
  }
  return gzipSync(`${out.join('\n')}\n`);
}

/** The command a refusal says to rerun, as words after `medai-trends`. */
function rerunCommand(stderr: string): string[] {
  const m = /rerun the fetch: `medai-trends ([^`]+)`/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return m![1]!.split(' ');
}

function expectRefused(r: CliResult, command: string, ...why: RegExp[]): void {
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`${command}: the data set in `);
  expect(r.stderr).toContain('is incomplete');
  expect(r.stderr).toContain('--allow-incomplete');
  for (const re of why) expect(r.stderr).toMatch(re);
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCliInProcess(args, env);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

/** classify + aggregate: the counts a database gives. */
async function counts(db: string, extra: string[] = []): Promise<string> {
  await ok(['classify', '--db', db, ...extra]);
  return (await ok(['aggregate', '--db', db, ...WINDOW, ...extra])).stdout;
}

async function storedState(db: string): Promise<{ works: number; pending: number }> {
  const store = await Store.open(db);
  try {
    const rows = await sqlRows(store, 'select count(*)::integer as n from works');
    const load = await store.getMeta<{ pending: unknown[] }>('load');
    return { works: Number(rows[0]?.n), pending: load?.pending.length ?? -1 };
  } finally {
    store.close();
  }
}

describe('a snapshot file cut off (truncated gzip)', () => {
  it('stops classify/aggregate/report until the file is read whole; --allow-incomplete says "incomplete" everywhere', async () => {
    const dir = temp();
    const whole = copiesOfCorpus(3);
    const file = join(dir, 'works.jsonl.gz');
    // Cut inside the third copy: more than one batch of 5,000 records was read before the cut.
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.85)));
    const db = join(dir, 'm.duckdb');
    const fetched = await runCliInProcess(['fetch', '--db', db, '--snapshot', file]);
    expect(fetched.code).toBe(2);
    expect(fetched.stderr).toMatch(/unexpected end of file/);
    expect(fetched.stderr).toMatch(/The \d+ records read from it before that are stored, and the data set is marked incomplete/);

    const why = [/works\.jsonl\.gz was cut off after \d+ records/, /unexpected end of file/];
    expectRefused(await runCliInProcess(['classify', '--db', db]), 'classify', ...why);
    const refused = await runCliInProcess(['report', '--db', db, ...WINDOW, '--out', join(dir, 'refused'), '--format', 'csv']);
    expectRefused(refused, 'report', ...why);
    expect(rerunCommand(refused.stderr)).toEqual(['fetch', '--db', db, '--snapshot', file]);

    await ok(['classify', '--db', db, '--allow-incomplete']);
    expectRefused(await runCliInProcess(['aggregate', '--db', db, ...WINDOW]), 'aggregate', ...why);
    const out = join(dir, 'out');
    const report = await ok(['report', '--db', db, ...WINDOW, '--out', out, '--format', 'csv,json', '--allow-incomplete']);
    expect(report.stderr).toMatch(/warning: report: going on \(--allow-incomplete\)/);
    for (const text of [report.stdout, readFileSync(join(out, 'summary.md'), 'utf8')]) {
      expect(text).toMatch(/Incomplete data set, the counts cover only what was read: the snapshot load stopped \(0 of 1 file\(s\) read to their end\): .*works\.jsonl\.gz was cut off after \d+ records/);
      expect(text).toContain(`rerun the fetch: \`medai-trends fetch --db ${db} --snapshot ${file}\``);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.completeness.state).toBe('incomplete');
    expect(manifest.completeness.reason).toContain('unexpected end of file');
    // No file is presented as read whole, with a hash of what was not read.
    expect(manifest.source.files).toEqual([]);
    expect(manifest.source.unread).toHaveLength(1);
    const [cut] = manifest.source.unread;
    expect(cut).not.toHaveProperty('sha256');
    expect(cut.error).toBe('unexpected end of file');
    expect(cut.recordsRead).toBeGreaterThan(5_000);
    expect(cut.recordsRead).toBeLessThan(3 * 2290);
    // Every record read before the cut is stored and counted, not only the full batches.
    expect(manifest.counts.recordsRead).toBe(cut.recordsRead);
    expect(cut.readTo).toMatch(new RegExp(`works\\.jsonl\\.gz:${cut.recordsRead}$`));
    expect(readFileSync(join(out, 'figure2.vl.json'), 'utf8')).toContain('Incomplete data set, counts cover only what was read');

    // The whole file in its place and the same fetch again: complete, as an uninterrupted run.
    writeFileSync(file, whole);
    await ok(rerunCommand(refused.stderr));
    await ok(['classify', '--db', db]);
    const after = await ok(['report', '--db', db, ...WINDOW, '--out', join(dir, 'after'), '--format', 'csv']);
    expect(after.stdout).not.toMatch(/Incomplete/);
    const done = JSON.parse(readFileSync(join(dir, 'after', 'manifest.json'), 'utf8'));
    expect(done.completeness).toEqual({ state: 'complete' });
    expect(done.source.files.map((f: { sha256: string }) => f.sha256)).toEqual([sha256(file)]);
    expect(done.source).not.toHaveProperty('unread');
    expect(done.counts.recordsRead).toBe(3 * 2290);

    const clean = join(dir, 'clean.duckdb');
    await ok(['fetch', '--db', clean, '--snapshot', file]);
    expect(await counts(db)).toBe(await counts(clean));
  }, 300_000);
});

describe('kill -9 during fetch --snapshot', () => {
  it('leaves the data set incomplete, naming the file it stopped in; the same fetch again completes it', async () => {
    const dir = temp();
    const first = join(dir, 'a.jsonl.gz');
    const second = join(dir, 'b.jsonl.gz');
    writeFileSync(first, readFileSync(WORKS_FILE));
    writeFileSync(second, copiesOfCorpus(3));
    const db = join(dir, 'm.duckdb');
    const args = ['fetch', '--db', db, '--snapshot', first, second];
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/medai-trends.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    let stderr = '';
    // The first file is committed before the second is opened; a batch commit of the second then
    // shows as a change of the database's write-ahead log, done once the log stops changing (the
    // next batch takes seconds to read).
    const wal = `${db}.wal`;
    const walSize = (): number => statSync(wal, { throwIfNoEntry: false })?.size ?? -1;
    await new Promise<void>((resolve) => {
      let atSecond: number | null = null;
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (atSecond !== null || !stderr.includes(`reading ${second}`)) return;
        atSecond = walSize();
        let last = atSecond;
        let stableSince = Date.now();
        const poll = setInterval(() => {
          const size = walSize();
          if (size !== last) [last, stableSince] = [size, Date.now()];
          else if (size !== atSecond && Date.now() - stableSince > 300) {
            clearInterval(poll);
            resolve();
          }
        }, 5);
      });
      child.on('close', () => resolve());
    });
    child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');

    const refused = await runCliInProcess(['classify', '--db', db]);
    expectRefused(refused, 'classify', /the snapshot load stopped \(1 of 2 file\(s\) read to their end\)/, /b\.jsonl\.gz/);
    expect(rerunCommand(refused.stderr)).toEqual(args);
    const state = await storedState(db);
    expect(state.pending).toBe(1);
    // The first file whole, and what of the second was committed when the kill came: its first
    // batch, or (when the kill beat that commit) nothing.
    const ofSecond = state.works - 2290;
    expect([0, 5_000]).toContain(ofSecond);
    expect(refused.stderr).toMatch(
      ofSecond === 0 ? /1 file\(s\) not read: .*b\.jsonl\.gz/ : /reading .*b\.jsonl\.gz stopped after 5000 records \(last: .*b\.jsonl\.gz:5000\)/,
    );

    const out = join(dir, 'out');
    await ok(['classify', '--db', db, '--allow-incomplete']);
    await ok(['report', '--db', db, ...WINDOW, '--out', out, '--format', 'csv', '--allow-incomplete']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.source.files.map((f: { path: string; sha256: string }) => [f.path, f.sha256])).toEqual([[first, sha256(first)]]);
    expect(manifest.source.unread).toEqual([
      { path: second, bytes: statSync(second).size, recordsRead: ofSecond, readTo: ofSecond === 0 ? null : expect.stringMatching(/b\.jsonl\.gz:5000$/) },
    ]);

    await ok(rerunCommand(refused.stderr));
    expect(await storedState(db)).toEqual({ works: 4 * 2290, pending: 0 });
    const clean = join(dir, 'clean.duckdb');
    await ok(['fetch', '--db', clean, '--snapshot', first, second]);
    expect(await counts(db)).toBe(await counts(clean));
  }, 300_000);
});

describe('an API fetch that stopped (budget spent, exit 4)', () => {
  it('is refused until the printed fetch command resumes it to the end', async () => {
    const KEY = 'complete-key';
    const server = await startOpenAlexServer({ apiKey: KEY, budgetUsd: 0.002 });
    servers.push(server);
    const env = { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url };
    const dir = temp();
    const db = join(dir, 'm.duckdb');
    const stopped = await runCliInProcess(['fetch', '--db', db, ...WINDOW, '--prefilter', 'none', '--per-page', '10', '--max-rps', '100'], env);
    expect(stopped.code).toBe(4);

    const refused = await runCliInProcess(['report', '--db', db, ...WINDOW, '--out', join(dir, 'out'), '--format', 'csv']);
    expectRefused(refused, 'report', /the API fetch stopped with \d+ of 24 slices unfinished \(their checkpoints are saved\)/);
    const rerun = rerunCommand(refused.stderr);
    expect(rerun).toEqual(['fetch', '--db', db, ...WINDOW, '--prefilter', 'none', '--per-page', '10']);
    expectRefused(await runCliInProcess(['classify', '--db', db]), 'classify', /slices unfinished/);

    await ok(['classify', '--db', db, '--allow-incomplete']);
    const partial = await ok(['report', '--db', db, ...WINDOW, '--out', join(dir, 'partial'), '--format', 'csv', '--allow-incomplete']);
    expect(partial.stdout).toMatch(/Incomplete data set, the counts cover only what was read: the API fetch stopped with \d+ of 24 slices unfinished/);
    const manifest = JSON.parse(readFileSync(join(dir, 'partial', 'manifest.json'), 'utf8'));
    expect(manifest.completeness.state).toBe('incomplete');
    expect(manifest.source.kind).toBe('api');
    expect(manifest.source).not.toHaveProperty('usdSpent');

    server.setBudget(1);
    await ok([...rerun, '--max-rps', '100'], env);
    const clean = join(dir, 'clean.duckdb');
    await ok(['fetch', '--db', clean, ...WINDOW, '--prefilter', 'none', '--per-page', '10', '--max-rps', '100'], env);
    expect(await counts(db)).toBe(await counts(clean));
    expect((await storedState(db)).pending).toBe(0);
  }, 300_000);
});

describe('a database from an older version (no completeness record)', () => {
  it('is used as it is, with a warning, and the summary and manifest say completeness is unknown', async () => {
    const dir = temp();
    const db = join(dir, 'old.duckdb');
    await ok(['fetch', '--db', db, '--snapshot', WORKS_FILE]);
    // What an older version left: the same tables, without the record.
    const store = await Store.open(db);
    await sqlRun(store, "delete from meta where key = 'load'");
    store.close();
    const classified = await ok(['classify', '--db', db]);
    expect(classified.stderr).toContain(`warning: classify: ${UNKNOWN_REASON}`);
    const report = await ok(['report', '--db', db, ...WINDOW, '--out', join(dir, 'out'), '--format', 'csv']);
    expect(report.stdout).toContain(`Completeness unknown: ${UNKNOWN_REASON}.`);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.completeness).toEqual({ state: 'unknown', reason: UNKNOWN_REASON });
  }, 120_000);
});
