import { describe, expect, it } from 'vitest';
import { browserLibraries } from '../../src/report/assets.js';
import { buildReport } from '../../src/report/index.js';
import { escapeHtml, inlineJs, jsonForScript } from '../../src/report/html.js';
import { csetLikeInput } from './fixtures.js';

describe('escaping for HTML pages', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['"quoted" & \'single\'', '&quot;quoted&quot; &amp; &#39;single&#39;'],
    ['plain', 'plain'],
  ])('escapeHtml(%s)', (raw, escaped) => {
    expect(escapeHtml(raw)).toBe(escaped);
  });

  it('JSON in a script cannot close the element and still parses to the same value', () => {
    const value = { title: '</script><script>alert(1)</script>', sep: 'a\u2028b', comment: '<!--' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<|\u2028/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('inlined library code cannot end its script element', () => {
    expect(inlineJs('var s="</script>";var t="</SCRIPT >"')).toBe('var s="<\\/script>";var t="<\\/SCRIPT >"');
  });
});

describe('page contents', () => {
  it('figure2.html and report.html inline every library and load nothing from elsewhere', async () => {
    const { files } = await buildReport(csetLikeInput(), { outDir: '', formats: ['html'] });
    const libs = await browserLibraries();
    expect(libs.map((l) => `${l.name}@${l.version}`)).toEqual(['vega@6.4.0', 'vega-lite@6.4.3', 'vega-embed@7.3.0']);
    for (const name of ['figure2.html', 'report.html']) {
      const html = String(files.get(name));
      expect(html).not.toMatch(/<script[^>]+src=/);
      expect(html).not.toMatch(/<link[^>]+href=/);
      expect(html).toContain("default-src 'none'");
      for (const l of libs) expect(html).toContain(`data-lib="${l.name}@${l.version}"`);
      // Exactly one closing tag per script element: nothing inside closed one early.
      expect(html.match(/<script/g)?.length).toBe(html.match(/<\/script>/g)?.length);
    }
  });

  it('the embed snippet pins versions and integrity hashes of the inlined builds', async () => {
    const { files } = await buildReport(csetLikeInput(), { outDir: '', formats: ['html'] });
    const snippet = String(files.get('figure2.embed.html'));
    for (const l of await browserLibraries()) {
      expect(snippet).toContain(`src="https://cdn.jsdelivr.net/npm/${l.name}@${l.version}/${l.file}" integrity="${l.integrity}"`);
      expect(l.integrity).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    }
  });
});

describe('the share denominator on report.html', () => {
  it('names the denominator it is given in the metric switch and the method, never "world"', async () => {
    // CONSTRUCTED wording, as for an API fetch of two countries rather than the whole corpus.
    const denominator = {
      label: 'Share of medical-AI papers fetched',
      short: 'Share of fetched',
      description: 'the medical-AI papers in the fetched data (US, CN and their co-authors)',
    };
    const { files } = await buildReport(csetLikeInput({ denominator }), { outDir: '', formats: ['html'] }, []);
    const html = String(files.get('report.html'));
    expect(html).toContain('<input type="radio" name="metric" value="share"> Share of fetched</label>');
    expect(html).toContain(
      '<p id="share-method">Share: papers with an author in the country, divided by the medical-AI papers in the fetched data (US, CN and their co-authors); shares of countries can sum to more than 100%.</p>',
    );
    expect(html).toContain('"title":"Share of medical-AI papers fetched"');
    expect(html).not.toMatch(/world/i);
  });

  it('says nothing of shares when the page offers none', async () => {
    const { files } = await buildReport(csetLikeInput({ worldTotals: [] }), { outDir: '', formats: ['html'] }, []);
    const html = String(files.get('report.html'));
    expect(html).not.toContain('id="share-method"');
    expect(html).not.toContain('value="share"');
  });
});
