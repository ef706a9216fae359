/**
 * The duckdb snapshot reader (src/pipeline/ingest-duckdb.ts) against the node reader, on the real
 * records: the same counts (both country policies, with and without --merge-versions), the same
 * rejects with real line numbers when damaged lines send a part to the node reader's fallback, the
 * same newest copy of works read twice across files, deleted_ids.csv applied, a manifest mismatch
 * stopping a verified load (exit 5), no abstracts stored, the compact store's guards, and a kill -9
 * during the read leaving the data set incomplete until the next run finishes it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { quietEffects } from '../../src/effects/effects.js';
import { ExitCode } from '../../src/errors.js';
import { ingestSnapshotDuckdb, partProgressLine } from '../../src/pipeline/ingest-duckdb.js';
import { chooseReader } from '../../src/pipeline/reader.js';
import { CLASSIFIED_ORDER, Store } from '../../src/store/store.js';
import { runCliInProcess, spawnCli } from '../support/cli.js';
import { readJsonLineTexts } from '../support/openalex-data.js';
import { WORKS_FILE } from '../support/paths.js';
import { RELEASE_1, buildFixture, partPath, tempRoot, writeRelease, type RawWork, type Release } from '../support/snapshot-release.js';
import { sqlRows, writeRealRecordsParquet } from '../support/store-sql.js';
import { seededRandom } from '../../src/random.js';

const KEYWORDS = 'data/keywords';

async function rows(db: string, sql: string): Promise<string> {
  const store = await Store.open(db);
  try {
    return JSON.stringify(await sqlRows(store, sql), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } finally {
    store.close();
  }
}

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runCliInProcess(args);
  expect(r.stderr).not.toMatch(/unexpected error/);
  return r;
}

const counts = async (db: string, extra: string[] = []): Promise<string> => {
  const r = await cli(['aggregate', '--db', db, '--from', '1990', '--to', '2024', '--countries', 'US,CN,GB,DE,HK,TW', ...extra]);
  expect(r.code).toBe(0);
  return r.stdout;
};

/** The rejects as toBatch writes them, in a fixed order. */
const REJECTS = 'select kind, origin, work_id, reason, raw from rejects order by all';
/** The works a count depends on (no abstracts in a compact store), and their classifications. */
const WORKS = 'select work_id, year, title, type, language, updated_date, origin, authors_truncated from works order by work_id';
const CLASSIFIED = 'select * from classified order by work_id';

