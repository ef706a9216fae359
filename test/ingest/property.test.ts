/**
 * No silent loss, as a property: files of randomly damaged copies of real OpenAlex records
 * (seeded, so a failure replays) go through the real reader into a real DuckDB store, and for
 * every file the records in equal the works stored + the records rejected + the duplicates.
 *
 * "Records in" is counted from what the generator wrote, not from the reader: a non-blank line
 * holding a work (damaged or not) is one record, a line holding an intact API page or array is as
 * many records as it has elements (a nested page is one element), a blank line is none, and a file
 * that is one document (pretty-printed or on one line) is as many records as its works.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshotFiles, readFileRecords, type RawRecord } from '../../src/ingest/snapshot.js';
import { seededRandom } from '../../src/random.js';
import { toBatch } from '../../src/model/batch.js';
import { Store } from '../../src/store/store.js';
import { sqlRows } from '../support/store-sql.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { WORKS_FILE } from '../support/paths.js';

const SEED = 20_240_909;
const FILES = 120;
/** Smaller real records keep the run to a few seconds; they have every field the big ones have. */
const MAX_RECORD_CHARS = 6_000;

type Rand = () => number;
type Json = Record<string, unknown>;

let pool: Json[] = [];
let store: Store;

beforeAll(async () => {
  pool = readJsonLineTexts(WORKS_FILE)
    .filter((t) => t.length < MAX_RECORD_CHARS)
    .map((t) => JSON.parse(t) as Json);
  store = await Store.open(':memory:');
});
afterAll(() => store.close());

const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)] as T;

/** A real record, sometimes with a field of the wrong type. */
function work(rand: Rand): Json {
  const w = structuredClone(pick(rand, pool));
  if (rand() < 0.3) {
    const field = pick(rand, ['id', 'publication_year', 'authorships', 'countries'] as const);
    if (field === 'id') w.id = pick(rand, [123, null, [], {}, '', 'W', 'https://openalex.org/A123']);
    else if (field === 'publication_year') w.publication_year = pick(rand, ['2020', 'twenty', null, 2020.5, -1, [2020]]);
    else if (field === 'authorships') w.authorships = pick(rand, [{}, 'x', null, [1, 2], [{ countries: 'US' }]]);
    else {
      const a = (w.authorships as Json[] | undefined)?.[0];
      if (a !== undefined) a.countries = pick(rand, [840, 'USA', null, '', ['US', 156], [null], { US: 1 }]);
    }
  }
  return w;
}

/** Invalid UTF-8 (a lone continuation byte, a truncated sequence, bytes UTF-8 never uses) at random places. */
function withBadBytes(rand: Rand, text: string): Buffer {
  const bytes = Buffer.from(text);
  const parts: Buffer[] = [];
  let at = 0;
  for (const cut of Array.from({ length: 1 + int(rand, 3) }, () => int(rand, bytes.length)).sort((a, b) => a - b)) {
    parts.push(bytes.subarray(at, cut), Buffer.from(pick(rand, [[0x80], [0xff], [0xfe], [0xc3], [0xe2, 0x82], [0xc0, 0xaf]])));
    at = cut;
  }
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts);
}

/** One line of a damaged JSON Lines file and the records it holds. */
function damagedLine(rand: Rand, written: string[]): { bytes: Buffer; records: number } {
  const kind = pick(rand, ['work', 'work', 'work', 'truncated', 'badBytes', 'page', 'array', 'nestedPage', 'blank', 'duplicate'] as const);
  const bom = rand() < 0.05 ? '\uFEFF' : '';
  const line = (text: string, records: number): { bytes: Buffer; records: number } => ({ bytes: Buffer.from(bom + text), records });
  const works = (): Json[] => Array.from({ length: int(rand, 5) }, () => work(rand));
  switch (kind) {
    case 'work': {
      const text = JSON.stringify(work(rand));
      written.push(text);
      return line(text, 1);
    }
    case 'truncated': {
      const text = JSON.stringify(work(rand));
      return line(text.slice(0, 1 + int(rand, text.length - 1)), 1);
    }
    case 'badBytes':
      return { bytes: withBadBytes(rand, JSON.stringify(work(rand))), records: 1 };
    case 'page': {
      const results = works();
      return line(JSON.stringify({ meta: { count: results.length }, results }), results.length);
    }
    case 'array': {
      const results = works();
      return line(JSON.stringify(results), results.length);
    }
    case 'nestedPage':
      return line(JSON.stringify({ results: [{ results: [work(rand)] }, work(rand)] }), 2);
    case 'blank':
      return line(pick(rand, ['', ' ', '\t', '  \t ']), 0);
    case 'duplicate':
      return written.length === 0 ? line('', 0) : line(pick(rand, written), 1);
  }
}

