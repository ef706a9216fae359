/**
 * Query planning: turns years, countries and the keyword lists into independent slices, each one
 * cursor walk that fits OpenAlex's query limits. Pure: no I/O, so every limit is testable.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { redactUrl } from './safe-url.js';

/** OpenAlex's documented query limits (developers.openalex.org, 2026). */
export const LIMITS = {
  /** OpenAlex answers 400 "Request URL too long" above 4,094 bytes; keep a margin (our URLs are ASCII). */
  maxUrlChars: 4000,
  /** At most 100 values may be OR-ed with `|` in one filter. */
  maxOrValues: 100,
  /** Free-tier search values are capped at 1,500 characters. */
  maxSearchChars: 1500,
  /** Room kept in every URL for `&cursor=` and a cursor (real ones are 70-150 characters). */
  cursorReserveChars: 256,
  /** The largest page OpenAlex serves. */
  maxPerPage: 100,
} as const;

/** USD per call (developers.openalex.org "Pricing by Endpoint"): list/filter and group_by vs search filters. */
export const COST_USD = { list: 0.0001, search: 0.001 } as const;

/** USD for one list/page call: search-priced when its filter holds a search, list-priced otherwise. */
export function callCostUsd(search: boolean): number {
  return search ? COST_USD.search : COST_USD.list;
}

/**
 * A `group_by` call is list-priced even when its filter holds a search: it returns counts, not
 * search results. Every counting call (estimate, baselines) is priced by this one rule.
 */
export const GROUP_BY_COST_USD = COST_USD.list;

export interface PlanInput {
  baseUrl: string;
  from: number;
  to: number;
  countries: string[];
  prefilter: { ai: string[]; medical: string[] } | null;
  /** OpenAlex work types to fetch (`type:` filter); empty or absent: every type. */
  types?: readonly string[];
  perPage?: number;
}

export interface Slice {
  /** Stable and filesystem-safe: year, country, search chunks, and a hash of the query. */
  id: string;
  year: number;
  country: string;
  /** Which AI x medical search chunks (`a0m1`), '' without a prefilter. */
  chunk: string;
  /** Credential-free URL of the slice's list query, without cursor: goes in the manifest. */
  query: string;
  /** Whether the query carries a search filter (priced as a search call). */
  search: boolean;
}

export interface Plan {
  slices: Slice[];
  /** One `group_by=publication_year` query per country and chunk pair: counts every slice of the plan. */
  countQueries: { query: string; country: string; chunk: string; search: boolean }[];
  perPage: number;
  /** Search chunks per keyword list (1 when everything fits in one value). */
  chunks: { ai: number; medical: number };
}

/**
 * Writes one keyword as search alternatives: one word bare, several as a "quoted phrase".
 * Characters that are syntax in a filter (`,` separates filters, `|` values, `"` quotes,
 * parentheses group) are replaced by spaces, which OpenAlex's analyzer treats as word breaks
 * anyway, so the words searched are the words the local classifier matches. Lower case keeps
 * a keyword such as "OR" from being read as an operator (search is case-insensitive). A term
 * in a script without spaces (Chinese) is quoted, since the analyzer splits it per character.
 * A last word in -sis gets its -ses plural spelled out: the classifier accepts both, and an
 * English stemmer does not bring them together (diagnosis -> diagnosi, diagnoses -> diagnos).
 * Other plurals the classifier accepts (-s, -ies, -xes, -ches) share a stem with the singular.
 * Chinese terms have no plural; the regex rule lives in classify/keywords.ts (pluralVariant).
 */
