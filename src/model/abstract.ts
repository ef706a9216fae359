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
  const dense = isDense(max, count);
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
  const words = dense ? byIndex : [...byPosition.keys()].sort((a, b) => a - b).map((p) => byPosition.get(p));
  return { text: joinedText(words), badEntries };
}

/** Whether positions up to `max` for `count` entries are placed in an array by position (else sorted). */
const isDense = (max: number, count: number): boolean => max < 2 * count + 64;

/** The words in reading order joined with single spaces (holes skipped); null when nothing is left. */
function joinedText(words: readonly (string | undefined)[]): string | null {
  // A loop, not filter(): `words` is mostly a holey array, which filter() walks on its slow path.
  const present: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    if (w !== undefined) present.push(w);
  }
  const text = present.join(' ');
  return text.length > 0 ? text : null;
}

/**
 * rebuildAbstract(JSON.parse(json)) for an index as JSON text, without building the object when the
 * text has the plain shape DuckDB writes ({"word":[0,5],...}, minified): each key written once, each
 * position a plain integer under MAX_POSITION, no key written twice and no position held by two
 * words (where JavaScript's key order would decide which one stays). Anything else, including
 * the pre-2023 wrapper, goes through JSON.parse and rebuildAbstract(). Throws what JSON.parse throws.
 */
