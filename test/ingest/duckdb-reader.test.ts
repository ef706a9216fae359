/**
 * The DuckDB reader's reading of a part (readPartRows: queries/schema/snapshot_jsonl.sql,
 * snapshot_parquet.sql, the abstracts rebuilt in TypeScript, queries/snapshot/read_part.sql)
 * against the node reader's functions: for every record, the columns equal what normalizeWork(),
 * rebuildAbstract()/abstractSetAsideReason() and countryShares() give, or the row says `precise`
 * (the record is then read by the node reader). Never a silent difference.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryShares, type CountryPolicy } from '../../src/classify/countries.js';
import { displayPath, listSnapshotFiles, readFileRecords } from '../../src/ingest/snapshot.js';
import { toBatch, type ReadRecord } from '../../src/model/batch.js';
import { normalizeWork } from '../../src/model/work.js';
import { readPartSlices } from '../../src/pipeline/read-part.js';
import { Store } from '../../src/store/store.js';
import { WORKS_FILE } from '../support/paths.js';
import { sqlRows, sqlRun, storeConnection, writeRealRecordsParquet } from '../support/store-sql.js';

interface ReadRow {
  line: number;
  work_id: string | null;
  year: number | null;
  title: string | null;
  abstract: string | null;
  type: string | null;
  language: string | null;
  updated_date: string | null;
  authors_truncated: boolean;
  slice_countries: string[];
  countries: string[];
  weights: number[];
  reject: string | null;
  notes: string[];
  precise: boolean;
  raw: string | null;
}

const COLUMNS = 'line, work_id, year, title, abstract, type, language, updated_date, authors_truncated, slice_countries, countries, weights, reject, notes, precise, raw';

let store: Store;
beforeAll(async () => {
  store = await Store.open(':memory:', { threads: 2 });
});
afterAll(() => store.close());

/** Every slice's rows, in line order; `sliceLines` as the reader's option. */
async function readSql(file: string, policy: CountryPolicy, format: 'jsonl' | 'parquet' = 'jsonl', sliceLines?: number): Promise<ReadRow[]> {
  const rows: ReadRow[] = [];
  await readPartSlices(storeConnection(store), file, format, policy, async () => {
    for (const r of await sqlRows(store, `select ${COLUMNS} from snapshot_read order by line`)) rows.push({ ...r, line: Number(r.line) } as ReadRow);
  }, { sliceLines });
  return rows;
}

/** The real corpus as each reader reads it, read once for all tests (a read takes seconds). */
const corpusRows = new Map<CountryPolicy, ReadRow[]>();
let corpusRecords: ReadRecord[] | undefined;

async function nodeRecords(path: string): Promise<ReadRecord[]> {
  const [file] = await listSnapshotFiles([path]);
  const out: ReadRecord[] = [];
  for await (const r of readFileRecords(file!)) out.push(r);
  return out;
}

const lineOf = (origin: string): number => Number(/:(\d+)$/.exec(origin)?.[1]);

/** What the node reader's functions give for one record, in snapshot_read's columns. */
function expected(raw: unknown, policy: CountryPolicy): Omit<ReadRow, 'line' | 'precise' | 'raw'> | { work_id: string | null; reject: string; notes: string[] } {
  const n = normalizeWork(raw);
  if (!n.ok) return { work_id: n.workId, reject: n.reason, notes: [] };
  const w = n.work;
  const shares = countryShares(w.authorships, policy);
  const slice = [...new Set(w.authorships.flatMap((a) => [...(a.countries ?? []), ...a.institutionCountries.filter((c): c is string => c !== null)]))].sort();
  return {
    work_id: w.id,
    year: w.year,
    title: w.title,
    abstract: w.abstract,
    type: w.type,
    language: w.language,
    updated_date: w.updatedDate,
    authors_truncated: w.authorsTruncated,
    slice_countries: slice,
    countries: shares.countries,
    weights: shares.weights,
    reject: null,
    notes: n.notes,
  };
}

/** Compares every row; returns the lines SQL marked precise. Fails on any other difference. */
function compare(rows: ReadRow[], records: ReadRecord[], policy: CountryPolicy): number[] {
  const byLine = new Map(rows.map((r) => [r.line, r]));
  const precise: number[] = [];
  expect(rows.length).toBe(records.length);
  for (const rec of records) {
    if ('parseError' in rec) throw new Error(`test data: ${rec.origin} is not JSON`);
    const line = lineOf(rec.origin);
    const row = byLine.get(line);
    expect(row, rec.origin).toBeDefined();
    if (row!.precise) {
      precise.push(line);
      continue;
    }
    const want = expected(rec.raw, policy);
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, row![k as keyof ReadRow]]));
    expect(got, `${rec.origin} (${policy})`).toEqual(want);
  }
  return precise;
}