describe('the duckdb reader on the real records', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempRoot('medai-duckdb-real-');
    for (const read of ['node', 'duckdb']) {
      const r = await cli(['run', '--snapshot', WORKS_FILE, '--read', read, '--db', join(dir, `${read}.duckdb`), '--out', join(dir, `out-${read}`)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`snapshot reader: ${read} (--read ${read})`);
      if (read === 'duckdb') expect(r.stderr).toMatch(/classify: the duckdb reader classified these works as it read them/);
    }
  }, 240_000);

  it('gives the node reader\'s counts.csv, rejects and classifications; with --merge-versions too', async () => {
    const node = join(dir, 'node.duckdb');
    const duck = join(dir, 'duckdb.duckdb');
    expect(statSync(join(dir, 'out-duckdb', 'counts.csv')).size).toBeGreaterThan(0);
    expect(await rows(duck, REJECTS)).toBe(await rows(node, REJECTS));
    expect(await rows(duck, CLASSIFIED)).toBe(await rows(node, CLASSIFIED));
    expect(await counts(duck)).toBe(await counts(node));
    expect(await counts(duck, ['--merge-versions'])).toBe(await counts(node, ['--merge-versions']));
  }, 120_000);

  it('lays classified out by verdict and year (CLASSIFIED_ORDER), from either reader and either engine', async () => {
    const layout = 'select is_medical_ai, year, work_id from classified';
    const inOrder = (db: string): Promise<string> => rows(db, `${layout} order by ${CLASSIFIED_ORDER.join(', ')}`);
    // rowid: the order the rows were written in.
    const asWritten = (db: string): Promise<string> => rows(db, `${layout} order by rowid`);
    const duck = join(dir, 'duckdb.duckdb');
    const node = join(dir, 'node.duckdb');
    expect(await asWritten(duck)).toBe(await inOrder(duck));
    expect(await asWritten(node)).toBe(await inOrder(node));
    const sql = join(dir, 'sql-engine.duckdb');
    copyFileSync(node, sql);
    const r = await cli(['classify', '--db', sql, '--engine', 'sql']);
    expect(r.code, r.stderr).toBe(0);
    expect(await asWritten(sql)).toBe(await inOrder(sql));
    // Not already in that order by accident: the works are stored by id.
    expect(await rows(node, `${layout} order by work_id`)).not.toBe(await inOrder(node));
  }, 120_000);

  it('with another country policy: classify reads the snapshot again, and the counts are the node reader\'s', async () => {
    const node = join(dir, 'node.duckdb');
    const duck = join(dir, 'duckdb.duckdb');
    for (const db of [node, duck]) {
      const r = await cli(['classify', '--db', db, '--country-policy', 'fold-hk-mo']);
      expect(r.code, r.stderr).toBe(0);
      if (db === duck) expect(r.stderr).toMatch(/reads the snapshot again/);
    }
    expect(await counts(duck, ['--merge-versions'])).toBe(await counts(node, ['--merge-versions']));
    expect(await rows(duck, CLASSIFIED)).toBe(await rows(node, CLASSIFIED));
  }, 240_000);

  it('stores no abstracts, authorships or MeSH (bytes per work reported)', async () => {
    const duck = join(dir, 'duckdb.duckdb');
    expect(await rows(duck, 'select count(*)::integer as n from works where abstract is not null or authorships is not null or mesh is not null')).toBe('[{"n":0}]');
    expect(await rows(duck, 'select count(*)::integer as n from works where slice_countries is null')).toBe('[{"n":0}]');
    const works = 2290;
    // Informational: the compact store against the full one, per work (WAL checkpointed at close).
    console.log(`bytes per work: duckdb ${(statSync(duck).size / works).toFixed(0)}, node ${(statSync(join(dir, 'node.duckdb')).size / works).toFixed(0)}`);
  });

  it('reads again alone, not with the node reader, a part that ran out of DuckDB\'s memory beside others', async () => {
    // Four copies of the real records read at once under 40 MB each: together they need more than
    // the 160 MB (three of four ran out in every trial), alone less. Read again alone once the
    // others are done, none goes to the node reader (before, the three did), and the rows are those
    // of one copy read on its own.
    const four = join(dir, 'four');
    mkdirSync(four, { recursive: true });
    for (let i = 0; i < 4; i++) copyFileSync(WORKS_FILE, join(four, `part_000${i}.gz`));
    const rules = await loadKeywordRules(KEYWORDS);
    const logs: string[] = [];
    const read = async (db: string, specs: string[], options: Parameters<typeof ingestSnapshotDuckdb>[5]) => {
      const store = await Store.open(join(dir, db));
      try {
        return await ingestSnapshotDuckdb(store, specs, rules, 'separate', { ...quietEffects, log: (m: string) => logs.push(m) }, options);
      } finally {
        store.close();
      }
    };
    const together = await read('four.duckdb', [four], { parallel: 4, memoryPerPartMb: 40 });
    expect(together.fellBack).toEqual([]);
    expect(together.recordsRead).toBe(4 * 2290);
    await read('one.duckdb', [WORKS_FILE], {});
    expect(await rows(join(dir, 'four.duckdb'), CLASSIFIED)).toBe(await rows(join(dir, 'one.duckdb'), CLASSIFIED));
    // Each part read once to its end, whichever way it went.
    expect(logs.filter((l) => /^read .*part_000\d\.gz: 2290 records in/.test(l))).toHaveLength(4);
  }, 60_000);

  it('refuses evaluate and --compare-keywords on a compact store, naming --snapshot', async () => {
    const duck = join(dir, 'duckdb.duckdb');
    const ev = await cli(['evaluate', '--db', duck, '--report', join(dir, 'evaluation.md')]);
    expect(ev.code).toBe(ExitCode.usage);
    expect(ev.stderr).toMatch(/evaluate needs the works' abstracts.*--read duckdb/s);
    expect(ev.stderr).toContain(`medai-trends evaluate --snapshot ${WORKS_FILE}`);
    const cmp = await cli(['classify', '--db', duck, '--compare-keywords', 'data/keywords-strict']);
    expect(cmp.code).toBe(ExitCode.usage);
    expect(cmp.stderr).toMatch(/--compare-keywords .*--read node/s);
    const early = await cli(['run', '--snapshot', WORKS_FILE, '--read', 'duckdb', '--db', join(dir, 'x.duckdb'), '--compare-keywords', 'data/keywords-strict']);
    expect(early.code).toBe(ExitCode.usage);
  }, 60_000);
});

