/**
 * The pipeline commands (run, fetch, classify, aggregate, report): each parses its Scope and
 * options once, then calls the stages. Loaded by main.ts only when one of them runs, so `--help`
 * and the other commands do not load DuckDB, Vega and the rest.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadKeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { aggregate } from '../pipeline/aggregate.js';
import { apiBaselinesGap } from '../pipeline/baselines.js';
import { classifyStore } from '../pipeline/classify.js';
import { classifyCompare, compareAggregate, dropCompare, requireCompare, withCompare, type CompareRecord } from '../pipeline/compare.js';
import { requireComplete } from '../pipeline/completeness.js';
import { apiCoverage, requireCovered, shareDenominator } from '../pipeline/coverage.js';
import { acquireLocks, databaseLock, defaultLockEffects, releaseLocks } from '../pipeline/lock.js';
import { openHeldStore } from '../pipeline/locked-store.js';
import { OutputFolder } from '../pipeline/output-folder.js';
import { printReportPdfs, produceReport } from '../pipeline/report.js';
import { chromiumPath } from '../report/pdf.js';
import type { Scope } from '../pipeline/scope.js';
import { apiBaseUrl, loadFromApi, loadFromSnapshot } from '../pipeline/source.js';
import { countsCsv } from '../report/tables.js';
import { Store } from '../store/store.js';
import type { CliIo } from './io.js';
import type { ClassifyEngine } from '../pipeline/engine.js';
import {
  Problems,
  parseDb,
  parseEngine,
  parseCompare,
  parseFetch,
  parseReport,
  parseScope,
  parseWait,
  type DbSettings,
  type FetchFlags,
  type ParsedFetchOptions,
  type ParsedReportOptions,
  type ReportFlags,
  type ScopeFlags,
} from './options.js';

export interface CommonFlags extends ScopeFlags {
  db: string;
  threads?: string;
  engine?: string;
  snapshot?: string[];
  allowIncomplete?: boolean;
  baselines?: boolean;
  /** --compare-keywords: a second rule's folder (run, classify, aggregate, report). */
  compareKeywords?: string;
  wait?: string;
}

/** A pipeline command line, parsed and checked once; the stages below take these typed values. */
interface Settings {
  scope: Scope;
  db: DbSettings;
  /** Snapshot files to read instead of the API; empty: the API. */
  snapshot: readonly string[];
  allowIncomplete: boolean;
  /** --baselines: an API fetch also asks OpenAlex for the baselines (a snapshot's are computed locally). */
  baselines: boolean;
  /** The second keyword rule's folder (--compare-keywords); null: one rule. */
  compare: string | null;
  engine: ClassifyEngine;
  fetch: ParsedFetchOptions;
  report: ParsedReportOptions;
  /** --wait: seconds to wait for another run holding the database or --out (0: exit 6 at once). */
  wait: number;
}

/** Every option of every stage checked before the first stage runs, all problems listed at once. */
function parseSettings(o: CommonFlags & FetchFlags & ReportFlags): Settings {
  const p = new Problems();
  const settings: Settings = {
    scope: parseScope(p, o),
    db: parseDb(p, o),
    snapshot: o.snapshot ?? [],
    allowIncomplete: o.allowIncomplete === true,
    baselines: o.baselines === true,
    compare: parseCompare(p, o.compareKeywords),
    engine: parseEngine(p, o.engine),
    fetch: parseFetch(p, o),
    report: parseReport(p, o),
    wait: parseWait(p, o.wait),
  };
  p.throwIfAny();
  return settings;
}

/** What withLocked needs of a command line: the database and --wait. */
export type LockedSettings = Pick<Settings, 'db' | 'wait'>;

/**
 * Takes the database's lock and, for a command that writes --out, the folder's, before any work
 * starts (exit 2 if either cannot be written, 6 if another run holds one, or waits up to --wait);
 * opens the store; runs the body, which writes into `folder.staging` and commits. The database
 * first, then --out: the one order every command takes them in (src/pipeline/lock.ts).
 */
