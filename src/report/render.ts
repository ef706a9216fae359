/**
 * The one rendering path, as in vega-lite's own bin/render.js: compile the Vega-Lite spec, run a
 * headless Vega view with no renderer, take its SVG; PNGs are drawn from that SVG by resvg with
 * font files we name, so text looks the same on every machine and never silently disappears.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.js';

/** Debian's fonts-dejavu-core; the spec names DejaVu Sans first so SVG and PNG agree. */
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map(
  (f) => `${FONT_DIR}/${f}`,
);

let resvg: typeof import('@resvg/resvg-js') | undefined;

/**
 * resvg's native addon, loaded with the first PNG: the report's main thread, which draws nothing
 * (src/report/drawer.ts), and the commands that draw nothing never load it (about 50 ms).
 */
function resvgAddon(): typeof import('@resvg/resvg-js') {
  resvg ??= createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  return resvg;
}

let libraries: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/**
 * Loads vega and vega-lite (about 0.6 s on 2 cores) once. The report starts it before its DuckDB
 * queries, so the loading overlaps them; the commands that draw nothing never load them.
 */
export function preloadRenderer(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await preloadRenderer();
  const vgSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function renderPng(svg: string, scale: number, fontFiles: readonly string[] = FONT_FILES): Buffer {
  const missing = fontFiles.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new UserError(
      `PNG rendering needs these font files, which are missing: ${missing.join(', ')}. ` +
        'On Debian or Ubuntu: apt-get install fonts-dejavu-core.',
    );
  }
  return new (resvgAddon().Resvg)(svg, resvgOptions(scale, fontFiles)).render().asPng();
}

/** System fonts are never loaded: the PNG must look the same on every machine. */
export function resvgOptions(scale: number, fontFiles: readonly string[] = FONT_FILES): ResvgRenderOptions {
  return {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: [...fontFiles], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  };
}
