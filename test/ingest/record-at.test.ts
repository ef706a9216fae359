/**
 * recordAt (one record read again by its record number) and `explain` on a compact store: works
 * rows without abstract or authorships, origin '<display path>:<record number>', as the duckdb
 * snapshot reader writes them (filled here by hand, in that shape).
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordAt, resolveRecordFile, parseOrigin } from '../../src/ingest/record-at.js';
import { Store } from '../../src/store/store.js';
import { runCliInProcess } from '../support/cli.js';
import { WORKS_FILE } from '../support/paths.js';
import { tempDir } from '../fetch/helpers.js';

const lines = gunzipSync(readFileSync(WORKS_FILE)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
const record = (n: number) => JSON.parse(lines[n - 1]!) as { id: string; abstract_inverted_index: unknown; authorships: unknown[] };
const shortId = (n: number) => record(n).id.replace('https://openalex.org/', '');

let dir: string;

async function sql(db: string, statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(db);
  const c = await instance.connect();
  try {
    for (const s of statements) await c.run(s);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  dir = await tempDir('medai-record-at-');
});

describe('recordAt', () => {
  it.each([[1], [777], [lines.length]])('gives record %i of the real gzipped JSON Lines file', async (n) => {
    expect(await recordAt(WORKS_FILE, n)).toEqual(record(n));
  });

  it('counts records, not lines: blank lines are skipped, plain text too', async () => {
    const file = join(dir, 'blank.jsonl');
    await writeFile(file, `\n${lines[0]}\n\n  \n${lines[1]}\n${lines[2]}`);
    expect(await recordAt(file, 2)).toEqual(record(2));
    expect(await recordAt(file, 3)).toEqual(record(3));
    await expect(recordAt(file, 4)).rejects.toThrow('has 3 records, not 4: the file changed since it was read');
  });

  it('gives row n of a Parquet file as JSON, nested JSON text parsed', async () => {
    const jsonl = join(dir, 'few.jsonl');
    await writeFile(jsonl, `${lines.slice(0, 5).join('\n')}\n`);
    const parquet = join(dir, 'few.parquet');
    await sql(':memory:', [
      `copy (select id, title, publication_year, abstract_inverted_index::varchar as abstract_inverted_index, authorships
             from read_json('${jsonl}', format = 'newline_delimited', columns = {id: 'varchar', title: 'varchar', publication_year: 'integer', abstract_inverted_index: 'json',
               authorships: 'struct(countries varchar[], institutions struct(country_code varchar)[])[]'}))
       to '${parquet}' (format parquet)`,
    ]);
    const got = (await recordAt(parquet, 4)) as Record<string, unknown>;
    expect(got.id).toBe(record(4).id);
    expect(got.abstract_inverted_index).toEqual(record(4).abstract_inverted_index);
    expect(Array.isArray(got.authorships)).toBe(true);
    expect(got).not.toHaveProperty('file_row_number');
    await expect(recordAt(parquet, 6)).rejects.toThrow('has no row 6');
  });

  it('parses origins and finds a display path under a recorded root', async () => {
    expect(parseOrigin('data/part_0000.gz:12')).toEqual({ path: 'data/part_0000.gz', n: 12 });
    expect(parseOrigin('page.json#3')).toBeNull();
    expect(parseOrigin('page.json:2#3')).toBeNull();
    const root = join(dir, 'root');
    await mkdir(join(root, 'works'), { recursive: true });
    await writeFile(join(root, 'works', 'part_0001.gz'), '');
    expect(resolveRecordFile('old/cwd/works/part_0001.gz', '/nowhere', [root])).toBe(join(root, 'works', 'part_0001.gz'));
    expect(resolveRecordFile('old/cwd/works/part_0001.gz', '/nowhere', [join(root, '*.gz')])).toBe(join(root, 'works', 'part_0001.gz'));
    expect(resolveRecordFile('works/part_0002.gz', '/nowhere', [root])).toBeNull();
  });
});

describe('explain on a compact store', () => {
  // Records 2..6 of the real file, with a blank line between two of them, as one snapshot part.
  const picked = [2, 3, 4, 5, 6];
  let snap: string;
  let part: string;
  let db: string;

  beforeAll(async () => {
    snap = join(dir, 'snap', 'data', 'jsonl', 'works', 'updated_date=2026-06-01');
    await mkdir(snap, { recursive: true });
    part = join(snap, 'part_0000.gz');
    await writeFile(part, gzipSync(`${lines[1]}\n${lines[2]}\n\n${picked.slice(2).map((n) => lines[n - 1]).join('\n')}\n`));
    db = join(dir, 'compact.duckdb');
    (await Store.open(db)).close();
    // The origin's display path as another working folder saw it: found again under the recorded root.
    const rows = picked.map((n, i) => {
      const r = JSON.parse(lines[n - 1]!) as { title: string | null; publication_year: number; type: string | null };
      const title = (r.title ?? '').replace(/'/g, "''");
      return `('${shortId(n)}', ${r.publication_year}, '${title}', null, null, false, null, '${r.type ?? ''}', null, null, 'elsewhere/data/jsonl/works/updated_date=2026-06-01/part_0000.gz:${i + 1}')`;
    });
    await sql(db, [
      `insert into works (work_id, year, title, abstract, authorships, authors_truncated, mesh, type, language, updated_date, origin) values ${rows.join(', ')}`,
      `insert into meta (key, value) values ('source', '${JSON.stringify({ kind: 'snapshot', read: 'duckdb', files: [{ path: part, bytes: statSync(part).size, sha256: 'x' }], roots: [join(dir, 'snap')] })}')`,
    ]);
  });

  it('re-reads the record from its file and line and explains it as --snapshot does', async () => {
    for (const n of [picked[1]!, picked[3]!]) {
      const fromStore = await runCliInProcess(['explain', shortId(n), '--db', db]);
      expect(fromStore.code, fromStore.stderr).toBe(0);
      const fromFile = await runCliInProcess(['explain', shortId(n), '--snapshot', part]);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fromStore.stdout).toBe(fromFile.stdout);
      expect(fromStore.stdout).not.toContain('Abstract: (none)');
    }
  });

  it('a file changed since it was read (same size, records in another order) is an error saying so', async () => {
    const moved = `${part}.orig`;
    await rename(part, moved);
    try {
      const again = gunzipSync(readFileSync(moved)).toString('utf8').split('\n');
      [again[0], again[1]] = [again[1]!, again[0]!];
      await writeFile(part, gzipSync(again.join('\n')));
      const size = statSync(part).size;
      const r = await runCliInProcess(['explain', shortId(picked[0]!), '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('the file changed since it was read');
      expect(r.stderr).toMatch(size === statSync(moved).size ? /holds W\d+ there/ : /bytes, not the/);
    } finally {
      await rename(moved, part);
    }
  });

  it('a file no longer there is an error saying so', async () => {
    const moved = `${part}.away`;
    await rename(part, moved);
    try {
      const r = await runCliInProcess(['explain', shortId(picked[0]!), '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('which is not there any more');
      expect(r.stderr).toContain('explain --snapshot');
    } finally {
      await rename(moved, part);
    }
  });
});
