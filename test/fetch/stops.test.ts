/**
 * How a fetch stops and resumes in-process: budget (the server's daily one and --budget-usd),
 * per-second throttling, retries running out, and the keyword prefilter's superset promise.
 * The kill -9 trials, which need a separate process, are in kill.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { loadKeywordRules, searchTerms } from '../../src/classify/keywords.js';
import { ExitCode, UserError } from '../../src/errors.js';
import { fetchWorks, type FetchOptions } from '../../src/fetch/fetcher.js';
import { usableAbstract } from '../support/openalex-data.js';
import { JournalSink } from '../support/journal-sink.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { expectedIds, quiet, readCorpus, tempDir, testOptions } from './helpers.js';

let server: OpenAlexServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function run(dir: string, s: OpenAlexServer, overrides: Partial<FetchOptions> = {}) {
  const sink = await JournalSink.open(join(dir, 'journal.jsonl'));
  try {
    return { sink, summary: await fetchWorks(sink, testOptions(s.url, join(dir, 'data'), { perPage: 5, ...overrides }), quiet), error: null };
  } catch (error) {
    return { sink, summary: null, error };
  }
}

const SCOPE = expectedIds(2010, 2021, ['US', 'CN']);

describe('stopping and resuming', () => {
  it('stops on the server budget 429 with exit code 4 and the reset time; the next run finishes without refetching a page', async () => {
    server = await startOpenAlexServer({ budgetUsd: 0.004 });
    const dir = await tempDir();
    const first = await run(dir, server);
    expect(first.error).toBeInstanceOf(UserError);
    expect((first.error as UserError).exitCode).toBe(ExitCode.budgetExhausted);
    expect((first.error as UserError).message).toMatch(/Insufficient budget.*resets at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(server.stats.outcomes['429-budget']).toBeGreaterThan(0);
    // Part of the scope is stored, with checkpoints for it, and nothing is lost.
    expect(first.sink.works.size).toBeGreaterThan(20);
    expect(first.sink.works.size).toBeLessThan(SCOPE.length);
    const partial = [...first.sink.checkpoints.values()];
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.every((c) => c.pagesDone > 0 && (c.done === (c.cursor === null)))).toBe(true);

    server.setBudget(1);
    const second = await run(dir, server);
    expect(second.error).toBeNull();
    expect([...second.sink.works.keys()].sort()).toEqual(SCOPE);
    expect(second.summary!.slicesSkipped).toBe(partial.filter((c) => c.done).length);
    expect(server.duplicatePages()).toEqual([]);
  });

  it('refuses to start past --budget-usd without --yes; with it, stops at the cap (exit 4) and a rerun finishes', async () => {
    server = await startOpenAlexServer();
    const dir = await tempDir();
    const refused = await run(dir, server, { budgetUsd: 0.003 });
    expect((refused.error as UserError).exitCode).toBe(ExitCode.usage);
    expect((refused.error as UserError).message).toMatch(/exceeds --budget-usd.*--yes/);
    expect(server.stats.pageHits.size).toBe(0);
    const spentBefore = server.stats.usdSpent;
    const requestsBefore = server.stats.requests;

    const capped = await run(dir, server, { budgetUsd: 0.003, yes: true });
    expect((capped.error as UserError).exitCode).toBe(ExitCode.budgetExhausted);
    expect((capped.error as UserError).message).toContain('--budget-usd spent');
    // Never over the cap: exactly 30 calls of $0.0001, the two counting calls included.
    expect(server.stats.usdSpent - spentBefore).toBeCloseTo(0.003, 9);
    expect(server.stats.requests - requestsBefore).toBe(30);
    expect(capped.sink.commits).toBe(28);

    const finished = await run(dir, server, { budgetUsd: 1 });
    expect(finished.error).toBeNull();
    expect([...finished.sink.works.keys()].sort()).toEqual(SCOPE);
    expect(server.duplicatePages()).toEqual([]);
  });

  it('obeys per-second 429s: all workers pause on Retry-After and the result is unchanged', async () => {
    server = await startOpenAlexServer({ maxRps: 25 });
    const dir = await tempDir();
    const { summary, sink, error } = await run(dir, server, { perPage: 25, maxRps: 60 });
    expect(error).toBeNull();
    expect(server.stats.outcomes['429-throttle']).toBeGreaterThan(0);
    expect(summary!.throttled).toBe(server.stats.outcomes['429-throttle']);
    expect([...sink.works.keys()].sort()).toEqual(SCOPE);
    expect(server.duplicatePages()).toEqual([]);
  });

  it('fails with exit code 3 when retries run out, and never records a failed page as empty', async () => {
    server = await startOpenAlexServer({ faults: { rate: 1, kinds: ['5xx', 'truncate'] } });
    const dir = await tempDir();
    const failed = await run(dir, server, { retry: { attempts: 3, baseMs: 1, maxMs: 5 } });
    expect((failed.error as UserError).exitCode).toBe(ExitCode.fetchFailed);
    expect((failed.error as UserError).message).toMatch(/giving up after 3 attempts/);
    expect(failed.sink.commits).toBe(0);

    server.setFaults(null);
    const again = await run(dir, server);
    expect([...again.sink.works.keys()].sort()).toEqual(SCOPE);
  });

  it('the keyword prefilter fetches every work the classifier tags, and far fewer than the whole scope', async () => {
    const rules = await loadKeywordRules();
    server = await startOpenAlexServer();
    const dir = await tempDir();
    const { sink, summary, error } = await run(dir, server, { prefilter: searchTerms(rules), perPage: 100, budgetUsd: 2 });
    expect(error).toBeNull();
    const inScope = new Set(SCOPE);
    const tagged = readCorpus()
      .filter((w) => inScope.has(w.id))
      .filter((w) => {
        const title = typeof w.raw.title === 'string' ? w.raw.title : null;
        return classify({ title, abstract: usableAbstract(w.raw.abstract_inverted_index) }, rules).isMedicalAi;
      })
      .map((w) => w.id);
    expect(tagged.length).toBeGreaterThanOrEqual(10);
    expect(tagged.filter((id) => !sink.works.has(id))).toEqual([]);
    expect(sink.works.size).toBeLessThan(SCOPE.length / 2);
    // Every page carried a search filter and was priced as one; the counting calls (group_by, one per
    // country and keyword chunk) are list-priced whatever their filter holds.
    const countCalls = server.stats.requests - summary!.pages;
    expect(countCalls).toBeGreaterThan(0);
    expect(summary!.usdSpent).toBeCloseTo(summary!.pages * 0.001 + countCalls * 0.0001, 8);
  });
});
