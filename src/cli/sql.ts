/**
 * `medai-trends sql --dialect bigquery`: prints the shipped BigQuery script with the parameters of
 * the keyword rule (--keywords), window and country policy given, for an institution that keeps
 * OpenAlex in BigQuery. The DuckDB twins are the files in queries/ the pipeline runs.
 */
import { bigqueryScript } from '../classify/bigquery.js';
import { loadKeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import type { CliIo } from './io.js';
import { Problems, parseScope, type ScopeFlags } from './options.js';

export interface SqlFlags extends ScopeFlags {
  dialect: string;
}

export async function sqlCommand(o: SqlFlags, io: CliIo): Promise<void> {
  if (o.dialect !== 'bigquery') {
    throw new UserError(`--dialect takes bigquery, got "${o.dialect}" (the DuckDB queries are queries/classify_works.sql and queries/counts_by_year_country.sql)`);
  }
  const p = new Problems();
  const scope = parseScope(p, o);
  p.throwIfAny();
  const rules = await loadKeywordRules(scope.keywordsDir);
  io.effects.stdout(await bigqueryScript(rules, { from: scope.from, to: scope.to, countries: scope.countries, policy: scope.countryPolicy }));
}
