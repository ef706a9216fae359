/**
 * The command-line entry: `medai-trends <command>`. The only place that calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { loadKeywordRules } from '../classify/keywords.js';
import { ExitCode, UserError } from '../errors.js';
import { aggregate } from '../pipeline/aggregate.js';
import { classifyStore } from '../pipeline/classify.js';
import { requireComplete } from '../pipeline/completeness.js';
import { stderrEffects } from '../pipeline/effects.js';
import { OutputFolder } from '../pipeline/output-folder.js';
import { printReportPdfs, produceReport } from '../pipeline/report.js';
import { apiBaseUrl, loadFromApi, loadFromSnapshot } from '../pipeline/source.js';
import { TOOL_VERSION } from '../pipeline/version.js';
import { countsCsv } from '../report/tables.js';
import { register as registerEstimate } from './estimate.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerExplain } from './explain.js';
import { register as registerReview } from './review.js';
import { Store } from '../store/store.js';
import { classifyOptions, dbOption, incompleteOption, reportOptions, sourceOptions, countingOptions, windowOptions } from './flags.js';
import {
  Problems,
  parseFetch,
  parseEngine,
  parsePolicy,
  parseReport,
  parseWindow,
  type FetchFlags,
  type ReportFlags,
} from './options.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CommonFlags {
  db: string;
  from?: string;
  to?: string;
  countries?: string;
  types?: string;
  mergeVersions?: boolean;
  countryPolicy?: string;
  engine?: string;
  keywords?: string;
  snapshot?: string[];
  allowIncomplete?: boolean;
}

const program = new Command('medai-trends')
  .version(TOOL_VERSION)
  .description('Yearly counts of medical-AI papers by country from OpenAlex, with Figure 2-style trend charts.')
  // Commander's errors are thrown, not exited on, and printed below as one line (subcommands
  // inherit both settings, so they come before the commands are declared).
  .exitOverride()
  .configureOutput({ outputError: () => {} });

/**
 * Ctrl-C or a scheduler's SIGTERM: what is committed stays (a fetch keeps its checkpoint, a report
 * is swapped in whole or not at all), so the same command resumes or redoes the work.
 */
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nmedai-trends: interrupted by ${signal}; work already saved is kept (a fetch resumes from its checkpoint): run the same command again to continue\n`);
    process.exit(ExitCode.interrupted);
  });
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
async function withOutput<T>(out: string, db: string, body: (folder: OutputFolder) => Promise<T>): Promise<T> {
  const folder = await OutputFolder.claim(out, [{ label: '--db', path: db }]);
  try {
    return await body(folder);
  } finally {
    folder.release();
  }
}

async function fetchStage(store: Store, o: CommonFlags & FetchFlags): Promise<void> {
  const p = new Problems();
  const window = parseWindow(p, o);
  const policy = parsePolicy(p, o.countryPolicy);
  const f = parseFetch(p, o);
  p.throwIfAny();
  if (o.snapshot !== undefined && o.snapshot.length > 0) {
    await loadFromSnapshot(store, o.snapshot, stderrEffects);
    return;
  }
  const rules = await loadKeywordRules(o.keywords);
  const summary = await loadFromApi(store, window, policy, rules, {
    ...f,
    baseUrl: apiBaseUrl(process.env.OPENALEX_BASE_URL),
    apiKey: process.env.OPENALEX_API_KEY ?? '',
  }, stderrEffects);
  stderrEffects.log(`fetched ${summary.worksReceived} works in ${summary.pages} pages (${summary.requests} requests, US$${summary.usdSpent.toFixed(4)})`);
}

async function classifyStage(store: Store, o: CommonFlags): Promise<void> {
  const p = new Problems();
  const policy = parsePolicy(p, o.countryPolicy);
  const engine = parseEngine(p, o.engine);
  p.throwIfAny();
  await requireComplete(store, 'classify', o.allowIncomplete === true, stderrEffects);
  await classifyStore(store, await loadKeywordRules(o.keywords), policy, engine, stderrEffects);
}

async function reportStage(store: Store, o: CommonFlags & ReportFlags, folder: OutputFolder): Promise<void> {
  const p = new Problems();
  const window = parseWindow(p, o);
  const options = parseReport(p, o);
  p.throwIfAny();
  await requireComplete(store, 'report', o.allowIncomplete === true, stderrEffects);
  const run = await produceReport(store, window, { ...options, writeTo: folder.staging }, stderrEffects);
  process.stdout.write(run.summary);
  let pdfFailed: UserError | undefined;
  try {
    if (options.pdf) await printReportPdfs(folder.staging, options.outDir, stderrEffects);
  } catch (e) {
    // No Chromium: the run's other outputs still go in, whole; nothing of an older run's PDFs stays.
    if (!(e instanceof UserError)) throw e;
    pdfFailed = e;
  }
  await folder.commit();
  if (pdfFailed) throw pdfFailed;
}

/** The --out a report-writing command was given, after its options are checked. */
function reportOut(o: CommonFlags & ReportFlags): string {
  const p = new Problems();
  parseWindow(p, o);
  const { outDir } = parseReport(p, o);
  p.throwIfAny();
  return outDir;
}

/** Validates every option of every stage before the first stage runs, so a typo fails fast. */
function validateAll(o: CommonFlags & FetchFlags & ReportFlags): void {
  const p = new Problems();
  parseWindow(p, o);
  parsePolicy(p, o.countryPolicy);
  parseEngine(p, o.engine);
  parseFetch(p, o);
  parseReport(p, o);
  p.throwIfAny();
}

incompleteOption(reportOptions(classifyOptions(sourceOptions(countingOptions(windowOptions(dbOption(program.command('run'))))))))
  .description('fetch (or read --snapshot), classify, aggregate and report in one go')
  .action(async (o: CommonFlags & FetchFlags & ReportFlags) => {
    validateAll(o);
    await withOutput(reportOut(o), o.db, (folder) =>
      withStore(o.db, async (store) => {
        await fetchStage(store, o);
        await classifyStage(store, o);
        await reportStage(store, o, folder);
      }),
    );
  });

classifyOptions(sourceOptions(windowOptions(dbOption(program.command('fetch')))))
  .description('fill the database from the OpenAlex API (resumable) or from --snapshot files')
  .action(async (o: CommonFlags & FetchFlags) => withStore(o.db, (store) => fetchStage(store, o)));

incompleteOption(classifyOptions(dbOption(program.command('classify'))))
  .description('tag the stored works with the keyword rule and derive their countries')
  .action(async (o: CommonFlags) => withStore(o.db, (store) => classifyStage(store, o)));

incompleteOption(countingOptions(windowOptions(dbOption(program.command('aggregate')))))
  .description('yearly counts per country from the classified works (CSV on stdout, or --out)')
  .option('--out <dir>', 'also write counts.csv into this folder, which then holds only this run\'s outputs')
  .action(async (o: CommonFlags & { out?: string }) => {
    const p = new Problems();
    const window = parseWindow(p, o);
    p.throwIfAny();
    const body = (folder: OutputFolder | null) =>
      withStore(o.db, async (store) => {
        await requireComplete(store, 'aggregate', o.allowIncomplete === true, stderrEffects);
        const { counts } = await aggregate(store, window);
        const csv = countsCsv(counts, window);
        if (folder !== null) {
          await writeFile(join(folder.staging, 'counts.csv'), csv);
          await folder.commit();
        }
        process.stdout.write(csv);
      });
    await (o.out === undefined ? body(null) : withOutput(o.out, o.db, body));
  });

incompleteOption(reportOptions(countingOptions(windowOptions(dbOption(program.command('report'))))))
  .description('write the charts, CSVs, manifest and summary from the classified works')
  .action(async (o: CommonFlags & ReportFlags) => withOutput(reportOut(o), o.db, (folder) => withStore(o.db, (store) => reportStage(store, o, folder))));

registerEstimate(program);
registerExplain(program);
registerEvaluate(program);
registerReview(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with 0; a bare `medai-trends` has had its help printed.
    if (err.exitCode === 0) process.exit(ExitCode.ok);
    if (err.code !== 'commander.help') {
      const command = program.commands.find((c) => process.argv.slice(2).includes(c.name()));
      process.stderr.write(`medai-trends: ${err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}; see medai-trends ${command ? `${command.name()} ` : ''}--help\n`);
    }
    process.exit(ExitCode.usage);
  }
  if (err instanceof UserError) {
    process.stderr.write(`medai-trends: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`medai-trends: unexpected error (a bug; please report it with this output):\n${(err as Error).stack ?? String(err)}\n`);
  process.exit(ExitCode.bug);
}
