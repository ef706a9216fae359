/**
 * Rule sensitivity (--compare-keywords, src/pipeline/compare.ts): the second rule is classified by
 * either engine into its own table, counted through the same scope chain as the rule (window,
 * types, --merge-versions, full counting), written as papers_compare, refused when missing, stale
 * or made from other files, and each rule's hand-review precision is stated over the papers it counts.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { countriesOf } from '../../src/classify/countries.js';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { precisionOver } from '../../src/pipeline/compare.js';
import { Store } from '../../src/store/store.js';
import { ingestSnapshot } from '../../src/pipeline/ingest.js';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer } from '../support/openalex-server.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';

const STRICT = join(REPO_ROOT, 'data', 'keywords-strict');

/** An OpenAlex work with its abstract as an inverted index and one author per country. */
function work(id: string, year: number, title: string, abstract: string, countries: string[], type = 'article'): string {
  const index: Record<string, number[]> = {};
  abstract.split(' ').forEach((w, i) => (index[w] = [...(index[w] ?? []), i]));
  return JSON.stringify({
    id: `https://openalex.org/${id}`,
    publication_year: year,
    title,
    type,
    updated_date: '2024-01-01',
    abstract_inverted_index: abstract === '' ? null : index,
    authorships: countries.map((c) => ({ countries: [c], institutions: [] })),
  });
}

/**
 * Worked out by hand with data/keywords (one medical and one AI term anywhere) and
 * data/keywords-strict (a medical term in the title, or two different ones):
 * - W1 2015 US: "cancer" in the title, "deep learning": both rules.
 * - W2 2015 US: "medicine" once, in the abstract: the rule only.
 * - W3 2016 CN: "patient" and "hospital" in the abstract: both rules.
 * - W4 2016 US+CN: "clinical" once, in the abstract: the rule only.
 * - W5 2016 US preprint and W6 2017 US article, one title with "cancer": both rules, and a
 *   version pair, which --merge-versions counts once, in 2016.
 * - W7 2016 US: "medicine" and "hospital" in the abstract, no AI term: neither.
 * - W8 2009 US: both rules, outside the window.
 * Without --merge-versions: 2015 US 2 / 1; 2016 US 2 / 1 (W4, W5 / W5), CN 2 / 1 (W3, W4 / W3);
 * 2017 US 1 / 1 (W6). With it, 2017 US is 0 / 0 and 2016 is unchanged (W6 joins W5 there).
 */
const WORKS = [
  work('W1', 2015, 'Deep learning for cancer screening', 'We train a network on screening images.', ['US']),
  work('W2', 2015, 'A survey of deep learning', 'Methods reviewed span vision, language and medicine among other fields.', ['US']),
  work('W3', 2016, 'Neural network triage', 'A neural network ranks each patient arriving at the hospital by urgency.', ['CN']),
  work('W4', 2016, 'Scalable machine learning systems', 'Systems for machine learning at scale, with a clinical example.', ['US', 'CN']),
  work('W5', 2016, 'Machine learning predicts cancer recurrence from routine records', 'A cohort study.', ['US'], 'preprint'),
  work('W6', 2017, 'Machine learning predicts cancer recurrence from routine records', 'A cohort study.', ['US'], 'article'),
  work('W7', 2016, 'Waiting times', 'Medicine wards of the hospital were observed.', ['US']),
  work('W8', 2009, 'Deep learning for cancer screening, early', 'An early attempt.', ['US']),
];

