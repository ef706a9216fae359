/**
 * The reproduction of "a count beyond what was fetched", through the real CLI against the local
 * OpenAlex: after `fetch --from 2015 --to 2021 --countries US`, an aggregate of 2010-2021 for
 * US,GB,CN used to exit 0 with CN 2017 = 0 and CN 2020 = 0 (reading all the data gives 1 and 1).
 * It stops instead (exit 2), naming the years and countries missing and the fetch that gets them;
 * that fetch, run as printed, gives the counts of the whole data.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { aggregate } from '../../src/pipeline/aggregate.js';
import { classifyStore } from '../../src/pipeline/classify.js';
import { loadFromSnapshot } from '../../src/pipeline/source.js';
import { countsCsv } from '../../src/report/tables.js';
import { Store } from '../../src/store/store.js';
import { runCli, type CliResult } from '../support/cli.js';
import { scopeOf } from '../support/scope.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { WORKS_FILE } from '../support/paths.js';

const KEY = 'coverage-key';
let server: OpenAlexServer | null = null;
afterAll(async () => server?.close());

async function ok(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, env);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

describe('aggregate beyond what was fetched', () => {
  it('exits 2 naming the years and countries missing and the fetch that gets them; that fetch gives the counts of all the data', async () => {
    server = await startOpenAlexServer({ worksFile: WORKS_FILE, apiKey: KEY });
    const env = { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url };
    const dir = mkdtempSync(join(tmpdir(), 'medai-coverage-'));
    const db = join(dir, 'api.duckdb');
    const asked = ['--from', '2010', '--to', '2021', '--countries', 'US,GB,CN'];
    await ok(['fetch', '--db', db, '--from', '2015', '--to', '2021', '--countries', 'US', '--max-rps', '100'], env);
    await ok(['classify', '--db', db]);

    const refused = await runCli(['aggregate', '--db', db, ...asked]);
    expect(refused.stderr).not.toMatch(/unexpected error/);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`aggregate: the data in ${db} does not cover what was asked:`);
    expect(refused.stderr).toContain('  - years: years 2010-2014 were not fetched');
    expect(refused.stderr).toContain('  - countries: countries GB, CN were not fetched');
    const fetch = `medai-trends fetch --db ${db} --from 2010 --to 2021 --countries US,GB,CN`;
    expect(refused.stderr).toContain(`\`${fetch}\`; then classify and aggregate again.`);

    // All the data, read from the snapshot (in-process, to keep this test short): what the counts must be.
    const snap = await Store.open(':memory:');
    let all: string;
    try {
      await loadFromSnapshot(snap, [WORKS_FILE]);
      await classifyStore(snap, await loadKeywordRules(), 'separate');
      const scope = scopeOf({ from: 2010, to: 2021, countries: ['US', 'GB', 'CN'] });
      all = countsCsv((await aggregate(snap, scope)).counts, scope);
    } finally {
      snap.close();
    }
    expect(all).toMatch(/\n2017,CN,1,/);
    expect(all).toMatch(/\n2020,CN,1,/);

    // The printed command, as printed: the slices fetched before are not bought again.
    const pagesBefore = server.stats.pageHits.size;
    await ok([...fetch.split(' ').slice(1), '--max-rps', '100'], env);
    expect(server.duplicatePages()).toEqual([]);
    expect(server.stats.pageHits.size).toBeGreaterThan(pagesBefore);
    await ok(['classify', '--db', db]);
    expect((await ok(['aggregate', '--db', db, ...asked])).stdout).toBe(all);
  }, 120_000);
});
