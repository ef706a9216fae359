/**
 * Classification speed, side by side in one process: the TypeScript classifier and its SQL twin
 * (queries/classify_works.sql in an in-memory DuckDB), each with the shipped rule and with the
 * strict one (data/keywords-strict: term counts, terms inside terms, title terms); then the
 * classify stage end to end with each engine on a DuckDB file (reading the stored works, countries,
 * writing the table). The real corpus is repeated under new ids to reach snapshot-like row
 * counts. Not a test.
 *
 *   npx tsx bench/classify.ts [--copies 10]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { classify } from '../src/classify/classifier.js';
import { DEFAULT_KEYWORDS_DIR, loadKeywordRules, type KeywordRules } from '../src/classify/keywords.js';
import { readWorks } from '../src/ingest/snapshot.js';
import type { Work } from '../src/model/work.js';
import { classifyStore } from '../src/pipeline/classify.js';
import { loadFromSnapshot } from '../src/pipeline/source.js';
import { Store } from '../src/store/store.js';
import { STRICT_KEYWORDS_DIR } from '../test/classify/cases.js';
import { WORKS_FILE } from '../test/support/paths.js';
import { classifyWorksInDatabase, storeWithWorks } from '../test/support/store-sql.js';

const at = process.argv.indexOf('--copies');
const COPIES = at === -1 ? 10 : Number(process.argv[at + 1]);

/** Back to an OpenAlex-shaped record the snapshot reader accepts (what the stage reads). */
function rawOf(w: Work): Record<string, unknown> {
  const index: Record<string, number[]> = {};
  (w.abstract ?? '').split(' ').forEach((word, i) => {
    if (word !== '') (index[word] ??= []).push(i);
  });
  return {
    id: `https://openalex.org/${w.id}`,
    publication_year: w.year,
    title: w.title,
    abstract_inverted_index: w.abstract === null ? null : index,
    authorships: w.authorships.map((a) => ({ countries: a.countries, institutions: a.institutionCountries.map((c) => ({ country_code: c })) })),
    type: w.type,
  };
}

async function corpus(): Promise<Work[]> {
  const base: Work[] = [];
  for await (const { result } of readWorks([WORKS_FILE])) if (result.ok) base.push(result.work);
  // Copy c of W123 is W<c+1>000000000123: still an OpenAlex-shaped id, unique across copies.
  return Array.from({ length: COPIES }, (_, c) => base.map((w) => ({ ...w, id: `W${c + 1}${w.id.slice(1).padStart(12, '0')}` }))).flat();
}

function timeTs(works: readonly Work[], rules: KeywordRules): { ms: number; tagged: number } {
  const start = performance.now();
  let tagged = 0;
  for (const w of works) if (classify(w, rules).isMedicalAi) tagged++;
  return { ms: performance.now() - start, tagged };
}

async function timeSql(works: readonly Work[], rules: KeywordRules): Promise<{ ms: number; tagged: number }> {
  const store = await storeWithWorks(works, 'bench');
  try {
    const start = performance.now();
    const rows = await classifyWorksInDatabase(store, rules);
    return { ms: performance.now() - start, tagged: rows.filter((r) => r.is_medical_ai).length };
  } finally {
    store.close();
  }
}

const works = await corpus();
const shipped = await loadKeywordRules(DEFAULT_KEYWORDS_DIR);
const strict = await loadKeywordRules(STRICT_KEYWORDS_DIR);
// Warm both engines once so the first measurement does not pay for JIT and regex compilation.
timeTs(works.slice(0, 2000), shipped);
await timeSql(works.slice(0, 2000), shipped);

const results = [
  { name: 'TypeScript, shipped rule', ...timeTs(works, shipped) },
  { name: 'TypeScript, strict rule', ...timeTs(works, strict) },
  { name: 'SQL, shipped rule', ...(await timeSql(works, shipped)) },
  { name: 'SQL, strict rule', ...(await timeSql(works, strict)) },
];
// The stage end to end: a store on disk holding the same works, classified by each engine.
const dir = await mkdtemp(join(tmpdir(), 'medai-bench-'));
try {
  const file = join(dir, 'works.jsonl.gz');
  await writeFile(file, gzipSync(works.map((w) => JSON.stringify(rawOf(w))).join('\n')));
  const store = await Store.open(join(dir, 'bench.duckdb'));
  try {
    await loadFromSnapshot(store, [file]);
    for (const engine of ['ts', 'sql'] as const) {
      const start = performance.now();
      const summary = await classifyStore(store, shipped, 'separate', engine);
      results.push({ name: `classify stage, --engine ${engine}, shipped rule`, ms: performance.now() - start, tagged: summary.medicalAi });
    }
  } finally {
    store.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const base = results[0]?.ms ?? 1;
process.stdout.write(`${works.length} works (${COPIES} copies of the real corpus)\n\n| engine, rule | ms | µs per work | tagged medical AI | time vs TypeScript shipped |\n|---|---|---|---|---|\n`);
for (const r of results) {
  process.stdout.write(`| ${r.name} | ${r.ms.toFixed(0)} | ${((r.ms * 1000) / works.length).toFixed(1)} | ${r.tagged} | ${(r.ms / base).toFixed(2)}x |\n`);
}
