/**
 * Shared pieces of the fetcher tests: quiet effects, fast retry settings, and an independent
 * reading of the real corpus to compare fetched results against.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchEffects, FetchOptions } from '../../src/fetch/fetcher.js';
import { quietEffects } from '../../src/effects/effects.js';
import { openAlexDataDir, readJsonLines } from '../support/openalex-data.js';

export const quiet: FetchEffects = quietEffects;

export async function tempDir(prefix = 'medai-fetch-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Options for a fast run against the local server: short timeout so stalls cost little, short backoff. */
export function testOptions(baseUrl: string, dataDir: string, overrides: Partial<FetchOptions> = {}): FetchOptions {
  return {
    baseUrl,
    apiKey: 'test-key',
    from: 2010,
    to: 2021,
    countries: ['US', 'CN'],
    prefilter: null,
    dataDir,
    budgetUsd: 1,
    maxRps: 500,
    concurrency: 8,
    refresh: false,
    timeoutMs: 1000,
    retry: { attempts: 8, baseMs: 5, maxMs: 50 },
    ...overrides,
  };
}

export interface CorpusWork {
  id: string;
  year: number | null;
  countries: Set<string>;
  raw: Record<string, unknown>;
}

let corpus: CorpusWork[] | null = null;

/** The real works, read straight from the file: ids, years and the union of both country fields. */
export function readCorpus(): CorpusWork[] {
  corpus ??= readJsonLines(join(openAlexDataDir(), 'works.jsonl.gz')).map((r) => {
    const raw = r as Record<string, unknown>;
    const countries = new Set<string>();
    for (const a of (raw.authorships as Record<string, unknown>[] | undefined) ?? []) {
      for (const c of (a.countries as string[] | undefined) ?? []) countries.add(c.toUpperCase());
      for (const i of (a.institutions as Record<string, unknown>[] | undefined) ?? []) {
        if (typeof i.country_code === 'string') countries.add(i.country_code.toUpperCase());
      }
    }
    return { id: String(raw.id).replace('https://openalex.org/', ''), year: typeof raw.publication_year === 'number' ? raw.publication_year : null, countries, raw };
  });
  return corpus;
}

/** Expected ids of a year x country scope, computed without the server or the fetcher. */
export function expectedIds(from: number, to: number, countries: string[]): string[] {
  return readCorpus()
    .filter((w) => w.year !== null && w.year >= from && w.year <= to && countries.some((c) => w.countries.has(c)))
    .map((w) => w.id)
    .sort();
}

/** year,country,papers rows (full counting) for the given works. */
export function countsOf(ids: Iterable<string>, countries: string[]): string[] {
  const byId = new Map(readCorpus().map((w) => [w.id, w]));
  const counts = new Map<string, number>();
  for (const id of ids) {
    const w = byId.get(id)!;
    for (const c of countries) if (w.countries.has(c)) counts.set(`${w.year},${c}`, (counts.get(`${w.year},${c}`) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k},${n}`).sort();
}
