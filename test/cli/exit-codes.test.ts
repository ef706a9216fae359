/**
 * Every exit code, produced through the real CLI, and the README's exit-code table held to the
 * codes the program defines: a scheduled job branches on these numbers, so each must mean what the
 * table says and none may go undocumented.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { sqlRows, sqlRun } from '../support/store-sql.js';
import { runCli } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';
import { tempDir } from '../fetch/helpers.js';

const KEY = 'exit-codes-key';
const servers: OpenAlexServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

let dir: string;
/** A classified database of the real records, for the commands that read one. */
let classifiedDb: string;
beforeAll(async () => {
  dir = await tempDir('medai-exit-');
  classifiedDb = join(dir, 'classified.duckdb');
  const fetched = await runCli(['fetch', '--snapshot', WORKS_FILE, '--db', classifiedDb]);
  expect(fetched.code).toBe(0);
  const classified = await runCli(['classify', '--db', classifiedDb]);
  expect(classified.code).toBe(0);
}, 120_000);

/** The codes listed in README.md's exit-code table. */
function readmeCodes(): number[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| code | meaning |'));
  const codes: number[] = [];
  for (const line of table.split('\n').slice(2)) {
    const m = /^\| (\d+) \|/.exec(line);
    if (m === null) break;
    codes.push(Number(m[1]));
  }
  return codes;
}

describe('exit codes', () => {
  it('the README table lists exactly the codes the program defines, 0 for success', () => {
    const defined = [ExitCode.ok, ...Object.values(ExitCode)].filter((c, i, all) => all.indexOf(c) === i).sort((a, b) => a - b);
    expect(readmeCodes()).toEqual(defined);
  });

  it('0: done', async () => {
    const r = await runCli(['aggregate', '--db', classifiedDb, '--from', '2019', '--to', '2019']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    expect(r.stdout.split('\n')[0]).toBe('year,country,papers,fractional');
  });

  it('1: a bug is printed with its stack', async () => {
    // A fault no user can cause, injected into the real process: the clock's ISO formatter throws.
    const preload = join(dir, 'bug.mjs');
    writeFileSync(preload, "Date.prototype.toISOString = () => { throw new TypeError('injected fault'); };\n");
    const r = await runCli(['report', '--db', classifiedDb, '--out', join(dir, 'out-bug')], { NODE_OPTIONS: `--import ${preload}` });
    expect(r.code).toBe(ExitCode.bug);
    expect(r.stderr).toMatch(/unexpected error \(a bug/);
    expect(r.stderr).toMatch(/TypeError: injected fault\n\s+at /);
  });

  it('2: bad options, in one line pointing to --help', async () => {
    const r = await runCli(['report', '--frm', '2010']);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--help/);
  });

  it('3: the API kept failing after retries', async () => {
    const server = await startOpenAlexServer({ apiKey: KEY, faults: { rate: 1, kinds: ['5xx'], seed: 3 } });
    servers.push(server);
    const r = await runCli(['fetch', '--from', '2019', '--to', '2019', '--countries', 'US', '--prefilter', 'none', '--db', join(dir, 'failing.duckdb')], {
      OPENALEX_API_KEY: KEY,
      OPENALEX_BASE_URL: server.url,
    });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(ExitCode.fetchFailed);
    expect(r.stderr).toMatch(/giving up after 6 attempts/);
    expect(r.stderr).not.toContain(KEY);
  });

  it('4: the budget is spent, and the message says when it resets', async () => {
    const server = await startOpenAlexServer({ apiKey: KEY, budgetUsd: 0.0015 });
    servers.push(server);
    const r = await runCli(['fetch', '--prefilter', 'none', '--per-page', '10', '--max-rps', '100', '--db', join(dir, 'budget.duckdb')], {
      OPENALEX_API_KEY: KEY,
      OPENALEX_BASE_URL: server.url,
    });
    expect(r.code).toBe(ExitCode.budgetExhausted);
    expect(r.stderr).toMatch(/resets at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('5: counts that fail the full-counting invariant are not published', async () => {
    const db = join(dir, 'broken.duckdb');
    writeFileSync(db, readFileSync(classifiedDb));
    // A paper whose country set holds US twice breaks full counting (one paper, two US counts).
    const store = await Store.open(db);
    try {
      const [row] = await sqlRows(
        store,
        "select work_id from classified where is_medical_ai and year between 2010 and 2021 and list_contains(countries, 'US') order by work_id limit 1",
      );
      expect(row).toBeDefined();
      await sqlRun(store, "update classified set countries = list_append(countries, 'US') where work_id = $id", { id: String(row!.work_id) });
    } finally {
      store.close();
    }
    const out = join(dir, 'out-invariant');
    const r = await runCli(['report', '--db', db, '--out', out]);
    expect(r.code).toBe(ExitCode.invariant);
    expect(r.stderr).toMatch(/invariant failed: full counts for \d{4} add up to/);
    expect(() => readFileSync(join(out, 'counts.csv'))).toThrow();
  });

  it('6: another run holds the output folder, and the message names it', async () => {
    const out = join(dir, 'out-busy');
    // This test process is alive on this host, so its lock is not stale.
    const started = new Date().toISOString();
    writeFileSync(join(dir, '.out-busy.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: started, command: 'medai-trends report' }));
    const r = await runCli(['report', '--db', classifiedDb, '--out', out]);
    expect(r.code).toBe(ExitCode.busy);
    expect(r.stderr).toContain(String(process.pid));
    expect(r.stderr).toContain(hostname());
  });

  it('130: interrupted, saying the same command resumes', async () => {
    const code = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/medai-trends.js'), 'run', '--snapshot', WORKS_FILE, '--db', join(dir, 'interrupted.duckdb'), '--out', join(dir, 'out-int')], {
        cwd: REPO_ROOT,
        env: { ...process.env, OPENALEX_API_KEY: undefined },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // The first progress line: the run is under way, seconds before it can finish.
        if (!sent && stderr.includes('reading ')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stderr }));
    });
    expect(code.code).toBe(ExitCode.interrupted);
    expect(code.stderr).toMatch(/interrupted by SIGINT; .*run the same command again/);
  });
});
