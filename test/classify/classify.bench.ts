/**
 * Classifier speed on the real corpus (2,290 works per iteration), side by side: the fast path,
 * the evidence-keeping path `explain` uses, and the SQL twin in an in-memory DuckDB.
 * Run: npx vitest bench --run test/classify
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { bench, describe } from 'vitest';
import { classify, classifyWithDetail } from '../../src/classify/classifier.js';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { classifyWorksInDatabase } from '../../src/classify/sql.js';
import { fillWorksTable } from '../support/works-table.js';
import { corpusWorks } from './corpus.js';

const rules = await loadKeywordRules();
const works = await corpusWorks();
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const connection = await instance.connect();
await fillWorksTable(connection, works, 'bench');

describe('classify the corpus', () => {
  bench('classify (token pre-check)', () => {
    for (const w of works) classify(w, rules);
  });
  bench('classifyWithDetail (regex per term)', () => {
    for (const w of works) classifyWithDetail(w, rules);
  });
  bench('queries/classify_works.sql (DuckDB, 2 threads)', async () => {
    await classifyWorksInDatabase(connection, rules);
  });
});
