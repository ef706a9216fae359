/**
 * The report model: every number the artefacts show, computed once. Each rule is checked here
 * through buildReportModel, the only way the renderers get their numbers.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode, UserError } from '../../src/errors.js';
import type { CountRow, Metric, ReportInput } from '../../src/report/index.js';
import { collaborationMarkdown, findings, markdownTable } from '../../src/report/index.js';
import { fractionalMarkdown } from '../../src/report/tables.js';
import { CN, csetLikeInput, modelOf, US, WORLD } from './fixtures.js';

function rows(series: Record<string, number[]>, from = 2010): CountRow[] {
  return Object.entries(series).flatMap(([country, ps]) => ps.map((papers, i) => ({ year: from + i, country, papers, fractional: papers })));
}

/** An input of the given series (countries in key order) over `from` .. `from + length - 1`. */
function inputOf(series: Record<string, number[]>, from = 2010, overrides: Partial<ReportInput> = {}): ReportInput {
  const length = Object.values(series)[0]?.length ?? 0;
  return csetLikeInput({ from, to: from + length - 1, countries: Object.keys(series), counts: rows(series, from), dataDate: '2099-01-01', ...overrides });
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
    const input = inputOf({ US: Array.from({ length: to - from + 1 }, () => 1) }, from, { dataDate: date });
    const m = modelOf(input, count === undefined ? {} : { incompleteYears: count });
    expect(m.incomplete).toEqual(expected);
    expect(m.lastComplete).toBe(expected.length > 0 ? expected[0]! - 1 : to);
  });
});

describe('plotted value per metric', () => {
  const input = csetLikeInput();
  const values = (i: ReportInput, metric: Metric, incompleteYears = 0) => modelOf(i, { metric, incompleteYears }).values[metric] ?? [];

  it('count is the raw number of papers', () => {
    const s = values(input, 'count', 1);
    expect(s.filter((p) => p.country === 'US').map((p) => p.value)).toEqual(US);
    expect(s.find((p) => p.country === 'CN' && p.year === 2021)).toMatchObject({ name: 'China', papers: 11389, incomplete: true });
    expect(s.find((p) => p.country === 'CN' && p.year === 2020)?.incomplete).toBe(false);
  });

  it('share divides by the world total of that year', () => {
    const s = values(input, 'share');
    const us2021 = s.find((p) => p.country === 'US' && p.year === 2021);
    expect(us2021?.value).toBeCloseTo(11642 / 45930, 12);
    expect(s.find((p) => p.country === 'CN' && p.year === 2010)?.value).toBeCloseTo((CN[0] as number) / (WORLD[0] as number), 12);
  });

  it('a year with no world papers has no share (a gap, not 0% or infinity)', () => {
    const zeroWorld = csetLikeInput({
      counts: csetLikeInput().counts.map((r) => (r.year === 2012 ? { ...r, papers: 0, fractional: 0 } : r)),
      worldTotals: csetLikeInput().worldTotals.map((w) => (w.year === 2012 ? { ...w, papers: 0, fractional: 0 } : w)),
    });
    const s = values(zeroWorld, 'share');
    expect(s.find((p) => p.country === 'US' && p.year === 2012)?.value).toBeNull();
  });

  it('index is 100 at the first year', () => {
    const s = values(input, 'index');
    expect(s.find((p) => p.country === 'US' && p.year === 2010)?.value).toBe(100);
    expect(s.find((p) => p.country === 'CN' && p.year === 2021)?.value).toBeCloseTo((11389 / 289) * 100, 9);
  });

  it('index refuses a country with no papers in the first year, naming it', () => {
    const zero = csetLikeInput({ counts: csetLikeInput().counts.map((r) => (r.year === 2010 && r.country === 'CN' ? { ...r, papers: 0, fractional: 0 } : r)) });
    expect(() => modelOf(zero, { metric: 'index' })).toThrow(/CN.*2010/);
    // Another metric's chart still builds; the page just does not offer index.
    const m = modelOf(zero, { metric: 'count' });
    expect(Object.keys(m.values).sort()).toEqual(['collaboration', 'count', 'fractional', 'share']);
    expect(m.unavailable.index?.message).toMatch(/Cannot index CN to 100 at 2010/);
  });

  it('any ISO code works; unknown ones are labelled with the code', () => {
    const s = values(csetLikeInput({ countries: ['XK'], counts: rows({ XK: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }) }), 'count');
    expect(s[0]).toMatchObject({ country: 'XK', name: 'XK', papers: 1 });
  });
});

