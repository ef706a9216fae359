/**
 * Loads the keyword rule (data/keywords/ or a user's `--keywords <dir>`) and compiles every term
 * into one regular-expression source string that means the same in JavaScript and in DuckDB's RE2,
 * so the TypeScript classifier and queries/classify_works.sql cannot drift apart.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { DATA_DIR } from '../paths.js';

export type Group = 'ai' | 'medical';
const GROUPS: readonly Group[] = ['ai', 'medical'];

/** `word`: English-style whole-word matching with variants; `none`: plain substring (Chinese). */
export type Boundaries = 'word' | 'none';

export interface KeywordTerm {
  readonly group: Group;
  /** The term as written in its list file. */
  readonly term: string;
  /** `group:term`, the form reported in `matchedTerms`. */
  readonly label: string;
  /** `file:line` where the term is defined. */
  readonly source: string;
  readonly caseSensitive: boolean;
  readonly boundaries: Boundaries;
  /** Regex source valid in both JavaScript (no flags) and RE2. */
  readonly pattern: string;
  /**
   * Cheap pre-check before the regex. `word` terms: lower-case ASCII tokens of which every match
   * contains one. `none` terms: empty (the term itself is the literal every match contains).
   */
  readonly keyTokens: readonly string[];
  /**
   * True when holding one of `keyTokens` is the whole test: a case-insensitive one-word term
   * matches exactly where the text has a word token equal to one of its spellings, so neither
   * engine needs the regex (it stays the definition; a test checks they agree).
   */
  readonly byToken: boolean;
  readonly regex: RegExp;
  /**
   * Labels of the other terms of the group that contain this one ("drug" in "drug discovery",
   * "神经网络" in "卷积神经网络"): when one of them matched too, this term is not a different term
   * for rule.json `strength`.
   */
  readonly within: readonly string[];
  /** Phrases that switch this term off for a text containing any of them. */
  readonly vetoes: readonly { phrase: string; source: string; pattern: string }[];
  /** Alternation of the veto phrases (JS and RE2), or null when there are none. */
  readonly vetoPattern: string | null;
  readonly vetoRegex: RegExp | null;
}

export interface KeywordMask {
  readonly phrase: string;
  readonly source: string;
  readonly pattern: string;
}

/**
 * How much evidence a group needs (rule.json `strength`). Absent: one term anywhere. With it: at
 * least `minTerms` different terms of the group in title and abstract, or (`orInTitle`) one of
 * them in the title. Why: a general AI paper that names medicine once, as one application in a
 * list, is the commonest false positive of the plain rule (data/review/README.md).
 */
export interface GroupStrength {
  readonly minTerms: number;
  readonly orInTitle: boolean;
}

export interface KeywordRules {
  readonly dir: string;
  /** Every file the rule was read from, path relative to `dir`, for the run manifest. */
  readonly files: readonly { path: string; sha256: string }[];
  /** Groups that must all match for a work to count as medical AI. */
  readonly require: readonly Group[];
  /** Evidence a group needs beyond one term anywhere; groups absent here need one term. */
  readonly strength: Readonly<Partial<Record<Group, GroupStrength>>>;
  readonly terms: readonly KeywordTerm[];
  readonly masks: readonly KeywordMask[];
  /** Alternation of all mask phrases (JS and RE2), or null when there are none. */
  readonly maskPattern: string | null;
  /** `maskPattern` compiled with the `g` flag, for `String.replace`. */
  readonly maskRegex: RegExp | null;
}

/** Where the shipped rule lives, resolved from this file so it works from any working directory. */
export const DEFAULT_KEYWORDS_DIR = join(DATA_DIR, 'keywords');

/** Title and abstract are joined with a character no pattern crosses, so no phrase spans the two. */
export const FIELD_JOINER = '\n|\n';

/** Joins the two searchable fields; SQL builds the same string from the same constant (bound). */
export function searchableText(title: string | null, abstract: string | null): string {
  return (title ?? '') + FIELD_JOINER + (abstract ?? '');
}

