import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findSnapshotFiles, readRecords, readWorks } from '../../src/ingest/snapshot.js';
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
    for await (const r of readRecords(await findSnapshotFiles([WORKS_FILE]))) {
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
    const files = await findSnapshotFiles([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['array.json.gz', 'page.json', 'works/updated_date=2024-01-01/part_000.gz']);
    const ids: string[] = [];
    for await (const r of readRecords(files)) if ('raw' in r) ids.push((r.raw as { id: string }).id.slice(21));
    expect(ids).toEqual(['W5', 'W3', 'W4', 'W1', 'W2']);
  });

  it('expands globs', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'part_001.gz'), gzipSync(`${w(1)}\n`));
    writeFileSync(join(dir, 'a', 'part_002.gz'), gzipSync(`${w(2)}\n`));
    writeFileSync(join(dir, 'a', 'other.gz'), gzipSync(`${w(3)}\n`));
    const files = await findSnapshotFiles([join(dir, '**/part_*.gz')]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['a/part_001.gz', 'a/part_002.gz']);
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
    await expect(findSnapshotFiles([join(dir, 'nope')])).rejects.toThrow(/no such file or directory: .*nope/);
    await expect(findSnapshotFiles([join(dir, '*.gz')])).rejects.toThrow(/no file matches/);
    writeFileSync(join(dir, 'part_000.gz'), Buffer.concat([gzipSync(`${w(1)}\n`).subarray(0, 12)]));
    const files = await findSnapshotFiles([dir]);
    const consume = async (): Promise<void> => {
      for await (const _ of readRecords(files)) void _;
    };
    await expect(consume()).rejects.toThrow(UserError);
    await expect(consume()).rejects.toThrow(/cannot read .*part_000\.gz/);
  });
});