describe('DuckDB snapshot reader SQL', () => {
  it.each<CountryPolicy>(['separate', 'fold-hk-mo'])('gives every real record what normalizeWork() and countryShares() give (%s)', async (policy) => {
    corpusRecords ??= await nodeRecords(WORKS_FILE);
    const records = corpusRecords;
    expect(records).toHaveLength(2290);
    const rows = await readSql(WORKS_FILE, policy);
    corpusRows.set(policy, rows);
    const precise = compare(rows, records, policy);
    // No real record needs the node reader: the one abstract holding "İ" (which DuckDB lower-cases
    // differently from JavaScript) no longer did once the abstracts were rebuilt in TypeScript.
    expect(precise).toEqual([]);
    expect(rows.some((r) => r.abstract?.includes('İ'))).toBe(true);
    // The set-aside note is made by the reader, not by falling back: 8 real records carry it.
    expect(rows.filter((r) => r.notes.some((n) => n.startsWith('abstract set aside'))).length).toBe(8);
    // The pre-2023 wrapper shape is among the real records and rebuilt by the reader.
    expect(records.filter((r) => 'raw' in r && JSON.stringify((r.raw as Record<string, unknown>).abstract_inverted_index ?? null).includes('"InvertedIndex"')).length).toBeGreaterThan(0);
    if (policy !== 'separate') return;
    // Read in slices of any size, the rows are the same: 2,290 lines in slices of 700 (the last one short).
    expect(await readSql(WORKS_FILE, policy, 'jsonl', 700)).toEqual(rows);
    // The repair notes staged from this read (temp table snapshot_read, slice by slice) are toBatch()'s.
    const preciseLines = new Set(precise);
    await sqlRun(store, 'delete from rejects');
    const slices: bigint[][] = [];
    await readPartSlices(storeConnection(store), WORKS_FILE, 'jsonl', policy, async ({ from, to }) => {
      slices.push([from, to]);
      await store.run('snapshot/stage_rejects', { display_path: displayPath(WORKS_FILE) });
    }, { sliceLines: 1000 });
    expect(slices).toEqual([[1n, 1000n], [1001n, 2000n], [2001n, 2290n]]);
    const staged = await sqlRows(store, 'select kind, origin, work_id, reason, raw from rejects order by rowid');
    const want = toBatch(records)
      .rejects.filter((r) => !preciseLines.has(lineOf(r.origin)))
      .map((r) => ({ kind: r.kind, origin: r.origin, work_id: r.workId, reason: r.reason, raw: r.raw }));
    expect(want.length).toBe(8);
    expect(staged).toEqual(want);
  }, 60_000);

  it('gives damaged records the same values, or marks them precise; never a silent difference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-duckdb-reader-'));
    const base = { publication_year: 2020, title: 'T', authorships: [] };
    const aii = (words: Record<string, number[]>) => ({ abstract_inverted_index: words });
    const lines: unknown[] = [
      { ...base, id: 'https://openalex.org/W1' },
      { publication_year: 2020, title: 'missing id' },
      { ...base, id: 'W3', publication_year: '2020' },
      { ...base, id: 'W4', publication_year: 3020 },
      { ...base, id: 'W5', publication_year: 2020.0 },
      { ...base, id: 'W6', title: 42 },
      { ...base, id: 'W7', title: null, display_name: 'From display_name' },
      { ...base, id: 'W8', abstract_inverted_index: { IndexLength: 3, InvertedIndex: { Deep: [0], learning: [1], works: [2] } } },
      { ...base, id: 'W9', ...aii({ first: [0], second: [0], third: [1] }) },
      { ...base, id: 'W10', ...aii({ a: [1], '2020': [1], b: [0] }) },
      { ...base, id: 'W11', ...aii({ 'No': [0], abstract: [1], 'available.': [2] }) },
      { ...base, id: 'W12', ...aii({ 'We': [0], 'present': [1], 'a': [2], 'model...': [3], 'Read': [4], 'More': [5] }) },
      { ...base, id: 'W13', authorships: [{ countries: ['us'], institutions: [] }] },
      { ...base, id: 'W14', authorships: [{ countries: ['HK'], institutions: [{ country_code: 'CN' }] }, { countries: [], institutions: [{ country_code: 'MO' }, { country_code: null }] }, { countries: ['US', 'GB'], institutions: [] }] },
      { ...base, id: 'W15', abstract_inverted_index: 'not a map' },
      { ...base, id: 'W16', ...aii({ a: [0, -1] }) },
      { ...base, id: 'W17', ...aii({ zebra: [2], apple: [0], mango: [1] }), is_authors_truncated: true, type: 'article', language: 'en', updated_date: '2024-01-01' },
      { ...base, id: 'W18', authorships: [{ countries: ['FR', null], institutions: [] }] },
      { ...base, id: 'W19', ...aii({ '  N/A ': [0] }) },
      { ...base, id: 'W20', ...aii({ a: [0.5] }) },
      { ...base, id: 42 },
    ];
    const file = join(dir, 'part_000.gz');
    writeFileSync(file, gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
    const records = await nodeRecords(file);
    for (const policy of ['separate', 'fold-hk-mo'] as const) {
      const rows = await readSql(file, policy);
      const precise = compare(rows, records, policy);
      // Slices of 4 lines, one of them the last alone: the same rows.
      expect(await readSql(file, policy, 'jsonl', 4)).toEqual(rows);
      // Rejected records: the reason is still exact, but only the node reader keeps their text.
      const rejected = rows.filter((r) => r.reject !== null);
      for (const r of rejected) {
        const rec = records.find((x) => lineOf(x.origin) === r.line)!;
        const n = normalizeWork('raw' in rec ? rec.raw : null);
        expect(n.ok ? null : n.reason, rec.origin).toBe(r.reject);
      }
      const lineOfId = (id: string) => lines.findIndex((l) => (l as { id?: unknown }).id === id) + 1;
      // Damage left to the node reader: rejects (their text), a lower-case code, a null code. Bad
      // positions and an array-index key at a shared position are the reader's own, with their notes.
      expect(precise.sort((a, b) => a - b)).toEqual([2, 3, 4, 6, lineOfId('W13'), lineOfId('W18'), 21].sort((a, b) => a - b));
      for (const id of ['W10', 'W16', 'W20']) expect(rows.find((r) => r.line === lineOfId(id))?.precise, id).toBe(false);
      expect(rows.find((r) => r.line === lineOfId('W16'))?.notes).toEqual(['abstract_inverted_index: 1 unusable entry skipped']);
    }
    // A byte order mark at the start stops DuckDB's read: the file goes to the node reader.
    const bom = join(dir, 'part_001.gz');
    writeFileSync(bom, gzipSync(`\ufeff${JSON.stringify(lines[0])}\n${JSON.stringify(lines[4])}\n`));
    await expect(readSql(bom, 'separate')).rejects.toThrow(/BOM|byte order mark/i);
    // So does authorships that is not a list.
    const notList = join(dir, 'part_002.gz');
    writeFileSync(notList, gzipSync(`${JSON.stringify(lines[0])}\n${JSON.stringify({ ...base, id: 'W2', authorships: { a: 1 } })}\n`));
    await expect(readSql(notList, 'separate')).rejects.toThrow();
  }, 60_000);

  it('reads the same records from Parquet as from JSON Lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-duckdb-reader-'));
    const parquet = join(dir, 'part_0000.parquet');
    await writeRealRecordsParquet(store, parquet);
    // One policy: the country steps are shared with the JSON Lines read, tested under both above.
    for (const policy of ['fold-hk-mo'] as const) {
      const fromJson = corpusRows.get(policy) ?? (await readSql(WORKS_FILE, policy));
      const fromParquet = await readSql(parquet, policy, 'parquet');
      expect(fromParquet.map(({ raw: _r, ...rest }) => rest)).toEqual(fromJson.map(({ raw: _r, ...rest }) => rest));
      // A part of several row groups is read one row group at a time (parquet_row_groups.sql), in
      // slices that do not fall on their edges: the same rows.
      const grouped = join(dir, 'part_0001.parquet');
      await writeRealRecordsParquet(store, grouped, 1000);
      const groups = await store.query<{ first_line: bigint; last_line: bigint }>('snapshot/parquet_row_groups', { file: grouped });
      expect(groups.length).toBeGreaterThanOrEqual(2);
      expect(groups[0]!.first_line).toBe(1n);
      expect(groups.at(-1)!.last_line).toBe(2290n);
      const sliced = await readSql(grouped, policy, 'parquet', 700);
      expect(sliced.map(({ raw: _r, ...rest }) => rest)).toEqual(fromJson.map(({ raw: _r, ...rest }) => rest));
    }
  }, 60_000);
});
