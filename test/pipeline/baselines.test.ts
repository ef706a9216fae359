/**
 * baselines.csv and --metric per-1000 through the CLI on the real records: a snapshot's baselines
 * against an independent reading of the records; an API fetch's refused per-1000 without
 * baselines (with the command that gets them), then fetched with --baselines from the local server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { runCliInProcess, type CliResult } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { WORKS_FILE } from '../support/paths.js';
import { readCorpus } from '../fetch/helpers.js';

const KEY = 'baselines-key';
const tmp = mkdtempSync(join(tmpdir(), 'medai-baselines-'));
const servers: OpenAlexServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

const SCOPE = ['--from', '2015', '--to', '2021', '--countries', 'US,CN,GB'];

async function ok(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCliInProcess(args, env);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

type Row = Record<string, string>;
const csv = (file: string): Row[] => Papa.parse<Row>(readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true }).data;

describe('baselines', () => {
  it('snapshot: baselines.csv holds every work read per year (WORLD) and per country, medical_ai equals counts.csv, and per-1000 divides by all_works', async () => {
    const db = join(tmp, 'snap.duckdb');
    const out = join(tmp, 'snap-out');
    await ok(['run', '--snapshot', WORKS_FILE, '--db', db, '--out', out, ...SCOPE, '--metric', 'per-1000', '--format', 'csv,svg,html']);
    const rows = csv(join(out, 'baselines.csv'));
    expect(Object.keys(rows[0]!)).toEqual(['year', 'country', 'all_works', 'ai', 'medical', 'medical_ai', 'source']);
    expect(rows).toHaveLength(7 * 4);
    // By year, WORLD first, then the countries in --countries order.
    expect(rows.slice(0, 4).map((r) => `${r.year} ${r.country}`)).toEqual(['2015 WORLD', '2015 US', '2015 CN', '2015 GB']);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['snapshot']));
    // all_works, worked out from the records without the pipeline: works of the year, any country (WORLD) or with it.
    const corpus = readCorpus();
    for (const r of rows) {
      const year = Number(r.year);
      const want = corpus.filter((w) => w.year === year && (r.country === 'WORLD' || w.countries.has(r.country!))).length;
      expect(`${r.year} ${r.country} ${r.all_works}`).toBe(`${r.year} ${r.country} ${want}`);
      expect(Number(r.medical_ai)).toBeLessThanOrEqual(Math.min(Number(r.ai), Number(r.medical)));
    }
    const counts = csv(join(out, 'counts.csv'));
    const per = csv(join(out, 'counts-per-1000.csv'));
    for (const c of counts) {
      const b = rows.find((r) => r.year === c.year && r.country === c.country)!;
      expect(b.medical_ai).toBe(c.papers);
      const p = per.find((r) => r.year === c.year && r.country === c.country)!;
      expect(Number(p.per_1000)).toBeCloseTo((Number(c.papers) / Number(b.all_works)) * 1000, 3);
    }
    // The world's medical-AI papers are at least the largest country's.
    for (const y of ['2015', '2021']) {
      const world = rows.find((r) => r.year === y && r.country === 'WORLD')!;
      expect(Number(world.medical_ai)).toBeGreaterThanOrEqual(Math.max(...rows.filter((r) => r.year === y && r.country !== 'WORLD').map((r) => Number(r.medical_ai))));
    }
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Baselines (baselines.csv) come from the snapshot read');
  });

  it('API: per-1000 is refused without baselines, naming the fetch; fetch --baselines (two-level, or per country when refused) makes it work', async () => {
    for (const refuse of [false, true]) {
      const server = await startOpenAlexServer({ apiKey: KEY, refuseTwoLevelGroupBy: refuse });
      servers.push(server);
      const env = { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url };
      const db = join(tmp, `api-${refuse}.duckdb`);
      const out = join(tmp, `api-${refuse}-out`);
      // run refuses per-1000 without --baselines before buying anything.
      const early = await runCliInProcess(['run', '--db', db, '--out', out, ...SCOPE, '--metric', 'per-1000'], env);
      expect(early.code).toBe(2);
      expect(early.stderr).toContain('--metric per-1000 divides by all works of each country, which an API fetch gets from OpenAlex only with --baselines (stored baselines: none are stored): add --baselines');
      expect(server.stats.requests).toBe(0);
      await ok(['fetch', '--db', db, ...SCOPE, '--max-rps', '100'], env);
      await ok(['classify', '--db', db], env);
      const refused = await runCliInProcess(['report', '--db', db, '--out', out, ...SCOPE, '--metric', 'per-1000'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`run \`medai-trends fetch --baselines --from 2015 --to 2021 --countries US,CN,GB --db ${db}\``);

      const before = server.stats.requests;
      const usdBefore = server.stats.usdSpent;
      const fetched = await ok(['fetch', '--baselines', '--db', db, ...SCOPE, '--max-rps', '100'], env);
      // The slices are all done, so only the baselines are asked for: list-priced group_by calls.
      const calls = server.stats.requests - before;
      expect(fetched.stderr).toMatch(refuse ? /counting per country instead/ : /\(two-level\)/);
      expect(server.stats.usdSpent - usdBefore).toBeCloseTo((calls - (refuse ? 1 : 0)) * 0.0001, 9);

      await ok(['report', '--db', db, '--out', out, ...SCOPE, '--metric', 'per-1000', '--format', 'csv,svg,html'], env);
      // Once stored, run needs no --baselines for per-1000: the stored ones fit its scope.
      await ok(['run', '--db', db, '--out', join(tmp, `api-${refuse}-run`), ...SCOPE, '--metric', 'per-1000', '--format', 'csv', '--max-rps', '100'], env);
      const rows = csv(join(out, 'baselines.csv'));
      const counts = csv(join(out, 'counts.csv'));
      for (const r of rows) {
        expect(r.source).toBe(r.country === 'WORLD' ? 'openalex-search' : 'openalex-search+local-rule');
        const want = readCorpus().filter((w) => w.year === Number(r.year) && (r.country === 'WORLD' || w.countries.has(r.country!))).length;
        expect(Number(r.all_works)).toBe(want);
        // A country's medical_ai is the local rule's count, as in counts.csv.
        if (r.country !== 'WORLD') expect(r.medical_ai).toBe(counts.find((c) => c.year === r.year && c.country === r.country)!.papers);
      }
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain("Baselines (baselines.csv) come from OpenAlex&#39;s counts");
    }
  });
});
