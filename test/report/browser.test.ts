/**
 * The HTML artefacts in a real headless Chromium, opened from disk with every non-file request
 * aborted: the pages must work offline, show the chart and the table, give exact numbers in
 * tooltips, and show hostile text as text.
 */
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLibraries } from '../../src/report/assets.js';
import { countsCsv, writeReport, type ReportInput } from '../../src/report/index.js';
import { csetLikeInput } from './fixtures.js';

const XSS = '<img src=x onerror=alert(1)>';

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  blocked: string[];
  dialogs: string[];
  errors: string[];
}

/** Opens a file with the network off, recording anything that tried to leave the machine. */
async function open(path: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const opened: Opened = { page, blocked: [], dialogs: [], errors: [] };
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    opened.blocked.push(url);
    return route.abort();
  });
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('#chart svg g.mark-symbol path');
  return opened;
}

/** Hovers the n-th point (data order: each country's years in turn) and returns the tooltip text. */
async function tooltipAt(page: Page, n: number): Promise<string> {
  await page.mouse.move(0, 0);
  await page.locator('#chart g.mark-symbol path').nth(n).hover({ force: true });
  const tip = page.locator('#vg-tooltip-element.visible');
  await tip.waitFor();
  return (await tip.innerText()).replace(/\s+/g, ' ');
}

async function build(input: ReportInput, title?: string): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'report-browser-'));
  await writeReport(input, { outDir, formats: ['html'], ...(title === undefined ? {} : { title }) });
  return outDir;
}

describe('report.html in headless Chromium, offline', () => {
  it('shows the chart and the table, and tooltips give exact counts', async () => {
    const dir = await build(csetLikeInput());
    const { page, blocked, errors } = await open(join(dir, 'report.html'));

    expect(await page.locator('#chart svg g.mark-symbol path').count()).toBe(24);
    const rows = page.locator('#counts tbody tr');
    expect(await rows.count()).toBe(12);
    expect((await rows.nth(11).innerText()).replace(/\s+/g, ' ')).toBe('2021 † 11,642 +26.3% 11,389 +26.1%');
    expect(await page.locator('#counts tfoot').innerText()).toMatch(/2010–2020[\s\S]*\+31\.2%[\s\S]*\+41\.1%/);
    expect(await page.locator('#findings').innerText()).toContain("China's count did not overtake the United States' between 2010 and 2021");

    // Points 11 and 23 are the 2021 ends of the US and China lines.
    expect(await tooltipAt(page, 11)).toBe('Year 2021 Country United States Papers 11,642 Data incomplete (indexing lag)');
    expect(await tooltipAt(page, 12)).toBe('Year 2010 Country China Papers 289 Data complete');

    // Switching metric redraws the chart; the tooltip then adds the share.
    await page.locator('input[name=metric][value=share]').check();
    await page.waitForSelector('#chart[data-metric=share]');
    expect(await page.locator('#chart svg.marks').innerHTML()).toContain('Share of world medical-AI papers');
    expect(await tooltipAt(page, 11)).toContain('Share of world 25.3%');

    // The download links carry the data themselves, so they work from an e-mailed copy.
    const csvHref = await page.locator('#download-csv').getAttribute('href');
    expect(csvHref?.startsWith('data:text/csv;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent((csvHref ?? '').slice('data:text/csv;charset=utf-8,'.length))).toBe(countsCsv(csetLikeInput().counts, csetLikeInput()));
    const specHref = (await page.locator('#download-spec').getAttribute('href')) ?? '';
    const downloaded = JSON.parse(decodeURIComponent(specHref.replace(/^data:application\/json;charset=utf-8,/, ''))) as { title: { text: string } };
    expect(downloaded.title.text).toBe('Trends in Publication Output Containing Medical and AI Keywords');

    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('figure2.html draws the same chart with tooltips, offline', async () => {
    const dir = await build(csetLikeInput());
    const { page, blocked, errors } = await open(join(dir, 'figure2.html'));
    const svg = await page.locator('#chart svg.marks').innerHTML();
    expect(svg).toContain('Trends in Publication Output Containing Medical and AI Keywords');
    expect(svg).toContain('United States');
    expect(await tooltipAt(page, 23)).toBe('Year 2021 Country China Papers 11,389 Data incomplete (indexing lag)');
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('hostile text in the title, method, source, country policy and manifest renders as text', async () => {
    const input = csetLikeInput({
      method: `Method ${XSS}`,
      sourceLabel: `OpenAlex ${XSS}`,
      countryPolicy: `Policy </script><script>alert(2)</script>`,
      manifest: { note: XSS, query: '</script><script>alert(3)</script>' },
    });
    const dir = await build(input, XSS);
    for (const file of ['report.html', 'figure2.html']) {
      const { page, dialogs, errors } = await open(join(dir, file));
      await page.waitForTimeout(300);
      expect(await page.locator('img').count(), file).toBe(0);
      expect(await page.title()).toBe(XSS);
      expect(await page.locator('#chart svg.marks').innerHTML()).toContain('&lt;img src=x onerror=alert(1)&gt;');
      if (file === 'report.html') {
        expect(await page.locator('h1').innerText()).toBe(XSS);
        expect(await page.locator('#method').innerText()).toBe(`Method ${XSS}`);
        expect(await page.locator('#manifest').textContent()).toContain('"query": "</script><script>alert(3)</script>"');
        await tooltipAt(page, 0);
      }
      expect(dialogs, file).toEqual([]);
      expect(errors, file).toEqual([]);
      await page.close();
    }
  });

  it('the embed snippet renders in another page with the pinned, integrity-checked libraries', async () => {
    const dir = await build(csetLikeInput());
    const snippet = await readFile(join(dir, 'figure2.embed.html'), 'utf8');
    const libs = await browserLibraries();
    const page = await browser.newPage();
    const served: string[] = [];
    // Serve the CDN URLs from node_modules: the integrity attributes must match those exact bytes.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      const lib = libs.find((l) => url === `https://cdn.jsdelivr.net/npm/${l.name}@${l.version}/${l.file}`);
      if (!lib) return url.startsWith('https://host.test/') ? route.continue() : route.abort();
      served.push(lib.name);
      return route.fulfill({ body: lib.code, contentType: 'application/javascript', headers: { 'access-control-allow-origin': '*' } });
    });
    await page.route('https://host.test/', (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><html><body><h1>A brief</h1>${snippet}</body></html>` }),
    );
    await page.goto('https://host.test/');
    await page.waitForSelector('#medai-figure2 svg g.mark-symbol path');
    expect(served).toEqual(['vega', 'vega-lite', 'vega-embed']);
    expect(await page.locator('#medai-figure2 svg').innerHTML()).toContain('United States');
    await page.close();
  });
});
