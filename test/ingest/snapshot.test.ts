import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findMergedIdFiles, listSnapshotFiles, readFileRecords, readMergedIds, readRecords, readWorks } from '../../src/ingest/snapshot.js';
import { JsonPrefix } from '../../src/ingest/prefix.js';
import { UserError } from '../../src/errors.js';
import { WORKS_FILE } from '../support/paths.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'medai-snapshot-'));
}

// Constructed records.
const w = (id: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ id: `https://openalex.org/W${id}`, publication_year: 2020, title: `Work ${id}`, ...extra });

describe('snapshot reader', () => {
  it('reads every real work in works.jsonl.gz, splitting on \\n only (a real record holds U+2028)', async () => {
    let ok = 0;
    let bad = 0;
    let withSeparator = 0;
    for await (const r of readRecords(await listSnapshotFiles([WORKS_FILE]))) {
      if ('raw' in r) {
        ok++;
        // W2073719029's affiliation strings hold U+2028; a reader splitting on it would break the line.
        if (JSON.stringify(r.raw).includes('\u2028')) withSeparator++;
      } else bad++;
    }
    expect({ ok, bad }).toEqual({ ok: 2290, bad: 0 });
    expect(withSeparator).toBe(1);
  });

  it('finds part files, pages and arrays recursively, gzipped or not, in sorted order', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'works', 'updated_date=2024-01-01'), { recursive: true });
    writeFileSync(join(dir, 'works', 'updated_date=2024-01-01', 'part_000.gz'), gzipSync(`${w(1)}\n${w(2)}\n`));
    writeFileSync(join(dir, 'page.json'), JSON.stringify({ meta: { count: 2 }, results: [JSON.parse(w(3)), JSON.parse(w(4))] }, null, 2));
    writeFileSync(join(dir, 'array.json.gz'), gzipSync(JSON.stringify([JSON.parse(w(5))])));
    writeFileSync(join(dir, 'notes.md'), 'not data');
    // Beside a works partition, loose files are not parts of the snapshot: left out of the walk and
    // named (snapshot-2026.test.ts); given by name, they are read with it.
    const strays: string[] = [];
    expect((await listSnapshotFiles([dir], strays)).map((f) => f.path.slice(dir.length + 1))).toEqual(['works/updated_date=2024-01-01/part_000.gz']);
    expect(strays.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['array.json.gz', 'page.json']);
    const files = await listSnapshotFiles([dir, join(dir, 'page.json'), join(dir, 'array.json.gz')]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['array.json.gz', 'page.json', 'works/updated_date=2024-01-01/part_000.gz']);
    const ids: string[] = [];
    for await (const r of readRecords(files)) if ('raw' in r) ids.push((r.raw as { id: string }).id.slice(21));
    expect(ids).toEqual(['W5', 'W3', 'W4', 'W1', 'W2']);
  });

  it('follows linked parts and folders (another disk), walks a link back up the tree once, and names a broken link', async () => {
    const dir = tempDir();
    const elsewhere = tempDir();
    mkdirSync(join(elsewhere, 'updated_date=2024-01-01'), { recursive: true });
    writeFileSync(join(elsewhere, 'updated_date=2024-01-01', 'part_000.gz'), gzipSync(`${w(1)}\n`));
    writeFileSync(join(elsewhere, 'part_001.gz'), gzipSync(`${w(2)}\n`));
    mkdirSync(join(dir, 'works'));
    symlinkSync(join(elsewhere, 'updated_date=2024-01-01'), join(dir, 'works', 'updated_date=2024-01-01'));
    mkdirSync(join(dir, 'works', 'updated_date=2024-02-01'));
    symlinkSync(join(elsewhere, 'part_001.gz'), join(dir, 'works', 'updated_date=2024-02-01', 'part_001.gz'));
    symlinkSync(dir, join(dir, 'works', 'loop'));
    const files = await listSnapshotFiles([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['works/updated_date=2024-01-01/part_000.gz', 'works/updated_date=2024-02-01/part_001.gz']);
    symlinkSync(join(elsewhere, 'gone.gz'), join(dir, 'works', 'updated_date=2024-02-01', 'part_002.gz'));
    await expect(listSnapshotFiles([dir])).rejects.toThrow(/cannot follow the link .*part_002\.gz: ENOENT/);
  });

  it('refuses to read a Parquet part as text, naming it and the duckdb reader', async () => {
    const dir = tempDir();
    const parquet = join(dir, 'part_0000.snappy.parquet');
    writeFileSync(parquet, Buffer.from('PAR1\n{"id":"W1"}\nPAR1'));
    const [file] = await listSnapshotFiles([parquet]);
    const consume = async (): Promise<void> => {
      for await (const _ of readFileRecords(file!)) void _;
    };
    await expect(consume()).rejects.toThrow(UserError);
    await expect(consume()).rejects.toThrow(/part_0000\.snappy\.parquet is a Parquet file, which only the duckdb reader reads: run with --read duckdb/);
  });

  it('expands globs', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'part_001.gz'), gzipSync(`${w(1)}\n`));
    writeFileSync(join(dir, 'a', 'part_002.gz'), gzipSync(`${w(2)}\n`));
    writeFileSync(join(dir, 'a', 'other.gz'), gzipSync(`${w(3)}\n`));
    const files = await listSnapshotFiles([join(dir, '**/part_*.gz')]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['a/part_001.gz', 'a/part_002.gz']);
  });

  it('expands [...] classes and {a,b} braces, and takes a path that exists as it is, glob characters and all', async () => {
    const dir = tempDir();
    for (const sub of ['2023', '2024', '2025']) {
      mkdirSync(join(dir, sub));
      for (const n of [1, 2, 3]) writeFileSync(join(dir, sub, `part_00${n}.gz`), gzipSync(`${w(n)}\n`));
    }
    const rel = (files: { path: string }[]): string[] => files.map((f) => f.path.slice(dir.length + 1));
    expect(rel(await listSnapshotFiles([join(dir, '{2023,2025}/part_00[13].gz')]))).toEqual(['2023/part_001.gz', '2023/part_003.gz', '2025/part_001.gz', '2025/part_003.gz']);
    expect(rel(await listSnapshotFiles([join(dir, '202[!4]/part_00{2..3}.gz')]))).toEqual(['2023/part_002.gz', '2023/part_003.gz', '2025/part_002.gz', '2025/part_003.gz']);
    await expect(listSnapshotFiles([join(dir, '{2026,2027}/*.gz')])).rejects.toThrow(/no file matches .*\{2026,2027\}/);
    mkdirSync(join(dir, 'data (copy)'));
    writeFileSync(join(dir, 'data (copy)', 'works[1].jsonl.gz'), gzipSync(`${w(9)}\n`));
    expect(rel(await listSnapshotFiles([join(dir, 'data (copy)')]))).toEqual(['data (copy)/works[1].jsonl.gz']);
    expect(rel(await listSnapshotFiles([join(dir, 'data (copy)', 'works[1].jsonl.gz')]))).toEqual(['data (copy)/works[1].jsonl.gz']);
  });

  it('sets aside a line that is not JSON with file:line, and reads on', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'part_000'), `${w(1)}\n{"id": "W2", broken\n${w(3)}\n`);
    const out: { origin: string; ok: boolean; reason?: string }[] = [];
    for await (const r of readWorks([dir])) out.push({ origin: r.origin.replace(/.*\//, ''), ok: r.result.ok, ...(r.result.ok ? {} : { reason: r.result.reason.slice(0, 9) }) });
    expect(out).toEqual([
      { origin: 'part_000:1', ok: true },
      { origin: 'part_000:2', ok: false, reason: 'not JSON:' },
      { origin: 'part_000:3', ok: true },
    ]);
  });

  it('names a missing path, an empty glob and an unreadable gzip in its error', async () => {
    const dir = tempDir();
    await expect(listSnapshotFiles([join(dir, 'nope')])).rejects.toThrow(/no such file or directory: .*nope/);
    await expect(listSnapshotFiles([join(dir, '*.gz')])).rejects.toThrow(/no file matches/);
    writeFileSync(join(dir, 'part_000.gz'), Buffer.concat([gzipSync(`${w(1)}\n`).subarray(0, 12)]));
    const files = await listSnapshotFiles([dir]);
    const consume = async (): Promise<void> => {
      for await (const _ of readRecords(files)) void _;
    };
    await expect(consume()).rejects.toThrow(UserError);
    await expect(consume()).rejects.toThrow(/cannot read .*part_000\.gz/);
  });

  /** What one file yields, as `origin=W…` for works and `origin!` for records that are not JSON. */
  async function yields(name: string, content: string | Buffer, maxDocumentChars?: number): Promise<string[]> {
    const dir = tempDir();
    writeFileSync(join(dir, name), content);
    const [file] = await listSnapshotFiles([join(dir, name)]);
    const out: string[] = [];
    for await (const r of readFileRecords(file!, maxDocumentChars)) {
      const origin = r.origin.slice(r.origin.lastIndexOf(name));
      out.push('parseError' in r ? `${origin}!` : `${origin}=${JSON.stringify(r.raw).match(/W\d+|^[^{].*/)?.[0] ?? '?'}`);
    }
    return out;
  }
  const page = (...ids: number[]): Record<string, unknown> => ({ meta: { count: ids.length }, results: ids.map((i) => JSON.parse(w(i, { ids: { openalex: `https://openalex.org/W${i}` }, counts: [i] }))) });

  it.each([
    // One document: the whole text parses as one, though some of its lines parse alone
    // ("https://…" closing an array, a number, `[]`), and an array of one work per line with commas.
    { case: 'a pretty-printed page', text: JSON.stringify(page(1, 2), null, 2), out: ['f#0=W1', 'f#1=W2'] },
    { case: 'a pretty-printed page with an empty array', text: JSON.stringify({ results: [[], JSON.parse(w(1))] }, null, 2), out: ['f#0=[]', 'f#1=W1'] },
    { case: 'an array, one work per line', text: `[\n${w(1)},\n${w(2)}\n]\n`, out: ['f#0=W1', 'f#1=W2'] },
    { case: 'one work on one line', text: `${w(1)}\n\n`, out: ['f#0=W1'] },
    // JSON Lines: each line on its own.
    { case: 'a first line cut off at a value, then a work', text: `{"id":"W9","authorships":[\n${w(2)}\n`, out: ['f:1!', 'f:2=W2'] },
    { case: 'a first line cut off in a string', text: `{"id":"W9","title":"Deep le\n${w(2)}\n${w(3)}`, out: ['f:1!', 'f:2=W2', 'f:3=W3'] },
    { case: 'a page, an empty page and an array as lines', text: `${JSON.stringify(page(1, 2))}\n{"results":[]}\n[${w(3)}]\n`, out: ['f:1#0=W1', 'f:1#1=W2', 'f:3#0=W3'] },
    { case: 'a BOM on the second line (two files concatenated)', text: `\uFEFF${w(1)}\r\n\uFEFF${w(2)}\r\n`, out: ['f:1=W1', 'f:2=W2'] },
    { case: 'only \\n ends a line, not a bare \\r', text: `${w(1)}\r${w(2)}\r\n${w(3)}`, out: ['f:1!', 'f:2=W3'] },
    // A document cut off (valid to its last line, never complete): its lines stand alone.
    { case: 'a pretty-printed page cut off', text: JSON.stringify(page(1), null, 2).split('\n').slice(0, 6).join('\n'), out: ['f:1!', 'f:2!', 'f:3!', 'f:4!', 'f:5!', 'f:6!'] },
  ])('decides from the content: $case', async ({ text, out }) => {
    expect(await yields('f', text)).toEqual(out);
  });

  it('stops, naming the file, rather than hold a document beyond the limit; JSON Lines of any size streams', async () => {
    const doc = JSON.stringify(page(1, 2, 3), null, 2);
    await expect(yields('big.json', doc, 200)).rejects.toThrow(/big\.json reads as one JSON document of more than 200 characters \(line \d+\); write it as JSON Lines/);
    const lines = Array.from({ length: 50 }, (_, i) => w(i)).join('\n');
    expect(await yields('big.jsonl', `{bad\n${lines}`, 200)).toHaveLength(51);
  });

  it.each([
    ['{', true],
    ['{"a": [1, -2.5e3, true, null, "x\\"\\u00e9"]', true],
    ['{"a"\n:\n{}', true],
    ['{bad', false],
    ['{"a":1}\n{', false],
    ['{"a":1,}', false],
    ['["x\ny"]', false],
    ['{"a":tru', true],
    ['{"a":trux', false],
    ['[1 2]', false],
    ['{"a":1]', false],
  ])('JsonPrefix: %j can begin one document: %s', (text, valid) => {
    expect(new JsonPrefix().feed(text)).toBe(valid);
  });

  it.each([
    { case: 'a BOM and CRLF', bytes: (t: string) => Buffer.from(`\uFEFF${t.replace(/\n/g, '\r\n')}`) },
    { case: 'a BOM and CRLF, gzipped', bytes: (t: string) => gzipSync(`\uFEFF${t.replace(/\n/g, '\r\n')}`) },
    { case: 'blank lines before the header', bytes: (t: string) => Buffer.from(`\n\n${t}`) },
  ])('reads a merged-id list with $case', async ({ bytes }) => {
    const dir = tempDir();
    mkdirSync(join(dir, 'merged_ids', 'works'), { recursive: true });
    const header = 'merge_date,id,merge_into_id\n2024-01-01,W1,W2\n2024-01-02,https://openalex.org/W3,W4\n';
    writeFileSync(join(dir, 'merged_ids', 'works', '2024-01-02.csv'), bytes(header));
    const [file] = await findMergedIdFiles([dir]);
    const rows: unknown[] = [];
    for await (const m of readMergedIds(file!)) rows.push('error' in m ? m.error : [m.workId, m.mergeIntoId, m.mergeDate]);
    expect(rows).toEqual([
      ['W1', 'W2', '2024-01-01'],
      ['W3', 'W4', '2024-01-02'],
    ]);
  });

  it('reads quoted merged-id fields as CSV, and sets aside a row that is not CSV with file:line', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'merged_ids', 'works'), { recursive: true });
    const text = ['"merge_date","id","merge_into_id"', '"2024-01-03","W5","W6"', '2024-01-04,"https://openalex.org/W7",W8', '2024-01-05,"W9,W10', '2024-01-06,W11', '2024-01-07,W12,W13'].join('\n');
    writeFileSync(join(dir, 'merged_ids', 'works', '2024-01-07.csv'), text);
    const [file] = await findMergedIdFiles([dir]);
    const rows: unknown[] = [];
    for await (const m of readMergedIds(file!)) rows.push('error' in m ? [m.origin.replace(/.*\//, ''), m.error] : [m.workId, m.mergeIntoId, m.mergeDate]);
    expect(rows).toEqual([
      ['W5', 'W6', '2024-01-03'],
      ['W7', 'W8', '2024-01-04'],
      ['2024-01-07.csv:4', 'not CSV: Quoted field unterminated'],
      ['2024-01-07.csv:5', 'merged-id row without two work ids'],
      ['W12', 'W13', '2024-01-07'],
    ]);
  });
});