/**
 * Characters that may separate the words of a phrase: ASCII whitespace, no-break space and the
 * hyphen/dash family. Not `\s`, which is Unicode-wide in JavaScript and ASCII-only in RE2; the
 * non-ASCII members are literal characters because `\u` escapes are not RE2 syntax.
 */
export const WORD_SEPARATOR = '[ \\t\\n\\r\\f\u00a0\u2010\u2011\u2012\u2013-]+';

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function literal(text: string, caseSensitive: boolean): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (!caseSensitive && /[A-Za-z]/.test(ch) && lower !== upper) out += `[${lower}${upper}]`;
    else out += ch.replace(REGEX_SPECIAL, '\\$&');
  }
  return out;
}

/** Optional plural of an English word: therapy/therapies, diagnosis/diagnoses, box/boxes, patient/patients. */
function pluralVariant(word: string, caseSensitive: boolean): string {
  const lit = (s: string) => literal(s, caseSensitive);
  if (/[^aeiou]y$/i.test(word)) return `${lit(word.slice(0, -1))}(?:${lit('y')}|${lit('ies')})`;
  if (/sis$/i.test(word)) return `${lit(word.slice(0, -2))}(?:${lit('is')}|${lit('es')})`;
  if (/(?:s|x|z|ch|sh)$/i.test(word)) return `${lit(word)}(?:${lit('es')})?`;
  if (/[A-Za-z]$/.test(word)) return `${lit(word)}${lit('s')}?`;
  return lit(word);
}

/** The lower-case spellings `pluralVariant` lets a word take, for the token pre-check. */
function pluralForms(word: string): string[] {
  const w = word.toLowerCase();
  if (/[^aeiou]y$/.test(w)) return [w, `${w.slice(0, -1)}ies`];
  if (/sis$/.test(w)) return [w, `${w.slice(0, -2)}es`];
  if (/(?:s|x|z|ch|sh)$/.test(w)) return [w, `${w}es`];
  if (/[a-z]$/.test(w)) return [w, `${w}s`];
  return [w];
}

/**
 * The matching rule, in one place: whole ASCII words (`\b`, which is ASCII-only in both engines),
 * ASCII letters case-insensitive unless the term is marked `case`, any run of spaces or hyphens
 * between words, and an optional plural on the last word; `none` lists (Chinese) match as plain
 * substrings. Why: abstracts write the same concept as "deep-learning", "Deep Learning" and
 * "deep learning models", but a bare substring would find "AI" inside "said" and "ANN" inside "Anne".
 */
export function termPattern(term: string, boundaries: Boundaries, caseSensitive: boolean): string {
  if (boundaries === 'none') return literal(term, true);
  const words = term.split(/[\s-]+/).filter((w) => w.length > 0);
  const last = words.length - 1;
  const parts = words.map((w, i) => (i === last ? pluralVariant(w, caseSensitive) : literal(w, caseSensitive)));
  return `\\b${parts.join(WORD_SEPARATOR)}\\b`;
}

/**
 * An acronym marked `acronym` does not count in a text that spells it out, e.g. "aortic
 * insufficiency (AI)" or "Azadirachta indica (AI)": words whose initials are its letters, then the
 * acronym in parentheses. Why: medicine reuses short acronyms for many things and abstracts define
 * the one they mean; when the expansion is the AI sense ("artificial intelligence (AI)"), that
 * phrase is itself a listed term, so switching the acronym off loses nothing.
 */
export function acronymDefinitionPattern(acronym: string): string {
  const words = [...acronym].map((ch) => `[${ch.toLowerCase()}${ch}][A-Za-z]*`);
  return `\\b${words.join(WORD_SEPARATOR)}[ \\t\\n\\r\\f\u00a0]*\\(${acronym}s?\\)`;
}

/** What `\b` counts as a word character in both engines; a text's tokens are runs of these. */
export const WORD_TOKEN = '[A-Za-z0-9_]+';

