/**
 * The config file through the real CLI: a medai-trends.config.json in the working directory drives
 * `run` with no flags to the same counts as the flags; a flag given overrides the file (even one
 * equal to commander's default); every problem of a file is listed in one error, each naming the
 * file and key; BOM, invalid JSON, an empty file and a missing --config; and the schema shipped in
 * the repo holds exactly the keys the loader takes, so the two cannot drift.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, CONFIG_SCHEMA_FILE, closestKey } from '../../src/cli/config.js';
import { runCli, runCliInProcess, type CliResult } from '../support/cli.js';
import { REPO_ROOT, WORKS_FILE } from '../support/paths.js';
import { tempDir } from '../fetch/helpers.js';

const schema = JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')) as { $schema: string; properties: Record<string, { description?: string; type?: string }> };
const thisYear = new Date().getUTCFullYear();

async function configFile(dir: string, body: unknown, name = 'medai-trends.config.json'): Promise<string> {
  const file = join(dir, name);
  await mkdir(resolve(file, '..'), { recursive: true });
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return file;
}

/** What a command would run with (--show-config), as the CLI prints it. */
async function shown(args: string[]): Promise<{ file: string | null; effective: Record<string, unknown> }> {
  const r = await runCliInProcess([...args, '--show-config']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { file: string | null; effective: Record<string, unknown> };
}

describe('the schema shipped in the repo', () => {
  it('is a valid draft-07 schema with a description for every key', () => {
    const ajv = new Ajv({ strict: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const undescribed = Object.entries(schema.properties).filter(([, p]) => !(p.description ?? '').trim());
    expect(undescribed).toEqual([]);
  });

  it('holds exactly the keys the loader takes, plus "$schema"', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', ...Object.keys(CONFIG_KEYS)].sort());
  });

  it("every key stands for a flag of a pipeline command, each typed as the flag's value", async () => {
    const flags = new Set<string>();
    for (const command of ['run', 'fetch', 'classify', 'aggregate', 'report']) {
      const r = await runCliInProcess([command, '--help']);
      for (const m of r.stdout.matchAll(/--([a-z][a-z0-9-]*)/g)) flags.add(m[1]!);
    }
    // refresh's keys and --wait arrive with the refresh command and the lock (issue 11); the
    // coordinator empties this list when they are merged, and then the test holds them too.
    const pending: string[] = [];
    const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const missing = Object.entries(CONFIG_KEYS).filter(([key, attr]) => !flags.has(kebab(attr)) && !pending.includes(key));
    expect(missing).toEqual([]);
    // A switch is a boolean in the file; a flag with a value is a string, number or list.
    const help = (await Promise.all(['run', 'fetch', 'classify', 'aggregate', 'report'].map((c) => runCliInProcess([c, '--help'])))).map((r) => r.stdout).join('\n');
    for (const [key, attr] of Object.entries(CONFIG_KEYS)) {
      if (pending.includes(key)) continue;
      const takesValue = new RegExp(`--${kebab(attr)} <`).test(help);
      expect([key, schema.properties[key]!.type === 'boolean']).toEqual([key, !takesValue]);
    }
  });
});

describe('a config file in the working directory drives run with no flags', () => {
  const settings = { from: 2010, to: 2024, countries: ['US', 'CN', 'GB', 'DE'], formats: ['csv', 'json'] };
  let dir: string;
  let fromFile: CliResult;
  let fromFlags: CliResult;
  beforeAll(async () => {
    dir = await tempDir('medai-config-');
    // Relative paths: taken from the config's folder (here the working directory).
    await configFile(dir, { $schema: CONFIG_SCHEMA_FILE, ...settings, snapshot: [WORKS_FILE], db: 'data/medai.duckdb', out: 'out' });
    const flags = ['--from', '2010', '--to', '2024', '--countries', 'US,CN,GB,DE', '--format', 'csv,json'];
    [fromFile, fromFlags] = await Promise.all([
      runCli(['run'], {}, dir),
      runCliInProcess(['run', '--snapshot', WORKS_FILE, ...flags, '--db', join(dir, 'flags.duckdb'), '--out', join(dir, 'flags-out')]),
    ]);
  }, 120_000);

  it('the counts equal those of the same run with flags', () => {
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFlags.code, fromFlags.stderr).toBe(0);
    expect(existsSync(join(dir, 'data/medai.duckdb'))).toBe(true);
    const counts = readFileSync(join(dir, 'out/counts.csv'), 'utf8');
    expect(counts).toBe(readFileSync(join(dir, 'flags-out/counts.csv'), 'utf8'));
    const rows = counts.trim().split('\n').slice(1);
    expect(rows).toHaveLength(15 * 4);
    expect(new Set(rows.map((r) => r.split(',')[1]))).toEqual(new Set(settings.countries));
    const papers = rows.reduce((n, r) => n + Number(r.split(',')[2]), 0);
    expect(papers).toBeGreaterThan(0);
    expect(fromFile.stdout).toBe(fromFlags.stdout);
  });

  it('a flag overrides the file: report --countries US reads the same database, counts only US', async () => {
    const out = join(dir, 'us');
    const r = await runCliInProcess(['report', '--config', join(dir, 'medai-trends.config.json'), '--countries', 'US', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const all = readFileSync(join(dir, 'out/counts.csv'), 'utf8').trim().split('\n');
    const us = readFileSync(join(out, 'counts.csv'), 'utf8').trim().split('\n');
    // The file's database and window (its db relative to its own folder), the flag's country.
    expect(us).toEqual([all[0], ...all.slice(1).filter((row) => row.split(',')[1] === 'US')]);
    expect(us).toHaveLength(1 + 15);
  });
});

describe('flags and file merged', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await tempDir('medai-config-');
    file = await configFile(join(dir, 'job'), { from: 2015, countries: ['de', 'fr'], db: 'store/medai.duckdb', snapshot: ['parts/*.gz', '/abs/part.gz'], width: 800, formats: ['svg', 'csv'], budgetUsd: 0.5 }, 'job.json');
  });

  it("values come from the file, paths from the file's folder, defaults for the rest", async () => {
    const { file: shownFile, effective } = await shown(['run', '--config', file]);
    expect(shownFile).toBe(file);
    expect(effective).toMatchObject({ from: 2015, to: 2021, countries: ['DE', 'FR'], width: 800, height: 340, formats: ['svg', 'csv'], budgetUsd: 0.5, maxRps: 10 });
    // Paths: the file's from its folder, the default --out from the working directory; written absolute.
    expect(effective).toMatchObject({ db: join(dir, 'job/store/medai.duckdb'), snapshot: [join(dir, 'job/parts/*.gz'), '/abs/part.gz'], out: join(REPO_ROOT, 'reports') });
  });

  it('a flag wins, even one equal to its default (--db data/medai.duckdb)', async () => {
    const { effective } = await shown(['run', '--config', file, '--db', 'data/medai.duckdb', '--from', '2012', '--format', 'png', '--countries', 'US']);
    expect(effective).toMatchObject({ db: join(REPO_ROOT, 'data/medai.duckdb'), from: 2012, formats: ['png'], countries: ['US'], width: 800 });
  });

  it('a key the command does not use is ignored; aggregate leaves the report folder "out" alone', async () => {
    const f = await configFile(dir, { from: 2016, out: join(dir, 'report-folder'), width: 900, snapshot: ['x'], engine: 'sql' }, 'many.json');
    expect((await shown(['classify', '--config', f])).effective).toEqual({
      engine: 'sql',
      keywords: expect.any(String),
      countryPolicy: 'separate',
      db: join(REPO_ROOT, 'data/medai.duckdb'),
      threads: expect.any(Number),
      allowIncomplete: false,
    });
    const aggregate = (await shown(['aggregate', '--config', f])).effective;
    expect(aggregate).toMatchObject({ from: 2016 });
    expect(aggregate).not.toHaveProperty('out');
  });

  it('the effective settings are themselves a valid config file that reproduces them', async () => {
    const first = await shown(['run', '--config', file, '--to', '2019', '--title', 'Weekly']);
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(first.effective), JSON.stringify(validate.errors)).toBe(true);
    const again = await configFile(dir, first.effective, 'effective.json');
    const second = await shown(['run', '--config', again]);
    expect(second.effective).toEqual(first.effective);
  });

  it('no file in the working directory and no --config: no config', async () => {
    expect(existsSync(join(REPO_ROOT, 'medai-trends.config.json'))).toBe(false);
    const { file: none, effective } = await shown(['report']);
    expect(none).toBeNull();
    expect(effective).toMatchObject({ from: 2010, to: 2021, countries: ['US', 'CN'], db: join(REPO_ROOT, 'data/medai.duckdb'), out: join(REPO_ROOT, 'reports') });
  });
});

