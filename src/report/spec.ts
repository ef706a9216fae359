/**
 * The Figure 2 Vega-Lite spec, built by pure functions of typed input so the same numbers always
 * give the same spec (and through it the same SVG). Layout decisions that Vega-Lite cannot make
 * for us (end labels that would overlap, note lines that would run past the chart) are computed here.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportModel } from './model.js';
import type { Metric, ShareDenominator, Theme } from './types.js';

type LayerSpec = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** How to draw the model: everything the chart shows besides the model's numbers. */
export interface ChartView {
  metric: Metric;
  theme: Theme;
  title: string;
  subtitle: string;
  width: number;
  height: number;
}

interface Palette {
  background: string;
  text: string;
  muted: string;
  grid: string;
  axis: string;
  band: string;
  lines: readonly string[];
  /** The same hues for end-label text, darkened (or lightened) to at least 4.5:1 contrast. */
  labels: readonly string[];
}

/**
 * Okabe-Ito colours: distinguishable with the common colour-vision deficiencies, and ordered so
 * that the first three differ clearly in lightness when printed in greyscale (dark blue, orange,
 * black); shapes on the points carry the distinction beyond that.
 */
const PALETTES: Readonly<Record<Theme, Palette>> = {
  light: {
    background: '#ffffff',
    text: '#222222',
    muted: '#5f5f5f',
    grid: '#e3e3e3',
    axis: '#888888',
    band: '#dadada',
    lines: ['#0072B2', '#E69F00', '#000000', '#CC79A7', '#56B4E9', '#D55E00', '#009E73'],
    labels: ['#0072B2', '#9A6700', '#000000', '#A8457F', '#1F78A8', '#A84A00', '#007A59'],
  },
  dark: {
    background: '#1b1e23',
    text: '#ececec',
    muted: '#b0b0b0',
    grid: '#3a3f47',
    axis: '#8a8f98',
    band: '#3c424c',
    lines: ['#56B4E9', '#E69F00', '#f2f2f2', '#CC79A7', '#0072B2', '#D55E00', '#009E73'],
    labels: ['#56B4E9', '#E69F00', '#f2f2f2', '#CC79A7', '#6CA8E0', '#E8732A', '#009E73'],
  },
};

/** One more shape than colours, so colour and shape never repeat together before 56 lines. */
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'wedge', 'triangle-right'];

/** DejaVu first because the PNG renderer is given exactly those font files; the rest are for browsers. */
const FONT = 'DejaVu Sans, Helvetica Neue, Arial, sans-serif';
const LABEL_FONT_SIZE = 12;
const NOTE_FONT_SIZE = 10;
/**
 * Average DejaVu Sans advance is about 0.6 em (bold about 0.68). Vega's headless text measure is a
 * rough estimate, so the margins around the plot are computed here from these instead, which keeps
 * the figure's size exactly predictable from --width and --height.
 */
const CHAR_EM = 0.6;
const BOLD_CHAR_EM = 0.68;
const AXIS_FONT_SIZE = 11;
const NOTE_LINE_HEIGHT = NOTE_FONT_SIZE + 4;
const MARGIN = 14;
const TITLE_FONT_SIZE = 17;
const TITLE_LINE_HEIGHT = 21;
const SUBTITLE_FONT_SIZE = 12;
const SUBTITLE_LINE_HEIGHT = 15;
/** Room above the plot for a one-line title, one-line subtitle and the y-axis title. */
const TITLED_TOP = 98;
/**
 * The second rule's line (--compare-keywords): the country's colour, thinner and with longer dashes
 * than the thick [5, 4] dashes of incomplete years, so the two kinds of dashing are told apart.
 */
const COMPARE_DASH = [9, 3];
const COMPARE_STROKE = 1.5;
/** Room above the plot for the y-axis title when the chart has no title of its own. */
const UNTITLED_TOP = 36;

export function palette(theme: Theme): Palette {
  return PALETTES[theme];
}

function cycle<T>(items: readonly T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => items[i % items.length] as T);
}

/**
 * A round y-axis top and tick step: steps of 1, 2 or 5 times a power of ten, 3 to 7 intervals,
 * the lowest top that fits (on a tie, the interval count nearest 5). The ticks are then set explicitly so the top
 * gridline is the top of the plot and the end labels can be placed on a known scale.
 */
