/**
 * The whole pipeline through the real CLI on the real records: snapshot mode and API mode (against
 * the local OpenAlex server) must agree file for file, and the counts must equal a computation made
 * here from the raw JSON without the store, the SQL or the CLI.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import { runCli, runCliInProcess, type CliResult } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { readJsonLines, readJsonLineTexts, usableAbstract } from '../support/openalex-data.js';
import { WORKS_FILE } from '../support/paths.js';

const WINDOW = ['--from', '2010', '--to', '2021', '--countries', 'US,CN'];
// PNG and HTML rendering are tested in test/report; here CSV and SVG keep the run short. Every work
// in scope is listed, so works.csv shows the works left out as well.
const FORMATS = ['--format', 'svg,csv,json', '--list-works', 'all'];

interface RawWork {
  id: string;
  publication_year: number;
  title?: string | null;
  display_name?: string | null;
  abstract_inverted_index?: unknown;
  type?: string | null;
  authorships?: { countries?: string[]; institutions?: { country_code?: string | null }[] }[];
}

function rawWorks(): RawWork[] {
  return readJsonLines(WORKS_FILE) as RawWork[];
}

/** The counts computed straight from the raw records: the independent check on the pipeline. */
function independentCounts(works: RawWork[], rules: KeywordRules, countries: string[], types: string[] = []): Map<string, number> {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const w of works) {
    if (seen.has(w.id) || w.publication_year < 2010 || w.publication_year > 2021) continue;
    seen.add(w.id);
    if (types.length > 0 && !types.includes(w.type ?? '')) continue;
    const codes = new Set<string>();
    for (const a of w.authorships ?? []) {
      a.countries?.forEach((c) => codes.add(c));
      a.institutions?.forEach((i) => i.country_code && codes.add(i.country_code));
    }
    // `display_name` is OpenAlex's copy of the title; select= subsets (W3215744714) carry only it.
    const c = classify({ title: w.title ?? w.display_name ?? null, abstract: usableAbstract(w.abstract_inverted_index) }, rules);
    if (!(c.isMedical && c.isAi)) continue;
    for (const k of countries) if (codes.has(k)) counts.set(`${w.publication_year},${k}`, (counts.get(`${w.publication_year},${k}`) ?? 0) + 1);
  }
  return counts;
}

const tmp = mkdtempSync(join(tmpdir(), 'medai-e2e-'));
let server: OpenAlexServer;
let snapshotRun: CliResult;
let apiRun: CliResult;

beforeAll(async () => {
  server = await startOpenAlexServer({ worksFile: WORKS_FILE, apiKey: 'e2e-key' });
  [snapshotRun, apiRun] = await Promise.all([
    runCli(['run', '--snapshot', WORKS_FILE, ...WINDOW, ...FORMATS, '--db', join(tmp, 'snap.duckdb'), '--out', join(tmp, 'snap')]),
    runCli(['run', ...WINDOW, ...FORMATS, '--prefilter', 'none', '--db', join(tmp, 'api.duckdb'), '--out', join(tmp, 'api')], {
      OPENALEX_API_KEY: 'e2e-key',
      OPENALEX_BASE_URL: server.url,
    }),
  ]);
});
afterAll(async () => server?.close());

