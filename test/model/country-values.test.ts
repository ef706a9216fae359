/**
 * Country values that are not ISO alpha-2 codes are noted as repairs (value and reason), never
 * dropped without a word; a work left with no usable country is kept and says so.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countriesOf } from '../../src/classify/countries.js';
import { normalizeWork } from '../../src/model/work.js';
import { runCliInProcess } from '../support/cli.js';

const work = (authorships: unknown[]) => ({ id: 'W1', publication_year: 2020, title: 'Deep learning for lung cancer in patients', authorships });
const ignored = (where: string, shown: string) => `country value ignored: ${where} ${shown} is not an ISO 3166-1 alpha-2 code`;
const noneLeft = (n: number) => `no usable country left: ${n} country value${n === 1 ? '' : 's'} ignored; the work is kept but counts for no country`;

// CONSTRUCTED authorships, one kind of country value per row: the countries the work counts for,
// and the repair notes it carries.
const cases: [string, unknown[], string[], string[]][] = [
  ['valid codes: no note', [{ countries: ['US'], institutions: [{ country_code: 'CN' }] }], ['CN', 'US'], []],
  ['"USA" beside valid authors', [{ countries: ['US'] }, { countries: ['CN'] }, { countries: ['USA'] }], ['CN', 'US'], [ignored('authorships[2].countries[0]', '"USA"')]],
  ['empty string', [{ countries: [''] }, { countries: ['DE'] }], ['DE'], [ignored('authorships[0].countries[0]', '""')]],
  ['null in countries', [{ countries: [null, 'FR'] }], ['FR'], [ignored('authorships[0].countries[0]', 'null')]],
  ['ISO numeric codes', [{ countries: [840, 156] }, { countries: ['GB'] }], ['GB'], [ignored('authorships[0].countries[0]', '840'), ignored('authorships[0].countries[1]', '156')]],
  ['an object', [{ countries: [{ code: 'US', name: 'United States of America, a long name' }] }, { countries: ['US'] }], ['US'], [ignored('authorships[0].countries[0]', '{"code":"US","name":"United States of Am…')]],
  ['lower-case code: upper-cased', [{ countries: ['us'] }], ['US'], ['country code upper-cased: authorships[0].countries[0] "us" read as "US"']],
  ['mixed-case institution code: upper-cased', [{ institutions: [{ country_code: 'Cn' }] }], ['CN'], ['country code upper-cased: authorships[0].institutions[0].country_code "Cn" read as "CN"']],
  ['institution country_code null or absent: OpenAlex\'s "not known", no note', [{ countries: ['US'], institutions: [{ country_code: null }, {}] }], ['US'], []],
  ['institution country_code "USA" and 840', [{ countries: ['US'], institutions: [{ country_code: 'USA' }, { country_code: 840 }] }], ['US'], [
    ignored('authorships[0].institutions[0].country_code', '"USA"'),
    ignored('authorships[0].institutions[1].country_code', '840'),
  ]],
  ['institution country_code ""', [{ institutions: [{ country_code: '' }] }, { institutions: [{ country_code: 'JP' }] }], ['JP'], [ignored('authorships[0].institutions[0].country_code', '""')]],
  ['every value bad: kept, counts for no country, and says so', [{ countries: ['USA'], institutions: [{ country_code: 840 }] }, { countries: [''] }], [], [
    ignored('authorships[0].countries[0]', '"USA"'),
    ignored('authorships[0].institutions[0].country_code', '840'),
    ignored('authorships[1].countries[0]', '""'),
    noneLeft(3),
  ]],
  ['one bad value and no other: no usable country', [{ countries: [null] }], [], [ignored('authorships[0].countries[0]', 'null'), noneLeft(1)]],
  ['no country data at all is not a repair', [{ countries: [], institutions: [{ country_code: null }] }], [], []],
];

describe('country values in normalizeWork', () => {
  it.each(cases)('%s', (_name, authorships, countries, notes) => {
    const n = normalizeWork(work(authorships));
    expect(n.ok).toBe(true);
    if (!n.ok) return;
    expect(countriesOf(n.work.authorships, 'separate')).toEqual(countries);
    expect(n.notes).toEqual(notes);
  });

  it('lists at most 20 country notes a work and counts the rest in one more', () => {
    const n = normalizeWork(work([{ countries: Array.from({ length: 500 }, () => null) }]));
    expect(n.ok).toBe(true);
    if (!n.ok) return;
    expect(n.notes).toHaveLength(22);
    expect(n.notes[19]).toBe(ignored('authorships[0].countries[19]', 'null'));
    expect(n.notes.slice(20)).toEqual(['more country values repaired or ignored: 480 beyond the 20 listed', noneLeft(500)]);
  });
});

describe('country repairs through the CLI', () => {
  it('fetch --snapshot notes each bad country value; report writes them to rejects.jsonl and counts them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medai-countries-'));
    // CONSTRUCTED works: W1 clean; W2 one "USA" author beside a US one; W3 only bad values (kept,
    // counted for no country); W4 a lower-case code.
    const line = (id: string, authorships: unknown[]) =>
      JSON.stringify({ id: `https://openalex.org/${id}`, publication_year: 2020, title: 'Deep learning for the diagnosis of lung cancer in patients', authorships });
    const file = join(dir, 'works.jsonl');
    writeFileSync(
      file,
      [
        line('W1', [{ countries: ['US'], institutions: [{ country_code: 'US' }] }]),
        line('W2', [{ countries: ['US'] }, { countries: ['USA'] }]),
        line('W3', [{ countries: ['', null], institutions: [{ country_code: 840 }] }]),
        line('W4', [{ countries: ['cn'] }]),
      ].join('\n'),
    );
    const db = join(dir, 'db.duckdb');
    const out = join(dir, 'out');
    const window = ['--from', '2020', '--to', '2020', '--countries', 'US,CN'];
    for (const args of [['fetch', '--snapshot', file], ['classify'], ['report', ...window, '--format', 'csv', '--out', out]]) {
      const r = await runCliInProcess([...args, '--db', db]);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0);
    }
    const rejects = readFileSync(join(out, 'rejects.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.kind, x.workId, x.reason]).sort()).toEqual(
      [
        ['repaired', 'W2', ignored('authorships[1].countries[0]', '"USA"')],
        ['repaired', 'W3', ignored('authorships[0].countries[0]', '""')],
        ['repaired', 'W3', ignored('authorships[0].countries[1]', 'null')],
        ['repaired', 'W3', ignored('authorships[0].institutions[0].country_code', '840')],
        ['repaired', 'W3', noneLeft(3)],
        ['repaired', 'W4', 'country code upper-cased: authorships[0].countries[0] "cn" read as "CN"'],
      ].sort(),
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.counts).toMatchObject({ recordsRead: 4, rejected: 0, repaired: 6, distinctWorks: 4, medicalAi: 4 });
    expect(manifest.counts.rejectReasons).toEqual([
      { kind: 'repaired', reason: 'country value ignored', records: 4 },
      { kind: 'repaired', reason: 'country code upper-cased', records: 1 },
      { kind: 'repaired', reason: 'no usable country left', records: 1 },
    ]);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('repaired: 6');
    // W2 still counts for US, W4 for CN; W3 for neither. W2's "USA" author has no country, so
    // fractional counting leaves them out and W2 is wholly American: US 1 + 1.
    expect(readFileSync(join(out, 'counts.csv'), 'utf8')).toBe('year,country,papers,fractional\n2020,US,2,2.0000\n2020,CN,1,1.0000\n');
  });
});
