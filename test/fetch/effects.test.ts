/**
 * The fetch speaks only through the effects it is given: quiet effects silence it, and the CLI's
 * effects carry its log lines and progress to the streams the CLI was given.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { quietEffects, streamEffects, type Effects } from '../../src/effects/effects.js';
import { loadFromApi, type ApiSettings } from '../../src/pipeline/source.js';
import { Store } from '../../src/store/store.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { scopeOf } from '../support/scope.js';
import { tempDir } from './helpers.js';

const KEY = 'effects-test-key';

let server: OpenAlexServer;
beforeAll(async () => {
  server = await startOpenAlexServer({ apiKey: KEY });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function fetchWith(effects: Effects): Promise<number> {
  const store = await Store.open(join(await tempDir('medai-effects-'), 'medai.duckdb'));
  const api: ApiSettings = { baseUrl: server.url, apiKey: KEY, budgetUsd: 1, maxRps: 100, concurrency: 4, refresh: false, prefilter: 'keywords', yes: false, perPage: 100 };
  try {
    return (await loadFromApi(store, scopeOf({ from: 2019, to: 2020, countries: ['US'] }), await loadKeywordRules(), api, effects)).worksReceived;
  } finally {
    store.close();
  }
}

describe('fetch effects', () => {
  it('a fetch with quiet effects writes nothing to stderr or stdout', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const stdout = vi.spyOn(process.stdout, 'write');
    const works = await fetchWith(quietEffects);
    const written = [...stderr.mock.calls, ...stdout.mock.calls].map((c) => String(c[0]));
    vi.restoreAllMocks();
    expect(works).toBeGreaterThan(0);
    expect(written).toEqual([]);
  });

  it('with stream effects its plan, progress and end go to the given stderr, not the process', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    let err = '';
    let out = '';
    await fetchWith(streamEffects({ write: (s: string) => (out += s) }, { write: (s: string) => (err += s) }));
    const leaked = stderr.mock.calls.map((c) => String(c[0]));
    vi.restoreAllMocks();
    expect(leaked).toEqual([]);
    expect(out).toBe('');
    const lines = err.trim().split('\n');
    // Two years x one country x 2 AI x 3 medical keyword chunks.
    expect(lines[0]).toMatch(/^fetch: 12 slices \(0 already done; keyword search in 2 AI x 3 medical chunks\)/);
    // Not a terminal: plain progress lines, no bar (no carriage returns or cursor codes).
    expect(lines.some((l) => /^fetch: slices 12\/12, pages \d+\/~\d+, works \d+, \$\d+\.\d{4} spent$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^fetch: done, \d+ pages, \d+ records, \d+ requests/);
    expect(err).not.toMatch(/\r|\x1b\[/);
  });
});
