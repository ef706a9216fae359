/**
 * A local OpenAlex: a real HTTP server on an ephemeral port that speaks the part of the API the
 * fetcher uses, over the real records in `works.jsonl.gz`. Responses, headers and error bodies
 * follow the recorded ones under `../shared/data/openalex/rkrug__openalexPro` (page envelopes,
 * `group_by` shape, X-RateLimit-* headers, 400/401 bodies). What was never recorded (a 429) follows
 * OpenAlex's documentation. Faults can be switched on at a seeded rate, so tests replay exactly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { rebuildAbstract } from '../../src/model/abstract.js';
import { openAlexDataDir, readJsonLines } from './openalex-data.js';
import { analyze, matches, parseSearch, SearchSyntaxError, splitOutsideQuotes, type SearchNode } from './openalex-search.js';
import { seededRandom } from '../../src/random.js';

export type FaultKind = '5xx' | 'reset' | 'stall' | 'truncate';

export interface OpenAlexServerOptions {
  /** JSON Lines of works (snapshot format); default `works.jsonl.gz` in the data folder. */
  worksFile?: string;
  /** The key every request must carry (`Authorization: Bearer` or `api_key=`); default 'test-key'. */
  apiKey?: string;
  /** Added before every response, like the network and database time of the real API. */
  latencyMs?: number;
  /** Requests per second (sliding one-second window) above which the server answers 429 + Retry-After. */
  maxRps?: number;
  /** Daily budget in USD; once spent, 429 "Insufficient budget" until `setBudget` resets it. */
  budgetUsd?: number;
  /** Faults on a share of `/works` requests, drawn from a seeded generator; the kinds take turns. */
  faults?: { rate: number; kinds: FaultKind[]; seed?: number };
  /**
   * Answers a two-level `group_by=a,b` with 400, as for an unknown group_by field: OpenAlex does
   * not document the two-level form, so a client must cope with a server that refuses it.
   */
  refuseTwoLevelGroupBy?: boolean;
  /**
   * Answers a filter on `from_updated_date`/`to_updated_date` (or the created dates) with OpenAlex's
   * 403 for a key that may not use them (the check of ourresearch/openalex-api-proxy, before the
   * call is billed): those filters were long reserved to premium keys.
   */
  refuseUpdatedDateFilter?: boolean;
}

export interface PageHit {
  /** Milliseconds since the server started. */
  at: number;
  key: string;
}

export interface OpenAlexServerStats {
  /** Every request received, whatever became of it. */
  requests: number;
  /** Responses by outcome: '200', '401', '429-throttle', '429-budget', 'fault-5xx', 'fault-reset', ... */
  outcomes: Record<string, number>;
  /** Complete 200 list pages served, by page key (filter, select, per_page, cursor or page). */
  pageHits: Map<string, number>;
  /** The same, in order, for tests that need to know what was served when. */
  pageLog: PageHit[];
  /** USD charged for the 200 responses, at OpenAlex's list/search prices. */
  usdSpent: number;
}

export interface OpenAlexServer {
  url: string;
  stats: OpenAlexServerStats;
  /** Page keys served more than once (a resumed fetch must leave this empty). */
  duplicatePages(): string[];
  /** Starts a new budget day: `usd` available, nothing spent. */
  setBudget(usd: number | undefined): void;
  /** Changes the fault injection from now on (null switches it off). */
  setFaults(faults: OpenAlexServerOptions['faults'] | null): void;
  /**
   * Replaces the works served from now on (snapshot-format records): OpenAlex moving between two
   * runs, with works updated (a new `updated_date`), added, deleted or merged away.
   */
  setWorks(records: readonly unknown[]): void;
  /** Switches the refusal of the updated/created date filters (refuseUpdatedDateFilter) on or off. */
  setRefuseUpdatedDateFilter(refuse: boolean): void;
  close(): Promise<void>;
}

