/**
 * Runs the keyword rule inside DuckDB (queries/classify_works.sql) over a `works` table, with the
 * very regex sources the TypeScript classifier compiles, bound as parameters.
 */
import { BOOLEAN, INTEGER, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { CLASSIFIED_ORDER, type Store } from '../store/store.js';
import type { CountryPolicy } from './countries.js';
import { FIELD_JOINER, WORD_SEPARATOR, WORD_TOKEN, type KeywordRules, type KeywordTerm } from './keywords.js';

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
  await store.insertFrom('classified', 'classify_works', params, types, { orderBy: CLASSIFIED_ORDER });
}

/** How queries/snapshot/stage_classified.sql decides a term, cheapest first. */
export type TermKind =
  /** byToken: holding a key token is the match (a one-word, case-insensitive term). */
  | 'token'
  /** One word, case-sensitive (acronyms): its regex runs once per distinct token of a file, not per work. */
  | 'spelling'
  /** Several plain words: its regex runs once per distinct chain of words of a file (see below). */
  | 'chain'
  /** Words with punctuation inside ("R&D"): its regex on the text, where all its words are tokens. */
  | 'phrase'
  /** A `none` list term (Chinese): a substring test. */
  | 'literal';

const PLAIN_WORD = /^[A-Za-z0-9]+$/;

function wordsOf(phrase: string): string[] {
  return phrase.split(/[\s-]+/).filter((w) => w.length > 0);
}

function termKind(t: KeywordTerm): TermKind {
  if (t.boundaries === 'none') return 'literal';
  if (t.byToken) return 'token';
  const words = wordsOf(t.term);
  if (words.length === 1 && PLAIN_WORD.test(t.term)) return 'spelling';
  return words.every((w) => PLAIN_WORD.test(w)) ? 'chain' : 'phrase';
}

const RE2_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const CLASS_SPECIAL = /[\]\\^-]/g;

/** A lower-case ASCII token as a pattern matching it in any ASCII case (not `(?i)`: RE2 folds the Kelvin sign into k). */
function anyCase(token: string): string {
  return [...token].map((ch) => (/[a-z]/.test(ch) ? `[${ch}${ch.toUpperCase()}]` : ch)).join('');
}

/**
 * The tokens a match of a word phrase holds, one group per letter/digit run of it (any of the
 * group's lower-case spellings, as a whole token): each run is bordered by `\b`, a separator or
 * punctuation, as tokenKey() in keywords.ts relies on. The last run's spellings are the plural
 * forms the phrase's own regex accepts, found by trying every form a plural rule can make, so
 * the regex stays the definition.
 */
function wordRuns(phrase: string, regex: RegExp): string[][] {
  const words = wordsOf(phrase);
  const last = words[words.length - 1] ?? '';
  const forms = [last, `${last}s`, `${last}es`, `${last.slice(0, -1)}ies`, `${last.slice(0, -2)}es`];
  const finals = forms.filter((f) => regex.test([...words.slice(0, -1), f].join(' '))).map((f) => (/[A-Za-z0-9]+$/.exec(f)?.[0] ?? f).toLowerCase());
  const runs = words.flatMap((w) => w.match(/[A-Za-z0-9]+/g) ?? []).map((r) => [r.toLowerCase()]);
  runs[runs.length - 1] = [...new Set(finals)];
  return runs;
}

/** Characters a chain of words (see stageClassifiedParams) can hold. */
const CHAIN_CHAR = new RegExp(`[A-Za-z0-9_]|${WORD_SEPARATOR.slice(0, -1)}`);

/**
 * Whether the scan can tell every work that holds a mask phrase: an English mask of plain words
 * lies inside a chain (its words are scanned), and a Chinese one is scanned on its own and shares
 * no character with a chain. Otherwise (a mask word with punctuation) every text is masked first.
 */
function masksScannable(rules: KeywordRules): boolean {
  return rules.masks.every((m) => (m.pattern.startsWith('\\b') ? wordsOf(m.phrase).every((w) => PLAIN_WORD.test(w)) : ![...m.phrase].some((ch) => CHAIN_CHAR.test(ch))));
}

