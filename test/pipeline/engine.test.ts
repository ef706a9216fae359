/**
 * The classify stage's two engines, TypeScript and SQL inside DuckDB, fill the same `classified`
 * table from the real corpus: every row, for the shipped and the strict rule and both country
 * policies. A real DuckDB file, the real snapshot reader.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountryPolicy } from '../../src/classify/countries.js';
import { DEFAULT_KEYWORDS_DIR, loadKeywordRules } from '../../src/classify/keywords.js';
import { classifyStore, type ClassifierRecord } from '../../src/pipeline/classify.js';
import { loadFromSnapshot } from '../../src/pipeline/source.js';
import { Store } from '../../src/store/store.js';
import { sqlRows } from '../support/store-sql.js';
import { STRICT_KEYWORDS_DIR } from '../classify/cases.js';
import { runCliInProcess } from '../support/cli.js';
import { WORKS_FILE } from '../support/paths.js';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-engine-'));
  store = await Store.open(join(dir, 'medai.duckdb'));
  await loadFromSnapshot(store, [WORKS_FILE]);
});
afterAll(async () => {
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function table(): Promise<string[]> {
  return (await sqlRows(store, 'select * from classified order by work_id')).map((r) => JSON.stringify(r));
}

describe('classify --engine ts and --engine sql', () => {
  it.each([
    ['shipped rule', DEFAULT_KEYWORDS_DIR, 'separate'],
    ['strict rule', STRICT_KEYWORDS_DIR, 'separate'],
    ['shipped rule, HK and MO folded into CN', DEFAULT_KEYWORDS_DIR, 'fold-hk-mo'],
  ] as const)('give the same table: %s', async (_name, keywords, policy: CountryPolicy) => {
    const rules = await loadKeywordRules(keywords);
    const ts = await classifyStore(store, rules, policy, 'ts');
    const tsRows = await table();
    const sql = await classifyStore(store, rules, policy, 'sql');
    const sqlRows = await table();
    expect(sqlRows.length).toBe(2290);
    expect(sqlRows).toEqual(tsRows);
    expect(sql).toEqual(ts);
    expect(ts.medicalAi).toBeGreaterThan(20);
    expect((await store.getMeta<ClassifierRecord>('classifier'))?.engine).toBe('sql');
  });
});

describe('run --engine', () => {
  it('sql gives the counts and works of ts through the CLI, and a bad engine is refused', async () => {
    const out = (engine: string) => ['run', '--snapshot', WORKS_FILE, '--engine', engine, '--format', 'csv', '--db', join(dir, `${engine}.duckdb`), '--out', join(dir, engine)];
    const sql = await runCliInProcess(out('sql'));
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stderr).toContain('(SQL in DuckDB)');
    const ts = await runCliInProcess(out('ts'));
    expect(ts.code, ts.stderr).toBe(0);
    for (const f of ['counts.csv', 'works.csv']) expect(readFileSync(join(dir, 'sql', f), 'utf8')).toBe(readFileSync(join(dir, 'ts', f), 'utf8'));
    const bad = await runCliInProcess(out('python'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--engine must be one of ts, sql, got "python"');
  });
});

