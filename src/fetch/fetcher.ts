/**
 * `medai-trends fetch` and `estimate`: plan slices, ask what they will cost, then walk each
 * slice's cursor in parallel through one shared rate gate, committing every page with its
 * checkpoint so any stop (budget, failure, kill -9) resumes where it left off.
 */
import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import { ExitCode, UserError } from '../errors.js';
import { toBatch } from '../model/batch.js';
import { systemClock, type Clock } from '../effects/clock.js';
import { callCostUsd, GROUP_BY_COST_USD, pagesFor, planSlices, type Plan, type Slice } from './planner.js';
import { quietProgress, type FetchProgress, type FetchProgressState } from '../effects/progress.js';
import type { Effects } from '../effects/effects.js';
import { clearRawSlice, readRawPage, writeRawPage } from './raw-pages.js';
import { DEFAULT_RETRY, Session, Stopped, type RetryPolicy } from './session.js';
import type { SliceCheckpoint, WorkSink } from './sink.js';

export interface FetchOptions {
  baseUrl: string; // from OPENALEX_BASE_URL, default https://api.openalex.org
  apiKey: string; // from OPENALEX_API_KEY; never logged, never in a printed URL or the manifest
  from: number;
  to: number;
  countries: string[];
  prefilter: { ai: string[]; medical: string[] } | null; // null = no search prefilter (fetch every work in year x country scope)
  /** OpenAlex work types to fetch; empty or absent: every type. */
  types?: readonly string[];
  dataDir: string; // raw pages kept here as gzipped JSON Lines
  budgetUsd: number;
  maxRps: number;
  concurrency: number;
  refresh: boolean;
  /** Start even when the estimate exceeds `budgetUsd`: the run then stops at the cap (exit 4) and a rerun resumes. */
  yes?: boolean;
  /** Results per page, 1-100; default 100 (fewer calls for the same works). */
  perPage?: number;
  /** Per request, headers and body; default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export type EstimateOptions = Pick<FetchOptions, 'baseUrl' | 'apiKey' | 'from' | 'to' | 'countries' | 'prefilter' | 'types' | 'maxRps' | 'perPage' | 'timeoutMs' | 'retry'> & {
  /** Counting costs money too; default $0.10. */
  budgetUsd?: number;
  /** When given, slices already fetched are counted as done. */
  checkpoints?: Pick<WorkSink, 'getCheckpoint'>;
};

/** The run's effects (logs, progress, clock), and the HTTP knobs a test may set. */
export interface FetchEffects extends Pick<Effects, 'log' | 'warn' | 'progress' | 'clock'> {
  /** The date a slice's walk began, recorded in its checkpoint (a later refresh asks for what changed since); default: now. */
  now?: () => Date;
  /** Jitter for backoff; tests may fix it. */
  random?: () => number;
  dispatcher?: Dispatcher;
}

/** A library call prints nothing unless given effects that do (the CLI passes its own). */
const quietFetch: FetchEffects = { log() {}, warn() {}, progress: () => quietProgress, clock: systemClock };

export interface SliceEstimate {
  sliceId: string;
  year: number;
  country: string;
  query: string;
  /** meta count of the slice (a work with authors in two countries is in both countries' slices). */
  works: number;
  /** Requests its cursor walk takes, and those still to do given its checkpoint. */
  pages: number;
  pagesLeft: number;
  usdLeft: number;
  done: boolean;
}

export interface Estimate {
  slices: SliceEstimate[];
  works: number;
  pagesLeft: number;
  usdLeft: number;
  /** What the counting itself took. */
  countRequests: number;
  countUsd: number;
  perPage: number;
  chunks: Plan['chunks'];
}