export function niceScale(max: number, integer = false): { max: number; step: number } {
  // Paper counts are whole numbers: a tiny count (a test run, a small country) gets unit ticks.
  if (integer && max <= 6) return { max: Math.max(1, Math.ceil(max)), step: 1 };
  if (!(max > 0)) return { max: 1, step: 0.2 };
  let best: { max: number; step: number } | undefined;
  const p0 = Math.floor(Math.log10(max)) - 2;
  for (let p = p0; p <= p0 + 3; p++) {
    for (const m of [1, 2, 5]) {
      const step = m * 10 ** p;
      const n = Math.ceil(max / step - 1e-9);
      if (n < 3 || n > 7) continue;
      const top = round(n * step);
      const nearer = best !== undefined && Math.abs(n - 5) < Math.abs(best.max / best.step - 5);
      if (!best || top < best.max - 1e-12 || (Math.abs(top - best.max) <= 1e-12 && nearer)) {
        best = { max: top, step: round(step) };
      }
    }
  }
  return best ?? { max, step: max / 5 };
}

export function niceMax(max: number): number {
  return niceScale(max).max;
}

/** Removes binary noise (0.30000000000000004) so spec values and goldens stay readable. */
function round(v: number): number {
  return Number(v.toPrecision(12));
}

export function axisTicks(scale: { max: number; step: number }): number[] {
  const n = Math.round(scale.max / scale.step);
  return Array.from({ length: n + 1 }, (_, i) => round(i * scale.step));
}

/**
 * Moves end labels apart so none overlap, keeping each as close to its line end as possible.
 * Works in pixels (0 = top) and returns data values on the same linear scale [0, domainMax].
 */
export function dodgeLabels(values: readonly number[], domainMax: number, height: number, gap: number): number[] {
  const px = values.map((v, i) => ({ i, y: height * (1 - v / domainMax) }));
  const sorted = [...px].sort((a, b) => a.y - b.y || a.i - b.i);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (prev && cur && cur.y - prev.y < gap) cur.y = prev.y + gap;
  }
  // If pushing down ran off the bottom, push the stack back up from there.
  const last = sorted[sorted.length - 1];
  if (last && last.y > height) {
    last.y = height;
    for (let k = sorted.length - 2; k >= 0; k--) {
      const next = sorted[k + 1];
      const cur = sorted[k];
      if (next && cur && next.y - cur.y < gap) cur.y = next.y - gap;
    }
  }
  const out = new Array<number>(values.length).fill(0);
  for (const p of sorted) out[p.i] = domainMax * (1 - p.y / height);
  return out;
}

