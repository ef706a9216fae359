/** The evaluation: interval arithmetic, MeSH labels (constructed headings), and the real corpus figures. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import { evaluate, evaluationMarkdown, type Evaluation } from '../../src/evaluate/evaluate.js';
import { loadMeshSubtree, meshLabel, type MeshSubtree } from '../../src/evaluate/mesh.js';
import { f1Bootstrap, metrics, wilson } from '../../src/evaluate/metrics.js';
import type { MeshHeading } from '../../src/model/work.js';
import { corpusWorks } from './corpus.js';

describe('wilson', () => {
  it.each([
    // Closed forms: 0/n -> [0, z²/(n+z²)], n/n -> [n/(n+z²), 1]; 50/100 by hand.
    [0, 10, 0, 0.27753],
    [10, 10, 0.72247, 1],
    [50, 100, 0.40383, 0.59617],
  ])('%i/%i -> [%f, %f]', (k, n, low, high) => {
    const ci = wilson(k, n);
    expect(ci?.low).toBeCloseTo(low, 4);
    expect(ci?.high).toBeCloseTo(high, 4);
  });

  it('has no interval without trials', () => {
    expect(wilson(0, 0)).toBeNull();
    expect(metrics({ tp: 0, fp: 0, fn: 3, tn: 5 }).precision).toEqual({ value: null, successes: 0, trials: 0, ci: null });
  });
});

describe('f1Bootstrap', () => {
  it('is reproducible and brackets the point estimate', () => {
    const c = { tp: 17, fp: 6, fn: 1, tn: 384 };
    const a = f1Bootstrap(c);
    expect(a).toEqual(f1Bootstrap(c));
    const f1 = metrics(c).f1.value ?? NaN;
    expect(a?.low).toBeLessThan(f1);
    expect(a?.high).toBeGreaterThan(f1);
  });
});

describe('meshLabel (constructed headings)', () => {
  let subtree: MeshSubtree;
  beforeAll(async () => {
    subtree = await loadMeshSubtree();
  });
  const h = (descriptorUi: string, descriptorName: string): MeshHeading => ({ descriptorUi, descriptorName, isMajorTopic: false });

  it.each([
    ['no headings: no label', null, null],
    ['unrelated headings', [h('D006801', 'Humans')], { ai: false, aiWithoutRobotics: false }],
    ['by id', [h('D000077321', 'Deep Learning')], { ai: true, aiWithoutRobotics: true }],
    ['by name when the id is missing', [h('', 'Expert Systems')], { ai: true, aiWithoutRobotics: true }],
    ['name is case-insensitive', [h('', 'natural language processing')], { ai: true, aiWithoutRobotics: true }],
    ['Robotics alone is AI only with Robotics', [h('D012371', 'Robotics')], { ai: true, aiWithoutRobotics: false }],
    ['Robotics plus Machine Learning', [h('D012371', 'Robotics'), h('D000069550', 'Machine Learning')], { ai: true, aiWithoutRobotics: true }],
  ] as const)('%s', (_name, mesh, expected) => {
    const label = meshLabel(mesh, subtree);
    if (expected === null) expect(label).toBeNull();
    else expect(label).toMatchObject(expected);
  });

  it('flags a listed id that comes with another name', () => {
    expect(meshLabel([h('D016571', 'Nerve Net')], subtree)?.idNameMismatches).toEqual(['D016571 "Nerve Net" (list: "Neural Networks, Computer")']);
  });
});

describe('evaluate on the real corpus', () => {
  let rules: KeywordRules;
  let subtree: MeshSubtree;
  let ev: Evaluation;
  beforeAll(async () => {
    rules = await loadKeywordRules();
    subtree = await loadMeshSubtree();
    ev = await evaluate(await corpusWorks(), rules, subtree, { samples: 3 });
  });

  it('labels the works PROVENANCE.md describes: 408 with MeSH, 18 in the AI subtree', () => {
    expect(ev.works).toBe(2290);
    expect(ev.labelled).toBe(408);
    expect(ev.withRobotics.positives).toBe(18);
    expect(ev.withoutRobotics.positives).toBe(18);
  });

  it('records the measured confusion of the AI half (update knowingly when the lists change)', () => {
    expect(ev.withRobotics.metrics.confusion).toEqual({ tp: 17, fp: 4, fn: 1, tn: 386 });
    expect(ev.withRobotics.metrics.recall.value).toBeGreaterThanOrEqual(0.8);
    expect(ev.idNameMismatches).toEqual([]);
  });

  it('samples errors with their matched terms, at most as many as asked', () => {
    expect(ev.withRobotics.falsePositives.length).toBe(3);
    expect(ev.withRobotics.fpTotal).toBe(4);
    for (const s of ev.withRobotics.falsePositives) expect(s.matchedTerms.some((t) => t.startsWith('ai:'))).toBe(true);
    expect(ev.withRobotics.falseNegatives.map((s) => s.id)).toEqual(['W2159675211']);
  });

  it('counts the fMRI classifier study as AI when the list includes Pattern Recognition, Automated, as the shipped list says', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medai-mesh-'));
    try {
      const path = join(dir, 'with-pattern-recognition.tsv');
      await writeFile(path, `${await readFile(subtree.path, 'utf8')}D010363\tPattern Recognition, Automated\tconsidered, not shipped\n`);
      const wider = await evaluate(await corpusWorks(), rules, await loadMeshSubtree(path), { samples: 3 });
      expect(wider.withRobotics.positives).toBe(19);
      expect(wider.withRobotics.metrics.confusion).toEqual({ tp: 18, fp: 3, fn: 1, tn: 386 });
      expect(wider.withRobotics.fpTotal).toBe(wider.withRobotics.falsePositives.length);
      expect(wider.withRobotics.falsePositives.map((s) => s.id)).not.toContain('W2143593953');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the same Markdown on every run', async () => {
    const ctx = { corpus: 'test corpus', rules, subtree, display: (p: string) => p.replace(/.*\/data\//, 'data/') };
    const md = evaluationMarkdown(ev, ctx);
    expect(md).toBe(evaluationMarkdown(await evaluate(await corpusWorks(), rules, subtree, { samples: 3 }), ctx));
    expect(md).toContain('| MeSH AI subtree, Robotics counted as AI | 408 | 17 | 4 | 1 | 386 | 0.810 [0.600-0.923] | 0.944 [0.742-0.990] |');
    expect(md).toContain('Keyword rule: `data/keywords`');
  });
});
