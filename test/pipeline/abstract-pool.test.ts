/**
 * The duckdb reader's abstract rebuild in worker threads gives what it gives on the main thread
 * (rebuildBatch, which test/ingest/duckdb-reader.test.ts holds to the node reader), and a pool that
 * cannot answer fails the read instead of leaving it waiting.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AbstractPool, rebuildBatch } from '../../src/pipeline/abstract-pool.js';
import { WORKS_FILE } from '../support/paths.js';

function realIndexes(): string[] {
  return gunzipSync(readFileSync(WORKS_FILE))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { abstract_inverted_index?: unknown }).abstract_inverted_index)
    .filter((x) => x !== undefined && x !== null)
    .map((x) => JSON.stringify(x));
}

describe('AbstractPool', () => {
  it('rebuilds every real index in two worker threads as rebuildBatch does here, batches in parallel', async () => {
    const indexes = [...realIndexes(), '{"a":[0', '{"a":[0],"b":[0.5]}'];
    const pool = new AbstractPool(2);
    try {
      const batches = [indexes.slice(0, 700), indexes.slice(700)];
      const results = await Promise.all(batches.map((b) => pool.rebuild(b)));
      const inline = batches.map((b) => rebuildBatch({ id: 0, indexes: b }));
      expect(results.map(({ id: _id, ...r }) => r)).toEqual(inline.map(({ id: _id, ...r }) => r));
      const all = results.flatMap((r) => r.texts);
      expect(all.filter((t) => t !== null).length).toBe(1466 - 8 + 1);
      // The truncated text is one JSON.parse cannot read: the node reader reads that record.
      expect(results[1]!.failed.at(-2)).toBe(true);
      expect(results[1]!.notes.at(-1)).toEqual(['abstract_inverted_index: 1 unusable entry skipped']);
    } finally {
      await pool.close();
    }
    await expect(pool.rebuild(['{}'])).rejects.toThrow(/closed/);
  }, 60_000);
});
