/**
 * The pipeline commands (run, fetch, classify, aggregate, report): each parses its Scope and
 * options once, then calls the stages. Loaded by main.ts only when one of them runs, so `--help`
 * and the other commands do not load DuckDB, Vega and the rest.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadKeywordRules, type KeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { aggregate } from '../pipeline/aggregate.js';
import { apiBaselinesGap } from '../pipeline/baselines.js';
import { classifyStore } from '../pipeline/classify.js';
import { classifyCompare, compareAggregate, dropCompare, requireCompare, withCompare, type CompareRecord } from '../pipeline/compare.js';
import { requireComplete } from '../pipeline/completeness.js';
import { classifyCompact, compactSource } from '../pipeline/compact.js';
import { apiCoverage, requireCovered, shareDenominator } from '../pipeline/coverage.js';
import { acquireLocks, databaseLock, lockEffects, releaseLocks } from '../pipeline/lock.js';
import { openHeldStore } from '../pipeline/locked-store.js';
import { OutputFolder } from '../pipeline/output-folder.js';
import type { DataRefresh } from '../pipeline/refresh-types.js';
import { printReportPdfs, produceReport, type ReportRun } from '../pipeline/report.js';
import { TOOL_VERSION } from '../pipeline/version.js';
import { chromiumPath } from '../report/pdf.js';
import type { Scope } from '../pipeline/scope.js';
import { apiBaseUrl, loadFromApi, loadFromSnapshot, type ApiSettings } from '../pipeline/source.js';
import { countsCsv } from '../report/tables.js';
import { Store } from '../store/store.js';
import type { CliIo } from './io.js';
import { recordedRun, type RecordedRunSpec } from './history.js';
import { PATH_KEYS, type ConfigKey, type ConfigUse, type EffectiveConfig } from './config.js';
import type { ClassifyEngine } from '../pipeline/engine.js';
import type { ReadChoice } from '../pipeline/reader.js';
import {
  Problems,
  parseDb,
  parseEngine,
  parseRead,
  parseCompare,
  parseFetch,
  parseHistory,
  parseReport,
  parseScope,
  parseWait,
  type DbSettings,
  type FetchFlags,
  type HistoryFlags,
  type HistorySettings,
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
  /** --read: the snapshot reader (run, fetch). */
  read?: string;
  allowIncomplete?: boolean;
  baselines?: boolean;
  /** --compare-keywords: a second rule's folder (run, classify, aggregate, report). */
  compareKeywords?: string;
  /** --show-config: print the effective settings and do nothing else. */
  showConfig?: boolean;
  wait?: string;
}

/** A pipeline command line, parsed and checked once; the stages below take these typed values. */
export interface Settings {
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
  /** Which snapshot reader fills the store (--read). */
  read: ReadChoice;
  fetch: ParsedFetchOptions;
  report: ParsedReportOptions;
  /** The run history's threshold and output (run, refresh); defaults for the other commands. */
  history: HistorySettings;
  /** --wait: seconds to wait for another run holding the database or --out (0: exit 6 at once). */
  wait: number;
}

/**
 * Every option of every stage checked before the first stage runs, all problems listed at once:
 * the config file's own (unknown keys, JSON types) first, then the parsers', which name a value
 * that came from the file by its key and file instead of its flag.
 */
export function parseSettings(o: CommonFlags & FetchFlags & ReportFlags & HistoryFlags, config?: ConfigUse): Settings {
  const p = new Problems(config?.labels);
  for (const problem of config?.problems ?? []) p.add(problem);
  const settings: Settings = {
    scope: parseScope(p, o),
    db: parseDb(p, o),
    snapshot: o.snapshot ?? [],
    allowIncomplete: o.allowIncomplete === true,
    baselines: o.baselines === true,
    compare: parseCompare(p, o.compareKeywords),
    engine: parseEngine(p, o.engine),
    read: parseRead(p, o.read),
    fetch: parseFetch(p, o),
    report: parseReport(p, o),
    history: parseHistory(p, o),
    wait: parseWait(p, o.wait),
  };
  if (settings.read === 'duckdb' && settings.compare !== null && settings.snapshot.length > 0) {
    p.add('--compare-keywords needs the works\' abstracts, which --read duckdb does not keep: use --read node with it');
  }
  p.throwIfAny();
  return settings;
}

/**
 * The settings a command runs with, config file and flags merged and defaults filled, keyed as in
 * the config file: itself a valid config file that reproduces the run wherever it is put (tested),
 * so its paths are absolute. Only the keys the command takes; `extra`: settings parsed outside
 * Settings (refresh's changeThreshold, failOnChange).
 */
