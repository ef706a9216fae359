/**
 * An OpenAlex snapshot's manifest: the list of its part files with the records each holds, written
 * by OpenAlex beside the parts (`data/jsonl/works/manifest.json` since 2026, `data/works/manifest`
 * before). Both layouts are Redshift-style manifests:
 * `{"entries": [{"url": "s3://openalex/data/jsonl/works/updated_date=2026-01-01/part_0000.gz",
 * "meta": {"content_length": 123, "record_count": 400000}}], "meta": {"content_length": …, "record_count": …}}`,
 * where record_count is the file's line count (ourresearch/openalex-walden, notebooks/snapshot).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { UserError } from '../errors.js';

/** Names a manifest goes by, newest layout first. */
export const MANIFEST_NAMES = ['manifest.json', 'manifest'];

export interface ManifestEntry {
  url: string;
  bytes: number | null;
  records: number;
}

export interface Manifest {
  path: string;
  entries: ManifestEntry[];
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
}

/** Parses a manifest's text; a shape it cannot read is the user's to fix (exit 2), named with the file. */
export function parseManifest(path: string, text: string): Manifest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new UserError(`snapshot manifest ${path} is not JSON: ${(e as Error).message}`);
  }
  const entries = (body as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw new UserError(`snapshot manifest ${path} has no "entries" list`);
  return {
    path,
    entries: entries.map((e: unknown, i) => {
      const { url, meta } = (e ?? {}) as { url?: unknown; meta?: { content_length?: unknown; record_count?: unknown } };
      const records = num(meta?.record_count);
      if (typeof url !== 'string' || records === null) throw new UserError(`snapshot manifest ${path}: entry ${i} has no url or no meta.record_count`);
      return { url, bytes: num(meta?.content_length), records };
    }),
  };
}

export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read snapshot manifest ${path}: ${(e as Error).message}`);
  }
  return parseManifest(path, text);
}

/**
 * The manifest of the parts read: the nearest `manifest.json` (or `manifest`) in a folder holding
 * all of them, looking from their deepest common folder up; null when there is none.
 */
export async function findManifest(files: readonly string[]): Promise<string | null> {
  if (files.length === 0) return null;
  let dir = files.map((f) => dirname(f)).reduce((a, b) => {
    while (a !== b && !b.startsWith(`${a}${sep}`)) a = dirname(a);
    return a;
  });
  for (;;) {
    for (const name of MANIFEST_NAMES) {
      const candidate = join(dir, name);
      if ((await stat(candidate).catch(() => null))?.isFile() === true) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** One part, as the manifest lists it and as it was read. */
export interface PartCheck {
  /** The part's path relative to the manifest's folder (`updated_date=…/part_0000.gz`). */
  part: string;
  /** record_count in the manifest; null: a file read that the manifest does not list. */
  manifest: number | null;
  /** Records read from it; null: listed in the manifest and not read. */
  read: number | null;
}

/**
 * Pairs the files read with the manifest's entries: an entry names a file when its URL ends with
 * the file's path below the manifest's folder (the URL's bucket prefix is OpenAlex's, not ours).
 * Pure, so the matching is tested apart from any file.
 */
export function checkParts(manifest: Manifest, files: readonly { path: string; records: number }[]): PartCheck[] {
  const base = dirname(manifest.path);
  const matched = new Set<string>();
  const rows: PartCheck[] = [];
  for (const f of files) {
    const part = relative(base, f.path).split(sep).join('/');
    const entry = manifest.entries.find((e) => !matched.has(e.url) && (e.url === part || e.url.endsWith(`/${part}`)));
    if (entry !== undefined) matched.add(entry.url);
    rows.push({ part, manifest: entry?.records ?? null, read: f.records });
  }
  for (const e of manifest.entries) {
    if (matched.has(e.url)) continue;
    rows.push({ part: entryPart(manifest, e.url), manifest: e.records, read: null });
  }
  return rows;
}

/**
 * An entry's part below the manifest's folder (`updated_date=…/part_0000.gz`), where the URL says
 * which it is (`s3://openalex/data/jsonl/works/updated_date=…`); else the URL as it is.
 */
export function entryPart(manifest: Manifest, url: string): string {
  const folder = `/${basename(dirname(manifest.path))}/`;
  const at = url.lastIndexOf(folder);
  return at >= 0 ? url.slice(at + folder.length) : url;
}

/** Where an entry's part sits on disk, below the manifest's folder. */
export function entryPath(manifest: Manifest, url: string): string {
  return join(dirname(manifest.path), ...entryPart(manifest, url).split('/'));
}

/**
 * The manifest's parts missing on disk: those that sit inside one of the folders read (`dirs`) and
 * are not among the files found. A part outside them was not asked for (a glob, one partition's
 * folder), so its absence says nothing.
 */
export function missingParts(manifest: Manifest, files: readonly string[], dirs: readonly string[]): string[] {
  const found = new Set(files);
  return manifest.entries
    .filter((e) => {
      const path = entryPath(manifest, e.url);
      return !found.has(path) && dirs.some((d) => path.startsWith(`${d}${sep}`));
    })
    .map((e) => entryPart(manifest, e.url));
}

/** The record count the manifest lists for a file, or null when it does not list it. */
export function listedRecords(manifest: Manifest, path: string): number | null {
  return manifest.entries.find((e) => entryPath(manifest, e.url) === path)?.records ?? null;
}