describe('input checks collect every problem', () => {
  function problems(input: ReportInput, metric: 'count' | 'share' = 'count'): string {
    try {
      modelOf(input, { metric });
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
    ['a duplicated row', { counts: [...csetLikeInput().counts, { year: 2011, country: 'US', papers: 1, fractional: 1 }] }, /US 2011 appears twice/],
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
      modelOf(tooSmall, { metric: 'share' });
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).exitCode).toBe(ExitCode.invariant);
      expect((e as Error).message).toMatch(/US 2016 has 2034 papers, more than the world total 2000/);
    }
    // The count metric does not use world totals, so their absence does not stop it.
    expect(problems(csetLikeInput({ worldTotals: [] }))).toBe('');
    expect(modelOf(csetLikeInput({ worldTotals: [] })).unavailable.share?.message).toMatch(/world total for 2010 is missing/);
  });
});

describe('growth', () => {
  const m = modelOf(inputOf({ US: [100, 150, 150, 0, 30], CN: [0, 10, 20, 40, 80] }, 2017));
  const yoy = (c: string, y: number) => m.series.find((s) => s.country === c)?.yoy[y - m.from];

  it.each([
    ['US', 2018, 0.5],
    ['US', 2019, 0],
    ['US', 2020, -1],
    ['US', 2021, null], // from zero
    ['US', 2017, null], // first year
    ['CN', 2018, null],
    ['CN', 2021, 1],
  ] as const)('year over year %s %i', (c, y, expected) => {
    const g = yoy(c, y);
    if (expected === null) expect(g).toBeNull();
    else expect(g).toBeCloseTo(expected, 12);
  });

  const cagrOf = (i: ReportInput, country: string, incompleteYears = 0) => modelOf(i, { incompleteYears }).series.find((s) => s.country === country)?.cagr;

  it.each([
    ['compounds over the span', inputOf({ US: [100, 0, 400] }), 'US', 0, 1],
    ['stops at the last complete year', csetLikeInput(), 'US', 1, (9217 / 612) ** (1 / 10) - 1],
    ['is undefined from zero', inputOf({ CN: [0, 10, 20, 40, 80] }), 'CN', 0, null],
    ['is undefined over a one-year window', inputOf({ US: [5] }), 'US', 0, null],
    ['is undefined when every year is incomplete', inputOf({ US: [5, 9] }), 'US', 2, null],
  ] as const)('CAGR %s', (_, input, country, incomplete, expected) => {
    const g = cagrOf(input, country, incomplete);
    if (expected === null) expect(g).toBeNull();
    else expect(g).toBeCloseTo(expected, 12);
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
    expect(modelOf(inputOf(series)).overtake).toEqual({ leader: 'CN', other: 'US', ...expected });
  });

  it.each([
    ['without China', { US: [1, 2], GB: [2, 3] }],
    ['over a single year', { US: [1], CN: [2] }],
  ])('no crossing to look for %s', (_, series) => {
    expect(modelOf(inputOf(series)).overtake).toBeNull();
  });
});