export function effectiveConfig(s: Settings, config?: ConfigUse, extra: Partial<Record<ConfigKey, unknown>> = {}): EffectiveConfig {
  const { scope, report: r, fetch: f } = s;
  // Every key Settings holds, so a new config key fails to compile until it is recorded here.
  const settings: Record<Exclude<ConfigKey, 'changeThreshold' | 'failOnChange' | 'wait'>, unknown> = {
    from: scope.from,
    to: scope.to,
    countries: [...scope.countries],
    // Empty means every type, which the file says by leaving the key out.
    types: scope.types.length === 0 ? undefined : [...scope.types],
    mergeVersions: scope.mergeVersions,
    countryPolicy: scope.countryPolicy,
    keywords: scope.keywordsDir,
    engine: s.engine,
    read: s.read,
    db: s.db.path,
    threads: s.db.threads,
    snapshot: s.snapshot.length === 0 ? undefined : [...s.snapshot],
    budgetUsd: f.budgetUsd,
    maxRps: f.maxRps,
    concurrency: f.concurrency,
    prefilter: f.prefilter,
    perPage: f.perPage,
    baselines: s.baselines,
    compareKeywords: s.compare ?? undefined,
    out: r.outDir,
    title: r.title,
    width: r.width,
    height: r.height,
    theme: r.theme,
    metric: r.metric,
    formats: [...r.formats],
    incompleteYears: r.incompleteYears,
    listWorks: r.listWorks,
    pdf: r.pdf,
    allowIncomplete: s.allowIncomplete,
  };
  const all: Partial<Record<ConfigKey, unknown>> = { ...settings, ...extra };
  const keys: readonly string[] = config?.keys ?? Object.keys(all);
  const absolute = (p: unknown) => (typeof p === 'string' ? resolve(config?.cwd ?? '.', p) : p);
  const effective = Object.fromEntries(
    Object.entries(all)
      .filter(([k, v]) => v !== undefined && keys.includes(k))
      .map(([k, v]) => [k, PATH_KEYS.has(k as ConfigKey) ? (Array.isArray(v) ? v.map(absolute) : absolute(v)) : v]),
  );
  return { file: config?.file ?? null, effective };
}

