/**
 * `medai-trends refresh` end to end, every case through the package's bin in a child process:
 * against the local OpenAlex whose data moves between refreshes (works updated into another year
 * or country, one new, two deleted), against a two-release snapshot folder, two refreshes started
 * together, kill -9 while release 2 is read, --fail-on-change and a config file with no flags.
 *
 * What the counts should do is computed here from the records and the fixture's change (which
 * works moved where), with the classifier as the oracle of which works are medical-AI papers;
 * never from the tool's own diff.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import { ExitCode } from '../../src/errors.js';
import { pagesFor } from '../../src/fetch/planner.js';
import { seededRandom } from '../../src/random.js';
import { readCorpus, type CorpusWork } from '../fetch/helpers.js';
import { runCli, spawnCli, type CliResult } from '../support/cli.js';
import { usableAbstract } from '../support/openalex-data.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { buildFixture, expectedWorks, rawCountries, RELEASE_2, short, writeRelease, type Fixture, type RawWork, type Release } from '../support/snapshot-release.js';

const LIST_USD = 0.0001;
const RUN_ID = /\d{8}T\d{6}Z-[0-9a-f]{4}/g;

let rules: KeywordRules;
let fixture: Fixture;
const servers: OpenAlexServer[] = [];
beforeAll(async () => {
  rules = await loadKeywordRules();
  fixture = buildFixture();
});
afterAll(async () => Promise.all(servers.map((s) => s.close())));

/** The oracle of what counts: the classifier on the record's own title and abstract. */
function medicalAi(raw: Record<string, unknown>): boolean {
  const title = typeof raw.title === 'string' ? raw.title : typeof raw.display_name === 'string' ? raw.display_name : null;
  return classify({ title, abstract: usableAbstract(raw.abstract_inverted_index) }, rules).isMedicalAi;
}

/** Medical-AI works per `year country` in a set of raw records, full counting. */
function paperCounts(records: Iterable<RawWork>, from: number, to: number, countries: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of records) {
    if (w.publication_year < from || w.publication_year > to || !medicalAi(w)) continue;
    const cs = rawCountries(w);
    for (const c of countries) if (cs.has(c)) out.set(`${w.publication_year} ${c}`, (out.get(`${w.publication_year} ${c}`) ?? 0) + 1);
  }
  return out;
}

/** after - before, per cell, without the zeros. */
function changes(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const d = (after.get(k) ?? 0) - (before.get(k) ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function csvRows(path: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data;
}

/** counts.csv as `year country` -> papers. */
function countsCsv(text: string): Map<string, number> {
  const rows = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
  return new Map(rows.map((r) => [`${r.year} ${r.country}`, Number(r.papers)]));
}

/** Cell by cell: counts.csv after - counts.csv before, without the zeros. */
function csvChanges(before: string, after: string): Record<string, number> {
  const a = countsCsv(after);
  const b = countsCsv(before);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  return changes(b, a);
}

function diffCsvChanges(dbDir: string, runId: string): { all: Record<string, string>[]; moved: Record<string, number> } {
  const all = csvRows(join(dbDir, 'runs', runId, 'diff.csv'));
  const moved: Record<string, number> = {};
  for (const r of all) {
    expect(Number(r.after) - Number(r.before)).toBe(Number(r.change));
    if (Number(r.change) !== 0) moved[`${r.year} ${r.country}`] = Number(r.change);
  }
  return { all, moved };
}

function manifestOf(dbDir: string, runId: string): Record<string, unknown> & { settings: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(dbDir, 'runs', runId, 'manifest.json'), 'utf8')) as Record<string, unknown> & { settings: Record<string, unknown> };
}

/** The run id a human run names on stderr ("run <id> recorded in ..." or "run <id>: no change since ..."). */
function runIdOf(r: CliResult): string {
  const m = /^run (\d{8}T\d{6}Z-[0-9a-f]{4})(?: recorded in|: no change since)/m.exec(r.stderr);
  if (!m) throw new Error(`no run id in:\n${r.stderr}`);
  return m[1]!;
}

