/**
 * Runs the keyword rule inside DuckDB (queries/classify_works.sql) over a `works` table, with the
 * very regex sources the TypeScript classifier compiles, bound as parameters.
 */
import { BOOLEAN, INTEGER, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import type { CountryPolicy } from './countries.js';
import { FIELD_JOINER, WORD_TOKEN, type KeywordRules, type KeywordTerm } from './keywords.js';

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
 * Fills the (empty) `classified` table straight from classify_works.sql, whose columns are that
 * table's: no row passes through JavaScript, for snapshot-scale stores.
 */
export async function insertClassificationsInDatabase(store: Store, rules: KeywordRules, policy: CountryPolicy): Promise<void> {
  const { params, types } = classifySqlParams(rules, policy);
  await store.insertFrom('classified', 'classify_works', params, types);
}

/** How queries/snapshot/stage_classified.sql decides a term, cheapest first. */
export type TermKind =
  /** byToken: holding a key token is the match (a one-word, case-insensitive term). */
  | 'token'
  /** One word, case-sensitive (acronyms): the regex runs once per distinct token of a file, not per work. */
  | 'spelling'
  /** Anything else in a `word` list: the regex on the text, only where every word of it is a token. */
  | 'phrase'
  /** A `none` list term (Chinese): a substring test. */
  | 'literal';

function termKind(t: KeywordTerm): TermKind {
  if (t.boundaries === 'none') return 'literal';
  if (t.byToken) return 'token';
  return /^[A-Za-z0-9]+$/.test(t.term) ? 'spelling' : 'phrase';
}

const RE2_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const CLASS_SPECIAL = /[\]\\^-]/g;

/** A lower-case ASCII token as a pattern matching it in any ASCII case (not `(?i)`: RE2 folds the Kelvin sign into k). */
function anyCase(token: string): string {
  return [...token].map((ch) => (/[a-z]/.test(ch) ? `[${ch}${ch.toUpperCase()}]` : ch)).join('');
}

/**
 * The tokens a match of a phrase term holds, one group per letter/digit run of the term (any of
 * the group's lower-case spellings, as a whole token): each run is bordered by `\b`, a separator
 * or punctuation, as tokenKey() in keywords.ts relies on. The last run's spellings are the plural
 * forms the term's own regex accepts, found by trying every form a plural rule can make, so the
 * regex stays the definition.
 */
function wordRuns(t: KeywordTerm): string[][] {
  const words = t.term.split(/[\s-]+/).filter((w) => w.length > 0);
  const last = words[words.length - 1] ?? '';
  const forms = [last, `${last}s`, `${last}es`, `${last.slice(0, -1)}ies`, `${last.slice(0, -2)}es`];
  const finals = forms.filter((f) => t.regex.test([...words.slice(0, -1), f].join(' '))).map((f) => (/[A-Za-z0-9]+$/.exec(f)?.[0] ?? f).toLowerCase());
  const runs = words.flatMap((w) => w.match(/[A-Za-z0-9]+/g) ?? []).map((r) => [r.toLowerCase()]);
  runs[runs.length - 1] = [...new Set(finals)];
  return runs;
}

/** A char that `\b` counts as part of a word. */
const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * Whether the scan may take the rule's mask phrases beside tokens (see stageClassifiedParams):
 * every mask starts and ends where no token can go on (a word mask has `\b` there; a `none` mask
 * must not start or end with an ASCII word character), and no mask can look like a token or a
 * first character (one plain word, or one character).
 */
function masksScannable(rules: KeywordRules): boolean {
  return rules.masks.every((m) => {
    const wordMask = m.pattern.startsWith('\\b');
    const edges = wordMask || !(WORD_CHAR.test(m.phrase[0] ?? '') || WORD_CHAR.test(m.phrase.slice(-1)));
    return edges && !/^[A-Za-z0-9]+$/.test(m.phrase) && [...m.phrase].length > 1;
  });
}

/**
 * The bound parameters of queries/snapshot/stage_classified.sql for a rule and one part file:
 * `originPrefix` is '<displayPath>:' and `fileOrder` the file's index in read order.
 *
 * The query learns what it needs of a text in one pass of one constant pattern ($scan_pattern,
 * compiled once): the mask phrases, the title/abstract joiner, the first characters of `none`
 * terms and the key tokens and words of word terms, in text order. Tokens are whole ASCII words
 * and first characters single non-ASCII ones, so no two of them overlap; a mask, listed first,
 * takes its phrase exactly where the mask replacement would, so the tokens found are those of the
 * masked text. For a rule whose masks could cut a token or pass for one ($scan_masks false), the
 * masked text is scanned instead.
 */
