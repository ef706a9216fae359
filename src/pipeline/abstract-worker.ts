/**
 * A worker thread of the duckdb reader's abstract rebuild (AbstractPool in abstract-pool.ts): takes
 * batches of `abstract_inverted_index` JSON texts and answers each with abstractOf()'s text and
 * notes, or `failed` where JSON.parse cannot read the text. No state between batches.
 */
import { parentPort } from 'node:worker_threads';
import { rebuildBatch, type RebuildRequest } from './abstract-pool.js';

parentPort?.on('message', (request: RebuildRequest) => {
  parentPort?.postMessage(rebuildBatch(request));
});
