import { describe, expect, it } from 'vitest';
import { countryName, DEFAULT_TITLE, type ReportOptions } from '../../src/report/index.js';
import { axisTicks, dodgeLabels, niceMax, niceScale, noteLines, tickFormat, wrap, yearRange, yearTicks } from '../../src/report/spec.js';
import { renderSvg } from '../../src/report/render.js';
import { csetLikeInput, fourCountryInput, modelOf, specOf } from './fixtures.js';

const base: ReportOptions = { outDir: '', formats: ['svg'] };

/** Finds the layer whose mark has a given type (and optionally a dash), for content checks. */
function layers(spec: object): { mark: { type: string; strokeDash?: number[] }; transform?: { filter: string }[]; data?: { values: Record<string, unknown>[] }; encoding?: Record<string, unknown> }[] {
  return (spec as { layer: never[] }).layer;
}

describe('layout helpers', () => {
  it.each([
    [11642, 12000, 2000],
    [9034, 10000, 2000],
    [12001, 14000, 2000],
    [0.2535, 0.3, 0.05],
    [3861, 4000, 1000],
    [100, 100, 20],
    [45, 50, 10],
    [0, 1, 0.2],
  ])('y axis for a maximum of %d: top %d, step %d', (max, top, step) => {
    expect(niceScale(max)).toEqual({ max: top, step });
    expect(niceMax(max)).toBe(top);
  });

  it.each([
    [0, 1],
    [1, 1],
    [2, 2],
    [6, 6],
  ])('a count axis for at most %d papers has whole-number ticks up to %d', (max, top) => {
    expect(niceScale(max, true)).toEqual({ max: top, step: 1 });
  });

  it('axis ticks run from 0 to the top without float noise', () => {
    expect(axisTicks({ max: 0.3, step: 0.05 })).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(axisTicks({ max: 12000, step: 2000 })).toEqual([0, 2000, 4000, 6000, 8000, 10000, 12000]);
  });

  it('end labels closer than the gap are pushed apart, and stay in the plot', () => {
    // 11,642 and 11,389 on a 0-12,000 axis 340 px tall are 7 px apart: too close for 12 px text.
    const [us, cn] = dodgeLabels([11642, 11389], 12000, 340, 15);
    const px = (v: number) => 340 * (1 - v / 12000);
    expect(px(cn as number) - px(us as number)).toBeCloseTo(15, 9);
    expect(us).toBe(11642); // the upper one keeps its place
    const low = dodgeLabels([10, 0, 5], 12000, 340, 15).map(px);
    expect(Math.max(...low)).toBeLessThanOrEqual(340);
    const sorted = [...low].sort((a, b) => a - b);
    expect((sorted[1] as number) - (sorted[0] as number)).toBeGreaterThanOrEqual(15 - 1e-9);
    expect((sorted[2] as number) - (sorted[1] as number)).toBeGreaterThanOrEqual(15 - 1e-9);
    // Labels far apart are not moved.
    const apart = dodgeLabels([11000, 500], 12000, 340, 15);
    expect(apart[0]).toBeCloseTo(11000, 6);
    expect(apart[1]).toBeCloseTo(500, 6);
  });

  it('wraps notes on word boundaries within the budget', () => {
    const lines = wrap('Source: OpenAlex snapshot files, data as of 2022-04-30. HK, MO and TW counted separately from CN.', 40);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines.join(' ')).toBe('Source: OpenAlex snapshot files, data as of 2022-04-30. HK, MO and TW counted separately from CN.');
  });

  it.each([
    [2010, 2021, 12],
    [2000, 2021, 11],
    [1990, 2021, 7],
  ])('year ticks %i-%i: %i ticks starting at the first year', (from, to, n) => {
    const t = yearTicks(from, to);
    expect(t).toHaveLength(n);
    expect(t[0]).toBe(from);
  });

  it('names years as a range', () => {
    expect(yearRange([2021])).toBe('2021');
    expect(yearRange([2020, 2021])).toBe('2020–2021');
    expect(yearRange([])).toBe('');
  });

  it.each([
    ['US', 'United States'],
    ['CN', 'China'],
    ['HK', 'Hong Kong'],
    ['TW', 'Taiwan'],
    ['QZ', 'QZ'],
  ])('country %s is shown as %s', (code, name) => {
    expect(countryName(code)).toBe(name);
  });
});