/**
 * OpenAlex's prices per call (developers.openalex.org, "Pricing by Endpoint", 2026). A `group_by`
 * call is priced as a list call even when its filter holds a search: it returns counts, not
 * search results (see `priceOf`).
 */
const LIST_COST_USD = 0.0001;
const SEARCH_COST_USD = 0.001;
/** Documented query limits. */
const MAX_PER_PAGE = 100;
const MAX_OR_VALUES = 100;
/** "Your request URL is 4612 bytes, over the 4094-byte limit" (developers.openalex.org, searching guide). */
const MAX_URL_BYTES = 4094;
const MAX_SEARCH_CHARS = 1500;
const BASIC_PAGING_LIMIT = 10_000;
/** OpenAlex returns at most 200 groups per group_by answer (the rest need paging). */
const MAX_GROUPS = 200;

/** Header list exposed by the real API (recorded 2026-03). */
const EXPOSE_HEADERS =
  'Cache-Control, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Onetime-Remaining, X-RateLimit-Credits-Used, X-RateLimit-Credits-Required, X-RateLimit-Reset, X-RateLimit-Limit-USD, X-RateLimit-Remaining-USD, X-RateLimit-Prepaid-Remaining-USD, X-RateLimit-Cost-USD, X-RateLimit-Cost-Required-USD, Retry-After';

/** Valid `select` fields, as listed in the real 400 body for a bad one. */
const SELECT_FIELDS = new Set(
  'id, doi, title, display_name, relevance_score, publication_year, publication_date, ids, language, primary_location, sources, type, type_crossref, indexed_in, open_access, authorships, institution_assertions, institutions, countries_distinct_count, institutions_distinct_count, corresponding_author_ids, corresponding_institution_ids, apc_list, apc_paid, fwci, is_authors_truncated, has_fulltext, fulltext_origin, cited_by_count, citation_normalized_percentile, cited_by_percentile_year, biblio, is_retracted, is_paratext, is_xpac, primary_topic, topics, keywords, concepts, mesh, locations_count, locations, best_oa_location, sustainable_development_goals, awards, funders, datasets, versions, has_content, content_urls, referenced_works_count, referenced_works, related_works, abstract_inverted_index, cited_by_api_url, counts_by_year, updated_date, created_date'.split(', '),
);

/** Filters this server implements (OpenAlex has ~150; the planner uses these). */
const FILTER_FIELDS = [
  'publication_year',
  'from_publication_date',
  'to_publication_date',
  'authorships.countries',
  'authorships.institutions.country_code',
  'institutions.country_code',
  'title_and_abstract.search',
  'type',
  'from_updated_date',
  'to_updated_date',
];
const GROUP_BY_FIELDS = ['publication_year', 'authorships.countries', 'authorships.institutions.country_code', 'type'];

interface IndexedWork {
  id: string;
  raw: Record<string, unknown>;
  year: number | null;
  date: string | null;
  /** `updated_date` as OpenAlex writes it (`2025-04-23T06:44:08.171414`); what from_updated_date compares. */
  updated: string | null;
  type: string | null;
  countries: Set<string>;
  text: string[];
}

type Predicate = (w: IndexedWork) => boolean;

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; message: string },
  ) {
    super(body.message);
  }
}

const invalidParams = (message: string): BadRequest => new BadRequest(400, { error: 'Invalid query parameters error.', message });

function indexWork(raw: Record<string, unknown>): IndexedWork | null {
  if (typeof raw.id !== 'string') return null;
  const countries = new Set<string>();
  if (Array.isArray(raw.authorships)) {
    for (const a of raw.authorships as Record<string, unknown>[]) {
      if (Array.isArray(a?.countries)) for (const c of a.countries) if (typeof c === 'string') countries.add(c.toUpperCase());
      if (Array.isArray(a?.institutions)) {
        for (const i of a.institutions as Record<string, unknown>[]) {
          if (typeof i?.country_code === 'string') countries.add(i.country_code.toUpperCase());
        }
      }
    }
  }
  const title = typeof raw.title === 'string' ? raw.title : typeof raw.display_name === 'string' ? raw.display_name : '';
  const abstract = rebuildAbstract(raw.abstract_inverted_index).text ?? '';
  return {
    id: raw.id.replace('https://openalex.org/', ''),
    raw,
    year: typeof raw.publication_year === 'number' ? raw.publication_year : null,
    date: typeof raw.publication_date === 'string' ? raw.publication_date : null,
    updated: typeof raw.updated_date === 'string' ? raw.updated_date : null,
    type: typeof raw.type === 'string' ? raw.type : null,
    countries,
    text: analyze(`${title} ${abstract}`),
  };
}

