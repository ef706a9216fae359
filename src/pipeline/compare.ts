/**
 * Rule sensitivity (--compare-keywords <dir>): a second keyword rule classifies the same works, its
 * verdict stored apart from `classified` (classified_compare), and is counted through the same scope
 * chain (window, countries, types, versions, full counting) as the rule's, so the two counts differ
 * only by the rule. Each rule's precision is read from the project's hand review (data/review/)
 * over the works that rule counts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classify } from '../classify/classifier.js';
import type { CountryPolicy } from '../classify/countries.js';
import { parseJudgements, scoreJudgements, type ReviewResult } from '../classify/judgements.js';
import type { KeywordRules } from '../classify/keywords.js';
import { classifySqlParams } from '../classify/sql.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { ExitCode, UserError } from '../errors.js';
import { DATA_DIR } from '../paths.js';
import type { CountRow } from '../report/types.js';
import type { Store } from '../store/store.js';
import { aggregate } from './aggregate.js';
import { readChain, type ScopeChain } from './chain.js';
import { ruleRecord, type ClassifierRecord, type RuleRecord } from './classify.js';
import { commandLine } from './completeness.js';
import type { ClassifyEngine } from './engine.js';
import type { Scope } from './scope.js';

/** The meta key of the second rule's record, beside `classifier` (the rule's). */
export const COMPARE_META = 'classifier_compare';

/**
 * The project's hand review of the medical-AI tag (data/review/README.md): every work the shipped
 * rule tagged in the real corpus, judged yes / no / unsure by reading it.
 */
export const REVIEW_JUDGEMENTS = join(DATA_DIR, 'review', 'medical-ai-judgements.csv');

/** What classified_compare was made from: the second rule's files and terms, as `classifier` records the rule's. */
export interface CompareRecord {
  keywordFiles: { path: string; sha256: string }[];
  engine: ClassifyEngine;
  rule: RuleRecord;
  summary: { medicalAi: number };
}

/** Classifies every stored work with the second rule (either engine) into classified_compare. */
export async function classifyCompare(
  store: Store,
  rules: KeywordRules,
  policy: CountryPolicy,
  engine: ClassifyEngine = 'ts',
  effects: Effects = quietEffects,
): Promise<number> {
  let medicalAi = 0;
  await store.transaction(async () => {
    await store.run('empty_classified_compare');
    if (engine === 'sql') {
      // The same SQL twin as the rule's, bound with the second rule; only the verdict is kept.
      const { params, types } = classifySqlParams(rules, policy);
      await store.insertFrom('classified_compare', 'classify_works', params, types, { columns: ['work_id', 'is_medical_ai'] });
    } else {
      await store.append('classified_compare', async (app) => {
        for await (const work of store.iterateWorks()) {
          app.appendVarchar(work.id);
          app.appendBoolean(classify(work, rules).isMedicalAi);
          app.endRow();
        }
      });
    }
    const [totals] = await store.query<{ medicalAi: number }>('compare_totals');
    medicalAi = totals?.medicalAi ?? 0;
    const record: CompareRecord = { ...ruleRecord(rules), engine, summary: { medicalAi } };
    await store.setMeta(COMPARE_META, record);
  });
  effects.log(`second rule (${rules.dir}): ${medicalAi} medical AI`);
  return medicalAi;
}

/**
 * A classify without --compare-keywords drops an earlier second rule's verdicts: they belong to the
 * classification they were made with, and would otherwise outlive a new fetch's works unnoticed.
 */
export async function dropCompare(store: Store): Promise<void> {
  await store.transaction(async () => {
    await store.run('empty_classified_compare');
    await store.setMeta(COMPARE_META, null);
  });
}

/** The classify command that stores the second rule beside the rule the works were classified with. */
async function classifyCommand(store: Store, dir: string): Promise<string> {
  const classifier = await store.getMeta<ClassifierRecord>('classifier');
  const words = ['classify', '--db', store.path];
  if (classifier?.rule !== undefined) words.push('--keywords', classifier.rule.dir);
  if (classifier !== null && classifier.countryPolicy !== 'separate') words.push('--country-policy', classifier.countryPolicy);
  if (classifier?.engine === 'sql') words.push('--engine', 'sql');
  words.push('--compare-keywords', dir);
  return commandLine(words);
}