/**
 * Lower-case ASCII tokens of which a match must contain at least one: the longest letter/digit
 * run of the term, in every spelling the plural allows. Every run in a term pattern is bordered
 * by `\b`, a separator or punctuation, so in a matching text it is a whole WORD_TOKEN token.
 */
function tokenKey(term: string): string[] {
  const words = term.split(/[\s-]+/).filter((w) => w.length > 0);
  let best: string[] = [];
  let bestLength = 0;
  words.forEach((w, i) => {
    const runs = w.match(/[A-Za-z0-9]+/g) ?? [];
    runs.forEach((run, j) => {
      const isFinal = i === words.length - 1 && j === runs.length - 1 && /[A-Za-z0-9]$/.test(w);
      if (run.length > bestLength) {
        bestLength = run.length;
        // The plural rewrites the end of the whole word; take the final run of each spelling.
        best = isFinal ? pluralForms(w).map((f) => /[a-z0-9]+$/.exec(f)?.[0] ?? f) : [run.toLowerCase()];
      }
    });
  });
  return best;
}

/** A term or phrase in a `word` list: ASCII letters, digits and a little punctuation, starting and ending with a letter or digit. */
const WORD_TERM = /^[A-Za-z0-9](?:[A-Za-z0-9 '.+&/-]*[A-Za-z0-9])?$/;

/** An exclusion phrase matched as a substring: has a non-ASCII character and no whitespace. */
const SUBSTRING_PHRASE = /^(?=.*[^\x00-\x7f])\S+$/u;

interface RuleFile {
  require: Group[];
  lists: { file: string; group: Group; boundaries: Boundaries }[];
  exclusions: string | null;
  strength: Partial<Record<Group, GroupStrength>>;
}

function parseRuleFile(text: string, name: string): RuleFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${name}: not valid JSON: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${name}: must be a JSON object`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['about', 'require', 'lists', 'exclusions', 'strength'].includes(k)) problems.push(`unknown key "${k}"`);
  }
  const isGroup = (g: unknown): g is Group => typeof g === 'string' && (GROUPS as readonly string[]).includes(g);
  const require: Group[] = [];
  if (!Array.isArray(r.require) || r.require.length === 0) problems.push('"require" must be a non-empty list of groups ("ai", "medical")');
  else for (const g of r.require) isGroup(g) ? require.push(g) : problems.push(`"require": unknown group ${JSON.stringify(g)}`);
  const lists: RuleFile['lists'] = [];
  if (!Array.isArray(r.lists) || r.lists.length === 0) problems.push('"lists" must be a non-empty list of {file, group, boundaries}');
  else {
    r.lists.forEach((l: unknown, i: number) => {
      const o = (typeof l === 'object' && l !== null ? l : {}) as Record<string, unknown>;
      const ok = typeof o.file === 'string' && o.file.length > 0 && isGroup(o.group) && (o.boundaries === 'word' || o.boundaries === 'none');
      if (!ok) problems.push(`"lists"[${i}] must be {"file": "<name>", "group": "ai"|"medical", "boundaries": "word"|"none"}`);
      else lists.push({ file: o.file as string, group: o.group as Group, boundaries: o.boundaries as Boundaries });
    });
  }
  if (r.exclusions !== undefined && r.exclusions !== null && typeof r.exclusions !== 'string') problems.push('"exclusions" must be a file name');
  const strength: Partial<Record<Group, GroupStrength>> = {};
  if (r.strength !== undefined) {
    if (typeof r.strength !== 'object' || r.strength === null || Array.isArray(r.strength)) problems.push('"strength" must be an object keyed by group');
    else {
      for (const [g, v] of Object.entries(r.strength as Record<string, unknown>)) {
        const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
        const ok = isGroup(g) && Number.isInteger(o.minTerms) && (o.minTerms as number) >= 1 && typeof o.orInTitle === 'boolean' && Object.keys(o).length === 2;
        if (!ok) problems.push(`"strength"."${g}" must be {"minTerms": <whole number >= 1>, "orInTitle": true|false} for a group ("ai", "medical")`);
        else strength[g] = { minTerms: o.minTerms as number, orInTitle: o.orInTitle as boolean };
      }
    }
  }
  if (problems.length > 0) throw new UserError(`${name}: ${problems.join('; ')}`);
  return { require, lists, exclusions: typeof r.exclusions === 'string' ? r.exclusions : null, strength };
}

/** Content lines of a list file: comments (`#`) and blank lines dropped, 1-based line numbers kept. */
function contentLines(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t.replace(/\r$/, '').trim() }))
    .filter((l) => l.text.length > 0 && !l.text.startsWith('#'));
}