function yearPredicate(value: string): Predicate {
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{4})$/.exec(value))) {
    const [lo, hi] = [Number(m[1]), Number(m[2])];
    return (w) => w.year !== null && w.year >= lo && w.year <= hi;
  }
  if ((m = /^([<>])(\d{4})$/.exec(value))) {
    const [op, y] = [m[1], Number(m[2])];
    return (w) => w.year !== null && (op === '<' ? w.year < y : w.year > y);
  }
  if ((m = /^(\d{4})$/.exec(value))) {
    const y = Number(m[1]);
    return (w) => w.year === y;
  }
  throw invalidParams(`Value for param publication_year must be a number. ${value} is not a valid number.`);
}

function datePredicate(field: string, value: string): Predicate {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw invalidParams(`${value} is not a valid date for ${field}.`);
  return field === 'from_publication_date' ? (w) => w.date !== null && w.date >= value : (w) => w.date !== null && w.date <= value;
}

/** One `field:value` filter; `|` ORs values, a leading `!` negates. */
function filterPredicate(field: string, rawValue: string): Predicate {
  const negate = rawValue.startsWith('!');
  const value = negate ? rawValue.slice(1) : rawValue;
  let p: Predicate;
  if (field === 'title_and_abstract.search') {
    if (value.length > MAX_SEARCH_CHARS) {
      throw invalidParams(`Search queries are limited to ${MAX_SEARCH_CHARS} characters; this one has ${value.length}.`);
    }
    let node: SearchNode;
    try {
      node = parseSearch(value);
    } catch (e) {
      if (e instanceof SearchSyntaxError) throw invalidParams(e.message);
      throw e;
    }
    if (splitOutsideQuotes(value, '|').length > MAX_OR_VALUES) throw invalidParams(`Maximum number of values exceeded for ${field}. Decrease values to ${MAX_OR_VALUES} or below.`);
    p = (w) => matches(node, w.text);
  } else {
    const values = value.split('|');
    if (values.length > MAX_OR_VALUES) throw invalidParams(`Maximum number of values exceeded for ${field}. Decrease values to ${MAX_OR_VALUES} or below.`);
    const alternatives = values.map((v): Predicate => {
      switch (field) {
        case 'publication_year':
          return yearPredicate(v);
        case 'from_publication_date':
        case 'to_publication_date':
          return datePredicate(field, v);
        case 'from_updated_date':
        case 'to_updated_date': {
          // A date or a full timestamp; both ends included, as OpenAlex documents for the date filters.
          if (!/^\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?$/.test(v)) throw invalidParams(`${v} is not a valid date for ${field}.`);
          return field === 'from_updated_date' ? (w) => w.updated !== null && w.updated >= v : (w) => w.updated !== null && w.updated.slice(0, v.length) <= v;
        }
        case 'authorships.countries':
        case 'authorships.institutions.country_code':
        case 'institutions.country_code': {
          // Pre-2023 records have no `authorships[].countries`, so both fields read the union.
          const code = v.replace('https://openalex.org/countries/', '').toUpperCase();
          return (w) => w.countries.has(code);
        }
        case 'type': {
          const t = v.replace('https://openalex.org/types/', '').toLowerCase();
          return (w) => w.type === t;
        }
        default:
          throw invalidParams(`${field} is not a valid field. Valid fields are underscore or hyphenated versions of: ${FILTER_FIELDS.join(', ')}`);
      }
    });
    p = (w) => alternatives.some((a) => a(w));
  }
  return negate ? (w) => !p(w) : p;
}