export function stageClassifiedParams(rules: KeywordRules, originPrefix: string, fileOrder: number): { params: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const list = LIST(VARCHAR);
  const kinds = rules.terms.map(termKind);
  const runs = rules.terms.map((t, i) => (kinds[i] === 'phrase' ? wordRuns(t) : []));
  const keys = rules.terms.flatMap((t) => t.keyTokens.map((token) => ({ label: t.label, token })));
  const scanTokens = [...new Set([...keys.map((k) => k.token), ...runs.flat(2)])].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  // A `none` term is tried where the text holds its first character (the TypeScript pre-check);
  // one starting with an ASCII character is tried on every text (no list has one today).
  const firsts = rules.terms.map((t) => {
    const first = t.boundaries === 'none' ? ([...t.term][0] ?? '') : '';
    return first !== '' && (first.codePointAt(0) as number) >= 0x80 ? first : '';
  });
  const wide = [...new Set(firsts.filter((c) => c !== ''))];
  const scanMasks = masksScannable(rules);
  const parts = [
    ...(scanMasks && rules.maskPattern !== null ? [rules.maskPattern] : []),
    FIELD_JOINER.replace(RE2_SPECIAL, '\\$&'),
    ...(wide.length > 0 ? [`[${wide.map((c) => c.replace(CLASS_SPECIAL, '\\$&')).join('')}]`] : []),
    ...(scanTokens.length > 0 ? [`\\b(?:${scanTokens.map(anyCase).join('|')})\\b`] : []),
  ];
  const vetoes = rules.terms.flatMap((t) => (t.vetoPattern === null ? [] : [t.vetoPattern]));
  const strength = Object.entries(rules.strength).flatMap(([group, s]) => (s === undefined ? [] : [{ group, ...s }]));
  const params: Record<string, DuckDBValue> = {
    labels: listValue(rules.terms.map((t) => t.label)),
    groups: listValue(rules.terms.map((t) => t.group)),
    kinds: listValue(kinds),
    patterns: listValue(rules.terms.map((t) => t.pattern)),
    vetoes: listValue(rules.terms.map((t) => t.vetoPattern ?? '')),
    literals: listValue(rules.terms.map((t) => (t.boundaries === 'none' ? t.term : ''))),
    literal_firsts: listValue(firsts),
    word_runs: listValue(runs.map((r) => listValue(r.map((g) => listValue(g))))),
    key_labels: listValue(keys.map((k) => k.label)),
    key_tokens: listValue(keys.map((k) => k.token)),
    scan_pattern: `(?:${parts.join('|')})`,
    scan_masks: scanMasks,
    mask: rules.maskPattern ?? '',
    veto_any: vetoes.length === 0 ? '' : `(?:${vetoes.join('|')})`,
    joiner: FIELD_JOINER,
    title_terms: strength.some((s) => s.orInTitle),
    require: listValue([...rules.require]),
    within: listValue(rules.terms.map((t) => listValue([...t.within]))),
    strength_groups: listValue(strength.map((s) => s.group)),
    strength_min: listValue(strength.map((s) => s.minTerms)),
    strength_title: listValue(strength.map((s) => s.orInTitle)),
    origin_prefix: originPrefix,
    file_order: fileOrder,
  };
  const types: Record<string, DuckDBType> = {
    labels: list,
    groups: list,
    kinds: list,
    patterns: list,
    vetoes: list,
    literals: list,
    literal_firsts: list,
    word_runs: LIST(LIST(list)),
    key_labels: list,
    key_tokens: list,
    scan_pattern: VARCHAR,
    scan_masks: BOOLEAN,
    mask: VARCHAR,
    veto_any: VARCHAR,
    joiner: VARCHAR,
    title_terms: BOOLEAN,
    require: list,
    within: LIST(list),
    strength_groups: list,
    strength_min: LIST(INTEGER),
    strength_title: LIST(BOOLEAN),
    origin_prefix: VARCHAR,
    file_order: INTEGER,
  };
  return { params, types };
}
