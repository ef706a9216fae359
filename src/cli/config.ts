/**
 * The config file: `medai-trends.config.json` in the working directory, or `--config <file>`, so
 * a scheduled job runs a command with no flags. Its keys stand for the pipeline commands' flags and
 * are checked by the same parsers (options.ts): this file checks only what a command line cannot
 * get wrong (JSON syntax, unknown keys, JSON types, against medai-trends.config.schema.json), turns
 * each value into the flag's string form and hands the merged options on. A flag given on the
 * command line wins over the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { fsReason, UserError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import type { CliIo } from './io.js';

/** The file a command reads from its working directory when no --config is given. */
export const CONFIG_FILE = 'medai-trends.config.json';
export const CONFIG_SCHEMA_FILE = join(PROJECT_ROOT, 'medai-trends.config.schema.json');

/**
 * Each config key and the commander attribute of the flag it stands for (`--budget-usd` is
 * `budgetUsd`). Only `formats` differs from its flag's name: a list in the file, `--format a,b` on
 * the command line. The schema's properties are these keys plus `$schema` (tested).
 */
export const CONFIG_KEYS = {
  from: 'from',
  to: 'to',
  countries: 'countries',
  types: 'types',
  mergeVersions: 'mergeVersions',
  countryPolicy: 'countryPolicy',
  keywords: 'keywords',
  engine: 'engine',
  read: 'read',
  db: 'db',
  threads: 'threads',
  snapshot: 'snapshot',
  budgetUsd: 'budgetUsd',
  maxRps: 'maxRps',
  concurrency: 'concurrency',
  prefilter: 'prefilter',
  perPage: 'perPage',
  baselines: 'baselines',
  compareKeywords: 'compareKeywords',
  out: 'out',
  title: 'title',
  width: 'width',
  height: 'height',
  theme: 'theme',
  metric: 'metric',
  formats: 'format',
  incompleteYears: 'incompleteYears',
  listWorks: 'listWorks',
  pdf: 'pdf',
  allowIncomplete: 'allowIncomplete',
  changeThreshold: 'changeThreshold',
  failOnChange: 'failOnChange',
  wait: 'wait',
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

/**
 * Keys that hold paths. A relative one is taken from the config file's folder, not the working
 * directory: a cron job started in $HOME with `--config /srv/medai/medai-trends.config.json`
 * then finds `"db": "data/medai.duckdb"` beside its config. The effective settings write them absolute.
 */
export const PATH_KEYS: ReadonlySet<ConfigKey> = new Set(['db', 'out', 'keywords', 'compareKeywords', 'snapshot']);

/** What a command took from a config file, for parseSettings and the effective settings. */
export interface ConfigUse {
  /** The file as the user named it (or CONFIG_FILE, found in the working directory); null: none. */
  file: string | null;
  /** Flag (`--from`) -> how to name a value that came from the file (`from (medai-trends.config.json)`). */
  labels: ReadonlyMap<string, string>;
  /** The file's own problems (unknown keys, wrong JSON types), listed with the options' problems. */
  problems: readonly string[];
  /** The config keys this command takes (those of its flags). */
  keys: readonly ConfigKey[];
  /** The working directory relative paths are taken from (CliIo.cwd). */
  cwd: string;
}

/** The `{ file, effective }` record of a run's settings (pipeline.ts effectiveConfig builds it). */
export interface EffectiveConfig {
  file: string | null;
  effective: Record<string, unknown>;
}

/**
 * The command's options with the config file's values filled in where no flag was given. Commander
 * fills `--db` and `--out` with their defaults, so whether a flag was given is asked of
 * getOptionValueSource ('cli'), never read from the value. `ignore`: keys this command's flags of
 * the same name do not mean (aggregate's --out is a folder for counts.csv alone, not the report's).
 */
export async function applyConfig<T>(command: Command, io: CliIo, ignore: readonly ConfigKey[] = []): Promise<{ flags: T; config: ConfigUse }> {
  const given = command.getOptionValue('config') as string | undefined;
  const options = new Map<ConfigKey, Option>();
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const option = command.options.find((o) => o.attributeName() === CONFIG_KEYS[key]);
    if (option !== undefined && !ignore.includes(key)) options.set(key, option);
  }
  const flags: Record<string, unknown> = { ...command.opts() };
  const keys = [...options.keys()];
  const found = given === undefined ? join(io.cwd, CONFIG_FILE) : resolve(io.cwd, given);
  if (given === undefined && !existsSync(found)) return { flags: flags as T, config: { file: null, labels: new Map(), problems: [], keys, cwd: io.cwd } };
  const file = given ?? CONFIG_FILE;

  const data = parseConfigText(file, await readConfig(file, found));
  const problems = await schemaProblems(file, data);
  const labels = new Map<string, string>();
  // Relative paths in the file, rewritten relative to the working directory (unchanged when the file is in it).
  const base = relative(io.cwd, dirname(found));
  const rebase = (p: string) => (base === '' || p === '' || isAbsolute(p) ? p : join(base, p));
  for (const [key, value] of Object.entries(data)) {
    const option = options.get(key as ConfigKey);
    if (option === undefined || problems.bad.has(key)) continue;
    const attribute = option.attributeName();
    if (command.getOptionValueSource(attribute) === 'cli') continue;
    labels.set(option.long ?? `--${attribute}`, `${key} (${file})`);
    let flag = flagValue(value, option);
    if (PATH_KEYS.has(key as ConfigKey)) flag = Array.isArray(flag) ? flag.map(rebase) : typeof flag === 'string' ? rebase(flag) : flag;
    // The flag's own argument check (dbPath refuses an empty --db), its message named as the flag's.
    if (option.parseArg !== undefined && typeof flag === 'string') {
      try {
        flag = option.parseArg(flag, undefined);
      } catch (e) {
        problems.list.push((e as Error).message);
        continue;
      }
    }
    flags[attribute] = flag;
  }
  return { flags: flags as T, config: { file, labels, problems: problems.list, keys, cwd: io.cwd } };
}