describe('a bad config file is one error listing every problem, exit 2', () => {
  it('wrong types, an unknown key, values the flags refuse, named by key and file; flag problems by flag', async () => {
    const dir = await tempDir('medai-config-');
    const db = join(dir, 'never.duckdb');
    const file = await configFile(dir, {
      from: 1800,
      to: '2020',
      countries: ['US', 3],
      budgetUsd: 0,
      theme: 'neon',
      formats: ['svg', 'pdf'],
      pdf: 'yes',
      'budget-usd': 2,
      colour: 'red',
      db,
      snapshot: [WORKS_FILE],
    });
    const r = await runCliInProcess(['run', '--config', file, '--width', '50']);
    expect(r.code).toBe(2);
    // The file's own problems first, then the parsers' in the order of the stages.
    expect(r.stderr.trim().split('\n')).toEqual([
      'medai-trends: 10 problems with the options:',
      `  - ${file}: unknown key "budget-usd" (did you mean "budgetUsd"?)`,
      `  - ${file}: unknown key "colour"`,
      `  - ${file}: to must be integer, got "2020"`,
      `  - ${file}: countries[1] must be string, got 3`,
      `  - ${file}: pdf must be boolean, got "yes"`,
      `  - from (${file}) must be a whole number from 1900 to ${thisYear + 1}, got "1800"`,
      `  - budgetUsd (${file}) must be a positive amount, got "0"`,
      `  - formats (${file}) takes svg,png,html,csv,json; "pdf" is not one`,
      '  - --width must be a whole number from 200 to 4000, got "50"',
      `  - theme (${file}) must be one of light, dark, got "neon"`,
    ]);
    expect(existsSync(db)).toBe(false);
  });

  it('an empty --db in the file is refused by the flag\'s own check, named as the key', async () => {
    const file = await configFile(await tempDir('medai-config-'), { db: '' });
    const r = await runCliInProcess(['classify', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`medai-trends: db (${file}) needs a file path (an empty one would be an in-memory database, lost at exit)`);
  });
});

describe('the file itself', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('medai-config-');
  });

  it('a byte-order mark at the start is accepted', async () => {
    const file = await configFile(dir, `\uFEFF${JSON.stringify({ from: 2014, countries: ['JP'] })}`, 'bom.json');
    expect(readFileSync(file).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect((await shown(['report', '--config', file])).effective).toMatchObject({ from: 2014, countries: ['JP'] });
  });

  it.each([
    ['{\n  "from": 2015\n  "to": 2020\n}', 'line 3, column 3: Expected \',\' or \'}\' after property value'],
    ['{\n  "from": 2015,\n  "to": tru\n}', 'line 3, column 9: Unexpected token \'\\n\''],
    ['{\n  "from": 2015,\n}', 'line 3, column 1: Expected double-quoted property name'],
    ['{"from": 2015', 'line 1, column 14: Expected \',\' or \'}\' after property value'],
    ['{"title": "a\tb"}', 'line 1, column 13: Bad control character in string literal'],
  ])('invalid JSON %j names the file, line and column', async (text, where) => {
    const file = await configFile(dir, text, 'bad.json');
    const r = await runCliInProcess(['report', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`medai-trends: the config file ${file} is not valid JSON: ${where}`);
  });

  it.each([
    ['', 'is empty: write a JSON object of settings such as {"from": 2015, "to": 2024}, or delete the file'],
    ['\uFEFF \n', 'is empty: write a JSON object of settings such as {"from": 2015, "to": 2024}, or delete the file'],
    ['[2015, 2020]', 'must hold a JSON object of settings such as {"from": 2015}, not an array'],
  ])('%j is a clear error', async (text, why) => {
    const file = await configFile(dir, text, 'odd.json');
    const r = await runCliInProcess(['fetch', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`medai-trends: the config file ${file} ${why}`);
  });

  it('--config naming a missing file is an error', async () => {
    const r = await runCliInProcess(['aggregate', '--config', join(dir, 'nope.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`medai-trends: --config ${join(dir, 'nope.json')}: no such file`);
  });
});

describe('did you mean', () => {
  it.each([
    ['form', 'from'],
    ['country', 'countries'],
    ['format', 'formats'],
    ['budget-usd', 'budgetUsd'],
    ['Width', 'width'],
    ['titel', 'title'],
    ['foo', undefined],
    ['colour', undefined],
    ['verbose', undefined],
  ])('%s -> %s', (key, near) => {
    expect(closestKey(key)).toBe(near);
  });
});