describe('the zero-filled table in the order given', () => {
  const m = modelOf(inputOf({ US: [3, 0, 1200], CN: [0, 7, 2] }, 2019));

  it('counts run by year, then country as listed (not alphabetically)', () => {
    expect(m.counts).toEqual([
      { year: 2019, country: 'US', papers: 3, fractional: 3 },
      { year: 2019, country: 'CN', papers: 0, fractional: 0 },
      { year: 2020, country: 'US', papers: 0, fractional: 0 },
      { year: 2020, country: 'CN', papers: 7, fractional: 7 },
      { year: 2021, country: 'US', papers: 1200, fractional: 1200 },
      { year: 2021, country: 'CN', papers: 2, fractional: 2 },
    ]);
    expect(m.series.map((s) => [s.country, s.name, s.papers])).toEqual([
      ['US', 'United States', [3, 0, 1200]],
      ['CN', 'China', [0, 7, 2]],
    ]);
  });

  it('the rows of the input may come in any order', () => {
    const shuffled = inputOf({ US: [3, 0, 1200], CN: [0, 7, 2] }, 2019);
    shuffled.counts.reverse();
    expect(modelOf(shuffled).counts).toEqual(m.counts);
  });

  it("summary.md's table reads the same rows", () => {
    expect(markdownTable(m)).toEqual(['| year | US | CN |', '|---|---:|---:|', '| 2019 | 3 | 0 |', '| 2020 | 0 | 7 |', '| 2021 | 1,200 | 2 |']);
  });

  it("summary.md's fractional table has the same rows and columns, the fractional counts to 2 decimals", () => {
    const input = inputOf({ US: [3, 0, 1200], CN: [0, 7, 2] }, 2019);
    // US-CN papers shared: a third of 2021's two Chinese papers went to the US, and so on.
    const share: Record<string, number> = { '2019|US': 2.5, '2020|CN': 6.25, '2021|US': 1199.3333, '2021|CN': 0.6667 };
    const fm = modelOf({ ...input, counts: input.counts.map((r) => ({ ...r, fractional: share[`${r.year}|${r.country}`] ?? r.papers })) });
    expect(fractionalMarkdown(fm).slice(2)).toEqual(['| year | US | CN |', '|---|---:|---:|', '| 2019 | 2.50 | 0.00 |', '| 2020 | 0.00 | 6.25 |', '| 2021 | 1,199.33 | 0.67 |']);
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
    expect(findings(modelOf(input, { incompleteYears: 1 }))[0]).toBe(sentence);
  });

  it('gives each country its first and last count and the growth over complete years', () => {
    expect(findings(modelOf(csetLikeInput(), { incompleteYears: 1 })).slice(1)).toEqual([
      'United States: 612 papers in 2010, 11,642 in 2021; compound annual growth 2010–2020: +31.2%.',
      'China: 289 papers in 2010, 11,389 in 2021; compound annual growth 2010–2020: +41.1%.',
    ]);
    // Without China or the United States there is no crossing to report.
    const hk = csetLikeInput({ countries: ['US'], counts: csetLikeInput().counts.filter((r) => r.country === 'US') });
    expect(findings(modelOf(hk, { incompleteYears: 0 }))).toEqual(['United States: 612 papers in 2010, 11,642 in 2021; compound annual growth 2010–2021: +30.7%.']);
    const single = csetLikeInput({ countries: ['US'], counts: csetLikeInput().counts.filter((r) => r.country === 'US').map((r) => (r.year === 2010 ? { ...r, papers: 1, fractional: 1 } : r)) });
    expect(findings(modelOf(single, { incompleteYears: 0 }))[0]).toMatch(/^United States: 1 paper in 2010,/);
  });
});

describe('fractional counts and collaboration', () => {
  it('plots the fractional counts as given, next to the full counts', () => {
    const m = modelOf(csetLikeInput(), { metric: 'fractional' });
    const us2021 = m.values.fractional?.find((p) => p.country === 'US' && p.year === 2021);
    // The fixture's US 2021: 11642 papers, 11642 x 0.85 = 9895.7 fractional.
    expect(us2021).toMatchObject({ papers: 11642, value: 9895.7 });
  });

  it("gives each country's share of its papers co-authored with the other", () => {
    const m = modelOf(csetLikeInput());
    expect(m.pairs).toHaveLength(1);
    const p = m.pairs[0]!;
    expect([p.a, p.b, p.name]).toEqual(['CN', 'US', 'China–United States']);
    // 2021: 1260 co-authored of CN's 11389 and US's 11642 papers.
    expect(p.papers[11]).toBe(1260);
    expect(p.shareOfA[11]).toBeCloseTo(1260 / 11389, 12);
    expect(p.shareOfB[11]).toBeCloseTo(1260 / 11642, 12);
    expect(m.values.collaboration?.filter((v) => v.name === 'China–United States').map((v) => v.value)).toEqual(p.papers);
    const table = collaborationMarkdown(m).join('\n');
    expect(table).toContain('| 2021 | 1,260 | 11.1% | 10.8% |');
  });

  it('zero-fills the pairs of more than two countries, in the order the countries were given', () => {
    const input = csetLikeInput({ countries: ['US', 'CN', 'GB'], counts: [...csetLikeInput().counts, ...rows({ GB: Array(12).fill(10) as number[] })] });
    input.collaboration = [{ year: 2015, country_a: 'GB', country_b: 'US', papers: 3 }];
    const m = modelOf(input);
    expect(m.pairs.map((p) => `${p.a}-${p.b}`)).toEqual(['CN-US', 'GB-US', 'CN-GB']);
    expect(m.pairs[1]?.papers).toEqual([0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]);
    expect(m.pairs[1]?.shareOfA[5]).toBeCloseTo(3 / 10, 12);
  });

  it('refuses collaboration with one country, and a fractional count above the full count', () => {
    const one = csetLikeInput({ countries: ['US'], counts: csetLikeInput().counts.filter((r) => r.country === 'US') });
    expect(() => modelOf(one, { metric: 'collaboration' })).toThrow(/at least two countries/);
    expect(() => modelOf(csetLikeInput({ counts: csetLikeInput().counts.map((r) => (r.year === 2013 && r.country === 'US' ? { ...r, fractional: r.papers + 1 } : r)) }))).toThrow(
      /fractional count for US 2013 is not between 0 and its 1012 papers/,
    );
  });
});
