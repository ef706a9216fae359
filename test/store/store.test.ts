import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toBatch } from '../../src/model/batch.js';
import { Store } from '../../src/store/store.js';
import { writeRejects } from '../../src/pipeline/outputs.js';
import { sqlRows, sqlRun } from '../support/store-sql.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function open(path = join(mkdtempSync(join(tmpdir(), 'medai-store-')), 'db.duckdb')): Promise<Store> {
  const s = await Store.open(path);
  stores.push(s);
  return s;
}

// Constructed records.
const rec = (id: number, updated: string | null, title = `T${id}`) => ({
  origin: `test:${id}`,
  raw: { id: `https://openalex.org/W${id}`, publication_year: 2020, title, updated_date: updated, authorships: [{ countries: ['US'], institutions: [] }] },
});

describe('Store', () => {
  it('stores a work read twice once, keeping the newest copy whatever the order', async () => {
    const s = await open();
    await s.commitBatch(toBatch([rec(1, '2024-01-01', 'old'), rec(2, null)]));
    const second = await s.commitBatch(toBatch([rec(1, '2025-01-01', 'new'), rec(2, null, 'same date, later read')]));
    await s.commitBatch(toBatch([rec(1, '2023-01-01', 'older'), rec(1, '2026-01-01', 'newest in batch'), rec(1, '2022-01-01', 'x')]));
    expect(second.duplicates).toBe(2);
    expect((await s.getWork('W1'))?.title).toBe('newest in batch');
    expect((await s.getWork('W2'))?.title).toBe('T2');
    expect(await s.counters()).toEqual({ records_read: 7, duplicates: 5 });
    const all: string[] = [];
    for await (const w of s.iterateWorks()) all.push(w.id);
    expect(all).toEqual(['W1', 'W2']);
  });

  it('writes rejects.jsonl in DuckDB, each line the object JSON.stringify writes (queries/rejects_jsonl.sql)', async () => {
    const s = await open();
    const dir = mkdtempSync(join(tmpdir(), 'medai-rejects-'));
    await writeRejects(s, dir);
    expect(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')).toBe('');
    // Texts a JSON writer must escape, or must leave alone: quotes, backslashes, line breaks,
    // control characters, U+2028, non-BMP characters, a slash.
    const texts = ['say "hi" \\ back', 'two\nlines\r\n\ttab', 'ctl \u0000\u0001\u001f\u007f', 'é 中文 \u2028\u2029 😀', '</script>', ''];
    const rows = texts.map((t, i) => ({ kind: i % 2 ? 'repaired' : 'rejected', origin: `f.jsonl:${i + 1}`, workId: i % 3 ? `W${i}` : null, reason: `why ${t}`, raw: i === 4 ? null : `{"title":${JSON.stringify(t)}}` }));
    for (const r of rows) await sqlRun(s, 'insert into rejects values ($kind, $origin, $work_id, $reason, $raw)', { kind: r.kind, origin: r.origin, work_id: r.workId, reason: r.reason, raw: r.raw });
    await writeRejects(s, dir);
    const text = readFileSync(join(dir, 'rejects.jsonl'), 'utf8');
    expect(text.split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual(rows);
    // Byte for byte JSON.stringify's lines, but for the hex case of \u escapes.
    const lower = text.replace(/\\u[0-9A-F]{4}/g, (e) => e.toLowerCase());
    expect(lower).toBe(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  });

  it('changes DuckDB settings for a while and restores them, also when the body fails (withSettings)', async () => {
    const s = await Store.open(join(mkdtempSync(join(tmpdir(), 'medai-store-')), 'db.duckdb'), { threads: 2 });
    stores.push(s);
    const before = { threads: await s.setting('threads'), memory: await s.setting('memory_limit') };
    expect(before.threads).toBe('2');
    const inside = await s.withSettings({ threads: '1', memory_limit: '300MB' }, async () => [await s.setting('threads'), await s.setting('memory_limit')]);
    expect(inside[0]).toBe('1');
    expect(inside[1]).toMatch(/^(286\.1 MiB|300\.0 MB)$/);
    await expect(s.withSettings({ threads: '1' }, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect({ threads: await s.setting('threads'), memory: await s.setting('memory_limit') }).toEqual(before);
    // SET takes no bound parameter: a value of another shape is refused before it reaches the SQL.
    for (const bad of ['0', '2; drop table works', '-1']) await expect(s.runSetting('threads', bad)).rejects.toThrow(/not a DuckDB threads/);
    await expect(s.runSetting('memory_limit', "1GB'; drop table works; --")).rejects.toThrow(/not a DuckDB memory_limit/);
  });

  it('keeps rejects with origin, reason and raw text', async () => {
    const s = await open();
    await s.commitBatch(toBatch([{ origin: 'f.jsonl:3', raw: { id: 'W9' } }, { origin: 'f.jsonl:4', raw: 42 }]));
    const rows = await s.query<{ kind: string; origin: string; work_id: string | null; reason: string; raw: string }>('rejects_all');
    expect(rows).toEqual([
      { kind: 'rejected', origin: 'f.jsonl:3', work_id: 'W9', reason: 'missing publication_year', raw: '{"id":"W9"}' },
      { kind: 'rejected', origin: 'f.jsonl:4', work_id: null, reason: 'record is not a JSON object', raw: '42' },
    ]);
  });

  it('commits a page and its checkpoint together, and both survive reopening the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'medai-store-')), 'db.duckdb');
    const s = await open(path);
    const checkpoint = { sliceId: '2020-US', query: 'https://example/works?filter=x', cursor: 'abc', pagesDone: 1, worksStored: 2, done: false };
    await s.commitPage({ ...toBatch([rec(1, null), rec(2, null)]), checkpoint });
    stores.pop()?.close();
    const again = await open(path);
    expect(await again.getCheckpoint('2020-US')).toEqual(checkpoint);
    expect(await again.getCheckpoint('2021-US')).toBe(null);
    expect((await again.getWork('W2'))?.authorships).toEqual([{ countries: ['US'], institutionCountries: [] }]);
  });

  it('rolls the page back when the commit fails, leaving the checkpoint where it was', async () => {
    const s = await open();
    const checkpoint = { sliceId: 's', query: 'q', cursor: 'c1', pagesDone: 1, worksStored: 1, done: false };
    await s.commitPage({ ...toBatch([rec(1, null)]), checkpoint });
    // A null query violates the checkpoint table's NOT NULL, so the transaction must roll back whole.
    const broken = { ...checkpoint, cursor: 'c2', pagesDone: 2, query: null as unknown as string };
    await expect(s.commitPage({ ...toBatch([rec(2, null)]), checkpoint: broken })).rejects.toThrow();
    expect(await s.getWork('W2')).toBe(null);
    expect((await s.getCheckpoint('s'))?.cursor).toBe('c1');
    expect((await s.counters()).records_read).toBe(1);
  });
});

describe('Store under parallel slices', () => {
  it('commits pages from concurrent slices one transaction at a time, losing none', async () => {
    const s = await open();
    const pages = Array.from({ length: 20 }, (_, i) =>
      s.commitPage({
        ...toBatch([rec(i * 2, null), rec(i * 2 + 1, null)]),
        checkpoint: { sliceId: `slice-${i % 4}`, query: 'q', cursor: `c${i}`, pagesDone: i, worksStored: 2, done: false },
      }),
    );
    await Promise.all(pages);
    const [row] = await s.query<{ n: number }>('classified_count');
    expect(row?.n).toBe(0);
    expect((await s.counters()).records_read).toBe(40);
    let n = 0;
    for await (const _ of s.iterateWorks()) n++;
    expect(n).toBe(40);
  });
});

describe('Store reads during commits', () => {
  it('serves checkpoint and meta reads issued while pages are being committed', async () => {
    const s = await open();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const checkpoint = { sliceId: `s${i % 3}`, query: 'q', cursor: `c${i}`, pagesDone: i, worksStored: 1, done: false };
      work.push(s.commitPage({ ...toBatch([rec(i, null)]), checkpoint }));
      work.push(s.getCheckpoint(`s${i % 3}`), s.getMeta('source'), s.counters(), s.getWork(`W${i}`));
    }
    await Promise.all(work);
    expect((await s.getCheckpoint('s1'))?.cursor).toBe('c19');
    expect((await s.counters()).records_read).toBe(20);
  });

  it('a read issued while another caller holds a transaction waits for it, never seeing uncommitted rows', async () => {
    const s = await open();
    let inserted!: () => void;
    const afterInsert = new Promise<void>((r) => (inserted = r));
    const failing = s.transaction(async () => {
      await s.commitBatch(toBatch([rec(99, null)]));
      inserted();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('page rejected after the insert');
    });
    await afterInsert;
    const read = s.getWork('W99');
    await expect(failing).rejects.toThrow('page rejected');
    expect(await read).toBe(null);
  });
});

describe('Store settings and named statements', () => {
  const threads = async (s: Store): Promise<number> => Number((await sqlRows(s, "select current_setting('threads') as n"))[0]?.n);

  it('gives DuckDB every core by default, or the threads asked for', async () => {
    expect(await threads(await open(':memory:'))).toBe(availableParallelism());
    const s = await Store.open(':memory:', { threads: 3 });
    stores.push(s);
    expect(await threads(s)).toBe(3);
    await expect(Store.open(':memory:', { threads: 0 })).rejects.toThrow('positive integer');
  });

  it('runs named statements and appends inside the transaction they are issued in, rolled back with it', async () => {
    const s = await open(':memory:');
    await expect(
      s.transaction(async () => {
        await s.run('set_meta', { key: 'k', value: '"v"' });
        await s.append('rejects', (app) => {
          for (const v of ['rejected', 'o', 'W1', 'r', 'x']) app.appendVarchar(v);
          app.endRow();
        });
        expect(await s.getMeta('k')).toBe('v');
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await s.getMeta('k')).toBe(null);
    expect(await s.query('rejects_all')).toEqual([]);
    await s.run('set_meta', { key: 'k', value: '"w"' });
    expect(await s.getMeta('k')).toBe('w');
  });

  it('tells whether a table exists, temporary ones included', async () => {
    const s = await open(':memory:');
    expect(await s.tableExists('works')).toBe(true);
    expect(await s.tableExists('merged_ids')).toBe(false);
    await s.run('schema/merged_ids');
    expect(await s.tableExists('merged_ids')).toBe(true);
    await s.run('drop_merged_ids');
    expect(await s.tableExists('merged_ids')).toBe(false);
  });
});
