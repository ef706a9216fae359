/**
 * The shipped BigQuery script (sql/bigquery/medical_ai_counts.sql). BigQuery cannot run here, so
 * what can be checked is: its parameters are the classifier's own (classifySqlParams()), the file
 * as shipped is what `sql --dialect bigquery` prints for the shipped rule, its abstract rebuild
 * gives src/model/abstract.ts's text on the real records, and it holds together as far as a smoke
 * test sees (balanced brackets, every variable declared, every CTE defined before use).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIGQUERY_PARAMS, BIGQUERY_SCRIPT } from '../../src/classify/bigquery.js';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { classifySqlParams } from '../../src/classify/sql.js';
import { abstractSetAsideReason, rebuildAbstract } from '../../src/model/abstract.js';
import { QUERIES_DIR } from '../../src/paths.js';
import { runCliInProcess } from '../support/cli.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';

const shipped = readFileSync(BIGQUERY_SCRIPT, 'utf8');

/** The DECLARE block's values, read back as JSON (the literals are written to be both). */
function declared(script: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const m of script.matchAll(/^declare (p_[a-z_]+) [A-Z0-9<>]+ default (.*);$/gm)) out.set(m[1]!, JSON.parse(m[2]!));
  return out;
}

/** The script without comments and string literals, for the structural checks. */
function code(script: string): string {
  return script
    .replace(/r"""[\s\S]*?"""/g, '""')
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, "''")
    .replace(/--.*$/gm, '');
}

describe('sql/bigquery/medical_ai_counts.sql', () => {
  it('says its dialect in the first line, as the DuckDB twins do', () => {
    expect(shipped.split('\n')[0]).toMatch(/^-- dialect: BigQuery Standard SQL/);
    expect(shipped).toMatch(/NOT RUN HERE/);
    for (const f of ['classify_works.sql', 'counts_by_year_country.sql']) {
      expect(readFileSync(join(QUERIES_DIR, f), 'utf8').split('\n')[0]).toMatch(/^-- dialect: DuckDB/);
    }
  });

  it('is, as shipped, what `sql --dialect bigquery` prints for the shipped rule (regenerate the file when the rule changes)', async () => {
    const r = await runCliInProcess(['sql', '--dialect', 'bigquery']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(shipped);
  });

  it.each([['data/keywords', 'separate'], ['data/keywords-strict', 'fold-hk-mo']])('prints the parameters of %s (%s) as classifySqlParams() makes them', async (dir, policy) => {
    const r = await runCliInProcess(['sql', '--dialect', 'bigquery', '--keywords', join(REPO_ROOT, dir), '--country-policy', policy, '--from', '2015', '--to', '2020', '--countries', 'GB,DE']);
    expect(r.code, r.stderr).toBe(0);
    const values = declared(r.stdout);
    const { params } = classifySqlParams(await loadKeywordRules(join(REPO_ROOT, dir)), policy as 'separate' | 'fold-hk-mo');
    for (const name of Object.keys(BIGQUERY_PARAMS)) {
      const v = params[name] as { items?: unknown[] };
      expect(values.get(`p_${name}`), name).toEqual(v !== null && typeof v === 'object' && 'items' in v ? v.items : v);
    }
    expect(values.get('p_from_year')).toBe(2015);
    expect(values.get('p_to_year')).toBe(2020);
    expect(values.get('p_countries')).toEqual(['GB', 'DE']);
    // Everything but the parameters block is the shipped file's.
    const outside = (s: string) => s.replace(/-- parameters: begin\n[\s\S]*-- parameters: end\n/, '');
    expect(outside(r.stdout)).toBe(outside(shipped));
  });

  it('refuses another dialect, naming the DuckDB files', async () => {
    const r = await runCliInProcess(['sql', '--dialect', 'snowflake']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('queries/classify_works.sql');
  });

  it('holds together as far as a smoke test sees: brackets balance, variables are declared, CTEs are defined before use', () => {
    const body = code(shipped);
    let depth = 0;
    for (const ch of body) {
      depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
    const declaredNames = new Set(declared(shipped).keys());
    const used = new Set([...body.matchAll(/\bp_[a-z_]+\b/g)].map((m) => m[0]));
    expect([...used].filter((n) => !declaredNames.has(n))).toEqual([]);
    expect([...declaredNames].filter((n) => !used.has(n))).toEqual([]);
    const ctes = [...body.matchAll(/^(?:with )?([a-z_]+) as \($/gm)].map((m) => m[1]!);
    expect(ctes[0]).toBe('works');
    expect(ctes.at(-1)).toBe('final');
    ctes.forEach((name, i) => {
      const before = body.slice(0, body.indexOf(`${name} as (`));
      // A CTE is read only after it is defined (no CTE refers to a later one).
      for (const later of ctes.slice(i + 1)) expect(before.includes(`from ${later}`) || before.includes(`join ${later}`), `${name} reads ${later}`).toBe(false);
    });
    expect(body).toMatch(/select year, country, papers, fractional\s+from final/);
  });

  it("rebuilds every real record's abstract as src/model/abstract.ts does, placeholders and teasers set aside", () => {
    const udf = /create temp function medai_abstract\(aii string\) returns string language js as r"""([\s\S]*?)""";/.exec(shipped)?.[1];
    expect(udf).toBeDefined();
    const rebuild = new Function('aii', udf!) as (aii: string | null) => string | null;
    const records = gunzipSync(readFileSync(WORKS_FILE)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
    let setAside = 0;
    for (const line of records) {
      const aii = (JSON.parse(line) as { abstract_inverted_index?: unknown }).abstract_inverted_index;
      const text = rebuildAbstract(aii).text;
      const expected = text === null || abstractSetAsideReason(text) !== null ? null : text;
      if (text !== null && expected === null) setAside++;
      expect(rebuild(aii === null || aii === undefined ? null : JSON.stringify(aii))).toBe(expected);
    }
    expect(records.length).toBeGreaterThan(2000);
    expect(setAside).toBeGreaterThan(0);
    // The pre-2023 wrapper and damaged entries, as rebuildAbstract's own tests have them.
    for (const aii of [{ IndexLength: 3, InvertedIndex: { deep: [0], learning: [1, 'x'], x: 3 } }, { a: [1e7], b: [0] }, [], 'text']) {
      const text = rebuildAbstract(aii).text;
      expect(rebuild(JSON.stringify(aii))).toBe(text === null || abstractSetAsideReason(text) !== null ? null : text);
    }
  });
});
