/**
 * The manual review of the medical-AI tag: a seeded sample sheet, the judgements read back (with
 * every problem named by file and row), and the precision they give, through the real CLI on the
 * real corpus and on constructed sheets.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseJudgements, scoreJudgements } from '../../src/evaluate/review.js';
import { runCliInProcess } from '../support/cli.js';
import { STRICT_KEYWORDS_DIR } from './cases.js';
import { CORPUS } from './corpus.js';

const JUDGEMENTS = new URL('../../data/review/medical-ai-judgements.csv', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-review-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ids = (csv: string): string[] => Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data.map((r) => r.work_id as string);

describe('review-sample', () => {
  it('draws the same works for the same seed, others for another, and records how', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const c = join(dir, 'c.csv');
    const r = await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', '10', '--seed', '7', '--out', a]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('drew 10 of the 38 works tagged medical AI (seed 7)');
    await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', '10', '--seed', '7', '--out', b]);
    await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', '10', '--seed', '8', '--out', c]);
    const [ta, tb, tc] = await Promise.all([a, b, c].map((f) => readFile(f, 'utf8')));
    expect(ta).toBe(tb);
    expect(ids(ta as string)).toHaveLength(10);
    expect(ids(tc as string)).not.toEqual(ids(ta as string));
    expect((ta as string).split('\n')[0]).toBe('work_id,year,title,abstract,matched_terms,judgement,note');
    const record = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'));
    expect(record).toMatchObject({ seed: 7, requested: 10, drawn: 10, population: 38, from: null, to: null });
    expect(record.keywords.map((k: { path: string }) => k.path)).toContain('rule.json');
  });

  it('takes every tagged work when asked for more than there are, and refuses bad flags', async () => {
    const all = join(dir, 'all.csv');
    expect((await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', '500', '--from', '2010', '--to', '2021', '--out', all])).code).toBe(0);
    expect(ids(await readFile(all, 'utf8'))).toHaveLength(20);
    // The Figure 2 population: the window and a US or CN affiliation, as counts.csv counts it.
    const fig2 = join(dir, 'fig2.csv');
    const r = await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', '500', '--from', '2010', '--to', '2021', '--countries', 'US,CN', '--out', fig2]);
    expect(r.stdout).toContain('drew 14 of the 14 works tagged medical AI');
    expect(JSON.parse(await readFile(join(dir, 'fig2.json'), 'utf8'))).toMatchObject({ countries: ['US', 'CN'], countryPolicy: 'separate', population: 14 });
    const bad = await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', 'ten', '--out', all]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--n must be a whole number from 1 to 10000, got "ten"');
    // Every problem at once.
    const two = await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--from', '2021', '--to', '2010', '--out', join(dir, 'sheet.txt')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('2 problems with the options');
    expect(two.stderr).toContain('--from 2021 is after --to 2010');
    expect(two.stderr).toContain('--out must name a .csv file');
  });
});

describe('parseJudgements (constructed sheets)', () => {
  it('reads yes / no / unsure in any case, blank as not judged, ids with or without the URL', () => {
    const sheet = 'work_id,judgement,note\nW1,Yes,\nhttps://openalex.org/W2,n,list of fields\nW3,?,\nW4,,\n';
    expect(parseJudgements(sheet, 's.csv')).toEqual([
      { workId: 'W1', judgement: 'yes', note: '' },
      { workId: 'W2', judgement: 'no', note: 'list of fields' },
      { workId: 'W3', judgement: 'unsure', note: '' },
      { workId: 'W4', judgement: null, note: '' },
    ]);
  });

  it('names every bad row by file and row, in one error', () => {
    const sheet = 'work_id,judgement\nW1,yes\nA5,no\nW1,no\nW9,maybe not\nW10,constructor\n';
    let err: unknown;
    try {
      parseJudgements(sheet, 'sheet.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const m = (err as Error).message;
    expect(m).toContain('4 problem(s)');
    expect(m).toContain('sheet.csv: row 2: work_id "A5" is not an OpenAlex work id');
    expect(m).toContain('sheet.csv: row 3 (W1): judged again, first at row 1');
    expect(m).toContain('sheet.csv: row 4 (W9): judgement "maybe not" is not yes, no, unsure or empty');
    expect(m).toContain('sheet.csv: row 5 (W10): judgement "constructor" is not yes, no, unsure or empty');
  });

  it('refuses a sheet without a judgement column', () => {
    expect(() => parseJudgements('work_id,verdict\nW1,yes\n', 'x.csv')).toThrow(/x\.csv: no "judgement" column \(header: work_id, verdict\)/);
  });
});

describe('scoreJudgements', () => {
  it('scores still-tagged works only and keeps the rest apart', () => {
    const judged = parseJudgements('work_id,judgement\nW1,yes\nW2,yes\nW3,no\nW4,unsure\nW5,\nW6,yes\nW7,no\n', 's');
    const now = new Map([
      ['W1', true],
      ['W2', true],
      ['W3', true],
      ['W4', true],
      ['W5', true],
      ['W6', false],
    ]);
    const r = scoreJudgements(judged, now);
    expect({ yes: r.yes, no: r.no, unsure: r.unsure, notJudged: r.notJudged, notInCorpus: r.notInCorpus }).toEqual({ yes: 2, no: 1, unsure: 1, notJudged: 1, notInCorpus: ['W7'] });
    expect(r.noLongerTagged).toEqual([{ workId: 'W6', judgement: 'yes' }]);
    expect(r.precision).toBeCloseTo(2 / 3, 10);
    expect(r.unsureRange).toEqual([0.5, 0.75]);
    expect(r.falsePositives.map((f) => f.workId)).toEqual(['W3']);
  });
});

describe('evaluate --judgements on the real corpus', () => {
  it('gives the precision of the medical-AI tag from the shipped review', async () => {
    const report = join(dir, 'eval.md');
    const r = await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--judgements', JUDGEMENTS, '--report', report]);
    expect(r.code).toBe(0);
    // 38 tagged works judged: 21 yes, 14 no, 3 unsure; the CNN news-network report is no longer tagged.
    expect(r.stdout).toContain('medical-AI tag, manual review: precision 0.600 [0.436-0.744] (21/35); unsure 3, not judged 0, no longer tagged 1 (0 of them judged yes)');
    const md = await readFile(report, 'utf8');
    expect(md).toContain('## Medical-AI tag: precision from a manual review');
    expect(md).toContain('| W1901616594 | general machine-learning review; health care is one field in a list |');
  });

  it('measures the strict rule against the same judgements', async () => {
    const report = join(dir, 'strict.md');
    const r = await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--keywords', STRICT_KEYWORDS_DIR, '--judgements', JUDGEMENTS, '--report', report]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('precision 0.826 [0.629-0.930] (19/23); unsure 2, not judged 0, no longer tagged 14 (2 of them judged yes)');
    expect(await readFile(report, 'utf8')).toContain('Of the works judged medical AI, the current rule keeps 19 of 21 (0.905).');
  });

  it('warns when the lists changed since the sample was drawn', async () => {
    const sheet = join(dir, 'drawn.csv');
    expect((await runCliInProcess(['review-sample', '--snapshot', CORPUS, '--n', '5', '--out', sheet])).code).toBe(0);
    const r = await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--keywords', STRICT_KEYWORDS_DIR, '--judgements', sheet, '--report', join(dir, 'drawn.md')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('manual review: no work judged yes or no yet');
    const md = await readFile(join(dir, 'drawn.md'), 'utf8');
    expect(md).toContain('5 works drawn at random (seed 1) from the 38 works');
    expect(md).toMatch(/The keyword files changed since the draw \(.*rule\.json.*\)/);
  });

  it('names a judgements file that cannot be read', async () => {
    const r = await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--judgements', join(dir, 'missing.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read the judgements ${join(dir, 'missing.csv')}: ENOENT`);
  });
});
