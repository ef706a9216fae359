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
  // Position -> word; two words at one position: the later entry in the index wins, as it always
  // has. Real indexes are dense (positions 0..n-1), so the words go into an array by position and
  // are read in order; a sparse one ({"a":[999999]}) goes into a Map whose keys are sorted instead,
  // so time grows with the number of entries, never with the largest position.
  const entries = Object.entries(map);
  let count = 0;
  let max = -1;
  let badEntries = 0;
  for (const [, positions] of entries) {
    if (!Array.isArray(positions)) continue;
    for (const p of positions) {
      if (Number.isInteger(p) && p >= 0 && p < MAX_POSITION) {
        count++;
        if ((p as number) > max) max = p as number;
      }
    }
  }
  const dense = max < 2 * count + 64;
  const byIndex: (string | undefined)[] = dense ? new Array<string | undefined>(max + 1) : [];
  const byPosition = new Map<number, string>();
  for (const [word, positions] of entries) {
    if (!Array.isArray(positions)) {
      badEntries++;
      continue;
    }
    for (const p of positions) {
      if (!(Number.isInteger(p) && p >= 0 && p < MAX_POSITION)) badEntries++;
      else if (dense) byIndex[p as number] = word;
      else byPosition.set(p as number, word);
    }
  }
  const words = dense ? byIndex.filter((w): w is string => w !== undefined) : [...byPosition.keys()].sort((a, b) => a - b).map((p) => byPosition.get(p) as string);
  const text = words.join(' ');
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
const MAY_SET_ASIDE = /first|abstract|available|n\/a|read\s+more/i;

/** Why an abstract is not the work's own (set aside, with this reason), or null when it may be used. */
export function abstractSetAsideReason(text: string): string | null {
  // Every placeholder and teaser holds one of these in any case (lower-casing makes no other
  // character ASCII here): most abstracts are let through without the copies made below.
  if (!MAY_SET_ASIDE.test(text)) return null;
  const flat = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const bare = flat.replace(/^[\s[(]+|[\s.\])]+$/g, '');
  if (PLACEHOLDERS.includes(bare) || PLACEHOLDER_OPENINGS.some((p) => flat.startsWith(p))) {
    return `publisher placeholder, not an abstract: "${text.trim().slice(0, 60)}${text.trim().length > 60 ? '…' : ''}"`;
  }
  if (TEASER_END.test(flat)) return 'landing-page teaser cut off with "Read More", a page snippet rather than the work\'s abstract';
  return null;
}
