/**
 * The report's charts and pages drawn on a thread of their own (src/report/drawer.ts): the same
 * files as drawn on the calling thread, and a failure on that thread reaches the caller with its
 * message, its kind and the thread still stopped.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, resolveOptions } from '../../src/report/index.js';
import { ChartDrawer } from '../../src/report/drawer.js';
import { csetLikeInput, modelOf } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-drawer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ChartDrawer', () => {
  it('writes the files renderReport makes on this thread, byte for byte', async () => {
    const options = resolveOptions({ outDir: dir, formats: ['svg', 'png', 'html', 'csv', 'json'] });
    const model = modelOf(csetLikeInput());
    const drawer = new ChartDrawer();
    let written: string[];
    try {
      written = await drawer.draw(model, options, dir);
    } finally {
      await drawer.close();
    }
    const here = await renderReport(model, options);
    expect(written.map((p) => basename(p)).sort()).toEqual([...here.files.keys()].sort());
    expect(written.length).toBeGreaterThan(6);
    for (const [name, content] of here.files) {
      expect(Buffer.compare(await readFile(join(dir, name)), Buffer.from(content)), name).toBe(0);
    }
  });

  it('rejects with the error of its thread, naming the folder it could not write', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const drawer = new ChartDrawer();
    try {
      const drawing = drawer.draw(modelOf(csetLikeInput()), resolveOptions({ outDir: blocker, formats: ['svg'] }), join(blocker, 'out'));
      await expect(drawing).rejects.toThrow(/a-file/);
    } finally {
      await drawer.close();
    }
  });

  it('rejects when its thread stops before answering', async () => {
    const drawer = new ChartDrawer();
    await drawer.close();
    await expect(drawer.draw(modelOf(csetLikeInput()), resolveOptions({ outDir: dir, formats: ['svg'] }), dir)).rejects.toThrow(/drawing thread stopped/);
  });
});
