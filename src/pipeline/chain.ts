/**
 * The scope chain: the temp tables every count and works.csv read, built in one place. The Scope
 * is applied once (queries/scope_cells_table.sql and scope_table.sql), then the version pairs, the
 * papers counted and the works listed are built from it. Each query file names the tables it reads
 * in a `-- reads:` header line; the build order below is checked against those lines, and a query
 * is read only from a chain that made every table it names.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LIST, VARCHAR, listValue, type DuckDBValue } from '@duckdb/node-api';
import { UserError } from '../errors.js';
import { QUERIES_DIR } from '../paths.js';
import { loadQuery } from '../store/queries.js';
import type { Store } from '../store/store.js';
import type { Scope } from './scope.js';

/**
 * The steps in build order: step `x` is queries/x_table.sql, which makes the temp table (or table
 * macro) `x`. The window and countries first (scope_cells, scope_filter), the works in scope of the
 * types and verdict (the table macro scope_all), their totals by year and country set
 * (scope_profile), the medical-AI works among them (scope), the version pairs among those,
 * --merge-versions (version_map), and the two readings of the scope: papers counted, works listed.
 */
export const CHAIN_STEPS = ['scope_cells', 'scope_filter', 'scope_all', 'scope_profile', 'scope', 'version_pairs', 'version_map', 'counted_papers', 'works_scope'] as const;

/**
 * Which works works.csv and works.parquet list (`--list-works`): the medical-AI works in scope with
 * a selected country (the papers behind the counts), or every work in scope with a selected
 * country, tagged or not. Bound once, in works_scope_table.sql.
 */
export const WORKS_LISTINGS = ['medical-ai', 'all'] as const;
export type WorksListing = (typeof WORKS_LISTINGS)[number];
export const DEFAULT_WORKS_LISTING: WorksListing = 'medical-ai';

/** The Scope as the chain's queries bind it; each name is bound by one step (test/pipeline/chain.test.ts). */
export function scopeParams(scope: Scope): Record<string, DuckDBValue> {
  return {
    from_year: scope.from,
    to_year: scope.to,
    countries: listValue([...scope.countries]),
    types: listValue([...scope.types]),
    merge_versions: scope.mergeVersions,
  };
}

/**
 * DuckDB's memory limit while it builds and reads the chain (aggregate, report): the tables grow
 * with the works in the window, and at DuckDB's default (80% of RAM) the 5M-work bench's report
 * peaked at 1.7 GB RSS in 13.4 s; at 500 MB it took 762 MB and 17.1 s (DuckDB spills).
 */
export const CHAIN_MEMORY_LIMIT = '500MB';

/** DuckDB cannot infer a list parameter's type, so the lists are bound as VARCHAR lists. */
const PARAM_TYPES = { countries: LIST(VARCHAR), types: LIST(VARCHAR) };

const READS = /^--\s*reads:(.*)$/;

/**
 * The tables a query reads, from the `-- reads: a, b` line of its leading comment (`(none)` for a
 * query that reads no table); null when it has no such line.
 */
export function declaredReads(sql: string): string[] | null {
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('--')) return null;
    const m = READS.exec(trimmed);
    if (m === null) continue;
    const list = m[1]!.trim();
    if (list === '(none)') return [];
    const names = list.split(',').map((s) => s.trim());
    const bad = names.filter((n) => !/^[a-z_][a-z0-9_]*$/.test(n));
    if (bad.length > 0) throw new Error(`bad "-- reads:" line (${bad.join(', ')} is not a table name): ${trimmed}`);
    return names;
  }
  return null;
}

/** The stored tables, one DDL file each in queries/schema/: what the chain starts from. */
export function storedTables(): string[] {
  return readdirSync(join(QUERIES_DIR, 'schema'))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort();
}

/**
 * The problems with building `steps` in this order: a step with no `-- reads:` line, or one that
 * reads a table neither stored nor made by an earlier step. Empty when the order is sound.
 */
export function chainProblems(steps: readonly string[] = CHAIN_STEPS, sqlOf: (name: string) => string = loadQuery): string[] {
  const made = new Set(storedTables());
  const problems: string[] = [];
  for (const step of steps) {
    const reads = declaredReads(sqlOf(`${step}_table`));
    if (reads === null) problems.push(`queries/${step}_table.sql has no "-- reads:" line`);
    else for (const t of reads) if (!made.has(t)) problems.push(`queries/${step}_table.sql reads ${t}, which no earlier step makes`);
    made.add(step);
  }
  return problems;
}

