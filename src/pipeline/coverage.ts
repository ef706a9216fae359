/**
 * What the data in the store covers, and the check of a requested Scope against it. A fetch
 * records what it asked for: an API fetch the years x countries it fetched, with the search
 * prefilter and the work types it asked the server for; a snapshot the files it read and their data
 * date (a snapshot holds every country, type and keyword, for the years up to that date). The
 * counting stages (classify, aggregate, report) refuse a Scope beyond it, since a count of what
 * was never fetched would read as a real 0 or a real total.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { DEFAULT_POLICY, fetchCountries, type CountryPolicy } from '../classify/countries.js';
import { DEFAULT_KEYWORDS_DIR, searchTerms, type Group, type KeywordRules } from '../classify/keywords.js';
import { ExitCode, UserError } from '../errors.js';
import type { ShareDenominator } from '../report/types.js';
import { LIMITS, alternativeWithin, searchAlternatives } from '../fetch/planner.js';
import type { Store } from '../store/store.js';
import type { ClassifierRecord } from './classify.js';
import { commandLine, loadRecord } from './completeness.js';
import type { Effects } from '../effects/effects.js';
import type { Scope } from './scope.js';

/** The meta key of the coverage record. */
const COVERAGE_KEY = 'coverage';

/** The search terms a prefilter was built from (searchTerms in classify/keywords.ts). */
export interface PrefilterRecord {
  /** Hash of the keyword rule's files the terms were taken from. */
  ruleHash: string;
  /** The rule's folder, as given to the fetch. */
  keywordsDir: string;
  ai: string[];
  medical: string[];
}

/** One finished API fetch: every slice year x code of `from`-`to` x `countries`. */
export interface ApiSpan {
  from: number;
  to: number;
  /** The codes fetched: those asked for plus, under fold-hk-mo, HK and MO (fetchCountries). */
  countries: string[];
  /** The policy the codes were chosen for. */
  countryPolicy: CountryPolicy;
  /** The key of the search terms in `prefilters`, or 'none': every work of the slice was fetched. */
  prefilter: string;
  /** The OpenAlex types asked for (`type:` filter); empty: every type. */
  types: string[];
  /** Part of each slice's query, so a fetch that should resume these slices must ask with it. */
  perPage: number;
}

export type Coverage =
  | { kind: 'api'; spans: ApiSpan[]; prefilters: Record<string, PrefilterRecord> }
  /** `dataDate`: the newest `updated_date` read; null when no record had one. */
  | { kind: 'snapshot'; files: string[]; dataDate: string | null };

/** What the store records under `coverage`. */
interface CoverageRecord {
  /** What finished fetches covered; null before the first finished. */
  covered: Coverage | null;
  /** Fetches begun and not finished, each with what it plans to cover, by the command that finishes it. */
  pending: { command: string; coverage: Coverage }[];
}

/** What is beyond the coverage, one entry per dimension of the Scope. */
export interface Shortfall {
  dimension: 'years' | 'countries' | 'country policy' | 'keywords' | 'types';
  detail: string;
}

/** The part of a keyword rule the coverage check needs: which groups it requires and its search terms. */
export interface RuleTerms {
  dir: string;
  require: readonly Group[];
  ai: readonly string[];
  medical: readonly string[];
}

