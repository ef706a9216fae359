/** Reads the real OpenAlex corpus once per test file (by path: it is never copied into the repo). */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWorks } from '../../src/ingest/snapshot.js';
import type { Work } from '../../src/model/work.js';

export const OPENALEX_DATA = resolve(
  fileURLToPath(new URL('../../', import.meta.url)),
  process.env.OPENALEX_DATA ?? '../shared/data/openalex',
);
export const CORPUS = resolve(OPENALEX_DATA, 'works.jsonl.gz');

let cached: Promise<Work[]> | null = null;

export function corpusWorks(): Promise<Work[]> {
  cached ??= (async () => {
    const works: Work[] = [];
    for await (const { result } of readWorks([CORPUS])) if (result.ok) works.push(result.work);
    return works;
  })();
  return cached;
}
