/**
 * figure2.pdf and report.pdf for printed briefs: headless Chromium prints the HTML pages already
 * in the output folder, so the PDFs show exactly what the pages show, and Chromium prints the
 * SVG chart as vector paths and text. Runs last, after every other output is written.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { UserError } from '../errors.js';

/** Where Debian's `chromium` package puts the browser; CHROMIUM_PATH names another. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * No sandbox because containers and CI often run as root, where Chromium's sandbox refuses to
 * start; the rest keep a one-shot print job from updating or phoning home.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** The chart draws in well under a second; this only turns a hung page into an error. */
const RENDER_TIMEOUT_MS = 30_000;

/** A4 is the paper of the briefs; 12 mm clears most printers' unprintable edge. */
const REPORT_MARGIN = '12mm';

export interface PdfSettings {
  executablePath: string;
}

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM;
}

/** The page's own chart script failed: a bug in the page, not a problem with Chromium. */
class ChartFailed extends Error {}

/**
 * Prints figure2.html to figure2.pdf (one page the size of the chart) and report.html to
 * report.pdf (A4). A missing or failing Chromium is the user's to fix, so it is a UserError that
 * names the path tried and how to install it.
 */
export async function printPdfs(
  outDir: string,
  /** The folder as messages name it: --out, when `outDir` is the staging folder swapped in later. */
  shownAs: string = outDir,
  settings: PdfSettings = { executablePath: chromiumPath() },
): Promise<string[]> {
  const exe = settings.executablePath;
  const names = ['figure2.html', 'report.html'];
  const pages = names.map((f) => join(outDir, f));
  const missing = names.filter((_, i) => !existsSync(pages[i]!)).map((f) => join(shownAs, f));
  if (missing.length > 0) throw new UserError(`--pdf prints ${missing.join(' and ')}, which were not written: add html to --format`);
  const figure = join(outDir, 'figure2.pdf');
  const report = join(outDir, 'report.pdf');
  // A failed print must not leave a previous run's PDFs beside this run's counts.
  await Promise.all([figure, report].map((f) => rm(f, { force: true })));
  const fix = `Install it with \`apt-get install chromium\`, or set CHROMIUM_PATH to a Chromium binary. Every other output is in ${shownAs}.`;
  if (!existsSync(exe)) throw new UserError(`--pdf needs Chromium, and there is none at ${exe}. ${fix}`);

  // Imported here rather than at the top: it costs ~0.25 s of start-up, which runs without --pdf skip.
  const { chromium } = await import('playwright-core');
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
  } catch (e) {
    throw new UserError(`--pdf could not start Chromium at ${exe}: ${firstLine(e)}. ${fix}`);
  }
  try {
    await printFigure(await open(browser, pages[0]!, '#chart[data-rendered] svg.marks'), figure);
    await printReport(await open(browser, pages[1]!, '#chart[data-metric] svg.marks'), report);
    return [figure, report];
  } catch (e) {
    if (e instanceof ChartFailed) throw e;
    throw new UserError(`Chromium at ${exe} failed while printing the PDFs: ${firstLine(e)}. ${fix}`);
  } finally {
    await browser.close();
  }
}

/** Opens a page from disk with the network off, in print layout, once its chart has drawn. */
async function open(browser: Browser, file: string, drawn: string): Promise<Page> {
  const page = await browser.newPage();
  // The pages' CSP already forbids the network; refusing here too keeps a print job offline.
  await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(file).href);
  await page.emulateMedia({ media: 'print' });
  const outcome = await page.waitForFunction(
    (selector) => {
      if (document.querySelector(selector)) return 'drawn';
      const text = document.getElementById('chart')?.textContent ?? '';
      return text.startsWith('Chart failed') ? text : false;
    },
    drawn,
    { timeout: RENDER_TIMEOUT_MS },
  );
  const state = await outcome.jsonValue();
  if (state !== 'drawn') throw new ChartFailed(`${file}: ${state}`);
  return page;
}

/** One page exactly the chart's size: the SVG's own width and height, in CSS px. */
async function printFigure(page: Page, path: string): Promise<void> {
  const { width, height } = await page.$eval('#chart svg.marks', (svg) => {
    const s = svg as SVGSVGElement;
    return { width: s.width.baseVal.value, height: s.height.baseVal.value };
  });
  // Rounded up: Chromium starts a second page when the content overruns the page by a fraction.
  await page.pdf({ path, width: `${Math.ceil(width)}px`, height: `${Math.ceil(height)}px`, printBackground: true });
}

async function printReport(page: Page, path: string): Promise<void> {
  const m = REPORT_MARGIN;
  await page.pdf({ path, format: 'A4', printBackground: true, margin: { top: m, right: m, bottom: m, left: m } });
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n')[0] ?? text).replace(/\.$/, '');
}
