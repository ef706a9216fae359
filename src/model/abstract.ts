/**
 * Rebuilds an abstract from OpenAlex's `abstract_inverted_index` (word -> positions). Two real
 * shapes exist: the API's plain map, and old snapshots' `{IndexLength, InvertedIndex}` wrapper.
 * Returns the text and the number of entries that could not be used (a non-list value, a bad
 * position), so the caller can count repairs instead of losing the whole work.
 */
export interface RebuiltAbstract {
  text: string | null;
  badEntries: number;
}

/**
 * Positions at or beyond this are counted as bad entries, not placed. No abstract is that long (the
 * longest of the 2,290 real records has 4,620 words), so such a position is damage, not text;
 * the limit no longer guards memory (nothing is allocated per position) and is kept as that
 * plausibility check.
 */
const MAX_POSITION = 1_000_000;

export function rebuildAbstract(index: unknown): RebuiltAbstract {
  if (index === null || index === undefined) return { text: null, badEntries: 0 };
  if (typeof index !== 'object' || Array.isArray(index)) return { text: null, badEntries: 1 };
  let map = index as Record<string, unknown>;
  // Pre-2023 snapshot parts wrap the map: {"IndexLength": 164, "InvertedIndex": {...}}.
  if ('InvertedIndex' in map && typeof map.InvertedIndex === 'object' && map.InvertedIndex !== null) {
    map = map.InvertedIndex as Record<string, unknown>;
  }
  // Position -> word, then the used positions sorted: time grows with the number of entries, never
  // with the largest position (a sparse array indexed by position made {"a":[999999]} cost ~41 ms).
  // Two words at one position: the later entry in the index wins, as it always has.
  const byPosition = new Map<number, string>();
  let badEntries = 0;
  for (const [word, positions] of Object.entries(map)) {
    if (!Array.isArray(positions)) {
      badEntries++;
      continue;
    }
    for (const p of positions) {
      if (Number.isInteger(p) && p >= 0 && p < MAX_POSITION) byPosition.set(p as number, word);
      else badEntries++;
    }
  }
  const text = [...byPosition.keys()]
    .sort((a, b) => a - b)
    .map((p) => byPosition.get(p))
    .join(' ');
  return { text: text.length > 0 ? text : null, badEntries };
}

/**
 * Text that OpenAlex serves in the abstract field but that is not the work's abstract. Each
 * entry was seen in real records (../shared/data/openalex/works.jsonl.gz): publisher
 * placeholders, and landing-page teasers cut off with "Read More", which OpenAlex scraped from a
 * listing page and, in the records seen, attached to other works (one AI drug-discovery teaser sits
 * on a 1977 and a 1995 pharmacology paper). Matching on such text would count a paper for words
 * it does not contain, so the abstract is set aside and the work is classified on its title.
 */
const PLACEHOLDERS: readonly string[] = ['first page', 'no abstract available', 'abstract not available', 'no abstract', 'not available', 'n/a'];
const PLACEHOLDER_OPENINGS: readonly string[] = [
  // Cambridge University Press: "An abstract is not available for this content so a preview has been provided. ..."
  'an abstract is not available for this content',
  'a summary is not available for this content',
];
const TEASER_END = /(?:\.\.\.|…|\s)\s*read more[\s.…]*$/i;

/** Why an abstract is not the work's own (set aside, with this reason), or null when it may be used. */
export function abstractSetAsideReason(text: string): string | null {
  const flat = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const bare = flat.replace(/^[\s[(]+|[\s.\])]+$/g, '');
  if (PLACEHOLDERS.includes(bare) || PLACEHOLDER_OPENINGS.some((p) => flat.startsWith(p))) {
    return `publisher placeholder, not an abstract: "${text.trim().slice(0, 60)}${text.trim().length > 60 ? '…' : ''}"`;
  }
  if (TEASER_END.test(flat)) return 'landing-page teaser cut off with "Read More", a page snippet rather than the work\'s abstract';
  return null;
}
