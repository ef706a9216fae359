/**
 * The command-line entry: `medai-trends <command>`. `main` declares the commands and runs one; each
 * command's code is imported when it runs, so `--help`, `--version` and a usage error load only
 * commander and the option declarations. It returns the exit code: bin/medai-trends.js exits
 * with it, and tests call it in-process.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { TOOL_VERSION } from '../pipeline/version.js';
import { classifyOptions, compareOption, configOption, corpusOptions, dbOption, dbPath, historyOptions, incompleteOption, readOption, reportOptions, sourceOptions, countingOptions, typesOption, windowOptions } from './flags.js';
import type { CliIo } from './io.js';
import { DEFAULT_POLICY } from '../classify/countries.js';
import { FETCH_DEFAULTS, RECONCILE_BUDGET_USD, type FetchFlags, type HistoryFlags, type ReportFlags } from './options.js';
import type { CommonFlags } from './pipeline.js';
import type { ConfigKey } from './config.js';
import type { EstimateFlags } from './estimate.js';
import type { EvaluateFlags } from './evaluate.js';
import type { ExplainFlags } from './explain.js';
import type { ReviewFlags } from './review.js';
import type { ReconcileFlags } from './reconcile.js';
import type { SqlFlags } from './sql.js';

export { ExitCode } from '../errors.js';
export { processIo } from './io.js';

/** What bin prints on Ctrl-C or a scheduler's SIGTERM before exiting with ExitCode.interrupted. */
export function interruptedMessage(signal: string): string {
  // What is committed stays (a fetch keeps its checkpoint, a report is swapped in whole or not at
  // all), so the same command resumes or redoes the work.
  return `\nmedai-trends: interrupted by ${signal}; work already saved is kept (a fetch resumes from its checkpoint): run the same command again to continue\n`;
}

