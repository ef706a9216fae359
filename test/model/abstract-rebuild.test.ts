/**
 * Rebuilding an abstract costs time in the number of (word, position) entries, not in the largest
 * position, and gives the same text as the sparse-array rebuild it replaced on every real record.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { rebuildAbstract, rebuildAbstractJson, type RebuiltAbstract } from '../../src/model/abstract.js';
import { normalizeWork } from '../../src/model/work.js';
import { WORKS_FILE } from '../support/paths.js';

/** The rebuild as it was before (a sparse array indexed by position), kept as the reference. */
function sparseArrayRebuild(index: unknown): RebuiltAbstract {
  if (index === null || index === undefined) return { text: null, badEntries: 0 };
  if (typeof index !== 'object' || Array.isArray(index)) return { text: null, badEntries: 1 };
  let map = index as Record<string, unknown>;
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
      if (Number.isInteger(p) && p >= 0 && p < 1_000_000) words[p] = word;
      else badEntries++;
    }
  }
  const text = words.filter((w) => w !== undefined).join(' ');
  return { text: text.length > 0 ? text : null, badEntries };
}

function rawRecords(): Record<string, unknown>[] {
  return gunzipSync(readFileSync(WORKS_FILE))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('rebuildAbstract', () => {
  it('gives the same text and bad-entry count as the sparse-array rebuild on all 2,290 real works', () => {
    const records = rawRecords();
    expect(records.length).toBe(2290);
    const differ = records.filter(
      (r) => JSON.stringify(rebuildAbstract(r.abstract_inverted_index)) !== JSON.stringify(sparseArrayRebuild(r.abstract_inverted_index)),
    );
    expect(differ.map((r) => r.id)).toEqual([]);
    // Not agreement on nothing: 1,466 real works have an abstract, 19 of them in the pre-2023 wrapper.
    expect(records.filter((r) => rebuildAbstract(r.abstract_inverted_index).text !== null).length).toBe(1466);
  });

  // CONSTRUCTED indexes, one edge case per row; each must agree with the reference too.
  it.each<[string, unknown, string | null, number]>([
    ['words in position order', { model: [1], the: [0, 3], predicts: [2], outcome: [4] }, 'the model predicts the outcome', 0],
    ['gaps in positions are closed up', { a: [0], b: [10], c: [5] }, 'a c b', 0],
    ['two words at one position: the later entry wins', { first: [0], second: [0], end: [1] }, 'second end', 0],
    ['positions just under the limit', { machine: [999_999], learning: [999_998] }, 'learning machine', 0],
    // Dense indexes are placed in an array, sparse ones in a map: both keep the later entry.
    ['two words at one sparse position: the later entry wins', { end: [3], far: [900_000], near: [900_000] }, 'end near', 0],
    ['an array-index key comes first in entry order, so the word written later wins', { x: [0], '2020': [0], y: [1] }, 'x y', 0],
    ['a position at the limit is a bad entry', { machine: [1_000_000], learning: [3] }, 'learning', 1],
    ['huge, negative, fractional and non-number positions are bad entries', { a: [1e300, -1, 1.5, '2', null], b: [0] }, 'b', 5],
    ['a non-list value is one bad entry', { a: [0], b: 3 }, 'a', 1],
    ['only bad entries: no text', { a: [-1] }, null, 1],
    ['not an object', 'text', null, 1],
    ['the pre-2023 wrapper', { IndexLength: 2, InvertedIndex: { world: [1], Hello: [0] } }, 'Hello world', 0],
  ])('%s', (_name, index, text, badEntries) => {
    expect(rebuildAbstract(index)).toEqual({ text, badEntries });
    expect(rebuildAbstract(index)).toEqual(sparseArrayRebuild(index));
  });

  it('rebuilds 2,000 records with positions just under the limit, each to its two words', async () => {
    // The slow input: 70-byte records that cost ~41 ms each (96 s for 2,000) when the rebuild
    // walked every position up to the largest. Run in chunks that yield, so the test timeout (far
    // above the ~0.1 s this takes now) can stop the old behaviour instead of waiting it out.
    const texts: (string | null)[] = [];
    for (let chunk = 0; chunk < 20; chunk++) {
      for (let i = 0; i < 100; i++) {
        const n = normalizeWork({
          id: `W${chunk * 100 + i + 1}`,
          publication_year: 2020,
          abstract_inverted_index: { machine: [999_999], learning: [999_998 - i] },
        });
        texts.push(n.ok ? n.work.abstract : 'rejected');
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(texts).toHaveLength(2000);
    expect(new Set(texts)).toEqual(new Set(['learning machine']));
  }, 10_000);
});

describe('rebuildAbstractJson', () => {
  /** What the duckdb reader's rebuild must give for a JSON text: the node reader's JSON.parse + rebuildAbstract. */
  const reference = (json: string): RebuiltAbstract | string => {
    try {
      return rebuildAbstract(JSON.parse(json));
    } catch (err) {
      return (err as Error).name;
    }
  };
  const fast = (json: string): RebuiltAbstract | string => {
    try {
      return rebuildAbstractJson(json);
    } catch (err) {
      return (err as Error).name;
    }
  };

  it('gives what JSON.parse and rebuildAbstract() give for every real index, as written and minified', () => {
    const indexes = rawRecords()
      .map((r) => r.abstract_inverted_index)
      .filter((x) => x !== undefined && x !== null);
    expect(indexes.length).toBe(1466);
    for (const index of indexes) {
      const json = JSON.stringify(index);
      expect(fast(json)).toEqual(reference(json));
      const spaced = JSON.stringify(index, null, 1);
      expect(fast(spaced)).toEqual(reference(spaced));
    }
    // The point of it: the minified real indexes are read without JSON.parse (the 19 in the
    // pre-2023 wrapper take it; 144 real indexes hold a word with an escape, read without it).
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (const index of indexes) rebuildAbstractJson(JSON.stringify(index));
      const wholeIndexes = parse.mock.calls.filter(([text]) => String(text).startsWith('{')).length;
      expect(wholeIndexes).toBe(19);
    } finally {
      parse.mockRestore();
    }
  });

  // CONSTRUCTED texts: each either has the plain shape or must take the JSON.parse path and agree.
  it.each<[string, string]>([
    ['plain', '{"the":[0,3],"model":[1],"predicts":[2],"outcome":[4]}'],
    ['empty', '{}'],
    ['an empty position list', '{"a":[],"b":[0]}'],
    ['a key written twice: the last one counts, at the first one\'s place', '{"a":[0],"b":[1],"a":[2]}'],
    ['two words at one position', '{"first":[0],"second":[0],"end":[1]}'],
    ['an array-index key at a shared position', '{"x":[0],"2020":[0],"y":[1]}'],
    ['an array-index key alone', '{"2020":[1],"in":[0]}'],
    ['an escaped quote in a key', '{"say \\"hi\\"":[0],"b":[1]}'],
    ['a unicode escape in a key', '{"caf\\u00e9":[0]}'],
    ['one key spelt two ways, plain then escaped', '{"ab":[0],"x":[1],"a\\u0062":[2]}'],
    ['one key spelt two ways, escaped then plain', '{"a\\u0062":[0],"x":[1],"ab":[2]}'],
    ['one key spelt two ways, both escaped', '{"\\n":[0],"x":[1],"\\u000a":[2]}'],
    ['a negative, fractional and exponent position', '{"a":[-1,1.5,2e0],"b":[0]}'],
    ['a leading zero', '{"a":[01]}'],
    ['a position at the limit', '{"a":[1000000],"b":[0]}'],
    ['a sparse index', '{"a":[999999],"b":[0]}'],
    ['a non-list value', '{"a":3,"b":[0]}'],
    ['the pre-2023 wrapper', '{"IndexLength":2,"InvertedIndex":{"world":[1],"Hello":[0]}}'],
    ['not an object', '"text"'],
    ['a list', '[1,2]'],
    ['truncated', '{"a":[0'],
    ['trailing text', '{"a":[0]}x'],
    ['whitespace', '{ "a" : [ 0 ] }'],
    ['__proto__ as a word', '{"__proto__":[0],"b":[1]}'],
    ['an empty key', '{"":[0],"b":[1]}'],
    ['an empty key alone', '{"":[0]}'],
    ['words beyond Latin-1', '{"模型":[0],"café":[1],"—":[2],"x":[3]}'],
    ['a word outside the Basic Multilingual Plane', '{"𝛼":[1],"x":[0]}'],
    ['a key that does not end', '{"ab}'],
    ['a key written twice, the second time at a shared position', '{"a":[0],"b":[1],"a":[1]}'],
  ])('%s', (_name, json) => {
    expect(fast(json)).toEqual(reference(json));
  });

  it('gives the same for indexes larger than any real one, before and after small ones', () => {
    // Thousands of words and positions, and texts past 8,192 code units, in Latin-1 and beyond it:
    // the scratch space the reader reuses grows, and a small index read after a large one is not
    // read with the large one's leftovers.
    const large = (word: (k: number) => string, words: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: words }, (_, k) => [word(k), [2 * k, 2 * k + 1]])));
    const indexes = [
      '{"the":[0,3],"model":[1],"predicts":[2],"outcome":[4]}',
      large((k) => `word${k}`, 3000),
      '{"a":[1],"b":[0]}',
      large((k) => `模型${k}`, 3000),
      '{"a":[0],"b":[1],"a":[2]}',
      large((k) => `w${k % 2500}`, 3000),
      '{"x":[0]}',
      // Past what the reader keeps of its scratch space between indexes (SCRATCH_KEPT).
      large((k) => `k${k}`, 70_000),
      '{"the":[0,3],"model":[1],"predicts":[2],"outcome":[4]}',
      large((k) => `k${k % 69_999}`, 70_000),
      '{"a":[0],"b":[1],"a":[2]}',
    ];
    for (const json of indexes) expect(fast(json)).toEqual(reference(json));
    expect((fast(indexes[1]!) as RebuiltAbstract).text?.length).toBeGreaterThan(8192);
  });

  it('gives the same for 3,000 random indexes: repeated keys, shared and missing positions, any characters', () => {
    // A fixed seed (mulberry32), so a failure names an index that can be read again.
    let seed = 20261202;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const letters = ['a', 'b', 'é', '模', '—', '𝛼', ' ', '"', '\\', '\n', '0', ''];
    let plainShaped = 0;
    for (let n = 0; n < 3000; n++) {
      const words = 1 + Math.floor(random() * 12);
      const entries: string[] = [];
      for (let w = 0; w < words; w++) {
        const word = Array.from({ length: Math.floor(random() * 4) }, () => pick(letters)).join('');
        const positions = Array.from({ length: Math.floor(random() * 3) }, () => Math.floor(random() * words * 1.5));
        entries.push(`${JSON.stringify(word)}:[${positions.join(',')}]`);
      }
      const json = `{${entries.join(',')}}`;
      if (!json.includes('\\')) plainShaped++;
      expect(fast(json), json).toEqual(reference(json));
    }
    // Both of the fast readings were tried, not only JSON.parse.
    expect(plainShaped).toBeGreaterThan(300);
  });
});
