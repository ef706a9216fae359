/**
 * The keyword classifier's three engines side by side in one process, on the real corpus repeated
 * under new ids: the TypeScript classify(), queries/classify_works.sql over a `works` table (the
 * SQL twin of the classify stage) and queries/snapshot/stage_classified.sql over the reader's
 * `snapshot_read` table (the duckdb snapshot reader), each with the shipped and the strict rule.
 * The SQL runs inside an in-memory DuckDB and only an aggregate of its rows comes back, so what is
 * timed is the classification. CPU time is reported beside wall time: on a shared machine it is the
 * steadier measure. Repeating the corpus flatters stage_classified.sql a little (it tries a
 * multi-word term once per distinct chain of words and an acronym once per distinct spelling in a
 * file, and repeated texts repeat chains): `--works 2290` is the corpus once, the other bound.
 * Not a test.
 *
 *   npx tsx bench/classify-sql.ts [--works 100000] [--threads 2] [--vary] [--skip-old]
 */
import { performance } from 'node:perf_hooks';
import { classify } from '../src/classify/classifier.js';
import { DEFAULT_KEYWORDS_DIR, loadKeywordRules, type KeywordRules } from '../src/classify/keywords.js';
import { classifySqlParams, stageClassifiedParams } from '../src/classify/sql.js';
import { readWorks } from '../src/ingest/snapshot.js';
import type { Work } from '../src/model/work.js';
import { loadQuery } from '../src/store/queries.js';
import type { Store } from '../src/store/store.js';
import { STRICT_KEYWORDS_DIR } from '../test/classify/cases.js';
import { WORKS_FILE } from '../test/support/paths.js';
import { fillSnapshotRead } from '../test/support/snapshot-read.js';
import { sqlRows, storeWithWorks } from '../test/support/store-sql.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const WORKS = option('--works', 100_000);
const THREADS = option('--threads', 2);
const SKIP_OLD = process.argv.includes('--skip-old');
const VARY = process.argv.includes('--vary');

/**
 * `--vary`: copy c writes every space of title and abstract as one of 15 runs of separators (1-3
 * of space, tab, CR, form feed, no-break space), picked from c and the position. Every rule means
 * the same for any such run, but the copies no longer repeat their chains of words, as real
 * records do not: the worst case for stage_classified.sql's per-file deduplication.
 */
function vary(text: string | null, copy: number): string | null {
  if (text === null || copy === 0) return text;
  const runs = [' ', '\t', '\r', '\f', '\u00a0'];
  let seed = (copy * 2654435761) >>> 0 || 1;
  return text.replace(/ /g, () => {
    // xorshift32: a fixed sequence per copy, so every run of the bench reads the same texts.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return (runs[seed % 5] as string).repeat(1 + (Math.floor(seed / 5) % 3));
  });
}

async function corpus(): Promise<Work[]> {
  const base: Work[] = [];
  for await (const { result } of readWorks([WORKS_FILE])) if (result.ok) base.push(result.work);
  // Copy c of W123 is W<c+1>000000000123: still an OpenAlex-shaped id, unique across copies.
  const out: Work[] = [];
  for (let c = 0; out.length < WORKS; c++) {
    for (const w of base) {
      if (out.length < WORKS) out.push({ ...w, id: `W${c + 1}${w.id.slice(1).padStart(12, '0')}`, ...(VARY ? { title: vary(w.title, c), abstract: vary(w.abstract, c) } : {}) });
    }
  }
  return out;
}

interface Result {
  ms: number;
  /** CPU time of the whole process (DuckDB's threads included): steadier than wall time on a shared machine. */
  cpuMs: number;
  tagged: number;
  terms: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function timeTs(works: readonly Work[], rules: KeywordRules): Result {
  const start = performance.now();
  const cpu = cpuNow();
  let tagged = 0;
  let terms = 0;
  for (const w of works) {
    const c = classify(w, rules);
    if (c.isMedicalAi) tagged++;
    terms += c.matchedTerms.length;
  }
  return { ms: performance.now() - start, cpuMs: cpuNow() - cpu, tagged, terms };
}

/** Runs `sql` and reads back only the count of medical-AI rows and of matched terms. */
async function timeSql(store: Store, sql: string, params: Parameters<typeof sqlRows>[2], types: Parameters<typeof sqlRows>[3]): Promise<Result> {
  const start = performance.now();
  const cpu = cpuNow();
  const rows = await sqlRows(store, `select count(*) filter (where is_medical_ai)::integer as tagged, sum(len(matched_terms))::integer as terms from (\n${sql}\n)`, params, types);
  const row = rows[0] as { tagged: number; terms: number | null };
  return { ms: performance.now() - start, cpuMs: cpuNow() - cpu, tagged: row.tagged, terms: row.terms ?? 0 };
}

const works = await corpus();
const rules = { shipped: await loadKeywordRules(DEFAULT_KEYWORDS_DIR), strict: await loadKeywordRules(STRICT_KEYWORDS_DIR) };
const results: ({ name: string } & Result)[] = [];

// Both SQL engines read the same works, each from the table it reads in the pipeline.
const store = await storeWithWorks(works, 'bench', { threads: THREADS });
try {
  await fillSnapshotRead(store, works);
  for (const [name, rule] of Object.entries(rules)) {
    const stage = stageClassifiedParams(rule, 'part_0000.gz:', 0);
    const old = classifySqlParams(rule);
    // Warm: the first query of a connection pays for planning and catalog work.
    await timeSql(store, `${loadQuery('snapshot/stage_classified')} limit 1`, stage.params, stage.types);
    results.push({ name: `TypeScript classify(), ${name} rule`, ...timeTs(works, rule) });
    results.push({ name: `stage_classified.sql, ${name} rule`, ...(await timeSql(store, loadQuery('snapshot/stage_classified'), stage.params, stage.types)) });
    if (!SKIP_OLD) results.push({ name: `classify_works.sql, ${name} rule`, ...(await timeSql(store, loadQuery('classify_works'), old.params, old.types)) });
  }
  // The fixed cost of one file (planning, the rule's tables): the same query on no records.
  await fillSnapshotRead(store, []);
  const empty = stageClassifiedParams(rules.shipped, 'part_0000.gz:', 0);
  results.push({ name: 'stage_classified.sql on an empty snapshot_read (fixed cost per file)', ...(await timeSql(store, loadQuery('snapshot/stage_classified'), empty.params, empty.types)) });
} finally {
  store.close();
}

process.stdout.write(`${works.length} works (the real corpus repeated${VARY ? ', separators varied per copy' : ''}), DuckDB threads ${THREADS}\n\n| engine, rule | wall ms | CPU ms | CPU µs per work | medical AI | matched terms |\n|---|---|---|---|---|---|\n`);
for (const r of results) process.stdout.write(`| ${r.name} | ${r.ms.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${((r.cpuMs * 1000) / works.length).toFixed(1)} | ${r.tagged} | ${r.terms} |\n`);
