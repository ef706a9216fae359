/**
 * The snapshot reader through the real CLI, on real OpenAlex records written into files with the
 * damage users' files have: a BOM, CRLF, a bad first line, API pages as lines, a cut-off last line,
 * a pretty-printed page; plain and gzipped, next to a good file. Every record is a work or a
 * reject naming its file and line; empty input stops with exit 2 and says what was read.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeWork } from '../../src/model/work.js';
import { Store } from '../../src/store/store.js';
import { sqlRows } from '../support/store-sql.js';
import { runCli } from '../support/cli.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { WORKS_FILE } from '../support/paths.js';

const BOM = '\uFEFF';
let real: string[] = [];

beforeAll(() => {
  // Real works that are valid as they are, so every loss below is the reader's.
  real = readJsonLineTexts(WORKS_FILE)
    .filter((t) => normalizeWork(JSON.parse(t)).ok)
    .slice(0, 40);
});

const lines = (from: number, to: number): string[] => real.slice(from, to);
const obj = (i: number): unknown => JSON.parse(real[i] as string);

/** The damaged files: name -> content, and what each must yield. */
function damagedFiles(): { name: string; text: string; works: string[]; rejects: string[] }[] {
  return [
    { name: 'good.jsonl', text: `${lines(0, 5).join('\n')}\n`, works: ['1', '2', '3', '4', '5'].map((l) => `good.jsonl:${l}`), rejects: [] },
    { name: 'bom.jsonl', text: `${BOM}${lines(5, 11).join('\n')}\n`, works: [1, 2, 3, 4, 5, 6].map((l) => `bom.jsonl:${l}`), rejects: [] },
    { name: 'bad-first.jsonl', text: `{bad\n${lines(11, 16).join('\n')}\n`, works: [2, 3, 4, 5, 6].map((l) => `bad-first.jsonl:${l}`), rejects: ['bad-first.jsonl:1'] },
    {
      name: 'pages.jsonl',
      text: `${JSON.stringify({ meta: { count: 3 }, results: [obj(16), obj(17), obj(18)] })}\n${JSON.stringify([obj(19), obj(20)])}\n${real[21]}\n`,
      works: ['pages.jsonl:1#0', 'pages.jsonl:1#1', 'pages.jsonl:1#2', 'pages.jsonl:2#0', 'pages.jsonl:2#1', 'pages.jsonl:3'],
      rejects: [],
    },
    {
      // CRLF line endings, a blank CRLF line, and a second BOM where two files were concatenated.
      name: 'crlf.jsonl',
      text: `${lines(22, 25).join('\r\n')}\r\n\r\n${BOM}${real[25]}\r\n`,
      works: ['crlf.jsonl:1', 'crlf.jsonl:2', 'crlf.jsonl:3', 'crlf.jsonl:5'],
      rejects: [],
    },
    {
      name: 'cut.jsonl',
      text: `${real[26]}\n${(real[27] as string).slice(0, 700)}`,
      works: ['cut.jsonl:1'],
      rejects: ['cut.jsonl:2'],
    },
    {
      // A saved API page, pretty-printed on Windows: one document over many lines.
      name: 'pretty.json',
      text: BOM + JSON.stringify({ meta: { count: 2 }, results: [obj(28), obj(29)] }, null, 2).replace(/\n/g, '\r\n'),
      works: ['pretty.json#0', 'pretty.json#1'],
      rejects: [],
    },
  ];
}

async function readStore(db: string): Promise<{ counters: Record<string, number>; works: string[]; rejects: string[] }> {
  const store = await Store.open(db);
  try {
    const col = async (sql: string): Promise<string[]> => (await sqlRows(store, sql)).map((r) => String(r.origin));
    return {
      counters: await store.counters(),
      works: await col('select origin from works order by origin'),
      rejects: await col("select origin from rejects where kind = 'rejected' order by origin"),
    };
  } finally {
    store.close();
  }
}

describe.each([
  { gzip: false, suffix: '' },
  { gzip: true, suffix: '.gz' },
])('fetch --snapshot on damaged files (gzipped: $gzip)', ({ gzip, suffix }) => {
  it('reads every line as a work, a page of works, or a reject with file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-formats-'));
    const files = damagedFiles();
    for (const f of files) writeFileSync(join(dir, f.name + suffix), gzip ? gzipSync(Buffer.from(f.text)) : f.text);
    const r = await runCli(['fetch', '--snapshot', ...files.map((f) => f.name + suffix), '--db', join(dir, 'db.duckdb')], {}, dir);
    expect(r.code, r.stderr).toBe(0);
    const got = await readStore(join(dir, 'db.duckdb'));
    const origin = (o: string): string => o.replace(/^([^:#]+)/, `$1${suffix}`);
    expect(got.works).toEqual(files.flatMap((f) => f.works).map(origin).sort());
    expect(got.rejects).toEqual(files.flatMap((f) => f.rejects).map(origin).sort());
    expect(got.counters).toEqual({ records_read: 31, duplicates: 0 });
  });
});

describe('snapshot runs', () => {
  it('counts the works after a BOM: Records read: 11 with a good file beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-formats-'));
    writeFileSync(join(dir, 'a.jsonl'), `${lines(0, 5).join('\n')}\n`);
    writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(`${BOM}${lines(5, 11).join('\n')}\n`));
    const r = await runCli(['run', '--snapshot', 'a.jsonl', 'b.jsonl.gz', '--format', 'csv', '--db', 'db.duckdb', '--out', 'out'], {}, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Records read: 11; rejected: 0;');
  });

  it.each([
    { case: 'one empty file', files: { 'a.jsonl': '' }, message: 'no records in a.jsonl (empty or blank)' },
    { case: 'blank lines, CRLF and a BOM only', files: { 'a.jsonl': `${BOM}\r\n  \n\t\r\n` }, message: 'no records in a.jsonl (empty or blank)' },
    { case: 'an empty gzip and an empty page', files: { 'a.jsonl.gz': gzipSync(''), 'b.json': '{"meta":{},"results":[]}' }, message: 'no records in a.jsonl.gz, b.json (each empty or blank)' },
    {
      case: 'many empty files',
      files: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => [`${n}.jsonl`, '\n'])),
      message: 'no records in any of the 7 files given, each empty or blank: a.jsonl, b.jsonl, c.jsonl, d.jsonl, e.jsonl and 2 more',
    },
  ])('stops with exit 2 and says what was read: $case', async ({ files, message }) => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-formats-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const r = await runCli(['run', '--snapshot', ...Object.keys(files), '--format', 'csv', '--db', 'db.duckdb', '--out', 'out'], {}, dir);
    expect(r.stderr).toContain(`medai-trends: snapshot: ${message}\n`);
    expect(r.stderr).not.toContain('classify');
    expect(r.code).toBe(2);
  });

  it('notes an empty file next to good ones and reads on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-formats-'));
    writeFileSync(join(dir, 'a.jsonl'), `${lines(0, 5).join('\n')}\n`);
    writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
    const r = await runCli(['fetch', '--snapshot', 'a.jsonl', 'empty.jsonl', '--db', 'db.duckdb'], {}, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no records in empty.jsonl (empty or blank)');
    expect((await readStore(join(dir, 'db.duckdb'))).counters.records_read).toBe(5);
  });
});
