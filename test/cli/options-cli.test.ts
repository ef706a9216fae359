/**
 * How the command line answers a mistyped one: numbers in decimal digits only, an empty --db
 * refused, one line per problem, and unknown flags or commands as exit 2 with a pointer to --help
 * (while --help and --version still end with 0). Through the real CLI, except the number table.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integer, parseFetch, parseReport, Problems, type ReportFlags } from '../../src/cli/options.js';
import { resolveOptions } from '../../src/report/options.js';
import { runCli, runCliInProcess } from '../support/cli.js';
import { tempDir } from '../fetch/helpers.js';

describe('integer options take decimal digits only', () => {
  const cases: [raw: string, value: number | null][] = [
    ['2019', 2019],
    ['02019', 2019],
    ['0x7E3', null],
    ['0X7e3', null],
    ['0b11111100011', null],
    ['0o3743', null],
    [' 2019 ', null],
    ['2019 ', null],
    ['2e3', null],
    ['2019.0', null],
    ['2019.', null],
    ['+2019', null],
    ['-2019', null],
    ['', null],
    ['1_000', null],
    ['２０１９', null],
  ];
  it.each(cases)('%j -> %s', (raw, value) => {
    const p = new Problems();
    const n = integer(p, '--from', raw, -1, 1900, 3000);
    if (value === null) {
      expect(p.list).toEqual([`--from must be a whole number from 1900 to 3000, got "${raw}"`]);
    } else {
      expect(p.list).toEqual([]);
      expect(n).toBe(value);
    }
  });

  it.each([
    ['2', 2],
    ['0.5', 0.5],
    ['.25', 0.25],
    ['3.', 3],
    ['0x10', null],
    ['1e1', null],
    [' 1', null],
    ['+1', null],
    ['0', null],
  ] as [string, number | null][])('--budget-usd %j -> %s', (raw, value) => {
    const p = new Problems();
    const f = parseFetch(p, { budgetUsd: raw });
    if (value === null) expect(p.list).toEqual([`--budget-usd must be a positive amount, got "${raw}"`]);
    else expect([p.list, f.budgetUsd]).toEqual([[], value]);
  });

  it('--from 0x7E3 through the CLI is exit 2, naming the value', async () => {
    const r = await runCliInProcess(['aggregate', '--from', '0x7E3', '--db', join(await tempDir('medai-opts-'), 'x.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('medai-trends: --from must be a whole number from 1900 to ' + (new Date().getUTCFullYear() + 1) + ', got "0x7E3"');
  });
});

describe('report options: one set of defaults and bounds, checked once at the command line', () => {
  const parse = (flags: ReportFlags) => {
    const p = new Problems();
    const parsed = parseReport(p, flags);
    return { parsed, problems: p.list };
  };

  it("without flags the CLI's options are the report stage's defaults", () => {
    const { parsed, problems } = parse({});
    expect(problems).toEqual([]);
    const core = resolveOptions({ outDir: '', formats: parsed.formats });
    expect(parsed).toMatchObject({ width: 600, height: 340, theme: 'light', metric: 'count', formats: ['svg', 'png', 'html', 'csv', 'json'] });
    expect({ width: parsed.width, height: parsed.height, theme: parsed.theme, metric: parsed.metric }).toEqual({
      width: core.width,
      height: core.height,
      theme: core.theme,
      metric: core.metric,
    });
  });

  it.each<[ReportFlags, string | null]>([
    [{ width: '200' }, null],
    [{ width: '4000' }, null],
    [{ width: '199' }, '--width must be a whole number from 200 to 4000, got "199"'],
    [{ width: '4001' }, '--width must be a whole number from 200 to 4000, got "4001"'],
    [{ height: '200' }, null],
    // The report stage has always refused a plot under 200 px high; the CLI now says so itself.
    [{ height: '150' }, '--height must be a whole number from 200 to 4000, got "150"'],
    [{ height: '1.5' }, '--height must be a whole number from 200 to 4000, got "1.5"'],
    [{ incompleteYears: '0' }, null],
    [{ incompleteYears: '10' }, null],
    [{ incompleteYears: '11' }, '--incomplete-years must be a whole number from 0 to 10, got "11"'],
    [{ format: 'svg,svg' }, null],
    [{ format: ' , ' }, '--format names no format'],
    [{ format: 'svg,pdf' }, '--format takes svg,png,html,csv,json; "pdf" is not one'],
  ])('%j', (flags, problem) => {
    expect(parse(flags).problems).toEqual(problem === null ? [] : [problem]);
  });

  it('a repeated format is written once', () => {
    expect(parse({ format: 'svg,csv,svg' }).parsed.formats).toEqual(['svg', 'csv']);
  });

  it('every problem is listed together', () => {
    const { problems } = parse({ format: 'svg,pdf', width: '50', height: '150', theme: 'neon', metric: 'ratio', incompleteYears: '-1' });
    expect(problems).toEqual([
      '--format takes svg,png,html,csv,json; "pdf" is not one',
      '--width must be a whole number from 200 to 4000, got "50"',
      '--height must be a whole number from 200 to 4000, got "150"',
      '--theme must be one of light, dark, got "neon"',
      '--metric must be one of count, share, index, per-1000, fractional, collaboration, got "ratio"',
      '--incomplete-years must be a whole number from 0 to 10, got "-1"',
    ]);
  });
});

describe('--db "" is refused, not taken as an in-memory database', () => {
  const commands: string[][] = [['run', '--snapshot', 'nothing'], ['fetch', '--snapshot', 'nothing'], ['classify'], ['aggregate'], ['report'], ['explain', 'W1'], ['evaluate'], ['review-sample'], ['estimate']];
  it.each(commands)('%s --db ""', async (...command) => {
    const dir = await tempDir('medai-opts-');
    const r = await runCli([...command, '--db', ''], { OPENALEX_API_KEY: 'k' }, dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--db needs a file path');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(existsSync(join(dir, 'reports'))).toBe(false);
  });
});

describe('one line per problem', () => {
  it('--countries USA says so once', async () => {
    const r = await runCliInProcess(['report', '--countries', 'USA', '--db', join(await tempDir('medai-opts-'), 'x.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('medai-trends: --countries takes ISO alpha-2 codes such as US,CN; "USA" is not one\n');
  });

  it.each(['0', 'two', '1.5'])('--threads %s is refused before the database is opened', async (threads) => {
    const db = join(await tempDir('medai-opts-'), 'x.duckdb');
    const r = await runCliInProcess(['aggregate', '--threads', threads, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`medai-trends: --threads must be a whole number from 1 to 1024, got "${threads}"\n`);
    expect(existsSync(db)).toBe(false);
  });

  it('an empty --countries still says it names no country', async () => {
    const r = await runCliInProcess(['report', '--countries', ' , ', '--db', join(await tempDir('medai-opts-'), 'x.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('medai-trends: --countries names no country\n');
  });
});

describe('unknown flags and commands', () => {
  const cases: [args: string[], line: RegExp][] = [
    [['fetch', '--frm', '2019'], /^medai-trends: unknown option '--frm' \(Did you mean --from\?\); see medai-trends fetch --help$/],
    [['report', '--bogus'], /^medai-trends: unknown option '--bogus'; see medai-trends report --help$/],
    [['reprot'], /^medai-trends: unknown command 'reprot' \(Did you mean report\?\); see medai-trends --help$/],
    [['--nope'], /^medai-trends: unknown option '--nope'; see medai-trends --help$/],
    [['report', '--from'], /^medai-trends: option '--from <year>' argument missing; see medai-trends report --help$/],
  ];
  it.each(cases)('%j: exit 2, one line pointing to --help', async (args, line) => {
    const r = await runCliInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(line);
  });

  it.each([[['--help']], [['report', '--help']], [['help', 'fetch']], [['--version']]])('%j still exits 0 on stdout', async (args) => {
    const r = await runCliInProcess(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it('no command at all prints the help and exits 2', async () => {
    const r = await runCliInProcess([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: medai-trends');
  });
});
