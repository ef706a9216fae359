/**
 * A two-release OpenAlex snapshot folder in the 2026 layout, built in a temp dir from the real
 * records (never copied into the repo): `data/jsonl/works/updated_date=…/part_NNNN.gz`, the works'
 * `manifest.json`, the combined `data/jsonl/manifest.json`, another entity's partition beside the
 * works, and (release 2) `deleted_ids.csv` at the root. The expected works after each release are
 * computed here from the records themselves, not by the code under test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readJsonLineTexts } from './openalex-data.js';
import { WORKS_FILE } from './paths.js';
import { sqlRows } from './store-sql.js';
import type { Store } from '../../src/store/store.js';

export type RawWork = {
  id: string;
  publication_year: number;
  updated_date?: string;
  authorships?: { countries?: string[]; institutions?: { country_code?: string | null }[] }[];
} & Record<string, unknown>;

export const RELEASE_1 = '2024-01-01';
export const RELEASE_2 = '2024-06-01';
/** Works of release 1 (of the 2,290 real ones); the rest are new in release 2. */
export const FIRST = 2000;
/** Release 2's changes to release 1's works. */
export const MOVED_YEAR = 20;
export const ADDED_CN = 20;
export const DELETED = 25;
/** Ids deleted_ids.csv lists that no release holds (a ledger names works deleted long ago). */
export const NOT_HELD = ['W1', 'W2', 'W3', 'W4', 'W5'];

export const short = (id: string): string => id.replace('https://openalex.org/', '');

/** A work's affiliation countries, from the raw record (the 2023+ `countries`, else institutions'). */
export function rawCountries(w: RawWork): Set<string> {
  return new Set((w.authorships ?? []).flatMap((a) => a.countries ?? (a.institutions ?? []).map((i) => i.country_code ?? '')).filter((c) => c !== ''));
}

export interface Release {
  /** The works folder's partitions: date -> parts, each its works. */
  partitions: Map<string, RawWork[][]>;
  /** Ids deleted_ids.csv lists (short form), held or not; null: no such file. */
  deleted: string[] | null;
}

export interface Fixture {
  all: RawWork[];
  release1: Release;
  /** Release 1's files as they were, plus the new partition and deleted_ids.csv. */
  release2: Release;
  /** The same release with release 1's files rewritten without the works that changed or were deleted. */
  release2Rewritten: Release;
  /** The release-1 works release 2 changes, by kind, and the ones it deletes (short ids). */
  movedYear: string[];
  addedCn: string[];
  deletedIds: string[];
  newIds: string[];
}

const stamp = (date: string): string => `${date}T00:00:00.000000`;

export function buildFixture(): Fixture {
  const all = readJsonLineTexts(WORKS_FILE).map((l) => JSON.parse(l) as RawWork);
  const first = all.slice(0, FIRST).map((w) => ({ ...w, updated_date: stamp(RELEASE_1) }));
  const withUs = first.filter((w) => rawCountries(w).has('US'));
  const withoutCn = first.filter((w) => !rawCountries(w).has('CN') && rawCountries(w).size > 0);
  const movedYear = withUs.slice(0, MOVED_YEAR).map((w) => short(w.id));
  const addedCn = withoutCn.filter((w) => !movedYear.includes(short(w.id))).slice(0, ADDED_CN).map((w) => short(w.id));
  const changed = new Set([...movedYear, ...addedCn]);
  const deletedIds = first.filter((w) => !changed.has(short(w.id)) && rawCountries(w).size > 0).slice(-DELETED).map((w) => short(w.id));
  const updated: RawWork[] = first
    .filter((w) => changed.has(short(w.id)))
    .map((w) => {
      const copy: RawWork = { ...w, updated_date: stamp(RELEASE_2) };
      if (movedYear.includes(short(w.id))) copy.publication_year = w.publication_year + 1;
      else copy.authorships = [...(w.authorships ?? []), { countries: ['CN'], institutions: [{ country_code: 'CN' }] }];
      return copy;
    });
  const fresh = all.slice(FIRST).map((w) => ({ ...w, updated_date: stamp(RELEASE_2) }));
  const release1Parts = [first.slice(0, 1000), first.slice(1000)];
  // Release 2 as OpenAlex writes it since: a changed or deleted work also leaves its old
  // partition, whose files are then rewritten.
  const stayed = (part: RawWork[]): RawWork[] => part.filter((w) => !changed.has(short(w.id)) && !deletedIds.includes(short(w.id)));
  const deleted = [...deletedIds, ...NOT_HELD];
  return {
    all,
    release1: { partitions: new Map([[RELEASE_1, release1Parts]]), deleted: null },
    release2: { partitions: new Map([[RELEASE_1, release1Parts], [RELEASE_2, [[...updated, ...fresh]]]]), deleted },
    release2Rewritten: { partitions: new Map([[RELEASE_1, release1Parts.map(stayed)], [RELEASE_2, [[...updated, ...fresh]]]]), deleted },
    movedYear,
    addedCn,
    deletedIds,
    newIds: fresh.map((w) => short(w.id)),
  };
}

