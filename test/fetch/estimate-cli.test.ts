/** `medai-trends estimate` through the real CLI against the local OpenAlex. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { expectedIds } from './helpers.js';

const KEY = 'estimate-key';
let server: OpenAlexServer;
beforeAll(async () => {
  server = await startOpenAlexServer({ apiKey: KEY });
});
afterAll(async () => server?.close());

describe('medai-trends estimate', () => {
  it('prints works, pages and USD per year x country that match an independent count, spending only counting calls', async () => {
    const env = { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url };
    const r = await runCliInProcess(['estimate', '--from', '2015', '--to', '2020', '--countries', 'US,CN', '--prefilter', 'none', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const est = JSON.parse(r.stdout) as { works: number; pagesLeft: number; usdLeft: number; countRequests: number; withinBudget: boolean; slices: { year: number; country: string; works: number }[] };
    expect(est.works).toBe(expectedIds(2015, 2020, ['US']).length + expectedIds(2015, 2020, ['CN']).length);
    expect(est.slices.find((s) => s.year === 2020 && s.country === 'CN')!.works).toBe(expectedIds(2020, 2020, ['CN']).length);
    expect(est.countRequests).toBe(2);
    expect(est.withinBudget).toBe(true);
    expect(server.stats.pageHits.size).toBe(0);

    const table = await runCliInProcess(['estimate', '--from', '2015', '--to', '2020', '--countries', 'US,CN', '--budget-usd', '0.05'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^year country +works +pages +usd\n2015 CN /);
    expect(table.stdout).toMatch(/exceeds --budget-usd \$0\.05:/);
    expect(table.stdout + table.stderr).not.toContain(KEY);
  });

  it('without a key says how to get one, exit code 2', async () => {
    const r = await runCliInProcess(['estimate'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OPENALEX_API_KEY/);
  });
});