function ok(r: CliResult): void {
  expect(r.stderr, r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  expect(r.code, r.stderr).toBe(0);
}

/** File name -> sha256 of a folder. */
function hashes(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(folder).sort()) out.set(f, createHash('sha256').update(readFileSync(join(folder, f))).digest('hex'));
  return out;
}

function mtimes(folder: string): Map<string, number> {
  return new Map(readdirSync(folder).sort().map((f) => [f, statSync(join(folder, f)).mtimeMs]));
}

// ---------------------------------------------------------------------------------------------
// 1. The API
// ---------------------------------------------------------------------------------------------

const API_FROM = 2018;
const API_TO = 2021;
const PER_PAGE = 5;

/** A medical-AI work of `year` whose only country is `country`, not among `skip`. */
function soleCountryPaper(year: number, country: string, skip: readonly string[]): CorpusWork {
  const w = readCorpus().find((c) => c.year === year && c.countries.size === 1 && c.countries.has(country) && !skip.includes(c.id) && medicalAi(c.raw));
  if (w === undefined) throw new Error(`no medical-AI ${year} ${country}-only work in the corpus`);
  return w;
}

/**
 * OpenAlex moved, in papers the report counts (of the few medical-AI papers with one country in
 * 2018-2021): W_year from 2021 to 2020 (US), W_country from US to CN (2021), a new 2019 US paper,
 * and a 2020 CN and a 2021 US paper deleted. The changed works carry today's updated_date: the
 * refresh asks for the works updated since its last fetch, today.
 */
function apiChange(): { records: RawWork[]; before: RawWork[]; deleted: string[] } {
  const before = readCorpus().map((w) => w.raw as RawWork);
  const updated = `${new Date().toISOString().slice(0, 10)}T00:00:01.000000`;
  const year = soleCountryPaper(2021, 'US', []);
  const country = soleCountryPaper(2021, 'US', [year.id]);
  const template = soleCountryPaper(2019, 'US', []);
  const deleted = [soleCountryPaper(2020, 'CN', []).id, soleCountryPaper(2021, 'US', [year.id, country.id]).id];
  const records: RawWork[] = [];
  for (const w of readCorpus()) {
    if (deleted.includes(w.id)) continue;
    let raw = w.raw as RawWork;
    if (w.id === year.id) raw = { ...raw, publication_year: 2020, publication_date: '2020-03-01', updated_date: updated };
    if (w.id === country.id) raw = { ...(JSON.parse(JSON.stringify(raw).replaceAll('"US"', '"CN"')) as RawWork), updated_date: updated };
    records.push(raw);
  }
  records.push({ ...(template.raw as RawWork), id: 'https://openalex.org/W9999999999', updated_date: updated });
  return { records, before, deleted };
}

/** Works of a slice (year, any country of the work) among records, as the server's filter matches them. */
function sliceSize(records: readonly RawWork[], year: number, country: string): number {
  return records.filter((w) => w.publication_year === year && rawCountries(w).has(country)).length;
}

