/**
 * `refresh` from the OpenAlex API: brings a fetched data set up to date at the lowest cost.
 *
 * 1. Every slice of the Scope's plan is recounted: one list-priced `group_by=publication_year` call
 *    per country x keyword chunk (the fetch's own count queries), set beside the count its walk
 *    began with (the checkpoint's `expected`).
 * 2. Where the key may use `from_updated_date`, the works of each slice updated since its last walk
 *    are counted the same way (one more group_by call per count query). OpenAlex refuses the filter
 *    to keys not allowed it (403, "You must include a valid API key to use ..."): the first such
 *    call is made alone, so a refusal costs one free answer and the refresh falls back to counts.
 * 3. Only what changed is walked: a slice's works updated since (the newest copy wins through the
 *    store's merge rule), or the whole slice when its updates cost as many pages, when its count
 *    moved without updates to explain it (works deleted or merged away are never listed as
 *    updated), or, without `from_updated_date`, whenever its count moved. A walk of the changes that
 *    would cost more than walking every slice again gives way to that.
 * 4. Works held before in the slices walked whole and returned by no walk are retired, as
 *    `fetch --refresh` retires them (source.ts keepPreviousWorks/retireVanished).
 *
 * The plan of a refresh (counts, walks) is kept in the store until it finishes, with every walk's
 * checkpoint, so a refresh stopped by the budget (exit 4), a failure or a kill resumes when run again,
 * without paying the counts twice.
 */