export function searchAlternatives(term: string): string[] {
  const words = term
    .toLowerCase()
    .replace(/[,|"()\-/:]+/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return [];
  const quote = (ws: string[]): string => (ws.length === 1 && /^[\x00-\x7f]*$/.test(ws[0]!) ? ws[0]! : `"${ws.join(' ')}"`);
  const out = [quote(words)];
  const last = words[words.length - 1]!;
  const head = words.slice(0, -1);
  if (last.endsWith('sis')) out.push(quote([...head, `${last.slice(0, -3)}ses`]));
  // Likewise virus/viruses and AI/AIs: a plural ending in -ses, -is or -us looks like a singular
  // to a stemmer (it keeps the s of "analysis", "virus"), so it is not brought back to the term.
  else if (/^[a-z]+s$/.test(last)) out.push(quote([...head, `${last}es`]));
  else if (/^[a-z]*[a-z][iu]$/.test(last)) out.push(quote([...head, `${last}s`]));
  return out;
}

/**
 * Drops alternatives made redundant by a shorter one they contain ("machine learning" by
 * "learning"): any text that matches the longer also matches the shorter, so the union (the
 * superset the classifier needs) is unchanged and the query gets shorter.
 */
export function pruneAlternatives(alternatives: string[]): string[] {
  const unique = [...new Set(alternatives)];
  return unique.filter((a) => !unique.some((b) => b !== a && alternativeWithin(a, b))).sort();
}

/**
 * Whether every text that search alternative `a` finds is also found by `b`: `b`'s words are a
 * run of `a`'s ("machine learning" within "learning"). The one containment rule of the prefilter,
 * used to prune it and to tell whether a keyword list is within what a fetch searched for.
 */
export function alternativeWithin(a: string, b: string): boolean {
  const words = (x: string): string => ` ${x.replaceAll('"', '')} `;
  return words(a).includes(words(b));
}

/**
 * Packs alternatives into `|`-joined search values, each within the character and OR-value
 * limits and within `maxEncoded` characters once URL-encoded. `|` rather than OR keeps every
 * query at zero boolean operators (OpenAlex throttles searches with more than five).
 */
function packSearchValues(alternatives: string[], maxEncoded: number): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  const fits = (list: string[]): boolean => {
    const value = list.join('|');
    return list.length <= LIMITS.maxOrValues && value.length <= LIMITS.maxSearchChars && encodedLength(value) <= maxEncoded;
  };
  for (const alt of alternatives) {
    if (!fits([alt])) throw new UserError(`keyword ${alt} alone exceeds the OpenAlex query limits`);
    if (fits([...current, alt])) {
      current.push(alt);
    } else {
      chunks.push(current.join('|'));
      current = [alt];
    }
  }
  if (current.length > 0) chunks.push(current.join('|'));
  return chunks;
}

/**
 * One keyword list as search values within OpenAlex's per-value limits (100 alternatives, 1,500
 * characters), for counting calls: a work matching the list matches at least one of them.
 */
export function searchChunks(terms: readonly string[]): string[] {
  const alternatives = pruneAlternatives(terms.flatMap(searchAlternatives));
  return alternatives.length === 0 ? [] : packSearchValues(alternatives, Number.POSITIVE_INFINITY);
}

function encodedLength(value: string): number {
  return new URLSearchParams({ v: value }).toString().length - 2;
}

/** Every request URL is built here, from a credential-free base: these are the URLs that get stored. */
export function listQuery(baseUrl: string, filter: string, extra: Record<string, string>): string {
  const params = new URLSearchParams({ filter, ...extra });
  return `${redactUrl(baseUrl).replace(/\/+$/, '')}/works?${params.toString()}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * Splits the scope into year x country x (AI chunk x medical chunk) slices. A work tagged by the
 * classifier has one AI and one medical keyword, so it is in the slice of the chunks holding
 * them: the union of the slices is a superset of what the classifier tags. A work with authors
 * in two requested countries is fetched by both countries' slices; the store keeps it once.
 */
export function planSlices(input: PlanInput): Plan {
  const perPage = input.perPage ?? LIMITS.maxPerPage;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > LIMITS.maxPerPage) {
    throw new UserError(`per_page must be 1-${LIMITS.maxPerPage}, got ${perPage}`);
  }
  const countries = [...new Set(input.countries.map((c) => c.trim().toUpperCase()))].sort();
  // --types filters on the server, so works of other types are neither bought nor stored.
  const types = [...new Set(input.types ?? [])].sort();
  const typeFilter = types.length === 0 ? '' : `,type:${types.join('|')}`;
  // Room the two search values may take: the URL limit minus the widest URL without them.
  const widest = listQuery(input.baseUrl, `publication_year:${input.from}-${input.to},authorships.countries:XX${typeFilter},title_and_abstract.search:,title_and_abstract.search:`, {
    per_page: String(perPage),
  });
  const room = LIMITS.maxUrlChars - LIMITS.cursorReserveChars - widest.length;

  let aiChunks: (string | null)[] = [null];
  let medChunks: (string | null)[] = [null];
  if (input.prefilter !== null) {
    const ai = pruneAlternatives(input.prefilter.ai.flatMap(searchAlternatives));
    const med = pruneAlternatives(input.prefilter.medical.flatMap(searchAlternatives));
    if (ai.length === 0 || med.length === 0) throw new UserError('the search prefilter needs at least one AI and one medical keyword');
    const aiNeed = encodedLength(ai.join('|'));
    const medNeed = encodedLength(med.join('|'));
    // Give each list what it needs when one is short, else half the room each.
    const aiRoom = aiNeed + medNeed <= room || aiNeed <= room / 2 ? aiNeed : medNeed <= room / 2 ? room - medNeed : Math.floor(room / 2);
    aiChunks = packSearchValues(ai, aiRoom);
    medChunks = packSearchValues(med, room - Math.max(...aiChunks.map((c) => encodedLength(c ?? ''))));
  }

  const slices: Slice[] = [];
  const countQueries: Plan['countQueries'] = [];
  const search = input.prefilter !== null;
  for (const country of countries) {
    for (const [ai, aiChunk] of aiChunks.entries()) {
      for (const [med, medChunk] of medChunks.entries()) {
        const searchFilter = aiChunk === null || medChunk === null ? '' : `,title_and_abstract.search:${aiChunk},title_and_abstract.search:${medChunk}`;
        const chunk = search ? `a${ai}m${med}` : '';
        countQueries.push({
          query: listQuery(input.baseUrl, `publication_year:${input.from}-${input.to},authorships.countries:${country}${typeFilter}${searchFilter}`, { group_by: 'publication_year' }),
          country,
          chunk,
          search,
        });
        for (let year = input.from; year <= input.to; year++) {
          const query = listQuery(input.baseUrl, `publication_year:${year},authorships.countries:${country}${typeFilter}${searchFilter}`, { per_page: String(perPage) });
          slices.push({ id: [year, country, ...(chunk ? [chunk] : []), shortHash(query)].join('-'), year, country, chunk, query, search });
        }
      }
    }
  }
  return { slices, countQueries, perPage, chunks: { ai: aiChunks.length, medical: medChunks.length } };
}

/** The count query (one per country and chunk pair) that counts a slice of the plan. */
export function countQueryOf(plan: Pick<Plan, 'countQueries'>, slice: Pick<Slice, 'country' | 'chunk'>): Plan['countQueries'][number] {
  return plan.countQueries.find((q) => q.country === slice.country && q.chunk === slice.chunk)!;
}

/** Requests a cursor walk over `works` records takes: full pages, plus the short or empty last one. */
export function pagesFor(works: number, perPage: number): number {
  return Math.floor(works / perPage) + 1;
}

/**
 * A query narrowed to the works OpenAlex updated on or after `date` (YYYY-MM-DD): its filter plus
 * `from_updated_date`, which OpenAlex refuses (403) to keys not allowed it.
 */
export function sinceQuery(query: string, date: string): string {
  const url = new URL(query);
  url.searchParams.set('filter', `${url.searchParams.get('filter') ?? ''},from_updated_date:${date}`);
  return url.toString();
}

/** The walk of a slice's works updated since `date`: a slice of its own, with its own checkpoint. */
export function sinceSlice(slice: Slice, date: string): Slice {
  const query = sinceQuery(slice.query, date);
  return { ...slice, id: [slice.year, slice.country, ...(slice.chunk ? [slice.chunk] : []), `since${date}`, shortHash(query)].join('-'), query };
}
