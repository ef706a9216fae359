/**
 * --pdf through the real CLI on the real records: `run` prints figure2.pdf (one vector page the
 * size of the chart) and report.pdf (A4) with headless Chromium; `report` without a Chromium ends
 * with the usage exit code and an install hint, after every other output is written.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { runCliInProcess, type CliResult } from '../support/cli.js';
import { WORKS_FILE } from '../support/paths.js';

const WINDOW = ['--from', '2010', '--to', '2021', '--countries', 'US,CN'];
// PNG and the JSON spec are not what --pdf prints; leaving them out keeps the run short.
const FORMATS = ['--format', 'svg,html,csv'];
/** A4 in PostScript points; Chromium rounds page sizes up by up to a point. */
const A4 = { width: 595.28, height: 841.89 };
const PX_TO_PT = 72 / 96;

interface Pdf {
  header: string;
  /** `/Type /Page` objects; `/Type /Pages` is the page tree, not a page. */
  pages: number;
  mediaBoxes: { width: number; height: number }[];
  images: number;
  fonts: number;
}

/** Chromium (Skia) writes object dictionaries uncompressed, so a text scan finds them. */
function readPdf(path: string): Pdf {
  const text = readFileSync(path).toString('latin1');
  const mediaBoxes = [...text.matchAll(/\/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]/g)].map((m) => ({
    width: Number(m[3]) - Number(m[1]),
    height: Number(m[4]) - Number(m[2]),
  }));
  return {
    header: text.slice(0, 5),
    pages: (text.match(/\/Type\s*\/Page(?![A-Za-z])/g) ?? []).length,
    mediaBoxes,
    images: (text.match(/\/Subtype\s*\/Image\b/g) ?? []).length,
    fonts: (text.match(/\/Type\s*\/Font\b/g) ?? []).length,
  };
}

function svgSize(path: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`no width/height on the <svg> of ${path}`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

const tmp = mkdtempSync(join(tmpdir(), 'medai-pdf-'));
const db = join(tmp, 'db.duckdb');
const printed = join(tmp, 'printed');
const noChromium = join(tmp, 'no-chromium');
let run: CliResult;
let missing: CliResult;

beforeAll(async () => {
  run = await runCliInProcess(['run', '--snapshot', WORKS_FILE, ...WINDOW, ...FORMATS, '--pdf', '--db', db, '--out', printed]);
  // The report stage alone on the same database: the other command that takes --pdf.
  missing = await runCliInProcess(['report', ...WINDOW, ...FORMATS, '--pdf', '--db', db, '--out', noChromium], { CHROMIUM_PATH: '/nonexistent' });
});

describe('medai-trends run --pdf', () => {
  it('finishes cleanly and writes both PDFs', () => {
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('printed figure2.pdf and report.pdf');
    for (const f of ['figure2.pdf', 'report.pdf']) expect(readPdf(join(printed, f)).header, f).toBe('%PDF-');
  });

  it('figure2.pdf is one vector page with the chart size and aspect', () => {
    const pdf = readPdf(join(printed, 'figure2.pdf'));
    const svg = svgSize(join(printed, 'figure2.svg'));
    expect(pdf.pages).toBe(1);
    expect(pdf.mediaBoxes).toHaveLength(1);
    const box = pdf.mediaBoxes[0]!;
    expect(Math.abs(box.width / box.height - svg.width / svg.height) / (svg.width / svg.height)).toBeLessThan(0.005);
    expect(box.width).toBeGreaterThanOrEqual(svg.width * PX_TO_PT);
    expect(box.width).toBeLessThan(svg.width * PX_TO_PT + 2);
    // Vector: the text is set in embedded fonts and nothing is a bitmap.
    expect(pdf.fonts).toBeGreaterThan(0);
    expect(pdf.images).toBe(0);
  });

  it('report.pdf is the report on A4 pages', () => {
    const pdf = readPdf(join(printed, 'report.pdf'));
    expect(pdf.pages).toBeGreaterThanOrEqual(1);
    expect(pdf.mediaBoxes).toHaveLength(pdf.pages);
    for (const box of pdf.mediaBoxes) {
      expect(Math.abs(box.width - A4.width)).toBeLessThan(2);
      expect(Math.abs(box.height - A4.height)).toBeLessThan(2);
    }
  });
});

describe('medai-trends report --pdf without Chromium', () => {
  it('exits with the usage code, naming the path tried and how to install Chromium', () => {
    expect(missing.stderr).not.toMatch(/unexpected error/);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toContain('/nonexistent');
    expect(missing.stderr).toContain('apt-get install chromium');
  });

  it('prints the summary before trying, so the counts reach stdout', () => {
    expect(missing.stdout).toContain('# medai-trends summary');
  });

  it('still writes every other output first, with the same counts', () => {
    for (const f of ['counts.csv', 'works.csv', 'manifest.json', 'summary.md', 'figure2.svg', 'figure2.html', 'report.html']) {
      expect(existsSync(join(noChromium, f)), f).toBe(true);
    }
    expect(readFileSync(join(noChromium, 'counts.csv'), 'utf8')).toBe(readFileSync(join(printed, 'counts.csv'), 'utf8'));
    expect(existsSync(join(noChromium, 'figure2.pdf'))).toBe(false);
    expect(existsSync(join(noChromium, 'report.pdf'))).toBe(false);
  });
});

describe('--pdf options', () => {
  it('--pdf without html in --format is refused before any work', async () => {
    const r = await runCliInProcess(['run', '--snapshot', WORKS_FILE, '--format', 'svg,csv', '--pdf', '--db', join(tmp, 'unused.duckdb'), '--out', join(tmp, 'unused')]);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain('--pdf prints the HTML pages, so --format must include html');
    expect(existsSync(join(tmp, 'unused'))).toBe(false);
  });
});
