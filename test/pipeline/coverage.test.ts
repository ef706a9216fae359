/**
 * A Scope beyond what the fetches covered is refused, one dimension at a time: years, countries,
 * country policy, keywords with a prefilter, types, and years after a snapshot's data date. Each
 * refusal names what is missing and the fetch that gets it; that fetch, run as printed, gives the
 * counts of all the data (a snapshot of the same records). The CLI runs in-process, against the
 * local OpenAlex on the real records.
 */
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS_DIR } from '../../src/classify/keywords.js';
import type { Coverage } from '../../src/pipeline/coverage.js';
import { Store } from '../../src/store/store.js';
import { runCliInProcess, type CliResult } from '../support/cli.js';
import { sqlRun } from '../support/store-sql.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { WORKS_FILE } from '../support/paths.js';

const KEY = 'coverage-key';
const tmp = mkdtempSync(join(tmpdir(), 'medai-coverage-'));
const servers: OpenAlexServer[] = [];
let server: OpenAlexServer;
afterAll(async () => Promise.all(servers.map((s) => s.close())));

const cli = (args: string[], at: OpenAlexServer = server): Promise<CliResult> => runCliInProcess(args, { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: at.url });

async function ok(args: string[], at?: OpenAlexServer): Promise<string> {
  const r = await cli(args, at);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/**
 * Runs the fetch a refusal printed, classifies (with `classifyArgs`) and aggregates `asked`: the
 * counts it returns must be those of all the data.
 */
async function afterPrintedFetch(fetch: string, db: string, asked: string[], classifyArgs: string[] = [], at?: OpenAlexServer): Promise<string> {
  await ok(argsOf(fetch), at);
  await ok(['classify', '--db', db, ...classifyArgs]);
  return ok(['aggregate', '--db', db, ...asked]);
}

/** A refusal: exit 2 (usage), naming each of `lines` and the fetch to run. */
async function refused(args: string[], lines: string[], fetch: string): Promise<string> {
  const r = await cli(args);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code, `${args.join(' ')} was not refused\n${r.stderr}`).toBe(2);
  expect(r.stderr).toContain(`the data in ${args[args.indexOf('--db') + 1]} does not cover what was asked:`);
  for (const line of lines) expect(r.stderr).toContain(`\n  - ${line}`);
  expect(r.stderr).toContain(`\`${fetch}\``);
  expect(r.stdout).toBe('');
  return r.stderr;
}

/** A printed `medai-trends fetch ...` as arguments, fast against the local server. */
const argsOf = (command: string): string[] => [...command.split(' ').slice(1), '--max-rps', '100'];

/** Counts (aggregate's CSV) of a snapshot of `file`: what reading all the data gives. */
async function snapshotCounts(file: string, scope: string[], classify: string[] = []): Promise<string> {
  const db = join(mkdtempSync(join(tmp, 'snap-')), 'db.duckdb');
  await ok(['fetch', '--db', db, '--snapshot', file]);
  await ok(['classify', '--db', db, ...classify]);
  return ok(['aggregate', '--db', db, ...scope]);
}

const US_2015_2021 = ['--from', '2015', '--to', '2021', '--countries', 'US'];
let usDb: string;

/** A copy of the database fetched in beforeAll (US 2015-2021, the shipped prefilter), in a folder of its own. */
function copyOfUs(): string {
  const db = join(mkdtempSync(join(tmp, 'db-')), 'db.duckdb');
  copyFileSync(usDb, db);
  return db;
}

beforeAll(async () => {
  server = await startOpenAlexServer({ worksFile: WORKS_FILE, apiKey: KEY });
  servers.push(server);
  usDb = join(mkdtempSync(join(tmp, 'us-')), 'db.duckdb');
  await ok(['fetch', '--db', usDb, ...US_2015_2021, '--max-rps', '100']);
}, 120_000);

describe('years', () => {
  it('aggregate and report of years not fetched exit 2; the printed fetch gives the counts of all the data', async () => {
    const db = copyOfUs();
    await ok(['classify', '--db', db]);
    const asked = ['--from', '2010', '--to', '2021', '--countries', 'US'];
    const fetch = `medai-trends fetch --db ${db} --from 2010 --to 2021 --countries US`;
    await refused(['aggregate', '--db', db, ...asked], ['years: years 2010-2014 were not fetched'], fetch);
    await refused(['report', '--db', db, ...asked, '--out', join(tmp, 'years-out'), '--format', 'csv'], ['years: years 2010-2014 were not fetched'], fetch);
    // What was fetched is counted as before.
    expect(await ok(['aggregate', '--db', db, ...US_2015_2021])).toMatch(/^year,country,papers,fractional\n2015,US,/);

    const all = await snapshotCounts(WORKS_FILE, asked);
    // Zeros for 2010-2014 would have been wrong.
    expect(all).toMatch(/\n201[0-4],US,[1-9]/);
    expect(await afterPrintedFetch(fetch, db, asked)).toBe(all);
  }, 120_000);
});

