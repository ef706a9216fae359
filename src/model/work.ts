/**
 * The typed work record every stage shares, and the one function that turns a raw OpenAlex
 * object (API result or snapshot line, either schema generation) into it or into a reason why not.
 */
import { abstractSetAsideReason, rebuildAbstract, rebuildAbstractJson, type RebuiltAbstract } from './abstract.js';

export interface Authorship {
  /** `authorships[].countries` (2023+ schema); null where the field is absent (pre-2023 records). */
  countries: string[] | null;
  /** `authorships[].institutions[].country_code`, one entry per institution, null where missing. */
  institutionCountries: (string | null)[];
}

export interface MeshHeading {
  descriptorUi: string;
  descriptorName: string;
  isMajorTopic: boolean;
}

export interface Work {
  /** Short OpenAlex id, e.g. `W2741809807`. */
  id: string;
  year: number;
  title: string | null;
  /**
   * Rebuilt from `abstract_inverted_index`; null when there is none, or when the text is a
   * publisher placeholder or landing-page teaser (set aside with a note, see abstract.ts).
   */
  abstract: string | null;
  authorships: Authorship[];
  /** OpenAlex caps author lists at 100; true when it says it cut this one. */
  authorsTruncated: boolean;
  /** MeSH descriptors; null when the record has none (only PubMed-indexed works have them). */
  mesh: MeshHeading[] | null;
  type: string | null;
  language: string | null;
  /** `updated_date`, used to keep the newest copy of a work read twice. */
  updatedDate: string | null;
}

/**
 * Whether `candidate` should replace `kept` as the copy of a work read twice: only when OpenAlex
 * updated it later, so the result does not depend on the order files or slices were read in. On a
 * tie (the same `updated_date`, or none on either) the copy read first stays: OpenAlex gave both
 * the same date, so neither is the newer. A missing date is older than any date.
 * queries/merge_works.sql is the same rule inside the database (a staged copy replaces the stored
 * one, which was read first); test/model/newest-copy.test.ts holds the two to the same answers.
 */
export function isNewerCopy(candidate: Work, kept: Work): boolean {
  return (candidate.updatedDate ?? '') > (kept.updatedDate ?? '');
}

export type Normalized =
  | { ok: true; work: Work; /** repairs made, e.g. abstract entries skipped */ notes: string[] }
  | { ok: false; reason: string; workId: string | null };

/** How the repair note of a work whose abstract was set aside begins (see abstract.ts). */
export const ABSTRACT_SET_ASIDE = 'abstract set aside';

const WORK_ID = /^(?:https:\/\/openalex\.org\/)?(W\d+)$/;

/** Extracts `W123` from `https://openalex.org/W123` or `W123`; null for anything else. */
export function shortWorkId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return WORK_ID.exec(value)?.[1] ?? null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The country-code policy: OpenAlex gives ISO 3166-1 alpha-2 codes ("US"). A two-letter code in
 * another case ("us") is read upper-cased; anything else ("", null, 840, "USA") names no country
 * and is ignored. Both are noted (a `repaired` reject row each), so a work that silently left every
 * country count shows up in the manifest with the value and the reason.
 */
function readCountry(value: unknown, where: string, problems: CountryProblems): string | null {
  if (typeof value === 'string' && /^[A-Z]{2}$/.test(value)) return value;
  if (typeof value === 'string' && /^[A-Za-z]{2}$/.test(value)) {
    if (problems.repairs++ < MAX_COUNTRY_NOTES) problems.notes.push(`country code upper-cased: ${where} ${JSON.stringify(value)} read as "${value.toUpperCase()}"`);
    return value.toUpperCase();
  }
  if (problems.repairs++ < MAX_COUNTRY_NOTES) {
    const shown = JSON.stringify(value) ?? String(value);
    problems.notes.push(`country value ignored: ${where} ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} is not an ISO 3166-1 alpha-2 code`);
  }
  problems.ignored++;
  return null;
}

interface CountryProblems {
  /** The first MAX_COUNTRY_NOTES repairs, written out; the rest are only counted. */
  notes: string[];
  /** Values upper-cased or ignored. */
  repairs: number;
  /** Values ignored (not upper-cased): the work may be left with no country because of them. */
  ignored: number;
}

/**
 * Country notes listed one by one per work; the rest are counted in one more note. A 1 MB line of
 * `[null, null, …]` would otherwise become ~200,000 reject rows, so one record can't flood the store.
 */
const MAX_COUNTRY_NOTES = 20;

function normalizeAuthorship(raw: unknown, i: number, problems: CountryProblems): Authorship | string {
  if (typeof raw !== 'object' || raw === null) return 'authorship is not an object';
  const a = raw as Record<string, unknown>;
  let countries: string[] | null = null;
  if (Array.isArray(a.countries)) {
    countries = a.countries.map((c, j) => readCountry(c, `authorships[${i}].countries[${j}]`, problems)).filter((c): c is string => c !== null);
  } else if (a.countries !== undefined && a.countries !== null) {
    return 'authorships[].countries is not a list';
  }
  const institutionCountries: (string | null)[] = [];
  if (Array.isArray(a.institutions)) {
    a.institutions.forEach((inst, k) => {
      const code = typeof inst === 'object' && inst !== null ? (inst as Record<string, unknown>).country_code : null;
      // A null or absent country_code is OpenAlex's own "country not known" (316 institutions of the
      // real corpus): nothing was lost, so there is nothing to note.
      institutionCountries.push(code === null || code === undefined ? null : readCountry(code, `authorships[${i}].institutions[${k}].country_code`, problems));
    });
  } else if (a.institutions !== undefined && a.institutions !== null) {
    return 'authorships[].institutions is not a list';
  }
  return { countries, institutionCountries };
}

