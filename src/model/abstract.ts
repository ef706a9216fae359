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

export function rebuildAbstract(index: unknown): RebuiltAbstract {
  if (index === null || index === undefined) return { text: null, badEntries: 0 };
  if (typeof index !== 'object' || Array.isArray(index)) return { text: null, badEntries: 1 };
  let map = index as Record<string, unknown>;
  // Pre-2023 snapshot parts wrap the map: {"IndexLength": 164, "InvertedIndex": {...}}.
  if ('InvertedIndex' in map && typeof map.InvertedIndex === 'object' && map.InvertedIndex !== null) {
    map = map.InvertedIndex as Record<string, unknown>;
  }
  const words: string[] = [];
  let badEntries = 0;
  for (const [word, positions] of Object.entries(map)) {
    if (!Array.isArray(positions)) {
      badEntries++;
      continue;
    }
    for (const p of positions) {
      // Positions beyond a million would allocate a huge sparse array; no abstract is that long.
      if (Number.isInteger(p) && p >= 0 && p < 1_000_000) words[p] = word;
      else badEntries++;
    }
  }
  const text = words.filter((w) => w !== undefined).join(' ');
  return { text: text.length > 0 ? text : null, badEntries };
}
