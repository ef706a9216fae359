/**
 * Option declarations shared by the commands, so a flag is spelled, described and defaulted once.
 * Their values are validated in options.ts.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_POLICY } from '../classify/countries.js';
import { ExitCode } from '../errors.js';
import { REPORT_BOUNDS as B, REPORT_DEFAULTS as R } from '../report/options.js';
import { DEFAULT_CHANGE_THRESHOLD_PERCENT, DEFAULT_COUNTRIES, DEFAULT_DB, DEFAULT_ENGINE, DEFAULT_FROM, DEFAULT_OUT, DEFAULT_TO, FETCH_DEFAULTS as F } from './options.js';

/** `--db ""` is refused: DuckDB would take it as an in-memory database and lose everything at exit. */
export function dbPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('--db needs a file path (an empty one would be an in-memory database, lost at exit)');
  return value;
}

/** The database a command opens, locked while it runs: --wait says how long to wait for another run holding it. */
export const dbOption = (c: Command): Command =>
  waitOption(c.option('--db <path>', 'DuckDB database file', dbPath, DEFAULT_DB).option('--threads <n>', 'DuckDB worker threads (default: every core)'));
export const windowOptions = (c: Command): Command =>
  c
    .option('--from <year>', `first year (default ${DEFAULT_FROM})`)
    .option('--to <year>', `last year (default ${DEFAULT_TO})`)
    .option('--countries <codes>', `ISO alpha-2 codes, comma-separated (default ${DEFAULT_COUNTRIES})`);
/** Which OpenAlex work types: counted by run, aggregate and report; asked of the API by fetch (fewer pages to buy). */
export const typesOption = (c: Command): Command =>
  c.option('--types <list>', 'OpenAlex work types, comma-separated, e.g. article,review,preprint (default: every type)');
/** What counts as one paper; for the commands that count (run, aggregate, report). */
export const countingOptions = (c: Command): Command =>
  typesOption(c).option('--merge-versions', 'count a preprint and another version of one paper (same title, within two years) once, in the earlier year');
export const classifyOptions = (c: Command): Command =>
  c
    .option('--keywords <dir>', 'keyword lists to use instead of data/keywords/')
    .option('--country-policy <policy>', `separate (HK, MO, TW apart from CN) or fold-hk-mo (default ${DEFAULT_POLICY})`)
    .option('--engine <engine>', `classify in ts (TypeScript) or sql (inside DuckDB): the same result (default ${DEFAULT_ENGINE})`);
export const sourceOptions = (c: Command): Command =>
  c
    .option('--snapshot <paths...>', 'read OpenAlex snapshot parts / saved API pages (files, dirs or globs) instead of the API')
    .option('--budget-usd <usd>', `stop cleanly (resumable) before spending more than this on the API (default ${F.budgetUsd})`)
    .option('--max-rps <n>', `API requests per second, across all workers (default ${F.maxRps})`)
    .option('--concurrency <n>', `slices fetched in parallel (default ${F.concurrency})`)
    .option('--prefilter <kind>', `keywords (server-side search superset) or none (default ${F.prefilter})`)
    .option('--refresh', 'fetch a new copy of everything (works OpenAlex no longer returns are retired)')
    .option('--yes', 'start even when the estimate exceeds --budget-usd')
    .option('--per-page <n>', `results per API page, 1-100 (default ${F.perPage})`)
    .option('--baselines', 'API: also count all works, AI and medical works per country and year and the world (list-priced group_by calls), for baselines.csv and --metric per-1000');
/** Which snapshot reader fills the store (run, fetch): src/pipeline/reader.ts. */
export const readOption = (c: Command): Command =>
  c.option('--read <reader>', 'with --snapshot: duckdb (read inside DuckDB, several files at once; keeps no abstracts), node (full records) or auto (default: duckdb when the files total more than 1 GB)');
