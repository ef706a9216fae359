/**
 * The scope chain (src/pipeline/chain.ts): every query file says what it reads, the chain builds
 * its tables in an order where each reads only what is stored or already made, each Scope value is
 * bound in one query, and the counts and works.csv read the same works.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { aggregate } from '../../src/pipeline/aggregate.js';
import { CHAIN_STEPS, boundNames, buildChain, chainProblems, declaredReads, readChain, scopeParams, storedTables } from '../../src/pipeline/chain.js';
import { classifyStore } from '../../src/pipeline/classify.js';
import { ingestSnapshot } from '../../src/pipeline/ingest.js';
import { scopeTotals, writeWorks } from '../../src/pipeline/outputs.js';
import { QUERIES_DIR } from '../../src/paths.js';
import { loadQuery } from '../../src/store/queries.js';
import { Store } from '../../src/store/store.js';
import { WORKS_FILE } from '../support/paths.js';
import { scopeOf } from '../support/scope.js';

/** Every query file outside schema/, by name. */
const QUERY_NAMES = readdirSync(QUERIES_DIR)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -'.sql'.length))
  .sort();

/**
 * The tables a query's SQL reads, found in the text: the names after `from` and `join` that are not
 * its own CTEs, table functions (other than the chain's table macro) or subqueries. Independent of the header, to hold the header to it.
 */