describe('medai-trends run, end to end on the real records', () => {
  it('both modes finish cleanly', () => {
    expect(snapshotRun.stderr).not.toMatch(/unexpected error/);
    expect(snapshotRun.code).toBe(0);
    expect(apiRun.stderr).not.toMatch(/unexpected error/);
    expect(apiRun.code).toBe(0);
    expect(apiRun.stderr + apiRun.stdout).not.toContain('e2e-key');
  });

  it('snapshot mode and API mode give identical works.csv and counts.csv', () => {
    for (const f of ['works.csv', 'counts.csv']) {
      expect(readFileSync(join(tmp, 'api', f), 'utf8')).toBe(readFileSync(join(tmp, 'snap', f), 'utf8'));
    }
  });

  it('counts.csv equals the independent count from the raw records', async () => {
    const rules = await loadKeywordRules();
    const expected = independentCounts(rawWorks(), rules, ['US', 'CN']);
    const lines = readFileSync(join(tmp, 'snap', 'counts.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('year,country,papers,fractional');
    expect(lines).toHaveLength(1 + 12 * 2);
    let total = 0;
    for (const line of lines.slice(1)) {
      const [year, country, papers] = line.split(',');
      expect(Number(papers)).toBe(expected.get(`${year},${country}`) ?? 0);
      total += Number(papers);
    }
    // The corpus is mostly not medical AI, but a pipeline that tags nothing must not pass.
    expect(total).toBeGreaterThan(0);
  });

  it('aggregate (stdout and --out) writes the counts.csv report writes: by year, then the countries in the order given', async () => {
    const db = join(tmp, 'snap.duckdb');
    const reported = readFileSync(join(tmp, 'snap', 'counts.csv'), 'utf8');
    const keys = (csv: string) => csv.trimEnd().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    // --countries US,CN: US first in every year, although C sorts before U.
    expect(keys(reported)).toEqual(Array.from({ length: 12 }, (_, i) => [`${2010 + i},US`, `${2010 + i},CN`]).flat());
    const agg = await runCli(['aggregate', '--db', db, ...WINDOW, '--out', join(tmp, 'agg')]);
    expect(agg.code, agg.stderr).toBe(0);
    expect(agg.stdout).toBe(reported);
    expect(readFileSync(join(tmp, 'agg', 'counts.csv'), 'utf8')).toBe(reported);
    // The other order is followed too, with the same numbers.
    const reversed = await runCli(['aggregate', '--db', db, '--from', '2010', '--to', '2021', '--countries', 'CN,US']);
    expect(reversed.code, reversed.stderr).toBe(0);
    expect(keys(reversed.stdout)).toEqual(Array.from({ length: 12 }, (_, i) => [`${2010 + i},CN`, `${2010 + i},US`]).flat());
    const sorted = (csv: string) => csv.trimEnd().split('\n').slice(1).sort();
    expect(sorted(reversed.stdout)).toEqual(sorted(reported));
  });

  it('report --types counts only those OpenAlex types, as the raw records say, and says so', async () => {
    const out = join(tmp, 'articles');
    const r = await runCliInProcess(['report', '--db', join(tmp, 'snap.duckdb'), ...WINDOW, '--types', 'Article, review', '--format', 'csv', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const expected = independentCounts(rawWorks(), await loadKeywordRules(), ['US', 'CN'], ['article', 'review']);
    const counts = readFileSync(join(out, 'counts.csv'), 'utf8').trimEnd().split('\n').slice(1);
    for (const line of counts) {
      const [year, country, papers] = line.split(',');
      expect(Number(papers), line).toBe(expected.get(`${year},${country}`) ?? 0);
    }
    // The filter bites: all types give more papers than articles and reviews.
    const total = (csv: string) => csv.trimEnd().split('\n').slice(1).reduce((a, l) => a + Number(l.split(',')[2]), 0);
    expect(total(readFileSync(join(out, 'counts.csv'), 'utf8'))).toBeLessThan(total(readFileSync(join(tmp, 'snap', 'counts.csv'), 'utf8')));
    expect(r.stdout).toContain('OpenAlex work types counted: article, review.');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.parameters.types).toEqual(['article', 'review']);
    expect(manifest.counts.medicalAiInScopeByType.map((t: { type: string }) => t.type).sort()).toEqual(['article', 'review']);
    const bad = await runCliInProcess(['report', '--db', join(tmp, 'snap.duckdb'), '--types', 'article,journal article', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"journal article" is not one');
  });

  it('works.csv lists every in-scope work once, tagged or not, with countries and matched terms', () => {
    const works = rawWorks();
    const inScope = works.filter((w) => {
      if (w.publication_year < 2010 || w.publication_year > 2021) return false;
      return (w.authorships ?? []).some(
        (a) => a.countries?.some((c) => c === 'US' || c === 'CN') || a.institutions?.some((i) => i.country_code === 'US' || i.country_code === 'CN'),
      );
    });
    const text = readFileSync(join(tmp, 'snap', 'works.csv'), 'utf8');
    expect(text.slice(0, text.indexOf('\n'))).toBe('work_id,year,type,countries,is_medical,is_ai,matched_terms,merged_into,title');
    const rows = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
    const ids = rows.map((r) => r.work_id as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(inScope.map((w) => w.id.replace('https://openalex.org/', '')).sort());
    // Type and title are OpenAlex's own (a title starting with a formula character gets a quote).
    const raw = new Map(inScope.map((w) => [w.id.replace('https://openalex.org/', ''), w]));
    for (const r of rows) {
      const w = raw.get(r.work_id as string);
      expect(r.type).toBe(w?.type ?? '');
      expect((r.title as string).replace(/^'(?=[=+\-@])/, '')).toBe(w?.title ?? w?.display_name ?? '');
    }
    const tagged = rows.filter((r) => r.is_medical === 'true' && r.is_ai === 'true');
    expect(tagged.length).toBeGreaterThan(0);
    for (const r of tagged) expect(r.matched_terms).toMatch(/ai:.*medical:|medical:.*ai:/);
  });

  it('by default works.csv and works.parquet list the medical-AI works in scope: the papers counted', async () => {
    const out = join(tmp, 'counted');
    const r = await runCliInProcess(['report', '--db', join(tmp, 'snap.duckdb'), ...WINDOW, '--format', 'csv', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const parse = (dir: string) => Papa.parse<Record<string, string>>(readFileSync(join(dir, 'works.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    const all = parse(join(tmp, 'snap'));
    const listed = parse(out);
    expect(listed).toEqual(all.filter((w) => w.is_medical === 'true' && w.is_ai === 'true'));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const full = JSON.parse(readFileSync(join(tmp, 'snap', 'manifest.json'), 'utf8'));
    expect(manifest.parameters.listWorks).toBe('medical-ai');
    expect(full.parameters.listWorks).toBe('all');
    expect(manifest.counts).toMatchObject({ worksInScope: all.length, medicalAiInScope: listed.length, worksListed: listed.length });
    expect(full.counts.worksListed).toBe(all.length);
    expect(r.stdout).toContain(`works.csv and works.parquet list ${listed.length} work(s): the medical-AI works in scope with a selected country`);
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'snap', 'counts.csv'), 'utf8'));
  });

  it('writes the chart, spec, manifest and rejects, and the manifest traces the numbers', () => {
    const manifest = JSON.parse(readFileSync(join(tmp, 'snap', 'manifest.json'), 'utf8'));
    expect(manifest.source.kind).toBe('snapshot');
    expect(manifest.source.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.source.dataDate).toMatch(/^20\d\d-\d\d-\d\d$/);
    expect(manifest.counts).toMatchObject({ recordsRead: 2290, rejected: 0, repaired: 8, distinctWorks: 2290, classified: 2290 });
    // What a counted "paper" was: the medical-AI works in scope by OpenAlex type add up to the count.
    const byType = manifest.counts.medicalAiInScopeByType as { type: string; works: number }[];
    expect(byType.reduce((a, t) => a + t.works, 0)).toBe(manifest.counts.medicalAiInScope);
    expect(byType[0]).toEqual({ type: 'article', works: 9 });
    expect(Object.keys(manifest.keywords).length).toBeGreaterThan(0);
    expect(Object.keys(manifest.queries)).toContain('counts_by_year_country.sql');
    const api = JSON.parse(readFileSync(join(tmp, 'api', 'manifest.json'), 'utf8'));
    expect(api.source.kind).toBe('api');
    expect(api.source.queries.length).toBeGreaterThan(0);
    expect(JSON.stringify(api)).not.toContain('e2e-key');
    expect(readFileSync(join(tmp, 'snap', 'figure2.svg'), 'utf8')).toMatch(/^<svg/);
    expect(JSON.parse(readFileSync(join(tmp, 'snap', 'figure2.vl.json'), 'utf8')).$schema).toMatch(/vega-lite/);
  });
});

describe('bad input through the CLI', () => {
  it('sets bad records aside with their reasons, counts them, and still reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-bad-'));
    const good = readJsonLineTexts(WORKS_FILE).slice(0, 50).join('\n');
    // Constructed defects after 50 real lines: not JSON, no id, no year, wrong type, and a duplicate.
    const bad = ['{"id": "W1", oops', '{"publication_year": 2020}', '{"id": "https://openalex.org/W2"}', '{"id": "W3", "publication_year": 2020, "title": 5}'];
    const firstLine = good.split('\n')[0]!;
    writeFileSync(join(dir, 'part_000.gz'), gzipSync(`${good}\n${bad.join('\n')}\n${firstLine}\n`));
    const r = await runCliInProcess(['run', '--snapshot', dir, ...WINDOW, '--format', 'csv', '--db', join(dir, 'db.duckdb'), '--out', join(dir, 'out')]);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.counts).toMatchObject({ recordsRead: 55, rejected: 4, duplicateReads: 1, distinctWorks: 50 });
    const rejects = readFileSync(join(dir, 'out', 'rejects.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.origin.replace(/.*\//, ''), x.reason.replace(/^(not JSON):.*/, '$1')])).toEqual([
      ['part_000.gz:51', 'not JSON'],
      ['part_000.gz:52', 'missing id'],
      ['part_000.gz:53', 'missing publication_year'],
      ['part_000.gz:54', 'title is not a string: number'],
    ]);
    expect(r.stdout).toContain('rejected: 4');
  });

  it('a missing snapshot path is an error naming it, with exit code 2', async () => {
    const r = await runCliInProcess(['run', '--snapshot', '/nonexistent/openalex', '--db', join(tmp, 'x.duckdb'), '--out', join(tmp, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/openalex');
  });

  it('without a key and without --snapshot, it says how to get a key or use a snapshot', async () => {
    const r = await runCliInProcess(['run', '--db', join(tmp, 'nokey.duckdb'), '--out', join(tmp, 'nokey')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OPENALEX_API_KEY/);
    expect(r.stderr).toMatch(/--snapshot/);
  });

  it('collects every bad option into one message', async () => {
    const r = await runCliInProcess(['run', '--from', '2030x', '--countries', 'USA,CN', '--metric', 'ratio', '--db', join(tmp, 'o.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 problems/);
    expect(r.stderr).toMatch(/--from/);
    expect(r.stderr).toMatch(/"USA"/);
    expect(r.stderr).toMatch(/--metric/);
  });
});

describe('snapshot merged_ids', () => {
  it('drops works OpenAlex merged into others, so a merged duplicate is counted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-merged-'));
    // Constructed works: W2 is a duplicate record of W1 that OpenAlex merged into it.
    const work = (id: string) =>
      JSON.stringify({
        id: `https://openalex.org/${id}`,
        publication_year: 2020,
        title: 'Deep learning for the diagnosis of lung cancer in patients',
        authorships: [{ countries: ['US'], institutions: [{ country_code: 'US' }] }],
      });
    mkdirSync(join(dir, 'works', 'updated_date=2024-01-01'), { recursive: true });
    mkdirSync(join(dir, 'merged_ids', 'works'), { recursive: true });
    writeFileSync(join(dir, 'works', 'updated_date=2024-01-01', 'part_000.gz'), gzipSync(`${work('W1')}\n${work('W2')}\n${work('W3')}\n`));
    writeFileSync(join(dir, 'merged_ids', 'works', '2024-02-01.csv.gz'), gzipSync('merge_date,id,merge_into_id\n2024-02-01,W2,W1\n2024-02-01,not-an-id,W1\n'));
    const r = await runCliInProcess(['run', '--snapshot', dir, '--from', '2020', '--to', '2020', '--countries', 'US', '--format', 'csv', '--db', join(dir, 'db.duckdb'), '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out', 'counts.csv'), 'utf8')).toBe('year,country,papers,fractional\n2020,US,2,2.0000\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.counts).toMatchObject({ recordsRead: 3, distinctWorks: 2, retired: 1, rejected: 1 });
    expect(manifest.source.mergedIdFiles).toHaveLength(1);
    const rejects = readFileSync(join(dir, 'out', 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.kind, x.workId, x.reason])).toEqual(
      expect.arrayContaining([
        ['retired', 'W2', 'merged into W1 (OpenAlex merged_ids, 2024-02-01)'],
        ['rejected', null, 'merged-id row without two work ids'],
      ]),
    );
  });
});

describe('preprint versions', () => {
  it('lists a preprint and its journal version as possibly counted twice, and counts both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-versions-'));
    // Constructed works: W1/W2 one paper (preprint 2020, article 2021); W3/W4 the same title but
    // four years apart; W5 a short shared title; W6/W7 two preprints of one paper.
    const work = (id: string, year: number, type: string, title: string, countries = ['US']) =>
      JSON.stringify({
        id: `https://openalex.org/${id}`,
        publication_year: year,
        type,
        title,
        authorships: [{ countries, institutions: countries.map((c) => ({ country_code: c })) }],
      });
    const paper = 'Deep learning for the diagnosis of lung cancer in patients';
    const other = 'Machine learning predicts sepsis in hospital patients';
    const lines = [
      work('W1', 2020, 'preprint', paper),
      work('W2', 2021, 'article', `${paper}.`),
      work('W3', 2016, 'preprint', 'A neural network for clinical triage'),
      work('W4', 2020, 'article', 'A neural network for clinical triage'),
      work('W5', 2020, 'preprint', 'AI in medicine'),
      work('W8', 2020, 'article', 'AI in medicine'),
      work('W6', 2019, 'posted-content', other),
      work('W7', 2019, 'preprint', other),
      // A preprint without affiliations (common on preprint servers) and its journal version.
      work('W9', 2018, 'preprint', 'Transformers for radiology report generation in hospitals', []),
      work('W10', 2019, 'article', 'Transformers for radiology report generation in hospitals'),
    ];
    writeFileSync(join(dir, 'works.jsonl'), `${lines.join('\n')}\n`);
    const run = (out: string, ...extra: string[]) =>
      runCliInProcess(['run', '--snapshot', join(dir, 'works.jsonl'), '--from', '2016', '--to', '2021', '--countries', 'US', '--format', 'csv', '--db', join(dir, `${out}.duckdb`), '--out', join(dir, out), ...extra]);
    const r = await run('out');
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.counts.possibleVersionPairs).toEqual([
      { keptId: 'W1', keptYear: 2020, keptType: 'preprint', laterId: 'W2', laterYear: 2021, laterType: 'article' },
      { keptId: 'W6', keptYear: 2019, keptType: 'posted-content', laterId: 'W7', laterYear: 2019, laterType: 'preprint' },
      { keptId: 'W9', keptYear: 2018, keptType: 'preprint', laterId: 'W10', laterYear: 2019, laterType: 'article' },
    ]);
    expect(r.stdout).toContain(
      'Possibly counted twice (--merge-versions counts them once): 3 pair(s) of medical-AI works with the same title within two years, one a preprint: W1 (preprint, 2020) / W2 (article, 2021); W6 (posted-content, 2019) / W7 (preprint, 2019); W9 (preprint, 2018) / W10 (article, 2019).',
    );
    // Listed, not merged: every version is still counted.
    expect(manifest.counts.medicalAiInScope).toBe(9);
    const counts = (out: string) => readFileSync(join(dir, out, 'counts.csv'), 'utf8');
    // Every work here is American only, so each adds 1 to the fractional count too.
    expect(counts('out')).toBe('year,country,papers,fractional\n2016,US,1,1.0000\n2017,US,0,0.0000\n2018,US,0,0.0000\n2019,US,3,3.0000\n2020,US,4,4.0000\n2021,US,1,1.0000\n');

    // --merge-versions: each paper once, in the year of its earliest version, for every country any
    // version has (W9 has no affiliation; its journal version W10 is American).
    const merged = await run('merged', '--merge-versions');
    expect(merged.code, merged.stderr).toBe(0);
    // W9 (no country) and W10 (US): the fractional weight is the mean over the versions with a
    // country, W10 alone, so the paper still adds 1 to US in 2018.
    expect(counts('merged')).toBe('year,country,papers,fractional\n2016,US,1,1.0000\n2017,US,0,0.0000\n2018,US,1,1.0000\n2019,US,1,1.0000\n2020,US,4,4.0000\n2021,US,0,0.0000\n');
    expect(merged.stdout).toContain('Counted once (--merge-versions), as the earlier: 3 pair(s)');
    const rows = Papa.parse<Record<string, string>>(readFileSync(join(dir, 'merged', 'works.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(Object.fromEntries(rows.filter((w) => w.merged_into !== '').map((w) => [w.work_id, w.merged_into]))).toEqual({ W2: 'W1', W7: 'W6', W10: 'W9' });
    expect(JSON.parse(readFileSync(join(dir, 'merged', 'manifest.json'), 'utf8')).parameters.mergeVersions).toBe(true);
    // A window that ends before the journal version leaves the 2020 count as it was.
    const early = await run('early', '--merge-versions', '--to', '2020');
    expect(early.code, early.stderr).toBe(0);
    expect(counts('early')).toContain('2020,US,4,4.0000\n');
  });

  it('names the first 20 pairs and writes them all to version-pairs.csv when there are more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-versions-'));
    // CONSTRUCTED: one preprint and six journal versions of one title, four times over: 4 x 6 = 24 pairs.
    const lines: string[] = [];
    for (let t = 0; t < 4; t++) {
      const title = `Deep learning for the diagnosis of lung cancer in patients, cohort ${t}`;
      lines.push(JSON.stringify({ id: `https://openalex.org/W${t}00`, publication_year: 2020, type: 'preprint', title, authorships: [{ countries: ['US'], institutions: [] }] }));
      for (let v = 1; v <= 6; v++) {
        lines.push(JSON.stringify({ id: `https://openalex.org/W${t}0${v}`, publication_year: 2021, type: 'article', title, authorships: [{ countries: ['US'], institutions: [] }] }));
      }
    }
    writeFileSync(join(dir, 'works.jsonl'), `${lines.join('\n')}\n`);
    const r = await runCliInProcess(['run', '--snapshot', join(dir, 'works.jsonl'), '--from', '2020', '--to', '2021', '--countries', 'US', '--format', 'csv', '--db', join(dir, 'w.duckdb'), '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.counts.possibleVersionPairCount).toBe(24);
    expect(manifest.counts.possibleVersionPairs).toHaveLength(20);
    expect(r.stdout).toMatch(/Possibly counted twice \(--merge-versions counts them once\): 24 pair\(s\) .*; and 4 more \(all in version-pairs\.csv\)\./);
    const pairs = Papa.parse<Record<string, string>>(readFileSync(join(dir, 'out', 'version-pairs.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(pairs).toHaveLength(24);
    // Named among the files the run wrote, and as many as the folder holds.
    const written = readdirSync(join(dir, 'out'));
    expect(written).toContain('version-pairs.csv');
    expect(r.stderr).toContain(`wrote ${written.length} files to`);
    expect(pairs.slice(0, 20).map((p) => p.later_id)).toEqual(manifest.counts.possibleVersionPairs.map((p: { laterId: string }) => p.laterId));
  });
});

