/** Where the real OpenAlex records live: outside this repo, by path (never copied in). */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OPENALEX_DATA = resolve(REPO_ROOT, process.env.OPENALEX_DATA ?? '../shared/data/openalex');
export const WORKS_FILE = resolve(OPENALEX_DATA, 'works.jsonl.gz');