describe('--read auto', () => {
  const part = (bytes: number, path = 'part_0000.gz'): { bytes: number; path: string } => ({ bytes, path });

  it('reads with DuckDB only when the files total more than 1 GB, or when any is Parquet; --read node refuses Parquet', () => {
    expect(chooseReader('auto', [part(600_000_000), part(400_000_000)]).read).toBe('node');
    expect(chooseReader('auto', [part(600_000_000), part(400_000_001)])).toEqual({ read: 'duckdb', why: '--read auto: the files total 1.00 GB, more than 1 GB' });
    expect(chooseReader('node', [part(5e9)]).read).toBe('node');
    expect(chooseReader('auto', [part(10), part(10, 'w/part_0001.snappy.parquet')]).read).toBe('duckdb');
    expect(() => chooseReader('node', [part(10), part(10, 'w/part_0001.snappy.parquet')])).toThrow(/--read node reads JSON only, and w\/part_0001\.snappy\.parquet is a Parquet part/);
  });

  it('a folder of Parquet parts: read by the duckdb reader with the counts of the JSON Lines; --read node exits 2 naming the part', async () => {
    const root = tempRoot('medai-parquet-folder-');
    const works = join(root, 'data', 'parquet', 'works');
    const partition = join(works, 'updated_date=2026-06-01');
    mkdirSync(partition, { recursive: true });
    const parquet = join(partition, 'part_0000.snappy.parquet');
    // Two parts holding the same works (read side by side from 2 cores): each work once, its copy read first kept.
    const store = await Store.open(':memory:');
    try {
      await writeRealRecordsParquet(store, parquet);
      await writeRealRecordsParquet(store, join(partition, 'part_0001.snappy.parquet'));
    } finally {
      store.close();
    }
    const fromParquet = await cli(['fetch', '--snapshot', works, '--db', join(root, 'parquet.duckdb')]);
    expect(fromParquet.code, fromParquet.stderr).toBe(0);
    expect(fromParquet.stderr).toContain('snapshot reader: duckdb (--read auto: the snapshot has Parquet parts, which only the duckdb reader reads)');
    expect(fromParquet.stderr).toContain('read 4580 records from 2 file(s)');
    expect(fromParquet.stderr).toContain('4580 records from 2 part(s), 2290 distinct works');
    const fromJson = await cli(['fetch', '--snapshot', WORKS_FILE, '--read', 'duckdb', '--db', join(root, 'jsonl.duckdb')]);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    expect(await counts(join(root, 'parquet.duckdb'))).toBe(await counts(join(root, 'jsonl.duckdb')));
    // A damaged part beside them (its footer cut off): exit 2 naming it, the data set incomplete.
    const cut = join(partition, 'part_0002.snappy.parquet');
    writeFileSync(cut, readFileSync(parquet).subarray(0, 4096));
    const damaged = await cli(['fetch', '--snapshot', works, '--db', join(root, 'damaged.duckdb')]);
    expect(damaged.code, damaged.stderr).toBe(ExitCode.usage);
    expect(damaged.stderr).toContain(`snapshot: cannot read ${cut}: No magic bytes found at end of file`);
    expect(damaged.stderr).toContain('Stored: the 2 part(s) read to their end (2290 distinct works). The data set is marked incomplete');
    rmSync(cut);
    // Read as text, the Parquet bytes once made a million records that are not JSON, and exit 0.
    const node = await cli(['fetch', '--snapshot', works, '--read', 'node', '--db', join(root, 'node.duckdb')]);
    expect(node.code).toBe(ExitCode.usage);
    expect(node.stderr).toContain(`--read node reads JSON only, and ${parquet} is a Parquet part`);
  }, 120_000);
});

/** The fixture's records without abstracts, so the reader's SQL (not its fallback) reads them. */
function withoutAbstracts(release: Release): Release {
  const strip = (w: RawWork): RawWork => ({ ...w, abstract_inverted_index: null });
  return { ...release, partitions: new Map([...release.partitions].map(([d, parts]) => [d, parts.map((p) => p.map(strip))])) };
}