/** A command's Settings; with --show-config, the effective settings printed on stdout instead and null: nothing runs. */
export function settingsOf(o: CommonFlags & FetchFlags & ReportFlags & HistoryFlags, io: CliIo, config: ConfigUse | undefined): Settings | null {
  const s = parseSettings(o, config);
  if (o.showConfig !== true) return s;
  io.effects.stdout(`${JSON.stringify(effectiveConfig(s, config), null, 2)}\n`);
  return null;
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
  const effects = lockEffects(io.effects.log);
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

/** Fills the store (a full read or fetch); returns what it did as the run history records a data step. */
async function fetchStage(store: Store, s: Settings, io: CliIo): Promise<DataRefresh> {
  if (s.snapshot.length > 0) {
    const read = await loadFromSnapshot(store, s.snapshot, io.effects, { read: s.read, keywordsDir: s.scope.keywordsDir, policy: s.scope.countryPolicy });
    const steps = [`read ${read.recordsRead} records from ${read.files.length} file(s)`];
    // A full read replaces the data set: changed as far as the run history can tell.
    return { source: 'snapshot', changed: true, steps, usdSpent: 0, dataDate: null, detail: { files: read.files.map((f) => ({ path: f.path, sha256: f.sha256 })) } };
  }
  const rules = await loadKeywordRules(s.scope.keywordsDir);
  const summary = await loadFromApi(store, s.scope, rules, apiSettings(s, io), io.effects);
  const fetched = `fetched ${summary.worksReceived} works in ${summary.pages} pages (${summary.requests} requests, US$${summary.usdSpent.toFixed(4)})`;
  io.effects.log(fetched);
  const data: DataRefresh = { source: 'api', changed: true, steps: [fetched], usdSpent: summary.usdSpent, dataDate: null, detail: { queries: summary.queries } };
  if (s.baselines) await baselinesStage(store, s, rules, io, summary.usdSpent);
  return data;
}

/** The API settings of a command line: its fetch options, with the address and key from the environment. */
export function apiSettings(s: Settings, io: CliIo): ApiSettings {
  return { ...s.fetch, baseUrl: apiBaseUrl(io.env.OPENALEX_BASE_URL), apiKey: io.env.OPENALEX_API_KEY ?? '' };
}

/** --baselines after an API fetch: OpenAlex's counts of all, AI and medical works, with what the fetch left of --budget-usd (counting is list-priced and cheap). */
export async function baselinesStage(store: Store, s: Settings, rules: KeywordRules, io: CliIo, spentUsd: number): Promise<void> {
  const { fetchBaselines } = await import('../pipeline/baselines.js');
  const api = apiSettings(s, io);
  await fetchBaselines(store, s.scope, rules, { baseUrl: api.baseUrl, apiKey: api.apiKey, budgetUsd: Math.max(0, s.fetch.budgetUsd - spentUsd), maxRps: s.fetch.maxRps }, io.effects);
}

export async function classifyStage(store: Store, s: Settings, io: CliIo): Promise<void> {
  await requireComplete(store, 'classify', s.allowIncomplete, io.effects);
  const rules = await loadKeywordRules(s.scope.keywordsDir);
  await requireCovered(store, 'classify', s.scope, rules, io.effects);
  // The second rule must be covered by the fetch too: works only it tags may never have been fetched.
  const compareRules = s.compare === null ? null : await loadKeywordRules(s.compare);
  if (compareRules !== null) await requireCovered(store, 'classify', s.scope, compareRules, io.effects);
  const compact = await compactSource(store);
  if (compact !== null) {
    await classifyCompact(store, compact, rules, s.scope.countryPolicy, compareRules, io.effects);
    await dropCompare(store);
    return;
  }
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

/**
 * Writes the report into the staging folder and swaps it in as --out. `beforeCommit` sees the
 * staged report last (the run history adds its changes to summary.md there).
 */
export async function reportStage(
  store: Store,
  s: Settings,
  folder: OutputFolder,
  io: CliIo,
  beforeCommit?: (run: ReportRun, staging: string) => Promise<void>,
): Promise<void> {
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
  if (beforeCommit !== undefined) await beforeCommit(run, folder.staging);
  await folder.commit();
  if (pdfFailed) throw pdfFailed;
}

/**
 * What decides a run's outputs, as the run history records it and a refresh compares it: the
 * Scope, the keyword files' hashes (both rules), where the data comes from and the report options.
 * Not the engine or threads: they give the same result.
 */
export async function effectiveSettings(s: Settings): Promise<Record<string, unknown>> {
  const rules = await loadKeywordRules(s.scope.keywordsDir);
  const compare = s.compare === null ? null : await loadKeywordRules(s.compare);
  return {
    version: TOOL_VERSION,
    scope: { ...s.scope, keywordsDir: resolve(s.scope.keywordsDir) },
    keywords: rules.files,
    compare: compare === null ? null : { dir: resolve(compare.dir), files: compare.files },
    source: s.snapshot.length > 0 ? { kind: 'snapshot', files: s.snapshot.map((f) => resolve(f)) } : { kind: 'api', prefilter: s.fetch.prefilter, types: s.scope.types, baselines: s.baselines },
    allowIncomplete: s.allowIncomplete,
    report: { ...s.report, outDir: resolve(s.report.outDir) },
  };
}

/** The run history's view of a command line (history.ts). */
export async function recordSpec(command: 'run' | 'refresh', s: Settings, config: ConfigUse | undefined): Promise<RecordedRunSpec> {
  return {
    command,
    config: effectiveConfig(s, config, { changeThreshold: s.history.thresholdPercent, failOnChange: s.history.failOnChange, wait: s.wait }),
    dbPath: s.db.path,
    outDir: s.report.outDir,
    scope: { ...s.scope, keywordsDir: resolve(s.scope.keywordsDir) },
    settings: await effectiveSettings(s),
    source: s.snapshot.length > 0 ? 'snapshot' : 'api',
    history: s.history,
  };
}

export async function runCommand(o: CommonFlags & FetchFlags & ReportFlags & HistoryFlags, io: CliIo, config?: ConfigUse): Promise<void> {
  const s = settingsOf(o, io, config);
  if (s === null) return;
  if (s.report.metric === 'share' && s.snapshot.length === 0 && !s.baselines) {
    // The report would refuse a share of what this fetch will cover: say so before buying it.
    const { refusal } = shareDenominator(apiCoverage(s.scope, await loadKeywordRules(s.scope.keywordsDir), s.fetch));
    if (refusal !== undefined) throw new UserError(refusal);
  }
  const spec = await recordSpec('run', s, config);
  await withLocked(s, s.report.outDir, io, async (store, folder) => {
    if (s.report.metric === 'per-1000' && s.snapshot.length === 0 && !s.baselines) {
      // The report would refuse per-1000 without baselines for this scope: say so before buying the fetch.
      const gap = await apiBaselinesGap(store, s.scope);
      if (gap !== null) {
        throw new UserError(`--metric per-1000 divides by all works of each country, which an API fetch gets from OpenAlex only with --baselines (stored baselines: ${gap}): add --baselines`);
      }
    }
    await recordedRun(store, spec, io, async (ctx) => {
      const data = await fetchStage(store, s, ctx.io);
      await classifyStage(store, s, ctx.io);
      await reportStage(store, s, folder, ctx.io, ctx.beforeCommit);
      return { data, reported: true };
    });
  });
}

export async function fetchCommand(o: CommonFlags & FetchFlags, io: CliIo, config?: ConfigUse): Promise<void> {
  const s = settingsOf(o, io, config);
  if (s === null) return;
  await withLocked(s, null, io, (store) => fetchStage(store, s, io));
}

export async function classifyCommand(o: CommonFlags, io: CliIo, config?: ConfigUse): Promise<void> {
  const s = settingsOf(o, io, config);
  if (s === null) return;
  await withLocked(s, null, io, (store) => classifyStage(store, s, io));
}

export async function aggregateCommand(o: CommonFlags & { out?: string }, io: CliIo, config?: ConfigUse): Promise<void> {
  // aggregate's --out is a folder for counts.csv alone, not the report's: read apart from its options.
  const { out, ...rest } = o;
  const s = settingsOf(rest, io, config);
  if (s === null) return;
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

export async function reportCommand(o: CommonFlags & ReportFlags, io: CliIo, config?: ConfigUse): Promise<void> {
  const s = settingsOf(o, io, config);
  if (s === null) return;
  await withLocked(s, s.report.outDir, io, (store, folder) => reportStage(store, s, folder, io));
}
