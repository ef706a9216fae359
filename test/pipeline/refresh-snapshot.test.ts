/**
 * `refresh` from a snapshot folder, against a two-release snapshot built from the real records
 * (test/support/snapshot-release.ts): the first refresh reads release 1 in full; after release 2
 * (a newer partition with updated and new works, deleted_ids.csv) only the new partition is read,
 * newer copies replace older ones and the deleted works are retired; a refresh with nothing new
 * changes nothing. Expected numbers come from the fixture's records, not from the code under test.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, InvariantError } from '../../src/errors.js';
import { completenessOf } from '../../src/pipeline/completeness.js';
import { refreshFromSnapshot } from '../../src/pipeline/refresh-snapshot.js';
import type { Effects } from '../../src/effects/effects.js';
import { quietEffects } from '../../src/effects/effects.js';
import { Store } from '../../src/store/store.js';
import { runCliInProcess } from '../support/cli.js';
import { sqlRows } from '../support/store-sql.js';
import {
  FIRST,
  NOT_HELD,
  RELEASE_1,
  RELEASE_2,
  buildFixture,
  countsByYearCountry,
  dumpStore,
  expectedWorks,
  rawCountries,
  short,
  tempRoot,
  writeRelease,
  type RawWork,
} from '../support/snapshot-release.js';

const fixture = buildFixture();
const COUNTRIES = ['US', 'CN'];

async function withStore<T>(db: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(db, { threads: 2 });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Works per `year country` as stored, from the stored authorships. */
async function storedCounts(store: Store): Promise<Map<string, number>> {
  const works: { year: number; countries: Set<string> }[] = [];
  for await (const w of store.iterateWorks()) works.push({ year: w.year, countries: new Set(w.authorships.flatMap((a) => a.countries ?? a.institutionCountries).filter((c): c is string => c !== null)) });
  return countsByYearCountry(works, COUNTRIES);
}

function expectedCounts(held: Map<string, RawWork>): Map<string, number> {
  return countsByYearCountry([...held.values()].map((w) => ({ year: w.publication_year, countries: rawCountries(w) })), COUNTRIES);
}

async function storedIds(store: Store): Promise<string[]> {
  return (await sqlRows(store, 'select work_id from works order by work_id')).map((r) => String(r.work_id));
}

async function retired(store: Store): Promise<{ work_id: string; reason: string }[]> {
  return (await sqlRows(store, "select work_id, reason from rejects where kind = 'retired' order by work_id")) as { work_id: string; reason: string }[];
}