export interface FetchSummary {
  queries: string[]; // credential-free URLs, for the manifest
  slices: number;
  /** Slices already complete from an earlier run (not requested again). */
  slicesSkipped: number;
  pages: number;
  /** Pages found on disk from a run stopped before committing them: stored without a request. */
  pagesReplayed: number;
  requests: number;
  worksReceived: number;
  usdSpent: number;
  retries: number;
  throttled: number;
  /** Requests per second between the first and last request of the run. */
  achievedRps: number;
  elapsedMs: number;
  estimate: { works: number; pages: number; usd: number };
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Counting calls in flight for a bare estimate; the rate gate still caps requests per second. */
const ESTIMATE_CONCURRENCY = 4;

/** The one session of a fetch, an estimate or any other counting: budget, rate gate, retries and timeout. */
export function makeSession(
  options: Pick<FetchOptions, 'apiKey' | 'maxRps' | 'timeoutMs' | 'retry'> & { budgetUsd: number },
  effects: Pick<FetchEffects, 'clock' | 'random' | 'dispatcher'>,
): Session {
  return new Session({
    apiKey: options.apiKey,
    budgetUsd: options.budgetUsd,
    maxRps: options.maxRps,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    clock: effects.clock,
    random: effects.random ?? Math.random,
    ...(effects.dispatcher ? { dispatcher: effects.dispatcher } : {}),
  });
}

interface ListPage {
  count: number;
  nextCursor: string | null;
  results: unknown[];
}

/** A list page as OpenAlex shapes it; null when it is not one (retried, never taken as empty). */
function readListPage(body: Record<string, unknown>): ListPage | null {
  const meta = body.meta;
  if (typeof meta !== 'object' || meta === null || !Array.isArray(body.results)) return null;
  const m = meta as Record<string, unknown>;
  if (typeof m.count !== 'number') return null;
  const next = m.next_cursor;
  if (next !== null && typeof next !== 'string') return null;
  return { count: m.count, nextCursor: next, results: body.results };
}

/** Counts per publication year from a `group_by=publication_year` response. */
export function readYearGroups(body: Record<string, unknown>): Map<number, number> | null {
  if (!Array.isArray(body.group_by)) return null;
  const counts = new Map<number, number>();
  for (const g of body.group_by as unknown[]) {
    if (typeof g !== 'object' || g === null) return null;
    const { key, count } = g as Record<string, unknown>;
    if (typeof count !== 'number') return null;
    counts.set(Number(String(key).replace(/^.*\//, '')), count);
  }
  return counts;
}

async function checkpointOf(sink: Pick<WorkSink, 'getCheckpoint'> | undefined, slice: Slice): Promise<SliceCheckpoint | null> {
  const cp = (await sink?.getCheckpoint(slice.id)) ?? null;
  // The id hashes the query, so a mismatch means a foreign checkpoint: start over rather than resume it.
  return cp !== null && cp.query === slice.query ? cp : null;
}

/** Every slice's saved checkpoint, read once before any worker starts committing. */
async function readCheckpoints(plan: Plan, sink: Pick<WorkSink, 'getCheckpoint'> | undefined): Promise<Map<string, SliceCheckpoint>> {
  const saved = new Map<string, SliceCheckpoint>();
  for (const slice of plan.slices) {
    const cp = await checkpointOf(sink, slice);
    if (cp !== null) saved.set(slice.id, cp);
  }
  return saved;
}

async function countSlices(session: Session, plan: Plan, saved: Map<string, SliceCheckpoint>, concurrency: number): Promise<Estimate> {
  // A count query whose slices are all done would buy numbers nobody needs.
  const open = new Set(plan.slices.filter((s) => saved.get(s.id)?.done !== true).map((s) => `${s.country}|${s.chunk}`));
  const countsBy = new Map<string, Map<number, number>>();
  const countUsdBefore = session.spentUsd;
  const requestsBefore = session.requests;
  const openQueries = plan.countQueries.filter((q) => open.has(`${q.country}|${q.chunk}`));
  const counted = await countWith(session, openQueries.map((q) => q.query), concurrency);
  for (const q of openQueries) countsBy.set(`${q.country}|${q.chunk}`, counted.get(q.query)!);
  const slices: SliceEstimate[] = plan.slices.map((slice) => {
    const cp = saved.get(slice.id);
    const works = cp?.done ? cp.worksStored : (countsBy.get(`${slice.country}|${slice.chunk}`)?.get(slice.year) ?? 0);
    const pages = cp?.done ? cp.pagesDone : pagesFor(works, plan.perPage);
    const pagesLeft = cp?.done ? 0 : Math.max(1, pages - (cp?.pagesDone ?? 0));
    return { sliceId: slice.id, year: slice.year, country: slice.country, query: slice.query, works, pages, pagesLeft, usdLeft: pagesLeft * callCostUsd(slice.search), done: cp?.done ?? false };
  });
  return {
    slices,
    works: slices.reduce((n, s) => n + s.works, 0),
    pagesLeft: slices.reduce((n, s) => n + s.pagesLeft, 0),
    usdLeft: slices.reduce((n, s) => n + s.usdLeft, 0),
    countRequests: session.requests - requestsBefore,
    countUsd: session.spentUsd - countUsdBefore,
    perPage: plan.perPage,
    chunks: plan.chunks,
  };
}

/** The error that stopped a session, when an error (not a budget) did. */
export function stopError(session: Session): Error | null {
  return session.stopReason?.kind === 'error' ? (session.stopReason.error as Error) : null;
}

/**
 * Asks OpenAlex how many works each slice holds (one `group_by=publication_year` call per
 * country and keyword chunk) and prices the cursor walks: what `medai-trends estimate` prints
 * and what every fetch checks against its budget before it starts.
 */
export async function estimate(options: EstimateOptions, effects: FetchEffects = quietFetch): Promise<Estimate> {
  const plan = planSlices(options);
  const budgetUsd = options.budgetUsd ?? 0.1;
  const countUsd = plan.countQueries.length * GROUP_BY_COST_USD;
  if (countUsd > budgetUsd + 1e-9) {
    throw new UserError(`counting the slices takes ${plan.countQueries.length} calls (~${formatUsd(countUsd)}), more than the budget of ${formatUsd(budgetUsd)}`, ExitCode.budgetExhausted);
  }
  const session = makeSession({ ...options, budgetUsd }, effects);
  try {
    return await countSlices(session, plan, await readCheckpoints(plan, options.checkpoints), ESTIMATE_CONCURRENCY);
  } catch (e) {
    if (e instanceof Stopped) throw budgetError(session, 'Counting stopped', null);
    throw e;
  }
}

export interface CountNow {
  /** Works per publication year, by count query; a year OpenAlex lists no group for is 0. */
  counts: Map<string, Map<number, number>>;
  requests: number;
  usd: number;
}

/**
 * Asks OpenAlex the `group_by=publication_year` count queries, once each, under one budget and
 * rate gate: what `reconcile` compares the stored works with. Refuses before any call when the
 * calls alone would cost more than the budget.
 */
export async function countNow(
  options: Pick<FetchOptions, 'apiKey' | 'maxRps' | 'timeoutMs' | 'retry'> & { budgetUsd: number },
  queries: readonly string[],
  effects: FetchEffects = quietFetch,
): Promise<CountNow> {
  const unique = [...new Set(queries)];
  // A group_by call is list-priced even with a search filter (GROUP_BY_COST_USD).
  const usd = unique.length * GROUP_BY_COST_USD;
  if (usd > options.budgetUsd + 1e-9) {
    throw new UserError(`counting takes ${unique.length} calls (~${formatUsd(usd)}), more than --budget-usd ${formatUsd(options.budgetUsd)}`, ExitCode.budgetExhausted);
  }
  const session = makeSession(options, effects);
  try {
    return { counts: await countWith(session, unique), requests: session.requests, usd: session.spentUsd };
  } catch (e) {
    if (e instanceof Stopped) throw budgetError(session, 'Counting stopped', null);
    throw e;
  }
}

/**
 * The `group_by=publication_year` count queries asked through a caller's session (its budget and
 * rate gate), once each; a year OpenAlex lists no group for is absent (0). Throws Stopped when the
 * session stops: the caller says what was left.
 */
export async function countWith(session: Session, queries: readonly string[], concurrency = ESTIMATE_CONCURRENCY): Promise<Map<string, Map<number, number>>> {
  const counts = new Map<string, Map<number, number>>();
  const limit = pLimit(concurrency);
  // Counts come before any page: every slice waits for them (hence the top priority).
  // A group_by call is list-priced even with a search filter (GROUP_BY_COST_USD).
  await Promise.all([...new Set(queries)].map((q) => limit(async () => counts.set(q, await session.get(q, false, readYearGroups, Number.MAX_SAFE_INTEGER)))));
  return counts;
}

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(4)}`;
}

/** Exit 4 for a spent budget, saying which one and, for OpenAlex's, when it resets. */
export function budgetError(session: Session, left: string, clock: Clock | null): UserError {
  const reason = session.stopReason;
  if (reason?.kind === 'budget-server') {
    const now = (clock ?? systemClock).now();
    const reset = reason.resetSeconds === null ? 'at midnight UTC' : `at ${new Date(now + reason.resetSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC (in ${Math.round(reason.resetSeconds / 60)} min)`;
    return new UserError(`OpenAlex budget exhausted (${reason.message}). ${left}. The budget resets ${reset}; run the same command then to resume.`, ExitCode.budgetExhausted);
  }
  return new UserError(`--budget-usd spent (${formatUsd(session.spentUsd)}). ${left}. Rerun (with a higher --budget-usd to go further) to resume.`, ExitCode.budgetExhausted);
}

export async function fetchWorks(sink: WorkSink, options: FetchOptions, effects: FetchEffects = quietFetch): Promise<FetchSummary> {
  const clock = effects.clock;
  const progress = effects.progress();
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new UserError(`--concurrency must be a positive integer, got ${options.concurrency}`);
  if (!(options.budgetUsd > 0)) throw new UserError(`--budget-usd must be positive, got ${options.budgetUsd}`);
  const started = clock.now();
  const plan = planSlices(options);
  const session = makeSession(options, effects);
  const checkpoints = options.refresh ? undefined : sink;

  // Checkpoints are read once, here, before any worker commits: the store's connection then
  // serves only the workers' commits, one transaction at a time.
  const saved = await readCheckpoints(plan, checkpoints);
  let est: Estimate;
  try {
    est = await countSlices(session, plan, saved, options.concurrency);
  } catch (e) {
    if (e instanceof Stopped) throw budgetError(session, 'Nothing was fetched yet', clock);
    throw e;
  }
  const todo = est.slices.filter((s) => !s.done);
  effects.log(
    `fetch: ${plan.slices.length} slices (${est.slices.length - todo.length} already done; ${options.prefilter === null ? 'no search prefilter' : `keyword search in ${plan.chunks.ai} AI x ${plan.chunks.medical} medical chunks`}), ` +
      `~${est.works} works, ~${est.pagesLeft} pages to request, ~${formatUsd(est.usdLeft)} (counting cost ${formatUsd(est.countUsd)}); budget ${formatUsd(options.budgetUsd)}`,
  );
  if (session.spentUsd + est.usdLeft > options.budgetUsd && options.yes !== true) {
    throw new UserError(
      `the estimated cost ${formatUsd(session.spentUsd + est.usdLeft)} exceeds --budget-usd ${formatUsd(options.budgetUsd)}; raise it, or pass --yes to start anyway (the run stops at the cap with its checkpoint saved, and a rerun resumes)`,
      ExitCode.usage,
    );
  }

  const state: WalkState = { slicesDone: est.slices.length - todo.length, slicesTotal: plan.slices.length, pages: 0, replayed: 0, pagesTotal: est.pagesLeft, works: 0, usd: session.spentUsd };
  const estimates = new Map(est.slices.map((s) => [s.sliceId, s]));
  await walkSlices({ sink, session, dataDir: options.dataDir, refresh: options.refresh, perPage: plan.perPage, concurrency: options.concurrency, effects, progress }, plan.slices, estimates, saved, state);

  const summary: FetchSummary = {
    queries: plan.slices.map((s) => s.query),
    slices: plan.slices.length,
    slicesSkipped: est.slices.length - todo.length,
    pages: state.pages,
    pagesReplayed: state.replayed,
    requests: session.requests,
    worksReceived: state.works,
    usdSpent: session.spentUsd,
    retries: session.retries,
    throttled: session.throttled,
    achievedRps: session.gate.achievedRps(),
    elapsedMs: clock.now() - started,
    estimate: { works: est.works, pages: est.pagesLeft, usd: est.usdLeft },
  };
  throwIfStopped(session, state, est, clock);
  effects.log(
    `fetch: done, ${summary.pages} pages, ${summary.worksReceived} records, ${summary.requests} requests (${summary.retries} retried, ${summary.throttled} throttled) at ${summary.achievedRps.toFixed(1)} req/s, ${formatUsd(summary.usdSpent)}`,
  );
  return summary;
}

/** Where a walk of many slices stands, for the progress display and the stop message. */
interface WalkState extends FetchProgressState {
  replayed: number;
}

interface WalkContext {
  sink: WorkSink;
  session: Session;
  dataDir: string;
  /** `--refresh`: no page is replayed from disk, and a slice starting over drops its kept pages. */
  refresh: boolean;
  perPage: number;
  concurrency: number;
  effects: FetchEffects;
  progress: FetchProgress;
}

/**
 * Walks each slice's cursor not done yet, in parallel through the session's one rate gate,
 * committing every page with its checkpoint. Returns when every slice is done or the session
 * stopped (its stopReason says why; throwIfStopped turns it into the run's error).
 */
async function walkSlices(ctx: WalkContext, slices: readonly Slice[], estimates: Map<string, SliceEstimate>, saved: Map<string, SliceCheckpoint>, state: WalkState): Promise<void> {
  const { sink, session, perPage, effects, progress } = ctx;
  const report = (): void => progress.update({ ...state, usd: session.spentUsd });
  const now = effects.now ?? (() => new Date());

  async function runSlice(slice: Slice): Promise<void> {
    const cp = saved.get(slice.id) ?? null;
    if (cp?.done) return;
    if (ctx.refresh && cp === null) await clearRawSlice(ctx.dataDir, slice.id);
    let cursor = cp?.cursor ?? '*';
    let pagesDone = cp?.pagesDone ?? 0;
    let received = cp?.worksStored ?? 0;
    let expected = cp?.expected;
    // When the walk began: a later `refresh` asks for the works updated since (from_updated_date).
    let fetchedAt = cp?.fetchedAt;
    for (;;) {
      const pageUrl = `${slice.query}&cursor=${encodeURIComponent(cursor)}`;
      // A page that reached the disk but not the store (a kill in between) is replayed, not bought again.
      const kept = ctx.refresh ? null : await readRawPage(ctx.dataDir, slice.id, pagesDone + 1);
      let page: ListPage;
      if (pagesDone === 0) fetchedAt ??= now().toISOString();
      if (kept !== null && kept.meta.query === slice.query && kept.meta.cursor === cursor) {
        page = { count: kept.meta.count, nextCursor: kept.meta.nextCursor, results: kept.records };
        state.replayed++;
      } else {
        // The slice with the most pages left goes first, so the run does not end on one long walk.
        const pagesLeft = (estimates.get(slice.id)?.pages ?? 0) - pagesDone;
        page = await session.get(pageUrl, slice.search, readListPage, pagesLeft);
        await writeRawPage(ctx.dataDir, slice.id, pagesDone + 1, page.results, { query: slice.query, cursor, nextCursor: page.nextCursor, count: page.count });
      }
      // The API sends a cursor with every non-empty page; a short page that completes the count is the last one too, which saves the empty request after it.
      const done = page.nextCursor === null || page.results.length === 0 || (page.results.length < perPage && received + page.results.length >= page.count);
      // The count when the walk began; later pages may count works added meanwhile, which are not lost ones.
      if (pagesDone === 0) expected = page.count;
      pagesDone++;
      received += page.results.length;
      await sink.commitPage({
        ...toBatch(page.results.map((raw, i) => ({ origin: `${pageUrl}#results[${i}]`, raw }))),
        checkpoint: {
          sliceId: slice.id,
          query: slice.query,
          cursor: done ? null : page.nextCursor,
          pagesDone,
          worksStored: received,
          done,
          ...(expected === undefined ? {} : { expected }),
          ...(fetchedAt === undefined ? {} : { fetchedAt }),
        },
      });
      state.pages++;
      state.works += page.results.length;
      if (done) {
        state.slicesDone++;
        report();
        return;
      }
      report();
      cursor = page.nextCursor!;
    }
  }