describe('countries', () => {
  it('aggregate of a country not fetched exits 2; the printed fetch gives the counts of all the data', async () => {
    const db = copyOfUs();
    await ok(['classify', '--db', db]);
    const asked = ['--from', '2015', '--to', '2021', '--countries', 'US,CN'];
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries US,CN`;
    const message = await refused(['aggregate', '--db', db, ...asked], ['countries: country CN was not fetched'], fetch);
    expect(message).not.toContain('years:');

    const all = await snapshotCounts(WORKS_FILE, asked);
    expect(all).toMatch(/^2017,CN,1,/m);
    expect(await afterPrintedFetch(fetch, db, asked)).toBe(all);
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

    const db = join(mkdtempSync(join(tmp, 'policy-')), 'db.duckdb');
    const asked = ['--from', '2015', '--to', '2021', '--countries', 'US,CN'];
    await ok(['fetch', '--db', db, ...asked, '--max-rps', '100'], hk);
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries CN,US --country-policy fold-hk-mo`;
    await refused(
      ['classify', '--db', db, '--country-policy', 'fold-hk-mo'],
      ['country policy: --country-policy fold-hk-mo counts HK and MO as CN, but HK, MO in 2015-2021 were not fetched (a fetch with that policy fetches them)'],
      fetch,
    );
    // Classified as fetched (separate), nothing is missing.
    await ok(['classify', '--db', db]);

    const all = await snapshotCounts(file, asked, ['--country-policy', 'fold-hk-mo']);
    expect(all).toMatch(/^2017,CN,2,/m);
    expect(await afterPrintedFetch(fetch, db, asked, ['--country-policy', 'fold-hk-mo'], hk)).toBe(all);
  }, 120_000);
});

describe('keywords with a prefilter', () => {
  it('classify with a list broader than the prefilter the fetch used exits 2; the printed fetch searches for it', async () => {
    const db = copyOfUs();
    // The shipped lists plus one AI term that tags more US works of the real records.
    const broader = join(tmp, 'broader-keywords');
    cpSync(DEFAULT_KEYWORDS_DIR, broader, { recursive: true });
    appendFileSync(join(broader, 'ai.en.txt'), '\nsoftware\n');
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries US --keywords ${broader}`;
    await refused(
      ['classify', '--db', db, '--keywords', broader],
      [`keywords: the keyword rule in ${broader} has search terms the fetch's prefilter did not ask for ("software"), so works matching them were never fetched (US in 2015-2021)`],
      fetch,
    );
    // The shipped lists are what the prefilter was built from: nothing is missing.
    await ok(['classify', '--db', db]);

    const all = await snapshotCounts(WORKS_FILE, US_2015_2021, ['--keywords', broader]);
    expect(all).not.toBe(await snapshotCounts(WORKS_FILE, US_2015_2021));
    expect(await afterPrintedFetch(fetch, db, US_2015_2021, ['--keywords', broader])).toBe(all);
  }, 120_000);
});

describe('types', () => {
  it('fetch --types asks the server for those types only; counting other types exits 2', async () => {
    const db = join(mkdtempSync(join(tmp, 'types-')), 'db.duckdb');
    await ok(['fetch', '--db', db, ...US_2015_2021, '--types', 'article', '--max-rps', '100']);
    const store = await Store.open(db);
    const types = new Set<string | null>();
    try {
      for await (const w of store.iterateWorks()) types.add(w.type);
    } finally {
      store.close();
    }
    expect([...types]).toEqual(['article']);
    await ok(['classify', '--db', db]);
    const fetch = `medai-trends fetch --db ${db} --from 2015 --to 2021 --countries US`;
    await refused(
      ['report', '--db', db, ...US_2015_2021, '--out', join(tmp, 'types-out'), '--format', 'csv'],
      ['types: every work type is counted, but the fetch of US in 2015-2021 asked only for article'],
      fetch,
    );
    await refused(
      ['aggregate', '--db', db, ...US_2015_2021, '--types', 'article,review'],
      ['types: types article, review are counted, but the fetch of US in 2015-2021 asked only for article'],
      `${fetch} --types article,review`,
    );
    const articles = [...US_2015_2021, '--types', 'article'];
    expect(await ok(['aggregate', '--db', db, ...articles])).toBe(await snapshotCounts(WORKS_FILE, articles));

    expect(await afterPrintedFetch(fetch, db, US_2015_2021)).toBe(await snapshotCounts(WORKS_FILE, US_2015_2021));
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
    await ok(['fetch', '--db', db, '--snapshot', file]);
    await ok(['classify', '--db', db, '--country-policy', 'fold-hk-mo']);
    const asked = ['--from', '2017', '--countries', 'GB,CN', '--types', 'review'];
    await refused(
      ['aggregate', '--db', db, ...asked, '--to', '2021'],
      ["years: years 2020-2021 are after the snapshot's data date (2019-06-01)"],
      `medai-trends fetch --db ${db} --snapshot <the files of a newer snapshot>`,
    );
    expect(await ok(['aggregate', '--db', db, ...asked, '--to', '2019'])).toMatch(/^2018,GB,0,/m);
    expect(await ok(['aggregate', '--db', db, ...asked, '--to', '2019', '--types', 'article'])).toMatch(/^2018,GB,1,/m);
  });
});

