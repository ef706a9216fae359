import { describe, expect, it } from 'vitest';
import { ExitCode, UserError } from '../../src/errors.js';
import type { CountRow, ReportInput } from '../../src/report/index.js';
import { findings } from '../../src/report/index.js';
import { buildSeries, cagr, checkInput, incompleteYears, overtake, yearOverYear } from '../../src/report/series.js';
import { CN, csetLikeInput, US, WORLD } from './fixtures.js';

function rows(series: Record<string, number[]>, from = 2010): CountRow[] {
  return Object.entries(series).flatMap(([country, ps]) => ps.map((papers, i) => ({ year: from + i, country, papers })));
}

describe('incomplete years', () => {
  it.each([
    // [from, to, dataDate, explicit count, expected]
    [2010, 2021, '2026-05-11', undefined, []],
    [2010, 2021, '2022-04-30', undefined, [2021]],
    [2010, 2021, '2021-12-31', undefined, [2020, 2021]],
    [2015, 2026, '2026-05-11', undefined, [2025, 2026]],
    [2010, 2030, '2026-05-11', undefined, [2025, 2026, 2027, 2028, 2029, 2030]],
    [2010, 2021, '2026-05-11', 2, [2020, 2021]],
    [2010, 2021, '2022-04-30', 0, []],
    [2019, 2021, '2026-05-11', 5, [2019, 2020, 2021]],
    [2010, 2021, 'unknown', undefined, []],
    [2010, 2021, 'unknown', 1, [2021]],
  ] as const)('%i-%i with data of %s and count %s', (from, to, date, count, expected) => {
    expect(incompleteYears(from, to, date, count)).toEqual(expected);
  });

  it('rejects a negative count', () => {
    expect(() => incompleteYears(2010, 2021, '2026-05-11', -1)).toThrow(UserError);
  });
});

describe('plotted value per metric', () => {
  const input = csetLikeInput();

  it('count is the raw number of papers', () => {
    const s = buildSeries(input, 'count', [2021]);
    expect(s.filter((p) => p.country === 'US').map((p) => p.value)).toEqual(US);
    expect(s.find((p) => p.country === 'CN' && p.year === 2021)).toMatchObject({ name: 'China', papers: 11389, incomplete: true });
    expect(s.find((p) => p.country === 'CN' && p.year === 2020)?.incomplete).toBe(false);
  });

  it('share divides by the world total of that year', () => {
    const s = buildSeries(input, 'share', []);
    const us2021 = s.find((p) => p.country === 'US' && p.year === 2021);
    expect(us2021?.value).toBeCloseTo(11642 / 45930, 12);
    expect(s.find((p) => p.country === 'CN' && p.year === 2010)?.value).toBeCloseTo((CN[0] as number) / (WORLD[0] as number), 12);
  });

  it('a year with no world papers has no share (a gap, not 0% or infinity)', () => {
    const zeroWorld = csetLikeInput({
      counts: csetLikeInput().counts.map((r) => (r.year === 2012 ? { ...r, papers: 0 } : r)),
      worldTotals: csetLikeInput().worldTotals.map((w) => (w.year === 2012 ? { ...w, papers: 0 } : w)),
    });
    const s = buildSeries(zeroWorld, 'share', []);
    expect(s.find((p) => p.country === 'US' && p.year === 2012)?.value).toBeNull();
  });

  it('index is 100 at the first year', () => {
    const s = buildSeries(input, 'index', []);
    expect(s.find((p) => p.country === 'US' && p.year === 2010)?.value).toBe(100);
    expect(s.find((p) => p.country === 'CN' && p.year === 2021)?.value).toBeCloseTo((11389 / 289) * 100, 9);
  });

  it('index refuses a country with no papers in the first year, naming it', () => {
    const zero = csetLikeInput({ counts: csetLikeInput().counts.map((r) => (r.year === 2010 && r.country === 'CN' ? { ...r, papers: 0 } : r)) });
    expect(() => buildSeries(zero, 'index', [])).toThrow(/CN.*2010/);
  });

  it('any ISO code works; unknown ones are labelled with the code', () => {
    const s = buildSeries(
      csetLikeInput({ countries: ['XK'], counts: rows({ XK: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }) }),
      'count',
      [],
    );
    expect(s[0]).toMatchObject({ country: 'XK', name: 'XK', papers: 1 });
  });
});

describe('input checks collect every problem', () => {
  function problems(input: ReportInput, metric: 'count' | 'share' = 'count'): string {
    try {
      checkInput(input, metric);
      return '';
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as Error).message;
    }
  }

  it('accepts the constructed input', () => {
    expect(problems(csetLikeInput())).toBe('');
    expect(problems(csetLikeInput(), 'share')).toBe('');
  });

  it.each([
    ['a missing year x country', { counts: csetLikeInput().counts.filter((r) => !(r.year === 2015 && r.country === 'CN')) }, /CN 2015 is missing/],
    ['a duplicated row', { counts: [...csetLikeInput().counts, { year: 2011, country: 'US', papers: 1 }] }, /US 2011 appears twice/],
    ['a lower-case or long code', { countries: ['us', 'CHN'] }, /"us" is not an ISO.*\n.*"CHN"/],
    ['a reversed window', { from: 2021, to: 2010 }, /year window/],
    ['a fractional count', { counts: csetLikeInput().counts.map((r) => (r.year === 2013 && r.country === 'US' ? { ...r, papers: 1.5 } : r)) }, /US 2013 is not a non-negative integer/],
  ])('%s', (_, override, pattern) => {
    expect(problems(csetLikeInput(override))).toMatch(pattern);
  });

  it('share needs a world total for every year, and no country above it (an invariant failure)', () => {
    const missing = csetLikeInput({ worldTotals: csetLikeInput().worldTotals.filter((w) => w.year !== 2014) });
    expect(problems(missing, 'share')).toMatch(/world total for 2014 is missing/);
    const tooSmall = csetLikeInput({ worldTotals: csetLikeInput().worldTotals.map((w) => (w.year === 2016 ? { ...w, papers: 2000 } : w)) });
    try {
      checkInput(tooSmall, 'share');
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).exitCode).toBe(ExitCode.invariant);
      expect((e as Error).message).toMatch(/US 2016 has 2034 papers, more than the world total 2000/);
    }
    // The count metric does not use world totals, so their absence does not stop it.
    expect(problems(csetLikeInput({ worldTotals: [] }))).toBe('');
  });
});