function ruleTerms(rules: KeywordRules): RuleTerms {
  return { dir: rules.dir, require: rules.require, ...searchTerms(rules) };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** What an API fetch of `scope` covers once every slice is done (pure: the plan's rectangle). */
export function apiCoverage(scope: Scope, rules: KeywordRules, api: { prefilter: 'keywords' | 'none'; perPage: number }): Coverage & { kind: 'api' } {
  const prefilters: Record<string, PrefilterRecord> = {};
  let prefilter = 'none';
  if (api.prefilter === 'keywords') {
    const terms = searchTerms(rules);
    prefilter = shortHash(JSON.stringify(terms));
    const ruleHash = shortHash(rules.files.map((f) => `${f.path}:${f.sha256}`).join('\n'));
    prefilters[prefilter] = { ruleHash, keywordsDir: rules.dir, ...terms };
  }
  const span: ApiSpan = {
    from: scope.from,
    to: scope.to,
    countries: fetchCountries(scope.countries, scope.countryPolicy),
    countryPolicy: scope.countryPolicy,
    prefilter,
    types: [...scope.types].sort(),
    perPage: api.perPage,
  };
  return { kind: 'api', spans: [span], prefilters };
}

/** `b` added to `a`: API fetches add to an API data set; anything else replaces it (the store was emptied). */
function merge(a: Coverage | null, b: Coverage): Coverage {
  if (a === null || a.kind !== 'api' || b.kind !== 'api') return b;
  const spans = [...a.spans];
  for (const s of b.spans) if (!spans.some((t) => JSON.stringify(t) === JSON.stringify(s))) spans.push(s);
  return { kind: 'api', spans, prefilters: { ...a.prefilters, ...b.prefilters } };
}

async function readRecord(store: Store): Promise<CoverageRecord | null> {
  return store.getMeta<CoverageRecord>(COVERAGE_KEY);
}

/** Notes what a fetch plans to cover; call in the transaction of its beginLoad. */
export async function beginCoverage(store: Store, command: string, planned: Coverage): Promise<void> {
  const before = (await readRecord(store)) ?? { covered: null, pending: [] };
  const pending = [...before.pending.filter((p) => p.command !== command), { command, coverage: planned }];
  await store.setMeta(COVERAGE_KEY, { covered: before.covered, pending } satisfies CoverageRecord);
}

/**
 * Adds what finished fetches covered; call in the transaction of finishLoad, after it. A fetch is
 * finished when the load record no longer owes its command; `final` replaces what `command` planned
 * (a snapshot knows its data date only once read).
 */
export async function finishCoverage(store: Store, command: string, final?: Coverage): Promise<void> {
  const before = (await readRecord(store)) ?? { covered: null, pending: [] };
  const owed = new Set(((await loadRecord(store))?.pending ?? []).map((p) => p.command));
  let covered = before.covered;
  const pending: CoverageRecord['pending'] = [];
  for (const p of before.pending) {
    if (owed.has(p.command)) pending.push(p);
    else covered = merge(covered, p.command === command && final !== undefined ? final : p.coverage);
  }
  if (final !== undefined && !before.pending.some((p) => p.command === command)) covered = merge(covered, final);
  await store.setMeta(COVERAGE_KEY, { covered, pending } satisfies CoverageRecord);
}

/**
 * What the data covers, counting fetches not finished as covering what they planned (the
 * completeness gate answers for what they did not read); null for a database filled before this
 * record existed, or never filled.
 */
export async function coverageOf(store: Store): Promise<Coverage | null> {
  const record = await readRecord(store);
  if (record === null) return null;
  return record.pending.reduce<Coverage | null>((c, p) => merge(c, p.coverage), record.covered);
}

/** One year x country cell to check, and why it is needed. */
interface Cell {
  year: number;
  country: string;
  /** 'asked': a year and country of the Scope (or a fetched one, for classify); 'policy': HK or MO folded into CN. */
  why: 'asked' | 'policy';
}

/**
 * Which cells a stage reads: aggregate and report the Scope's years x countries; classify, which
 * tags every stored work whatever the window, the cells fetched. Under fold-hk-mo, China's cells
 * need Hong Kong's and Macao's too.
 */
function cellsOf(coverage: Coverage & { kind: 'api' }, scope: Scope, read: 'window' | 'fetched'): Cell[] {
  const asked: Cell[] = [];
  if (read === 'window') {
    for (let year = scope.from; year <= scope.to; year++) for (const country of scope.countries) asked.push({ year, country, why: 'asked' });
  } else {
    for (const s of coverage.spans) for (let year = s.from; year <= s.to; year++) for (const country of s.countries) asked.push({ year, country, why: 'asked' });
  }
  const cells = new Map(asked.map((c) => [`${c.year} ${c.country}`, c]));
  if (scope.countryPolicy === 'fold-hk-mo') {
    for (const c of asked) {
      if (c.country !== 'CN') continue;
      for (const country of fetchCountries(['CN'], 'fold-hk-mo')) if (!cells.has(`${c.year} ${country}`)) cells.set(`${c.year} ${country}`, { year: c.year, country, why: 'policy' });
    }
  }
  return [...cells.values()];
}

/** The rule's terms the prefilter did not search for; null when the prefilter cannot cover the rule at all. */
export function termsBeyond(rule: RuleTerms, prefilter: PrefilterRecord): string[] | null {
  // The prefilter asks for an AI and a medical keyword together; a rule requiring only one
  // group counts works the fetch never asked for.
  if (!(['ai', 'medical'] as const).every((g) => rule.require.includes(g))) return null;
  const beyond: string[] = [];
  for (const group of ['ai', 'medical'] as const) {
    const searched = prefilter[group].flatMap(searchAlternatives);
    for (const term of rule[group]) {
      // A work the rule tags has one of the term's alternatives; each must be found by one searched.
      if (!searchAlternatives(term).every((a) => searched.some((b) => alternativeWithin(a, b)))) beyond.push(term);
    }
  }
  return beyond;
}

function typesCover(fetched: readonly string[], asked: readonly string[]): boolean {
  return fetched.length === 0 || (asked.length > 0 && asked.every((t) => fetched.includes(t)));
}

/** "2010-2014, 2017" */
export function yearRanges(years: readonly number[]): string {
  const sorted = [...new Set(years)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** "US, CN in 2015-2021; GB in 2020": cells by country, countries with the same years together. */
function cellsText(cells: readonly Cell[]): string {
  const byCountry = new Map<string, number[]>();
  for (const c of cells) byCountry.set(c.country, [...(byCountry.get(c.country) ?? []), c.year]);
  const byYears = new Map<string, string[]>();
  for (const [country, years] of byCountry) {
    const key = yearRanges(years);
    byYears.set(key, [...(byYears.get(key) ?? []), country]);
  }
  return [...byYears].map(([years, countries]) => `${countries.join(', ')} in ${years}`).join('; ');
}

function listText(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).map((t) => `"${t}"`).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * THE coverage check: what of `scope` the data does not cover, per dimension; empty when it covers
 * it all. `read`: which cells the stage reads ('window' for aggregate and report; 'fetched' for
 * classify, which tags every stored work, so only its country policy and keyword rule are
 * checked). `rule`: the keyword rule the works are (to be) classified with; null skips keywords.
 */
export function checkCoverage(coverage: Coverage, scope: Scope, rule: RuleTerms | null, read: 'window' | 'fetched'): Shortfall[] {
  if (coverage.kind === 'snapshot') {
    // A snapshot holds every country, type and keyword; a year after its data date is not in it.
    const last = coverage.dataDate === null ? null : Number(coverage.dataDate.slice(0, 4));
    if (read === 'fetched' || last === null || scope.to <= last) return [];
    const first = Math.max(scope.from, last + 1);
    const one = first === scope.to;
    const years = yearRanges(Array.from({ length: scope.to - first + 1 }, (_, i) => first + i));
    return [{ dimension: 'years', detail: `${one ? 'year' : 'years'} ${years} ${one ? 'is' : 'are'} after the snapshot's data date (${coverage.dataDate})` }];
  }
  const noSlice: Cell[] = [];
  const wrongTypes: Cell[] = [];
  const beyondPrefilter: Cell[] = [];
  const beyondTerms = new Set<string>();
  let ruleNeedsNone = false;
  const fetchedTypes = new Set<string>();
  for (const cell of cellsOf(coverage, scope, read)) {
    const here = coverage.spans.filter((s) => cell.year >= s.from && cell.year <= s.to && s.countries.includes(cell.country));
    if (here.length === 0) {
      noSlice.push(cell);
      continue;
    }
    // classify tags every type, so types are checked only for the counts.
    const typed = read === 'fetched' ? here : here.filter((s) => typesCover(s.types, scope.types));
    if (typed.length === 0) {
      wrongTypes.push(cell);
      for (const s of here) for (const t of s.types) fetchedTypes.add(t);
      continue;
    }
    if (rule === null) continue;
    const verdicts = typed.map((s) => (s.prefilter === 'none' ? [] : termsBeyond(rule, coverage.prefilters[s.prefilter] ?? { ruleHash: '', keywordsDir: '', ai: [], medical: [] })));
    if (verdicts.some((v) => v !== null && v.length === 0)) continue;
    beyondPrefilter.push(cell);
    for (const v of verdicts) {
      if (v === null) ruleNeedsNone = true;
      else for (const t of v) beyondTerms.add(t);
    }
  }

  const out: Shortfall[] = [];
  const asked = noSlice.filter((c) => c.why === 'asked');
  if (read === 'window') {
    // A year no asked country was fetched for, a country fetched in none of the years: named as such.
    const years = Array.from({ length: scope.to - scope.from + 1 }, (_, i) => scope.from + i).filter((y) => scope.countries.every((k) => asked.some((c) => c.year === y && c.country === k)));
    const countries = scope.countries.filter((k) => years.length < scope.to - scope.from + 1 && asked.filter((c) => c.country === k).length === scope.to - scope.from + 1);
    if (years.length > 0) out.push({ dimension: 'years', detail: `${years.length === 1 ? 'year' : 'years'} ${yearRanges(years)} ${years.length === 1 ? 'was' : 'were'} not fetched` });
    if (countries.length > 0) out.push({ dimension: 'countries', detail: `${countries.length === 1 ? 'country' : 'countries'} ${countries.join(', ')} ${countries.length === 1 ? 'was' : 'were'} not fetched` });
    const rest = asked.filter((c) => !years.includes(c.year) && !countries.includes(c.country));
    if (rest.length > 0) out.push({ dimension: 'years', detail: `${cellsText(rest)} were not fetched` });
  }
  const policy = noSlice.filter((c) => c.why === 'policy');
  if (policy.length > 0) {
    out.push({
      dimension: 'country policy',
      detail: `--country-policy fold-hk-mo counts HK and MO as CN, but ${cellsText(policy)} were not fetched (a fetch with that policy fetches them)`,
    });
  }
  if (wrongTypes.length > 0) {
    const askedTypes = scope.types.length === 0 ? 'every work type is counted' : `types ${scope.types.join(', ')} are counted`;
    out.push({ dimension: 'types', detail: `${askedTypes}, but the fetch of ${cellsText(wrongTypes)} asked only for ${[...fetchedTypes].sort().join(', ')}` });
  }
  if (beyondPrefilter.length > 0 && rule !== null) {
    const why = ruleNeedsNone && beyondTerms.size === 0
      ? `the keyword rule in ${rule.dir} requires ${rule.require.join(' and ')} keywords only, but the fetch's search prefilter asked for works with both an AI and a medical keyword`
      : `the keyword rule in ${rule.dir} has search terms the fetch's prefilter did not ask for (${listText([...beyondTerms])}), so works matching them were never fetched`;
    out.push({ dimension: 'keywords', detail: `${why} (${cellsText(beyondPrefilter)})` });
  }
  return out;
}

/**
 * The API fetch command of a Scope: the options that decide its slices (a different window, list,
 * type filter or page size plans other slices, which would not resume these). `verb` 'refresh'
 * gives the same options to `medai-trends refresh`.
 */
export function apiFetchCommand(
  db: string,
  scope: Scope,
  rules: { dir: string },
  api: { prefilter: 'keywords' | 'none'; perPage: number },
  verb: 'fetch' | 'refresh' = 'fetch',
): string {
  const words = [verb, '--db', db, '--from', String(scope.from), '--to', String(scope.to), '--countries', scope.countries.join(',')];
  if (scope.types.length > 0) words.push('--types', scope.types.join(','));
  if (scope.countryPolicy !== DEFAULT_POLICY) words.push('--country-policy', scope.countryPolicy);
  if (api.prefilter !== 'keywords') words.push('--prefilter', api.prefilter);
  else if (resolve(rules.dir) !== resolve(DEFAULT_KEYWORDS_DIR)) words.push('--keywords', rules.dir);
  // The CLI's default page size: left out, as a user would type it.
  if (api.perPage !== LIMITS.maxPerPage) words.push('--per-page', String(api.perPage));
  return commandLine(words);
}

/**
 * The fetch that gets what is missing. For aggregate and report, the Scope itself: its slices
 * already fetched with the same query are done and are not bought again. For classify, each
 * fetch done before, with the policy and keyword rule it asked for.
 */
export function fetchCommandsFor(coverage: Coverage, db: string, scope: Scope, rule: RuleTerms | null, read: 'window' | 'fetched'): string[] {
  if (coverage.kind === 'snapshot') {
    return [`${commandLine(['fetch', '--db', db, '--snapshot'])} <the files of a newer snapshot>`];
  }
  const perPage = coverage.spans.at(-1)?.perPage ?? LIMITS.maxPerPage;
  const prefilter = rule !== null && !(['ai', 'medical'] as const).every((g) => rule.require.includes(g)) ? 'none' : 'keywords';
  const keywords = { dir: rule?.dir ?? scope.keywordsDir };
  const asked = (s: Scope): string => apiFetchCommand(db, s, keywords, { prefilter, perPage });
  if (read === 'window') return [asked(scope)];
  const commands = coverage.spans.map((s) => {
    // The codes a fold added are fetched again by the policy; the others as they were.
    const added = s.countryPolicy === 'fold-hk-mo' ? fetchCountries(['CN'], 'fold-hk-mo').filter((c) => c !== 'CN') : [];
    const countries = s.countries.filter((c) => !added.includes(c) || !s.countries.includes('CN'));
    return asked({ ...scope, from: s.from, to: s.to, countries, types: s.types });
  });
  return [...new Set(commands)];
}

const UNKNOWN_COVERAGE =
  'this database was filled by an older version of medai-trends, which did not record what its fetch covered, so counts outside it cannot be told from real zeros; rerun the fetch to record it';

/**
 * The coverage gate of the counting stages: a Scope beyond what was fetched stops them (exit 2),
 * naming what is missing and the fetch that gets it. A database from an older version is taken as
 * it is, with a warning (as completeness 'unknown' is).
 */
export async function requireCovered(
  store: Store,
  command: 'classify' | 'aggregate' | 'report',
  scope: Scope,
  rules: KeywordRules | null,
  effects: Effects,
  // Whose stored rule aggregate and report check: the rule's, or the second rule's (compare.ts), whose
  // works were fetched by the same prefilter.
  ruleKey: 'classifier' | 'classifier_compare' = 'classifier',
): Promise<void> {
  const coverage = await coverageOf(store);
  if (coverage === null) {
    // An empty database has nothing to cover; the stages say so themselves.
    if (((await store.counters()).records_read ?? 0) > 0) effects.warn(`${command}: ${UNKNOWN_COVERAGE}`);
    return;
  }
  let read: 'window' | 'fetched' = 'fetched';
  let asked = scope;
  let rule = rules === null ? null : ruleTerms(rules);
  if (command !== 'classify') {
    // The counts are of the classified table: its rule and country policy are the ones to check.
    const classifier = await store.getMeta<ClassifierRecord>(ruleKey);
    const policy = ruleKey === 'classifier' ? classifier?.countryPolicy : (await store.getMeta<ClassifierRecord>('classifier'))?.countryPolicy;
    read = 'window';
    asked = { ...scope, countryPolicy: policy ?? scope.countryPolicy };
    const terms = classifier?.rule?.search;
    rule = classifier?.rule === undefined || terms === undefined ? null : { dir: classifier.rule.dir, require: classifier.rule.require, ...terms };
    if (classifier !== null && rule === null) effects.warn(`${command}: the works were classified by an older version, which did not record the rule's search terms; the keyword rule is not checked against the fetch (run classify again)`);
  }
  const missing = checkCoverage(coverage, asked, rule, read);
  if (missing.length === 0) return;
  const commands = fetchCommandsFor(coverage, store.path, asked, rule, read).map((c) => `\`${c}\``).join(', ');
  const then = command === 'classify' ? 'then classify again' : `then classify and ${command} again`;
  const how =
    coverage.kind === 'snapshot'
      ? `Read a snapshot with newer data: ${commands}, ${then}; or end the window at the data date's year.`
      : `Fetch it (slices fetched before are not bought again): ${commands}; ${then}.`;
  throw new UserError(
    `${command}: the data in ${store.path} does not cover what was asked:\n${missing.map((m) => `  - ${m.dimension}: ${m.detail}`).join('\n')}\n` +
      `Counts there would be 0 or short, not the real numbers. ${how}`,
    ExitCode.usage,
  );
}

/**
 * What `--metric share` divides by, named for the chart, the page and the method note; `refusal`
 * when a share of it would not be a share of what the words "share of" promise.
 */
export type Denominator = ShareDenominator & { refusal?: string };

/**
 * The share denominator is the medical-AI papers in the local data (world_totals.sql). After a
 * snapshot that is every paper of the files read (the world, when they are the whole snapshot);
 * after an API fetch by country it is only the fetched countries' papers, so a share is refused
 * until world totals are fetched or counted on their own.
 */
export function shareDenominator(coverage: Coverage | null): Denominator {
  if (coverage === null) {
    return {
      label: 'Share of medical-AI papers in the database',
      short: 'Share of database',
      description: 'all medical-AI papers with a known affiliation country in the database (filled by an older version, which did not record what it fetched: the world only if that was a whole snapshot)',
    };
  }
  if (coverage.kind === 'api') {
    const countries = [...new Set(coverage.spans.flatMap((s) => s.countries))].sort();
    return {
      label: 'Share of the fetched countries\' medical-AI papers',
      short: 'Share of fetched',
      description: `the medical-AI papers with an author in a country fetched (${countries.join(', ')}), not the world's`,
      refusal: apiShareRefusal(countries),
    };
  }
  return {
    label: 'Share of medical-AI papers in the snapshot read',
    short: 'Share of snapshot',
    description: `all medical-AI papers with a known affiliation country in the ${coverage.files.length} snapshot file(s) read${coverage.dataDate === null ? '' : ` (data date ${coverage.dataDate})`}`,
  };
}

/** Why `--metric share` is refused on the works of an API fetch of `countries`. */
export function apiShareRefusal(countries: readonly string[]): string {
  return (
    `--metric share divides by all medical-AI papers in the data, but an API fetch holds only works with an author in the countries fetched (${countries.join(', ')}), ` +
    "so the denominator would be those countries' papers, not the world's. Use --metric count or index, or read a whole snapshot (fetch --snapshot) for shares of the world."
  );
}