function parseFilter(filter: string | null): Predicate[] {
  if (filter === null || filter === '') return [];
  return splitOutsideQuotes(filter, ',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) throw invalidParams(`Invalid filter: ${part} must be of the form field:value.`);
    const written = part.slice(0, colon).trim();
    const field = written.toLowerCase().replaceAll('-', '_');
    if (!FILTER_FIELDS.includes(field)) {
      // Named as written, like the real message ("DOESNTEXIST is not a valid field").
      throw invalidParams(`${written} is not a valid field. Valid fields are underscore or hyphenated versions of: ${FILTER_FIELDS.join(', ')}`);
    }
    return filterPredicate(field, part.slice(colon + 1));
  });
}

function groupKeys(field: string, w: IndexedWork): { key: string; display: string }[] {
  switch (field) {
    case 'publication_year':
      return w.year === null ? [] : [{ key: String(w.year), display: String(w.year) }];
    case 'type':
      return w.type === null ? [] : [{ key: `https://openalex.org/types/${w.type}`, display: w.type }];
    default:
      return [...w.countries].map((c) => ({ key: `https://openalex.org/countries/${c}`, display: c }));
  }
}

interface GroupEntry {
  key: string;
  key_display_name: string;
  count: number;
  group_by?: GroupEntry[];
}

/** One level of groups over `members`: largest first, at most MAX_GROUPS of them. */
function groupCounts(field: string, members: readonly IndexedWork[]): GroupEntry[] {
  const groups = new Map<string, GroupEntry>();
  for (const w of members) {
    for (const g of groupKeys(field, w)) {
      const entry = groups.get(g.key) ?? { key: g.key, key_display_name: g.display, count: 0 };
      entry.count++;
      groups.set(g.key, entry);
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)).slice(0, MAX_GROUPS);
}

/**
 * What a call costs: a search filter or `search=` makes it a search call, except a `group_by`
 * call, which is list-priced whatever its filter holds (it returns counts, not ranked results).
 */
export function priceOf(params: URLSearchParams): number {
  if (params.has('group_by') || params.has('group-by')) return LIST_COST_USD;
  const isSearch = /(?:^|,)\s*[\w.-]*\.search[\w.-]*:/.test(params.get('filter') ?? '') || params.has('search');
  return isSearch ? SEARCH_COST_USD : LIST_COST_USD;
}

function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify([lastId])).toString('base64');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string') return parsed[0];
  } catch {
    // fall through to the 400 below
  }
  throw invalidParams(`cursor ${cursor} is not a valid cursor.`);
}

function secondsToMidnightUtc(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.ceil((midnight - now.getTime()) / 1000);
}

/** Parsed and indexed once per file and process: tests start many servers over the same records. */
const loaded = new Map<string, IndexedWork[]>();

function indexWorks(records: readonly unknown[]): IndexedWork[] {
  return (
    records
      .map((r) => (typeof r === 'object' && r !== null ? indexWork(r as Record<string, unknown>) : null))
      .filter((w): w is IndexedWork => w !== null)
      // Deterministic order by id, which is also what the cursor encodes.
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  );
}

function loadWorks(file: string): IndexedWork[] {
  let works = loaded.get(file);
  if (works === undefined) {
    works = indexWorks(readJsonLines(file));
    loaded.set(file, works);
  }
  return works;
}

/**
 * The filters OpenAlex reserves to keys allowed them, as its proxy matches them (checkProtectedParams
 * in ourresearch/openalex-api-proxy src/index.ts).
 */
const PROTECTED_FILTER = /(?:from|to)_(?:updated|created)_date:[><]?\d{4}-\d{2}-\d{2}/;

