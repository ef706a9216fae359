/** Numbers of the shipped keyword rule on the real corpus (../shared/data/openalex/works.jsonl.gz). */
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, classifyWithDetail, type Classification } from '../../src/classify/classifier.js';
import { loadKeywordRules, type KeywordRules } from '../../src/classify/keywords.js';
import type { Work } from '../../src/model/work.js';
import { corpusWorks } from './corpus.js';

let rules: KeywordRules;
let works: Work[];
let results: Map<string, Classification>;
beforeAll(async () => {
  rules = await loadKeywordRules();
  works = await corpusWorks();
  results = new Map(works.map((w) => [w.id, classify(w, rules)]));
});

describe('shipped rule on the real corpus', () => {
  it('reads every work of the corpus', () => {
    expect(works.length).toBe(2290);
  });

  it('tags the counts recorded here (a change to the lists must update them knowingly)', () => {
    const all = [...results.values()];
    expect({
      ai: all.filter((c) => c.isAi).length,
      medical: all.filter((c) => c.isMedical).length,
      medicalAi: all.filter((c) => c.isMedicalAi).length,
    }).toEqual({ ai: 276, medical: 506, medicalAi: 38 });
  });

  it('fast path (token pre-check, one-word terms by token) equals the plain regex path on every work', () => {
    const differ = works.filter((w) => {
      const { masked: _m, vetoed: _v, hits: _h, ...slow } = classifyWithDetail(w, rules);
      return JSON.stringify(slow) !== JSON.stringify(results.get(w.id));
    });
    expect(differ.map((w) => w.id)).toEqual([]);
  });

  // Medical-AI papers named in PROVENANCE.md for the search-results sample.
  it.each([
    ['W2911489562', 'BioBERT'],
    ['W3160137267', 'Med-BERT'],
    ['W4384071683', 'Large language models encode clinical knowledge'],
    ['W3168491317', 'DS-TransUNet medical image segmentation'],
    ['W4413114507', 'RAG in Healthcare review'],
  ])('tags %s (%s) as medical AI', (id) => {
    expect(results.get(id)?.isMedicalAi).toBe(true);
  });
});