/** The list pages served since `from`, as `year country` (+ ` since` for a walk of the updated works). */
function pagesServed(server: OpenAlexServer, from: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of server.stats.pageLog.slice(from)) {
    const filter = /^filter=([^|]*)/.exec(p.key)![1]!;
    const key = `${/publication_year:(\d{4})/.exec(filter)![1]} ${/authorships\.countries:([A-Z]{2})/.exec(filter)![1]}${filter.includes('from_updated_date:') ? ' since' : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe.sequential('refresh from the API (local OpenAlex, data moving between refreshes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medai-e2e-refresh-api-'));
  const db = join(dir, 'medai.duckdb');
  const out = join(dir, 'reports');
  const args = ['refresh', '--from', String(API_FROM), '--to', String(API_TO), '--countries', 'US,CN', '--prefilter', 'none', '--per-page', String(PER_PAGE), '--max-rps', '100', '--format', 'csv,json', '--db', db, '--out', out];
  let server: OpenAlexServer;
  let env: Record<string, string>;
  const ids: string[] = [];
  let firstCounts = '';
  let secondCounts = '';

  it('first refresh of an empty database: a full fetch and a report', async () => {
    server = await startOpenAlexServer({ apiKey: 'k' });
    servers.push(server);
    env = { OPENALEX_API_KEY: 'k', OPENALEX_BASE_URL: server.url };
    const r = await runCli(args, env);
    ok(r);
    ids.push(runIdOf(r));
    firstCounts = readFileSync(join(out, 'counts.csv'), 'utf8');
    // counts.csv is the oracle's count of the records the server holds.
    const expected = paperCounts(readCorpus().map((w) => w.raw as RawWork), API_FROM, API_TO, ['US', 'CN']);
    const got = countsCsv(firstCounts);
    expect(got.size).toBe(8);
    for (const [k, n] of got) expect(n, k).toBe(expected.get(k) ?? 0);
    expect(manifestOf(dir, ids[0]!)).toMatchObject({ command: 'refresh', outcome: 'ok', source: 'api', data: { changed: true, detail: { mode: 'fetch' } } });
    // Every slice walked whole once: no page twice.
    expect(server.duplicatePages()).toEqual([]);
  });

  it('second refresh after OpenAlex moved: counts.csv and diff.csv move by exactly the change, and only the count calls and the pages needed are paid', async () => {
    const change = apiChange();
    server.setWorks(change.records);
    const requests = server.stats.requests;
    const pages = server.stats.pageLog.length;
    const usd = server.stats.usdSpent;
    const r = await runCli([...args, '--json'], env);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { runId: string; previousRunId: string; costUsd: number; outcome: string };
    ids.push(json.runId);
    expect(json).toMatchObject({ outcome: 'ok', previousRunId: ids[0] });
    secondCounts = readFileSync(join(out, 'counts.csv'), 'utf8');

    const expected = changes(paperCounts(change.before, API_FROM, API_TO, ['US', 'CN']), paperCounts(change.records, API_FROM, API_TO, ['US', 'CN']));
    // The fixture's own statement of the change: 2021 US loses W_year (to 2020 US), W_country
    // (to 2021 CN) and a deleted paper; the new paper is 2019 US; the other deleted one 2020 CN.
    expect(expected).toEqual({ '2021 US': -3, '2020 US': 1, '2021 CN': 1, '2019 US': 1, '2020 CN': -1 });
    expect(csvChanges(firstCounts, secondCounts)).toEqual(expected);
    const diff = diffCsvChanges(dir, json.runId);
    expect(diff.all).toHaveLength(8);
    expect(diff.moved).toEqual(expected);

    // What was paid: 2 recounts (one group_by per country) + 2 counts of the updates, then the
    // updates of the three slices works were updated into (one page each) and, whole, the two
    // slices that lost a deleted work (deleted works are never listed as updated; 2021 US also
    // lost two works updated out of it, which alone would have been explained).
    const pagesOf = (y: number, c: string): number => pagesFor(sliceSize(change.records, y, c), PER_PAGE);
    for (const [y, c] of [[2020, 'US'], [2021, 'CN'], [2019, 'US']] as const) expect(pagesOf(y, c), `${y} ${c}`).toBeGreaterThan(1);
    const expectedPages = { '2020 US since': 1, '2021 CN since': 1, '2019 US since': 1, '2021 US': pagesOf(2021, 'US'), '2020 CN': pagesOf(2020, 'CN') };
    expect(pagesServed(server, pages)).toEqual(expectedPages);
    const pageCount = Object.values(expectedPages).reduce((a, b) => a + b, 0);
    expect(server.stats.requests - requests).toBe(4 + pageCount);
    expect(server.stats.usdSpent - usd).toBeCloseTo((4 + pageCount) * LIST_USD, 10);
    expect(json.costUsd).toBeCloseTo((4 + pageCount) * LIST_USD, 10);
    // The deleted works are retired in rejects.jsonl.
    const retired = readFileSync(join(out, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; workId: string }).filter((x) => x.kind === 'retired');
    expect(retired.map((x) => x.workId).sort()).toEqual([...change.deleted].sort());
  });

  it('third refresh with nothing new: exit 0, "no change since <2nd run>", --out untouched; the count calls paid, and the re-read of the day\'s updates', async () => {
    const before = hashes(out);
    const times = mtimes(out);
    const requests = server.stats.requests;
    const pages = server.stats.pageLog.length;
    const usd = server.stats.usdSpent;
    const r = await runCli(args, env);
    ok(r);
    expect(r.stdout).toBe(`no change since ${ids[1]}\n`);
    // from_updated_date takes a day: the works updated today, read by the second refresh, are
    // asked for again (one page per slice; the same copies, so nothing changes). A refresh on a
    // later day pays only the 4 count calls (test/pipeline/refresh-api.test.ts, dated refreshes).
    const rewalked = { '2020 US since': 1, '2021 CN since': 1, '2019 US since': 1 };
    expect(pagesServed(server, pages)).toEqual(rewalked);
    expect(server.stats.requests - requests).toBe(4 + 3);
    expect(server.stats.usdSpent - usd).toBeCloseTo((4 + 3) * LIST_USD, 10);
    expect(hashes(out)).toEqual(before);
    expect(mtimes(out)).toEqual(times);
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(secondCounts);

    const j = await runCli([...args, '--json'], env);
    expect(j.code).toBe(0);
    expect(j.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ outcome: 'no-change', noChangeSince: ids[1] });
    expect(mtimes(out)).toEqual(times);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. A two-release snapshot folder
// ---------------------------------------------------------------------------------------------

const SNAP_FROM = 2010;
const SNAP_TO = 2021;

/**
 * Release 2 as the fixture builds it, plus changes to papers the report counts (the fixture's own
 * changes touch none of the few medical-AI papers of 2010-2021 in US/CN): one moved a year on,
 * one given a CN co-author, one deleted. Their new copies sit in release 2's new partition.
 */
let counted: { release: Release; moved: string; addedCn: string; deleted: string } | null = null;
function countedRelease2(): NonNullable<typeof counted> {
  if (counted !== null) return counted;
  const taken = new Set([...fixture.movedYear, ...fixture.addedCn, ...fixture.deletedIds]);
  const first = [...fixture.release1.partitions.values()].flat(2);
  const papers = first.filter((w) => !taken.has(short(w.id)) && w.publication_year >= SNAP_FROM && w.publication_year < SNAP_TO && medicalAi(w));
  const moved = papers.find((w) => rawCountries(w).has('US'));
  const addedCn = papers.find((w) => w !== moved && rawCountries(w).has('US') && !rawCountries(w).has('CN'));
  const deleted = papers.find((w) => w !== moved && w !== addedCn && (rawCountries(w).has('US') || rawCountries(w).has('CN')));
  if (moved === undefined || addedCn === undefined || deleted === undefined) throw new Error('release 1 holds too few medical-AI papers for the test');
  const stamp = `${RELEASE_2}T00:00:00.000000`;
  const copies: RawWork[] = [
    { ...moved, publication_year: moved.publication_year + 1, updated_date: stamp },
    { ...addedCn, authorships: [...(addedCn.authorships ?? []), { countries: ['CN'], institutions: [{ country_code: 'CN' }] }], updated_date: stamp },
  ];
  const newParts = fixture.release2.partitions.get(RELEASE_2)!;
  const partitions = new Map(fixture.release2.partitions);
  partitions.set(RELEASE_2, [[...newParts[0]!, ...copies], ...newParts.slice(1)]);
  counted = { release: { partitions, deleted: [...fixture.release2.deleted!, short(deleted.id)] }, moved: short(moved.id), addedCn: short(addedCn.id), deleted: short(deleted.id) };
  return counted;
}

/** counts.csv's change from release 1 to release 2, from the fixture. */
function releaseChange(countries: readonly string[] = ['US', 'CN']): Record<string, number> {
  return changes(
    paperCounts(expectedWorks([fixture.release1]).values(), SNAP_FROM, SNAP_TO, countries),
    paperCounts(expectedWorks([fixture.release1, countedRelease2().release]).values(), SNAP_FROM, SNAP_TO, countries),
  );
}

function snapshotPlace(prefix: string): { dir: string; root: string; db: string; out: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = join(dir, 'openalex');
  const db = join(dir, 'state', 'medai.duckdb');
  const out = join(dir, 'state', 'reports');
  mkdirSync(root);
  writeRelease(root, fixture.release1);
  return { dir, root, db, out, args: ['refresh', '--snapshot', root, '--format', 'csv,json', '--db', db, '--out', out] };
}

describe.sequential('refresh --snapshot on a two-release folder', () => {
  let p: ReturnType<typeof snapshotPlace>;
  const ids: string[] = [];
  let firstCounts = '';

  it('reads release 1 into an empty database and reports', async () => {
    p = snapshotPlace('medai-e2e-refresh-snap-');
    const r = await runCli(p.args);
    ok(r);
    ids.push(runIdOf(r));
    firstCounts = readFileSync(join(p.out, 'counts.csv'), 'utf8');
    const expected = paperCounts(expectedWorks([fixture.release1]).values(), SNAP_FROM, SNAP_TO, ['US', 'CN']);
    for (const [k, n] of countsCsv(firstCounts)) expect(n, k).toBe(expected.get(k) ?? 0);
  });

  it('release 2 written into the same folder: counts move as the fixture says, the deleted works are retired', async () => {
    writeRelease(p.root, countedRelease2().release);
    const r = await runCli(p.args);
    ok(r);
    ids.push(runIdOf(r));
    const expected = releaseChange();
    expect(Object.keys(expected).length).toBeGreaterThan(3);
    expect(csvChanges(firstCounts, readFileSync(join(p.out, 'counts.csv'), 'utf8'))).toEqual(expected);
    expect(diffCsvChanges(join(p.dir, 'state'), ids[1]!).moved).toEqual(expected);
    const m = manifestOf(join(p.dir, 'state'), ids[1]!);
    expect(m).toMatchObject({ command: 'refresh', outcome: 'ok', source: 'snapshot', data: { changed: true }, diff: { against: ids[0] } });
    const retired = readFileSync(join(p.out, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; workId: string }).filter((x) => x.kind === 'retired');
    // The held works deleted_ids.csv names; not the ids no release held.
    expect(retired.map((x) => x.workId).sort()).toEqual([...fixture.deletedIds, countedRelease2().deleted].sort());
  });

  it('a third refresh of the same folder: no change since the second, --out untouched', async () => {
    const before = hashes(p.out);
    const times = mtimes(p.out);
    const r = await runCli([...p.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'no-change', noChangeSince: ids[1] });
    expect(r.stderr).toContain(`no change since ${ids[1]}`);
    expect(hashes(p.out)).toEqual(before);
    expect(mtimes(p.out)).toEqual(times);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Two refreshes at once
// ---------------------------------------------------------------------------------------------


describe('two refreshes started together on one database and --out', () => {
  it('exactly one exits 0, the other exits 6 naming the holder (pid, host, start time)', async () => {
    const p = snapshotPlace('medai-e2e-refresh-two-');
    const a = spawnCli(p.args);
    const b = spawnCli(p.args);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code].sort()).toEqual([0, ExitCode.busy]);
    const [winner, loser] = ra.code === 0 ? [a, rb] : [b, ra];
    expect(loser.stderr).toMatch(new RegExp(`another run is using the database ${p.db}: pid ${winner.pid} on ${hostname()}, started \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d`));
    expect(loser.stderr).toMatch(/\(refresh --snapshot /);
    expect(loser.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(loser.stdout).toBe('');
    expect(readdirSync(join(p.dir, 'state')).filter((e) => e.endsWith('.lock') || /\.(tmp|old)-/.test(e))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. --fail-on-change
// ---------------------------------------------------------------------------------------------

describe('refresh --fail-on-change', () => {
  it('exits 7 when release 2 moves a complete year by more than the threshold, with the outputs written and one JSON object on stdout', async () => {
    const p = snapshotPlace('medai-e2e-refresh-fail-');
    ok(await runCli(p.args));
    const before = readFileSync(join(p.out, 'counts.csv'), 'utf8');
    writeRelease(p.root, countedRelease2().release);
    const r = await runCli([...p.args, '--fail-on-change', '--json']);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code, r.stderr).toBe(ExitCode.changed);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(r.stdout) as { runId: string; outcome: string; changesOverThreshold: { year: number; country: string }[] };
    expect(json.outcome).toBe('ok');
    // The outputs are release 2's.
    const after = readFileSync(join(p.out, 'counts.csv'), 'utf8');
    expect(csvChanges(before, after)).toEqual(releaseChange());
    // Flagged: every change over 5% of its earlier count (data dated 2024: 2010-2021 all complete).
    const b = countsCsv(before);
    const over = Object.entries(releaseChange())
      .filter(([k, d]) => (b.get(k) ?? 0) === 0 || Math.abs(d / b.get(k)!) > 0.05)
      .map(([k]) => k)
      .sort();
    expect(over.length).toBeGreaterThan(0);
    expect(json.changesOverThreshold.map((c) => `${c.year} ${c.country}`).sort()).toEqual(over);
    expect(manifestOf(join(p.dir, 'state'), json.runId)).toMatchObject({ outcome: 'ok', exitCode: 7 });
  });
});

// ---------------------------------------------------------------------------------------------
// 6. A config file, no flags
// ---------------------------------------------------------------------------------------------

describe('refresh driven by medai-trends.config.json in the working directory', () => {
  it('runs with no flags and records the effective settings in runs/<id>/manifest.json', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'medai-e2e-refresh-config-'));
    const root = join(cwd, 'openalex');
    mkdirSync(root);
    writeRelease(root, fixture.release1);
    // Relative paths, taken from the config file's folder.
    writeFileSync(join(cwd, 'medai-trends.config.json'), JSON.stringify({ snapshot: ['openalex'], db: 'state/medai.duckdb', out: 'state/reports', countries: ['CN', 'GB'], formats: ['csv', 'json'] }, null, 2));
    const r = await runCli(['refresh'], {}, cwd);
    ok(r);
    const id = runIdOf(r);
    const counts = countsCsv(readFileSync(join(cwd, 'state', 'reports', 'counts.csv'), 'utf8'));
    expect([...new Set([...counts.keys()].map((k) => k.slice(5)))].sort()).toEqual(['CN', 'GB']);
    const expected = paperCounts(expectedWorks([fixture.release1]).values(), SNAP_FROM, SNAP_TO, ['CN', 'GB']);
    for (const [k, n] of counts) expect(n, k).toBe(expected.get(k) ?? 0);
    const m = manifestOf(join(cwd, 'state'), id);
    expect(m).toMatchObject({ command: 'refresh', outcome: 'ok', source: 'snapshot', scope: { countries: ['CN', 'GB'] } });
    // The effective settings: the file's keys, its relative paths resolved from its folder, defaults filled.
    expect(m.settings).toMatchObject({
      scope: { from: 2010, to: 2021, countries: ['CN', 'GB'], types: [] },
      source: { kind: 'snapshot', files: [root] },
      report: { outDir: join(cwd, 'state', 'reports'), formats: ['csv', 'json'], metric: 'count' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. kill -9 while release 2 is read
// ---------------------------------------------------------------------------------------------

const TRIALS = 10;
const SEED = 20261201;

/** summary.md with the run ids (and the dates they carry) left out. */
const normalize = (text: string): string => text.replace(RUN_ID, '<run>');

describe('refresh --snapshot killed with SIGKILL while release 2 is read', () => {
  interface Trial {
    delayMs: number;
    killed: CliResult;
    previous: boolean;
    whole: boolean;
    next: CliResult;
    counts: string;
    summary: string;
  }
  const trials: Trial[] = [];
  let durationMs = 0;
  let reference = { counts: '', summary: '', files: new Map<string, string>() };
  let previousFiles = new Map<string, string>();

  beforeAll(async () => {
    const p = snapshotPlace('medai-e2e-refresh-kill-');
    const state = join(p.dir, 'state');
    const pristine = join(p.dir, 'pristine');
    ok(await runCli(p.args));
    writeRelease(p.root, countedRelease2().release);
    cpSync(state, pristine, { recursive: true });
    previousFiles = hashes(p.out);
    const restore = (): void => {
      rmSync(state, { recursive: true, force: true });
      cpSync(pristine, state, { recursive: true });
    };
    const normalizedFiles = (): Map<string, string> => {
      const out = new Map<string, string>();
      for (const f of readdirSync(p.out).sort()) {
        let body = readFileSync(join(p.out, f), 'utf8');
        if (f === 'manifest.json') body = body.replace(/"generatedAt":\s*"[^"]*"/g, '');
        out.set(f, createHash('sha256').update(normalize(body)).digest('hex'));
      }
      return out;
    };

    // The uninterrupted refresh of release 2: the counts every trial must converge to, and the
    // span the kills are spread over (node's start-up included).
    restore();
    const started = Date.now();
    ok(await runCli(p.args));
    durationMs = Date.now() - started;
    reference = { counts: readFileSync(join(p.out, 'counts.csv'), 'utf8'), summary: normalize(readFileSync(join(p.out, 'summary.md'), 'utf8')), files: normalizedFiles() };

    const random = seededRandom(SEED);
    for (let t = 0; t < TRIALS; t++) {
      restore();
      // Stratified: one kill in each tenth of the refresh, so the last tenths (data read and
      // committed, report not yet swapped in) are always hit.
      const delayMs = Math.floor(((t + random()) / TRIALS) * durationMs);
      const run = spawnCli(p.args);
      await new Promise((r) => setTimeout(r, delayMs));
      run.kill();
      const killed = await run.done;
      const now = hashes(p.out);
      const previous = now.size === previousFiles.size && [...now].every(([f, h]) => previousFiles.get(f) === h);
      const norm = normalizedFiles();
      const whole = norm.size === reference.files.size && [...norm].every(([f, h]) => reference.files.get(f) === h);
      // The next refresh, uninterrupted, on what the kill left.
      const next = await runCli(p.args);
      trials.push({ delayMs, killed, previous, whole, next, counts: readFileSync(join(p.out, 'counts.csv'), 'utf8'), summary: normalize(readFileSync(join(p.out, 'summary.md'), 'utf8')) });
    }
    if (process.env.KILL_TEST_VERBOSE) {
      process.stderr.write(`uninterrupted refresh ${durationMs} ms; ${JSON.stringify(trials.map((t) => ({ delayMs: t.delayMs, signal: t.killed.signal, code: t.killed.code, previous: t.previous, next: t.next.code, nextLog: t.next.stderr.split('\n').filter((l) => l.startsWith('refresh:')) })))}\n`);
    }
  }, 240_000);

  it('was killed at moments spread over the refresh, most of them mid-run', () => {
    expect(trials.filter((t) => t.killed.signal === 'SIGKILL').length).toBeGreaterThanOrEqual(TRIALS - 3);
    const at = trials.map((t) => t.delayMs / durationMs);
    expect(at.some((x) => x < 0.3)).toBe(true);
    expect(at.some((x) => x >= 0.3 && x < 0.7)).toBe(true);
    expect(at.some((x) => x >= 0.7)).toBe(true);
    // Some kills came after release 2 was read and committed: the next refresh had nothing left to
    // read, yet must report (the case where "no change" would have left release 1's report).
    expect(trials.filter((t) => t.next.stderr.includes('refresh: no partition newer than')).length).toBeGreaterThanOrEqual(1);
  });

  it('leaves --out holding the previous report byte for byte (or, killed after the swap, the new one whole)', () => {
    for (const [i, t] of trials.entries()) expect(t.previous || t.whole, `trial ${i} (kill at ${t.delayMs} ms)`).toBe(true);
    expect(trials.filter((t) => t.previous).length).toBeGreaterThanOrEqual(TRIALS / 2);
  });

  it('the next refresh takes over and converges to the uninterrupted refresh\'s counts.csv and summary.md', () => {
    expect(reference.counts).not.toBe('');
    for (const [i, t] of trials.entries()) {
      expect(t.next.stderr, `trial ${i}`).not.toMatch(/unexpected error/);
      expect(t.next.code, `trial ${i}: ${t.next.stderr}`).toBe(0);
      expect(t.counts, `trial ${i} (kill at ${t.delayMs} ms): counts.csv`).toBe(reference.counts);
      expect(t.summary, `trial ${i} (kill at ${t.delayMs} ms): summary.md`).toBe(reference.summary);
    }
  });
});