let dir: string;
let snapshot: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-compare-'));
  snapshot = join(dir, 'works.jsonl');
  await writeFile(snapshot, `${WORKS.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rows = (csv: string): Record<string, string>[] => Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
const cell = (csv: string, year: number, country: string): [number, number] => {
  const r = rows(csv).find((x) => x.year === String(year) && x.country === country);
  return [Number(r?.papers), Number(r?.papers_compare)];
};

describe('--compare-keywords on hand-made records', () => {
  it.each(['ts', 'sql'])('counts the second rule beside the rule through the same scope (engine %s)', async (engine) => {
    const db = join(dir, `hand-${engine}.duckdb`);
    expect((await runCliInProcess(['fetch', '--snapshot', snapshot, '--db', db])).code).toBe(0);
    const c = await runCliInProcess(['classify', '--db', db, '--engine', engine, '--compare-keywords', STRICT]);
    expect(c.code, c.stderr).toBe(0);
    const scope = ['--db', db, '--from', '2015', '--to', '2017', '--countries', 'US,CN', '--compare-keywords', STRICT];
    const a = await runCliInProcess(['aggregate', ...scope]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.split('\n')[0]).toBe('year,country,papers,fractional,papers_compare');
    expect(cell(a.stdout, 2015, 'US')).toEqual([2, 1]);
    expect(cell(a.stdout, 2015, 'CN')).toEqual([0, 0]);
    expect(cell(a.stdout, 2016, 'US')).toEqual([2, 1]);
    expect(cell(a.stdout, 2016, 'CN')).toEqual([2, 1]);
    expect(cell(a.stdout, 2017, 'US')).toEqual([1, 1]);
    const merged = await runCliInProcess(['aggregate', ...scope, '--merge-versions']);
    expect(cell(merged.stdout, 2016, 'US')).toEqual([2, 1]);
    expect(cell(merged.stdout, 2017, 'US')).toEqual([0, 0]);
    // --types applies to both: only the preprint W5 is left.
    const preprints = await runCliInProcess(['aggregate', ...scope, '--types', 'preprint']);
    expect(rows(preprints.stdout).map((r) => `${r.year}${r.country}:${r.papers}/${r.papers_compare}`).filter((s) => !s.endsWith(':0/0'))).toEqual(['2016US:1/1']);
    // Without the flag counts.csv is as before, with no papers_compare column.
    const plain = await runCliInProcess(['aggregate', '--db', db, '--from', '2015', '--to', '2017']);
    expect(plain.stdout.split('\n')[0]).toBe('year,country,papers,fractional');
    expect(rows(plain.stdout).map((r) => r.papers)).toEqual(rows(a.stdout).map((r) => r.papers));
  });

  it('refuses a report whose second rule is missing, from other files, or dropped by a later classify (exit 2, naming the classify to run)', async () => {
    const db = join(dir, 'refuse.duckdb');
    const out = join(dir, 'refuse-out');
    expect((await runCliInProcess(['fetch', '--snapshot', snapshot, '--db', db])).code).toBe(0);
    expect((await runCliInProcess(['classify', '--db', db])).code).toBe(0);
    const report = ['report', '--db', db, '--out', out, '--from', '2015', '--to', '2017', '--compare-keywords', STRICT];
    const missing = await runCliInProcess(report);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no second rule is classified in this database');
    expect(missing.stderr).toContain(`--compare-keywords ${STRICT}\` first`);

    // A copy of the strict rule asking for three medical terms, beside a copy of the lists it
    // names (../keywords/): the same file names, but another rule.json than the one stored.
    const other = join(dir, 'keywords-other');
    await cp(join(REPO_ROOT, 'data', 'keywords'), join(dir, 'keywords'), { recursive: true });
    await cp(STRICT, other, { recursive: true });
    const rule = JSON.parse(await readFile(join(other, 'rule.json'), 'utf8')) as { strength: { medical: { minTerms: number } } };
    rule.strength.medical.minTerms = 3;
    await writeFile(join(other, 'rule.json'), JSON.stringify(rule));
    expect((await runCliInProcess(['classify', '--db', db, '--compare-keywords', STRICT])).code).toBe(0);
    const differ = await runCliInProcess([...report.slice(0, -1), other]);
    expect(differ.code).toBe(2);
    expect(differ.stderr).toMatch(/the second rule stored was made from .*keywords-strict, whose files differ from these \(rule\.json\)/);

    const ok = await runCliInProcess(report);
    expect(ok.code, ok.stderr).toBe(0);
    // A classify without the flag drops the second rule: it belongs to the classification it was made with.
    expect((await runCliInProcess(['classify', '--db', db])).code).toBe(0);
    expect((await runCliInProcess(report)).stderr).toContain('no second rule is classified');
  });

  it('refuses a second rule that has no verdict for works classified since (stale)', async () => {
    const db = join(dir, 'stale.duckdb');
    expect((await runCliInProcess(['fetch', '--snapshot', snapshot, '--db', db])).code).toBe(0);
    expect((await runCliInProcess(['classify', '--db', db, '--compare-keywords', STRICT])).code).toBe(0);
    const store = await Store.open(db);
    try {
      await store.run('empty_classified_compare');
    } finally {
      store.close();
    }
    const r = await runCliInProcess(['aggregate', '--db', db, '--compare-keywords', STRICT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${WORKS.length} classified works have no verdict of the second rule`);
  });
});

describe('--compare-keywords after an API fetch', () => {
  it('refuses a second rule with search terms the prefilter did not ask for; the strict rule (same terms) is covered', async () => {
    const server = await startOpenAlexServer({ worksFile: WORKS_FILE, apiKey: 'compare-key' });
    try {
      const env = { OPENALEX_API_KEY: 'compare-key', OPENALEX_BASE_URL: server.url };
      const db = join(dir, 'api.duckdb');
      const fetched = await runCliInProcess(['fetch', '--db', db, '--from', '2015', '--to', '2021', '--countries', 'US', '--max-rps', '100'], env);
      expect(fetched.code, fetched.stderr).toBe(0);
      // The shipped lists plus an AI term the fetch's prefilter never searched for.
      const broader = join(dir, 'broader-keywords');
      await cp(join(REPO_ROOT, 'data', 'keywords'), broader, { recursive: true });
      await writeFile(join(broader, 'ai.en.txt'), `${await readFile(join(broader, 'ai.en.txt'), 'utf8')}\nsoftware\n`);
      const refused = await runCliInProcess(['classify', '--db', db, '--compare-keywords', broader]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`keywords: the keyword rule in ${broader} has search terms the fetch's prefilter did not ask for ("software")`);
      const strict = await runCliInProcess(['classify', '--db', db, '--compare-keywords', STRICT]);
      expect(strict.code, strict.stderr).toBe(0);
      const counted = await runCliInProcess(['aggregate', '--db', db, '--from', '2015', '--to', '2021', '--countries', 'US', '--compare-keywords', STRICT]);
      expect(counted.code, counted.stderr).toBe(0);
      expect(counted.stdout.split('\n')[0]).toBe('year,country,papers,fractional,papers_compare');
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe('hand-review precision over the papers a rule counts', () => {
  const sheet = 'work_id,judgement,note\nW1,yes,\nW2,no,\nW3,yes,\nW4,unsure,\nW9,no,not counted by either\n';
  it('scores only the counted works the sheet judges, and says how many it does not list', () => {
    const rule = precisionOver(sheet, 'sheet.csv', ['W1', 'W2', 'W3', 'W4', 'W5']);
    expect(rule.counted).toBe(5);
    expect(rule.unreviewed).toBe(1); // W5
    expect([rule.review.yes, rule.review.no, rule.review.unsure]).toEqual([2, 1, 1]);
    expect(rule.review.precision).toBeCloseTo(2 / 3, 12);
    const strict = precisionOver(sheet, 'sheet.csv', ['W1', 'W3', 'W5']);
    expect(strict.review.precision).toBe(1);
    expect(strict.unreviewed).toBe(1);
    expect(precisionOver(sheet, 'sheet.csv', ['W5']).review.precision).toBeNull();
  });
});

describe('--compare-keywords on the real records', () => {
  let out: string;
  let run: Awaited<ReturnType<typeof runCliInProcess>>;
  beforeAll(async () => {
    out = join(dir, 'real-out');
    run = await runCliInProcess(['run', '--snapshot', WORKS_FILE, '--db', join(dir, 'real.duckdb'), '--out', out, '--compare-keywords', STRICT]);
  }, 120_000);

  it('writes papers_compare equal to the strict rule applied work by work in TypeScript', async () => {
    expect(run.code, run.stderr).toBe(0);
    const csv = await readFile(join(out, 'counts.csv'), 'utf8');
    // The expectation, worked out apart from the SQL chain: classify() and countriesOf() per work.
    const [rule, strict] = await Promise.all([loadKeywordRules(), loadKeywordRules(STRICT)]);
    const store = await Store.open(':memory:');
    const expected = new Map<string, [number, number]>();
    try {
      await ingestSnapshot(store, [WORKS_FILE]);
      for await (const w of store.iterateWorks()) {
        if (w.year < 2010 || w.year > 2021) continue;
        for (const c of countriesOf(w.authorships, 'separate')) {
          if (c !== 'US' && c !== 'CN') continue;
          const e = expected.get(`${w.year}|${c}`) ?? [0, 0];
          if (classify(w, rule).isMedicalAi) e[0]++;
          if (classify(w, strict).isMedicalAi) e[1]++;
          expected.set(`${w.year}|${c}`, e);
        }
      }
    } finally {
      store.close();
    }
    for (const r of rows(csv)) expect([Number(r.papers), Number(r.papers_compare)], `${r.year} ${r.country}`).toEqual(expected.get(`${r.year}|${r.country}`) ?? [0, 0]);
    // The strict rule asks for more evidence of the same lists: it never counts more.
    expect(rows(csv).every((r) => Number(r.papers_compare) <= Number(r.papers))).toBe(true);
    expect(rows(csv).some((r) => Number(r.papers_compare) < Number(r.papers))).toBe(true);
  });

  it('states both rules and the precision data/review/README.md gives for the Figure 2 population (9/14 and 9/10)', async () => {
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('| year | US | CN | US (keywords-strict) | CN (keywords-strict) |');
    expect(summary).toContain('data/keywords/: precision 0.643 (9 of 14 judged medical AI');
    expect(summary).toContain('data/keywords-strict/: precision 0.900 (9 of 10 judged medical AI');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<p id="compare-method">Rule sensitivity: .*precision 0\.643 .*precision 0\.900 /);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { compareKeywords?: { files: { path: string }[] } };
    expect(manifest.compareKeywords?.files.map((f) => f.path)).toContain('rule.json');
  });

  it('draws each second-rule line dashed in its country colour, labelled with its rule', async () => {
    const spec = JSON.parse(await readFile(join(out, 'figure2.vl.json'), 'utf8')) as {
      layer: { mark: { type: string; strokeDash?: number[]; strokeWidth?: number }; data?: { values: { name?: string; value?: number }[] } }[];
    };
    const dashed = spec.layer.filter((l) => l.mark.type === 'line' && l.data !== undefined);
    expect(dashed).toHaveLength(1);
    expect(dashed[0]!.mark.strokeDash).toEqual([9, 3]);
    const counts = rows(await readFile(join(out, 'counts.csv'), 'utf8'));
    const us2021 = counts.find((r) => r.year === '2021' && r.country === 'US');
    expect(dashed[0]!.data!.values.find((v) => v.name === 'United States' && (v as { year?: number }).year === 2021)?.value).toBe(Number(us2021?.papers_compare));
    const labels = spec.layer.find((l) => l.mark.type === 'text' && l.data?.values.some((v) => v.name?.includes('(keywords-strict)')));
    expect(labels?.data?.values.map((v) => v.name).sort()).toEqual(['China (keywords)', 'China (keywords-strict)', 'United States (keywords)', 'United States (keywords-strict)']);
  });
});
