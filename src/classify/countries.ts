/**
 * The country rules: the set of countries a work counts for (full counting) and the share of the
 * work each of them gets (fractional counting).
 */
import type { Authorship } from '../model/work.js';

/**
 * How Chinese special administrative regions are counted. `separate` keeps OpenAlex's codes as
 * they are (HK, MO and TW are their own ISO codes, as in the source data); `fold-hk-mo` counts
 * Hong Kong and Macao as China, as some bibliometric studies do. Taiwan is never folded.
 */
export type CountryPolicy = 'separate' | 'fold-hk-mo';
export const COUNTRY_POLICIES: readonly CountryPolicy[] = ['separate', 'fold-hk-mo'];
/** HK, MO and TW apart from CN, as OpenAlex gives them. */
export const DEFAULT_POLICY: CountryPolicy = 'separate';

export function describePolicy(policy: CountryPolicy): string {
  return policy === 'separate'
    ? 'HK, MO and TW counted separately from CN'
    : 'HK and MO counted as CN; TW counted separately';
}

/** Map Hong Kong and Macao to China under `fold-hk-mo`; every other code stays as it is. */
const FOLD_HK_MO: Readonly<Record<string, string>> = { HK: 'CN', MO: 'CN' };

/**
 * Full counting: a work counts once for each distinct country among all its authors' countries
 * (`authorships[].countries`) and their institutions' `country_code`. Both sources are read
 * because pre-2023 records only have the institutions', and an author's own `countries` can
 * name an affiliation with no institution record. Sorted so the result is deterministic.
 */
export function countriesOf(authorships: readonly Authorship[], policy: CountryPolicy): string[] {
  return countryShares(authorships, policy).countries;
}

/** One author's distinct countries (own and institutions'), after the policy. */
function authorCountries(a: Authorship, policy: CountryPolicy): string[] {
  const out = new Set<string>();
  for (const c of [...(a.countries ?? []), ...a.institutionCountries]) {
    if (c !== null) out.add(policy === 'fold-hk-mo' ? (FOLD_HK_MO[c] ?? c) : c);
  }
  return [...out];
}

/**
 * Fractional counting (CWTS Leiden style): the weight of each country of countriesOf(), in its
 * order. The paper's weight 1 is split equally over its authors with at least one country, and
 * each author's share equally over that author's distinct countries (after the policy, so a
 * folded HK author's share goes to CN). Authors with no country are left out, so the weights of a
 * paper with any country add up to 1; one with none has none. Only the authors OpenAlex lists are
 * split over: it lists the first 100 of a longer list (`authorsTruncated`). queries/classify_works.sql
 * is the SQL twin.
 */
export function fractionalWeights(authorships: readonly Authorship[], policy: CountryPolicy): number[] {
  return countryShares(authorships, policy).weights;
}

/**
 * Both country rules in one pass over the authors: the countries a work counts for (full
 * counting: every country any author has is one an author with a country contributes to) and each
 * one's weight (fractional counting), aligned and sorted so the result is deterministic.
 */
export function countryShares(authorships: readonly Authorship[], policy: CountryPolicy): { countries: string[]; weights: number[] } {
  const known = authorships.map((a) => authorCountries(a, policy)).filter((set) => set.length > 0);
  const weight = new Map<string, number>();
  for (const set of known) {
    for (const c of set) weight.set(c, (weight.get(c) ?? 0) + 1 / set.length);
  }
  const countries = [...weight.keys()].sort();
  return { countries, weights: countries.map((c) => (weight.get(c) as number) / known.length) };
}

/**
 * The codes a fetch asks the API for. Under `fold-hk-mo`, China's count includes Hong Kong and
 * Macao, so their works must be fetched too; what is counted is still decided by countriesOf.
 */
export function fetchCountries(countries: readonly string[], policy: CountryPolicy): string[] {
  const out = new Set(countries);
  if (policy === 'fold-hk-mo' && out.has('CN')) {
    for (const [code, into] of Object.entries(FOLD_HK_MO)) if (into === 'CN') out.add(code);
  }
  return [...out].sort();
}
