import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/index.js';
import { csetLikeInput, fourCountryInput } from './fixtures.js';
import { changedPath, expectGolden } from './golden.js';

describe('golden files for the spec, SVG and CSV (UPDATE_GOLDEN=1 to regenerate)', () => {
  it('Figure 2 from the CSET-shaped constructed input', async () => {
    const { files } = await buildReport(csetLikeInput(), { outDir: '', formats: ['json', 'svg', 'csv'] });
    await expectGolden('cset-like/figure2.vl.json', String(files.get('figure2.vl.json')));
    await expectGolden('cset-like/figure2.svg', String(files.get('figure2.svg')));
    await expectGolden('cset-like/counts.csv', String(files.get('counts.csv')));
  });

  it('four regions, dark theme, share of world', async () => {
    const { files } = await buildReport(fourCountryInput(), {
      outDir: '',
      formats: ['json', 'svg', 'csv'],
      theme: 'dark',
      metric: 'share',
    });
    await expectGolden('four-share-dark/figure2.vl.json', String(files.get('figure2.vl.json')));
    await expectGolden('four-share-dark/figure2.svg', String(files.get('figure2.svg')));
    await expectGolden('four-share-dark/counts.csv', String(files.get('counts.csv')));
    await expectGolden('four-share-dark/counts-share.csv', String(files.get('counts-share.csv')));
  });

  it('the same input renders byte-identical artefacts twice', async () => {
    const opts = { outDir: '', formats: ['json', 'svg', 'csv', 'png'] as const };
    const a = await buildReport(csetLikeInput(), { ...opts, formats: [...opts.formats] });
    const b = await buildReport(csetLikeInput(), { ...opts, formats: [...opts.formats] });
    for (const [name, content] of a.files) expect(Buffer.compare(Buffer.from(content), Buffer.from(b.files.get(name) ?? '')), name).toBe(0);
  });
});

describe('the golden helper itself', () => {
  const local = { update: false, ci: false };

  it('writes a missing golden locally, fails on it under CI=true', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golden-'));
    await expect(expectGolden('a.svg', 'x', { update: false, ci: true }, dir)).rejects.toThrow(/missing/);
    expect(existsSync(join(dir, 'a.svg'))).toBe(false);
    expect(await expectGolden('a.svg', 'x', local, dir)).toBe('written');
    expect(await readFile(join(dir, 'a.svg'), 'utf8')).toBe('x');
    expect(await expectGolden('a.svg', 'x', { update: false, ci: true }, dir)).toBe('matched');
  });

  it('a mismatch fails and leaves a -changed copy; UPDATE_GOLDEN rewrites and removes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golden-'));
    await writeFile(join(dir, 'b.csv'), 'old\n');
    await expect(expectGolden('b.csv', 'new\n', local, dir)).rejects.toThrow();
    expect(changedPath(join(dir, 'b.csv'))).toBe(join(dir, 'b-changed.csv'));
    expect(await readFile(join(dir, 'b-changed.csv'), 'utf8')).toBe('new\n');
    expect(await expectGolden('b.csv', 'new\n', { update: true, ci: true }, dir)).toBe('written');
    expect(await readFile(join(dir, 'b.csv'), 'utf8')).toBe('new\n');
    expect(existsSync(join(dir, 'b-changed.csv'))).toBe(false);
  });
});
