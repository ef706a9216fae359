import { describe, expect, it } from 'vitest';
import { buildReport, type Metric, type Theme } from '../../src/report/index.js';
import { untitled } from '../../src/report/spec.js';
import { csetLikeInput, fourCountryInput, specOf } from './fixtures.js';
import { schemaErrors } from './schema.js';

/** Pulls a JSON <script> block back out of a page, as the browser would read it. */
function scriptJson(html: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(html);
  if (!m?.[1]) throw new Error(`no JSON script #${id}`);
  return JSON.parse(m[1]);
}

describe('every emitted Vega-Lite spec validates against the Vega-Lite JSON schema', () => {
  const cases: [string, Metric, Theme][] = [];
  for (const metric of ['count', 'share', 'index'] as const) {
    for (const theme of ['light', 'dark'] as const) cases.push([`${metric}/${theme}`, metric, theme]);
  }

  it.each(cases)('chart spec %s (two and four countries, titled and untitled)', (_, metric, theme) => {
    for (const input of [csetLikeInput(), fourCountryInput()]) {
      const spec = specOf(input, { outDir: '', formats: ['json'], metric, theme });
      expect(schemaErrors(spec)).toEqual([]);
      expect(schemaErrors(untitled(spec))).toEqual([]);
    }
  });

  it('the specs inside figure2.vl.json, figure2.html, the embed snippet and report.html', async () => {
    const { files } = await buildReport(csetLikeInput(), { outDir: '', formats: ['json', 'html'], metric: 'share' });
    const specs: unknown[] = [JSON.parse(String(files.get('figure2.vl.json')))];
    specs.push(scriptJson(String(files.get('figure2.html')), 'spec'));
    specs.push(scriptJson(String(files.get('figure2.embed.html')), 'medai-figure2-spec'));
    const perMetric = scriptJson(String(files.get('report.html')), 'specs') as Record<string, { download: unknown; shown: unknown }>;
    expect(Object.keys(perMetric).sort()).toEqual(['collaboration', 'count', 'fractional', 'index', 'share']);
    for (const s of Object.values(perMetric)) specs.push(s.download, s.shown);
    expect(specs).toHaveLength(13);
    for (const s of specs) expect(schemaErrors(s)).toEqual([]);
  });

  it('the validator rejects a broken spec (so the checks above can fail)', () => {
    const spec = specOf(csetLikeInput(), { outDir: '', formats: ['json'] });
    expect(schemaErrors({ ...spec, mark: 'not-a-mark' }).length).toBeGreaterThan(0);
    expect(schemaErrors({ ...spec, width: 'wide' }).length).toBeGreaterThan(0);
  });
});