describe('the duckdb reader on a two-partition snapshot', () => {
  const fixture = buildFixture();
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = tempRoot('medai-duckdb-snap-');
    dir = tempRoot('medai-duckdb-db-');
    const release = withoutAbstracts(fixture.release2);
    // A copy with release 1's updated_date in the newer partition: a tie, which the copy read first wins.
    const tied = { ...release.partitions.get(RELEASE_1)![0]![5]!, title: 'A tied copy read later' };
    const newer = [...release.partitions.entries()].at(-1)!;
    newer[1][0] = [...newer[1][0]!, tied];
    // One record SQL marks `precise` (a lower-case country code, repaired with a note): the node
    // reader reads that line alone, and SQL the rest of its part.
    const first = release.partitions.get(RELEASE_1)![0]!;
    first[2] = { ...first[2]!, authorships: [...(first[2]!.authorships ?? []), { countries: ['us'], institutions: [] }] };
    writeRelease(root, release);
    // Damaged lines mixed into one part: DuckDB cannot read it, the node reader's fallback names the lines.
    const damaged = partPath(root, RELEASE_1, 1);
    const lines = release.partitions.get(RELEASE_1)![1]!.map((w) => JSON.stringify(w));
    lines.splice(3, 0, '{"id": "https://openalex.org/W9", "publication_year": 20');
    lines.splice(10, 0, 'not json at all');
    writeFileSync(damaged, gzipSync(`${lines.join('\n')}\n`));
    for (const read of ['node', 'duckdb']) {
      const r = await cli(['fetch', '--snapshot', root, '--read', read, '--db', join(dir, `${read}.duckdb`)]);
      expect(r.code, r.stderr).toBe(0);
      if (read === 'duckdb') {
        expect(r.stderr).toMatch(/part_0001\.gz: read by the node reader \(DuckDB could not read it/);
        expect(r.stderr).toMatch(/^read .*part_0001\.gz: 1002 records in [0-9.]+ s \(\d of \d parts, \d+% of the bytes/m);
        // Which other parts SQL reads depends on DuckDB's memory at the moment (an out-of-memory read
        // goes to the node reader too); the rows are the same either way, which is what is compared.
        expect(r.stderr).toMatch(/read by the node reader\)/);
      }
    }
  }, 240_000);

  it('keeps the node reader\'s newest copies (ties: the first read), applies deleted_ids.csv, and sets aside the same lines', async () => {
    const node = join(dir, 'node.duckdb');
    const duck = join(dir, 'duckdb.duckdb');
    expect(await rows(duck, WORKS)).toBe(await rows(node, WORKS));
    expect(await rows(duck, REJECTS)).toBe(await rows(node, REJECTS));
    expect(await rows(duck, REJECTS)).toMatch(/part_0001\.gz:4".*not JSON/);
    expect(await rows(duck, REJECTS)).toMatch(/updated_date=2024-01-01\/part_0000\.gz:3","work_id":"W[0-9]+","reason":"country code upper-cased/);
    expect(await rows(duck, "select count(*)::integer as n from rejects where kind = 'retired'")).toBe(await rows(node, "select count(*)::integer as n from rejects where kind = 'retired'"));
    expect(await rows(duck, "select count(*)::integer as n from works where title = 'A tied copy read later'")).toBe('[{"n":0}]');
    const cls = await cli(['classify', '--db', node]);
    expect(cls.code).toBe(0);
    expect(await rows(duck, CLASSIFIED)).toBe(await rows(node, CLASSIFIED));
    expect(await counts(duck)).toBe(await counts(node));
  }, 120_000);

  it('reads a part slice by slice (OpenAlex writes up to 400,000 records a part): any slice size gives the same rows', async () => {
    const store = await Store.open(join(dir, 'slices.duckdb'));
    try {
      const rules = await loadKeywordRules(KEYWORDS);
      // Parts of 1,000 records in slices of 300: the record SQL marks `precise` sits in the first slice
      // and is read by the node reader once the part's slices are staged.
      const read = await ingestSnapshotDuckdb(store, [root], rules, 'separate', quietEffects, { sliceLines: 300 });
      expect(read.fellBack.map((p) => p.split('/').slice(-2).join('/'))).toContain(`updated_date=${RELEASE_1}/part_0001.gz`);
    } finally {
      store.close();
    }
    const sliced = join(dir, 'slices.duckdb');
    const duck = join(dir, 'duckdb.duckdb');
    for (const sql of [WORKS, REJECTS, CLASSIFIED]) expect(await rows(sliced, sql)).toBe(await rows(duck, sql));
    expect(await rows(sliced, REJECTS)).toMatch(/updated_date=2024-01-01\/part_0000\.gz:3","work_id":"W[0-9]+","reason":"country code upper-cased/);
  }, 120_000);

  it('a part read with another record count than the manifest\'s stops a verified load (exit 5), naming it; the data set stays incomplete', async () => {
    const bad = tempRoot('medai-duckdb-manifest-');
    writeRelease(bad, withoutAbstracts(fixture.release1), { manifestCounts: { [`updated_date=${RELEASE_1}/part_0001.gz`]: 999 } });
    const store = await Store.open(join(dir, 'manifest.duckdb'));
    try {
      const rules = await loadKeywordRules(KEYWORDS);
      await expect(ingestSnapshotDuckdb(store, [bad], rules, 'separate', quietEffects, { verify: true })).rejects.toMatchObject({
        exitCode: ExitCode.invariant,
        message: expect.stringMatching(/part_0001\.gz holds 1000 records, but the manifest .* lists 999/),
      });
    } finally {
      store.close();
    }
    const agg = await cli(['aggregate', '--db', join(dir, 'manifest.duckdb')]);
    expect(agg.code).toBe(ExitCode.usage);
    expect(agg.stderr).toMatch(/incomplete/);
  }, 60_000);

  it('kill -9 during the read leaves the data set incomplete; the next run finishes it', async () => {
    const db = join(dir, 'killed.duckdb');
    const args = ['fetch', '--snapshot', root, '--read', 'duckdb', '--db', db];
    const child = spawnCli(args);
    // A seeded moment after the read began (the store emptied and marked incomplete).
    const delay = Math.floor(seededRandom(20261201)() * 300);
    await new Promise<void>((resolve) => {
      let seen = '';
      child.child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (/reading .*part_/.test(seen)) setTimeout(resolve, delay);
      });
      void child.done.then(() => resolve());
    });
    child.kill();
    const killed = await child.done;
    expect(killed.signal).toBe('SIGKILL');
    const agg = await cli(['aggregate', '--db', db]);
    expect(agg.code).toBe(ExitCode.usage);
    expect(agg.stderr).toMatch(/incomplete/);
    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(await rows(db, WORKS)).toBe(await rows(join(dir, 'duckdb.duckdb'), WORKS));
    expect(await counts(db)).toBe(await counts(join(dir, 'duckdb.duckdb')));
  }, 180_000);
});

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a stopped duckdb read resumes', () => {
  it('keeps the parts it committed when one could not be read, reads only the rest once it is replaced, and gives the clean run\'s rows', async () => {
    const fixture = buildFixture();
    const root = tempRoot('medai-duckdb-resume-');
    const dir = tempRoot('medai-duckdb-resume-db-');
    writeRelease(root, withoutAbstracts(fixture.release2));
    const clean = join(dir, 'clean.duckdb');
    const db = join(dir, 'resumed.duckdb');
    expect((await cli(['fetch', '--snapshot', root, '--read', 'duckdb', '--db', clean])).code).toBe(0);
    const part = partPath(root, RELEASE_1, 0);
    const whole = readFileSync(part);
    // A download cut short: neither DuckDB nor the node reader can read the part to its end.
    writeFileSync(part, whole.subarray(0, Math.floor(whole.length / 2)));
    const args = ['fetch', '--snapshot', root, '--read', 'duckdb', '--db', db];
    const failed = await cli(args);
    expect(failed.code).toBe(ExitCode.usage);
    expect(failed.stderr).toMatch(/cannot read .*part_0000\.gz/);
    const committed = JSON.parse(await rows(db, 'select count(*)::integer as n from compact_parts')) as { n: number }[];
    expect(committed[0]!.n).toBeGreaterThan(0);
    // What was read is kept, as the node reader keeps it: the parts read whole, and the cut part's
    // records before the cut (committed with a compact_cut row), usable with --allow-incomplete.
    const stored = failed.stderr.match(/Stored: the (\d+) part\(s\) read to their end and the (\d+) record\(s\) read from the others before they stopped \((\d+) distinct works\)/);
    expect(stored, failed.stderr).not.toBeNull();
    expect(Number(stored![1])).toBe(committed[0]!.n);
    const cut = JSON.parse(await rows(db, 'select records::integer as n, read_to from compact_cut')) as { n: number; read_to: string }[];
    expect(cut).toHaveLength(1);
    expect(cut[0]!.n).toBe(Number(stored![2]));
    expect(cut[0]!.n).toBeGreaterThan(0);
    expect(cut[0]!.read_to).toBe(`${part}:${cut[0]!.n}`);
    expect(await rows(db, 'select count(*)::integer as n from works')).toBe(`[{"n":${stored![3]}}]`);
    expect(await rows(db, 'select count(*)::integer as n from classified')).toBe(`[{"n":${stored![3]}}]`);
    const partial = await cli(['aggregate', '--db', db, '--allow-incomplete']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stderr).toMatch(new RegExp(`part_0000\\.gz was cut off after ${cut[0]!.n} records`));
    // Another country policy classifies differently: its read starts over.
    const other = await cli([...args, '--country-policy', 'fold-hk-mo']);
    expect(other.code).toBe(ExitCode.usage);
    expect(other.stderr).not.toMatch(/resuming/);
    const same = await cli(args);
    expect(same.stderr).not.toMatch(/resuming/);
    // Every part, as the run that started over read them.
    const parts = same.stderr.match(/reading .*part_/g)?.length ?? 0;
    // Each part is hashed as it is read: the hash its row keeps is its content's.
    const recorded = JSON.parse(await rows(db, 'select path, sha256 from compact_parts order by path')) as { path: string; sha256: string }[];
    expect(recorded.length).toBe(committed[0]!.n);
    for (const r of recorded) expect(r.sha256).toBe(sha256(r.path));
    // Parts changed in place, their sizes kept (a gzip header's time rewritten): the read starts over.
    for (const r of recorded) {
      const bytes = readFileSync(r.path);
      bytes.writeUInt32LE(bytes.readUInt32LE(4) + 1, 4);
      writeFileSync(r.path, bytes);
    }
    const changed = await cli(args);
    expect(changed.code).toBe(ExitCode.usage);
    expect(changed.stderr).not.toMatch(/resuming/);
    expect(changed.stderr.match(/reading .*part_/g)).toHaveLength(parts);
    const kept = (JSON.parse(await rows(db, 'select count(*)::integer as n from compact_parts')) as { n: number }[])[0]!.n;
    expect(kept).toBe(recorded.length);
    writeFileSync(part, whole);
    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`resuming: ${kept} of ${parts} part\\(s\\) were read to their end`));
    expect(again.stderr.match(/reading .*part_/g)).toHaveLength(parts - kept);
    // The cut part's records kept before were dropped when it was read again: nothing counted twice.
    const COUNTERS = 'select * from counters order by all';
    for (const q of [WORKS, REJECTS, CLASSIFIED, COUNTERS]) expect(await rows(db, q)).toBe(await rows(clean, q));
    expect(await rows(db, 'select count(*)::integer as n from compact_cut')).toBe('[{"n":0}]');
    expect(await counts(db)).toBe(await counts(clean));
    // Finished: a later run of the same command reads everything again.
    const fresh = await cli(args);
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).not.toMatch(/resuming/);
  }, 240_000);
});