/**
 * The gate of aggregate and report --compare-keywords: the stored second rule must be the files in
 * `rules.dir` now, and have a verdict for every classified work; otherwise exit 2 with the classify
 * command that makes it.
 */
export async function requireCompare(store: Store, command: string, rules: KeywordRules): Promise<CompareRecord> {
  const record = await store.getMeta<CompareRecord>(COMPARE_META);
  const fix = async (why: string): Promise<UserError> =>
    new UserError(`${command} --compare-keywords ${rules.dir}: ${why}; run \`${await classifyCommand(store, rules.dir)}\` first`, ExitCode.usage);
  if (record === null) throw await fix('no second rule is classified in this database');
  const key = (files: readonly { path: string; sha256: string }[]): string =>
    files.map((f) => `${f.path}:${f.sha256}`).sort().join('\n');
  if (key(record.keywordFiles) !== key(rules.files)) {
    const now = new Map(rules.files.map((f) => [f.path, f.sha256]));
    const differ = [...new Set([...record.keywordFiles.filter((f) => now.get(f.path) !== f.sha256).map((f) => f.path), ...rules.files.filter((f) => !record.keywordFiles.some((r) => r.path === f.path)).map((f) => f.path)])];
    throw await fix(`the second rule stored was made from ${record.rule.dir}, whose files differ from these (${differ.join(', ')})`);
  }
  const [totals] = await store.query<{ missing: number }>('compare_totals');
  if ((totals?.missing ?? 0) > 0) throw await fix(`${totals?.missing} classified works have no verdict of the second rule (classified again or fetched since it was stored)`);
  return record;
}

/** The second rule's counts and the works behind them, over the same Scope as the rule's. */
export interface CompareCounts {
  /** `year|country` -> papers under the second rule, zero-filled over the Scope. */
  papers: Map<string, number>;
  /** The works counted for a selected country, for the hand-review precision. */
  workIds: string[];
}

/**
 * Counts the second rule through its own build of the scope chain, with the rule's invariants
 * (aggregate). Builds the chain: run it before the rule's, whose chain the outputs then read.
 */
export async function compareAggregate(store: Store, scope: Scope): Promise<CompareCounts> {
  const { counts, chain } = await aggregate(store, scope, 'compare');
  return { papers: new Map(counts.map((r) => [`${r.year}|${r.country}`, r.papers])), workIds: await countedWorkIds(chain) };
}

/** The rule's count rows with the second rule's papers beside them (zero where it counts none). */
export function withCompare(counts: readonly CountRow[], compared: CompareCounts): CountRow[] {
  return counts.map((r) => ({ ...r, papersCompare: compared.papers.get(`${r.year}|${r.country}`) ?? 0 }));
}

/** The papers a chain counts for a selected country (with --merge-versions, each paper's kept version). */
export async function countedWorkIds(chain: ScopeChain): Promise<string[]> {
  return (await readChain<{ work_id: string }>(chain, 'counted_work_ids')).map((r) => r.work_id);
}

/** One rule's hand-review precision over the works it counts. */
export interface RulePrecision {
  /** The works counted for a selected country. */
  counted: number;
  /** Scored over the counted works found in the review sheet (the others are `unreviewed`). */
  review: ReviewResult;
  /** Counted works the review sheet does not list. */
  unreviewed: number;
}

/** The judgements of `file` scored over `workIds` (each counted, so tagged by the rule that counts it). */
export function precisionOver(judgementsCsv: string, file: string, workIds: readonly string[]): RulePrecision {
  const judged = parseJudgements(judgementsCsv, file);
  const counted = new Set(workIds);
  const review = scoreJudgements(
    judged.filter((j) => counted.has(j.workId)),
    new Map(workIds.map((id) => [id, true])),
  );
  const listed = new Set(judged.map((j) => j.workId));
  return { counted: workIds.length, review, unreviewed: workIds.filter((id) => !listed.has(id)).length };
}

/** Both rules' precisions from the review file (data/review/ unless a test gives another). */
export async function reviewPrecisions(
  ruleIds: readonly string[],
  compareIds: readonly string[],
  file: string = REVIEW_JUDGEMENTS,
): Promise<{ file: string; rule: RulePrecision; compare: RulePrecision }> {
  const text = await readFile(file, 'utf8');
  return { file, rule: precisionOver(text, file, ruleIds), compare: precisionOver(text, file, compareIds) };
}
