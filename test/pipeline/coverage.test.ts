/**
 * A Scope beyond what the fetches covered is refused, one dimension at a time: years, countries,
 * country policy, keywords with a prefilter, types, and years after a snapshot's data date. Each
 * refusal names what is missing and the fetch that gets it; that fetch, run as printed, gives the
 * counts of all the data (the snapshot of the same records). Run in-process through the pipeline
 * commands, against the local OpenAlex on the real records.
 */
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aggregateCommand, classifyCommand, fetchCommand, reportCommand, runCommand, type CommonFlags } from '../../src/cli/pipeline.js';
import type { FetchFlags, ReportFlags } from '../../src/cli/options.js';
import { DEFAULT_KEYWORDS_DIR } from '../../src/classify/keywords.js';
import { UserError } from '../../src/errors.js';
import type { Coverage } from '../../src/pipeline/coverage.js';
import { Store } from '../../src/store/store.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { WORKS_FILE } from '../support/paths.js';

type Flags = Partial<CommonFlags & FetchFlags & ReportFlags> & { db: string };

const KEY = 'coverage-key';
const tmp = mkdtempSync(join(tmpdir(), 'medai-coverage-'));
const servers: OpenAlexServer[] = [];
let server: OpenAlexServer;
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  vi.unstubAllEnvs();
});

