/**
 * Runs the keyword rule inside DuckDB (queries/classify_works.sql) over a `works` table, with the
 * very regex sources the TypeScript classifier compiles, bound as parameters.
 */
import { BOOLEAN, INTEGER, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import type { CountryPolicy } from './countries.js';
import { FIELD_JOINER, WORD_TOKEN, type KeywordRules } from './keywords.js';

/** The bound parameters of classify_works.sql for a rule; '' stands for "no mask" / "no veto". */
export function classifySqlParams(rules: KeywordRules, policy: CountryPolicy = 'separate'): { params: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const list = LIST(VARCHAR);
  const keys = rules.terms.flatMap((t) => t.keyTokens.map((token) => ({ label: t.label, token })));
  const within = rules.terms.flatMap((t) => t.within.map((outer) => ({ inner: t.label, outer })));
  const strength = Object.entries(rules.strength).flatMap(([group, s]) => (s === undefined ? [] : [{ group, ...s }]));
  return {
    params: {
      labels: listValue(rules.terms.map((t) => t.label)),
      groups: listValue(rules.terms.map((t) => t.group)),
      patterns: listValue(rules.terms.map((t) => t.pattern)),
      vetoes: listValue(rules.terms.map((t) => t.vetoPattern ?? '')),
      literals: listValue(rules.terms.map((t) => (t.boundaries === 'none' ? t.term : ''))),
      by_token: listValue(rules.terms.map((t) => t.byToken)),
      key_labels: listValue(keys.map((k) => k.label)),
      key_tokens: listValue(keys.map((k) => k.token)),
      mask: rules.maskPattern ?? '',
      joiner: FIELD_JOINER,
      word_token: WORD_TOKEN,
      require: listValue([...rules.require]),
      within_inner: listValue(within.map((w) => w.inner)),
      within_outer: listValue(within.map((w) => w.outer)),
      strength_groups: listValue(strength.map((s) => s.group)),
      strength_min: listValue(strength.map((s) => s.minTerms)),
      strength_title: listValue(strength.map((s) => s.orInTitle)),
      fold_hk_mo: policy === 'fold-hk-mo',
    },
    types: {
      labels: list,
      groups: list,
      patterns: list,
      vetoes: list,
      literals: list,
      by_token: LIST(BOOLEAN),
      key_labels: list,
      key_tokens: list,
      mask: VARCHAR,
      joiner: VARCHAR,
      word_token: VARCHAR,
      require: list,
      within_inner: list,
      within_outer: list,
      strength_groups: list,
      strength_min: LIST(INTEGER),
      strength_title: LIST(BOOLEAN),
      fold_hk_mo: BOOLEAN,
    },
  };
}

/**
 * The bound parameters of queries/snapshot/stage_classified.sql: the rule's (the reader applied the
 * country policy already), where the part's records come from (`<displayPath>:`) and its read order.
 * STAND-IN (H3) with H2's signature, until H2's version (with its own term parameters) replaces it.
 */
export function stageClassifiedParams(rules: KeywordRules, originPrefix: string, fileOrder: number): { params: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const { params, types } = classifySqlParams(rules);
  delete params.fold_hk_mo;
  delete types.fold_hk_mo;
  return { params: { ...params, origin_prefix: originPrefix, file_order: fileOrder }, types: { ...types, origin_prefix: VARCHAR, file_order: INTEGER } };
}

/**
 * Fills the (empty) `classified` table straight from classify_works.sql, whose columns are that
 * table's: no row passes through JavaScript, for snapshot-scale stores.
 */
export async function insertClassificationsInDatabase(store: Store, rules: KeywordRules, policy: CountryPolicy): Promise<void> {
  const { params, types } = classifySqlParams(rules, policy);
  await store.insertFrom('classified', 'classify_works', params, types);
}
