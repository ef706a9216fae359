/**
 * `medai-trends reconcile` through the CLI against the local OpenAlex server over the real records:
 * right after a fetch every count agrees; works added at OpenAlex since show as "now" above "at
 * fetch"; works lost from the store exit 5; a database without fetch-time counts says so. Snapshot
 * mode against a manifest laid out as OpenAlex writes it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { planSlices } from '../../src/fetch/planner.js';
import { checkParts } from '../../src/ingest/manifest.js';
import { filterWithYear, type ApiReconcile, type SnapshotReconcile } from '../../src/pipeline/reconcile.js';
import { Store } from '../../src/store/store.js';
import { runCliInProcess } from '../support/cli.js';
import { openAlexDataDir, readJsonLineTexts } from '../support/openalex-data.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { sqlRun } from '../support/store-sql.js';
import { readCorpus, tempDir } from '../fetch/helpers.js';

const KEY = 'reconcile-key';
const FROM = 2017;
const TO = 2021;
const COUNTRIES = ['US', 'CN'];
const servers: OpenAlexServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

/** Works of the real records a slice (year x country, every type, no prefilter) matches. */
function corpusCount(year: number, country: string, extra: { year: number; countries: string[] }[] = []): number {
  return readCorpus().filter((w) => w.year === year && w.countries.has(country)).length + extra.filter((w) => w.year === year && w.countries.includes(country)).length;
}

async function reconcileJson(db: string, env: Record<string, string>, more: string[] = []): Promise<{ code: number | null; stderr: string; result: ApiReconcile }> {
  const r = await runCliInProcess(['reconcile', '--db', db, '--max-rps', '100', '--json', ...more], env);
  return { code: r.code, stderr: r.stderr, result: JSON.parse(r.stdout) as ApiReconcile };
}

