import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, UserError } from '../../src/errors.js';
import { estimate, fetchWorks } from '../../src/fetch/fetcher.js';
import { JournalSink } from '../support/journal-sink.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { countsOf, expectedIds, quiet, tempDir, testOptions } from './helpers.js';

let server: OpenAlexServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function fetchInto(dir: string, s: OpenAlexServer, overrides: Parameters<typeof testOptions>[2] = {}) {
  const sink = await JournalSink.open(join(dir, 'journal.jsonl'));
  const summary = await fetchWorks(sink, testOptions(s.url, join(dir, 'data'), overrides), quiet);
  return { sink, summary };
}

describe('fetchWorks against the local OpenAlex', () => {
  it('fetches exactly the works of the year x country scope, every page once, raw pages kept', async () => {
    server = await startOpenAlexServer();
    const dir = await tempDir();
    const { sink, summary } = await fetchInto(dir, server, { perPage: 10 });
    const expected = expectedIds(2010, 2021, ['US', 'CN']);
    expect(expected.length).toBeGreaterThan(300);
    expect([...sink.works.keys()].sort()).toEqual(expected);
    expect(server.duplicatePages()).toEqual([]);
    expect(summary.slices).toBe(24);
    expect([...sink.checkpoints.values()].every((c) => c.done && c.cursor === null)).toBe(true);
    // The estimate's page count is what the walk took: full pages plus one short or empty page per slice.
    expect(summary.pages).toBe(summary.estimate.pages);
    expect(summary.requests).toBe(summary.pages + 2);
    expect(summary.usdSpent).toBeCloseTo(summary.requests * 0.0001, 8);
    expect(summary.queries.every((q) => !q.includes('test-key'))).toBe(true);

    const rawIds: string[] = [];
    for (const slice of await readdir(join(dir, 'data'))) {
      for (const file of (await readdir(join(dir, 'data', slice))).filter((f) => f.endsWith('.jsonl.gz'))) {
        const text = gunzipSync(await readFile(join(dir, 'data', slice, file))).toString('utf8');
        for (const line of text.split('\n')) if (line) rawIds.push(String((JSON.parse(line) as { id: string }).id).replace('https://openalex.org/', ''));
      }
    }
    expect([...new Set(rawIds)].sort()).toEqual(expected);

    // Run again: every slice is done, so nothing is requested, not even the counts.
    const again = await fetchWorks(sink, testOptions(server.url, join(dir, 'data'), { perPage: 10 }), quiet);
    expect(again.requests).toBe(0);
    expect(again.slicesSkipped).toBe(24);
    expect(again.estimate.works).toBe(summary.worksReceived);

    // --refresh ignores the checkpoints and the kept pages: every page is bought once more.
    const refreshed = await fetchWorks(sink, testOptions(server.url, join(dir, 'data'), { perPage: 10, refresh: true }), quiet);
    expect(refreshed.pages).toBe(summary.pages);
    expect(refreshed.pagesReplayed).toBe(0);
    expect([...server.stats.pageHits.values()].every((n) => n === 2)).toBe(true);
    expect([...sink.works.keys()].sort()).toEqual(expected);
  });

  it('with faults on 10% of requests gives the same ids and counts as a fault-free run', async () => {
    const clean = await startOpenAlexServer();
    const a = await fetchInto(await tempDir(), clean, { perPage: 5 });
    await clean.close();

    server = await startOpenAlexServer({ faults: { rate: 0.1, kinds: ['5xx', 'reset', 'stall', 'truncate'], seed: 7 } });
    const b = await fetchInto(await tempDir(), server, { perPage: 5, timeoutMs: 300 });
    expect(server.stats.requests).toBeGreaterThan(100);
    const faults = Object.entries(server.stats.outcomes).filter(([k]) => k.startsWith('fault-'));
    expect(faults.map(([k]) => k).sort()).toEqual(['fault-5xx', 'fault-reset', 'fault-stall', 'fault-truncate']);
    expect(b.summary.retries).toBe(faults.reduce((n, [, v]) => n + v, 0));
    expect([...b.sink.works.keys()].sort()).toEqual([...a.sink.works.keys()].sort());
    expect(countsOf(b.sink.works.keys(), ['US', 'CN'])).toEqual(countsOf(a.sink.works.keys(), ['US', 'CN']));
    expect(server.duplicatePages()).toEqual([]);
  });

  it('asks group_by for counts that match an independent count, and prices them', async () => {
    server = await startOpenAlexServer();
    const est = await estimate({ baseUrl: server.url, apiKey: 'test-key', from: 2010, to: 2021, countries: ['US', 'CN'], prefilter: null, maxRps: 100 }, quiet);
    expect(est.countRequests).toBe(2);
    const expectedUs = expectedIds(2010, 2021, ['US']).length;
    const expectedCn = expectedIds(2010, 2021, ['CN']).length;
    expect(est.works).toBe(expectedUs + expectedCn);
    expect(est.slices.filter((s) => s.country === 'US').reduce((n, s) => n + s.works, 0)).toBe(expectedUs);
    expect(est.pagesLeft).toBe(est.slices.reduce((n, s) => n + Math.floor(s.works / 100) + 1, 0));
    expect(est.usdLeft).toBeCloseTo(est.pagesLeft * 0.0001, 8);
  });

  it('refuses a wrong key with a usage error that names the variable, not the key', async () => {
    server = await startOpenAlexServer({ apiKey: 'right-key' });
    const err = await fetchInto(await tempDir(), server, { apiKey: 'wrong-key' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    expect((err as UserError).message).toContain('OPENALEX_API_KEY');
    expect((err as UserError).message).not.toContain('wrong-key');
  });
});
