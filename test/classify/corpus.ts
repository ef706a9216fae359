/** Reads the real OpenAlex corpus once per test file (by path: it is never copied into the repo). */
import { readWorks } from '../../src/ingest/snapshot.js';
import type { Work } from '../../src/model/work.js';
import { WORKS_FILE } from '../support/paths.js';

export const CORPUS = WORKS_FILE;

let cached: Promise<Work[]> | null = null;

export function corpusWorks(): Promise<Work[]> {
  cached ??= (async () => {
    const works: Work[] = [];
    for await (const { result } of readWorks([CORPUS])) if (result.ok) works.push(result.work);
    return works;
  })();
  return cached;
}
