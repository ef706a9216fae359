/**
 * `report --counts <csv>`: a counts file made anywhere draws the same charts as our own counts,
 * is validated as strictly (every problem listed with file:line, exit 2), and is never drawn
 * beyond what it holds.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCountsCsv } from '../../src/pipeline/counts-file.js';
import { runCliInProcess } from '../support/cli.js';
import { WORKS_FILE } from '../support/paths.js';
import { tempDir } from '../fetch/helpers.js';

let dir: string;
/** The run whose counts.csv is fed back: three countries, so a collaboration table and a fractional column. */
let run: string;
const SCOPE = ['--countries', 'US,CN,GB', '--from', '2015', '--to', '2024'];
// What the run's chart note says of its data; a counts file says it through flags.
const AS_RUN = ['--data-date', '2026-05-11', '--source-label', 'OpenAlex snapshot files'];

const read = (path: string) => readFileSync(path, 'utf8');

beforeAll(async () => {
  dir = await tempDir('medai-counts-');
  run = join(dir, 'run');
  const r = await runCliInProcess(['run', '--snapshot', WORKS_FILE, ...SCOPE, '--db', join(dir, 'db.duckdb'), '--out', run]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(read(join(run, 'manifest.json'))).source.dataDate).toBe('2026-05-11');
}, 120_000);