describe('reconcile, API mode', () => {
  let db: string;
  let env: Record<string, string>;
  let server: OpenAlexServer;

  beforeAll(async () => {
    server = await startOpenAlexServer({ apiKey: KEY });
    servers.push(server);
    db = join(await tempDir('medai-reconcile-'), 'm.duckdb');
    env = { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url };
    const fetched = await runCliInProcess(['fetch', '--db', db, '--prefilter', 'none', '--from', String(FROM), '--to', String(TO), '--countries', COUNTRIES.join(','), '--max-rps', '100'], env);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect((await runCliInProcess(['classify', '--db', db], env)).code).toBe(0);
  });

  it('right after the fetch: OpenAlex now = at fetch = stored for every cell, in one list-priced call per country', async () => {
    const before = { requests: server.stats.requests, usd: server.stats.usdSpent };
    const { code, result } = await reconcileJson(db, env);
    expect(code).toBe(0);
    // No prefilter: one slice per year x country, counted by one group_by call per country.
    expect(server.stats.requests - before.requests).toBe(COUNTRIES.length);
    expect(result.requests).toBe(COUNTRIES.length);
    expect(server.stats.usdSpent - before.usd).toBeCloseTo(COUNTRIES.length * 0.0001, 10);
    expect(result.cells).toHaveLength((TO - FROM + 1) * COUNTRIES.length);
    for (const c of result.cells) {
      const expected = corpusCount(c.year, c.country);
      expect([c.year, c.country, c.now, c.atFetch, c.stored, c.lost]).toEqual([c.year, c.country, expected, expected, expected, false]);
    }
    // The real records have works in the window: the test would not notice a count of zeros otherwise.
    expect(result.cells.reduce((n, c) => n + c.stored, 0)).toBeGreaterThan(10);
  });

  it('works added at OpenAlex since the fetch show as now > at fetch, with that cause, and exit 0', async () => {
    // A second OpenAlex: the same records plus three new works of 2020 with a US author.
    const texts = readJsonLineTexts(join(openAlexDataDir(), 'works.jsonl.gz'));
    const template = JSON.parse(texts.find((t) => (JSON.parse(t) as { publication_year?: number }).publication_year === 2020) ?? texts[0]!) as Record<string, unknown>;
    const added = [1, 2, 3].map((i) => ({
      ...template,
      id: `https://openalex.org/W99999999${i}`,
      publication_year: 2020,
      publication_date: '2020-06-01',
      authorships: [{ countries: ['US'], institutions: [{ country_code: 'US' }] }],
    }));
    const file = join(await tempDir('medai-reconcile-more-'), 'works.jsonl');
    await writeFile(file, [...texts, ...added.map((w) => JSON.stringify(w))].join('\n'));
    const later = await startOpenAlexServer({ apiKey: KEY, worksFile: file });
    servers.push(later);
    const { code, result } = await reconcileJson(db, { ...env, OPENALEX_BASE_URL: later.url });
    expect(code).toBe(0);
    const cell = result.cells.find((c) => c.year === 2020 && c.country === 'US')!;
    const before = corpusCount(2020, 'US');
    expect([cell.atFetch, cell.now, cell.stored]).toEqual([before, before + 3, before]);
    expect(cell.causes.join('; ')).toContain('3 more at OpenAlex than when fetched: works added');
    // Every other cell is as it was.
    for (const c of result.cells.filter((x) => !(x.year === 2020 && x.country === 'US'))) expect(c.now).toBe(c.atFetch);
    expect(result.countedAt).toBe(later.url);
    expect(result.fetchedFrom).toBe(server.url);
  });

  it('--countries and --from/--to narrow the cells and the calls', async () => {
    const before = server.stats.requests;
    const { code, result } = await reconcileJson(db, env, ['--countries', 'CN', '--from', '2020', '--to', '2021']);
    expect(code).toBe(0);
    expect(result.cells.map((c) => `${c.year} ${c.country}`)).toEqual(['2020 CN', '2021 CN']);
    expect(server.stats.requests - before).toBe(1);
  });

  it('a page lost from the store (its works deleted) is flagged and exits 5 with the refetch command', async () => {
    const year = 2021;
    const stored = corpusCount(year, 'US');
    expect(stored).toBeGreaterThan(1);
    const store = await Store.open(db);
    try {
      // Delete two stored works of 2021 with a US author: as if one short page had never been committed.
      await sqlRun(
        store,
        `delete from works where work_id in (select work_id from works where year = ${year} and (json_extract_string(authorships, '$[*].countries[*]') @> ['US'] or json_extract_string(authorships, '$[*].institutionCountries[*]') @> ['US']) order by work_id limit 2)`,
      );
    } finally {
      store.close();
    }
    const { code, stderr, result } = await reconcileJson(db, env);
    expect(code).toBe(ExitCode.invariant);
    const cell = result.cells.find((c) => c.year === year && c.country === 'US')!;
    expect([cell.stored, cell.atFetch, cell.lost]).toEqual([stored - 2, stored, true]);
    expect(cell.causes[0]).toMatch(/^PAGES LOST/);
    expect(result.slices.filter((s) => s.lost).map((s) => `${s.year} ${s.country}`)).toEqual([`${year} US`]);
    expect(stderr).toMatch(/invariant failed: 1 slice\(s\) hold fewer works than OpenAlex counted when they were fetched/);
    expect(stderr).toContain(`${year}-US-`);
    expect(stderr).toMatch(/fetch --db \S+ --from 2017 --to 2021 --countries CN,US --prefilter none --refresh/);

    // The table says it too.
    const table = await runCliInProcess(['reconcile', '--db', db, '--max-rps', '100'], env);
    expect(table.code).toBe(ExitCode.invariant);
    expect(table.stdout).toMatch(new RegExp(`^${year} US .*PAGES LOST`, 'm'));
    expect(table.stdout).toMatch(/pages lost in 1 slice\(s\): 2021-US-\w+ \(\d+ stored \+ 0 set aside < \d+ when fetched\)/);
  });

  it('without fetch-time counts (a database of an older version) it says so and cannot call pages lost', async () => {
    const store = await Store.open(db);
    try {
      await sqlRun(store, 'update checkpoints set expected = null');
    } finally {
      store.close();
    }
    const { code, result } = await reconcileJson(db, env);
    expect(code).toBe(0);
    expect(result.cells.every((c) => c.atFetch === null && !c.lost)).toBe(true);
    expect(result.cells[0]!.causes).toContain('the count at fetch time was not recorded (fetched by an older version)');
  });
});

describe('the count query counts what each slice fetched', () => {
  it.each([null, { ai: ['deep learning', 'neural network', 'machine learning'], medical: ['cancer', 'clinical', 'patient'] }])('prefilter %j: every slice filter is its count query\'s with the year', (prefilter) => {
    const plan = planSlices({ baseUrl: 'https://api.openalex.org', from: 2010, to: 2021, countries: ['US', 'CN'], prefilter, types: ['article'] });
    for (const slice of plan.slices) {
      const count = plan.countQueries.filter((q) => q.country === slice.country && q.chunk === slice.chunk);
      expect(count).toHaveLength(1);
      expect(filterWithYear(count[0]!.query, '2015')).toBe(filterWithYear(slice.query, '2015'));
      expect(new URL(count[0]!.query).searchParams.get('filter')).toContain('publication_year:2010-2021');
    }
  });
});

