import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, toBatch } from '../../src/store/store.js';

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
    await s.commitPage({ raws: [rec(1, null), rec(2, null)], checkpoint });
    stores.pop()?.close();
    const again = await open(path);
    expect(await again.getCheckpoint('2020-US')).toEqual(checkpoint);
    expect(await again.getCheckpoint('2021-US')).toBe(null);
    expect((await again.getWork('W2'))?.authorships).toEqual([{ countries: ['US'], institutionCountries: [] }]);
  });

  it('rolls the page back when the commit fails, leaving the checkpoint where it was', async () => {
    const s = await open();
    const checkpoint = { sliceId: 's', query: 'q', cursor: 'c1', pagesDone: 1, worksStored: 1, done: false };
    await s.commitPage({ raws: [rec(1, null)], checkpoint });
    // A null query violates the checkpoint table's NOT NULL, so the transaction must roll back whole.
    const broken = { ...checkpoint, cursor: 'c2', pagesDone: 2, query: null as unknown as string };
    await expect(s.commitPage({ raws: [rec(2, null)], checkpoint: broken })).rejects.toThrow();
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
        raws: [rec(i * 2, null), rec(i * 2 + 1, null)],
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
      work.push(s.commitPage({ raws: [rec(i, null)], checkpoint }));
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
