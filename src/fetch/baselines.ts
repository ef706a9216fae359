/**
 * Baselines from the OpenAlex API: per year, how many works a country has in all, with an AI
 * keyword and with a medical keyword (OpenAlex's own search), and the world's figures with the
 * medical-AI prefilter query. The store holds only prefiltered works, so these denominators can
 * come only from OpenAlex. Every call is a list-priced `group_by` (GROUP_BY_COST_USD).
 *
 * The country figures are asked first in one undocumented two-level call per measure
 * (`group_by=publication_year,authorships.countries`); when OpenAlex refuses it (400) or answers
 * in a shape this module does not understand, they are asked per country instead.
 */
import pLimit from 'p-limit';
import { UserError } from '../errors.js';
import { systemClock } from '../effects/clock.js';
import { LIMITS, listQuery, searchChunks } from './planner.js';
import { Stopped, type RetryPolicy } from './session.js';
import { budgetError, makeSession, readYearGroups, stopError, type FetchEffects } from './fetcher.js';

/** The baseline figures of one year x country (or 'WORLD'); null where OpenAlex was not asked. */
export interface ApiBaselineRow {
  year: number;
  country: string;
  all_works: number;
  /** null when the keyword list needs more than one search value (counts of two values do not add). */
  ai: number | null;
  medical: number | null;
  /** WORLD only: OpenAlex's search for an AI and a medical keyword (the fetch's prefilter), not the local rule. */
  medical_ai: number | null;
}

export interface BaselineCountry {
  /** The country as counted (ISO alpha-2). */
  country: string;
  /** The codes asked of OpenAlex for it (CN, HK and MO under fold-hk-mo). */
  codes: readonly string[];
}

