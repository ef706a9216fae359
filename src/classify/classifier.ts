/**
 * Classifies one work as medical and/or AI from its title and abstract with a compiled keyword
 * rule. Pure: the same text and rules give the same answer, here and in queries/classify_works.sql.
 */
import { FIELD_JOINER, WORD_TOKEN, searchableText, type Group, type KeywordRules, type KeywordTerm } from './keywords.js';

export interface Classification {
  isMedical: boolean;
  isAi: boolean;
  /** True when every group the rule requires matched (by default: medical and AI). */
  isMedicalAi: boolean;
  /** `group:term` as written in the lists, sorted and de-duplicated, for either half. */
  matchedTerms: string[];
}

/** What the masks removed and which terms were switched off: the detail `explain` prints. */
export interface ClassificationDetail extends Classification {
  /** Mask phrases found in the text (with the `file:line` defining them), in list order. */
  masked: { phrase: string; source: string; text: string }[];
  /** Terms that matched but were switched off by a veto phrase present in the text. */
  vetoed: { label: string; phrase: string; source: string; text: string }[];
  /** Matched terms with where they are defined and the first matching text. */
  hits: { label: string; source: string; text: string }[];
}

export interface ClassifyInput {
  title: string | null;
  abstract: string | null;
}

function maskedText(input: ClassifyInput, rules: KeywordRules): string {
  const text = searchableText(input.title, input.abstract);
  return rules.maskRegex === null ? text : text.replace(rules.maskRegex, ' ');
}

/**
 * What the pre-check looks at: the text's ASCII word tokens (lower-cased one by one, so a
 * non-ASCII letter that lower-cases to ASCII cannot glue onto a token) and its non-ASCII characters.
 * Building it is one pass; checking ~300 terms against it is cheap, where ~300 full-text regex
 * scans per work cost about five times as much (measured on the corpus).
 */
interface TextIndex {
  tokens: Set<string>;
  wide: Set<string>;
}

const TOKEN = new RegExp(WORD_TOKEN, 'g');

function indexText(text: string): TextIndex {
  const tokens = new Set<string>();
  for (const m of text.matchAll(TOKEN)) tokens.add(m[0].toLowerCase());
  const wide = new Set<string>();
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) wide.add(text[i] as string);
  return { tokens, wide };
}

/** Could the term match? Never false when the regex would match; usually false when it would not. */
function mayMatch(t: KeywordTerm, text: string, index: TextIndex): boolean {
  if (t.boundaries === 'word') return t.keyTokens.some((k) => index.tokens.has(k));
  const first = t.term[0] as string;
  return (first.charCodeAt(0) < 0x80 || index.wide.has(first)) && text.includes(t.term);
}

/** The term matches and no veto phrase of it is present. */
function termMatches(t: KeywordTerm, masked: string, index: TextIndex): boolean {
  return mayMatch(t, masked, index) && (t.byToken || t.regex.test(masked)) && !(t.vetoRegex !== null && t.vetoRegex.test(masked));
}

/** The title part of the masked text (masks never cross the joiner). */
function titlePart(masked: string): string {
  const end = masked.indexOf(FIELD_JOINER);
  return end === -1 ? masked : masked.slice(0, end);
}

/**
 * The groups whose evidence is enough: one matched term, or what rule.json `strength` asks
 * (`minTerms` different terms, or one of them in the title). A term inside another matched term
 * of the group ("drug" in "drug discovery") is not a different term. queries/classify_works.sql applies
 * the same rule.
 */
function groupsWithEnough(matched: readonly KeywordTerm[], masked: string, rules: KeywordRules): Set<Group> {
  const out = new Set<Group>();
  let title: string | null = null;
  for (const g of new Set(matched.map((t) => t.group))) {
    const need = rules.strength[g];
    if (need === undefined) {
      out.add(g);
      continue;
    }
    const terms = matched.filter((t) => t.group === g);
    const labels = new Set(terms.map((t) => t.label));
    const different = terms.filter((t) => !t.within.some((l) => labels.has(l))).length;
    if (different >= need.minTerms) out.add(g);
    else if (need.orInTitle) {
      title ??= titlePart(masked);
      const inTitle = title;
      if (terms.some((t) => (t.boundaries === 'none' ? inTitle.includes(t.term) : t.regex.test(inTitle)))) out.add(g);
    }
  }
  return out;
}

function summarize(matched: readonly KeywordTerm[], masked: string, rules: KeywordRules): Classification {
  const groups = groupsWithEnough(matched, masked, rules);
  return {
    isMedical: groups.has('medical'),
    isAi: groups.has('ai'),
    isMedicalAi: rules.require.every((g) => groups.has(g)),
    matchedTerms: [...new Set(matched.map((t) => t.label))].sort(),
  };
}

export function classify(text: ClassifyInput, rules: KeywordRules): Classification {
  const masked = maskedText(text, rules);
  const index = indexText(masked);
  const matched = rules.terms.filter((t) => termMatches(t, masked, index));
  return summarize(matched, masked, rules);
}

/** Like `classify`, keeping the evidence; slower, for one work at a time. */
export function classifyWithDetail(text: ClassifyInput, rules: KeywordRules): ClassificationDetail {
  const original = searchableText(text.title, text.abstract);
  const masked = maskedText(text, rules);
  const maskHits: ClassificationDetail['masked'] = [];
  for (const m of rules.masks) {
    const found = new RegExp(m.pattern).exec(original);
    if (found !== null) maskHits.push({ phrase: m.phrase, source: m.source, text: found[0] });
  }
  const matched: KeywordTerm[] = [];
  const hits: ClassificationDetail['hits'] = [];
  const vetoed: ClassificationDetail['vetoed'] = [];
  for (const t of rules.terms) {
    const found = t.regex.exec(masked);
    if (found === null) continue;
    let veto: ClassificationDetail['vetoed'][number] | null = null;
    for (const v of t.vetoes) {
      const m = new RegExp(v.pattern).exec(masked);
      if (m !== null) {
        veto = { label: t.label, phrase: v.phrase, source: v.source, text: m[0] };
        break;
      }
    }
    if (veto !== null) {
      vetoed.push(veto);
      continue;
    }
    matched.push(t);
    hits.push({ label: t.label, source: t.source, text: found[0] });
  }
  hits.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return { ...summarize(matched, masked, rules), masked: maskHits, vetoed, hits };
}
