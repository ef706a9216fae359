/**
 * `fetch --refresh` against a local OpenAlex whose data changed since the first fetch: works it
 * deleted and works it merged into another id leave the counts and are reported as retired.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { WORKS_FILE } from '../support/paths.js';

const ARGS = ['--from', '2019', '--to', '2021', '--countries', 'US', '--prefilter', 'none', '--per-page', '25'];
const servers: OpenAlexServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

async function storedIds(db: string): Promise<Set<string>> {
  const store = await Store.open(db);
  try {
    const ids = new Set<string>();
    for await (const w of store.iterateWorks()) ids.add(w.id);
    return ids;
  } finally {
    store.close();
  }
}

describe('fetch --refresh', () => {
  it('drops works OpenAlex deleted or merged away, reports them, and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-refresh-'));
    const db = join(dir, 'db.duckdb');
    const lines = readJsonLineTexts(WORKS_FILE);
    const inScope = lines.filter((l) => {
      const w = JSON.parse(l) as { publication_year: number };
      return w.publication_year >= 2019 && w.publication_year <= 2021 && /"(?:countries|country_code)":\s*(?:\[[^\]]*)?"US"/.test(l);
    });
    const first = await startOpenAlexServer({ worksFile: WORKS_FILE, apiKey: 'k' });
    servers.push(first);
    const r1 = await runCliInProcess(['fetch', ...ARGS, '--db', db], { OPENALEX_API_KEY: 'k', OPENALEX_BASE_URL: first.url });
    expect(r1.code, r1.stderr).toBe(0);
    const before = await storedIds(db);
    expect(before.size).toBeGreaterThan(50);

    // The changed data (constructed from the real records): two works deleted, one merged into a new id.
    const [gone1, gone2, merged] = [...before].sort().slice(0, 3) as [string, string, string];
    const changed = lines
      .filter((l) => !l.includes(`"https://openalex.org/${gone1}"`) && !l.includes(`"https://openalex.org/${gone2}"`))
      .map((l) => l.replace(`"https://openalex.org/${merged}"`, '"https://openalex.org/W9999999999"'));
    const changedFile = join(dir, 'changed.jsonl.gz');
    writeFileSync(changedFile, gzipSync(`${changed.join('\n')}\n`));
    const second = await startOpenAlexServer({ worksFile: changedFile, apiKey: 'k' });
    servers.push(second);
    const r2 = await runCliInProcess(['fetch', ...ARGS, '--refresh', '--db', db], { OPENALEX_API_KEY: 'k', OPENALEX_BASE_URL: second.url });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/3 works held before are no longer returned/);

    const after = await storedIds(db);
    expect([gone1, gone2, merged].filter((id) => after.has(id))).toEqual([]);
    expect(after.has('W9999999999')).toBe(true);
    expect(after.size).toBe(before.size - 2);
    expect(inScope.length).toBeGreaterThanOrEqual(before.size);

    const r3 = await runCliInProcess(['classify', '--db', db]);
    expect(r3.code, r3.stderr).toBe(0);
    const r4 = await runCliInProcess(['report', ...ARGS.slice(0, 6), '--format', 'csv', '--db', db, '--out', join(dir, 'out')]);
    expect(r4.code, r4.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.counts.retired).toBe(3);
    const retired = readFileSync(join(dir, 'out', 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'retired');
    expect(retired.map((r) => r.workId).sort()).toEqual([gone1, gone2, merged].sort());
  });
});