  // Longest slices first, so the run does not end on one long cursor walk with idle workers.
  const order = slices.filter((s) => !estimates.get(s.id)?.done).sort((a, b) => (estimates.get(b.id)?.pagesLeft ?? 0) - (estimates.get(a.id)?.pagesLeft ?? 0));
  const limit = pLimit(ctx.concurrency);
  report();
  await Promise.all(
    order.map((slice) =>
      limit(async () => {
        if (session.stopReason !== null) return;
        try {
          await runSlice(slice);
        } catch (e) {
          if (!(e instanceof Stopped)) session.stop({ kind: 'error', error: e });
        }
      }),
    ),
  );
  progress.stop({ ...state, usd: session.spentUsd });
}

/** The run's error when its session stopped: the error that stopped it, or the budget's exit 4, saying what is left. */
function throwIfStopped(session: Session, state: WalkState, est: Pick<Estimate, 'pagesLeft' | 'usdLeft'>, clock: Clock): void {
  if (session.stopReason === null) return;
  const pagesLeft = Math.max(0, est.pagesLeft - state.pages);
  const usdLeft = est.pagesLeft > 0 ? (est.usdLeft * pagesLeft) / est.pagesLeft : 0;
  const left = `${state.slicesDone} of ${state.slicesTotal} slices done, checkpoints saved; about ${pagesLeft} pages (~${formatUsd(usdLeft)}) left`;
  const error = stopError(session);
  if (error !== null) {
    if (error instanceof UserError) throw new UserError(`${error.message}. ${left}; rerun to resume.`, error.exitCode);
    throw error;
  }
  throw budgetError(session, left, clock);
}

