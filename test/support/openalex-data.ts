/**
 * Where the real OpenAlex records live. They are read by path and never copied into this repo
 * (their provenance is documented beside them, in PROVENANCE.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `OPENALEX_DATA` (relative to the repository, as in paths.ts), else `../shared/data/openalex`. */
export function openAlexDataDir(): string {
  return resolve(REPO_ROOT, process.env.OPENALEX_DATA ?? '../shared/data/openalex');
}

/**
 * Reads a JSON Lines file (gzipped when the name ends in `.gz`). Lines are split on `\n` only:
 * some real titles contain U+2028, which other line splitters treat as a break.
 */
export function readJsonLines(file: string): unknown[] {
  const bytes = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as unknown);
}