import { ExitCode, UserError } from '../errors.js';
import type { KeywordRules } from '../classify/keywords.js';
import type { Effects } from '../effects/effects.js';
import { budgetError, countWith, formatUsd, makeSession, walkPlanned, type PlannedWalk } from '../fetch/fetcher.js';
import { callCostUsd, countQueryOf, pagesFor, planSlices, sinceQuery, sinceSlice, type Plan, type Slice } from '../fetch/planner.js';
import { messageOf } from '../fetch/client.js';
import { clearRawSlice, readRawPage } from '../fetch/raw-pages.js';
import { RefusedError, Stopped, type Session } from '../fetch/session.js';
import type { SliceCheckpoint } from '../fetch/sink.js';
import { shortWorkId } from '../model/work.js';
import type { Store } from '../store/store.js';
import { LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { beginLoad, finishLoad } from './completeness.js';
import { apiFetchCommand } from './coverage.js';
import type { Source } from './provenance.js';
import type { DataRefresh } from './refresh-types.js';
import type { Scope } from './scope.js';
import { NO_KEY_MESSAGE, apiFetchOptions, keepPreviousWorks, loadFromApi, retireVanished, type ApiSettings } from './source.js';

/** The meta key of a refresh begun and not finished. */
const PENDING_KEY = 'refresh_pending';

/** A refresh's plan, kept in the store from its first walk until it finishes. */
interface PendingRefresh {
  /** When the slices were counted (ISO): a slice checked for updates is up to date as of then. */
  countedAt: string;
  /** Whether OpenAlex let the key use from_updated_date ('counts': refused, or never asked). */
  mode: 'updates' | 'counts';
  /** Works per slice at OpenAlex when counted. */
  counts: Record<string, number>;
  /** Slices whose works updated since `since` are walked; `works`: how many OpenAlex counted. */
  updates: { sliceId: string; since: string; works: number }[];
  /** Slices walked again whole. */
  whole: string[];
  /** Whether the updates walked were checked against the counts (which can add slices to `whole`). */
  checked: boolean;
  /** What the counting cost, for the steps of a resumed refresh. */
  countUsd: number;
  countCalls: number;
  fromUpdatedDate: string;
}

/** Where a work stood when the refresh began (previous_works), or stands now (work_cells). */
interface WorkCells {
  work_id: string;
  year: number;
  type: string | null;
  countries: string[] | null;
}

const ID_LIST = { ids: LIST(VARCHAR) };

/** Whether an error is OpenAlex refusing the key the `from_updated_date` filter (403, as its proxy answers). */
export function refusesUpdatedDate(e: unknown): e is RefusedError {
  return e instanceof RefusedError && e.http.status === 403 && /from_updated_date/.test(messageOf(e.http.body));
}

/** Whether a work, as it stood, is one of a slice's: its year, one of its countries, and a type asked for. */
function memberOf(w: Pick<WorkCells, 'year' | 'type' | 'countries'>, slice: Slice, types: readonly string[]): boolean {
  return w.year === slice.year && (w.countries ?? []).includes(slice.country) && (types.length === 0 || (w.type !== null && types.includes(w.type)));
}

/** The ids a finished walk returned, read back from its raw pages (kept on disk with every page). */
async function returnedIds(store: Store, dataDir: string, slice: Slice): Promise<string[]> {
  const cp = await store.getCheckpoint(slice.id);
  if (cp === null || !cp.done) throw new Error(`refresh: the walk of ${slice.id} is not finished`);
  const ids: string[] = [];
  for (let n = 1; n <= cp.pagesDone; n++) {
    const page = await readRawPage(dataDir, slice.id, n);
    // Without its pages the refresh cannot tell which works OpenAlex still returns: never guess.
    if (page === null) throw new UserError(`refresh: page ${n} of ${slice.id} is missing from ${dataDir}; it is needed to tell which works OpenAlex no longer returns. Run fetch --refresh to fetch a new copy.`);
    for (const r of page.records) {
      const id = shortWorkId((r as Record<string, unknown> | null)?.id);
      if (id !== null) ids.push(id);
    }
  }
  return ids;
}

export async function refreshFromApi(store: Store, scope: Scope, rules: KeywordRules, api: ApiSettings, effects: Effects): Promise<DataRefresh> {
  if (api.apiKey === '') throw new UserError(NO_KEY_MESSAGE, ExitCode.usage);
  const options = apiFetchOptions(store, scope, rules, api);
  const plan = planSlices(options);
  const source = await store.getMeta<Source>('source');
  let pending = await store.getMeta<PendingRefresh>(PENDING_KEY);

  if (pending === null) {
    // A slice never walked to its end (a new country, an interrupted fetch) has nothing to compare: fetched as a fetch would.
    const notDone: Slice[] = [];
    for (const s of plan.slices) if ((await store.getCheckpoint(s.id))?.done !== true) notDone.push(s);
    if (source?.kind !== 'api' || notDone.length > 0) {
      const why = source === null ? 'the database holds no data set' : source.kind !== 'api' ? 'the database holds snapshot data' : `${notDone.length} of ${plan.slices.length} slices were never fetched to their end`;
      effects.log(`refresh: ${why}: a full fetch of the slices not done, as \`fetch\` makes`);
      const summary = await loadFromApi(store, scope, rules, api, effects);
      return {
        source: 'api',
        changed: summary.worksReceived > 0 || source?.kind !== 'api',
        steps: [`${why}: fetched ${summary.slices - summary.slicesSkipped} slices, ${summary.pages} pages, ${summary.worksReceived} records (${formatUsd(summary.usdSpent)})`],
        usdSpent: summary.usdSpent,
        dataDate: await dataDate(store),
        detail: { mode: 'fetch', slices: summary.slices, slicesFetched: summary.slices - summary.slicesSkipped, pages: summary.pages, records: summary.worksReceived },
      };
    }
  }

  const session = makeSession(options, effects);
  const steps: string[] = [];
  const command = apiFetchCommand(store.path, scope, rules, api, 'refresh');
  const bySlice = new Map(plan.slices.map((s) => [s.id, s]));
  const types = [...scope.types];
  const walkOptions = { dataDir: options.dataDir, concurrency: options.concurrency, perPage: plan.perPage };

  if (pending === null) {
    let planned: PendingRefresh;
    try {
      planned = await planRefresh(store, plan, session, effects, steps);
    } catch (e) {
      if (e instanceof Stopped) throw budgetError(session, 'Counting stopped; nothing was fetched yet', effects.clock);
      throw e;
    }
    if (planned.updates.length === 0 && planned.whole.length === 0) {
      // Nothing moved: the checkpoints record the counts and, where updates were asked for, the date checked.
      await store.transaction(() => recordChecked(store, plan, planned, new Set()));
      steps.push('nothing changed since the last fetch: the stored data set is up to date');
      return { source: 'api', changed: false, steps, usdSpent: session.spentUsd, dataDate: await dataDate(store), detail: detailOf(planned, 0, 0, 0) };
    }
    const estimate = walksEstimate(planned, bySlice, plan.perPage);
    if (session.spentUsd + estimate.usd > options.budgetUsd && options.yes !== true) {
      throw new UserError(
        `the refresh's estimated cost ${formatUsd(session.spentUsd + estimate.usd)} (counting ${formatUsd(session.spentUsd)}, ~${estimate.pages} pages) exceeds --budget-usd ${formatUsd(options.budgetUsd)}; raise it, or pass --yes to start anyway (the run stops at the cap with its checkpoints saved, and a rerun resumes)`,
        ExitCode.usage,
      );
    }
    await startWalks(store, plan, planned, planned.whole, planned.updates, options.dataDir, command);
    pending = planned;
  } else {
    effects.log(`refresh: resuming the refresh begun ${pending.countedAt} (its counts are kept: not asked again)`);
    steps.push(`resumed the refresh counted at ${pending.countedAt}`);
  }

  // The works updated since each slice's last walk.
  // A slice with no updates and a moved count is only checked: a walk of nothing would still cost a page.
  const updateWalks: PlannedWalk[] = pending.updates.filter((u) => u.works > 0).map((u) => ({ slice: sinceSlice(bySlice.get(u.sliceId)!, u.since), works: u.works }));
  let pages = 0;
  let records = 0;
  if (updateWalks.length > 0) {
    const walked = await walkPlanned(store, session, updateWalks, walkOptions, effects);
    pages += walked.pages;
    records += walked.worksReceived;
    steps.push(`walked the works updated since the last fetch in ${updateWalks.length} slice(s): ${walked.pages} pages, ${walked.worksReceived} records`);
  }

  // Do the stored works and the updates add up to the new counts? Works deleted or merged away are never listed as updated.
  const previous = new Map((await store.query<WorkCells>('previous_cells')).map((w) => [w.work_id, w]));
  if (!pending.checked) {
    const added = await uncheckedSlices(store, plan, pending, previous, updateWalks, options.dataDir, types, effects);
    const next: PendingRefresh = { ...pending, whole: [...pending.whole, ...added], checked: true };
    await startWalks(store, plan, next, added, [], options.dataDir, command);
    pending = next;
  }

  // The slices walked whole, and those of works they no longer return that are members of other slices too.
  let retiredIds: string[] = [];
  for (;;) {
    const wholeWalks: PlannedWalk[] = pending.whole.map((id) => ({ slice: bySlice.get(id)!, works: pending!.counts[id] ?? 0 }));
    if (wholeWalks.length > 0) {
      const walked = await walkPlanned(store, session, wholeWalks, walkOptions, effects);
      pages += walked.pages;
      records += walked.worksReceived;
    }
    const returned = new Set<string>();
    for (const w of [...updateWalks, ...wholeWalks]) for (const id of await returnedIds(store, options.dataDir, w.slice)) returned.add(id);
    const whole = new Set(pending.whole);
    const wholeSlices = pending.whole.map((id) => bySlice.get(id)!);
    const gone = [...previous.values()].filter((w) => !returned.has(w.work_id) && wholeSlices.some((s) => memberOf(w, s, types)));
    // A work gone from the slices walked whole may still be in a slice not walked (another country of
    // its authors, another keyword chunk): that slice is walked too before the work is retired.
    const stranded = plan.slices.filter((s) => !whole.has(s.id) && gone.some((w) => memberOf(w, s, types)));
    if (stranded.length === 0) {
      retiredIds = gone.map((w) => w.work_id);
      break;
    }
    effects.log(`refresh: ${stranded.length} more slice(s) hold works the walked slices no longer return; walking them too before retiring any`);
    const next: PendingRefresh = { ...pending, whole: [...pending.whole, ...stranded.map((s) => s.id)] };
    await startWalks(store, plan, next, stranded.map((s) => s.id), [], options.dataDir, command);
    pending = next;
  }
  if (pending.whole.length > 0) {
    steps.push(`walked ${pending.whole.length} slice(s) again whole: ${pending.whole.join(', ')}`);
  }

  const final = pending;
  const wholeSet = new Set(final.whole);
  const cells = [...new Set(final.whole.map((id) => `${bySlice.get(id)!.year} ${bySlice.get(id)!.country}`))];
  const retired = await store.transaction(async () => {
    if (retiredIds.length > 0) await store.run('delete_works', { ids: listValue(retiredIds) }, ID_LIST);
    const n = await retireVanished(store, scope, cells);
    await recordChecked(store, plan, final, wholeSet);
    await store.run('delete_checkpoints', { ids: listValue(updateWalks.map((w) => w.slice.id)) }, ID_LIST);
    await finishLoad(store, command);
    await store.run('delete_meta', { key: PENDING_KEY });
    if (source?.kind === 'api') await store.setMeta('source', { ...source, fetchedAt: effects.now().toISOString() } satisfies Source);
    return n;
  });
  // The pages of the updates are in the store now; the next refresh asks for what changed after.
  for (const w of updateWalks) await clearRawSlice(options.dataDir, w.slice.id);
  if (retired > 0) steps.push(`retired ${retired} work(s) OpenAlex no longer returns (deleted, or merged into another work); see rejects.jsonl`);
  effects.log(`refresh: done, ${pages} pages, ${records} records, ${retired} retired, ${formatUsd(session.spentUsd)} this run`);
  return {
    source: 'api',
    changed: records > 0 || retired > 0,
    steps,
    usdSpent: session.spentUsd,
    dataDate: await dataDate(store),
    detail: detailOf(final, pages, records, retired),
  };
}

/**
 * Counts every slice now and, where the key may, its works updated since its last walk; decides
 * what to walk. Nothing is written.
 */
async function planRefresh(store: Store, plan: Plan, session: Session, effects: Effects, steps: string[]): Promise<PendingRefresh> {
  const countedAt = effects.now().toISOString();
  const checkpoints = new Map<string, SliceCheckpoint>();
  for (const s of plan.slices) checkpoints.set(s.id, (await store.getCheckpoint(s.id))!);
  const countOf = (s: Slice): string => countQueryOf(plan, s).query;

  const counted = await countWith(session, plan.countQueries.map((q) => q.query));
  const counts: Record<string, number> = {};
  for (const s of plan.slices) counts[s.id] = counted.get(countOf(s))?.get(s.year) ?? 0;
  const moved = plan.slices.filter((s) => checkpoints.get(s.id)!.expected !== counts[s.id]);
  steps.push(`recounted ${plan.slices.length} slices with ${plan.countQueries.length} group_by calls: ${moved.length} moved${moved.length > 0 ? ` (${moved.map((s) => `${s.year} ${s.country}${s.chunk ? ` ${s.chunk}` : ''}: ${checkpoints.get(s.id)!.expected ?? '?'} -> ${counts[s.id]}`).join(', ')})` : ''}`);

  // Works updated since each slice's last walk, counted per count query and date: the first call alone, since a refusal answers every other the same.
  const sinceOf = (s: Slice): string | null => checkpoints.get(s.id)!.fetchedAt?.slice(0, 10) ?? null;
  const sinceQueries = [...new Set(plan.slices.filter((s) => sinceOf(s) !== null).map((s) => sinceQuery(countOf(s), sinceOf(s)!)))];
  let mode: PendingRefresh['mode'] = sinceQueries.length > 0 ? 'updates' : 'counts';
  let fromUpdatedDate = sinceQueries.length > 0 ? 'allowed' : 'not asked: no slice records when it was fetched';
  const updated = new Map<string, Map<number, number>>();
  try {
    if (sinceQueries.length > 0) for (const [q, c] of await countWith(session, sinceQueries.slice(0, 1))) updated.set(q, c);
    if (sinceQueries.length > 1) for (const [q, c] of await countWith(session, sinceQueries.slice(1))) updated.set(q, c);
  } catch (e) {
    if (!refusesUpdatedDate(e)) throw e;
    mode = 'counts';
    fromUpdatedDate = `refused by OpenAlex (${messageOf(e.http.body)})`;
    effects.log(`refresh: OpenAlex does not let this key use from_updated_date (HTTP 403: ${messageOf(e.http.body)}); the slices whose counts moved are walked again whole`);
  }

  const updates: PendingRefresh['updates'] = [];
  const whole: string[] = [];
  let updatedWorks = 0;
  for (const s of plan.slices) {
    const n = counts[s.id]!;
    const expected = checkpoints.get(s.id)!.expected;
    const since = sinceOf(s);
    if (mode === 'counts' || since === null || expected === undefined) {
      if (expected !== n) whole.push(s.id);
      continue;
    }
    const u = updated.get(sinceQuery(countOf(s), since))?.get(s.year) ?? 0;
    updatedWorks += u;
    if (u === 0 && n === expected) continue;
    // The updates cost as many pages as the whole slice: the whole walk also shows what left it.
    if (u > 0 && pagesFor(n, plan.perPage) <= pagesFor(u, plan.perPage)) whole.push(s.id);
    // No updates, yet the count moved: checked once the other slices' updates are in (a work updated out of this slice explains it).
    else updates.push({ sliceId: s.id, since, works: u });
  }
  if (mode === 'updates') steps.push(`counted the works updated since each slice's last fetch (from_updated_date): ${updatedWorks}`);
  else steps.push(`from_updated_date: ${fromUpdatedDate}`);

  const planned: PendingRefresh = { countedAt, mode, counts, updates, whole, checked: false, countUsd: session.spentUsd, countCalls: session.requests, fromUpdatedDate };
  const bySlice = new Map(plan.slices.map((s) => [s.id, s]));
  if (updates.length > 0 || whole.length > 0) {
    // The changes against a new copy of every slice, priced alike (pages x price per page).
    const changes = walksEstimate(planned, bySlice, plan.perPage);
    const all = walksEstimate({ ...planned, updates: [], whole: plan.slices.map((s) => s.id) }, bySlice, plan.perPage);
    if (all.usd < changes.usd) {
      steps.push(`walking every slice again (~${all.pages} pages, ${formatUsd(all.usd)}) costs less than walking the changes (~${changes.pages} pages, ${formatUsd(changes.usd)})`);
      return { ...planned, updates: [], whole: plan.slices.map((s) => s.id), checked: true };
    }
    steps.push(
      `walking the changes: ${updates.filter((u) => u.works > 0).length} slice(s)' updates and ${whole.length} slice(s) whole (~${changes.pages} pages, ${formatUsd(changes.usd)}) rather than every slice again (~${all.pages} pages, ${formatUsd(all.usd)})`,
    );
  }
  return planned;
}

/** Pages and USD of a refresh's walks, from the counts (a slice with no updates to walk costs nothing). */
function walksEstimate(p: Pick<PendingRefresh, 'updates' | 'whole' | 'counts'>, bySlice: Map<string, Slice>, perPage: number): { pages: number; usd: number } {
  let pages = 0;
  let usd = 0;
  const add = (slice: Slice, works: number): void => {
    const n = pagesFor(works, perPage);
    pages += n;
    usd += n * callCostUsd(slice.search);
  };
  for (const u of p.updates) if (u.works > 0) add(bySlice.get(u.sliceId)!, u.works);
  for (const id of p.whole) add(bySlice.get(id)!, p.counts[id] ?? 0);
  return { pages, usd };
}

/**
 * Readies walks and records the refresh's plan, so a rerun resumes it: the works held now are kept
 * aside (once), and each slice to walk starts over (its checkpoint and kept pages dropped: the pages
 * on disk answer the same request with what OpenAlex said then). The data set is incomplete until
 * the refresh finishes.
 */
async function startWalks(store: Store, plan: Plan, pending: PendingRefresh, whole: readonly string[], updates: PendingRefresh['updates'], dataDir: string, command: string): Promise<void> {
  const bySlice = new Map(plan.slices.map((s) => [s.id, s]));
  const ids = [...whole, ...updates.map((u) => sinceSlice(bySlice.get(u.sliceId)!, u.since).id)];
  // Before the transaction: a kill in between leaves checkpoints that still say done, and a rerun plans again.
  for (const id of ids) await clearRawSlice(dataDir, id);
  await store.transaction(async () => {
    await keepPreviousWorks(store);
    await store.run('delete_checkpoints', { ids: listValue(ids) }, ID_LIST);
    await store.setMeta(PENDING_KEY, pending);
    const walks = [...pending.whole, ...pending.updates.filter((u) => u.works > 0).map((u) => sinceSlice(bySlice.get(u.sliceId)!, u.since).id)];
    await beginLoad(store, { kind: 'api', command, slices: walks });
  });
}

/**
 * The slices whose stored works and walked updates do not add up to their new count: works left
 * them unseen (deleted, merged away, or moved out of the Scope), so they are walked whole.
 * A slice adds up when count then + works updated into it - works updated out of it = count now.
 */
async function uncheckedSlices(
  store: Store,
  plan: Plan,
  pending: PendingRefresh,
  previous: Map<string, WorkCells>,
  updateWalks: readonly PlannedWalk[],
  dataDir: string,
  types: readonly string[],
  effects: Effects,
): Promise<string[]> {
  const returnedBy = new Map<string, string[]>();
  for (const w of updateWalks) returnedBy.set(w.slice.id, await returnedIds(store, dataDir, w.slice));
  const allReturned = [...new Set([...returnedBy.values()].flat())];
  const now = new Map((await store.query<WorkCells>('work_cells', { ids: listValue(allReturned) }, ID_LIST)).map((w) => [w.work_id, w]));
  const added: string[] = [];
  for (const u of pending.updates) {
    const slice = plan.slices.find((s) => s.id === u.sliceId)!;
    const returned = returnedBy.get(sinceSlice(slice, u.since).id) ?? [];
    const cameIn = returned.filter((id) => !(previous.has(id) && memberOf(previous.get(id)!, slice, types))).length;
    const wentOut = allReturned.filter((id) => previous.has(id) && memberOf(previous.get(id)!, slice, types) && now.has(id) && !memberOf(now.get(id)!, slice, types)).length;
    const before = (await store.getCheckpoint(slice.id))!.expected ?? 0;
    const n = pending.counts[slice.id] ?? 0;
    if (before + cameIn - wentOut !== n) {
      effects.log(`refresh: ${slice.id}: ${before} + ${cameIn} updated in - ${wentOut} updated out != ${n} now: works left it unseen (deleted or merged); walking it whole`);
      added.push(slice.id);
    }
  }
  return added;
}

/**
 * Records in each slice's checkpoint the count it was checked at and, where its updates were
 * asked for, the date: the next refresh asks for the works updated since. Slices walked whole
 * carry their walk's own. Call in a transaction.
 */
async function recordChecked(store: Store, plan: Plan, pending: PendingRefresh, whole: ReadonlySet<string>): Promise<void> {
  for (const s of plan.slices) {
    if (whole.has(s.id)) continue;
    const cp = (await store.getCheckpoint(s.id))!;
    const checkedUpdates = pending.mode === 'updates' && cp.fetchedAt !== undefined;
    await store.saveCheckpoint({ ...cp, expected: pending.counts[s.id] ?? 0, ...(checkedUpdates ? { fetchedAt: pending.countedAt } : {}) });
  }
}

function detailOf(p: PendingRefresh, pages: number, records: number, retired: number): Record<string, unknown> {
  return {
    mode: p.mode === 'updates' ? 'from_updated_date' : 'counts',
    fromUpdatedDate: p.fromUpdatedDate,
    countedAt: p.countedAt,
    countCalls: p.countCalls,
    countUsd: p.countUsd,
    counts: p.counts,
    updatesWalked: p.updates.filter((u) => u.works > 0).map((u) => ({ slice: u.sliceId, since: u.since, works: u.works })),
    slicesWalkedWhole: p.whole,
    pages,
    records,
    retired,
  };
}

async function dataDate(store: Store): Promise<string | null> {
  const [row] = await store.query<{ data_date: string | null }>('data_date');
  return row?.data_date ?? null;
}