function compile(pattern: string, flags = ''): RegExp {
  return new RegExp(pattern, flags);
}

function alternation(patterns: readonly string[]): string | null {
  return patterns.length === 0 ? null : `(?:${patterns.join('|')})`;
}

/** Whether term `outer` contains term `inner`: as a run of whole words (English), as a substring (Chinese). */
function contains(outer: { term: string; boundaries: Boundaries }, inner: { term: string; boundaries: Boundaries }): boolean {
  if (outer.boundaries !== inner.boundaries) return false;
  if (inner.boundaries === 'none') return outer.term.includes(inner.term);
  const words = (t: string) => ` ${t.toLowerCase().split(/[\s-]+/).filter((w) => w.length > 0).join(' ')} `;
  return words(outer.term).includes(words(inner.term));
}

export async function loadKeywordRules(dir: string = DEFAULT_KEYWORDS_DIR): Promise<KeywordRules> {
  const root = resolve(dir);
  const files: { path: string; sha256: string }[] = [];
  const read = async (name: string): Promise<string> => {
    let buf: Buffer;
    try {
      buf = await readFile(join(root, name));
    } catch (e) {
      throw new UserError(`keyword rule: cannot read ${join(root, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    files.push({ path: name, sha256: createHash('sha256').update(buf).digest('hex') });
    // Editors on Windows may start a UTF-8 file with a byte-order mark; it is not part of a term.
    return buf.toString('utf8').replace(/^\uFEFF/, '');
  };

  const rule = parseRuleFile(await read('rule.json'), join(root, 'rule.json'));
  const problems: string[] = [];
  const terms = new Map<string, Omit<KeywordTerm, 'vetoes' | 'vetoPattern' | 'vetoRegex' | 'within'> & { vetoes: KeywordMask[] }>();

  for (const list of rule.lists) {
    const text = await read(list.file);
    for (const { line, text: t } of contentLines(text)) {
      const source = `${join(root, list.file)}:${line}`;
      const [termRaw, ...flagParts] = t.split('|').map((s) => s.trim());
      const term = termRaw ?? '';
      const flags = flagParts.flatMap((f) => f.split(',').map((s) => s.trim())).filter((f) => f.length > 0);
      const unknown = flags.filter((f) => f !== 'case' && f !== 'acronym');
      if (unknown.length > 0) problems.push(`${source}: unknown flag "${unknown.join('", "')}" (only "case", "acronym")`);
      if (flags.includes('acronym') && !(list.boundaries === 'word' && /^[A-Z]{2,8}$/.test(term))) {
        problems.push(`${source}: "${term}" cannot be an acronym (2-8 capital letters, in a word list)`);
        continue;
      }
      if (list.boundaries === 'word' && !WORD_TERM.test(term)) {
        problems.push(`${source}: "${term}" is not a word-list term (ASCII letters, digits, spaces, hyphens; non-ASCII terms go in a "boundaries": "none" list)`);
        continue;
      }
      if (list.boundaries === 'none' && (term.length === 0 || /\s/.test(term))) {
        problems.push(`${source}: "${term}" is not a substring-list term (no spaces)`);
        continue;
      }
      const label = `${list.group}:${term}`;
      const prior = terms.get(label);
      if (prior !== undefined) {
        problems.push(`${source}: "${term}" is already defined at ${prior.source}`);
        continue;
      }
      const caseSensitive = flags.includes('case') || flags.includes('acronym') || list.boundaries === 'none';
      const pattern = termPattern(term, list.boundaries, caseSensitive);
      const keyTokens = list.boundaries === 'word' ? tokenKey(term) : [];
      const byToken = list.boundaries === 'word' && !caseSensitive && /^[A-Za-z0-9]+$/.test(term);
      const vetoes = flags.includes('acronym') ? [{ phrase: `${term} spelled out in the text`, source, pattern: acronymDefinitionPattern(term) }] : [];
      terms.set(label, { group: list.group, term, label, source, caseSensitive, boundaries: list.boundaries, pattern, keyTokens, byToken, regex: compile(pattern), vetoes });
    }
  }

  const masks: KeywordMask[] = [];
  if (rule.exclusions !== null) {
    const text = await read(rule.exclusions);
    for (const { line, text: t } of contentLines(text)) {
      const source = `${join(root, rule.exclusions)}:${line}`;
      const fields = t.split('|').map((s) => s.trim());
      const kind = fields[0];
      const phrase = fields[fields.length - 1] ?? '';
      if (!((kind === 'mask' && fields.length === 2) || (kind === 'veto' && fields.length === 3))) {
        problems.push(`${source}: expected "mask | <phrase>" or "veto | <group>:<term> | <phrase>"`);
        continue;
      }
      // English phrases match like English terms; a phrase in Chinese (non-ASCII, no spaces)
      // matches as a substring, like the Chinese lists.
      const boundaries: Boundaries | null = WORD_TERM.test(phrase) ? 'word' : SUBSTRING_PHRASE.test(phrase) ? 'none' : null;
      if (boundaries === null) {
        problems.push(`${source}: "${phrase}" is not a phrase (ASCII letters, digits, spaces, hyphens; or non-ASCII text without spaces)`);
        continue;
      }
      const pattern = termPattern(phrase, boundaries, boundaries === 'none');
      if (kind === 'mask') masks.push({ phrase, source, pattern });
      else {
        const target = terms.get(fields[1] ?? '');
        if (target === undefined) problems.push(`${source}: veto names "${fields[1]}", which is no term of the lists (write group:term as in the list)`);
        else target.vetoes.push({ phrase, source, pattern });
      }
    }
  }
  if (problems.length > 0) throw new UserError(`keyword rule in ${root} has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);

  const maskPattern = alternation(masks.map((m) => m.pattern));
  files.sort((a, b) => a.path.localeCompare(b.path));
  const all = [...terms.values()];
  return {
    dir: root,
    files,
    require: [...new Set(rule.require)],
    strength: rule.strength,
    terms: all.map((t) => {
      const vetoPattern = alternation(t.vetoes.map((v) => v.pattern));
      const within = all.filter((o) => o.group === t.group && o.label !== t.label && contains(o, t)).map((o) => o.label);
      return { ...t, within, vetoPattern, vetoRegex: vetoPattern === null ? null : compile(vetoPattern) };
    }),
    masks,
    maskPattern,
    maskRegex: maskPattern === null ? null : compile(maskPattern, 'g'),
  };
}

/**
 * Plain phrases for a server-side OpenAlex search prefilter, one list per group. Every term is
 * returned as written (hyphens as spaces), with no regex: OpenAlex search is case-insensitive and
 * stems words, so OR-ing these finds a superset of what `classify` tags (plurals and hyphen forms
 * included). Masks and vetoes only remove matches, so they are left to the local classifier.
 */
export function searchTerms(rules: KeywordRules): { ai: string[]; medical: string[] } {
  const out: { ai: string[]; medical: string[] } = { ai: [], medical: [] };
  for (const t of rules.terms) {
    const phrase = t.boundaries === 'word' ? t.term.replace(/-/g, ' ') : t.term;
    if (!out[t.group].includes(phrase)) out[t.group].push(phrase);
  }
  return out;
}