describe('growth', () => {
  const r = rows({ US: [100, 150, 150, 0, 30], CN: [0, 10, 20, 40, 80] }, 2017);

  it.each([
    ['US', 2018, 0.5],
    ['US', 2019, 0],
    ['US', 2020, -1],
    ['US', 2021, null], // from zero
    ['US', 2017, null], // first year
    ['CN', 2018, null],
    ['CN', 2021, 1],
  ] as const)('year over year %s %i', (c, y, expected) => {
    const g = yearOverYear(r, c, y);
    if (expected === null) expect(g).toBeNull();
    else expect(g).toBeCloseTo(expected, 12);
  });

  it('CAGR compounds over the span, and is undefined from zero', () => {
    expect(cagr(rows({ US: [100, 0, 400] }), 'US', 2010, 2012)).toBeCloseTo(1, 12);
    expect(cagr(csetLikeInput().counts, 'US', 2010, 2020)).toBeCloseTo((9217 / 612) ** (1 / 10) - 1, 12);
    expect(cagr(r, 'CN', 2017, 2021)).toBeNull();
    expect(cagr(r, 'US', 2019, 2019)).toBeNull();
  });
});

describe('who overtook whom', () => {
  it.each([
    ['never (the CSET-shaped input: US narrowly ahead to the end)', { US, CN }, { year: null, aheadThroughout: false, aheadAtEnd: false }],
    ['crossing in 2013', { US: [5, 5, 5, 5, 5], CN: [1, 2, 5, 6, 7] }, { year: 2013, aheadThroughout: false, aheadAtEnd: true }],
    ['a tie is not overtaking', { US: [5, 5, 5], CN: [1, 5, 5] }, { year: null, aheadThroughout: false, aheadAtEnd: false }],
    ['ahead throughout', { US: [1, 2, 3], CN: [2, 3, 4] }, { year: null, aheadThroughout: true, aheadAtEnd: true }],
    ['overtook, then fell behind', { US: [5, 5, 9], CN: [4, 6, 8] }, { year: 2011, aheadThroughout: false, aheadAtEnd: false }],
  ])('%s', (_, series, expected) => {
    const r = rows(series);
    const to = 2010 + (series.US.length - 1);
    expect(overtake(r, 'CN', 'US', 2010, to)).toEqual(expected);
  });
});

describe('findings for report.html', () => {
  it.each([
    ['never', csetLikeInput(), "China's count did not overtake the United States' between 2010 and 2021 (2021: China 11,389, United States 11,642)."],
    [
      'in an incomplete year',
      csetLikeInput({ counts: csetLikeInput().counts.map((r) => (r.year === 2021 && r.country === 'CN' ? { ...r, papers: 12000 } : r)) }),
      "China's count overtook the United States' in 2021, a year whose counts are still incomplete (2021: China 12,000, United States 11,642).",
    ],
    [
      'and fell behind again',
      csetLikeInput({ counts: csetLikeInput().counts.map((r) => (r.year === 2019 && r.country === 'CN' ? { ...r, papers: 7000 } : r)) }),
      "China's count overtook the United States' in 2019; the United States was ahead again by 2021 (2021: China 11,389, United States 11,642).",
    ],
    [
      'and ended level',
      csetLikeInput({
        counts: csetLikeInput().counts.map((r) =>
          r.country === 'CN' && r.year === 2019 ? { ...r, papers: 7000 } : r.country === 'CN' && r.year === 2021 ? { ...r, papers: 11642 } : r,
        ),
      }),
      "China's count overtook the United States' in 2019; the two were level in 2021 (2021: China 11,642, United States 11,642).",
    ],
  ])('China and the United States: %s', (_, input, sentence) => {
    expect(findings(input, [2021])[0]).toBe(sentence);
  });

  it('gives each country its first and last count and the growth over complete years', () => {
    expect(findings(csetLikeInput(), [2021]).slice(1)).toEqual([
      'United States: 612 papers in 2010, 11,642 in 2021; compound annual growth 2010–2020: +31.2%.',
      'China: 289 papers in 2010, 11,389 in 2021; compound annual growth 2010–2020: +41.1%.',
    ]);
    // Without China or the United States there is no crossing to report.
    const hk = csetLikeInput({ countries: ['US'], counts: csetLikeInput().counts.filter((r) => r.country === 'US') });
    expect(findings(hk, [])).toEqual(['United States: 612 papers in 2010, 11,642 in 2021; compound annual growth 2010–2021: +30.7%.']);
    const single = csetLikeInput({ countries: ['US'], counts: csetLikeInput().counts.filter((r) => r.country === 'US').map((r) => (r.year === 2010 ? { ...r, papers: 1 } : r)) });
    expect(findings(single, [])[0]).toMatch(/^United States: 1 paper in 2010,/);
  });
});