/**
 * The bound parameters of queries/snapshot/stage_classified.sql for a rule and one part file:
 * `originPrefix` is '<displayPath>:' and `fileOrder` the file's index in read order.
 *
 * The query learns what it needs of a text in one pass of one constant pattern ($scan_pattern,
 * compiled once), in text order: the Chinese mask phrases, the title/abstract joiner, the first
 * characters of `none` terms, and chains: runs of scanned words (key tokens and every word of
 * multi-word terms and English masks, whole ASCII words) joined only by separators. No two of
 * these can overlap. Every match of a multi-word term of plain words, and of an English mask,
 * lies inside one chain, so its regex is tried on the file's distinct chains, not on every text;
 * a work whose items hold a mask is scanned again, masked, with $plain_pattern (no masks).
 */
export function stageClassifiedParams(rules: KeywordRules, originPrefix: string, fileOrder: number): { params: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const list = LIST(VARCHAR);
  const kinds = rules.terms.map(termKind);
  const runs = rules.terms.map((t, i) => (kinds[i] === 'chain' || kinds[i] === 'phrase' ? wordRuns(t.term, t.regex) : []));
  const keys = rules.terms.flatMap((t) => t.keyTokens.map((token) => ({ label: t.label, token })));
  const scanMasks = masksScannable(rules);
  // Chains start at a term's word or a mask's first word and go on through any of these and
  // the other words of masks ("of the" in "neural networks of the brain"), so a mask is inside
  // one chain; common words only ever continue a chain, which keeps the scan's matches few.
  const wordMasks = scanMasks ? rules.masks.filter((m) => m.pattern.startsWith('\\b')).map((m) => wordRuns(m.phrase, new RegExp(m.pattern))) : [];
  const sortWords = (words: Iterable<string>) => [...new Set(words)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const starts = sortWords([...keys.map((k) => k.token), ...runs.flat(2), ...wordMasks.flatMap((m) => m[0] ?? [])]);
  const goesOn = sortWords([...starts, ...wordMasks.flat(2)]);
  const alternation = (words: string[]) => `(?:${words.map(anyCase).join('|')})`;
  // A `none` term is tried where the text holds its first character (the TypeScript pre-check);
  // one starting with an ASCII character is tried on every text (no list has one today).
  const firsts = rules.terms.map((t) => {
    const first = t.boundaries === 'none' ? ([...t.term][0] ?? '') : '';
    return first !== '' && (first.codePointAt(0) as number) >= 0x80 ? first : '';
  });
  const wide = [...new Set(firsts.filter((c) => c !== ''))];
  const plain = [
    FIELD_JOINER.replace(RE2_SPECIAL, '\\$&'),
    ...(wide.length > 0 ? [`[${wide.map((c) => c.replace(CLASS_SPECIAL, '\\$&')).join('')}]`] : []),
    ...(starts.length > 0 ? [`\\b${alternation(starts)}\\b(?:${WORD_SEPARATOR}${alternation(goesOn)}\\b)*`] : []),
  ];
  const chineseMasks = rules.masks.filter((m) => !m.pattern.startsWith('\\b')).map((m) => m.pattern);
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
    within: listValue(rules.terms.map((t) => listValue([...t.within]))),
    key_labels: listValue(keys.map((k) => k.label)),
    key_tokens: listValue(keys.map((k) => k.token)),
    scan_pattern: `(?:${[...(scanMasks ? chineseMasks : []), ...plain].join('|')})`,
    plain_pattern: `(?:${plain.join('|')})`,
    scan_masks: scanMasks,
    mask: rules.maskPattern ?? '',
    veto_any: vetoes.length === 0 ? '' : `(?:${vetoes.join('|')})`,
    joiner: FIELD_JOINER,
    title_terms: strength.some((s) => s.orInTitle),
    require: listValue([...rules.require]),
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
    within: LIST(list),
    key_labels: list,
    key_tokens: list,
    scan_pattern: VARCHAR,
    plain_pattern: VARCHAR,
    scan_masks: BOOLEAN,
    mask: VARCHAR,
    veto_any: VARCHAR,
    joiner: VARCHAR,
    title_terms: BOOLEAN,
    require: list,
    strength_groups: list,
    strength_min: LIST(INTEGER),
    strength_title: LIST(BOOLEAN),
    origin_prefix: VARCHAR,
    file_order: INTEGER,
  };
  return { params, types };
}
