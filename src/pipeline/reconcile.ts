/**
 * `medai-trends reconcile`: the stored data set held against its source. API mode asks OpenAlex,
 * per country, how many works each fetched query matches now (one `group_by=publication_year`
 * call, the count query of the fetch's plan) and sets that beside the count OpenAlex gave when the
 * slice was fetched, the works stored, the local medical-AI count and the likely causes of each
 * difference. Snapshot mode sets the records read from each part beside the snapshot manifest's.
 * A slice with fewer works stored than OpenAlex counted when it was fetched lost pages: an
 * invariant of the data set, so it ends the command with exit 5 (after the table is printed).
 */
import { DEFAULT_KEYWORDS_DIR } from '../classify/keywords.js';
import { commandLine } from './completeness.js';
import { apiFetchCommand, coverageOf, type ApiSpan, type Coverage } from './coverage.js';
import { countNow, type FetchEffects } from '../fetch/fetcher.js';
import { countQueryOf, planSlices, type Plan, type PlanInput } from '../fetch/planner.js';
import { redactUrl } from '../fetch/safe-url.js';
import { checkParts, findManifest, readManifest, type PartCheck } from '../ingest/manifest.js';
import { InvariantError, UserError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ApiSource, Source } from './provenance.js';
import { LIST, VARCHAR, listValue } from '@duckdb/node-api';

/** What a slice, and a cell summing its slices, holds beside OpenAlex's counts. */
interface ReconcileFigures {
  year: number;
  country: string;
  /** Works the query matches at OpenAlex now. */
  now: number;
  /** meta.count of the first page when it was fetched; null: not recorded (an older version fetched it). */
  atFetch: number | null;
  /** Whether the cursor walk finished (for a cell: every slice's). */
  fetched: boolean;
  /**
   * Stored works of the year and country (and types): the union over the keyword chunks and
   * fetches that asked for them, since a work fetched twice is stored once.
   */
  stored: number;
  /** Records of the pages set aside as rejected (rejects.jsonl). */
  rejected: number;
  /** Of the stored works, those the local rule tags medical AI; null before classify. */
  medicalAi: number | null;
  /** stored + rejected < atFetch: pages were lost (the stored works are a union, so this is never a false alarm); for a cell: in some slice. */
  lost: boolean;
}

/** One fetched slice (year x country x keyword chunk) against OpenAlex now. */
export interface SliceReconcile extends ReconcileFigures {
  sliceId: string;
  /** The keyword chunk (`a0m1`); '' without a search prefilter. */
  chunk: string;
}

/**
 * One year x country: its slices (one per keyword chunk) summed. A work matching two chunks is in
 * both chunks' counts, so with several chunks the sums exceed the distinct works OpenAlex holds.
 */
export interface CellReconcile extends ReconcileFigures {
  chunks: number;
  causes: string[];
}

export interface ApiReconcile {
  kind: 'api';
  /** Where the data was fetched from, and where it was counted now. */
  fetchedFrom: string;
  countedAt: string;
  cells: CellReconcile[];
  /** The same per keyword chunk: where a loss is found. */
  slices: SliceReconcile[];
  /** Count calls made now, and their cost. */
  requests: number;
  usd: number;
  /** The fetch that gets a new copy, for slices that lost pages. */
  refetch: string[];
}

export interface SnapshotReconcile {
  kind: 'snapshot';
  /** The manifest compared with; null when none was found. */
  manifest: string | null;
  parts: PartCheck[];
  /** Files read whose record count was not recorded (loaded by an older version). */
  unrecorded: string[];
}

export type Reconcile = ApiReconcile | SnapshotReconcile;

export interface ReconcileOptions {
  /** The API to count at now: OPENALEX_BASE_URL (or OpenAlex's own) and the key. */
  baseUrl: string;
  apiKey: string;
  budgetUsd: number;
  maxRps: number;
  /** Only these years and countries of what was fetched; null: all of it. */
  from: number | null;
  to: number | null;
  countries: string[] | null;
  /** A snapshot manifest to compare with instead of the one found beside the parts. */
  manifest: string | null;
}

