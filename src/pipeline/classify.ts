/**
 * The classify stage: tags every stored work with the keyword rule and derives the countries it
 * counts for, replacing earlier classifications so the table always matches one rule set.
 */
import { classify } from '../classify/classifier.js';
import { countryShares, type CountryPolicy } from '../classify/countries.js';
import { searchTerms, type Group, type GroupStrength, type KeywordRules } from '../classify/keywords.js';
import { insertClassificationsInDatabase } from '../classify/sql.js';
import { CLASSIFIED_ORDER, DOUBLE_LIST, VARCHAR_LIST, appendNullable, type Store } from '../store/store.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import type { ClassifyEngine } from './engine.js';

export interface ClassifySummary {
  classified: number;
  medical: number;
  ai: number;
  medicalAi: number;
}

/**
 * A keyword rule as applied, for the method statement of the report; `search`, its search terms,
 * for the check against the fetch's prefilter (coverage.ts).
 */
export interface RuleRecord {
  dir: string;
  require: Group[];
  strength: Partial<Record<Group, GroupStrength>>;
  search?: { ai: string[]; medical: string[] };
}

export interface ClassifierRecord {
  keywordFiles: { path: string; sha256: string }[];
  /** Absent in databases classified before the SQL engine existed (they used TypeScript). */
  engine?: ClassifyEngine;
  /** Absent in older databases. */
  rule?: RuleRecord;
  countryPolicy: CountryPolicy;
  summary: ClassifySummary;
}

/** What a classification records of the rule it used: its files' hashes and the rule (the rule's and the second rule's alike). */
export function ruleRecord(rules: KeywordRules): { keywordFiles: ClassifierRecord['keywordFiles']; rule: RuleRecord } {
  return {
    keywordFiles: rules.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
    rule: { dir: rules.dir, require: [...rules.require], strength: { ...rules.strength }, search: searchTerms(rules) },
  };
}

export async function classifyStore(
  store: Store,
  rules: KeywordRules,
  policy: CountryPolicy,
  engine: ClassifyEngine = 'ts',
  effects: Effects = quietEffects,
): Promise<ClassifySummary> {
  let summary: ClassifySummary = { classified: 0, medical: 0, ai: 0, medicalAi: 0 };
  await store.transaction(async () => {
    // Recreated rather than emptied, so a database made by an older version gets today's columns.
    await store.run('drop_classified');
    await store.run('schema/classified');
    if (engine === 'sql') await insertClassificationsInDatabase(store, rules, policy);
    else await appendClassifications(store, rules, policy);
    const [totals] = await store.query<ClassifySummary>('classified_totals');
    summary = totals ?? summary;
    const record: ClassifierRecord = {
      ...ruleRecord(rules),
      engine,
      countryPolicy: policy,
      summary,
    };
    await store.setMeta('classifier', record);
  });
  effects.log(`classified ${summary.classified} works (${engine === 'sql' ? 'SQL in DuckDB' : 'TypeScript'}): ${summary.medicalAi} medical AI (${summary.medical} medical, ${summary.ai} AI)`);
  return summary;
}

/**
 * The TypeScript engine: every stored work through classify() and countryShares(), appended in bulk
 * to a staging table and moved into `classified` in its layout (CLASSIFIED_ORDER), as the SQL engine
 * writes it.
 */
async function appendClassifications(store: Store, rules: KeywordRules, policy: CountryPolicy): Promise<void> {
  await store.run('classify/staging');
  await store.append('classified_staging', async (app) => {
    for await (const work of store.iterateWorks()) {
      const c = classify(work, rules);
      app.appendVarchar(work.id);
      app.appendInteger(work.year);
      app.appendBoolean(c.isMedical);
      app.appendBoolean(c.isAi);
      app.appendBoolean(c.isMedicalAi);
      app.appendList(c.matchedTerms, VARCHAR_LIST);
      const shares = countryShares(work.authorships, policy);
      app.appendList(shares.countries, VARCHAR_LIST);
      app.appendList(shares.weights, DOUBLE_LIST);
      appendNullable(app, work.type);
      appendNullable(app, c.isMedicalAi ? work.title : null);
      app.endRow();
    }
  }, { temp: true });
  await store.insertFrom('classified', 'classify/staged', {}, undefined, { orderBy: CLASSIFIED_ORDER });
  await store.run('classify/drop_staging');
}
