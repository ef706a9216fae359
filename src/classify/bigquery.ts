/**
 * The shipped BigQuery script (sql/bigquery/medical_ai_counts.sql) with its parameters block
 * written for a keyword rule, window and country policy: the values are classifySqlParams()'s, the
 * very patterns the TypeScript classifier compiles, so the BigQuery count cannot use another rule.
 * BigQuery script variables (DECLARE) rather than @query parameters, so the printed script runs as
 * it is in the console; names carry a `p_` prefix because GROUPS and WITHIN are reserved there.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { PROJECT_ROOT } from '../paths.js';
import type { CountryPolicy } from './countries.js';
import type { KeywordRules } from './keywords.js';
import { classifySqlParams } from './sql.js';

export const BIGQUERY_SCRIPT = join(PROJECT_ROOT, 'sql/bigquery/medical_ai_counts.sql');
const BEGIN = '-- parameters: begin';
const END = '-- parameters: end';

/**
 * The classifySqlParams() names the script uses, with their BigQuery types. The others (by_token,
 * literals, key_labels, key_tokens, word_token) only speed DuckDB up; BigQuery tries every pattern.
 */
export const BIGQUERY_PARAMS = {
  labels: 'ARRAY<STRING>',
  groups: 'ARRAY<STRING>',
  patterns: 'ARRAY<STRING>',
  vetoes: 'ARRAY<STRING>',
  mask: 'STRING',
  joiner: 'STRING',
  require: 'ARRAY<STRING>',
  within_inner: 'ARRAY<STRING>',
  within_outer: 'ARRAY<STRING>',
  strength_groups: 'ARRAY<STRING>',
  strength_min: 'ARRAY<INT64>',
  strength_title: 'ARRAY<BOOL>',
  fold_hk_mo: 'BOOL',
} as const;

export interface BigQueryWindow {
  from: number;
  to: number;
  countries: readonly string[];
  policy: CountryPolicy;
}

/** A GoogleSQL literal that is also JSON: non-ASCII as \uXXXX, so invisible separators (no-break space, hyphens) stay visible. */
function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (typeof v === 'string') {
    return `"${v.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, (c) => {
      const code = c.charCodeAt(0);
      return code === 10 ? '\\n' : code === 13 ? '\\r' : code === 9 ? '\\t' : `\\u${code.toString(16).padStart(4, '0')}`;
    })}"`;
  }
  return String(v);
}

/** A DuckDB list value's items, or the value itself. */
function plain(v: DuckDBValue): unknown {
  return typeof v === 'object' && v !== null && 'items' in v ? (v.items as unknown[]) : v;
}

/** The DECLARE block: one line per parameter, the window's first. */
export function bigqueryDeclarations(rules: KeywordRules, w: BigQueryWindow): string {
  const { params } = classifySqlParams(rules, w.policy);
  const lines = [
    `declare p_from_year INT64 default ${w.from};`,
    `declare p_to_year INT64 default ${w.to};`,
    `declare p_countries ARRAY<STRING> default ${literal([...w.countries])};`,
    ...Object.entries(BIGQUERY_PARAMS).map(([name, type]) => `declare p_${name} ${type} default ${literal(plain(params[name] as DuckDBValue))};`),
  ];
  return lines.join('\n');
}

/** The script with its parameters block replaced; the rest of the file as shipped. */
export async function bigqueryScript(rules: KeywordRules, w: BigQueryWindow): Promise<string> {
  const text = await readFile(BIGQUERY_SCRIPT, 'utf8');
  const begin = text.indexOf(`${BEGIN}\n`);
  const end = text.indexOf(`${END}\n`);
  if (begin < 0 || end < begin) throw new Error(`${BIGQUERY_SCRIPT} has no "${BEGIN}" ... "${END}" block`);
  return `${text.slice(0, begin + BEGIN.length + 1)}${bigqueryDeclarations(rules, w)}\n${text.slice(end)}`;
}