/** A fresh program per call: commander keeps the parsed options on its Command objects. */
function program(io: CliIo): Command {
  const program = new Command('medai-trends')
    .version(TOOL_VERSION)
    .description('Yearly counts of medical-AI papers by country from OpenAlex, with Figure 2-style trend charts.')
    // Commander's errors are thrown, not exited on, and printed by `main` as one line (subcommands
    // inherit both settings, so they come before the commands are declared).
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s), outputError: () => {} });

  const pipeline = () => import('./pipeline.js');
  // The command's options with medai-trends.config.json's (or --config's) filled in where no flag was given.
  const configured = async <T>(command: Command, ignore: readonly ConfigKey[] = []) => (await import('./config.js')).applyConfig<T>(command, io, ignore);

  configOption(historyOptions(compareOption(incompleteOption(reportOptions(classifyOptions(readOption(sourceOptions(countingOptions(windowOptions(dbOption(program.command('run'))))))))))))
    .description('fetch (or read --snapshot), classify, aggregate and report in one go (recorded in the runs table and runs/<run id>/ beside --db)')
    .action(async (_o, command: Command) => {
      const { flags, config } = await configured<CommonFlags & FetchFlags & ReportFlags & HistoryFlags>(command);
      await (await pipeline()).runCommand(flags, io, config);
    });

  configOption(historyOptions(compareOption(incompleteOption(reportOptions(classifyOptions(sourceOptions(countingOptions(windowOptions(dbOption(program.command('refresh')))))))))))
    .description('bring the data up to date at the lowest cost (API: recount, then fetch what moved; --snapshot: newer partitions and deleted_ids.csv), then report as run does; "no change since <run id>" when nothing moved')
    .action(async (_o, command: Command) => {
      const { flags, config } = await configured<CommonFlags & FetchFlags & ReportFlags & HistoryFlags>(command);
      await (await import('./refresh.js')).refreshCommand(flags, io, config);
    });

  configOption(classifyOptions(readOption(sourceOptions(typesOption(windowOptions(dbOption(program.command('fetch'))))))))
    .description('fill the database from the OpenAlex API (resumable) or from --snapshot files')
    .action(async (_o, command: Command) => {
      const { flags, config } = await configured<CommonFlags & FetchFlags>(command);
      await (await pipeline()).fetchCommand(flags, io, config);
    });

  configOption(compareOption(incompleteOption(classifyOptions(dbOption(program.command('classify'))))))
    .description('tag the stored works with the keyword rule and derive their countries')
    .action(async (_o, command: Command) => {
      const { flags, config } = await configured<CommonFlags>(command);
      await (await pipeline()).classifyCommand(flags, io, config);
    });

  configOption(compareOption(incompleteOption(countingOptions(windowOptions(dbOption(program.command('aggregate')))))))
    .description('yearly counts per country from the classified works (CSV on stdout, or --out)')
    .option('--out <dir>', 'also write counts.csv into this folder, which then holds only this run\'s outputs')
    .action(async (_o, command: Command) => {
      // The config's "out" is the report's folder; aggregate's --out would empty it for counts.csv alone.
      const { flags, config } = await configured<CommonFlags & { out?: string }>(command, ['out']);
      await (await pipeline()).aggregateCommand(flags, io, config);
    });

  configOption(compareOption(incompleteOption(reportOptions(countingOptions(windowOptions(dbOption(program.command('report'))))))))
    .description('write the charts, CSVs, manifest and summary from the classified works, or from a --counts file made anywhere')
    .option('--counts <csv>', 'draw the report from this year,country,papers[,fractional] file (e.g. made in BigQuery with sql/bigquery/) instead of the database; its years and countries unless --from/--to/--countries narrow them; no database or config file is read')
    .option('--data-date <date>', 'with --counts: the date of the OpenAlex copy the counts were made from, e.g. 2026-06-01 (default unknown)')
    .option('--source-label <text>', 'with --counts: the chart note\'s "Source:" (default: counts in <file>)')
    .option('--country-policy <policy>', `with --counts: the policy the counts were made under, separate or fold-hk-mo (default ${DEFAULT_POLICY})`)
    .action(async (_o, command: Command) => {
      const counts = command.getOptionValue('counts') as string | undefined;
      if (counts !== undefined) {
        await (await import('./report-counts.js')).countsReportCommand({ ...command.opts(), counts }, io);
        return;
      }
      // These describe a counts file; the database's works carry their own policy and dates.
      const only = ['dataDate', 'sourceLabel', 'countryPolicy'].filter((k) => command.getOptionValueSource(k) === 'cli');
      if (only.length > 0) throw new UserError(`${only.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} only with --counts <csv>`);
      // --country-policy is the counts file's; the database's works were classified under their own.
      const { flags, config } = await configured<CommonFlags & ReportFlags>(command, ['countryPolicy']);
      await (await pipeline()).reportCommand(flags, io, config);
    });

  classifyOptions(windowOptions(program.command('estimate')))
    .description('what a fetch would cost: works, pages and USD per year x country (only counting calls are made)')
    .option('--prefilter <kind>', `keywords (server-side search superset) or none (default ${FETCH_DEFAULTS.prefilter})`)
    .option('--per-page <n>', `results per API page, 1-100 (default ${FETCH_DEFAULTS.perPage})`)
    .option('--max-rps <n>', `API requests per second (default ${FETCH_DEFAULTS.maxRps})`)
    .option('--budget-usd <usd>', `the fetch budget to compare the estimate with (default ${FETCH_DEFAULTS.budgetUsd})`)
    .option('--db <path>', 'count slices already fetched into this database as done', dbPath)
    .option('--wait <seconds>', 'with --db: if another run holds the database, wait up to this many seconds for it (default 0: exit 6 at once)')
    .option('--json', 'print the estimate as JSON instead of a table')
    .action(async (o: EstimateFlags) => (await import('./estimate.js')).estimateCommand(o, io));

  dbOption(program.command('reconcile'))
    .description('hold the stored data set against its source: OpenAlex\'s counts now and at fetch time per slice, or the snapshot manifest per part (exit 5 if records were lost)')
    .option('--from <year>', 'only slices of this year or later (default: every year fetched)')
    .option('--to <year>', 'only slices of this year or earlier (default: every year fetched)')
    .option('--countries <codes>', 'only slices of these ISO alpha-2 codes (default: every country fetched)')
    .option('--budget-usd <usd>', `stop before the counting calls cost more than this (default ${RECONCILE_BUDGET_USD})`)
    .option('--max-rps <n>', `API requests per second (default ${FETCH_DEFAULTS.maxRps})`)
    .option('--manifest <file>', 'snapshot manifest to compare with (default: manifest.json or manifest in a folder holding the files read)')
    .option('--json', 'print the result as JSON instead of a table')
    .action(async (o: ReconcileFlags) => (await import('./reconcile.js')).reconcileCommand(o, io));

  windowOptions(program.command('sql'))
    .description('print the counting query for another SQL engine (BigQuery), with the keyword rule\'s patterns as its parameters; save its result as CSV for report --counts')
    .requiredOption('--dialect <dialect>', 'bigquery (the DuckDB twins are queries/classify_works.sql and queries/counts_by_year_country.sql)')
    .option('--keywords <dir>', 'keyword lists to use instead of data/keywords/')
    .option('--country-policy <policy>', `separate (HK, MO, TW apart from CN) or fold-hk-mo (default ${DEFAULT_POLICY})`)
    .action(async (o: SqlFlags) => (await import('./sql.js')).sqlCommand(o, io));

  corpusOptions(program.command('explain'))
    .argument('<openalex-id>', 'work id, e.g. W2911489562 or https://openalex.org/W2911489562')
    .description('print why one work is in or out of the medical-AI count')
    .action(async (rawId: string, o: ExplainFlags) => (await import('./explain.js')).explainCommand(rawId, o, io));

  corpusOptions(program.command('evaluate'))
    .description('precision, recall and F1 of the AI half against MeSH labels; writes reports/evaluation.md')
    .option('--mesh-subtree <file>', 'MeSH AI subtree list to use instead of data/mesh/ai-subtree.tsv')
    .option('--report <file>', 'where to write the Markdown report', 'reports/evaluation.md')
    .option('--samples <n>', 'false positives and false negatives to list', '10')
    .option('--from <year>', 'score only works published in or after this year (default: all)')
    .option('--to <year>', 'score only works published in or before this year (default: all)')
    .option('--judgements <csv>', 'a review sheet from `review-sample`, filled in: adds the precision of the medical-AI tag')
    .action(async (o: EvaluateFlags) => (await import('./evaluate.js')).evaluateCommand(o, io));

  corpusOptions(program.command('review-sample'))
    .description('draw a random sample of the works tagged medical AI, as a sheet to judge by hand (then: evaluate --judgements)')
    .option('--n <count>', 'works to draw', '100')
    .option('--seed <number>', 'random seed: the same corpus, lists and seed draw the same works', '1')
    .option('--from <year>', 'draw only works published in or after this year (default: all)')
    .option('--to <year>', 'draw only works published in or before this year (default: all)')
    .option('--countries <codes>', 'draw only works with an affiliation in one of these ISO alpha-2 codes, e.g. US,CN (default: any)')
    .option('--country-policy <policy>', `separate (HK, MO and TW apart from CN) or fold-hk-mo (default ${DEFAULT_POLICY})`)
    .option('--out <csv>', 'where to write the sheet', 'reports/review-sample.csv')
    .action(async (o: ReviewFlags) => (await import('./review.js')).reviewCommand(o, io));

  return program;
}