/** A config value in the form commander gives the flag: numbers as their digits, lists comma-joined (or as many values for `--snapshot <paths...>`). */
function flagValue(value: unknown, option: Option): unknown {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return option.variadic ? value.map(String) : value.join(',');
  return value;
}

async function readConfig(file: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(err.code === 'ENOENT' ? `--config ${file}: no such file` : `cannot read the config file ${file}: ${fsReason(e)}`);
  }
}

/** The file's text as a JSON object, or a UserError naming the file (and the line and column of a syntax error). */
export function parseConfigText(file: string, raw: string): Record<string, unknown> {
  // Windows editors save UTF-8 with a byte-order mark, which JSON.parse refuses.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === '') throw new UserError(`the config file ${file} is empty: write a JSON object of settings such as {"from": 2015, "to": 2024}, or delete the file`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const { line, column } = lineColumn(text, syntaxErrorOffset(text, message));
    // V8's message without the offset (said as line and column) or its quote of the text around it.
    const why = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/[\n\r\t]/g, (c) => JSON.stringify(c).slice(1, -1));
    throw new UserError(`the config file ${file} is not valid JSON: line ${line}, column ${column}: ${why}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UserError(`the config file ${file} must hold a JSON object of settings such as {"from": 2015}, not ${Array.isArray(data) ? 'an array' : JSON.stringify(data)}`);
  }
  return data as Record<string, unknown>;
}

interface SchemaProblems {
  list: string[];
  /** Keys with a problem: not applied, so the parsers do not report them a second time. */
  bad: Set<string>;
}

/** Every key and JSON type problem at once (ajv with allErrors), each naming the file and the key path. */
async function schemaProblems(file: string, data: Record<string, unknown>): Promise<SchemaProblems> {
  const validate = await configValidator();
  const out: SchemaProblems = { list: [], bad: new Set() };
  if (validate(data)) return out;
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const near = closestKey(key);
      out.list.push(`${file}: unknown key "${key}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`);
      out.bad.add(key);
      continue;
    }
    const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const [top, ...rest] = path;
    if (top === undefined) continue;
    out.bad.add(top);
    const value = path.reduce<unknown>((v, s) => (v as Record<string, unknown>)[s], data);
    out.list.push(`${file}: ${top}${rest.map((i) => `[${i}]`).join('')} ${e.message ?? 'is invalid'}, got ${JSON.stringify(value)}`);
  }
  return out;
}

let compiled: import('ajv').ValidateFunction | undefined;

/** The shipped schema, compiled on first use: a command without a config file never loads ajv. */
async function configValidator(): Promise<import('ajv').ValidateFunction> {
  if (compiled === undefined) {
    const { Ajv } = await import('ajv');
    compiled = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')) as object);
  }
  return compiled;
}

/** The known key a misspelt one most likely meant: the same letters ignoring case and -_, or a few edits away. */
export function closestKey(key: string): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const k = norm(key);
  let best: { key: string; d: number } | undefined;
  for (const known of Object.keys(CONFIG_KEYS)) {
    const d = editDistance(k, norm(known));
    if (best === undefined || d < best.d) best = { key: known, d };
  }
  // Near enough to be a slip, not another word: "form" -> from, "country" -> countries, not "foo" -> from.
  return best !== undefined && best.d <= 3 && best.d < k.length / 2 ? best.key : undefined;
}

/** Edits (insert, delete, change, swap two neighbours) from a to b: optimal string alignment. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const up = d[i - 1]!;
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/**
 * Where JSON.parse stopped. V8 gives the position in most messages ("... in JSON at position 13")
 * but not for an unexpected token or the end of the input; then the text is scanned for its first
 * error (the JSON grammar, RFC 8259, without building values).
 */
const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

function syntaxErrorOffset(text: string, message: string): number {
  const given = /at position (\d+)/.exec(message);
  if (given) return Number(given[1]);
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c < ' ') fail();
      if (c === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) fail();
        i = ESCAPE.lastIndex;
      } else i++;
    }
    fail();
  };
  const value = (): void => {
    space();
    const open = text[i];
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (open === '{') {
          space();
          if (text[i] !== '"') fail();
          string();
          space();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        space();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (open === '"') return string();
    LITERAL.lastIndex = i;
    if (!LITERAL.test(text)) fail();
    i = LITERAL.lastIndex;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return text.length;
  } catch (at) {
    return at as number;
  }
}