export function tempRoot(prefix = 'medai-snap2026-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const worksDir = (root: string): string => join(root, 'data', 'jsonl', 'works');
export const partPath = (root: string, date: string, n: number): string => join(worksDir(root), `updated_date=${date}`, `part_${String(n).padStart(4, '0')}.gz`);

/**
 * Writes `release` into `root`, replacing an earlier release's works folder as a sync of the bucket
 * does. `manifestCounts` overrides a part's record_count; `extraListed` lists parts not written.
 */
export function writeRelease(
  root: string,
  release: Release,
  options: { manifestCounts?: Record<string, number>; extraListed?: string[]; deletedCsv?: string } = {},
): void {
  const works = worksDir(root);
  // gzip output is the same for the same text, so a part written again keeps its sha256.
  rmSync(works, { recursive: true, force: true });
  const entries: { url: string; meta: { content_length: number; record_count: number } }[] = [];
  for (const [date, parts] of release.partitions) {
    mkdirSync(join(works, `updated_date=${date}`), { recursive: true });
    for (const [n, part] of parts.entries()) {
      const path = partPath(root, date, n);
      const rel = `updated_date=${date}/part_${String(n).padStart(4, '0')}.gz`;
      const bytes = gzipSync(`${part.map((w) => JSON.stringify(w)).join('\n')}\n`);
      writeFileSync(path, bytes);
      entries.push({ url: `s3://openalex/data/jsonl/works/${rel}`, meta: { content_length: bytes.length, record_count: options.manifestCounts?.[rel] ?? part.length } });
    }
  }
  for (const rel of options.extraListed ?? []) entries.push({ url: `s3://openalex/data/jsonl/works/${rel}`, meta: { content_length: 1, record_count: 1 } });
  const meta = { content_length: entries.reduce((n, e) => n + e.meta.content_length, 0), record_count: entries.reduce((n, e) => n + e.meta.record_count, 0) };
  writeFileSync(join(works, 'manifest.json'), JSON.stringify({ entries, meta }));
  // Beside the works, what a 2026 snapshot root also holds: none of it is a work.
  const authors = join(root, 'data', 'jsonl', 'authors', `updated_date=${RELEASE_1}`);
  mkdirSync(authors, { recursive: true });
  writeFileSync(join(authors, 'part_0000.gz'), gzipSync(`${JSON.stringify({ id: 'https://openalex.org/A5000000001', display_name: 'An Author', works_count: 3 })}\n`));
  writeFileSync(join(root, 'data', 'jsonl', 'manifest.json'), JSON.stringify({ entries: [], meta: { content_length: 0, record_count: 0 }, date: RELEASE_2 }));
  rmSync(join(root, 'deleted_ids.csv'), { force: true });
  if (release.deleted !== null) {
    // As OpenAlex writes it, with what a hand-edited copy adds: a byte order mark, CRLF, blank lines.
    const rows = release.deleted.map((id, i) => `https://openalex.org/${id},2024-0${1 + (i % 5)}-15`);
    const text = options.deletedCsv ?? `\ufeffwork_id,deleted_date\r\n${rows.slice(0, 3).join('\r\n')}\r\n\r\n${rows.slice(3).join('\n')}\n\n`;
    writeFileSync(join(root, 'deleted_ids.csv'), text);
  }
}

/** The works the store should hold after reading `release` (newest copy of each, deleted ones gone). */
export function expectedWorks(releases: Release[]): Map<string, RawWork> {
  const held = new Map<string, RawWork>();
  for (const r of releases) {
    for (const parts of r.partitions.values()) {
      for (const w of parts.flat()) {
        const was = held.get(short(w.id));
        if (was === undefined || (w.updated_date ?? '') > (was.updated_date ?? '')) held.set(short(w.id), w);
      }
    }
    for (const id of r.deleted ?? []) held.delete(id);
  }
  return held;
}

/** Works per `year country` for the countries given, counted from raw records. */
export function countsByYearCountry(works: Iterable<{ year: number; countries: Set<string> }>, countries: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of works) for (const c of countries) if (w.countries.has(c)) out.set(`${w.year} ${c}`, (out.get(`${w.year} ${c}`) ?? 0) + 1);
  return out;
}

/** Every table a refresh writes, row for row in a fixed order: to tell a store unchanged. */
export async function dumpStore(store: Store): Promise<string> {
  const tables = ['works', 'rejects', 'meta', 'counters', 'checkpoints', 'classified'];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await sqlRows(store, `select * from ${t} order by all`);
  return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