export async function withLocked<T>(s: LockedSettings, out: string, io: CliIo, body: (store: Store, folder: OutputFolder) => Promise<T>): Promise<T>;
export async function withLocked<T>(s: LockedSettings, out: string | null, io: CliIo, body: (store: Store, folder: OutputFolder | null) => Promise<T>): Promise<T>;
export async function withLocked<T>(s: LockedSettings, out: string | null, io: CliIo, body: (store: Store, folder: OutputFolder) => Promise<T>): Promise<T> {
  const effects = { ...defaultLockEffects, log: io.effects.log };
  const claim = out === null ? null : OutputFolder.prepare(out, [{ label: '--db', path: s.db.path }]);
  const db = databaseLock(s.db.path);
  const locks = await acquireLocks([...(db === null ? [] : [db]), ...(claim === null ? [] : [claim.lock])], s.wait, effects);
  let folder: OutputFolder | null = null;
  let store: Store | null = null;
  try {
    if (claim !== null) folder = await OutputFolder.open(claim, locks.at(-1)!, effects);
    store = await openHeldStore(s.db, s.wait, effects);
    // With out null, folder is null and the body (the second signature) takes null.
    return await body(store, folder as OutputFolder);
  } finally {
    folder?.release();
    // DuckDB's own lock goes before ours, so the run that gets ours next can open the file.
    store?.close();
    releaseLocks(locks);
  }
}

async function fetchStage(store: Store, s: Settings, io: CliIo): Promise<void> {
  if (s.snapshot.length > 0) {
    await loadFromSnapshot(store, s.snapshot, io.effects);
    return;
  }
  const rules = await loadKeywordRules(s.scope.keywordsDir);
  const summary = await loadFromApi(store, s.scope, rules, {
    ...s.fetch,
    baseUrl: apiBaseUrl(io.env.OPENALEX_BASE_URL),
    apiKey: io.env.OPENALEX_API_KEY ?? '',
  }, io.effects);
  io.effects.log(`fetched ${summary.worksReceived} works in ${summary.pages} pages (${summary.requests} requests, US$${summary.usdSpent.toFixed(4)})`);
  if (s.baselines) {
    const { fetchBaselines } = await import('../pipeline/baselines.js');
    // What the works left of --budget-usd; counting is list-priced and cheap.
    await fetchBaselines(store, s.scope, rules, {
      baseUrl: apiBaseUrl(io.env.OPENALEX_BASE_URL),
      apiKey: io.env.OPENALEX_API_KEY ?? '',
      budgetUsd: Math.max(0, s.fetch.budgetUsd - summary.usdSpent),
      maxRps: s.fetch.maxRps,
    }, io.effects);
  }
}

async function classifyStage(store: Store, s: Settings, io: CliIo): Promise<void> {
  await requireComplete(store, 'classify', s.allowIncomplete, io.effects);
  const rules = await loadKeywordRules(s.scope.keywordsDir);
  await requireCovered(store, 'classify', s.scope, rules, io.effects);
  // The second rule must be covered by the fetch too: works only it tags may never have been fetched.
  const compareRules = s.compare === null ? null : await loadKeywordRules(s.compare);
  if (compareRules !== null) await requireCovered(store, 'classify', s.scope, compareRules, io.effects);
  await classifyStore(store, rules, s.scope.countryPolicy, s.engine, io.effects);
  if (compareRules === null) await dropCompare(store);
  else await classifyCompare(store, compareRules, s.scope.countryPolicy, s.engine, io.effects);
}

/** aggregate's and report's gate for --compare-keywords: the stored second rule is these files, and the fetch covers it. */
async function compareGate(store: Store, s: Settings, command: 'aggregate' | 'report', io: CliIo): Promise<CompareRecord | undefined> {
  if (s.compare === null) return undefined;
  const record = await requireCompare(store, command, await loadKeywordRules(s.compare));
  await requireCovered(store, command, s.scope, null, io.effects, 'classifier_compare');
  return record;
}