describe('checkpoints made before the fetch-time count', () => {
  it('an older database gains the column, its checkpoints with no count', async () => {
    const db = join(await tempDir('medai-reconcile-old-'), 'old.duckdb');
    const store = await Store.open(db);
    await sqlRun(store, 'drop table checkpoints');
    await sqlRun(store, 'create table checkpoints (slice_id varchar primary key, query varchar not null, cursor varchar, pages_done integer not null, works_stored integer not null, done boolean not null)');
    await sqlRun(store, "insert into checkpoints values ('s', 'q', null, 1, 5, true)");
    store.close();
    const again = await Store.open(db);
    try {
      expect(await again.getCheckpoint('s')).toEqual({ sliceId: 's', query: 'q', cursor: null, pagesDone: 1, worksStored: 5, done: true });
      await again.commitBatch({ works: [], rejects: [], recordsRead: 0, checkpoint: { sliceId: 't', query: 'q', cursor: null, pagesDone: 1, worksStored: 7, done: true, expected: 9 } });
      expect((await again.getCheckpoint('t'))?.expected).toBe(9);
    } finally {
      again.close();
    }
  });
});

describe('reconcile, snapshot mode', () => {
  /** A snapshot folder as OpenAlex lays it out: works/manifest.json and works/updated_date=…/part_000N.gz. */
  async function snapshot(manifestCounts: Record<string, number> | null): Promise<{ root: string; works: string; lines: number[] }> {
    const root = await tempDir('medai-reconcile-snap-');
    const works = join(root, 'data', 'jsonl', 'works');
    const texts = readJsonLineTexts(join(openAlexDataDir(), 'works.jsonl.gz'));
    const lines = [7, 5];
    let at = 0;
    for (const [i, n] of lines.entries()) {
      const dir = join(works, `updated_date=2026-01-0${i + 1}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'part_0000.gz'), gzipSync(`${texts.slice(at, at + n).join('\n')}\n`));
      at += n;
    }
    if (manifestCounts !== null) {
      const entries = Object.entries(manifestCounts).map(([part, n]) => ({ url: `s3://openalex/data/jsonl/works/${part}`, meta: { content_length: 1, record_count: n } }));
      await writeFile(join(works, 'manifest.json'), JSON.stringify({ entries, meta: { content_length: entries.length, record_count: 0 } }));
    }
    return { root, works, lines };
  }

  it('parts whose record count differs from the manifest exit 5; parts listed and not read are named', async () => {
    const { root, works } = await snapshot({ 'updated_date=2026-01-01/part_0000.gz': 7, 'updated_date=2026-01-02/part_0000.gz': 6, 'updated_date=2026-01-03/part_0000.gz': 4 });
    const db = join(root, 'm.duckdb');
    expect((await runCliInProcess(['fetch', '--db', db, '--snapshot', works])).code).toBe(0);
    const r = await runCliInProcess(['reconcile', '--db', db, '--json'], {});
    expect(r.code).toBe(ExitCode.invariant);
    const result = JSON.parse(r.stdout) as SnapshotReconcile;
    expect(result.manifest).toBe(join(works, 'manifest.json'));
    expect(result.parts).toEqual([
      { part: 'updated_date=2026-01-01/part_0000.gz', manifest: 7, read: 7 },
      { part: 'updated_date=2026-01-02/part_0000.gz', manifest: 6, read: 5 },
      { part: 'updated_date=2026-01-03/part_0000.gz', manifest: 4, read: null },
    ]);
    expect(r.stderr).toContain('1 snapshot part(s) read with another record count than the manifest lists: updated_date=2026-01-02/part_0000.gz (5 read, 6 listed)');
    const table = await runCliInProcess(['reconcile', '--db', db], {});
    expect(table.stdout).toMatch(/updated_date=2026-01-03\/part_0000\.gz\s+4\s+-\s+listed in the manifest, not read/);
    expect(table.stdout).toMatch(/updated_date=2026-01-02\/part_0000\.gz\s+6\s+5\s+-1\s+RECORDS DIFFER/);
  });

  it('with no manifest: the records read per file, and a line saying there is none (exit 0)', async () => {
    const { root, works } = await snapshot(null);
    const db = join(root, 'm.duckdb');
    expect((await runCliInProcess(['fetch', '--db', db, '--snapshot', works])).code).toBe(0);
    const r = await runCliInProcess(['reconcile', '--db', db], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no snapshot manifest/);
    expect(r.stdout).toMatch(/updated_date=2026-01-01\/part_0000\.gz\s+-\s+7/);
    expect(r.stdout).toMatch(/updated_date=2026-01-02\/part_0000\.gz\s+-\s+5/);
  });

  it('matches manifest URLs by the path below the manifest folder', () => {
    const manifest = { path: '/s/works/manifest', entries: [{ url: 's3://openalex/data/works/updated_date=2024-01-01/part_000.gz', bytes: 1, records: 3 }] };
    expect(checkParts(manifest, [{ path: '/s/works/updated_date=2024-01-01/part_000.gz', records: 3 }, { path: '/s/works/extra/part_001.gz', records: 2 }])).toEqual([
      { part: 'updated_date=2024-01-01/part_000.gz', manifest: 3, read: 3 },
      { part: 'extra/part_001.gz', manifest: null, read: 2 },
    ]);
  });
});