// The real corpus is read by path, never copied: the count of its lines checks the fixture is whole.
it('logs each part as it is read, with the time the rest may take at the pace of the bytes so far', () => {
  const base = { part: 'works/updated_date=2026-06-01/part_0003.gz', seconds: 95.2, partsTotal: 1200, bytesTotal: 1200e9, elapsedSeconds: 3 * 3600 };
  // 100 of 1,200 GB in 3 h: 33 h for the 1,100 left.
  expect(partProgressLine({ ...base, records: 400000, partsDone: 100, bytesDone: 100e9 })).toBe(
    'read works/updated_date=2026-06-01/part_0003.gz: 400000 records in 95 s (100 of 1200 parts, 8% of the bytes, about 33 h 0 min left)',
  );
  expect(partProgressLine({ ...base, records: 0, cut: true, seconds: 0.42, partsDone: 1200, bytesDone: 1200e9 })).toBe(
    'read works/updated_date=2026-06-01/part_0003.gz: could not be read (1200 of 1200 parts, 100% of the bytes)',
  );
  expect(partProgressLine({ ...base, records: 1634, cut: true, seconds: 0.42, partsDone: 1200, bytesDone: 1200e9 })).toBe(
    'read works/updated_date=2026-06-01/part_0003.gz: cut off after 1634 records, which are kept (1200 of 1200 parts, 100% of the bytes)',
  );
  expect(partProgressLine({ ...base, records: 10, partsDone: 1, bytesDone: 600e9, elapsedSeconds: 754 })).toMatch(/50% of the bytes, about 13 min left\)$/);
});

it('the real corpus is there', () => {
  expect(readJsonLineTexts(WORKS_FILE).length).toBe(2290);
});
