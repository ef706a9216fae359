/**
 * The whole `medai-trends run` in API mode, once against a clean local OpenAlex and once against
 * one that fails 10% of requests (5xx, connection resets, truncated bodies): the outputs must be
 * identical. Stalls need a short timeout and are covered in-process (fetcher.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { tempDir } from './helpers.js';

const KEY = 'faults-key';
const ARGS = ['run', '--from', '2010', '--to', '2021', '--countries', 'US,CN', '--format', 'csv', '--max-rps', '100', '--concurrency', '8'];

let clean: OpenAlexServer;
let faulty: OpenAlexServer;
let dir: string;
let runs: CliResult[];

beforeAll(async () => {
  clean = await startOpenAlexServer({ apiKey: KEY });
  faulty = await startOpenAlexServer({ apiKey: KEY, faults: { rate: 0.1, kinds: ['5xx', 'reset', 'truncate'], seed: 42 } });
  dir = await tempDir('medai-faults-');
  runs = await Promise.all(
    [clean, faulty].map((s, i) =>
      runCli([...ARGS, '--db', join(dir, `${i}.duckdb`), '--out', join(dir, `out${i}`)], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: s.url }),
    ),
  );
}, 180_000);
afterAll(async () => {
  await clean?.close();
  await faulty?.close();
});

describe('medai-trends run with 10% of requests failing', () => {
  it('both runs finish, and faults really happened', () => {
    for (const r of runs) {
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(r.code).toBe(0);
    }
    const faults = Object.entries(faulty.stats.outcomes).filter(([k]) => k.startsWith('fault-'));
    expect(faults.map(([k]) => k).sort()).toEqual(['fault-5xx', 'fault-reset', 'fault-truncate']);
    expect(faults.reduce((n, [, v]) => n + v, 0)).toBeGreaterThanOrEqual(5);
  });

  it('writes the same counts.csv and works.csv as the fault-free run', () => {
    for (const file of ['counts.csv', 'works.csv']) {
      const a = readFileSync(join(dir, 'out0', file), 'utf8');
      const b = readFileSync(join(dir, 'out1', file), 'utf8');
      expect(a.split('\n').length).toBeGreaterThan(10);
      expect(b).toBe(a);
    }
    expect(faulty.duplicatePages()).toEqual([]);
  });
});
