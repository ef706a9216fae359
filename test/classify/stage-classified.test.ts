/**
 * The duckdb snapshot reader's classifier (queries/snapshot/stage_classified.sql over the temp
 * table `snapshot_read`) must give the verdicts and matched terms of the TypeScript classifier on
 * every real record of the corpus and every constructed trap, under the shipped rule, the strict
 * one and CONSTRUCTED odd rules that take its slower paths; and pass the record's fields through
 * as compact_stage rows.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { countryShares } from '../../src/classify/countries.js';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import { stageClassifiedParams } from '../../src/classify/sql.js';
import type { Work } from '../../src/model/work.js';
import { loadQuery } from '../../src/store/queries.js';
import { Store } from '../../src/store/store.js';
import { fillSnapshotRead } from '../support/snapshot-read.js';
import { sqlRows } from '../support/store-sql.js';
import { textWork } from '../support/works-table.js';
import { STRICT_KEYWORDS_DIR, cases, edgeTexts, strictCases } from './cases.js';
import { corpusWorks } from './corpus.js';

/** A compact_stage row as stage_classified.sql selects it. */
interface StageRow {
  work_id: string;
  year: number;
  type: string | null;
  title: string | null;
  language: string | null;
  updated_date: string | null;
  authors_truncated: boolean;
  origin: string;
  file_order: number;
  line: bigint;
  slice_countries: string[];
  countries: string[];
  weights: number[];
  is_medical: boolean;
  is_ai: boolean;
  is_medical_ai: boolean;
  matched_terms: string[];
}

/**
 * CONSTRUCTED rules that take the paths the shipped lists never need: words with punctuation,
 * a case-sensitive phrase, a `none` term starting with an ASCII letter; and (second rule) a `none`
 * mask that starts with an ASCII letter and a one-word mask, which make the scan read the masked
 * text. The texts of ODD_TEXTS exercise them.
 */
const ODD_LISTS = {
  'ai.en.txt': ['R&D', 'Ph.D student', 'Deep Learning | case', 'GPT-4', 'U-Net', 'k-means', 'AI | acronym', 'neural network', 'network'].join('\n'),
  'ai.zh.txt': ['AI医疗', '深度学习', '神经网络', '卷积神经网络'].join('\n'),
  'medical.en.txt': ['patient', 'drug', 'drug discovery', 'therapy', 'diagnosis', 'X-ray', 'heart failure'].join('\n'),
  'medical.zh.txt': ['医学', '诊断'].join('\n'),
};
const ODD_RULE = {
  require: ['ai', 'medical'],
  lists: [
    { file: 'ai.en.txt', group: 'ai', boundaries: 'word' },
    { file: 'ai.zh.txt', group: 'ai', boundaries: 'none' },
    { file: 'medical.en.txt', group: 'medical', boundaries: 'word' },
    { file: 'medical.zh.txt', group: 'medical', boundaries: 'none' },
  ],
  exclusions: 'exclusions.txt',
  strength: { medical: { minTerms: 2, orInTitle: true }, ai: { minTerms: 2, orInTitle: false } },
};
const ODD_EXCLUSIONS = ['mask | neural network activity', 'mask | 故障诊断', 'veto | ai:network | social network', 'veto | medical:heart failure | heart failure simulator'].join('\n');
const ODD_EXCLUSIONS_UNSCANNABLE = `${ODD_EXCLUSIONS}\nmask | X光片\nmask | autoinducer`;
const ODD_TEXTS: [string | null, string | null][] = [
  ['R&D of Ph.D students', 'patients, drug discovery'],
  ['R & D and Ph.D  student', 'X-rays and x rays'],
  ['Deep Learning for diagnoses', 'deep learning'],
  ['deep learning for diagnoses', 'Deep Learning'],
  ['GPT-4 and GPT 4 and GPT4', 'U-Net, U Net, UNet, k-means, K Means'],
  ['AI医疗 and AI医疗系统', '深度学习与卷积神经网络 诊断'],
  ['autoinducer network', 'neural network activity in patients; a neural network'],
  ['social network of patients', 'drug therapy, neural network'],
  ['X光片 diagnosis', 'xX光片 network and X光片s patients'],
  ['故障诊断 network', '医学'],
  ['neural network activity network', 'patients\n|\npatients'],
  ['Heart failure outcomes', 'A deep learning model'],
  ['Outcomes', 'heart failure and heart-failure simulators'],
];

let store: Store;
let dir: string;
const texts = new Map<string, { title: string | null; abstract: string | null }>();
const works: Work[] = [];
const rules: Record<string, KeywordRules> = {};
const rows: Record<string, StageRow[]> = {};
const REJECTED = 3;

async function stage(rule: KeywordRules): Promise<StageRow[]> {
  const { params, types } = stageClassifiedParams(rule, 'snapshot/part_000.gz:', 7);
  return (await sqlRows(store, `${loadQuery('snapshot/stage_classified')}\norder by line`, params, types)) as unknown as StageRow[];
}

