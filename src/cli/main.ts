/**
 * The command-line entry: `medai-trends <command>`. The only place that calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { TOOL_VERSION } from '../pipeline/version.js';
import { register as registerEstimate } from './estimate.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerExplain } from './explain.js';
import { register as registerReview } from './review.js';
import { classifyOptions, dbOption, incompleteOption, reportOptions, sourceOptions, countingOptions, windowOptions } from './flags.js';
import type { FetchFlags, ReportFlags } from './options.js';
import type { CommonFlags } from './pipeline.js';


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

/** The pipeline commands' code, loaded when one of them runs. */
const pipeline = () => import('./pipeline.js');

incompleteOption(reportOptions(classifyOptions(sourceOptions(countingOptions(windowOptions(dbOption(program.command('run'))))))))
  .description('fetch (or read --snapshot), classify, aggregate and report in one go')
  .action(async (o: CommonFlags & FetchFlags & ReportFlags) => (await pipeline()).runCommand(o));

classifyOptions(sourceOptions(windowOptions(dbOption(program.command('fetch')))))
  .description('fill the database from the OpenAlex API (resumable) or from --snapshot files')
  .action(async (o: CommonFlags & FetchFlags) => (await pipeline()).fetchCommand(o));

incompleteOption(classifyOptions(dbOption(program.command('classify'))))
  .description('tag the stored works with the keyword rule and derive their countries')
  .action(async (o: CommonFlags) => (await pipeline()).classifyCommand(o));

incompleteOption(countingOptions(windowOptions(dbOption(program.command('aggregate')))))
  .description('yearly counts per country from the classified works (CSV on stdout, or --out)')
  .option('--out <dir>', 'also write counts.csv into this folder, which then holds only this run\'s outputs')
  .action(async (o: CommonFlags & { out?: string }) => (await pipeline()).aggregateCommand(o));

incompleteOption(reportOptions(countingOptions(windowOptions(dbOption(program.command('report'))))))
  .description('write the charts, CSVs, manifest and summary from the classified works')
  .action(async (o: CommonFlags & ReportFlags) => (await pipeline()).reportCommand(o));

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
