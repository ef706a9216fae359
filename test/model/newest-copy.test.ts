/**
 * The newest-copy rule for a work read twice has one definition per engine: isNewerCopy() in
 * src/model/work.ts and queries/merge_works.sql. Both must pick the same copy in every case,
 * including a tie (the same updated_date: the copy read first stays), and the fetcher's test sink
 * must keep the copy the store keeps.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNewerCopy, type Work } from '../../src/model/work.js';
import { Store } from '../../src/store/store.js';
import { JournalSink } from '../support/journal-sink.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

// Constructed copies of one work, told apart by their titles.
const copy = (title: 'first' | 'second', updatedDate: string | null): Work => ({
  id: 'W1',
  year: 2020,
  title,
  abstract: null,
  authorships: [{ countries: ['US'], institutionCountries: [] }],
  authorsTruncated: false,
  mesh: null,
  type: 'article',
  language: 'en',
  updatedDate,
});

/** [updated_date of the copy read first, of the copy read second, the copy kept]. */
const CASES: [string | null, string | null, 'first' | 'second'][] = [
  ['2024-01-01', '2024-03-01', 'second'], // updated since: the later copy
  ['2024-03-01', '2024-01-01', 'first'], // read later but older: not taken
  ['2024-01-01', '2024-01-01', 'first'], // a tie: the copy read first stays
  [null, null, 'first'], // neither dated: a tie
  [null, '2024-01-01', 'second'], // no date is older than any date
  ['2024-01-01', null, 'first'],
];

async function store(): Promise<Store> {
  const s = await Store.open(':memory:');
  stores.push(s);
  return s;
}

describe('the newest copy of a work read twice', () => {
  it.each(CASES)('first %s, then %s: keeps the %s (TypeScript, isNewerCopy)', (a, b, kept) => {
    const first = copy('first', a);
    const second = copy('second', b);
    expect((isNewerCopy(second, first) ? second : first).title).toBe(kept);
  });

  it.each(CASES)('first %s, then %s: keeps the %s (SQL, merge_works.sql over a stored copy)', async (a, b, kept) => {
    const s = await store();
    await s.commitBatch({ works: [{ work: copy('first', a), origin: 'test:1' }], rejects: [], recordsRead: 1 });
    await s.commitBatch({ works: [{ work: copy('second', b), origin: 'test:2' }], rejects: [], recordsRead: 1 });
    expect((await s.getWork('W1'))?.title).toBe(kept);
  });

  it.each(CASES)('first %s, then %s: keeps the %s (both in one batch)', async (a, b, kept) => {
    const s = await store();
    const works = [
      { work: copy('first', a), origin: 'test:1' },
      { work: copy('second', b), origin: 'test:2' },
    ];
    await s.commitBatch({ works, rejects: [], recordsRead: 2 });
    expect((await s.getWork('W1'))?.title).toBe(kept);
  });

  it.each(CASES)('first %s, then %s: keeps the %s (the fetcher tests\' journal sink)', async (a, b, kept) => {
    const file = join(mkdtempSync(join(tmpdir(), 'medai-newest-')), 'journal.jsonl');
    const line = (title: 'first' | 'second', date: string | null, n: number): string =>
      JSON.stringify({ works: [{ origin: `test:${n}`, work: copy(title, date) }], rejects: [], checkpoint: { sliceId: 's', query: 'q', cursor: null, pagesDone: n, worksStored: n, done: n === 2 } });
    writeFileSync(file, `${line('first', a, 1)}\n${line('second', b, 2)}\n`);
    const sink = await JournalSink.open(file);
    expect(sink.works.get('W1')?.title).toBe(kept);
  });
});