beforeAll(async () => {
  for (const w of await corpusWorks()) works.push(w);
  const add = (id: string, title: string | null, abstract: string | null) => works.push(textWork(id, title, abstract));
  cases.forEach(([, title, abstract], i) => add(`W91${i}`, title, abstract));
  strictCases.forEach(([, title, abstract], i) => add(`W92${i}`, title, abstract));
  edgeTexts.forEach((title, i) => add(`W93${i}`, title, 'patients'));
  ODD_TEXTS.forEach(([title, abstract], i) => add(`W94${i}`, title, abstract));
  // Two copies of one work in one file, with different texts: each row keeps its own verdict.
  add('W95', 'Deep learning for patients', null);
  add('W95', 'Soil nitrogen', null);
  for (const w of works) texts.set(w.id, { title: w.title, abstract: w.abstract });

  dir = await mkdtemp(join(tmpdir(), 'medai-stage-'));
  for (const [name, exclusions] of [
    ['odd', ODD_EXCLUSIONS],
    ['odd-unscannable', ODD_EXCLUSIONS_UNSCANNABLE],
  ] as const) {
    const at = join(dir, name);
    await mkdir(at);
    for (const [file, text] of Object.entries(ODD_LISTS)) await writeFile(join(at, file), `# CONSTRUCTED\n${text}\n`);
    await writeFile(join(at, 'exclusions.txt'), `# CONSTRUCTED\n${exclusions}\n`);
    await writeFile(join(at, 'rule.json'), JSON.stringify(ODD_RULE));
    rules[name] = await loadKeywordRules(at);
  }
  rules.shipped = await loadKeywordRules();
  rules.strict = await loadKeywordRules(STRICT_KEYWORDS_DIR);

  store = await Store.open(':memory:');
  await fillSnapshotRead(store, works, 'separate', REJECTED);
  for (const [name, rule] of Object.entries(rules)) rows[name] = await stage(rule);
});

afterAll(async () => {
  store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Rows whose verdict or matched terms differ from classify() on the same record (by line). */
function disagreements(result: readonly StageRow[], rule: KeywordRules): string[] {
  const out: string[] = [];
  for (const row of result) {
    // Lines 1..REJECTED are the rejected records; record i is at line i + 1 + REJECTED.
    const work = works[Number(row.line) - 1 - REJECTED] as Work;
    const ts = classify(work, rule);
    const sql = { isMedical: row.is_medical, isAi: row.is_ai, isMedicalAi: row.is_medical_ai, matchedTerms: row.matched_terms };
    if (work.id !== row.work_id || JSON.stringify(sql) !== JSON.stringify(ts)) out.push(`${row.work_id} (line ${row.line}): sql ${JSON.stringify(sql)} ts ${JSON.stringify(ts)}`);
  }
  return out;
}

describe('stage_classified.sql', () => {
  it('gives one row per usable record, none for rejected ones', () => {
    for (const result of Object.values(rows)) expect(result.length).toBe(works.length);
    expect(works.length).toBe(2290 + cases.length + strictCases.length + edgeTexts.length + ODD_TEXTS.length + 2);
  });

  it.each(['shipped', 'strict', 'odd', 'odd-unscannable'])('agrees with classify() on every record under the %s rule', (name) => {
    expect(disagreements(rows[name] as StageRow[], rules[name] as KeywordRules)).toEqual([]);
  });

  it('takes the slower paths only for the rules that need them', () => {
    const scan = (name: string) => stageClassifiedParams(rules[name] as KeywordRules, '', 0).params.scan_masks;
    expect([scan('shipped'), scan('strict'), scan('odd'), scan('odd-unscannable')]).toEqual([true, true, true, false]);
  });

  it('tags something, so agreement is not agreement on nothing', () => {
    const shipped = rows.shipped as StageRow[];
    const strict = rows.strict as StageRow[];
    expect(shipped.filter((r) => r.is_medical_ai).length).toBeGreaterThan(40);
    expect(strict.filter((r) => r.is_medical).length).toBeLessThan(shipped.filter((r) => r.is_medical).length - 50);
    expect(shipped.filter((r) => r.matched_terms.includes('ai:深度学习')).length).toBeGreaterThan(0);
    const odd = rows.odd as StageRow[];
    for (const term of ['ai:R&D', 'ai:Ph.D student', 'ai:Deep Learning', 'ai:GPT-4', 'ai:U-Net', 'ai:AI医疗', 'ai:卷积神经网络', 'medical:X-ray', 'medical:drug discovery']) {
      expect(odd.filter((r) => r.matched_terms.includes(term)).length, term).toBeGreaterThan(0);
    }
    // The two copies of W95 keep their own verdicts.
    expect(shipped.filter((r) => r.work_id === 'W95').map((r) => r.is_medical_ai)).toEqual([true, false]);
  });

  it('passes the record through as a compact_stage row, with its origin and file order', () => {
    const row = (rows.shipped as StageRow[])[0] as StageRow;
    const work = works[0] as Work;
    const shares = countryShares(work.authorships, 'separate');
    expect(row).toMatchObject({
      work_id: work.id,
      year: work.year,
      type: work.type,
      title: work.title,
      language: work.language,
      updated_date: work.updatedDate,
      authors_truncated: work.authorsTruncated,
      origin: `snapshot/part_000.gz:${REJECTED + 1}`,
      file_order: 7,
      line: BigInt(REJECTED + 1),
      countries: shares.countries,
      weights: shares.weights,
    });
    expect(Object.keys(row)).toEqual(['work_id', 'year', 'type', 'title', 'language', 'updated_date', 'authors_truncated', 'origin', 'file_order', 'line', 'slice_countries', 'countries', 'weights', 'is_medical', 'is_ai', 'is_medical_ai', 'matched_terms']);
  });
});
