/**
 * CSV cells: control characters other than tab and newline dropped (and counted), and every cell a
 * spreadsheet would run as a formula prefixed with `'`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { listValue } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv, type Cell, type CsvTally } from '../../src/report/csv.js';
import { Store } from '../../src/store/store.js';
import { openAlexDataDir, readJsonLines } from '../support/openalex-data.js';
import { sqlRows } from '../support/store-sql.js';
import { runCliInProcess } from '../support/cli.js';

/** The one cell of a one-column CSV, as a CSV reader sees it, and the writer's tally. */
function roundTrip(value: Cell): { cell: string; cleaned: number } {
  const tally: CsvTally = { cellsCleaned: 0 };
  const text = toCsv(['title'], [[value]], tally);
  const parsed = Papa.parse<string[]>(text.trimEnd(), { header: false, delimiter: ',' });
  expect(parsed.errors).toEqual([]);
  return { cell: parsed.data[1]?.[0] ?? '', cleaned: tally.cellsCleaned };
}

// CONSTRUCTED titles, one case per row: the cell a reader gets back, and whether it was cleaned.
const CELL_CASES: [string, Cell, string, number][] = [
    ['plain text', 'Deep learning in radiology', 'Deep learning in radiology', 0],
    ['NUL dropped', 'Deep\u0000 learning', 'Deep learning', 1],
    ['escape, bell and backspace dropped', '\u001b[31mRed\u0007\u0008 title', '[31mRed title', 1],
    ['DEL and C1 controls dropped', 'A\u007f\u0085\u009fB', 'AB', 1],
    ['tab and newline kept', 'Line one\twith tab\nline two', 'Line one\twith tab\nline two', 0],
    ['CRLF and a lone CR become newlines', 'one\r\ntwo\rthree', 'one\ntwo\nthree', 1],
    ['non-control Unicode kept', 'Ünïcödé 深度学习 \u00a0 \u{1F600}', 'Ünïcödé 深度学习 \u00a0 \u{1F600}', 0],
    ['= first', '=cmd|/C calc', "'=cmd|/C calc", 0],
    ['+ first', '+1 survival', "'+1 survival", 0],
    ['- first', '-omics in cancer', "'-omics in cancer", 0],
    ['@ first', '@SUM(A1)', "'@SUM(A1)", 0],
    ['= after spaces', '  =cmd', "'  =cmd", 0],
    ['+ after a tab', '\t+cmd', "'\t+cmd", 0],
    ['- after a newline', '\n-cmd', "'\n-cmd", 0],
    ['= after a no-break and an ideographic space', '\u00a0\u3000=cmd', "'\u00a0\u3000=cmd", 0],
    ['full-width ＝ first', '＝cmd', "'＝cmd", 0],
    ['full-width ＋ － ＠ first', '＋1', "'＋1", 0],
    ['full-width － first', '－1', "'－1", 0],
    ['full-width ＠ after a space', ' ＠SUM', "' ＠SUM", 0],
    ['= after a dropped NUL', '\u0000=cmd', "'=cmd", 1],
    ['leading tab alone', '\tTitle', "'\tTitle", 0],
    ['leading CR becomes a newline, not a formula', '\rTitle', '\nTitle', 1],
    ['= inside is text', 'Why a = b in models', 'Why a = b in models', 0],
    ['empty string', '', '', 0],
    ['null is an empty cell', null, '', 0],
    ['negative number stays a number', -3, '-3', 0],
    ['boolean', true, 'true', 0],
];

describe('CSV cells', () => {
  it.each(CELL_CASES)('%s', (_name, value, expected, cleaned) => {
    expect(roundTrip(value)).toEqual({ cell: expected, cleaned });
  });

  it('counts cells, not characters, across rows and columns', () => {
    const tally: CsvTally = { cellsCleaned: 0 };
    const text = toCsv(['a', 'b'], [['x\u0000\u0000', 'y\u0001'], ['ok', 'z\u0002']], tally);
    expect(tally.cellsCleaned).toBe(3);
    expect(text).toBe('a,b\nx,y\nok,z\n');
    expect(text).not.toMatch(/[\u0000-\u0008]/);
  });
});

