/**
 * Classifier speed on the real corpus (2,290 works per iteration), side by side: the fast path,
 * the evidence-keeping path `explain` uses, and the SQL twin in an in-memory DuckDB.
 * Run: npx vitest bench --run test/classify
 */
import { bench, describe } from 'vitest';
import { classify, classifyWithDetail } from '../../src/classify/classifier.js';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { classifyWorksInDatabase, storeWithWorks } from '../support/store-sql.js';
import { corpusWorks } from './corpus.js';

const rules = await loadKeywordRules();
const works = await corpusWorks();
const store = await storeWithWorks(works, 'bench', { threads: 2 });

describe('classify the corpus', () => {
  bench('classify (token pre-check)', () => {
    for (const w of works) classify(w, rules);
  });
  bench('classifyWithDetail (regex per term)', () => {
    for (const w of works) classifyWithDetail(w, rules);
  });
  bench('queries/classify_works.sql (DuckDB, 2 threads)', async () => {
    await classifyWorksInDatabase(store, rules);
  });
});
