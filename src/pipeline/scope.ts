/**
 * The Scope of a run: which papers it counts. Parsed and validated once at the edge (command-line
 * flags, later a config file) into this typed value; the stages trust it and never re-validate.
 */
import type { CountryPolicy } from '../classify/countries.js';

export interface Scope {
  /** The year window, both ends included (CSET's Figure 2: 2010-2021). */
  from: number;
  to: number;
  /** ISO alpha-2 codes, distinct, upper-case, in the order the user gave them. */
  countries: readonly string[];
  /** OpenAlex work types to count (`--types`); empty: every type. */
  types: readonly string[];
  /**
   * `--merge-versions`: a preprint and another version of one paper (version_pairs_table.sql)
   * count once, in the earliest version's year, for the union of the versions' countries. Off by
   * default: OpenAlex's works are counted as they are.
   */
  mergeVersions: boolean;
  /** How HK, MO and TW relate to CN (src/classify/countries.ts). */
  countryPolicy: CountryPolicy;
  /** The keyword lists' folder (`--keywords`); the shipped data/keywords/ unless given. */
  keywordsDir: string;
}