/** Runs one command line (without node and the script) and returns its exit code; never exits. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // Whether the command printed anything on stdout: under --json, a command stopped before it
  // printed its object still prints one (below), so a job always reads exactly one from stdout.
  let printed = false;
  const watched: CliIo = {
    ...io,
    stdout: { write: (t: string) => ((printed = true), io.stdout.write(t)), isTTY: io.stdout.isTTY },
    effects: { ...io.effects, stdout: (t) => ((printed = true), io.effects.stdout(t)) },
  };
  const cli = program(watched);
  const refused = (exitCode: number, error: string): number => {
    if (argv.includes('--json') && !printed) io.stdout.write(`${JSON.stringify({ outcome: 'refused', exitCode, error })}\n`);
    return exitCode;
  };
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with 0; a bare `medai-trends` has had its help printed.
      if (err.exitCode === 0) return ExitCode.ok;
      const message = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      if (err.code !== 'commander.help') {
        const command = cli.commands.find((c) => argv.includes(c.name()));
        io.stderr.write(`medai-trends: ${message}; see medai-trends ${command ? `${command.name()} ` : ''}--help\n`);
      }
      return refused(ExitCode.usage, message);
    }
    if (err instanceof UserError) {
      io.stderr.write(`medai-trends: ${err.message}\n`);
      return refused(err.exitCode, err.message);
    }
    io.stderr.write(`medai-trends: unexpected error (a bug; please report it with this output):\n${(err as Error).stack ?? String(err)}\n`);
    return refused(ExitCode.bug, String(err));
  }
}