/** The `$name` parameters a query binds (comments aside). */
export function boundNames(sql: string): string[] {
  const code = sql.replace(/--.*$/gm, '');
  return [...new Set([...code.matchAll(/\$([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!))].sort();
}

/** The subset of `params` a query binds: DuckDB refuses a value for a parameter the SQL lacks. */
function paramsFor(name: string, sql: string, params: Record<string, DuckDBValue>): Record<string, DuckDBValue> {
  const out: Record<string, DuckDBValue> = {};
  for (const n of boundNames(sql)) {
    if (!(n in params)) throw new Error(`queries/${name}.sql binds $${n}, which neither the Scope nor its caller gives`);
    out[n] = params[n]!;
  }
  return out;
}

/**
 * Whose medical-AI verdict a chain counts: the rule's (`classified`), or the second rule's
 * (`classified_compare`, --compare-keywords), bound as $compare by the queries that call scope_all (queries/scope_all_table.sql).
 */
export type Verdict = 'rule' | 'compare';

/** A chain built on a store for one Scope; the queries of `readChain` read its tables. */
export interface ScopeChain {
  readonly store: Store;
  readonly scope: Scope;
  readonly verdict: Verdict;
  /** Which works works_scope lists. */
  readonly listing: WorksListing;
  /** Which build of this store's chain it is: a later build replaces the tables. */
  readonly build: number;
}

/** The latest build per store: the temp tables live on the store's connection, one set at a time. */
const latestBuild = new WeakMap<Store, number>();

/** Builds the chain's tables for `scope`, each step from the tables the steps before it made. */
export async function buildChain(store: Store, scope: Scope, verdict: Verdict = 'rule', listing: WorksListing = DEFAULT_WORKS_LISTING): Promise<ScopeChain> {
  const problems = chainProblems();
  if (problems.length > 0) throw new Error(`the scope chain is out of order: ${problems.join('; ')}`);
  const [{ n } = { n: 0 }] = await store.query<{ n: number }>('classified_count');
  if (n === 0) throw new UserError('nothing is classified yet: run `medai-trends classify` (or `run`) first');
  const params = { ...scopeParams(scope), compare: verdict === 'compare', list_all: listing === 'all' };
  await store.withMemoryLimit(CHAIN_MEMORY_LIMIT, async () => {
    for (const step of CHAIN_STEPS) {
      const name = `${step}_table`;
      await store.query(name, paramsFor(name, loadQuery(name), params), PARAM_TYPES);
    }
  });
  const build = (latestBuild.get(store) ?? 0) + 1;
  latestBuild.set(store, build);
  return { store, scope, verdict, listing, build };
}

/**
 * Runs the query `name` over the chain's tables, with the Scope's parameters and `extra` ones (an
 * output path). The query must say what it reads, and the chain must be the store's latest.
 */
export async function readChain<T = Record<string, unknown>>(chain: ScopeChain, name: string, extra: Record<string, DuckDBValue> = {}): Promise<T[]> {
  const sql = loadQuery(name);
  const reads = declaredReads(sql);
  if (reads === null) throw new Error(`queries/${name}.sql reads the scope chain but has no "-- reads:" line`);
  const known = new Set<string>([...storedTables(), ...CHAIN_STEPS]);
  const unknown = reads.filter((t) => !known.has(t));
  if (unknown.length > 0) throw new Error(`queries/${name}.sql reads ${unknown.join(', ')}, which the scope chain does not make`);
  if (latestBuild.get(chain.store) !== chain.build) {
    throw new Error(`queries/${name}.sql read a scope chain that a later build replaced (the tables now hold another Scope)`);
  }
  const params = scopeParams(chain.scope);
  const clash = Object.keys(extra).filter((k) => k in params);
  if (clash.length > 0) throw new Error(`queries/${name}.sql: ${clash.join(', ')} come from the Scope, not the caller`);
  return chain.store.withMemoryLimit(CHAIN_MEMORY_LIMIT, () => chain.store.query<T>(name, paramsFor(name, sql, { ...params, ...extra }), PARAM_TYPES));
}