/** One damaged file: JSON Lines mostly, sometimes one document; CRLF, a BOM, gzip at random. */
function damagedFile(rand: Rand, written: string[]): { bytes: Buffer; records: number; gzip: boolean } {
  const crlf = rand() < 0.3;
  const bom = rand() < 0.2 ? '\uFEFF' : '';
  const gzip = rand() < 0.3;
  const eol = Buffer.from(crlf ? '\r\n' : '\n');
  let body: Buffer;
  let records = 0;
  if (rand() < 0.1) {
    const results = Array.from({ length: int(rand, 6) }, () => work(rand));
    const doc = pick(rand, [{ meta: {}, results }, results]);
    const text = rand() < 0.5 ? JSON.stringify(doc, null, 2) : JSON.stringify(doc);
    body = Buffer.from(bom + (crlf ? text.replace(/\n/g, '\r\n') : text));
    records = results.length;
  } else {
    const lines = Array.from({ length: 2 + int(rand, 40) }, () => damagedLine(rand, written));
    records = lines.reduce((n, l) => n + l.records, 0);
    const parts = lines.flatMap((l) => [l.bytes, eol]);
    if (rand() < 0.3) parts.pop();
    body = Buffer.concat([Buffer.from(bom), ...parts]);
  }
  return { bytes: gzip ? gzipSync(body) : body, records, gzip };
}

async function totals(): Promise<{ read: number; works: number; rejected: number; duplicates: number }> {
  const c = await store.counters();
  const n = async (sql: string): Promise<number> => Number((await sqlRows(store, sql))[0]?.n);
  return {
    read: c.records_read ?? 0,
    works: await n('select count(*) as n from works'),
    rejected: await n("select count(*) as n from rejects where kind = 'rejected'"),
    duplicates: c.duplicates ?? 0,
  };
}

describe('reader property: records in = works + rejects + duplicates', () => {
  it(`holds for ${FILES} files of randomly damaged real records (seed ${SEED})`, async () => {
    const rand = seededRandom(SEED);
    const dir = mkdtempSync(join(tmpdir(), 'medai-property-'));
    const written: string[] = [];
    let before = await totals();
    let recordsIn = 0;
    for (let i = 0; i < FILES; i++) {
      const f = damagedFile(rand, written);
      const path = join(dir, `f${i}.jsonl${f.gzip ? '.gz' : ''}`);
      writeFileSync(path, f.bytes);
      const [file] = await listSnapshotFiles([path]);
      let batch: RawRecord[] = [];
      let read = 0;
      // Batches of random size, so a duplicate falls sometimes in its first copy's batch, sometimes later.
      let size = 1 + int(rand, 128);
      for await (const r of readFileRecords(file!)) {
        read++;
        batch.push(r);
        if (batch.length >= size) {
          await store.commitBatch(toBatch(batch));
          batch = [];
          size = 1 + int(rand, 128);
        }
      }
      await store.commitBatch(toBatch(batch));
      const after = await totals();
      const stored = after.read - before.read;
      const accounted = after.works - before.works + (after.rejected - before.rejected) + (after.duplicates - before.duplicates);
      expect({ file: path, yielded: read, stored, accounted }).toEqual({ file: path, yielded: f.records, stored: f.records, accounted: f.records });
      recordsIn += f.records;
      before = after;
    }
    // A few thousand records, of every kind of damage.
    expect(recordsIn).toBeGreaterThan(2_000);
    expect(before.duplicates).toBeGreaterThan(50);
    expect(before.rejected).toBeGreaterThan(300);
  });
});