export interface BaselineFetchOptions {
  baseUrl: string;
  apiKey: string;
  from: number;
  to: number;
  countries: readonly BaselineCountry[];
  /** The fetch's keyword prefilter terms: AI and medical. */
  terms: { ai: string[]; medical: string[] };
  /** OpenAlex work types (`type:` filter); empty: every type. */
  types: readonly string[];
  budgetUsd: number;
  maxRps: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export type BaselineMode = 'two-level' | 'per-country';

export interface ApiBaselines {
  rows: ApiBaselineRow[];
  /** Credential-free URLs of every counting call made, in the order planned. */
  queries: string[];
  /** How the country figures were counted, and why the two-level call was not used. */
  mode: BaselineMode;
  fallbackReason?: string;
  requests: number;
  usdSpent: number;
}

type Measure = 'all_works' | 'ai' | 'medical';
const MEASURES: readonly Measure[] = ['all_works', 'ai', 'medical'];

/** Counting calls in flight; the rate gate still caps requests per second. */
const BASELINE_CONCURRENCY = 4;
/** OpenAlex returns at most 200 groups in one group_by answer. */
const MAX_GROUPS = 200;

const countryKey = (key: unknown): string => String(key).replace(/^.*\//, '').toUpperCase();

/**
 * Counts per year and country from a two-level answer, in the shape the local server documents:
 * each year group carries a `group_by` list of country groups. Null when the answer is not in that
 * shape, or when a country asked for is missing from a year's list of MAX_GROUPS groups (cut off,
 * so its count is unknown rather than zero).
 */
export function readTwoLevel(body: Record<string, unknown>, countries: readonly string[]): Map<number, Map<string, number>> | null {
  if (!Array.isArray(body.group_by)) return null;
  const out = new Map<number, Map<string, number>>();
  for (const g of body.group_by as unknown[]) {
    if (typeof g !== 'object' || g === null) return null;
    const { key, count, group_by: inner } = g as Record<string, unknown>;
    const year = Number(String(key).replace(/^.*\//, ''));
    if (typeof count !== 'number' || !Number.isInteger(year) || !Array.isArray(inner)) return null;
    const byCountry = new Map<string, number>();
    for (const h of inner as unknown[]) {
      if (typeof h !== 'object' || h === null) return null;
      const { key: k, count: n } = h as Record<string, unknown>;
      if (typeof n !== 'number' || typeof k !== 'string') return null;
      byCountry.set(countryKey(k), n);
    }
    if (inner.length >= MAX_GROUPS && countries.some((c) => !byCountry.has(c))) return null;
    out.set(year, byCountry);
  }
  return out;
}

/** Asks OpenAlex for the baselines of `o.countries` and the world over the window. */
export async function fetchApiBaselines(o: BaselineFetchOptions, effects: Pick<FetchEffects, 'log' | 'clock' | 'random' | 'dispatcher'> = { log() {}, clock: systemClock }): Promise<ApiBaselines> {
  const session = makeSession(o, effects);
  const typeFilter = o.types.length === 0 ? '' : `,type:${[...o.types].sort().join('|')}`;
  const filterOf = (codes: readonly string[] | null, searches: readonly string[]): string =>
    `publication_year:${o.from}-${o.to}${codes === null ? '' : `,authorships.countries:${codes.join('|')}`}${typeFilter}${searches.map((s) => `,title_and_abstract.search:${s}`).join('')}`;
  const allCodes = [...new Set(o.countries.flatMap((c) => c.codes))].sort();
  const fits = (searches: readonly string[]): boolean =>
    listQuery(o.baseUrl, filterOf(allCodes, searches), { group_by: 'publication_year,authorships.countries' }).length <= LIMITS.maxUrlChars;
  const aiChunks = searchChunks(o.terms.ai);
  const medChunks = searchChunks(o.terms.medical);
  const search: Record<Measure, Term[] | null> = {
    all_works: [{ searches: [], sign: 1 }],
    ai: unionTerms([aiChunks], fits),
    medical: unionTerms([medChunks], fits),
  };
  const worldMedicalAi = unionTerms([aiChunks, medChunks], fits);
  const queries: string[] = [];
  const get = async <T>(filter: string, groupBy: string, read: (b: Record<string, unknown>) => T | null): Promise<T> => {
    const url = listQuery(o.baseUrl, filter, { group_by: groupBy });
    queries.push(url);
    // Counting calls first at the gate: nothing else waits on them, but they are few.
    return session.get(url, false, read, 0);
  };
  const limit = pLimit(BASELINE_CONCURRENCY);
  const years = Array.from({ length: o.to - o.from + 1 }, (_, i) => o.from + i);
  const rows = new Map<string, ApiBaselineRow>();
  const row = (year: number, country: string): ApiBaselineRow => {
    const key = `${year}|${country}`;
    let r = rows.get(key);
    if (r === undefined) {
      r = { year, country, all_works: 0, ai: search.ai === null ? null : 0, medical: search.medical === null ? null : 0, medical_ai: country === 'WORLD' && worldMedicalAi !== null ? 0 : null };
      rows.set(key, r);
    }
    return r;
  };
  for (const y of years) {
    row(y, 'WORLD');
    for (const c of o.countries) row(y, c.country);
  }
  const measures = MEASURES.filter((m) => search[m] !== null);
  // Each call adds its signed counts (inclusion-exclusion over the search values, unionTerms).
  const add = (year: number, country: string, m: Measure | 'medical_ai', n: number): void => {
    if (year < o.from || year > o.to) return;
    const r = row(year, country);
    r[m] = (r[m] ?? 0) + n;
  };

  try {
    // The world: one one-level call per measure, and the prefilter query for its medical-AI papers.
    const worldMeasures: [Measure | 'medical_ai', Term[]][] = [...measures.map((m): [Measure, Term[]] => [m, search[m]!]), ...(worldMedicalAi === null ? [] : [['medical_ai', worldMedicalAi] as [Measure | 'medical_ai', Term[]]])];
    await Promise.all(
      worldMeasures.flatMap(([m, terms]) =>
        terms.map((t) =>
          limit(async () => {
            const counts = await get(filterOf(null, t.searches), 'publication_year', readYearGroups);
            for (const [y, n] of counts) add(y, 'WORLD', m, t.sign * n);
          }),
        ),
      ),
    );

    // A country of one code can come from the two-level answer; a folded one (CN with HK and MO)
    // needs its codes OR-ed in one filter, since adding their groups would count a work twice.
    const single = o.countries.filter((c) => c.codes.length === 1 && c.codes[0] === c.country);
    const perCountry = o.countries.filter((c) => !single.includes(c));
    let mode: BaselineMode = 'per-country';
    let fallbackReason: string | undefined;
    if (single.length > 0) {
      const codes = single.map((c) => c.country).sort();
      try {
        // The all-works call first: a refusal or an answer not understood then costs one call, not all.
        const [first, ...rest] = measures.flatMap((m) => search[m]!.map((t) => ({ m, t })));
        const ask = async ({ m, t }: { m: Measure; t: Term }) => ({ m, t, body: await get(filterOf(codes, t.searches), 'publication_year,authorships.countries', (b) => b) });
        const read = (a: Awaited<ReturnType<typeof ask>>) => ({ ...a, counts: readTwoLevel(a.body, codes) });
        const head = read(await ask(first!));
        const parsed = head.counts === null ? [head] : [head, ...(await Promise.all(rest.map((x) => limit(async () => read(await ask(x))))))];
        if (parsed.every((p) => p.counts !== null)) {
          mode = 'two-level';
          for (const { m, t, counts } of parsed) {
            for (const [y, byCountry] of counts!) for (const c of codes) add(y, c, m, t.sign * (byCountry.get(c) ?? 0));
          }
        } else {
          fallbackReason = 'OpenAlex answered the two-level group_by in a shape not understood';
        }
      } catch (e) {
        // A 400 is OpenAlex refusing the two-level form; anything else (a spent budget) is final.
        if (!(e instanceof UserError) || !/HTTP 400/.test(e.message)) throw e;
        fallbackReason = `OpenAlex refused the two-level group_by (${e.message})`;
      }
      if (mode !== 'two-level') {
        effects.log(`baselines: ${fallbackReason}; counting per country instead`);
        perCountry.push(...single);
      }
    }
    await Promise.all(
      perCountry.flatMap((c) =>
        measures.flatMap((m) =>
          search[m]!.map((t) =>
            limit(async () => {
              const counts = await get(filterOf([...c.codes].sort(), t.searches), 'publication_year', readYearGroups);
              for (const [y, n] of counts) add(y, c.country, m, t.sign * n);
            }),
          ),
        ),
      ),
    );
    const order = ['WORLD', ...o.countries.map((c) => c.country)];
    return {
      rows: [...rows.values()].sort((a, b) => a.year - b.year || order.indexOf(a.country) - order.indexOf(b.country)),
      // Sorted: the calls run in parallel, and the record should not depend on which came back first.
      queries: [...queries].sort(),
      mode,
      ...(fallbackReason === undefined ? {} : { fallbackReason }),
      requests: session.requests,
      usdSpent: session.spentUsd,
    };
  } catch (e) {
    if (e instanceof Stopped) throw stopError(session) ?? budgetError(session, `Counting the baselines stopped after ${session.requests} calls; nothing of them was stored`, effects.clock);
    throw e;
  }
}

/** One counting call of an inclusion-exclusion sum: the search values it ANDs, and its sign. */
export interface Term {
  searches: string[];
  sign: 1 | -1;
}

/**
 * The calls that count the works matching every list in `lists`, where a work matches a list when
 * it matches any of its search values. A list of one value is one filter; a longer one is summed by
 * inclusion-exclusion (|A or B| = |A| + |B| - |A and B|), each term ANDing one non-empty subset of
 * each list's values (`filter` ANDs its parts). Null when a list is empty or a term's query would not
 * fit OpenAlex's URL limit (`fits`).
 */
export function unionTerms(lists: readonly (readonly string[])[], fits: (searches: readonly string[]) => boolean): Term[] | null {
  let terms: Term[] = [{ searches: [], sign: 1 }];
  for (const list of lists) {
    if (list.length === 0) return null;
    const subsets: Term[] = [];
    for (let mask = 1; mask < 1 << list.length; mask++) {
      const picked = list.filter((_, i) => (mask & (1 << i)) !== 0);
      subsets.push({ searches: picked, sign: picked.length % 2 === 1 ? 1 : -1 });
    }
    terms = terms.flatMap((t) => subsets.map((u) => ({ searches: [...t.searches, ...u.searches], sign: (t.sign * u.sign) as 1 | -1 })));
  }
  return terms.every((t) => fits(t.searches)) ? terms : null;
}