export async function startOpenAlexServer(opts: OpenAlexServerOptions = {}): Promise<OpenAlexServer> {
  const apiKey = opts.apiKey ?? 'test-key';
  const latencyMs = opts.latencyMs ?? 0;
  let works = loadWorks(opts.worksFile ?? join(openAlexDataDir(), 'works.jsonl.gz'));
  let refuseUpdatedDate = opts.refuseUpdatedDateFilter === true;

  let budgetUsd = opts.budgetUsd;
  let faults = opts.faults ?? null;
  let random = seededRandom(faults?.seed ?? 1);
  let faultsFired = 0;
  const started = Date.now();
  const recent: number[] = [];
  const sockets = new Set<Socket>();
  const stats: OpenAlexServerStats = { requests: 0, outcomes: {}, pageHits: new Map(), pageLog: [], usdSpent: 0 };
  const count = (outcome: string): void => {
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
  };

  function rateHeaders(costUsd: number): Record<string, string> {
    const limitUsd = budgetUsd ?? 1000;
    const remainingUsd = Math.max(0, limitUsd - stats.usdSpent);
    return {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': EXPOSE_HEADERS,
      'x-ratelimit-limit': String(Math.round(limitUsd / LIST_COST_USD)),
      'x-ratelimit-remaining': String(Math.floor(remainingUsd / LIST_COST_USD)),
      'x-ratelimit-credits-used': String(Math.round(costUsd / LIST_COST_USD)),
      'x-ratelimit-limit-usd': String(limitUsd),
      'x-ratelimit-remaining-usd': remainingUsd.toFixed(4),
      'x-ratelimit-cost-usd': String(costUsd),
      'x-ratelimit-reset': String(secondsToMidnightUtc(new Date())),
    };
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  /** Works a list: returns the body and the page key, or throws BadRequest. */
  function list(params: URLSearchParams, costUsd: number): { body: unknown; pageKey: string | null } {
    const t0 = performance.now();
    const predicates = parseFilter(params.get('filter'));
    const matched = works.filter((w) => predicates.every((p) => p(w)));
    const perPageText = params.get('per_page') ?? params.get('per-page');
    const groupBy = (params.get('group_by') ?? params.get('group-by'))?.toLowerCase().replaceAll('-', '_');
    const dbMs = (): number => Math.round(performance.now() - t0);

    if (groupBy !== undefined) {
      const fields = groupBy.split(',').map((f) => f.trim());
      for (const f of fields) if (!GROUP_BY_FIELDS.includes(f)) throw invalidParams(`${f} is not a valid group_by field.`);
      if (fields.length > 2 || (fields.length === 2 && opts.refuseTwoLevelGroupBy === true)) throw invalidParams(`${groupBy} is not a valid group_by field.`);
      const groupList = groupCounts(fields[0]!, matched);
      if (fields.length === 2) {
        // The two-level shape this server answers (OpenAlex does not document one): each first-level
        // group carries its own `group_by` list of second-level groups over its works, both levels
        // sorted by count and capped at MAX_GROUPS, like the one-level answer.
        for (const g of groupList) {
          const members = matched.filter((w) => groupKeys(fields[0]!, w).some((k) => k.key === g.key));
          (g as GroupEntry).group_by = groupCounts(fields[1]!, members);
        }
      }
      return {
        pageKey: null,
        body: {
          meta: { count: matched.length, db_response_time_ms: dbMs(), page: null, per_page: MAX_GROUPS, next_cursor: null, groups_count: groupList.length, cost_usd: costUsd },
          results: [],
          group_by: groupList,
        },
      };
    }

    const perPage = perPageText === null ? 25 : Number(perPageText);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      throw invalidParams(`per-page parameter must be between 1 and ${MAX_PER_PAGE}`);
    }
    const selectText = params.get('select');
    const select = selectText === null ? null : selectText.split(',').map((s) => s.trim());
    for (const field of select ?? []) {
      if (!SELECT_FIELDS.has(field)) throw invalidParams(`${field} is not a valid select field. Valid fields for select are: ${[...SELECT_FIELDS].join(', ')}.`);
    }
    const project = (w: IndexedWork): unknown =>
      select === null ? w.raw : Object.fromEntries(select.filter((f) => f in w.raw).map((f) => [f, w.raw[f]]));

    const cursor = params.get('cursor');
    const pageText = params.get('page');
    const keyBase = `filter=${params.get('filter') ?? ''}|select=${selectText ?? ''}|per_page=${perPage}`;
    if (cursor !== null) {
      if (pageText !== null) throw invalidParams('Cannot use page parameter with cursor pagination.');
      const lastId = cursor === '*' ? null : decodeCursor(cursor);
      const start = lastId === null ? 0 : matched.findIndex((w) => w.id > lastId);
      const slice = start < 0 ? [] : matched.slice(start, start + perPage);
      // Like the real API: a cursor comes back with every non-empty page; only the empty page after the last one has null.
      const next = slice.length > 0 ? encodeCursor(slice[slice.length - 1]!.id) : null;
      return {
        pageKey: `${keyBase}|cursor=${cursor}`,
        body: {
          meta: { count: matched.length, db_response_time_ms: dbMs(), page: null, per_page: perPage, next_cursor: next, groups_count: null, cost_usd: costUsd },
          results: slice.map(project),
          group_by: [],
        },
      };
    }
    const page = pageText === null ? 1 : Number(pageText);
    if (!Number.isInteger(page) || page < 1) throw invalidParams(`page parameter must be a positive integer.`);
    if (page * perPage > BASIC_PAGING_LIMIT) {
      throw invalidParams(`Maximum results size of ${BASIC_PAGING_LIMIT.toLocaleString('en-US')} records is exceeded. Cursor pagination is required for records beyond ${BASIC_PAGING_LIMIT.toLocaleString('en-US')} and is available for up to a total of 10,000,000 records. Use cursor=* to begin pagination.`);
    }
    const slice = matched.slice((page - 1) * perPage, page * perPage);
    return {
      pageKey: `${keyBase}|page=${page}`,
      body: {
        meta: { count: matched.length, db_response_time_ms: dbMs(), page, per_page: perPage, groups_count: null, cost_usd: costUsd },
        results: slice.map(project),
        group_by: [],
      },
    };
  }

  /** Injects a fault instead of the response; true when one was injected. */
  function injectFault(req: IncomingMessage, res: ServerResponse, okBody: () => string | null): boolean {
    if (faults === null || faults.kinds.length === 0 || random() >= faults.rate) return false;
    // Kinds take turns, so every kind asked for shows up once a few faults have fired.
    const kind = faults.kinds[faultsFired++ % faults.kinds.length]!;
    count(`fault-${kind}`);
    switch (kind) {
      case '5xx': {
        const status = [500, 502, 503, 504][Math.floor(random() * 4)]!;
        // Gateways answer in HTML, the application in JSON: a client must cope with both.
        if (status === 502 || status === 504) {
          res.writeHead(status, { 'content-type': 'text/html' });
          res.end(`<html><head><title>${status}</title></head><body>${status} Bad Gateway</body></html>`);
        } else {
          send(res, status, { error: 'Internal Server Error', message: 'The server encountered an internal error.' }, {});
        }
        return true;
      }
      case 'reset':
        req.socket.destroy();
        return true;
      case 'stall':
        // Never answers; the client's timeout must fire. close() destroys the socket.
        return true;
      case 'truncate': {
        const text = okBody() ?? '{"meta":{"count":0},"results":[';
        const cut = text.slice(0, Math.floor(text.length / 2));
        if (random() < 0.5) {
          // A complete HTTP response whose JSON stops half-way (chunked, so nothing tells the client).
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(cut);
        } else {
          // The connection drops before the promised content-length arrives.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          res.write(cut, () => req.socket.destroy());
        }
        return true;
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const arrived = Date.now();
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://localhost');
    const params = url.searchParams;

    const auth = req.headers.authorization;
    const key = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : params.get('api_key');
    if (key === null || key === undefined || key === '') {
      count('401');
      return send(res, 401, { error: 'Invalid or missing API key', message: 'API key not found' }, {});
    }
    if (key !== apiKey) {
      count('401');
      return send(res, 401, { error: 'Unauthorized', message: 'Invalid API key' }, {});
    }

    // Per-second throttling counts requests by arrival, over a sliding one-second window.
    if (opts.maxRps !== undefined) {
      while (recent.length > 0 && recent[0]! <= arrived - 1000) recent.shift();
      if (recent.length >= opts.maxRps) {
        count('429-throttle');
        return send(res, 429, { error: 'Rate limit exceeded', message: `Too many requests per second: the limit is ${opts.maxRps}. Slow down and retry after the Retry-After interval.` }, { ...rateHeaders(0), 'retry-after': '1' });
      }
      recent.push(arrived);
    }

    if (url.pathname !== '/works') {
      count('404');
      return send(res, 404, { error: 'Not Found', message: `${url.pathname} is not an endpoint of this server.` }, {});
    }
    const urlBytes = Buffer.byteLength(`${req.headers.host ?? ''}${rawUrl}`) + 'https://'.length;
    if (urlBytes > MAX_URL_BYTES) {
      count('400-url');
      return send(res, 400, { error: 'Request URL too long', message: `Your request URL is ${urlBytes} bytes, over the ${MAX_URL_BYTES}-byte limit (roughly 4 KB). Shorten the query or split it into several requests.` }, {});
    }

    const protectedFilter = PROTECTED_FILTER.exec(params.get('filter') ?? '');
    if (refuseUpdatedDate && protectedFilter !== null) {
      // The proxy answers before the call reaches the API: nothing is billed.
      count('403-protected');
      return send(res, 403, { error: 'Forbidden', message: `You must include a valid API key to use "${protectedFilter[0]}" with filter` }, {});
    }

    const costUsd = priceOf(params);
    if (budgetUsd !== undefined && stats.usdSpent + costUsd > budgetUsd + 1e-12) {
      count('429-budget');
      const reset = secondsToMidnightUtc(new Date());
      return send(res, 429, { error: 'Insufficient budget', message: `This request costs $${costUsd} and $${Math.max(0, budgetUsd - stats.usdSpent).toFixed(4)} of your $${budgetUsd} daily budget remains. It resets at midnight UTC.` }, { ...rateHeaders(costUsd), 'retry-after': String(reset) });
    }

    let result: { body: unknown; pageKey: string | null };
    try {
      result = list(params, costUsd);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      count(String(e.status));
      return send(res, e.status, e.body, rateHeaders(LIST_COST_USD));
    }
    const text = JSON.stringify(result.body);
    if (injectFault(req, res, () => text)) return;

    stats.usdSpent += costUsd;
    count('200');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...rateHeaders(costUsd) });
    res.end(text, () => {
      // A page counts as served once all of it has been handed to the socket.
      if (result.pageKey !== null) {
        stats.pageHits.set(result.pageKey, (stats.pageHits.get(result.pageKey) ?? 0) + 1);
        stats.pageLog.push({ at: Date.now() - started, key: result.pageKey });
      }
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      count('500-bug');
      if (!res.headersSent) send(res, 500, { error: 'Internal Server Error', message: String(e) }, {});
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    duplicatePages: () => [...stats.pageHits].filter(([, n]) => n > 1).map(([k]) => k),
    setBudget(usd) {
      budgetUsd = usd;
      stats.usdSpent = 0;
    },
    setFaults(next) {
      faults = next ?? null;
      random = seededRandom(next?.seed ?? 1);
    },
    setWorks(records) {
      works = indexWorks(records);
    },
    setRefuseUpdatedDateFilter(refuse) {
      refuseUpdatedDate = refuse;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolveClose());
      }),
  };
}