/**
 * DuckDB writes works.csv and version-pairs.csv (COPY) with queries/schema/csv_cell.sql: the same
 * rule in SQL, held to csvCell() on every case above and on every real title.
 */
describe('csv_cell in SQL', () => {
  const sqlCell = async (store: Store, texts: string[]): Promise<{ cell: string; cleaned: boolean }[]> =>
    (await sqlRows(store, 'select coalesce(csv_cell(t), \'\') as cell, csv_dirty(t) as cleaned from unnest($texts::varchar[]) with ordinality as u(t, i) order by i', { texts: listValue(texts) })) as {
      cell: string;
      cleaned: boolean;
    }[];

  it('agrees with csvCell on every constructed text cell and every real title', async () => {
    const store = await Store.open(':memory:');
    try {
      const constructed = CELL_CASES.filter(([, v]) => typeof v === 'string').map(([name, v]) => ({ name, text: v as string }));
      // REAL: the titles of the sample's records.
      const real = readJsonLines(join(openAlexDataDir(), 'works.jsonl.gz'))
        .map((w) => (w as { title?: unknown }).title)
        .filter((t): t is string => typeof t === 'string');
      expect(real.length).toBeGreaterThan(2000);
      const texts = [...constructed.map((c) => c.text), ...real];
      const got = await sqlCell(store, texts);
      const want = texts.map((t) => {
        const tally: CsvTally = { cellsCleaned: 0 };
        return { cell: csvCell(t, tally), cleaned: tally.cellsCleaned > 0 };
      });
      expect(got).toEqual(want);
      expect(got.filter((g, i) => g.cell !== texts[i]).length).toBeGreaterThan(constructed.length / 2);
      // The file DuckDB writes with it reads back as the JavaScript writer's, cell for cell; the bytes
      // differ only where DuckDB quotes a cell the JavaScript writer need not (one with a `#`).
      const file = join(mkdtempSync(join(tmpdir(), 'medai-csv-sql-')), 'titles.csv');
      await sqlRows(store, `copy (select csv_cell(t) as title from unnest($texts::varchar[]) with ordinality as u(t, i) order by i) to '${file}' (format csv, header true)`, { texts: listValue(texts) });
      const sqlFile = readFileSync(file, 'utf8');
      const jsFile = toCsv(['title'], texts.map((t) => [t]));
      const cells = (text: string): string[][] => Papa.parse<string[]>(text.trimEnd(), { header: false }).data;
      expect(cells(sqlFile)).toEqual(cells(jsFile));
      const differing = sqlFile.split('\n').filter((line, i) => line !== jsFile.split('\n')[i]);
      expect(differing.every((line) => line.startsWith('"') && line.includes('#'))).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe('works.csv through the CLI', () => {
  it('drops a NUL from a title, escapes spaced and full-width formulas, and counts the cleaned cell in the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-csv-'));
    // CONSTRUCTED medical-AI works whose titles carry a NUL, a spaced formula and a full-width one.
    const titles = ['Deep learning\u0000 for lung cancer in patients', '  =HYPERLINK("x") deep learning in patients', '＝1+1 deep learning in patients'];
    const file = join(dir, 'works.jsonl');
    writeFileSync(
      file,
      titles.map((title, i) => JSON.stringify({ id: `https://openalex.org/W${i + 1}`, publication_year: 2020, title, authorships: [{ countries: ['US'] }] })).join('\n'),
    );
    const out = join(dir, 'out');
    const r = await runCliInProcess(['run', '--snapshot', file, '--from', '2020', '--to', '2020', '--countries', 'US', '--format', 'csv', '--db', join(dir, 'db.duckdb'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const csv = readFileSync(join(out, 'works.csv'), 'utf8');
    expect(csv).not.toContain('\u0000');
    const rows = Papa.parse<Record<string, string>>(csv.trimEnd(), { header: true }).data;
    expect(rows.map((row) => [row.work_id, row.title])).toEqual([
      ['W1', 'Deep learning for lung cancer in patients'],
      ['W2', `'  =HYPERLINK("x") deep learning in patients`],
      ['W3', "'＝1+1 deep learning in patients"],
    ]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.counts.worksCsvCellsCleaned).toBe(1);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('works.csv: control characters dropped from 1 cell(s); works.parquet keeps the text as read.');
  });
});