/** Runs a pipeline command in-process, with what it writes to stdout and stderr. */
async function run(command: (o: never) => Promise<void>, o: Flags): Promise<{ stdout: string; stderr: string; error: unknown }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((d) => ((stdout += String(d)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((d) => ((stderr += String(d)), true));
  try {
    await command(o as never);
    return { stdout, stderr, error: null };
  } catch (error) {
    return { stdout, stderr, error };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function ok(command: (o: never) => Promise<void>, o: Flags): Promise<string> {
  const r = await run(command, o);
  if (r.error !== null) throw r.error;
  return r.stdout;
}

/** A refusal: exit 2 (usage), naming each of `lines` and the fetch to run. */
async function refused(command: (o: never) => Promise<void>, o: Flags, lines: string[], fetch: string): Promise<string> {
  const r = await run(command, o);
  expect(r.error, 'the command was not refused').toBeInstanceOf(UserError);
  const e = r.error as UserError;
  expect(e.exitCode).toBe(2);
  expect(e.message).toContain(`the data in ${o.db} does not cover what was asked:`);
  for (const line of lines) expect(e.message).toContain(`\n  - ${line}`);
  expect(e.message).toContain(`\`${fetch}\``);
  expect(r.stdout).toBe('');
  return e.message;
}

/** A printed command as the flags of fetchCommand. */
function flagsOf(command: string): Flags {
  const words = command.split(' ').slice(2);
  const o: Record<string, string> = {};
  for (let i = 0; i < words.length; i += 2) o[words[i]!.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = words[i + 1]!;
  return { ...o, maxRps: '100' } as Flags;
}

/** Counts (aggregate's CSV) of a snapshot of `file`: what reading all the data gives. */
async function snapshotCounts(file: string, scope: Partial<Flags>, classify: Partial<Flags> = {}): Promise<string> {
  const db = join(mkdtempSync(join(tmp, 'snap-')), 'db.duckdb');
  await ok(fetchCommand, { db, snapshot: [file] });
  await ok(classifyCommand, { db, ...classify });
  return ok(aggregateCommand, { db, ...scope });
}

/** A copy of the database fetched in beforeAll, in a folder of its own. */
function copyOfUs(): string {
  const dir = mkdtempSync(join(tmp, 'db-'));
  copyFileSync(usDb, join(dir, 'db.duckdb'));
  return join(dir, 'db.duckdb');
}

const US_2015_2021 = { from: '2015', to: '2021', countries: 'US' };
let usDb: string;

beforeAll(async () => {
  server = await startOpenAlexServer({ worksFile: WORKS_FILE, apiKey: KEY });
  servers.push(server);
  vi.stubEnv('OPENALEX_API_KEY', KEY);
  vi.stubEnv('OPENALEX_BASE_URL', server.url);
  usDb = join(mkdtempSync(join(tmp, 'us-')), 'db.duckdb');
  await ok(fetchCommand, { db: usDb, ...US_2015_2021, maxRps: '100' });
}, 120_000);

describe('years', () => {
  it('aggregate and report of years not fetched exit 2; the printed fetch gives the counts of all the data', async () => {
    const db = copyOfUs();
    await ok(classifyCommand, { db });
    const asked = { from: '2010', to: '2021', countries: 'US' };
    const fetch = `medai-trends fetch --db ${db} --from 2010 --to 2021 --countries US`;
    await refused(aggregateCommand, { db, ...asked }, ['years: years 2010-2014 were not fetched'], fetch);
    await refused(reportCommand, { db, ...asked, out: join(tmp, 'years-out'), format: 'csv' }, ['years: years 2010-2014 were not fetched'], fetch);
    // What was fetched is counted as before.
    expect(await ok(aggregateCommand, { db, ...US_2015_2021 })).toMatch(/^year,country,papers\n2015,US,/);

    const all = await snapshotCounts(WORKS_FILE, asked);
    // Zeros for 2010-2014 would have been wrong.
    expect(all.split('\n').filter((l) => /^201[0-4],US,[1-9]/.test(l)).length).toBeGreaterThan(0);
    await ok(fetchCommand, flagsOf(fetch));
    await ok(classifyCommand, { db });
    expect(await ok(aggregateCommand, { db, ...asked })).toBe(all);
  }, 120_000);
});

describe('countries', () => {
  it('aggregate of a country not fetched exits 2; the printed fetch gives the counts of all the data', async () => {
    const db = copyOfUs();
    await ok(classifyCommand, { db });
    const asked = { from: '2015', to: '2021', countries: 'US,CN' };
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries US,CN`;
    const message = await refused(aggregateCommand, { db, ...asked }, ['countries: countries CN were not fetched'], fetch);
    expect(message).not.toContain('years:');

    const all = await snapshotCounts(WORKS_FILE, asked);
    expect(all).toContain('2017,CN,1\n');
    await ok(fetchCommand, flagsOf(fetch));
    await ok(classifyCommand, { db });
    expect(await ok(aggregateCommand, { db, ...asked })).toBe(all);
  }, 120_000);
});

describe('country policy', () => {
  it('classify --country-policy fold-hk-mo without HK and MO fetched exits 2; the printed fetch adds them', async () => {
    // The real records plus one built from a real one: W2664267452 (2017, CN and HK, medical AI)
    // with only Hong Kong authors, so under fold-hk-mo it counts for China, and only an HK slice finds it.
    const lines = readJsonLineTexts(WORKS_FILE);
    const source = lines.find((l) => l.includes('"https://openalex.org/W2664267452"'))!;
    const hkOnly = source.replace('"https://openalex.org/W2664267452"', '"https://openalex.org/W9000000001"').replaceAll('"CN"', '"HK"');
    const file = join(tmp, 'with-hk.jsonl.gz');
    writeFileSync(file, gzipSync(`${[...lines, hkOnly].join('\n')}\n`));
    const hk = await startOpenAlexServer({ worksFile: file, apiKey: KEY });
    servers.push(hk);
    vi.stubEnv('OPENALEX_BASE_URL', hk.url);
    try {
      const db = join(mkdtempSync(join(tmp, 'policy-')), 'db.duckdb');
      const asked = { from: '2015', to: '2021', countries: 'US,CN' };
      await ok(fetchCommand, { db, ...asked, maxRps: '100' });
      const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries CN,US --country-policy fold-hk-mo`;
      await refused(
        classifyCommand,
        { db, countryPolicy: 'fold-hk-mo' },
        ['country policy: --country-policy fold-hk-mo counts HK and MO as CN, but HK, MO in 2015-2021 were not fetched (a fetch with that policy fetches them)'],
        fetch,
      );
      // Classified as fetched (separate), the counts are those of the data.
      await ok(classifyCommand, { db });

      const all = await snapshotCounts(file, asked, { countryPolicy: 'fold-hk-mo' });
      expect(all).toContain('2017,CN,2\n');
      await ok(fetchCommand, flagsOf(fetch));
      await ok(classifyCommand, { db, countryPolicy: 'fold-hk-mo' });
      expect(await ok(aggregateCommand, { db, ...asked })).toBe(all);
    } finally {
      vi.stubEnv('OPENALEX_BASE_URL', server.url);
    }
  }, 120_000);
});

describe('keywords with a prefilter', () => {
  it('classify with a list broader than the prefilter the fetch used exits 2; the printed fetch searches for it', async () => {
    const db = copyOfUs();
    // The shipped lists plus one AI term that tags four more US works of the real records.
    const broader = join(tmp, 'broader-keywords');
    cpSync(DEFAULT_KEYWORDS_DIR, broader, { recursive: true });
    appendFileSync(join(broader, 'ai.en.txt'), '\nsoftware\n');
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries US --keywords ${broader}`;
    await refused(
      classifyCommand,
      { db, keywords: broader },
      [`keywords: the keyword rule in ${broader} has search terms the fetch's prefilter did not ask for ("software"), so works matching them were never fetched (US in 2015-2021)`],
      fetch,
    );
    // The shipped lists are what the prefilter was built from: no refusal.
    await ok(classifyCommand, { db });

    const all = await snapshotCounts(WORKS_FILE, US_2015_2021, { keywords: broader });
    expect(all).not.toBe(await snapshotCounts(WORKS_FILE, US_2015_2021));
    await ok(fetchCommand, flagsOf(fetch));
    await ok(classifyCommand, { db, keywords: broader });
    expect(await ok(aggregateCommand, { db, ...US_2015_2021 })).toBe(all);
  }, 120_000);
});

describe('types', () => {
  it('fetch --types asks the server for those types only; counting other types exits 2', async () => {
    const db = join(mkdtempSync(join(tmp, 'types-')), 'db.duckdb');
    await ok(fetchCommand, { db, ...US_2015_2021, types: 'article', maxRps: '100' });
    const store = await Store.open(db);
    const types = new Set<string | null>();
    try {
      for await (const w of store.iterateWorks()) types.add(w.type);
    } finally {
      store.close();
    }
    expect([...types]).toEqual(['article']);
    await ok(classifyCommand, { db });
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries US`;
    await refused(reportCommand, { db, ...US_2015_2021, out: join(tmp, 'types-out'), format: 'csv' }, ['types: every work type is counted, but the fetch of US in 2015-2021 asked only for article'], fetch);
    await refused(
      aggregateCommand,
      { db, ...US_2015_2021, types: 'article,review' },
      ['types: types article, review are counted, but the fetch of US in 2015-2021 asked only for article'],
      `${fetch} --types article,review`,
    );
    expect(await ok(aggregateCommand, { db, ...US_2015_2021, types: 'article' })).toBe(await snapshotCounts(WORKS_FILE, { ...US_2015_2021, types: 'article' }));

    await ok(fetchCommand, flagsOf(fetch));
    await ok(classifyCommand, { db });
    expect(await ok(aggregateCommand, { db, ...US_2015_2021 })).toBe(await snapshotCounts(WORKS_FILE, US_2015_2021));
  }, 120_000);
});

describe('a snapshot', () => {
  it('covers every country, type and keyword, and the years up to its data date', async () => {
    const dir = mkdtempSync(join(tmp, 'dated-'));
    const file = join(dir, 'works.jsonl');
    const work = (id: string, year: number) =>
      JSON.stringify({
        id: `https://openalex.org/${id}`,
        publication_year: year,
        type: 'article',
        title: 'Deep learning for the diagnosis of lung cancer',
        updated_date: '2019-06-01T00:00:00',
        authorships: [{ countries: ['GB'], institutions: [{ country_code: 'GB' }] }],
      });
    writeFileSync(file, `${[work('W1', 2018), work('W2', 2019)].join('\n')}\n`);
    const db = join(dir, 'db.duckdb');
    await ok(fetchCommand, { db, snapshot: [file] });
    await ok(classifyCommand, { db, countryPolicy: 'fold-hk-mo' });
    const asked = { from: '2017', to: '2021', countries: 'GB,CN', types: 'review' };
    await refused(aggregateCommand, { db, ...asked }, ["years: years 2020-2021 are after the snapshot's data date (2019-06-01)"], `medai-trends fetch --db ${db} --snapshot <the files of a newer snapshot>`);
    expect(await ok(aggregateCommand, { db, ...asked, to: '2019' })).toContain('2018,GB,0\n');
    expect(await ok(aggregateCommand, { db, ...asked, to: '2019', types: 'article' })).toContain('2018,GB,1\n');
  });
});

describe('the coverage record', () => {
  it('grows with each API fetch, is replaced by a refresh, and is in the manifest of a report', async () => {
    const db = copyOfUs();
    await ok(fetchCommand, { db, from: '2016', to: '2017', countries: 'GB', prefilter: 'none', maxRps: '100' });
    const spans = async () => {
      const store = await Store.open(db);
      try {
        const c = (await store.getMeta<{ covered: Coverage | null }>('coverage'))?.covered;
        return c?.kind === 'api' ? c.spans.map((s) => `${s.from}-${s.to} ${s.countries.join(',')} ${s.prefilter === 'none' ? 'none' : 'keywords'}`) : c;
      } finally {
        store.close();
      }
    };
    expect(await spans()).toEqual(['2015-2021 US keywords', '2016-2017 GB none']);
    await ok(classifyCommand, { db });
    const out = join(tmp, 'manifest-out');
    await ok(reportCommand, { db, from: '2016', to: '2017', countries: 'US,GB', out, format: 'csv' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.coverage.kind).toBe('api');
    expect(manifest.coverage.spans).toHaveLength(2);
    expect(manifest.coverage.spans[1]).toEqual({ from: 2016, to: 2017, countries: ['GB'], countryPolicy: 'separate', prefilter: 'none', types: [], perPage: 100 });
    const [prefilter] = Object.values(manifest.coverage.prefilters) as { ai: string[]; ruleHash: string }[];
    expect(prefilter?.ai).toContain('machine learning');
    expect(prefilter?.ruleHash).toMatch(/^[0-9a-f]{12}$/);

    await ok(fetchCommand, { db, from: '2016', to: '2017', countries: 'GB', prefilter: 'none', refresh: true, maxRps: '100' });
    expect(await spans()).toEqual(['2016-2017 GB none']);
  }, 120_000);

  it('a database from an older version (no record) is used with a warning', async () => {
    const db = copyOfUs();
    const store = await Store.open(db);
    await store.connection.run("delete from meta where key = 'coverage'");
    store.close();
    const classified = await run(classifyCommand, { db });
    expect(classified.error).toBeNull();
    expect(classified.stderr).toMatch(/warning: classify: this database was filled by an older version of medai-trends, which did not record what its fetch covered/);
    const counted = await run(aggregateCommand, { db, from: '2010', to: '2021', countries: 'US,GB' });
    expect(counted.error).toBeNull();
    expect(counted.stderr).toMatch(/warning: aggregate: this database was filled by an older version of medai-trends, which did not record what its fetch covered/);
  }, 60_000);
});

describe('--metric share', () => {
  it('is refused after an API fetch, saying why, and by run before anything is bought', async () => {
    const db = copyOfUs();
    await ok(classifyCommand, { db });
    const r = await run(reportCommand, { db, ...US_2015_2021, metric: 'share', out: join(tmp, 'share-out'), format: 'csv' });
    expect(r.error).toBeInstanceOf(UserError);
    expect((r.error as UserError).exitCode).toBe(2);
    expect((r.error as UserError).message).toMatch(/^--metric share divides by all medical-AI papers in the data, but an API fetch holds only works with an author in the countries fetched \(US\), so the denominator would be those countries' papers, not the world's\./);

    const requests = server.stats.requests;
    const fresh = join(mkdtempSync(join(tmp, 'share-run-')), 'db.duckdb');
    const runShare = await run(runCommand, { db: fresh, ...US_2015_2021, metric: 'share', out: join(tmp, 'share-run-out'), format: 'csv' });
    expect((runShare.error as UserError).message).toContain('(US)');
    expect(server.stats.requests).toBe(requests);
  }, 60_000);

  it('divides by the papers of the snapshot read', async () => {
    const dir = mkdtempSync(join(tmp, 'share-snap-'));
    mkdirSync(join(dir, 'out'));
    const db = join(dir, 'db.duckdb');
    await ok(runCommand, { db, snapshot: [WORKS_FILE], ...US_2015_2021, metric: 'share', out: join(dir, 'out'), format: 'csv' });
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.coverage).toEqual({ kind: 'snapshot', files: [WORKS_FILE], dataDate: '2026-05-11' });
  }, 60_000);
});
