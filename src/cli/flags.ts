/**
 * Option declarations shared by the commands, so a flag is spelled, described and defaulted once.
 * Their values are validated in options.ts.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DB, DEFAULT_OUT } from './options.js';

/** `--db ""` is refused: DuckDB would take it as an in-memory database and lose everything at exit. */
export function dbPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('--db needs a file path (an empty one would be an in-memory database, lost at exit)');
  return value;
}

export const dbOption = (c: Command): Command =>
  c.option('--db <path>', 'DuckDB database file', dbPath, DEFAULT_DB).option('--threads <n>', 'DuckDB worker threads (default: every core)');
export const windowOptions = (c: Command): Command =>
  c
    .option('--from <year>', 'first year (default 2010)')
    .option('--to <year>', 'last year (default 2021)')
    .option('--countries <codes>', 'ISO alpha-2 codes, comma-separated (default US,CN)');
/** Which OpenAlex work types: counted by run, aggregate and report; asked of the API by fetch (fewer pages to buy). */
export const typesOption = (c: Command): Command =>
  c.option('--types <list>', 'OpenAlex work types, comma-separated, e.g. article,review,preprint (default: every type)');
/** What counts as one paper; for the commands that count (run, aggregate, report). */
export const countingOptions = (c: Command): Command =>
  typesOption(c).option('--merge-versions', 'count a preprint and another version of one paper (same title, within two years) once, in the earlier year');
export const classifyOptions = (c: Command): Command =>
  c
    .option('--keywords <dir>', 'keyword lists to use instead of data/keywords/')
    .option('--country-policy <policy>', 'separate (HK, MO, TW apart from CN) or fold-hk-mo', 'separate')
    .option('--engine <engine>', 'classify in ts (TypeScript) or sql (inside DuckDB): the same result', 'ts');
export const sourceOptions = (c: Command): Command =>
  c
    .option('--snapshot <paths...>', 'read OpenAlex snapshot parts / saved API pages (files, dirs or globs) instead of the API')
    .option('--budget-usd <usd>', 'stop cleanly (resumable) before spending more than this on the API', '1')
    .option('--max-rps <n>', 'API requests per second, across all workers', '10')
    .option('--concurrency <n>', 'slices fetched in parallel', '6')
    .option('--prefilter <kind>', 'keywords (server-side search superset) or none', 'keywords')
    .option('--refresh', 'fetch a new copy of everything (works OpenAlex no longer returns are retired)')
    .option('--yes', 'start even when the estimate exceeds --budget-usd')
    .option('--per-page <n>', 'results per API page, 1-100 (default 100)');
export const reportOptions = (c: Command): Command =>
  c
    .option('--out <dir>', 'output folder', DEFAULT_OUT)
    .option('--title <text>', 'chart title')
    .option('--width <px>', 'plot width')
    .option('--height <px>', 'plot height')
    .option('--theme <theme>', 'light or dark')
    .option('--metric <metric>', 'count, share (of the world total) or index (100 = first year)')
    .option('--format <list>', 'svg,png,html,csv,json')
    .option('--incomplete-years <n>', 'how many final years to mark as incomplete')
    .option('--pdf', 'also print figure2.pdf and report.pdf (A4) with headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium)');

/** Where a reading command (explain, evaluate, review-sample) takes works from, and with which lists. */
export const corpusOptions = (c: Command): Command =>
  c
    .option('--db <path>', 'DuckDB database to read the works from', dbPath, DEFAULT_DB)
    .option('--snapshot <paths...>', 'read snapshot parts / saved API pages (files, dirs or globs) instead of the database')
    .option('--keywords <dir>', 'keyword lists to use instead of data/keywords/');

/** For the stages that count (classify, aggregate, report, run): go on with a data set whose fetch stopped. */
export const incompleteOption = (c: Command): Command =>
  c.option('--allow-incomplete', 'go on although the last fetch stopped part-way; the outputs then say "incomplete" and why');