describe("the pipeline's own counts.csv fed back", () => {
  it('draws the same chart, byte for byte, and the same counts.csv', async () => {
    const same = join(dir, 'same');
    const r = await runCliInProcess(['report', '--counts', join(run, 'counts.csv'), ...AS_RUN, '--out', same]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['figure2.svg', 'figure2.png', 'counts.csv']) expect(readFileSync(join(same, f)).equals(readFileSync(join(run, f))), f).toBe(true);
  }, 60_000);

  // counts.csv writes fractional counts to 4 decimals, so those lines can sit a few thousandths of a
  // pixel away from the database's: equal once the drawing's numbers are rounded to 0.1.
  const coarse = (svg: string) => svg.replace(/\d+\.\d+/g, (n) => Number(n).toFixed(1));
  it.each([
    ['index', ['--countries', 'US,CN', '--from', '2017'], (svg: string) => svg],
    ['fractional', [], coarse],
  ])('draws the same %s chart as the database report of the same window', async (metric, window, normal) => {
    // Given after SCOPE, the window's flags win (commander keeps an option's last value).
    const args = [...window, '--metric', metric, '--format', 'svg'];
    const fromFile = join(dir, `file-${metric}`);
    const fromDb = join(dir, `db-${metric}`);
    const r = await runCliInProcess(['report', '--counts', join(run, 'counts.csv'), ...AS_RUN, ...args, '--out', fromFile]);
    expect(r.code, r.stderr).toBe(0);
    const q = await runCliInProcess(['report', ...SCOPE, ...args, '--db', join(dir, 'db.duckdb'), '--out', fromDb]);
    expect(q.code, q.stderr).toBe(0);
    expect(normal(read(join(fromFile, 'figure2.svg')))).toBe(normal(read(join(fromDb, 'figure2.svg'))));
  }, 60_000);

  it('says in the manifest and summary that the counts came from that file, with its sha256', async () => {
    const out = join(dir, 'provenance');
    const file = join(run, 'counts.csv');
    const r = await runCliInProcess(['report', '--counts', file, '--format', 'svg,csv,html', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const manifest = JSON.parse(read(join(out, 'manifest.json')));
    expect(manifest.source).toMatchObject({ kind: 'counts-file', path: file, sha256, rows: 30, fractional: true, dataDate: 'unknown' });
    expect(manifest.parameters).toMatchObject({ from: 2015, to: 2024, countries: ['US', 'CN', 'GB'] });
    expect(read(join(out, 'summary.md'))).toContain(`Counts read from ${file} (sha256 ${sha256}, 30 rows)`);
    expect(read(join(out, 'report.html'))).toContain(sha256);
    // The default note names the file, not a source it cannot know.
    expect(read(join(out, 'figure2.svg'))).toContain('counts in');
  }, 60_000);

  it('--from/--to/--countries narrow the window, in the order given', async () => {
    const out = join(dir, 'narrow');
    const r = await runCliInProcess(['report', '--counts', join(run, 'counts.csv'), '--countries', 'CN,US', '--from', '2017', '--to', '2022', '--format', 'csv', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = read(join(out, 'counts.csv')).trim().split('\n');
    expect(lines[1]).toMatch(/^2017,CN,/);
    expect(lines).toHaveLength(1 + 6 * 2);
  });

  it.each([
    [['--from', '2010'], '--from 2010 is outside the years'],
    [['--to', '2026'], '--to 2026 is outside the years'],
    [['--countries', 'US,DE'], '--countries DE: not in'],
    [['--metric', 'share'], "--metric share needs the world's medical-AI papers"],
    [['--types', 'article'], '--types decides which works are counted'],
  ])('refuses %j: never drawn for data the file does not hold (exit 2)', async (flags, message) => {
    const r = await runCliInProcess(['report', '--counts', join(run, 'counts.csv'), ...flags, '--out', join(dir, 'refused')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('a counts file made elsewhere', () => {
  it('with a BOM, CRLF, no fractional column and missing zero rows (a GROUP BY) is drawn; fractional is not offered', async () => {
    const file = join(dir, 'bigquery.csv');
    await writeFile(file, '\uFEFFyear,country,papers\r\n2019,US,10\r\n2019,CN,4\r\n2020,US,12\r\n2021,CN,9\r\n2021,US,15\r\n');
    const out = join(dir, 'bq');
    const r = await runCliInProcess(['report', '--counts', file, '--format', 'svg,csv,html', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(join(out, 'counts.csv'))).toBe('year,country,papers\n2019,US,10\n2019,CN,4\n2020,US,12\n2020,CN,0\n2021,US,15\n2021,CN,9\n');
    expect(r.stderr).toContain('1 year x country cell(s) have no row');
    expect(read(join(out, 'summary.md'))).toContain('no fractional column');
    expect(read(join(out, 'report.html'))).not.toContain('id="fractional-method"');
    const f = await runCliInProcess(['report', '--counts', file, '--metric', 'fractional', '--out', join(dir, 'bq-f')]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('needs the fractional column');
  });

  it('with every kind of problem: one error listing each with file:line, exit 2', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, ['year,country,papers', '2019,US,10', '19x,CN,4', '2020,usa,3', '2020,US,-1', '2020,GB,2.5', '2019,US,11', '2021,CN', ''].join('\n'));
    const r = await runCliInProcess(['report', '--counts', file, '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} is not a usable counts file (6 problems)`);
    for (const line of [
      `${file}:3: year "19x"`,
      `${file}:4: country "usa" is not an ISO 3166-1 alpha-2 code`,
      `${file}:5: papers "-1" is not a non-negative whole number`,
      `${file}:6: papers "2.5"`,
      `${file}:7: US 2019 again (first on line 2)`,
      `${file}:8: 2 cells, the header has 3`,
    ]) {
      expect(r.stderr).toContain(line);
    }
  });
});

describe('parseCountsCsv', () => {
  it.each([
    ['', 'f.csv: the file is empty'],
    ['\n\n', 'f.csv: the file is empty'],
    ['year,country,papers\n', 'f.csv: the file has a header but no rows'],
    ['year,country,count\n2019,US,1\n', 'f.csv:1: the header must be exactly year,country,papers'],
    ['country,year,papers\n', 'f.csv:1: the header must be exactly'],
    ['year,country,papers,papers_compare\n2019,US,1,1\n', 'f.csv:1: the header must be exactly'],
    ['year,country,papers\n1899,US,1\n', 'f.csv:2: year "1899" is not a whole year from 1900 to 2027'],
    ['year,country,papers\n2028,US,1\n', 'f.csv:2: year "2028"'],
    ['year,country,papers,fractional\n2019,US,1,1.5\n', 'f.csv:2: fractional 1.5 is more than its 1 papers'],
    ['year,country,papers,fractional\n2019,US,1,x\n', 'f.csv:2: fractional "x" is not a non-negative number'],
    ['year,country,papers\n2019,US,1\n2021,US,1\n', 'f.csv: no row for 2020, between years the file holds'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseCountsCsv(text, 'f.csv', 2026)).toThrow(message);
  });

  it('takes quoted cells and blank lines, and keeps the countries in the order they first appear', () => {
    const f = parseCountsCsv('"year","country","papers"\n\n2020,"GB",1\n2020,US,2\n\n2021,US,3\n', 'f.csv', 2026);
    expect(f).toMatchObject({ from: 2020, to: 2021, countries: ['GB', 'US'], fractional: false });
    expect(f.rows).toHaveLength(3);
  });
});
