/** `explain` and `evaluate` through the real CLI, on the real corpus: from snapshot files and from a store. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/cli.js';
import { CORPUS } from './corpus.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-classify-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('explain --snapshot', () => {
  it('says why BioBERT is in, term by term with the list line', async () => {
    const r = await runCliInProcess(['explain', 'https://openalex.org/W2911489562', '--snapshot', CORPUS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('W2911489562 (2019): BioBERT');
    expect(r.stdout).toContain('IN: medical AI');
    expect(r.stdout).toMatch(/ai:BioBERT {2}matched "BioBERT" {2}\(.*ai\.en\.txt:\d+\)/);
    expect(r.stdout).toMatch(/medical:biomedical {2}matched "biomedical"/);
  });

  it('says why a work is out and which half is missing', async () => {
    // The Cytoscape paper: MeSH calls it AI (Neural Networks, Computer), its text does not.
    const r = await runCliInProcess(['explain', 'W2159675211', '--snapshot', CORPUS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OUT: not medical AI (no AI');
    expect(r.stdout).toContain('MeSH: AI-positive (Neural Networks, Computer)');
  });

  it('says when the abstract was set aside and the work was judged on its title', async () => {
    // A 1977 pharmacology paper carrying an AI drug-discovery teaser from a publisher listing page.
    const r = await runCliInProcess(['explain', 'W2173520866', '--snapshot', CORPUS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Record repaired: abstract set aside, classified on the title: landing-page teaser cut off with "Read More"');
    expect(r.stdout).toContain('OUT: not medical AI (no AI term)');
  });

  it('shows the veto that took a work out, with the text that triggered it', async () => {
    // An antimalarial study: "AI" there abbreviates the neem tree, Azadirachta indica.
    const r = await runCliInProcess(['explain', 'W3158248441', '--snapshot', CORPUS]);
    expect(r.stdout).toContain('OUT: not medical AI (no AI term)');
    expect(r.stdout).toMatch(/ai:AI because the text has "Azadirachta indica \(AI\)" \(veto "AI spelled out in the text", .*ai\.en\.txt:\d+\)/);
  });

  it('rejects an unknown or malformed id with a usage error', async () => {
    const missing = await runCliInProcess(['explain', 'W1', '--snapshot', CORPUS]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('W1 is not in the snapshot files');
    const bad = await runCliInProcess(['explain', 'doi:10.1/x', '--snapshot', CORPUS]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not an OpenAlex work id');
  });
});

describe('evaluate --snapshot', () => {
  it('prints the figures and writes the report', async () => {
    const report = join(dir, 'out', 'evaluation.md');
    const r = await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--report', report, '--samples', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('408 works with MeSH headings; AI-positive 18');
    expect(r.stdout).toContain('precision 0.810 [0.600-0.923] (17/21), recall 0.944 [0.742-0.990] (17/18)');
    const md = await readFile(report, 'utf8');
    expect(md).toContain('## False positives (tagged AI, no MeSH AI heading): 4, 3 shown');
  });

  it('scores only the year window when asked', async () => {
    const r = await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--from', '2010', '--to', '2021', '--report', join(dir, 'window.md')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1099 works');
    expect(r.stdout).toContain('192 works with MeSH headings; AI-positive 11');
    expect((await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--from', '2021', '--to', '2010'])).code).toBe(2);
  });

  it('refuses a bad --samples and a missing database', async () => {
    expect((await runCliInProcess(['evaluate', '--snapshot', CORPUS, '--samples', 'many'])).code).toBe(2);
    const r = await runCliInProcess(['evaluate', '--db', join(dir, 'nothing.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no database at');
  });
});

describe('explain and evaluate --db', () => {
  it('read the works the pipeline stored, and compare with the stored verdict', async () => {
    const db = join(dir, 'store.duckdb');
    expect((await runCliInProcess(['fetch', '--snapshot', CORPUS, '--db', db])).code).toBe(0);
    expect((await runCliInProcess(['classify', '--db', db])).code).toBe(0);
    const r = await runCliInProcess(['explain', 'W3160137267', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('IN: medical AI');
    expect(r.stdout).toContain('Stored verdict (last classify run): the same');
    // The repair noted at fetch time is read back from the store, not recomputed.
    const teaser = await runCliInProcess(['explain', 'W2146909058', '--db', db]);
    expect(teaser.stdout).toContain('Record repaired: abstract set aside, classified on the title: landing-page teaser');
    const ev = await runCliInProcess(['evaluate', '--db', db, '--report', join(dir, 'db-eval.md')]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain('2290 works (1458 with abstract, 8 set aside as placeholders or teasers)');
    expect(ev.stdout).toContain('precision 0.810 [0.600-0.923] (17/21), recall 0.944');
  });
});