function normalizeMesh(raw: unknown): MeshHeading[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const out: MeshHeading[] = [];
  for (const m of raw) {
    if (typeof m !== 'object' || m === null) continue;
    const r = m as Record<string, unknown>;
    const ui = stringOrNull(r.descriptor_ui);
    const name = stringOrNull(r.descriptor_name);
    if (ui === null && name === null) continue;
    out.push({ descriptorUi: ui ?? '', descriptorName: name ?? '', isMajorTopic: r.is_major_topic === true });
  }
  return out.length > 0 ? out : null;
}

/**
 * The abstract a work keeps from its `abstract_inverted_index` value, and the repair notes it gets:
 * entries that could not be used, and the set-aside of a text that is not the work's own (then the
 * text is null and the work is classified on its title). normalizeWork() and the duckdb reader's
 * rebuild (src/pipeline/abstract-pool.ts, from the index as JSON text: abstractOfJson) both take it from here.
 */
export function abstractOf(index: unknown): KeptAbstract {
  return kept(rebuildAbstract(index));
}

/** abstractOf(JSON.parse(json)), mostly without the parse (rebuildAbstractJson). Throws what JSON.parse throws. */
export function abstractOfJson(json: string): KeptAbstract {
  return kept(rebuildAbstractJson(json));
}

export interface KeptAbstract {
  text: string | null;
  notes: string[];
}

function kept(abstract: RebuiltAbstract): KeptAbstract {
  const notes: string[] = [];
  if (abstract.badEntries > 0) notes.push(`abstract_inverted_index: ${abstract.badEntries} unusable entr${abstract.badEntries === 1 ? 'y' : 'ies'} skipped`);
  const setAside = abstract.text === null ? null : abstractSetAsideReason(abstract.text);
  if (setAside !== null) notes.push(`${ABSTRACT_SET_ASIDE}, classified on the title: ${setAside}`);
  return { text: setAside === null ? abstract.text : null, notes };
}

/**
 * Validates one raw record. A work without a usable id or publication year cannot be counted
 * and is rejected with the reason; damage that leaves it countable (a malformed abstract entry,
 * a country value that is not a code) is repaired and noted.
 */
export function normalizeWork(raw: unknown): Normalized {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'record is not a JSON object', workId: null };
  }
  const r = raw as Record<string, unknown>;
  const id = shortWorkId(r.id);
  if (id === null) {
    return { ok: false, reason: r.id === undefined ? 'missing id' : `id is not an OpenAlex work id: ${JSON.stringify(r.id)?.slice(0, 80)}`, workId: null };
  }
  const year = r.publication_year;
  if (year === undefined || year === null) return { ok: false, reason: 'missing publication_year', workId: id };
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 1000 || year > 2999) {
    return { ok: false, reason: `publication_year is not a year: ${JSON.stringify(year)}`, workId: id };
  }
  const title = r.title ?? r.display_name ?? null;
  if (title !== null && typeof title !== 'string') {
    return { ok: false, reason: `title is not a string: ${typeof title}`, workId: id };
  }
  let authorships: Authorship[] = [];
  const countryProblems: CountryProblems = { notes: [], repairs: 0, ignored: 0 };
  if (Array.isArray(r.authorships)) {
    const parsed = r.authorships.map((a, i) => normalizeAuthorship(a, i, countryProblems));
    const bad = parsed.find((p): p is string => typeof p === 'string');
    if (bad !== undefined) return { ok: false, reason: bad, workId: id };
    authorships = parsed as Authorship[];
  } else if (r.authorships !== undefined && r.authorships !== null) {
    return { ok: false, reason: 'authorships is not a list', workId: id };
  }
  const notes = countryProblems.notes;
  if (countryProblems.repairs > MAX_COUNTRY_NOTES) {
    notes.push(`more country values repaired or ignored: ${countryProblems.repairs - MAX_COUNTRY_NOTES} beyond the ${MAX_COUNTRY_NOTES} listed`);
  }
  // Why keep a work whose every country value was unusable instead of rejecting it: it is still a
  // valid, classifiable publication (it is counted in the classified and medical-AI totals and
  // listed in works.csv), and it is then in the same state as a work that came with no affiliation
  // data at all, which counts for no country and, by the world-totals rule, not in the share
  // denominator either. Rejecting it would drop it from totals that never depended on its countries.
  if (countryProblems.ignored > 0 && authorships.every((a) => (a.countries ?? []).length === 0 && a.institutionCountries.every((c) => c === null))) {
    notes.push(`no usable country left: ${countryProblems.ignored} country value${countryProblems.ignored === 1 ? '' : 's'} ignored; the work is kept but counts for no country`);
  }
  const abstract = abstractOf(r.abstract_inverted_index);
  notes.push(...abstract.notes);
  return {
    ok: true,
    notes,
    work: {
      id,
      year,
      title: title === null ? null : title,
      abstract: abstract.text,
      authorships,
      authorsTruncated: r.is_authors_truncated === true,
      mesh: normalizeMesh(r.mesh),
      type: stringOrNull(r.type),
      language: stringOrNull(r.language),
      updatedDate: stringOrNull(r.updated_date),
    },
  };
}