function tablesInSql(sql: string): string[] {
  const code = sql.replace(/--.*$/gm, '').replace(/'[^']*'/g, "''").toLowerCase();
  const ctes = new Set([...code.matchAll(/\b([a-z_][a-z0-9_]*)\s+as\s*\(/g)].map((m) => m[1]!));
  // A call is a table function, unless it is the chain's own table macro (scope_all).
  const names = [...code.matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_]*)\b(\s*\()?/g)]
    .filter((m) => m[2] === undefined || (CHAIN_STEPS as readonly string[]).includes(m[1]!))
    .map((m) => m[1]!);
  // An upsert reads the rows it may replace.
  if (/\bon\s+conflict\b/.test(code)) names.push(...[...code.matchAll(/\binsert\s+into\s+([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!));
  return [...new Set(names.filter((n) => !ctes.has(n)))].sort();
}

/** A step of the chain, or a query that reads one of its tables. */
function isChainFile(name: string): boolean {
  return CHAIN_STEPS.some((s) => `${s}_table` === name) || tablesInSql(loadQuery(name)).some((t) => (CHAIN_STEPS as readonly string[]).includes(t));
}

describe('the scope chain declaration', () => {
  it('builds each table after every table it reads', () => {
    expect(chainProblems()).toEqual([]);
  });

  it('refuses an order where a step reads a table no earlier step makes', () => {
    const swapped = ['scope_filter', 'scope_cells', ...CHAIN_STEPS.slice(2)];
    expect(chainProblems(swapped)).toEqual(['queries/scope_filter_table.sql reads scope_cells, which no earlier step makes']);
    const withoutMap = CHAIN_STEPS.filter((s) => s !== 'version_map');
    expect(chainProblems(withoutMap)).toEqual([
      'queries/counted_papers_table.sql reads version_map, which no earlier step makes',
      'queries/works_scope_table.sql reads version_map, which no earlier step makes',
    ]);
    const undeclared = (name: string): string => (name === 'scope_table' ? 'select 1' : loadQuery(name));
    expect(chainProblems(CHAIN_STEPS, undeclared)).toEqual(['queries/scope_table.sql has no "-- reads:" line']);
  });

  it.each(QUERY_NAMES)('queries/%s.sql reads only tables that exist, and says which when it reads the chain', (name) => {
    const sql = loadQuery(name);
    const inSql = tablesInSql(sql);
    const reads = declaredReads(sql);
    for (const t of inSql) expect([...storedTables(), ...CHAIN_STEPS], `${name}.sql reads ${t}`).toContain(t);
    if (isChainFile(name)) {
      expect(reads, 'a file that reads or builds the chain has a "-- reads:" line').not.toBeNull();
    }
    if (reads !== null) {
      expect([...reads].sort()).toEqual(inSql);
      for (const t of reads) expect([...storedTables(), ...CHAIN_STEPS]).toContain(t);
    }
  });

  it('parses the header line, and refuses one that names no table', () => {
    expect(declaredReads('-- one row per x\n-- reads: scope, version_map\nselect 1')).toEqual(['scope', 'version_map']);
    expect(declaredReads('-- one row per x\n-- reads: (none)\nselect 1')).toEqual([]);
    expect(declaredReads('-- one row per x\nselect 1\n-- reads: scope')).toBeNull();
    expect(() => declaredReads('-- reads: scope; works')).toThrow(/not a table name/);
  });

  it('binds each Scope value in exactly one query, and no query that reads the chain binds one again', () => {
    const scopeNames = Object.keys(scopeParams(scopeOf())).sort();
    // The retire_vanished_works.sql window is the fetch's, not the Scope's: it reads no chain table.
    const chainFiles = QUERY_NAMES.filter((n) => isChainFile(n));
    const bindersOf = (param: string): string[] => chainFiles.filter((n) => boundNames(loadQuery(n)).includes(param));
    // --types and the verdict are applied by the table macro scope_all alone: its callers bind them
    // only to pass them on, so DuckDB plans with their values (queries/scope_all_table.sql).
    const windowCallers = ['scope_profile_table', 'scope_table', 'works_scope_table'];
    expect(Object.fromEntries([...scopeNames, 'compare'].map((p) => [p, bindersOf(p)]))).toEqual({
      compare: windowCallers,
      countries: ['scope_cells_table'],
      from_year: ['scope_cells_table'],
      merge_versions: ['version_map_table'],
      to_year: ['scope_cells_table'],
      types: windowCallers,
    });
    for (const name of windowCallers) {
      const code = loadQuery(name).replace(/--.*$/gm, '');
      const uses = code.match(/\$(?:types|compare)\b[^,)]*/g) ?? [];
      const passed = code.match(/scope_all\(\$types::varchar\[\], \$compare::boolean\)/g) ?? [];
      expect({ name, uses: uses.length }).toEqual({ name, uses: 2 * passed.length });
      expect(passed.length).toBeGreaterThan(0);
    }
  });
});

describe('the scope chain on the real records', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(':memory:');
    await ingestSnapshot(store, [WORKS_FILE]);
    await classifyStore(store, await loadKeywordRules(), 'separate');
  }, 60_000);
  afterAll(() => store.close());

  it('refuses to read tables a later build replaced with another Scope', async () => {
    const first = await buildChain(store, scopeOf({ from: 2015, to: 2016 }));
    await buildChain(store, scopeOf({ from: 2017, to: 2018 }));
    await expect(readChain(first, 'counts_by_year_country')).rejects.toThrow(/a later build replaced/);
  });

  it('refuses a caller parameter that the Scope gives', async () => {
    const chain = await buildChain(store, scopeOf());
    await expect(readChain(chain, 'works_scope_totals', { from_year: 1990 })).rejects.toThrow(/come from the Scope/);
  });

  // The counts and works.csv read one scope table: each year x country count is the medical-AI
  // rows of works.csv of that year holding that country, whatever the window and types.
  it.each([
    scopeOf({ from: 2010, to: 2021, countries: ['US', 'CN'] }),
    scopeOf({ from: 2014, to: 2019, countries: ['GB', 'DE', 'US'], types: ['article'] }),
    scopeOf({ from: 2016, to: 2022, countries: ['CN', 'JP', 'IN'], types: ['article', 'preprint', 'review'] }),
  ])('counts and works.csv cover the same works: %o', async (scope) => {
    const { counts, chain } = await aggregate(store, scope, 'rule', 'all');
    const dir = mkdtempSync(join(tmpdir(), 'medai-chain-'));
    const totals = await scopeTotals(chain);
    await writeWorks(chain, dir, totals);
    const parse = (file: string) => Papa.parse<Record<string, string>>(readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true }).data;
    const rows = parse(join(dir, 'works.csv'));
    expect(rows.length).toBe(totals.works);
    expect(totals.listed).toBe(totals.works);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(Number(r.year)).toBeGreaterThanOrEqual(scope.from);
      expect(Number(r.year)).toBeLessThanOrEqual(scope.to);
      if (scope.types.length > 0) expect(scope.types).toContain(r.type);
    }
    // The default rule: medical AI is a medical and an AI keyword.
    const tagged = rows.filter((r) => r.is_medical === 'true' && r.is_ai === 'true');
    expect(tagged.length).toBe(totals.medicalAi);
    const fromCsv = counts.map((c) => ({ ...c, papers: tagged.filter((r) => Number(r.year) === c.year && r.countries!.split(';').includes(c.country)).length }));
    expect(counts).toEqual(fromCsv);
    expect(counts.some((c) => c.papers > 0)).toBe(true);
    // The default listing (--list-works medical-ai): the tagged rows of the full one, same totals.
    const counted = await aggregate(store, scope);
    const countedDir = mkdtempSync(join(tmpdir(), 'medai-chain-'));
    const countedTotals = await scopeTotals(counted.chain);
    await writeWorks(counted.chain, countedDir, countedTotals);
    expect(counted.counts).toEqual(counts);
    expect(parse(join(countedDir, 'works.csv'))).toEqual(rows.filter((r) => r.is_medical === 'true' && r.is_ai === 'true'));
    expect({ ...countedTotals, listing: 'all', listed: totals.listed }).toEqual(totals);
    expect(countedTotals.listed).toBe(totals.medicalAi);
  });
});
