/**
 * Budget exhaustion through the real CLI: `medai-trends fetch` stops with exit code 4 and says
 * when the budget resets; after the reset the same command finishes, buying no page twice.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { sqlRows } from '../support/store-sql.js';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { expectedIds, tempDir } from './helpers.js';

const KEY = 'budget-key';
let server: OpenAlexServer | null = null;
afterAll(async () => server?.close());

describe('medai-trends fetch when the OpenAlex budget runs out', () => {
  it('exits 4 with the reset time, then the next run after the reset finishes the job', async () => {
    server = await startOpenAlexServer({ apiKey: KEY, budgetUsd: 0.002 });
    const dir = await tempDir('medai-budget-');
    const db = join(dir, 'm.duckdb');
    const args = ['fetch', '--prefilter', 'none', '--per-page', '10', '--max-rps', '100', '--db', db];
    const env = { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url };

    const first = await runCliInProcess(args, env);
    expect(first.code).toBe(4);
    expect(first.stderr).toMatch(/OpenAlex budget exhausted .*slices done, checkpoints saved; about \d+ pages \(~\$[\d.]+\) left\. The budget resets at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(first.stderr).not.toContain(KEY);

    server.setBudget(1);
    const second = await runCliInProcess(args, env);
    expect(second.stderr).not.toMatch(/unexpected error/);
    expect(second.code).toBe(0);
    expect(server.duplicatePages()).toEqual([]);

    const store = await Store.open(db);
    try {
      const rows = await sqlRows(store, 'select work_id from works order by work_id');
      expect(rows.map((r) => String(r.work_id))).toEqual(expectedIds(2010, 2021, ['US', 'CN']));
    } finally {
      store.close();
    }
  });
});