export const reportOptions = (c: Command): Command =>
  c
    .option('--out <dir>', 'output folder', DEFAULT_OUT)
    .option('--title <text>', 'chart title')
    .option('--width <px>', `plot width in px, ${B.width.min}-${B.width.max} (default ${R.width})`)
    .option('--height <px>', `plot height in px, ${B.height.min}-${B.height.max} (default ${R.height})`)
    .option('--theme <theme>', `light or dark (default ${R.theme})`)
    .option('--metric <metric>', 'count, share (of the medical-AI papers in the snapshot read; after an API fetch only with --baselines that hold OpenAlex\'s world count), index (100 = first year), per-1000 (per 1,000 of the country\'s works; API: needs fetch --baselines), fractional (CWTS fractional counting) or collaboration (papers co-authored by each pair of --countries)')
    .option('--format <list>', `output formats, comma-separated (default ${R.formats.join(',')})`)
    .option('--incomplete-years <n>', `how many final years to mark as incomplete, ${B.incompleteYears.min}-${B.incompleteYears.max} (default: those within a year of the data date)`)
    .option('--list-works <which>', 'what works.csv and works.parquet list: medical-ai (the medical-AI works in scope with a selected country, the papers behind the counts; default) or all (every work in scope with a selected country, tagged or not)')
    .option('--pdf', 'also print figure2.pdf and report.pdf (A4) with headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium)');

/**
 * The run history (run, refresh): each run is recorded and diffed against the last published one
 * (src/pipeline/runs.ts); these say what counts as a change to flag and how the result is printed.
 */
export const historyOptions = (c: Command): Command =>
  c
    .option('--change-threshold <percent>', `flag a complete year's count that moved by more than this percentage since the last published run (default ${DEFAULT_CHANGE_THRESHOLD_PERCENT})`)
    .option('--fail-on-change', `exit ${ExitCode.changed} when a change is flagged (the outputs are written and the run recorded all the same)`)
    .option('--json', 'print one JSON object on stdout (run id, outcome, counts, diff, cost, outputs, warnings); the summary goes to stderr');

/** For every command that opens the database or writes --out: wait for another run instead of exiting 6. */
export const waitOption = (c: Command): Command =>
  c.option('--wait <seconds>', 'if another run holds the database or the output folder, wait up to this many seconds for it to finish (default 0: exit 6 at once)');

/** Where a reading command (explain, evaluate, review-sample) takes works from, and with which lists. */
export const corpusOptions = (c: Command): Command =>
  waitOption(
    c
      .option('--db <path>', 'DuckDB database to read the works from', dbPath, DEFAULT_DB)
      .option('--snapshot <paths...>', 'read snapshot parts / saved API pages (files, dirs or globs) instead of the database')
      .option('--keywords <dir>', 'keyword lists to use instead of data/keywords/'),
  );

/** For the stages that count (classify, aggregate, report, run): go on with a data set whose fetch stopped. */
export const incompleteOption = (c: Command): Command =>
  c.option('--allow-incomplete', 'go on although the last fetch stopped part-way; the outputs then say "incomplete" and why');

/**
 * Rule sensitivity (run, classify, aggregate, report): a second keyword rule classified and counted
 * beside the rule; classify stores it, aggregate and report count it (src/pipeline/compare.ts).
 */
export const compareOption = (c: Command): Command =>
  c.option('--compare-keywords <dir>', 'also classify and count with a second keyword rule, e.g. data/keywords-strict: counts.csv gains papers_compare, the chart a thin dashed line per country, the report both rules\' hand-review precision');

/**
 * The config file (src/cli/config.ts) of the pipeline commands, which a scheduled job runs with no
 * flags; --show-config prints what a command would run with, the file and the flags merged.
 */
export const configOption = (c: Command): Command =>
  c
    .option('--config <file>', 'settings file (JSON, medai-trends.config.schema.json); default medai-trends.config.json in the working directory if there is one; flags override it')
    .option('--show-config', 'print the effective settings (config file and flags merged, defaults filled) as JSON and do nothing else');