/**
 * The filter of a list query with its `publication_year` value replaced: a slice's query and its
 * country's count query must agree on everything else, or the count is not of what was fetched.
 */
export function filterWithYear(query: string, year: string): string {
  const filter = new URL(query).searchParams.get('filter') ?? '';
  return filter.replace(/(^|,)publication_year:[^,]*/, `$1publication_year:${year}`);
}

/** The plan a span of the coverage was fetched with, its queries on `baseUrl`. */
export function spanPlan(span: ApiSpan, coverage: Coverage & { kind: 'api' }, baseUrl: string): Plan {
  const terms = span.prefilter === 'none' ? null : coverage.prefilters[span.prefilter];
  if (terms === undefined) throw new Error(`coverage names prefilter ${span.prefilter} but does not record its terms`);
  const input: PlanInput = {
    baseUrl,
    from: span.from,
    to: span.to,
    countries: span.countries,
    prefilter: terms === null ? null : { ai: terms.ai, medical: terms.medical },
    types: span.types,
    perPage: span.perPage,
  };
  return planSlices(input);
}

/** Whether a slice lost pages: fewer works stored (or set aside) than OpenAlex counted when its walk began. */
export function lostPages(r: Pick<SliceReconcile, 'fetched' | 'atFetch' | 'stored' | 'rejected'>): boolean {
  return r.fetched && r.atFetch !== null && r.stored + r.rejected < r.atFetch;
}

/** The likely causes of a year x country's differences, most telling first. */
export function causesOf(c: Omit<CellReconcile, 'causes'>, prefiltered: boolean): string[] {
  const causes: string[] = [];
  if (!c.fetched) causes.push('its fetch has not finished (rerun the fetch to complete it)');
  if (c.lost) causes.push(`PAGES LOST: fewer works stored and set aside than OpenAlex counted when fetched`);
  if (c.atFetch === null) causes.push('the count at fetch time was not recorded (fetched by an older version)');
  else if (c.now > c.atFetch) causes.push(`${c.now - c.atFetch} more at OpenAlex than when fetched: works added, or updated into the query, since`);
  else if (c.now < c.atFetch) causes.push(`${c.atFetch - c.now} fewer at OpenAlex than when fetched: works deleted, merged or updated out of the query since`);
  if (c.rejected > 0) causes.push(`${c.rejected} records set aside (rejects.jsonl)`);
  if (c.atFetch !== null && c.chunks > 1 && c.stored < c.atFetch && !c.lost) {
    causes.push(`the ${c.chunks} keyword chunks' counts add a work matching two chunks twice; the stored works are distinct`);
  }
  if (c.atFetch !== null && c.chunks === 1 && c.stored > c.atFetch) {
    causes.push(`${c.stored - c.atFetch} more stored than counted when fetched: works of this year and country fetched by another fetch, or updated into it`);
  }
  if (c.medicalAi === null) causes.push('local medical-AI count unknown: run classify');
  else if (prefiltered && c.stored > c.medicalAi) {
    causes.push(`${c.stored - c.medicalAi} stored works not tagged by the local rule: OpenAlex's stemmed search finds more than the rule's whole terms, masks and vetoes let through`);
  } else if (!prefiltered) causes.push(`every work was fetched (no prefilter); the local rule tags ${c.medicalAi}`);
  return causes;
}