async function reportStage(store: Store, s: Settings, folder: OutputFolder, io: CliIo): Promise<void> {
  const options = s.report;
  await requireComplete(store, 'report', s.allowIncomplete, io.effects);
  await requireCovered(store, 'report', s.scope, null, io.effects);
  const compare = await compareGate(store, s, 'report', io);
  const run = await produceReport(store, s.scope, { ...options, writeTo: folder.staging, ...(compare === undefined ? {} : { compare }) }, io.effects);
  io.effects.stdout(run.summary);
  let pdfFailed: UserError | undefined;
  try {
    if (options.pdf) await printReportPdfs(folder.staging, options.outDir, io.effects, { executablePath: chromiumPath(io.env) });
  } catch (e) {
    // No Chromium: the run's other outputs still go in, whole; nothing of an older run's PDFs stays.
    if (!(e instanceof UserError)) throw e;
    pdfFailed = e;
  }
  await folder.commit();
  if (pdfFailed) throw pdfFailed;
}

export async function runCommand(o: CommonFlags & FetchFlags & ReportFlags, io: CliIo): Promise<void> {
  const s = parseSettings(o);
  if (s.report.metric === 'share' && s.snapshot.length === 0 && !s.baselines) {
    // The report would refuse a share of what this fetch will cover: say so before buying it.
    const { refusal } = shareDenominator(apiCoverage(s.scope, await loadKeywordRules(s.scope.keywordsDir), s.fetch));
    if (refusal !== undefined) throw new UserError(refusal);
  }
  await withLocked(s, s.report.outDir, io, async (store, folder) => {
    if (s.report.metric === 'per-1000' && s.snapshot.length === 0 && !s.baselines) {
      // The report would refuse per-1000 without baselines for this scope: say so before buying the fetch.
      const gap = await apiBaselinesGap(store, s.scope);
      if (gap !== null) {
        throw new UserError(`--metric per-1000 divides by all works of each country, which an API fetch gets from OpenAlex only with --baselines (stored baselines: ${gap}): add --baselines`);
      }
    }
    await fetchStage(store, s, io);
    await classifyStage(store, s, io);
    await reportStage(store, s, folder, io);
  });
}

export async function fetchCommand(o: CommonFlags & FetchFlags, io: CliIo): Promise<void> {
  const s = parseSettings(o);
  await withLocked(s, null, io, (store) => fetchStage(store, s, io));
}

export async function classifyCommand(o: CommonFlags, io: CliIo): Promise<void> {
  const s = parseSettings(o);
  await withLocked(s, null, io, (store) => classifyStage(store, s, io));
}

export async function aggregateCommand(o: CommonFlags & { out?: string }, io: CliIo): Promise<void> {
  // aggregate's --out is a folder for counts.csv alone, not the report's: read apart from its options.
  const { out, ...rest } = o;
  const s = parseSettings(rest);
  await withLocked(s, out ?? null, io, async (store, folder) => {
    await requireComplete(store, 'aggregate', s.allowIncomplete, io.effects);
    await requireCovered(store, 'aggregate', s.scope, null, io.effects);
    const compare = await compareGate(store, s, 'aggregate', io);
    // The second rule's chain first: the rule's, built last, is the store's latest.
    const compared = compare === undefined ? null : await compareAggregate(store, s.scope);
    const { counts } = await aggregate(store, s.scope);
    const csv = countsCsv(compared === null ? counts : withCompare(counts, compared), s.scope);
    if (folder !== null) {
      await writeFile(join(folder.staging, 'counts.csv'), csv);
      await folder.commit();
    }
    io.effects.stdout(csv);
  });
}

export async function reportCommand(o: CommonFlags & ReportFlags, io: CliIo): Promise<void> {
  const s = parseSettings(o);
  await withLocked(s, s.report.outDir, io, (store, folder) => reportStage(store, s, folder, io));
}
