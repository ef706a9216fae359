/**
 * Abstract rebuilding, side by side in one process: the adversarial records (two words at
 * positions just under the limit, `{"machine":[999999],"learning":[999998]}`) against the real
 * corpus's abstracts, per record, and the ratio of the two. The rebuild's cost follows the number
 * of (word, position) entries, so the adversarial records should cost no more than real ones.
 * Then the duckdb reader's rebuild from the index as JSON text (rebuildAbstractJson) against the
 * node reader's JSON.parse + rebuildAbstract on the same real texts, minified as DuckDB writes them.
 * Not a test.
 *
 *   npx tsx bench/abstract.ts [--records 2000]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { rebuildAbstract, rebuildAbstractJson } from '../src/model/abstract.js';
import { WORKS_FILE } from '../test/support/paths.js';

const at = process.argv.indexOf('--records');
const RECORDS = at === -1 ? 2000 : Number(process.argv[at + 1]);

const real = gunzipSync(readFileSync(WORKS_FILE))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => (JSON.parse(l) as { abstract_inverted_index?: unknown }).abstract_inverted_index)
  .filter((index) => index !== null && index !== undefined);
const adversarial = Array.from({ length: RECORDS }, (_, i) => ({ machine: [999_999], learning: [999_998 - (i % 1000)] }));

/** Milliseconds per record over `rounds` passes (one warm-up pass first). */
function perRecord(indexes: readonly unknown[], rounds: number): number {
  for (const index of indexes) rebuildAbstract(index);
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const index of indexes) rebuildAbstract(index);
  return (performance.now() - start) / (rounds * indexes.length);
}

const startAll = performance.now();
for (const index of adversarial) rebuildAbstract(index);
const allMs = performance.now() - startAll;
const realMs = perRecord(real, 5);
const advMs = perRecord(adversarial, 5);
const entries = real.reduce<number>((n, index) => n + JSON.stringify(index).split('[').length - 1, 0) / real.length;

console.log(`${RECORDS} adversarial records, first pass: ${allMs.toFixed(1)} ms in all`);
console.log(`real abstracts (${real.length}, ~${Math.round(entries)} distinct words each): ${(realMs * 1000).toFixed(1)} µs/record`);
console.log(`adversarial (2 words at positions ~999,999): ${(advMs * 1000).toFixed(2)} µs/record`);
console.log(`ratio adversarial / real: ${(advMs / realMs).toFixed(3)}`);

// The same real indexes as JSON text, as the duckdb reader gets them; the best of 5 passes each.
const texts = real.map((index) => JSON.stringify(index));
const best = (rebuild: (json: string) => unknown): number => {
  let least = Infinity;
  for (let pass = 0; pass < 6; pass++) {
    const start = performance.now();
    for (let r = 0; r < 10; r++) for (const json of texts) rebuild(json);
    // The first pass warms up.
    if (pass > 0) least = Math.min(least, (performance.now() - start) / (10 * texts.length));
  }
  return least;
};
const fromJson = best(rebuildAbstractJson);
const parsed = best((json) => rebuildAbstract(JSON.parse(json)));
console.log(`from JSON text (${texts.filter((t) => t.includes('\\')).length} of ${texts.length} with an escape): rebuildAbstractJson ${(fromJson * 1000).toFixed(1)} µs/record, JSON.parse + rebuildAbstract ${(parsed * 1000).toFixed(1)} µs/record, ratio ${(fromJson / parsed).toFixed(2)}`);