/** A slice to walk whose size is already known (counted by the caller), with what a walk of it costs. */
export interface PlannedWalk {
  slice: Slice;
  /** meta count the caller counted for it: prices the walk and orders the workers. */
  works: number;
}

export interface WalkSummary {
  pages: number;
  pagesReplayed: number;
  worksReceived: number;
  /** Pages and USD the walks were estimated at before they began (their checkpoints taken into account). */
  estimate: { pages: number; usd: number };
}

/**
 * Walks slices a caller planned and counted (refresh: the slices that moved, the works updated
 * since), through its session, so one budget and one rate gate cover its counting and its pages.
 * Resumes each from its checkpoint like a fetch; a stop ends in the fetch's own errors (exit 3/4).
 */
export async function walkPlanned(
  sink: WorkSink,
  session: Session,
  walks: readonly PlannedWalk[],
  options: Pick<FetchOptions, 'dataDir' | 'concurrency'> & { perPage: number },
  effects: FetchEffects = quietFetch,
): Promise<WalkSummary> {
  const saved = new Map<string, SliceCheckpoint>();
  for (const w of walks) {
    const cp = await checkpointOf(sink, w.slice);
    if (cp !== null) saved.set(w.slice.id, cp);
  }
  const estimates = new Map<string, SliceEstimate>(
    walks.map(({ slice, works }) => {
      const cp = saved.get(slice.id);
      const pages = pagesFor(works, options.perPage);
      const pagesLeft = cp?.done ? 0 : Math.max(1, pages - (cp?.pagesDone ?? 0));
      return [slice.id, { sliceId: slice.id, year: slice.year, country: slice.country, query: slice.query, works, pages, pagesLeft, usdLeft: pagesLeft * callCostUsd(slice.search), done: cp?.done ?? false }];
    }),
  );
  const est = { pagesLeft: [...estimates.values()].reduce((n, e) => n + e.pagesLeft, 0), usdLeft: [...estimates.values()].reduce((n, e) => n + e.usdLeft, 0) };
  const state: WalkState = { slicesDone: walks.filter((w) => saved.get(w.slice.id)?.done).length, slicesTotal: walks.length, pages: 0, replayed: 0, pagesTotal: est.pagesLeft, works: 0, usd: session.spentUsd };
  const progress = effects.progress();
  await walkSlices({ sink, session, dataDir: options.dataDir, refresh: false, perPage: options.perPage, concurrency: options.concurrency, effects, progress }, walks.map((w) => w.slice), estimates, saved, state);
  throwIfStopped(session, state, est, effects.clock);
  return { pages: state.pages, pagesReplayed: state.replayed, worksReceived: state.works, estimate: { pages: est.pagesLeft, usd: est.usdLeft } };
}
