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
import { printReportPdfs, produceReport } from '../pipeline/report.js';
import { apiBaseUrl, loadFromApi, loadFromSnapshot } from '../pipeline/source.js';
import { TOOL_VERSION } from '../pipeline/version.js';
import { toCsv } from '../report/csv.js';
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
import { mkdir, writeFile } from 'node:fs/promises';
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

async function reportStage(store: Store, o: CommonFlags & ReportFlags): Promise<void> {
  const p = new Problems();
  const window = parseWindow(p, o);
  const options = parseReport(p, o);
  p.throwIfAny();
  await requireComplete(store, 'report', o.allowIncomplete === true, stderrEffects);
  const run = await produceReport(store, window, options, stderrEffects);
  process.stdout.write(run.summary);
  if (options.pdf) await printReportPdfs(options.outDir, stderrEffects);
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
    await withStore(o.db, async (store) => {
      await fetchStage(store, o);
      await classifyStage(store, o);
      await reportStage(store, o);
    });
  });

classifyOptions(sourceOptions(windowOptions(dbOption(program.command('fetch')))))
  .description('fill the database from the OpenAlex API (resumable) or from --snapshot files')
  .action(async (o: CommonFlags & FetchFlags) => withStore(o.db, (store) => fetchStage(store, o)));

incompleteOption(classifyOptions(dbOption(program.command('classify'))))
  .description('tag the stored works with the keyword rule and derive their countries')
  .action(async (o: CommonFlags) => withStore(o.db, (store) => classifyStage(store, o)));

incompleteOption(countingOptions(windowOptions(dbOption(program.command('aggregate')))))
  .description('yearly counts per country from the classified works (CSV on stdout, or --out)')
  .option('--out <dir>', 'also write counts.csv into this folder')
  .action(async (o: CommonFlags & { out?: string }) => {
    const p = new Problems();
    const window = parseWindow(p, o);
    p.throwIfAny();
    await withStore(o.db, async (store) => {
      await requireComplete(store, 'aggregate', o.allowIncomplete === true, stderrEffects);
      const { counts } = await aggregate(store, window);
      const csv = toCsv(['year', 'country', 'papers'], counts.map((r) => [r.year, r.country, r.papers]));
      if (o.out !== undefined) {
        await mkdir(o.out, { recursive: true });
        await writeFile(join(o.out, 'counts.csv'), csv);
      }
      process.stdout.write(csv);
    });
  });

incompleteOption(reportOptions(countingOptions(windowOptions(dbOption(program.command('report'))))))
  .description('write the charts, CSVs, manifest and summary from the classified works')
  .action(async (o: CommonFlags & ReportFlags) => withStore(o.db, (store) => reportStage(store, o)));

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
