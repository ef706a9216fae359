/**
 * The 2026 snapshot layout: `data/jsonl/works/updated_date=…/part_NNNN.gz`, manifests beside the
 * parts and per format, other entities' partitions beside the works, `deleted_ids.csv` at the
 * root or beside the works. Only works are read as works; deleted_ids.csv is read with a BOM,
 * CRLF and blank lines, and applied by `fetch --snapshot` too.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { findDeletedIdFiles, listSnapshotFiles, partitionDate, readDeletedIds } from '../../src/ingest/snapshot.js';
import { Store } from '../../src/store/store.js';
import { runCliInProcess } from '../support/cli.js';
import { sqlRows } from '../support/store-sql.js';
import { FIRST, NOT_HELD, RELEASE_1, RELEASE_2, buildFixture, expectedWorks, tempRoot, worksDir, writeRelease } from '../support/snapshot-release.js';

const fixture = buildFixture();

/** The rows of one deleted-id list, each origin cut to its line number. */
async function deletedRows(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of readDeletedIds({ path, bytes: statSync(path).size, gzipped: false })) out.push({ ...r, origin: r.origin.slice(r.origin.lastIndexOf(':') + 1) });
  return out;
}

describe('the 2026 snapshot layout', () => {
  it('walks a snapshot root to the works partitions only: not manifests, other entities, deleted_ids.csv', async () => {
    const root = tempRoot();
    writeRelease(root, fixture.release2);
    mkdirSync(join(root, 'data', 'parquet', 'works', `updated_date=${RELEASE_2}`), { recursive: true });
    writeFileSync(join(root, 'data', 'parquet', 'works', `updated_date=${RELEASE_2}`, 'part_0000.snappy.parquet'), 'PAR1');
    const rel = (files: { path: string }[]): string[] => files.map((f) => f.path.slice(root.length + 1));
    const parts = [`data/jsonl/works/updated_date=${RELEASE_1}/part_0000.gz`, `data/jsonl/works/updated_date=${RELEASE_1}/part_0001.gz`, `data/jsonl/works/updated_date=${RELEASE_2}/part_0000.gz`];
    expect(rel(await listSnapshotFiles([root]))).toEqual(parts);
    expect(rel(await listSnapshotFiles([worksDir(root)]))).toEqual(parts);
    // The Parquet folder alone is read as Parquet (the root above takes the JSON Lines copy).
    expect(rel(await listSnapshotFiles([join(root, 'data', 'parquet', 'works')]))).toEqual([`data/parquet/works/updated_date=${RELEASE_2}/part_0000.snappy.parquet`]);
    // An entity folder given by name is read as asked.
    expect(rel(await listSnapshotFiles([join(root, 'data', 'jsonl', 'authors')]))).toEqual([`data/jsonl/authors/updated_date=${RELEASE_1}/part_0000.gz`]);
    expect(partitionDate(join(root, parts[2]!))).toBe(RELEASE_2);
    expect(partitionDate(join(root, 'works.jsonl.gz'))).toBeNull();
  });

  it('finds deleted_ids.csv at the root from the root or from the works folder, and beside the works; not in another entity\'s folder', async () => {
    const root = tempRoot();
    writeRelease(root, fixture.release2);
    const rel = (files: { path: string }[]): string[] => files.map((f) => f.path.slice(root.length + 1));
    expect(rel(await findDeletedIdFiles([root]))).toEqual(['deleted_ids.csv']);
    expect(rel(await findDeletedIdFiles([worksDir(root)]))).toEqual(['deleted_ids.csv']);
    writeFileSync(join(worksDir(root), 'deleted_ids.csv'), 'work_id,deleted_date\n');
    writeFileSync(join(root, 'data', 'jsonl', 'authors', 'deleted_ids.csv'), 'work_id,deleted_date\n');
    expect(rel(await findDeletedIdFiles([root]))).toEqual(['data/jsonl/works/deleted_ids.csv', 'deleted_ids.csv']);
    expect(rel(await findDeletedIdFiles([worksDir(root)]))).toEqual(['data/jsonl/works/deleted_ids.csv', 'deleted_ids.csv']);
    // Files and globs name works only.
    expect(await findDeletedIdFiles([join(worksDir(root), `updated_date=${RELEASE_2}`, 'part_0000.gz')])).toEqual([]);
  });

  it('reads deleted_ids.csv past a BOM, CRLF and blank lines; a row without a work id is an error row; another header stops the read', async () => {
    const dir = tempRoot();
    const path = join(dir, 'deleted_ids.csv');
    writeFileSync(path, '\ufeffwork_id,deleted_date\r\n\r\nhttps://openalex.org/W11,2024-03-01\r\n\nW12,\nnot-an-id,2024-03-02\n"https://openalex.org/W13","2024-03-03"\n');
    expect(await deletedRows(path)).toEqual([
      { origin: '3', workId: 'W11', deletedDate: '2024-03-01' },
      { origin: '5', workId: 'W12', deletedDate: null },
      { origin: '6', error: 'deleted-id row without a work id', text: 'not-an-id,2024-03-02' },
      { origin: '7', workId: 'W13', deletedDate: '2024-03-03' },
    ]);
    writeFileSync(path, 'id,date\nW1,2024-01-01\n');
    await expect(deletedRows(path)).rejects.toThrow(UserError);
    await expect(deletedRows(path)).rejects.toThrow(/deleted_ids\.csv:1 is not a deleted-id list \(header work_id,deleted_date\)/);
  });

  it('fetch --snapshot <root> reads the works of both releases, keeps the newest copies and applies deleted_ids.csv (ids not held counted, not an error)', async () => {
    const root = tempRoot();
    writeRelease(root, fixture.release2);
    const db = join(root, 'medai.duckdb');
    const r = await runCliInProcess(['fetch', '--db', db, '--snapshot', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`deleted ids: ${fixture.deletedIds.length + NOT_HELD.length} works listed as deleted by OpenAlex, ${fixture.deletedIds.length} of them held and now set aside`);
    const records = FIRST + fixture.movedYear.length + fixture.addedCn.length + fixture.newIds.length;
    expect(r.stderr).toContain(`read ${records} records from 3 file(s)`);
    const held = expectedWorks([fixture.release2]);
    const store = await Store.open(db, { threads: 2 });
    try {
      const ids = (await sqlRows(store, 'select work_id from works order by work_id')).map((x) => String(x.work_id));
      expect(ids).toEqual([...held.keys()].sort());
      expect(ids).toHaveLength(2265);
      // Nothing but works was read: no reject from the author's part, a manifest or the id list.
      expect(await sqlRows(store, "select count(*)::integer as n from rejects where kind = 'rejected'")).toEqual([{ n: 0 }]);
      const retired = await sqlRows(store, "select work_id from rejects where kind = 'retired' order by work_id");
      expect(retired.map((x) => x.work_id)).toEqual([...fixture.deletedIds].sort());
      const [source] = await sqlRows(store, "select value from meta where key = 'source'");
      const recorded = JSON.parse(String(source?.value)) as { deletedIdFiles: { path: string }[]; roots: string[] };
      expect(recorded.deletedIdFiles.map((f) => f.path)).toEqual([join(root, 'deleted_ids.csv')]);
      expect(recorded.roots).toEqual([root]);
    } finally {
      store.close();
    }
  });

  it('fetch --snapshot warns of parts the manifest lists and the disk lacks, and reads on (reconcile names them)', async () => {
    const root = tempRoot();
    writeRelease(root, fixture.release1, { extraListed: [`updated_date=${RELEASE_1}/part_0002.gz`] });
    const db = join(root, 'medai.duckdb');
    const r = await runCliInProcess(['fetch', '--db', db, '--snapshot', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: 1 part(s) listed in the snapshot manifest ${join(worksDir(root), 'manifest.json')} are not on disk: updated_date=${RELEASE_1}/part_0002.gz`);
    expect(r.stderr).toContain(`read ${FIRST} records from 2 file(s)`);
  });

  it('leaves out, and names, work-like files beside the partitions (a report written under the root); the manifest still checks the parts', async () => {
    const root = tempRoot();
    writeRelease(root, fixture.release1, { extraListed: [`updated_date=${RELEASE_1}/part_0002.gz`] });
    // What `report --out <root>/report` writes, JSON among it; and a stray file at the root.
    mkdirSync(join(root, 'report'));
    writeFileSync(join(root, 'report', 'figure2.vl.json'), '{"$schema": "https://vega.github.io/schema/vega-lite/v5.json"}\n');
    writeFileSync(join(root, 'report', 'rejects.jsonl'), '{"origin":"x:1","reason":"missing id"}\n');
    writeFileSync(join(root, 'notes.json'), '[]\n');
    const strays: string[] = [];
    const rel = (paths: string[]): string[] => paths.map((p) => p.slice(root.length + 1)).sort();
    const files = await listSnapshotFiles([root], strays);
    expect(rel(files.map((f) => f.path))).toEqual([`data/jsonl/works/updated_date=${RELEASE_1}/part_0000.gz`, `data/jsonl/works/updated_date=${RELEASE_1}/part_0001.gz`]);
    expect(rel(strays)).toEqual(['notes.json', 'report/figure2.vl.json', 'report/rejects.jsonl']);
    // A folder of loose work files, with no partitions, is read whole, as before.
    expect(rel((await listSnapshotFiles([join(root, 'report')])).map((f) => f.path))).toEqual(['report/figure2.vl.json', 'report/rejects.jsonl']);
    for (const read of ['node', 'duckdb']) {
      const r = await runCliInProcess(['fetch', '--db', join(root, `${read}.duckdb`), '--snapshot', root, '--read', read]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('warning: 3 file(s) under the snapshot folder lie outside its works partitions');
      // Read as parts, the stray files also hid the manifest: its missing part went unreported.
      expect(r.stderr).toContain(`warning: 1 part(s) listed in the snapshot manifest ${join(worksDir(root), 'manifest.json')} are not on disk`);
      const store = await Store.open(join(root, `${read}.duckdb`));
      try {
        expect(await sqlRows(store, "select count(*)::integer as n from rejects where origin like '%report%' or origin like '%notes%'")).toEqual([{ n: 0 }]);
      } finally {
        await store.close();
      }
    }
  });
});