/** The change per `year country` from `a` to `b`, zeros left out. */
function change(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const d = (b.get(k) ?? 0) - (a.get(k) ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

describe('refresh from a snapshot folder (2026 layout)', () => {
  it('reads release 1 in full, then only release 2\'s new partition and deleted_ids.csv, then nothing', async () => {
    const root = tempRoot();
    const db = join(root, 'store', 'medai.duckdb');
    writeRelease(root, fixture.release1);
    const held1 = expectedWorks([fixture.release1]);
    const held2 = expectedWorks([fixture.release1, fixture.release2]);
    // The fixture itself: what release 2 should do, counted from the records.
    expect(held1.size).toBe(FIRST);
    expect(held2.size).toBe(FIRST + fixture.newIds.length - fixture.deletedIds.length);
    expect(held2.size).toBe(2265);

    const first = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    expect(first).toMatchObject({ source: 'snapshot', changed: true, usdSpent: 0, dataDate: RELEASE_1, detail: { mode: 'full', worksAfter: FIRST } });
    expect(first.steps[0]).toBe('the store holds no data set: reading the snapshot in full');
    expect(first.steps[1]).toBe(`read updated_date=${RELEASE_1} (2 files, ${FIRST} records)`);
    const counts1 = await withStore(db, async (s) => {
      expect(await storedIds(s)).toEqual([...held1.keys()].sort());
      expect((await completenessOf(s)).state).toBe('complete');
      return storedCounts(s);
    });
    expect(counts1).toEqual(expectedCounts(held1));

    // Nothing new: nothing is written.
    const before = await withStore(db, dumpStore);
    const again = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    expect(again).toMatchObject({ changed: false, dataDate: RELEASE_1, steps: [`no partition newer than updated_date=${RELEASE_1}; no deleted_ids.csv`] });
    expect(await withStore(db, dumpStore)).toBe(before);

    writeRelease(root, fixture.release2);
    const warnings: string[] = [];
    const effects: Effects = { ...quietEffects, warn: (m) => warnings.push(m) };
    const second = await withStore(db, (s) => refreshFromSnapshot(s, [root], effects));
    expect(warnings).toEqual([]);
    expect(second.changed).toBe(true);
    expect(second.dataDate).toBe(RELEASE_2);
    expect(second.detail).toMatchObject({
      mode: 'incremental',
      newestPartitionRead: RELEASE_1,
      deletedIds: { listed: fixture.deletedIds.length + NOT_HELD.length, held: fixture.deletedIds.length },
      worksBefore: FIRST,
      worksAfter: 2265,
      retired: fixture.deletedIds.length,
    });
    // Only the new partition was read.
    expect((second.detail.filesRead as { path: string; reason: string }[]).map((f) => [f.path.slice(root.length + 1), f.reason])).toEqual([
      [`data/jsonl/works/updated_date=${RELEASE_2}/part_0000.gz`, 'newer partition'],
    ]);
    const partition2 = fixture.movedYear.length + fixture.addedCn.length + fixture.newIds.length;
    expect(second.steps).toEqual([
      `read updated_date=${RELEASE_2} (1 file, ${partition2} records), newer than updated_date=${RELEASE_1}`,
      `deleted_ids.csv: 30 works listed as deleted by OpenAlex, 25 of them held and set aside as retired, 5 not held`,
      `works stored: ${FIRST} before, 2265 after (25 set aside as retired)`,
    ]);

    const counts2 = await withStore(db, async (s) => {
      expect(await storedIds(s)).toEqual([...held2.keys()].sort());
      expect((await retired(s)).map((r) => r.work_id)).toEqual([...fixture.deletedIds].sort());
      expect((await retired(s)).every((r) => /^deleted by OpenAlex on 2024-0[1-5]-15 \(deleted_ids\.csv\)$/.test(r.reason))).toBe(true);
      // Newer copies replaced older ones: a moved year, an added country.
      const moved = await s.getWork(fixture.movedYear[0]!);
      const original = fixture.all.find((w) => short(w.id) === fixture.movedYear[0])!;
      expect(moved?.year).toBe(original.publication_year + 1);
      expect(moved?.updatedDate?.slice(0, 10)).toBe(RELEASE_2);
      expect((await completenessOf(s)).state).toBe('complete');
      return storedCounts(s);
    });
    expect(counts2).toEqual(expectedCounts(held2));
    // The change per year for US and CN, both sides from the records: moved years, added CN, new works, deletions.
    expect(change(counts1, counts2)).toEqual(change(expectedCounts(held1), expectedCounts(held2)));
    const cnAdded = [...counts2].filter(([k]) => k.endsWith(' CN')).reduce((n, [, v]) => n + v, 0) - [...counts1].filter(([k]) => k.endsWith(' CN')).reduce((n, [, v]) => n + v, 0);
    const cnNew = fixture.newIds.filter((id) => rawCountries(held2.get(id)!).has('CN')).length;
    const cnDeleted = fixture.deletedIds.filter((id) => rawCountries(held1.get(id)!).has('CN')).length;
    expect(cnAdded).toBe(fixture.addedCn.length + cnNew - cnDeleted);

    // Release 2 again: nothing new, the same deleted_ids.csv: nothing changes, row for row.
    const before2 = await withStore(db, dumpStore);
    const third = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    expect(third).toMatchObject({ changed: false, dataDate: RELEASE_2, steps: [`no partition newer than updated_date=${RELEASE_2}; deleted_ids.csv unchanged`] });
    expect(await withStore(db, dumpStore)).toBe(before2);

    // The refreshed store is one classify and aggregate take as complete and covered.
    const classify = await runCliInProcess(['classify', '--db', db]);
    expect(classify.code, classify.stderr).toBe(0);
    const aggregate = await runCliInProcess(['aggregate', '--db', db, '--from', '2015', '--to', '2023', '--countries', 'US,CN']);
    expect(aggregate.code, aggregate.stderr).toBe(0);
  });

  it('a release that rewrote the old partition\'s files: they are read again, said so, and the result is the same', async () => {
    const root = tempRoot();
    const db = join(root, 'medai.duckdb');
    writeRelease(root, fixture.release1);
    await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    writeRelease(root, fixture.release2Rewritten);
    const warnings: string[] = [];
    const r = await withStore(db, (s) => refreshFromSnapshot(s, [root], { ...quietEffects, warn: (m) => warnings.push(m) }));
    expect(r.changed).toBe(true);
    expect((r.detail.filesRead as { reason: string }[]).map((f) => f.reason)).toEqual(['changed since read', 'changed since read', 'newer partition']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`updated_date=${RELEASE_1}/part_0000\\.gz changed since it was read \\(sha256 differs\\)`));
    const held2 = expectedWorks([fixture.release1, fixture.release2Rewritten]);
    await withStore(db, async (s) => {
      expect(await storedIds(s)).toEqual([...held2.keys()].sort());
      expect(await storedCounts(s)).toEqual(expectedCounts(held2));
      expect((await retired(s)).map((x) => x.work_id)).toEqual([...fixture.deletedIds].sort());
    });
  });

  it('an older partition not read before is read, and said so; a part the manifest lists missing on disk stops it (exit 5) before anything is written', async () => {
    const root = tempRoot();
    const db = join(root, 'medai.duckdb');
    writeRelease(root, fixture.release1);
    await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    const before = await withStore(db, dumpStore);

    writeRelease(root, fixture.release2, { extraListed: [`updated_date=${RELEASE_2}/part_0001.gz`] });
    const err = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvariantError);
    expect((err as InvariantError).exitCode).toBe(ExitCode.invariant);
    expect((err as Error).message).toContain(`1 part(s) listed in the snapshot manifest ${join(root, 'data', 'jsonl', 'works', 'manifest.json')} are not on disk: updated_date=${RELEASE_2}/part_0001.gz`);
    expect(await withStore(db, dumpStore)).toBe(before);

    // An older partition appears: read, with a warning.
    const older = { partitions: new Map([...fixture.release1.partitions, ['2023-12-01', [[{ ...fixture.all[FIRST]!, updated_date: '2023-12-01T00:00:00' }]]]]), deleted: null };
    writeRelease(root, older);
    const warnings: string[] = [];
    const r = await withStore(db, (s) => refreshFromSnapshot(s, [root], { ...quietEffects, warn: (m) => warnings.push(m) }));
    expect(r.changed).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/updated_date=2023-12-01\/part_0000\.gz is in updated_date=2023-12-01, not newer than the newest partition read \(updated_date=2024-01-01\), and was not read before: reading it$/)]);
    expect(r.detail).toMatchObject({ worksBefore: FIRST, worksAfter: FIRST + 1 });
  });

  it('a part read with another record count than the manifest lists stops it (exit 5) naming the part; the data set stays incomplete until a refresh reads it whole', async () => {
    const root = tempRoot();
    const db = join(root, 'medai.duckdb');
    writeRelease(root, fixture.release1);
    await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    const part = `updated_date=${RELEASE_2}/part_0000.gz`;
    const n = fixture.release2.partitions.get(RELEASE_2)![0]!.length;
    writeRelease(root, fixture.release2, { manifestCounts: { [part]: n + 1 } });
    const err = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvariantError);
    expect((err as Error).message).toMatch(new RegExp(`snapshot part \\S*${part.replace(/[.=]/g, '\\$&')} holds ${n} records, but the manifest \\S+ lists ${n + 1}`));
    await withStore(db, async (s) => {
      const c = await completenessOf(s);
      expect(c.state).toBe('incomplete');
      expect(c.state === 'incomplete' ? c.reason : '').toContain(`${n} records read, the manifest lists ${n + 1}`);
    });
    // The manifest (or the part) put right: the next refresh reads the part again and finishes.
    writeRelease(root, fixture.release2);
    const r = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    expect(r.changed).toBe(true);
    const held2 = expectedWorks([fixture.release1, fixture.release2]);
    await withStore(db, async (s) => {
      expect((await completenessOf(s)).state).toBe('complete');
      expect(await storedIds(s)).toEqual([...held2.keys()].sort());
      expect((await retired(s)).map((x) => x.work_id)).toEqual([...fixture.deletedIds].sort());
    });
  });

  it('a refresh stopped midway leaves the data set incomplete, and the next one converges to an uninterrupted refresh', async () => {
    const split = { partitions: new Map([...fixture.release2.partitions].map(([d, parts]) => [d, d === RELEASE_2 ? [parts[0]!.slice(0, 150), parts[0]!.slice(150)] : parts])), deleted: fixture.release2.deleted };
    const plain = tempRoot();
    writeRelease(plain, fixture.release1);
    const plainDb = join(plain, 'medai.duckdb');
    await withStore(plainDb, (s) => refreshFromSnapshot(s, [plain], quietEffects));
    writeRelease(plain, split);
    await withStore(plainDb, (s) => refreshFromSnapshot(s, [plain], quietEffects));

    const root = tempRoot();
    writeRelease(root, fixture.release1);
    const db = join(root, 'medai.duckdb');
    await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    writeRelease(root, split);
    // Stopped as the second part of the new partition begins: the first is committed.
    const stopping: Effects = {
      ...quietEffects,
      log: (m) => {
        if (m.endsWith(`updated_date=${RELEASE_2}/part_0001.gz`)) throw new Error('stopped');
      },
    };
    await expect(withStore(db, (s) => refreshFromSnapshot(s, [root], stopping))).rejects.toThrow('stopped');
    await withStore(db, async (s) => {
      expect((await completenessOf(s)).state).toBe('incomplete');
      expect(await storedIds(s)).toContain(short(split.partitions.get(RELEASE_2)![0]![0]!.id));
    });
    const classify = await runCliInProcess(['classify', '--db', db]);
    expect(classify.code).toBe(ExitCode.usage);
    expect(classify.stderr).toContain('incomplete');

    const resumed = await withStore(db, (s) => refreshFromSnapshot(s, [root], quietEffects));
    expect(resumed.changed).toBe(true);
    expect((resumed.detail.filesRead as { path: string }[]).map((f) => f.path.slice(root.length + 1))).toEqual([`data/jsonl/works/updated_date=${RELEASE_2}/part_0001.gz`]);
    const rows = async (d: string): Promise<unknown> =>
      withStore(d, async (s) => ({ works: await sqlRows(s, 'select work_id, year, updated_date from works order by work_id'), retired: await retired(s), complete: (await completenessOf(s)).state }));
    expect(await rows(db)).toEqual(await rows(plainDb));
  });
});
