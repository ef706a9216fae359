import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Papa from 'papaparse';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { writeReport, type ReportOptions } from '../../src/report/index.js';
import { resvgOptions, renderPng } from '../../src/report/render.js';
import { csetLikeInput, CN, US } from './fixtures.js';

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const ALL: ReportOptions['formats'] = ['svg', 'png', 'html', 'csv', 'json'];

describe('writeReport', () => {
  it('writes every artefact for every format and returns their paths', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'report-'));
    const paths = await writeReport(csetLikeInput(), { outDir, formats: ALL });
    expect(paths.map((p) => basename(p)).sort()).toEqual([
      'collaboration.csv',
      'counts.csv',
      'figure2.embed.html',
      'figure2.html',
      'figure2.png',
      'figure2.svg',
      'figure2.vl.json',
      'figure2@2x.png',
      'report.html',
    ]);
    expect(paths.every((p) => p.startsWith(outDir))).toBe(true);
  });

  it('writes only what was asked for; share adds its own CSV and counts.csv stays raw', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'report-'));
    const paths = await writeReport(csetLikeInput(), { outDir, formats: ['csv'], metric: 'share' });
    expect(paths.map((p) => basename(p))).toEqual(['counts.csv', 'counts-share.csv', 'collaboration.csv']);
    const counts = await readFile(join(outDir, 'counts.csv'), 'utf8');
    const parsed = Papa.parse<Record<string, string>>(counts, { header: true, skipEmptyLines: true });
    expect(parsed.meta.fields).toEqual(['year', 'country', 'papers', 'fractional']);
    // Fractional with 4 decimals: the fixture's US 2010 is 612 x 0.85 = 520.2, CN 289 x 0.905 = 261.545.
    expect(counts.startsWith('year,country,papers,fractional\n2010,US,612,520.2000\n2010,CN,289,261.5450\n')).toBe(true);
    expect(parsed.data).toHaveLength(24);
    const us = parsed.data.filter((r) => r.country === 'US').map((r) => Number(r.papers));
    const cn = parsed.data.filter((r) => r.country === 'CN').map((r) => Number(r.papers));
    expect(us).toEqual(US);
    expect(cn).toEqual(CN);
    const share = Papa.parse<Record<string, string>>(await readFile(join(outDir, 'counts-share.csv'), 'utf8'), { header: true, skipEmptyLines: true });
    expect(share.data.find((r) => r.country === 'US' && r.year === '2021')).toEqual({
      year: '2021',
      country: 'US',
      papers: '11642',
      world_papers: '45930',
      share: String(Number((11642 / 45930).toFixed(6))),
    });
    // collaboration.csv: one row per year for the one pair, CN before US, the fixture's CN_US counts.
    const collab = await readFile(join(outDir, 'collaboration.csv'), 'utf8');
    expect(collab.split('\n').slice(0, 3)).toEqual(['year,country_a,country_b,papers', '2010,CN,US,41', '2011,CN,US,52']);
    expect(collab.trimEnd().split('\n')).toHaveLength(13);
  });

  it('zero counts are written as 0, not left out', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'report-'));
    const input = csetLikeInput({ counts: csetLikeInput().counts.map((r) => (r.year === 2010 ? { ...r, papers: 0, fractional: 0 } : r)) });
    await writeReport(input, { outDir, formats: ['csv'] });
    expect(await readFile(join(outDir, 'counts.csv'), 'utf8')).toMatch(/^year,country,papers,fractional\n2010,US,0,0\.0000\n2010,CN,0,0\.0000\n2011,US,705,599\.2500\n/);
  });

  it('PNG at 1x and 2x have the SVG size and twice it', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'report-'));
    await writeReport(csetLikeInput(), { outDir, formats: ['svg', 'png'], width: 640, height: 360 });
    const svg = await readFile(join(outDir, 'figure2.svg'), 'utf8');
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    const one = pngSize(await readFile(join(outDir, 'figure2.png')));
    const two = pngSize(await readFile(join(outDir, 'figure2@2x.png')));
    expect(one).toEqual({ width: Number(w), height: Number(h) });
    expect(two).toEqual({ width: 2 * Number(w), height: 2 * Number(h) });
  });

  it('the PNG really draws the text with the DejaVu files (and would be blank without fonts)', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'report-'));
    await writeReport(csetLikeInput(), { outDir, formats: ['svg'] });
    const svg = await readFile(join(outDir, 'figure2.svg'), 'utf8');
    // The title sits in the top 40 px; count dark pixels there.
    const darkInTitle = (fontFiles: string[]) => {
      const img = new Resvg(svg, resvgOptions(1, fontFiles)).render();
      // `pixels` is a getter that copies the whole buffer: read it once.
      const px = img.pixels;
      let dark = 0;
      for (let y = 0; y < 40; y++) {
        for (let x = 0; x < img.width; x++) {
          const i = (y * img.width + x) * 4;
          if ((px[i] ?? 255) < 100 && (px[i + 3] ?? 0) > 200) dark++;
        }
      }
      return dark;
    };
    expect(darkInTitle(resvgOptions(1).font?.fontFiles ?? [])).toBeGreaterThan(2000);
    expect(darkInTitle([])).toBe(0);
  });

  it('names missing font files instead of drawing a chart without text', () => {
    expect(() => renderPng('<svg xmlns="http://www.w3.org/2000/svg"/>', 1, ['/nonexistent/DejaVuSans.ttf'])).toThrow(
      /\/nonexistent\/DejaVuSans\.ttf.*fonts-dejavu-core/,
    );
  });

  it('bad input stops before anything is written, listing the problems', async () => {
    const outDir = join(await mkdtemp(join(tmpdir(), 'report-')), 'never');
    const input = csetLikeInput({ countries: ['US', 'CN', 'DE'] });
    await expect(writeReport(input, { outDir, formats: ALL })).rejects.toThrow(UserError);
    await expect(writeReport(input, { outDir, formats: ALL })).rejects.toThrow(/DE 2010 is missing[\s\S]*DE 2021 is missing/);
    await expect(readFile(join(outDir, 'counts.csv'))).rejects.toThrow(/ENOENT/);
  });
});