export function rebuildAbstractJson(json: string): RebuiltAbstract {
  return indexText(json) ?? rebuildAbstract(JSON.parse(json));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Scratch space of indexText(), reused from call to call (a thread makes one call at a
 * time) and grown as needed: a rebuild allocates only its text. Grown past what any real index
 * needs (a damaged or hostile one), it is let go after that call.
 */
const freshScratch = () => ({
  /** Each key's first code unit and the quote after its last, in the index text. */
  keyStart: new Int32Array(512),
  keyEnd: new Int32Array(512),
  keyHash: new Int32Array(512),
  /** Each key as JSON.parse reads it where it holds an escape, else undefined (set for every key). */
  decoded: [] as (string | undefined)[],
  /** Each (key, position) entry. */
  entryKey: new Int32Array(1024),
  entryPosition: new Int32Array(1024),
  /** Per position, its key + 1 (0: none); zeroed again after each call. */
  placed: new Int32Array(1024),
  /** Open addressing over the keys' text: key + 1 in a slot, valid while slotCall is this call's. */
  slotKey: new Int32Array(1024),
  slotCall: new Int32Array(1024),
  call: 0,
  units: new Uint16Array(8192),
  bytes: Buffer.alloc(8192),
});
let scratch = freshScratch();

/** Keys, entries or code units past which the scratch space is let go after the call (the longest real abstract has 4,620 words). */
const SCRATCH_KEPT = 1 << 16;

const grown = (a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> => {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
};

/**
 * The abstract of a plain-shaped index text (see rebuildAbstractJson), or null when it is not plain,
 * without a string per word: keys are read by their offsets in the text and told apart by a hash
 * table over their code units, and the text is written into a buffer and made a string once. A key
 * holding an escape (a newline, a quote or a backslash in a word: about one real index in ten has
 * one) is read by JSON.parse, as JSON.parse reads the whole index. rebuildAbstractJson() took 48.8 µs
 * per real index with a string per word and takes 26.8 µs with this (`npx tsx bench/abstract.ts`);
 * on the 31,951 indexes of a 50,000-work bench part, 0.70-0.77 s against 1.16-1.26 s.
 */
function indexText(json: string): RebuiltAbstract | null {
  const n = json.length;
  if (n < 2 || json.charCodeAt(0) !== 0x7b || json.charCodeAt(n - 1) !== 0x7d) return null;
  if (n === 2) return { text: null, badEntries: 0 };
  const s = scratch;
  // A slot is this call's where slotCall holds its number: nothing to clear between calls.
  if (s.call >= 0x3fffffff) {
    s.slotCall.fill(0);
    s.call = 0;
  }
  let call = ++s.call;
  let mask = s.slotKey.length - 1;
  let keys = 0;
  let count = 0;
  let max = -1;
  let i = 1;
  for (;;) {
    if (json.charCodeAt(i) !== QUOTE) return null;
    const start = i + 1;
    // To the closing quote (one not escaped), hashing the key's code units (FNV-1a).
    let h = 0x811c9dc5;
    let close = start;
    let escaped = false;
    for (let c = json.charCodeAt(close); c !== QUOTE; c = json.charCodeAt(++close)) {
      if (close >= n) return null;
      if (c === BACKSLASH) {
        escaped = true;
        close++;
      } else h = Math.imul(h ^ c, 0x01000193);
    }
    // An escape: the key as JSON.parse reads it, hashed again.
    let word: string | undefined;
    if (escaped) {
      try {
        word = JSON.parse(json.slice(start - 1, close + 1)) as string;
      } catch {
        return null;
      }
      h = 0x811c9dc5;
      for (let k = 0; k < word.length; k++) h = Math.imul(h ^ word.charCodeAt(k), 0x01000193);
    }
    if (2 * (keys + 1) > mask + 1) {
      // At most half full: twice the slots, and the keys so far placed again by their hashes.
      mask = mask * 2 + 1;
      s.slotKey = new Int32Array(mask + 1);
      s.slotCall = new Int32Array(mask + 1);
      s.call = call = 1;
      for (let k = 0; k < keys; k++) {
        let slot = s.keyHash[k]! & mask;
        while (s.slotCall[slot] === call) slot = (slot + 1) & mask;
        s.slotCall[slot] = call;
        s.slotKey[slot] = k + 1;
      }
    }
    let slot = h & mask;
    for (; s.slotCall[slot] === call; slot = (slot + 1) & mask) {
      const other = s.slotKey[slot]! - 1;
      const from = s.keyStart[other]!;
      // A key written twice: JSON.parse keeps only its last list.
      if (word !== undefined || s.decoded[other] !== undefined) {
        if ((s.decoded[other] ?? json.slice(from, s.keyEnd[other])) === (word ?? json.slice(start, close))) return null;
        continue;
      }
      if (s.keyEnd[other]! - from !== close - start) continue;
      let k = 0;
      while (k < close - start && json.charCodeAt(from + k) === json.charCodeAt(start + k)) k++;
      if (k === close - start) return null;
    }
    if (keys === s.keyStart.length) {
      s.keyStart = grown(s.keyStart, keys + 1);
      s.keyEnd = grown(s.keyEnd, keys + 1);
      s.keyHash = grown(s.keyHash, keys + 1);
    }
    s.keyStart[keys] = start;
    s.keyEnd[keys] = close;
    s.keyHash[keys] = h;
    s.decoded[keys] = word;
    s.slotCall[slot] = call;
    s.slotKey[slot] = keys + 1;
    const key = keys++;
    i = close + 1;
    if (json.charCodeAt(i) !== 0x3a || json.charCodeAt(i + 1) !== 0x5b) return null;
    i += 2;
    let c = json.charCodeAt(i);
    if (c !== 0x5d) {
      for (;;) {
        const first = i;
        let p = 0;
        while (c >= ZERO && c <= NINE) {
          p = p * 10 + (c - ZERO);
          c = json.charCodeAt(++i);
        }
        // No digits, a leading zero, or at or beyond the limit: not plain (bad entries are counted there).
        if (i === first || (i > first + 1 && json.charCodeAt(first) === ZERO) || p >= MAX_POSITION) return null;
        if (count === s.entryKey.length) {
          s.entryKey = grown(s.entryKey, count + 1);
          s.entryPosition = grown(s.entryPosition, count + 1);
        }
        s.entryKey[count] = key;
        s.entryPosition[count++] = p;
        if (p > max) max = p;
        if (c === 0x5d) break;
        if (c !== COMMA) return null;
        c = json.charCodeAt(++i);
      }
    }
    c = json.charCodeAt(++i);
    if (c === 0x7d && i === n - 1) break;
    if (c !== COMMA) return null;
    i++;
  }
  if (!isDense(max, count)) return null;
  s.placed = grown(s.placed, max + 1);
  const placed = s.placed;
  // Code units of the text: each word and a space before all but the first.
  let length = -1;
  let shared = false;
  for (let e = 0; e < count; e++) {
    const p = s.entryPosition[e]!;
    // A position two words hold: JavaScript's key order would decide which stays (rebuildAbstractJson).
    if (placed[p] !== 0) {
      shared = true;
      break;
    }
    const key = s.entryKey[e]!;
    placed[p] = key + 1;
    length += (s.decoded[key]?.length ?? s.keyEnd[key]! - s.keyStart[key]!) + 1;
  }
  const text = shared || count === 0 ? null : joinedKeys(json, placed, max, length);
  placed.fill(0, 0, max + 1);
  if (s.keyStart.length > SCRATCH_KEPT || s.entryKey.length > SCRATCH_KEPT || s.units.length > SCRATCH_KEPT) scratch = freshScratch();
  if (shared) return null;
  return { text: text !== null && text.length > 0 ? text : null, badEntries: 0 };
}

/** The keys at positions 0..max of `placed` (key + 1, 0 for none) joined with spaces: `length` code units. */
function joinedKeys(json: string, placed: Int32Array, max: number, length: number): string {
  const s = scratch;
  if (s.units.length < length) s.units = new Uint16Array(Math.max(length, s.units.length * 2));
  const units = s.units;
  let at = 0;
  let bits = 0;
  let words = 0;
  for (let p = 0; p <= max; p++) {
    const key = placed[p]! - 1;
    if (key < 0) continue;
    // A space between words, empty ones too (as join(' ')).
    if (words++ > 0) units[at++] = 0x20;
    const word = s.decoded[key];
    const text = word ?? json;
    for (let k = word === undefined ? s.keyStart[key]! : 0, end = word === undefined ? s.keyEnd[key]! : word.length; k < end; k++) {
      const c = text.charCodeAt(k);
      bits |= c;
      units[at++] = c;
    }
  }
  if (bits <= 0xff) {
    // Latin-1 (most abstracts): one byte per code unit, made a string in one native call.
    if (s.bytes.length < at) s.bytes = Buffer.alloc(Math.max(at, s.bytes.length * 2));
    s.bytes.set(units.subarray(0, at));
    return s.bytes.toString('latin1', 0, at);
  }
  let text = '';
  for (let k = 0; k < at; k += 4096) text += String.fromCharCode.apply(null, units.subarray(k, Math.min(at, k + 4096)) as unknown as number[]);
  return text;
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

/** Characters skipped before a placeholder's first word (see `bare` below). */
const LEADING = /[^\s[(]/;
/** Characters a teaser may end with after "read more" (see TEASER_END). */
const TRAILING = /[\s.…]/;

/**
 * Whether `text` can be a placeholder or a teaser at all, looking only at its two ends: a
 * placeholder is the whole text, past leading brackets, and an opening notice is its start, so the
 * text's first letters are those of one of them ("fi", "no", "n/", "ab", "an", "a "); a teaser ends
 * with "more" before its trailing dots and spaces. A necessary condition of the checks in
 * abstractSetAsideReason(), so it never changes their answer; it spares nearly every real abstract
 * the lower-casing and whitespace passes over its whole text (about 0.5 s per 50,000 abstracts in
 * the duckdb reader, on the thread that reads the parts).
 */
function mayBeSetAside(text: string): boolean {
  const start = LEADING.exec(text)?.index ?? text.length;
  const head = text.slice(start, start + 2).toLowerCase();
  if (['fi', 'no', 'n/', 'ab', 'an'].includes(head) || (head[0] === 'a' && /\s/.test(text.charAt(start + 1)))) return true;
  let end = text.length;
  while (end > 0 && TRAILING.test(text.charAt(end - 1))) end--;
  return text.slice(Math.max(0, end - 4), end).toLowerCase() === 'more';
}

/** Why an abstract is not the work's own (set aside, with this reason), or null when it may be used. */
export function abstractSetAsideReason(text: string): string | null {
  if (!mayBeSetAside(text)) return null;
  // Every placeholder and teaser holds one of these words once lower-cased (collapsing whitespace
  // makes no letters): most abstracts are let through without the copies made below.
  const lower = text.toLowerCase();
  if (!(lower.includes('first') || lower.includes('abstract') || lower.includes('available') || lower.includes('n/a') || (lower.includes('more') && /read\s+more/.test(lower)))) {
    return null;
  }
  const flat = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const bare = flat.replace(/^[\s[(]+|[\s.\])]+$/g, '');
  if (PLACEHOLDERS.includes(bare) || PLACEHOLDER_OPENINGS.some((p) => flat.startsWith(p))) {
    return `publisher placeholder, not an abstract: "${text.trim().slice(0, 60)}${text.trim().length > 60 ? '…' : ''}"`;
  }
  if (TEASER_END.test(flat)) return 'landing-page teaser cut off with "Read More", a page snippet rather than the work\'s abstract';
  return null;
}
