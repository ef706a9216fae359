/**
 * The SQL twin of the classifier (queries/classify_works.sql) must give the same verdict and the
 * same matched terms as the TypeScript classifier on every real record of the corpus and on
 * every constructed trap, in a real in-memory DuckDB.
 */
import { LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import { STRICT_KEYWORDS_DIR, cases, edgeTexts, strictCases } from './cases.js';
import { corpusWorks } from './corpus.js';
import { textWork } from '../support/works-table.js';
import { classifyWorksInDatabase, sqlRows, storeWithWorks, type SqlClassification } from '../support/store-sql.js';
import { countriesOf, fractionalWeights } from '../../src/classify/countries.js';
import { normalizeWork, type Work } from '../../src/model/work.js';
import type { Store } from '../../src/store/store.js';

/**
 * CONSTRUCTED authorships with country values that are not codes ("USA", "", null, 840, "us"),
 * normalized as the store does: the SQL reads the stored authorships, so both engines must count
 * the same usable countries.
 */
const damagedCountries: unknown[][] = [
  [{ countries: ['US'] }, { countries: ['USA'] }],
  [{ countries: ['', null], institutions: [{ country_code: 840 }] }],
  [{ countries: ['us'], institutions: [{ country_code: 'Cn' }, { country_code: 156 }, { country_code: null }] }],
  [{ institutions: [{ country_code: 'hk' }, { country_code: 'CHN' }] }],
];

let store: Store;
let rules: KeywordRules;
const texts = new Map<string, { title: string | null; abstract: string | null }>();
const real = new Map<string, Work>();
let rows: SqlClassification[];
let strict: KeywordRules;
let strictRows: SqlClassification[];

beforeAll(async () => {
  rules = await loadKeywordRules();
  for (const w of await corpusWorks()) {
    texts.set(w.id, { title: w.title, abstract: w.abstract });
    real.set(w.id, w);
  }
  damagedCountries.forEach((authorships, i) => {
    const n = normalizeWork({ id: `W900000000${i}`, publication_year: 2020, title: 'Deep learning in patients', authorships });
    if (!n.ok) throw new Error(n.reason);
    texts.set(n.work.id, { title: n.work.title, abstract: n.work.abstract });
    real.set(n.work.id, n.work);
  });
  cases.forEach(([, title, abstract], i) => texts.set(`constructed-${i}`, { title, abstract }));
  strictCases.forEach(([, title, abstract], i) => texts.set(`strict-${i}`, { title, abstract }));
  edgeTexts.forEach((title, i) => texts.set(`edge-${i}`, { title, abstract: 'patients' }));
  // The store's own table and row writer, so the SQL runs against the real shape (authorships as
  // the JSON the store writes, from which the SQL derives the countries).
  store = await storeWithWorks([...texts].map(([id, t]) => real.get(id) ?? textWork(id, t.title, t.abstract)));
  rows = await classifyWorksInDatabase(store, rules);
  strict = await loadKeywordRules(STRICT_KEYWORDS_DIR);
  strictRows = await classifyWorksInDatabase(store, strict);
});

function disagreements(result: readonly SqlClassification[], with_: KeywordRules): string[] {
  const out: string[] = [];
  for (const row of result) {
    const ts = classify(texts.get(row.work_id) ?? { title: null, abstract: null }, with_);
    const sql = { isMedical: row.is_medical, isAi: row.is_ai, isMedicalAi: row.is_medical_ai, matchedTerms: row.matched_terms };
    if (JSON.stringify(sql) !== JSON.stringify(ts)) out.push(`${row.work_id}: sql ${JSON.stringify(sql)} ts ${JSON.stringify(ts)}`);
  }
  return out;
}

afterAll(() => {
  store?.close();
});

describe('SQL and TypeScript classifiers', () => {
  it('compile every pattern in RE2, including terms, vetoes and masks no record reaches', async () => {
    const patterns = [...rules.terms.flatMap((t) => [t.pattern, ...t.vetoes.map((v) => v.pattern), t.vetoPattern ?? '']), rules.maskPattern ?? ''].filter((p) => p !== '');
    const rows = await sqlRows(
      store,
      'select count(*)::integer as n from (select unnest($p::varchar[]) as p) where regexp_matches($t, p) is not null',
      { p: listValue(patterns), t: 'x' },
      { p: LIST(VARCHAR), t: VARCHAR },
    );
    expect(rows).toEqual([{ n: patterns.length }]);
  });

  it('return one row per work', () => {
    expect(rows.length).toBe(texts.size);
    expect(texts.size).toBe(2290 + damagedCountries.length + cases.length + strictCases.length + edgeTexts.length);
  });

  it('agree on every record: verdicts and matched terms', () => {
    expect(disagreements(rows, rules)).toEqual([]);
  });

  it('agree on every record under the strict rule (term counts, terms inside terms, title terms)', () => {
    expect(disagreements(strictRows, strict)).toEqual([]);
    // The strict rule must actually bite, here as in TypeScript.
    const tagged = (r: readonly SqlClassification[]) => r.filter((x) => x.is_medical).length;
    expect(tagged(strictRows)).toBeLessThan(tagged(rows) - 50);
  });

  it('derive the same countries and years as countriesOf on every real record, under both policies', async () => {
    const folded = await classifyWorksInDatabase(store, rules, 'fold-hk-mo');
    for (const [result, policy] of [
      [rows, 'separate'],
      [folded, 'fold-hk-mo'],
    ] as const) {
      const differ = result
        .filter((r) => real.has(r.work_id))
        .filter((r) => {
          const w = real.get(r.work_id) as Work;
          return r.year !== w.year || JSON.stringify(r.countries) !== JSON.stringify(countriesOf(w.authorships, policy));
        });
      expect(differ.map((r) => r.work_id)).toEqual([]);
    }
    // Not agreement on nothing: many works have countries, and folding changes some.
    expect(rows.filter((r) => r.countries.length > 1).length).toBeGreaterThan(300);
    expect(rows.filter((r) => r.countries.includes('HK')).length).toBeGreaterThan(0);
    expect(folded.filter((r) => r.countries.includes('HK')).length).toBe(0);
    // Damaged country values: only the usable ones count, in both engines.
    expect(['W9000000000', 'W9000000001', 'W9000000002', 'W9000000003'].map((id) => rows.find((r) => r.work_id === id)?.countries)).toEqual([['US'], [], ['CN', 'US'], ['HK']]);
    expect(folded.find((r) => r.work_id === 'W9000000003')?.countries).toEqual(['CN']);
    // Works without authorships count for no country.
    expect(rows.find((r) => r.work_id === 'constructed-0')?.countries).toEqual([]);
  });

  it('derive the same fractional weights as fractionalWeights on every real record, under both policies', async () => {
    const folded = await classifyWorksInDatabase(store, rules, 'fold-hk-mo');
    let compared = 0;
    for (const [result, policy] of [
      [rows, 'separate'],
      [folded, 'fold-hk-mo'],
    ] as const) {
      const differ: string[] = [];
      for (const r of result) {
        const w = real.get(r.work_id);
        if (w === undefined) continue;
        const ts = fractionalWeights(w.authorships, policy);
        // Both engines add the same terms in the same order; 1e-12 allows for a different rounding.
        if (r.weights.length !== ts.length || r.weights.some((x, i) => Math.abs(x - (ts[i] as number)) > 1e-12)) differ.push(`${r.work_id}: sql ${JSON.stringify(r.weights)} ts ${JSON.stringify(ts)}`);
        if (r.weights.length > 0) compared++;
      }
      expect(differ).toEqual([]);
    }
    // Not agreement on nothing: many real works are split over several countries.
    expect(rows.filter((r) => r.weights.some((x) => x > 0 && x < 1)).length).toBeGreaterThan(300);
    expect(compared).toBeGreaterThan(2000);
    // Damaged values: W9000000002 has one author, in US (own) and CN (institution, read upper-cased): half each.
    expect(rows.find((r) => r.work_id === 'W9000000002')?.weights).toEqual([0.5, 0.5]);
    expect(rows.find((r) => r.work_id === 'constructed-0')?.weights).toEqual([]);
  });

  it('tag something in both halves, so agreement is not agreement on nothing', () => {
    expect(rows.filter((r) => r.is_medical_ai).length).toBeGreaterThan(40);
    expect(rows.find((r) => r.work_id === 'W3158248441')?.matched_terms).not.toContain('ai:AI');
    expect(rows.filter((r) => r.matched_terms.includes('ai:深度学习')).length).toBeGreaterThan(0);
    // The vetoed "AI" of the aortic-insufficiency case is absent in SQL too.
    const vetoCase = cases.findIndex(([name]) => name === 'AI = aortic insufficiency');
    expect(rows.find((r) => r.work_id === `constructed-${vetoCase}`)?.is_ai).toBe(false);
  });
});
