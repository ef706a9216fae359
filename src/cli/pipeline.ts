/**
 * The pipeline commands (run, fetch, classify, aggregate, report): each parses its Scope and
 * options once, then calls the stages. Loaded by main.ts only when one of them runs, so `--help`
 * and the other commands do not load DuckDB, Vega and the rest.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchCountries } from '../classify/countries.js';
import { loadKeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { aggregate } from '../pipeline/aggregate.js';
import { classifyStore } from '../pipeline/classify.js';
import { requireComplete } from '../pipeline/completeness.js';
import { apiShareRefusal, requireCovered } from '../pipeline/coverage.js';
import { defaultFolderEffects, OutputFolder } from '../pipeline/output-folder.js';
import { printReportPdfs, produceReport } from '../pipeline/report.js';
import { chromiumPath } from '../report/pdf.js';
import type { Scope } from '../pipeline/scope.js';
import { apiBaseUrl, loadFromApi, loadFromSnapshot } from '../pipeline/source.js';
import { countsCsv } from '../report/tables.js';
import { Store } from '../store/store.js';
import type { CliIo } from './io.js';
import { Problems, parseEngine, parseFetch, parseReport, parseScope, type FetchFlags, type ReportFlags, type ScopeFlags } from './options.js';

export interface CommonFlags extends ScopeFlags {
  db: string;
  engine?: string;
  snapshot?: string[];
  allowIncomplete?: boolean;
}

async function withStore<T>(path: string, body: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(path);
  try {
    return await body(store);
  } finally {
    store.close();
  }
}

/**
 * Takes --out for the whole command before any work starts (exit 2 if it cannot be written, 6 if
 * another run is writing to it); the body writes into `folder.staging` and commits.
 */
async function withOutput<T>(out: string, db: string, io: CliIo, body: (folder: OutputFolder) => Promise<T>): Promise<T> {
  const folder = await OutputFolder.claim(out, [{ label: '--db', path: db }], { ...defaultFolderEffects, log: io.effects.log });
  try {
    return await body(folder);
  } finally {
    folder.release();
  }
}

async function fetchStage(store: Store, scope: Scope, o: CommonFlags & FetchFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const f = parseFetch(p, o);
  p.throwIfAny();
  if (o.snapshot !== undefined && o.snapshot.length > 0) {
    await loadFromSnapshot(store, o.snapshot, io.effects);
    return;
  }
  const rules = await loadKeywordRules(scope.keywordsDir);
  const summary = await loadFromApi(store, scope, rules, {
    ...f,
    baseUrl: apiBaseUrl(io.env.OPENALEX_BASE_URL),
    apiKey: io.env.OPENALEX_API_KEY ?? '',
  }, io.effects);
  io.effects.log(`fetched ${summary.worksReceived} works in ${summary.pages} pages (${summary.requests} requests, US$${summary.usdSpent.toFixed(4)})`);
}

async function classifyStage(store: Store, scope: Scope, o: CommonFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const engine = parseEngine(p, o.engine);
  p.throwIfAny();
  await requireComplete(store, 'classify', o.allowIncomplete === true, io.effects);
  const rules = await loadKeywordRules(scope.keywordsDir);
  await requireCovered(store, 'classify', scope, rules, io.effects);
  await classifyStore(store, rules, scope.countryPolicy, engine, io.effects);
}

async function reportStage(store: Store, scope: Scope, o: CommonFlags & ReportFlags, folder: OutputFolder, io: CliIo): Promise<void> {
  const p = new Problems();
  const options = parseReport(p, o);
  p.throwIfAny();
  await requireComplete(store, 'report', o.allowIncomplete === true, io.effects);
  await requireCovered(store, 'report', scope, null, io.effects);
  const run = await produceReport(store, scope, { ...options, writeTo: folder.staging }, io.effects);
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

/** Every option of every stage checked before the first stage runs, so a typo fails fast. */
function parseAll(o: CommonFlags & FetchFlags & ReportFlags): { scope: Scope; outDir: string; metric: string } {
  const p = new Problems();
  const scope = parseScope(p, o);
  parseEngine(p, o.engine);
  parseFetch(p, o);
  const { outDir, metric } = parseReport(p, o);
  p.throwIfAny();
  return { scope, outDir, metric };
}

export async function runCommand(o: CommonFlags & FetchFlags & ReportFlags, io: CliIo): Promise<void> {
  const { scope, outDir, metric } = parseAll(o);
  // The report would refuse a share of an API fetch (shareDenominator): say so before buying it.
  if (metric === 'share' && (o.snapshot ?? []).length === 0) throw new UserError(apiShareRefusal(fetchCountries(scope.countries, scope.countryPolicy)));
  await withOutput(outDir, o.db, io, (folder) =>
    withStore(o.db, async (store) => {
      await fetchStage(store, scope, o, io);
      await classifyStage(store, scope, o, io);
      await reportStage(store, scope, o, folder, io);
    }),
  );
}

export async function fetchCommand(o: CommonFlags & FetchFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const scope = parseScope(p, o);
  parseFetch(p, o);
  p.throwIfAny();
  await withStore(o.db, (store) => fetchStage(store, scope, o, io));
}

export async function classifyCommand(o: CommonFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const scope = parseScope(p, o);
  parseEngine(p, o.engine);
  p.throwIfAny();
  await withStore(o.db, (store) => classifyStage(store, scope, o, io));
}

export async function aggregateCommand(o: CommonFlags & { out?: string }, io: CliIo): Promise<void> {
  const p = new Problems();
  const scope = parseScope(p, o);
  p.throwIfAny();
  const body = (folder: OutputFolder | null) =>
    withStore(o.db, async (store) => {
      await requireComplete(store, 'aggregate', o.allowIncomplete === true, io.effects);
      await requireCovered(store, 'aggregate', scope, null, io.effects);
      const { counts } = await aggregate(store, scope);
      const csv = countsCsv(counts, scope);
      if (folder !== null) {
        await writeFile(join(folder.staging, 'counts.csv'), csv);
        await folder.commit();
      }
      io.effects.stdout(csv);
    });
  await (o.out === undefined ? body(null) : withOutput(o.out, o.db, io, body));
}

export async function reportCommand(o: CommonFlags & ReportFlags, io: CliIo): Promise<void> {
  const { scope, outDir } = parseAll(o);
  await withOutput(outDir, o.db, io, (folder) => withStore(o.db, (store) => reportStage(store, scope, o, folder, io)));
}