/** The slices summed per year x country, in the order of the slices. */
export function cellsOf(slices: readonly SliceReconcile[], prefiltered: (s: SliceReconcile) => boolean): CellReconcile[] {
  const cells = new Map<string, { cell: Omit<CellReconcile, 'causes'>; prefiltered: boolean }>();
  for (const s of slices) {
    const key = `${s.year} ${s.country}`;
    const seen = cells.get(key);
    if (seen === undefined) {
      cells.set(key, { cell: { year: s.year, country: s.country, chunks: 1, now: s.now, atFetch: s.atFetch, fetched: s.fetched, stored: s.stored, rejected: s.rejected, medicalAi: s.medicalAi, lost: s.lost }, prefiltered: prefiltered(s) });
      continue;
    }
    const c = seen.cell;
    c.chunks++;
    c.now += s.now;
    c.atFetch = c.atFetch === null || s.atFetch === null ? null : c.atFetch + s.atFetch;
    c.fetched &&= s.fetched;
    c.rejected += s.rejected;
    c.lost ||= s.lost;
  }
  return [...cells.values()].sort((a, b) => a.cell.year - b.cell.year || a.cell.country.localeCompare(b.cell.country)).map(({ cell, prefiltered }) => ({ ...cell, causes: causesOf(cell, prefiltered) }));
}

const LIST_TYPES = { countries: LIST(VARCHAR), types: LIST(VARCHAR) };

async function reconcileApi(store: Store, source: ApiSource, options: ReconcileOptions, effects?: FetchEffects): Promise<ApiReconcile> {
  const coverage = await coverageOf(store);
  if (coverage === null || coverage.kind !== 'api') {
    throw new UserError('the database does not record what its API fetch covered (made by an older version): fetch again to reconcile it');
  }
  const [classified] = await store.query<{ n: number }>('classified_count');
  const hasClassified = (classified?.n ?? 0) > 0;
  const rejectedBy = new Map((await store.query<{ query: string; rejected: number }>('reconcile_rejects')).map((r) => [r.query, r.rejected]));
  const wanted = (year: number, country: string): boolean =>
    (options.from === null || year >= options.from) && (options.to === null || year <= options.to) && (options.countries === null || options.countries.includes(country));

  const rows: Omit<SliceReconcile, 'now' | 'lost'>[] = [];
  const countFor: { countQuery: string; year: number }[] = [];
  const prefiltered: boolean[] = [];
  const refetch: string[] = [];
  for (const span of coverage.spans) {
    // Slice ids hash the query as fetched (with the fetch's base URL); the counts go to the API now.
    const fetchedPlan = spanPlan(span, coverage, source.baseUrl);
    const nowPlan = spanPlan(span, coverage, options.baseUrl);
    const storedBy = new Map<string, { stored: number; medical_ai: number }>();
    const stored = await store.query<{ year: number; country: string; stored: number; medical_ai: number }>(
      'reconcile_stored',
      { from_year: span.from, to_year: span.to, countries: listValue(span.countries), types: listValue(span.types) },
      LIST_TYPES,
    );
    for (const s of stored) storedBy.set(`${s.year} ${s.country}`, s);
    for (const [i, slice] of fetchedPlan.slices.entries()) {
      if (!wanted(slice.year, slice.country)) continue;
      const count = countQueryOf(nowPlan, slice);
      // The count query is the slice's filter over the window: check it, or the comparison is void.
      if (filterWithYear(count.query, String(slice.year)) !== filterWithYear(slice.query, String(slice.year)) || filterWithYear(nowPlan.slices[i]!.query, String(slice.year)) !== filterWithYear(slice.query, String(slice.year))) {
        throw new Error(`count query ${count.query} does not count slice ${slice.id}`);
      }
      const cp = await store.getCheckpoint(slice.id);
      const own = cp !== null && cp.query === slice.query ? cp : null;
      const cell = storedBy.get(`${slice.year} ${slice.country}`);
      rows.push({
        sliceId: slice.id,
        year: slice.year,
        country: slice.country,
        chunk: slice.chunk,
        atFetch: own?.expected ?? null,
        fetched: own?.done === true,
        stored: cell?.stored ?? 0,
        rejected: rejectedBy.get(slice.query) ?? 0,
        medicalAi: hasClassified ? (cell?.medical_ai ?? 0) : null,
      });
      countFor.push({ countQuery: count.query, year: slice.year });
      prefiltered.push(span.prefilter !== 'none');
    }
  }
  const counted = await countNow({ apiKey: options.apiKey, maxRps: options.maxRps, budgetUsd: options.budgetUsd }, countFor.map((c) => c.countQuery), effects);
  const slices: SliceReconcile[] = rows.map((r, i) => ({ ...r, now: counted.counts.get(countFor[i]!.countQuery)?.get(countFor[i]!.year) ?? 0, lost: lostPages(r) }));
  const prefilteredBy = new Map(slices.map((s, i) => [s.sliceId, prefiltered[i]!]));
  const cells = cellsOf(slices, (s) => prefilteredBy.get(s.sliceId) ?? true);
  const lostIds = new Set(slices.filter((s) => s.lost).map((s) => s.sliceId));
  for (const span of coverage.spans) {
    if (!spanPlan(span, coverage, source.baseUrl).slices.some((s) => lostIds.has(s.id))) continue;
    const keywordsDir = span.prefilter === 'none' ? DEFAULT_KEYWORDS_DIR : (coverage.prefilters[span.prefilter]?.keywordsDir ?? DEFAULT_KEYWORDS_DIR);
    const scope = { from: span.from, to: span.to, countries: span.countries, types: span.types, mergeVersions: false, countryPolicy: span.countryPolicy, keywordsDir };
    // A new copy of the whole span: a fetch resumes only slices not done, and these say they are.
    refetch.push(`${apiFetchCommand(store.path, scope, { dir: keywordsDir }, { prefilter: span.prefilter === 'none' ? 'none' : 'keywords', perPage: span.perPage })} --refresh`);
  }
  return { kind: 'api', fetchedFrom: source.baseUrl, countedAt: redactUrl(options.baseUrl), cells, slices, requests: counted.requests, usd: counted.usd, refetch };
}

