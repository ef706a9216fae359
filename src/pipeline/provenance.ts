/**
 * What the data set in the store came from, as the store records it (meta key `source`) and the
 * manifest prints it: snapshot files with their hashes, or the API queries with their cost.
 */

export interface SnapshotFileRecord {
  path: string;
  bytes: number;
  sha256: string;
  /**
   * Records read from the file (works, pages' results and lines set aside alike), what `reconcile`
   * compares with the snapshot manifest's record_count. Absent: loaded by an older version.
   */
  records?: number;
}

/** A file given to a snapshot load and not (yet) read to its end. */
export interface UnreadFile {
  path: string;
  bytes: number;
  /** Records of it stored so far. */
  recordsRead: number;
  /** Where the last stored record came from (`file:line`); null before the first. */
  readTo: string | null;
  /** Why reading it stopped, when an error stopped it (a gzip cut off, a read failure). */
  error?: string;
}

/** Which reader filled the store (src/pipeline/ingest-duckdb.ts): `duckdb` keeps no abstracts, authorships or MeSH. */
export type SnapshotReader = 'duckdb' | 'node';

export interface SnapshotSource {
  kind: 'snapshot';
  /** Absent: read by the node reader (before the duckdb reader existed). */
  read?: SnapshotReader;
  /** The files read to their end, with the hash of what was read. */
  files: SnapshotFileRecord[];
  /** The snapshot's merged_ids/works lists applied to it. */
  mergedIdFiles?: SnapshotFileRecord[];
  /** The snapshot's deleted_ids.csv lists applied to it; absent: none found, or loaded by an older version. */
  deletedIdFiles?: SnapshotFileRecord[];
  /**
   * The folders (or files, globs) given, as absolute paths: a refresh from the same ones reads only
   * what is new. Absent: loaded by an older version (a refresh then tells by the files' paths).
   */
  roots?: string[];
  /** Files not read to their end because the load stopped; absent once every file was read. */
  unread?: UnreadFile[];
}

export interface ApiSource {
  kind: 'api';
  baseUrl: string;
  queries: string[];
  fetchedAt: string;
  /** Absent while the fetch is unfinished: what a stopped run spent is in its log. */
  usdSpent?: number;
}
export type Source = SnapshotSource | ApiSource;
