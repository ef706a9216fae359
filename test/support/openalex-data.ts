/**
 * Reading the real OpenAlex records in tests. They are read by path and never copied into this
 * repo (their provenance is documented beside them, in PROVENANCE.md).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { abstractSetAsideReason, rebuildAbstract } from '../../src/model/abstract.js';
import { OPENALEX_DATA } from './paths.js';

/** `OPENALEX_DATA` (relative to the repository), else `../shared/data/openalex`; see paths.ts. */
export function openAlexDataDir(): string {
  return OPENALEX_DATA;
}

/**
 * The non-empty lines of a JSON Lines file (gzipped when the name ends in `.gz`). Lines are split
 * on `\n` only: some real records contain U+2028, which other line splitters treat as a break.
 */
export function readJsonLineTexts(file: string): string[] {
  const bytes = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  return text.split('\n').filter((line) => line.trim().length > 0);
}

export function readJsonLines(file: string): unknown[] {
  return readJsonLineTexts(file).map((line) => JSON.parse(line) as unknown);
}

/** The abstract a classifier may read from a raw record's inverted index: the rebuilt text unless it is set aside. */
export function usableAbstract(index: unknown): string | null {
  const text = rebuildAbstract(index).text;
  return text === null || abstractSetAsideReason(text) !== null ? null : text;
}