async function reconcileSnapshot(source: Source & { kind: 'snapshot' }, options: ReconcileOptions): Promise<SnapshotReconcile> {
  const files = source.files;
  const unrecorded = files.filter((f) => f.records === undefined).map((f) => f.path);
  const read = files.filter((f) => f.records !== undefined).map((f) => ({ path: f.path, records: f.records! }));
  const manifestPath = options.manifest ?? (await findManifest(files.map((f) => f.path)));
  if (manifestPath === null) {
    return { kind: 'snapshot', manifest: null, parts: read.map((f) => ({ part: f.path, manifest: null, read: f.records })), unrecorded };
  }
  return { kind: 'snapshot', manifest: manifestPath, parts: checkParts(await readManifest(manifestPath), read), unrecorded };
}

/** Reconciles the store's data set with its source; what to print is the caller's (see reconcileText). */
export async function reconcile(store: Store, options: ReconcileOptions, effects?: FetchEffects): Promise<Reconcile> {
  const source = await store.getMeta<Source>('source');
  if (source === null) throw new UserError(`the database ${store.path} holds no data set: fetch first`);
  if (source.kind === 'snapshot') return reconcileSnapshot(source, options);
  if (options.apiKey === '') throw new UserError('reconcile asks OpenAlex for its counts now: set OPENALEX_API_KEY');
  return reconcileApi(store, source, options, effects);
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** The report as a table for a terminal, one row per slice or part, causes beside each. */
export function reconcileText(r: Reconcile): string {
  if (r.kind === 'snapshot') {
    const lines: string[] = [];
    if (r.manifest === null) lines.push('no snapshot manifest (manifest.json or manifest) found in a folder holding the files read: records read per file only');
    else lines.push(`snapshot manifest: ${r.manifest}`);
    lines.push(`${'part'.padEnd(48)} ${'manifest'.padStart(9)} ${'read'.padStart(9)} ${'diff'.padStart(7)}`);
    for (const p of r.parts) {
      const diff = p.manifest !== null && p.read !== null ? signed(p.read - p.manifest) : '';
      const note = p.manifest === null && r.manifest !== null ? '  not in the manifest' : p.read === null ? '  listed in the manifest, not read' : p.read !== p.manifest && p.manifest !== null ? '  RECORDS DIFFER: the file is cut off or not the one the manifest lists' : '';
      lines.push(`${p.part.padEnd(48)} ${String(p.manifest ?? '-').padStart(9)} ${String(p.read ?? '-').padStart(9)} ${diff.padStart(7)}${note}`);
    }
    for (const f of r.unrecorded) lines.push(`${f}: records read not recorded (loaded by an older version; load it again to reconcile it)`);
    return `${lines.join('\n')}\n`;
  }
  const chunks = Math.max(0, ...r.cells.map((c) => c.chunks));
  const lines = [
    `reconcile: ${r.cells.length} year x country cells (${r.slices.length} slices) fetched from ${r.fetchedFrom}; counted now at ${r.countedAt} with ${r.requests} group_by calls (US$${r.usd.toFixed(4)})`,
    'now / at-fetch: works the fetched query matches at OpenAlex now / when the slice was fetched' + (chunks > 1 ? ` (summed over ${chunks} keyword chunks, so a work matching two chunks counts twice)` : ''),
    'stored: distinct works of that year and country in the database; set-aside: records rejected from its pages; med-AI: stored works the local rule tags',
    'year country      now  at-fetch   stored set-aside  med-AI now-fetch  causes',
  ];
  for (const c of r.cells) {
    const change = c.atFetch === null ? '?' : signed(c.now - c.atFetch);
    lines.push(
      `${c.year} ${c.country.padEnd(7)} ${String(c.now).padStart(8)} ${String(c.atFetch ?? '?').padStart(9)} ${String(c.stored).padStart(8)} ${String(c.rejected).padStart(9)} ${String(c.medicalAi ?? '?').padStart(7)} ${change.padStart(9)}  ${c.causes.join('; ')}`,
    );
  }
  const total = (f: (c: CellReconcile) => number | null): string => {
    const values = r.cells.map(f);
    return values.some((v) => v === null) ? '?' : String(values.reduce<number>((n, v) => n + (v ?? 0), 0));
  };
  lines.push(`total        ${total((c) => c.now).padStart(8)} ${total((c) => c.atFetch).padStart(9)} ${total((c) => c.stored).padStart(8)} ${total((c) => c.rejected).padStart(9)} ${total((c) => c.medicalAi).padStart(7)}  (stored and med-AI summed over countries: a work of two countries counts in each)`);
  const lost = r.slices.filter((s) => s.lost);
  if (lost.length > 0) lines.push(`pages lost in ${lost.length} slice(s): ${lost.map((s) => `${s.sliceId} (${s.stored} stored + ${s.rejected} set aside < ${s.atFetch} when fetched)`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The exit the report calls for: an InvariantError (exit 5) naming the slices or parts whose records were lost. */
export function reconcileVerdict(r: Reconcile): InvariantError | null {
  if (r.kind === 'api') {
    const lost = r.slices.filter((s) => s.lost);
    if (lost.length === 0) return null;
    return new InvariantError(
      `${lost.length} slice(s) hold fewer works than OpenAlex counted when they were fetched, so pages were lost: ${lost.map((s) => s.sliceId).join(', ')}. ` +
        `Fetch a new copy: ${r.refetch.join(' ; ')}`,
    );
  }
  const short = r.parts.filter((p) => p.manifest !== null && p.read !== null && p.read !== p.manifest);
  if (short.length === 0) return null;
  return new InvariantError(
    `${short.length} snapshot part(s) read with another record count than the manifest lists: ${short.map((p) => `${p.part} (${p.read} read, ${p.manifest} listed)`).join(', ')}. ` +
      `Download them again, then rerun \`${commandLine(['fetch', '--snapshot', '<the files>'])}\`.`,
  );
}