describe('the coverage record', () => {
  it('grows with each API fetch, is replaced by a refresh, and is in the manifest of a report', async () => {
    const db = copyOfUs();
    const gb = ['--from', '2016', '--to', '2017', '--countries', 'GB', '--prefilter', 'none', '--max-rps', '100'];
    await ok(['fetch', '--db', db, ...gb]);
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
    await ok(['classify', '--db', db]);
    const out = join(tmp, 'manifest-out');
    await ok(['report', '--db', db, '--from', '2016', '--to', '2017', '--countries', 'US,GB', '--out', out, '--format', 'csv']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.coverage.kind).toBe('api');
    expect(manifest.coverage.spans).toHaveLength(2);
    expect(manifest.coverage.spans[1]).toEqual({ from: 2016, to: 2017, countries: ['GB'], countryPolicy: 'separate', prefilter: 'none', types: [], perPage: 100 });
    const [prefilter] = Object.values(manifest.coverage.prefilters) as { ai: string[]; ruleHash: string }[];
    expect(prefilter?.ai).toContain('machine learning');
    expect(prefilter?.ruleHash).toMatch(/^[0-9a-f]{12}$/);

    await ok(['fetch', '--db', db, ...gb, '--refresh']);
    expect(await spans()).toEqual(['2016-2017 GB none']);
  }, 120_000);

  it('a database from an older version (no record) is used with a warning', async () => {
    const db = copyOfUs();
    const store = await Store.open(db);
    await sqlRun(store, "delete from meta where key = 'coverage'");
    store.close();
    const old = /warning: (classify|aggregate): this database was filled by an older version of medai-trends, which did not record what its fetch covered/;
    const classified = await cli(['classify', '--db', db]);
    expect(classified.code, classified.stderr).toBe(0);
    expect(classified.stderr).toMatch(old);
    const counted = await cli(['aggregate', '--db', db, '--from', '2010', '--to', '2021', '--countries', 'US,GB']);
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stderr).toMatch(old);
  }, 60_000);
});

describe('--metric share', () => {
  const why = "--metric share divides by all medical-AI papers in the data, but an API fetch holds only works with an author in the countries fetched (US), so the denominator would be those countries' papers, not the world's.";

  it('is refused after an API fetch, saying why, and by run before anything is bought', async () => {
    const db = copyOfUs();
    await ok(['classify', '--db', db]);
    const r = await cli(['report', '--db', db, ...US_2015_2021, '--metric', 'share', '--out', join(tmp, 'share-out'), '--format', 'csv']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(why);
    // Counts of the same data are fine, and report.html does not offer the share either.
    const out = join(tmp, 'count-out');
    await ok(['report', '--db', db, ...US_2015_2021, '--out', out, '--format', 'html']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).not.toContain('value="share"');

    const requests = server.stats.requests;
    const fresh = join(mkdtempSync(join(tmp, 'share-run-')), 'db.duckdb');
    const run = await cli(['run', '--db', fresh, ...US_2015_2021, '--metric', 'share', '--out', join(tmp, 'share-run-out'), '--format', 'csv']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(why);
    expect(server.stats.requests).toBe(requests);
  }, 60_000);

  it('divides by the papers of the snapshot read, and says so', async () => {
    const dir = mkdtempSync(join(tmp, 'share-snap-'));
    const out = join(dir, 'out');
    await ok(['run', '--db', join(dir, 'db.duckdb'), '--snapshot', WORKS_FILE, ...US_2015_2021, '--metric', 'share', '--out', out, '--format', 'csv,json']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.coverage).toEqual({ kind: 'snapshot', files: [WORKS_FILE], dataDate: '2026-05-11' });
    const spec = readFileSync(join(out, 'figure2.vl.json'), 'utf8');
    expect(spec).toContain('"title": "Share of medical-AI papers in the snapshot read"');
    // The chart note, wrapped over lines.
    expect(spec.replace(/",\s*"/g, ' ')).toContain(
      'divided by all medical-AI papers with a known affiliation country in the 1 snapshot file(s) read (data date 2026-05-11)',
    );
  }, 60_000);
});