describe('the Figure 2 spec', () => {
  const spec = specOf(csetLikeInput(), base);
  const json = JSON.stringify(spec);

  it('has the CSET title, the method subtitle and a source note with date and country policy', () => {
    expect(spec.title).toEqual({
      text: DEFAULT_TITLE,
      subtitle: 'Papers with medical and AI keywords in title or abstract, full counting by author affiliation',
    });
    const note = layers(spec).at(-1)?.encoding?.text as { value: string[] };
    expect(note.value.join(' ')).toBe(
      'Source: OpenAlex snapshot files, data as of 2022-04-30. HK, MO and TW counted separately from CN. Dashed lines and shaded area: 2021 incomplete, because OpenAlex indexing lags publication.',
    );
  });

  it('draws complete years solid and the incomplete year dashed, joined at the last complete year', () => {
    const lines = layers(spec).filter((l) => l.mark.type === 'line');
    expect(lines.map((l) => [l.transform?.[0]?.filter, l.mark.strokeDash ?? null])).toEqual([
      ['datum.year <= 2020', null],
      ['datum.year >= 2020', [5, 4]],
    ]);
    const band = layers(spec).find((l) => l.mark.type === 'rect');
    expect(band?.data?.values).toEqual([{ start: 2020.5, end: 2021 }]);
  });

  it('with nothing incomplete there is no dashed line, band or note about it', () => {
    const complete = specOf(csetLikeInput({ dataDate: '2026-05-11' }), base);
    expect(layers(complete).filter((l) => l.mark.type === 'line')).toHaveLength(1);
    expect(layers(complete).some((l) => l.mark.type === 'rect')).toBe(false);
    expect(JSON.stringify(complete)).not.toContain('incomplete,');
    // incompleteYears overrides the data-date rule.
    const two = specOf(csetLikeInput({ dataDate: '2026-05-11' }), { ...base, incompleteYears: 2 });
    expect(layers(two).find((l) => l.mark.type === 'rect')?.data?.values).toEqual([{ start: 2019.5, end: 2021 }]);
  });

  it('labels each line at its end with the country name, in the line colour, with no legend', () => {
    const text = layers(spec).find((l) => l.mark.type === 'text' && l.data?.values[0]?.name !== undefined);
    expect(text?.data?.values.map((v) => [v.name, v.year])).toEqual([
      ['United States', 2021],
      ['China', 2021],
    ]);
    expect(json).toContain('"legend":null');
    expect(json).not.toMatch(/"legend":\{/);
  });

  it('uses thousands separators on the axis and in the tooltip, and colours from the Okabe-Ito set', () => {
    expect(json).toContain('"format":",d"');
    expect(json).toContain('"range":["#0072B2","#E69F00"]');
  });

  it('takes the title override and keeps the plot size asked for', () => {
    const custom = specOf(csetLikeInput(), { ...base, title: 'Medical AI, China and US', width: 480, height: 300 });
    expect(custom).toMatchObject({ title: { text: 'Medical AI, China and US' }, width: 480, height: 300 });
  });

  it('explains share and its denominator in the note, and indexes to the first year on the axis', () => {
    const share = specOf(csetLikeInput(), { ...base, metric: 'share' });
    expect(JSON.stringify(share)).toContain('Share of world medical-AI papers');
    expect(JSON.stringify(share)).toContain('"format":".0%"');
    const index = specOf(csetLikeInput(), { ...base, metric: 'index' });
    expect(JSON.stringify(index)).toContain('Index (2010 = 100)');
  });

  it('wraps a long title on a narrow figure and makes room for it above the plot', () => {
    const long = 'Medical-AI papers by year: the United States and China compared, with indexing lag marked';
    const narrow = specOf(csetLikeInput(), { ...base, title: long, width: 260, height: 220 });
    const title = narrow.title as { text: string[]; subtitle: string[] };
    expect(title.text.length).toBeGreaterThan(1);
    expect(title.text.join(' ')).toBe(long);
    expect(title.subtitle.length).toBeGreaterThan(1);
    const top = (sp: typeof spec) => (sp.padding as { top: number }).top;
    expect(top(narrow)).toBeGreaterThan(top(spec));
    // The default title fits the default width on one line.
    expect(typeof (spec.title as { text: unknown }).text).toBe('string');
  });

  it('index charts get a rule at 100; count charts do not', () => {
    const index = specOf(csetLikeInput(), { ...base, metric: 'index' });
    expect(layers(index).find((l) => l.mark.type === 'rule')?.data?.values).toEqual([{ base: 100 }]);
    expect(layers(spec).some((l) => l.mark.type === 'rule')).toBe(false);
  });

  it('handles a one-year window and more countries than colours', async () => {
    const one = csetLikeInput({ from: 2021, to: 2021, counts: csetLikeInput().counts.filter((r) => r.year === 2021) });
    const svg = await renderSvg(specOf(one, base));
    expect(svg).toContain('United States');
    const codes = ['US', 'CN', 'GB', 'DE', 'JP', 'KR', 'IN', 'FR'];
    const many = csetLikeInput({
      countries: codes,
      counts: codes.flatMap((country, k) => Array.from({ length: 12 }, (_, i) => ({ year: 2010 + i, country, papers: (k + 1) * 100 + i * 50, fractional: (k + 1) * 90 + i * 40 }))),
    });
    const manySpec = specOf(many, base);
    const range = (JSON.stringify(manySpec).match(/"range":\[[^\]]*\]/g) ?? [])[0];
    expect(range).toBe('"range":["#0072B2","#E69F00","#000000","#CC79A7","#56B4E9","#D55E00","#009E73","#0072B2"]');
    // Colours repeat at the eighth line, shapes do not: it stays distinguishable from the first.
    expect(JSON.stringify(manySpec)).toContain('"circle","square","triangle-up","diamond","cross","triangle-down","wedge","triangle-right"');
  });

  it('wraps long notes so no line runs past the figure', () => {
    const model = modelOf(
      csetLikeInput({
        sourceLabel: 'OpenAlex API (filter: publication_year 2010-2021, has_abstract true)',
        dataDate: '2026-05-11',
        countryPolicy: 'HK and MO folded into CN; TW counted separately',
      }),
      { metric: 'share', incompleteYears: 2 },
    );
    const lines = noteLines(model, 'share', 80);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  it('a share chart names the denominator it is given on the axis, in the tooltip and in the note', () => {
    // CONSTRUCTED wording, as for an API fetch of two countries rather than the whole corpus.
    const denominator = {
      label: 'Share of medical-AI papers fetched',
      short: 'Share of fetched',
      description: 'the medical-AI papers in the fetched data (US, CN and their co-authors)',
    };
    const share = specOf(csetLikeInput({ denominator }), { ...base, metric: 'share' });
    const json = JSON.stringify(share);
    expect(json).not.toContain('world');
    const y = (layers(share).find((l) => l.mark.type === 'line')?.encoding?.y ?? {}) as { title?: string };
    expect(y.title).toBe('Share of medical-AI papers fetched');
    expect(json).toContain('"title":"Share of fetched","format":".1%"');
    const note = layers(share).at(-1)?.encoding?.text as { value: string[] };
    expect(note.value.join(' ')).toContain(
      'Share: papers with an author in the country, divided by the medical-AI papers in the fetched data (US, CN and their co-authors); shares of countries can sum to more than 100%.',
    );
  });
});

describe('the rendered SVG', () => {
  it('shows title, labels, thousands-separated ticks and year ticks as text', async () => {
    const svg = await renderSvg(specOf(fourCountryInput(), base));
    for (const text of [DEFAULT_TITLE, 'United States', 'China', 'Hong Kong', 'Taiwan', '12,000', '2010', '2021', 'data as of 2022-04-30']) {
      expect(svg).toContain(text);
    }
    // Fixed margins: 600 x 340 plot plus axis, labels and note gives a predictable figure size.
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    expect(Number(w)).toBeGreaterThan(700);
    expect(Number(w)).toBeLessThan(820);
    expect(Number(h)).toBeGreaterThan(480);
    expect(Number(h)).toBeLessThan(540);
  });
});

describe('tickFormat: the y-axis shows the decimals its ticks need', () => {
  it('prints whole ticks without decimals and fractional ticks with as many as the step has', () => {
    expect(tickFormat(',d', 50)).toBe(',d');
    expect(tickFormat(',d', 1)).toBe(',d');
    expect(tickFormat(',d', 0.2)).toBe(',.1f');
    expect(tickFormat(',d', 0.05)).toBe(',.2f');
    expect(tickFormat('.0%', 0.05)).toBe('.0%');
    expect(tickFormat('.0%', 0.025)).toBe('.1%');
    expect(tickFormat('.0%', 0.002)).toBe('.1%');
  });

  it('a fractional chart whose counts stay below 1 labels its ticks 0.2 apart, not 0 and 1', async () => {
    const base = csetLikeInput();
    // One paper in 2021 shared with co-authors abroad: 0.9 for the US, 0.1 for China; none before.
    const counts = base.counts.map((r) => ({ ...r, papers: r.year === 2021 ? 1 : 0, fractional: r.year === 2021 ? (r.country === 'US' ? 0.9 : 0.1) : 0 }));
    const svg = await renderSvg(specOf({ ...base, counts }, { outDir: '', formats: ['svg'], metric: 'fractional' }));
    const labels = [...svg.matchAll(/<text[^>]*>(0\.[0-9]|1\.0)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  });
});