/** Greedy word wrap to a character budget; deterministic, no font metrics needed. */
export function wrap(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Ends text with a full stop unless it already ends with punctuation. */
export function sentence(text: string): string {
  const t = text.trim();
  return t === '' || /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Years as a closed range text, "2020" or "2020–2021". */
export function yearRange(years: readonly number[]): string {
  const first = years[0];
  const last = years[years.length - 1];
  if (first === undefined || last === undefined) return '';
  return first === last ? String(first) : `${first}–${last}`;
}

/** Every year when they fit, else every 2nd or 5th, always including the first year. */
export function yearTicks(from: number, to: number): number[] {
  const span = to - from;
  const step = span <= 12 ? 1 : span <= 24 ? 2 : 5;
  const ticks: number[] = [];
  for (let y = from; y <= to; y += step) ticks.push(y);
  return ticks;
}

interface MetricText {
  axisTitle: string;
  axisFormat: string;
  tipTitle: string;
  tipFormat: string;
}

function metricText(metric: Metric, from: number, denominator: ShareDenominator): MetricText {
  switch (metric) {
    case 'count':
      return { axisTitle: 'Papers', axisFormat: ',d', tipTitle: 'Papers', tipFormat: ',d' };
    case 'share':
      return { axisTitle: denominator.label, axisFormat: '.0%', tipTitle: denominator.short, tipFormat: '.1%' };
    case 'index':
      return { axisTitle: `Index (${from} = 100)`, axisFormat: ',d', tipTitle: 'Index', tipFormat: ',.0f' };
    case 'per-1000':
      return { axisTitle: "Medical-AI papers per 1,000 of the country's works", axisFormat: ',d', tipTitle: 'Per 1,000 works', tipFormat: ',.2f' };
    case 'fractional':
      return { axisTitle: 'Papers (fractional counting)', axisFormat: ',d', tipTitle: 'Fractional', tipFormat: ',.1f' };
    case 'collaboration':
      return { axisTitle: 'Papers co-authored by both countries', axisFormat: ',d', tipTitle: 'Co-authored', tipFormat: ',d' };
  }
}

/**
 * The y-axis format for ticks `step` apart: as many decimals as the step needs and no more, so a
 * fractional count below 1 (ticks 0.2 apart) is not printed 0, 0, 0, 1 and a per-1000 scale of
 * whole numbers is not printed 150.0. `base` is the metric's format: a percentage or a number.
 */
export function tickFormat(base: string, step: number): string {
  // The decimals of the step written out (2.5 -> 1, 0.05 -> 2, 150 -> 0); ticks are its multiples.
  const decimals = (v: number): number => {
    const text = String(Number(v.toPrecision(12)));
    return text.includes('e') ? 6 : text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
  };
  if (base.endsWith('%')) return `.${decimals(step * 100)}%`;
  const d = decimals(step);
  return d === 0 ? ',d' : `,.${d}f`;
}

/** How per-1000 is computed: the chart note and report.html say the same. */
export const PER_THOUSAND_NOTE = "Per 1,000: a country's medical-AI papers per 1,000 of all its works that year (baselines.csv, all_works).";

/** How fractional counts are made: the chart note and report.html say the same. */
export const FRACTIONAL_NOTE =
  "Fractional counting: each paper adds up to 1 over all countries, split equally over its authors with a known country and each author's share over that author's countries.";

/** What the collaboration lines count. */
export const COLLABORATION_NOTE = 'Collaboration: papers with at least one author in each country of the pair (full counting).';

/** How a share is computed, naming its denominator: the chart note and report.html say the same. */
export function shareNote(denominator: ShareDenominator): string {
  return `Share: papers with an author in the country, divided by ${denominator.description}; shares of countries can sum to more than 100%.`;
}

export function noteLines(m: ReportModel, metric: Metric, maxChars: number): string[] {
  const parts = [...(m.dataWarning === undefined ? [] : [m.dataWarning]), `Source: ${m.sourceLabel}, data as of ${m.dataDate}. ${sentence(m.countryPolicy)}`];
  if (metric === 'share') parts.push(shareNote(m.denominator));
  if (metric === 'per-1000') parts.push(PER_THOUSAND_NOTE);
  if (m.compare !== undefined) parts.push(compareNote(m, metric));
  if (metric === 'fractional') parts.push(FRACTIONAL_NOTE);
  if (metric === 'collaboration') parts.push(COLLABORATION_NOTE);
  if (m.incomplete.length > 0) {
    parts.push(
      `Dashed lines and shaded area: ${yearRange(m.incomplete)} incomplete, because OpenAlex indexing lags publication.`,
    );
  }
  return parts.flatMap((p) => wrap(p, maxChars));
}

/** What the chart note says of the second rule: which line is which, or that only the count chart draws it. */
export function compareNote(m: ReportModel, metric: Metric): string {
  const c = m.compare;
  if (c === undefined) return '';
  return metric === 'count'
    ? `Thick lines: the ${c.ruleLabel}/ keyword rule; thin long-dashed lines of the same colour: the ${c.compareLabel}/ rule (--compare-keywords) over the same works.`
    : `The count chart also draws the papers counted under the rule ${c.compareLabel} (--compare-keywords); counts.csv has them as papers_compare.`;
}

/** An end label: the country, and with a second rule which rule the line counts with. */
function endLabel(name: string, rule: string | undefined): string {
  return rule === undefined ? name : `${name} (${rule})`;
}

/**
 * The chart for a page that already shows the title and subtitle above it: same spec without
 * them, and the top margin shrunk to what the y-axis title needs.
 */
export function untitled(spec: TopLevelSpec): TopLevelSpec {
  const { title: _title, ...rest } = spec;
  const padding = typeof spec.padding === 'object' ? { ...spec.padding, top: UNTITLED_TOP } : spec.padding;
  return { ...rest, padding } as TopLevelSpec;
}

/** The widest y-axis label, as d3-format would print the axis maximum. */
function axisLabelChars(metric: Metric, yMax: number): number {
  return metric === 'share' ? `${Math.round(yMax * 100)}%`.length : yMax.toLocaleString('en-US').length;
}

/** The Figure 2 spec of one of the model's metrics. */
export function buildSpec(m: ReportModel, c: ChartView): TopLevelSpec {
  const series = m.values[c.metric];
  if (series === undefined) throw new Error(`the model has no ${c.metric} values: ${m.unavailable[c.metric]?.message ?? 'not computed'}`);
  const pal = palette(c.theme);
  const mt = metricText(c.metric, m.from, m.denominator);
  // The lines of this metric: one per country, or one per pair of countries for collaboration.
  const names = [...new Set(series.map((p) => p.name))];
  const colours = cycle(pal.lines, names.length);
  const shapes = cycle(SHAPES, names.length);
  // The second rule's counts, drawn on the count chart only (a share or index of them would need
  // their own denominator and base).
  const compare = c.metric === 'count' ? m.compare : undefined;
  const compareValues =
    compare === undefined
      ? []
      : m.series.flatMap((s) => (s.papersCompare ?? []).map((papers, i) => ({ year: m.from + i, name: s.name, papers, value: papers })));
  const maxValue = Math.max(0, ...series.map((p) => p.value ?? 0), ...compareValues.map((p) => p.value));
  const yScale = niceScale(maxValue, c.metric === 'count' || c.metric === 'collaboration');
  const yMax = yScale.max;
  const firstIncomplete = m.incomplete[0];
  const { lastComplete } = m;

  const values = series.map((p) => ({
    year: p.year,
    country: p.country,
    name: p.name,
    papers: p.papers,
    value: p.value,
    status: p.incomplete ? 'incomplete (indexing lag)' : 'complete',
  }));

  // Each line is labelled at its last defined point; labels are spread out where lines end close together.
  const ends = names.flatMap((name) => {
    const pts = series.filter((p) => p.name === name && p.value !== null);
    const end = pts[pts.length - 1];
    return end && end.value !== null ? [{ name, text: endLabel(name, compare?.ruleLabel), year: end.year, value: end.value }] : [];
  });
  if (compare !== undefined) {
    for (const name of names) {
      const end = compareValues.filter((p) => p.name === name).at(-1);
      if (end !== undefined) ends.push({ name, text: endLabel(name, compare.compareLabel), year: end.year, value: end.value });
    }
  }
  const labelY = dodgeLabels(
    ends.map((e) => e.value),
    yMax,
    c.height,
    LABEL_FONT_SIZE + 3,
  );
  const labelColours = cycle(pal.labels, names.length);
  const labels = ends.map((e, i) => ({
    name: e.text,
    year: e.year,
    labelValue: labelY[i] ?? e.value,
    colour: labelColours[names.indexOf(e.name)],
  }));

  const axisLeft = Math.ceil(axisLabelChars(c.metric, yMax) * AXIS_FONT_SIZE * CHAR_EM) + 8;
  const labelRight = 9 + Math.ceil(Math.max(0, ...names.map((n) => n.length), ...ends.map((e) => e.text.length)) * LABEL_FONT_SIZE * BOLD_CHAR_EM);
  const fullWidth = axisLeft + c.width + labelRight;
  const notes = noteLines(m, c.metric, Math.floor(fullWidth / (NOTE_FONT_SIZE * CHAR_EM)));
  // A long --title or a narrow figure wraps instead of running off the edge; the top margin grows.
  const titleLines = wrap(c.title, Math.floor(fullWidth / (TITLE_FONT_SIZE * BOLD_CHAR_EM)));
  const subtitleLines = wrap(c.subtitle, Math.floor(fullWidth / (SUBTITLE_FONT_SIZE * CHAR_EM)));
  const top =
    TITLED_TOP + (titleLines.length - 1) * TITLE_LINE_HEIGHT + (subtitleLines.length - 1) * SUBTITLE_LINE_HEIGHT;

  const x = {
    field: 'year',
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [m.from, m.to], nice: false, zero: false },
    axis: { values: yearTicks(m.from, m.to), format: 'd', grid: false, labelFlush: false },
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: mt.axisTitle,
    scale: { domain: [0, yMax], nice: false },
    axis: { format: tickFormat(mt.axisFormat, yScale.step), values: axisTicks(yScale) },
  };
  const color = {
    field: 'name',
    type: 'nominal' as const,
    scale: { domain: names, range: colours },
    legend: null,
  };

  const layers: LayerSpec[] = [];
  if (firstIncomplete !== undefined) {
    layers.push({
      data: { values: [{ start: Math.max(m.from, firstIncomplete - 0.5), end: m.to }] },
      // Translucent so the gridlines still show through the incomplete years.
      mark: { type: 'rect', color: pal.band, opacity: 0.5 },
      encoding: {
        x: { field: 'start', type: 'quantitative' },
        x2: { field: 'end' },
      },
    });
  }
  if (c.metric === 'index') {
    // The base level, so growth above or below the first year reads at a glance.
    layers.push({
      data: { values: [{ base: 100 }] },
      mark: { type: 'rule', color: pal.axis, strokeWidth: 1 },
      encoding: { y: { field: 'base', type: 'quantitative' } },
    });
  }
  layers.push(
    {
      transform: [{ filter: `datum.year <= ${lastComplete}` }],
      mark: { type: 'line', strokeWidth: 2.25, interpolate: 'linear' },
      encoding: { x, y, color },
    },
  );
  if (compare !== undefined) {
    layers.push({
      data: { values: compareValues },
      mark: { type: 'line', strokeWidth: COMPARE_STROKE, strokeDash: COMPARE_DASH, interpolate: 'linear' },
      encoding: { x, y, color },
    });
  }
  if (firstIncomplete !== undefined) {
    layers.push({
      // Starts at the last complete year so the dashed segment joins the solid line.
      transform: [{ filter: `datum.year >= ${lastComplete}` }],
      mark: { type: 'line', strokeWidth: 2.25, strokeDash: [5, 4] },
      encoding: { x, y, color },
    });
  }
  layers.push(
    {
      mark: { type: 'point', size: 42, strokeWidth: 1.5, opacity: 1 },
      encoding: {
        x,
        y,
        color,
        shape: { field: 'name', type: 'nominal', scale: { domain: names, range: shapes }, legend: null },
        // Open markers for incomplete years echo the dashed line when printed without colour.
        fill: {
          condition: { test: "datum.status !== 'complete'", value: pal.background },
          field: 'name',
          type: 'nominal',
          scale: { domain: names, range: colours },
          legend: null,
        },
        tooltip: [
          { field: 'year', type: 'quantitative', title: 'Year', format: 'd' },
          { field: 'name', type: 'nominal', title: c.metric === 'collaboration' ? 'Countries' : 'Country' },
          { field: 'papers', type: 'quantitative', title: c.metric === 'collaboration' ? 'Co-authored papers' : 'Papers', format: ',d' },
          ...(c.metric === 'count' || c.metric === 'collaboration'
            ? []
            : [{ field: 'value', type: 'quantitative' as const, title: mt.tipTitle, format: mt.tipFormat }]),
          { field: 'status', type: 'nominal', title: 'Data' },
        ],
      },
    },
    {
      data: { values: labels },
      mark: {
        type: 'text',
        align: 'left',
        baseline: 'middle',
        dx: 9,
        fontSize: LABEL_FONT_SIZE,
        fontWeight: 'bold',
      },
      encoding: {
        x: { field: 'year', type: 'quantitative' },
        y: { field: 'labelValue', type: 'quantitative' },
        text: { field: 'name', type: 'nominal' },
        // Colours straight from the data: a second range on the shared colour scale would be merged away.
        color: { field: 'colour', type: 'nominal', scale: null },
      },
    },
    {
      data: { values: [{}] },
      mark: {
        type: 'text',
        align: 'left',
        baseline: 'top',
        fontSize: NOTE_FONT_SIZE,
        color: pal.muted,
        lineHeight: NOTE_LINE_HEIGHT,
      },
      encoding: {
        x: { value: -axisLeft },
        y: { value: c.height + 32 },
        text: { value: notes },
      },
    },
  );

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${c.title}. ${c.subtitle}.`,
    title: {
      text: titleLines.length === 1 ? c.title : titleLines,
      subtitle: subtitleLines.length === 1 ? c.subtitle : subtitleLines,
    },
    width: c.width,
    height: c.height,
    // Fixed margins (computed above) instead of Vega's estimate-driven autosize: same input, same size.
    autosize: { type: 'none' },
    padding: {
      top,
      right: labelRight + MARGIN,
      bottom: 32 + notes.length * NOTE_LINE_HEIGHT + MARGIN,
      left: axisLeft + MARGIN,
    },
    background: pal.background,
    data: { values },
    layer: layers,
    config: {
      font: FONT,
      view: { stroke: null },
      title: {
        anchor: 'start',
        fontSize: TITLE_FONT_SIZE,
        lineHeight: TITLE_LINE_HEIGHT,
        fontWeight: 'bold',
        color: pal.text,
        subtitleFontSize: SUBTITLE_FONT_SIZE,
        subtitleLineHeight: SUBTITLE_LINE_HEIGHT,
        subtitleColor: pal.muted,
        subtitlePadding: 6,
        offset: 28,
        dx: -axisLeft,
        frame: 'group',
      },
      axis: {
        labelColor: pal.muted,
        titleColor: pal.muted,
        labelFontSize: 11,
        titleFontSize: 11,
        titleFontWeight: 'normal',
        domainColor: pal.axis,
        tickColor: pal.axis,
        gridColor: pal.grid,
      },
      axisY: { domain: false, ticks: false, labelPadding: 6, titleAngle: 0, titleAlign: 'left', titleAnchor: 'end', titleBaseline: 'bottom', titleY: -10, titleX: -axisLeft },
      text: { color: pal.text },
    },
  };
}
