/**
 * The keyword rule, case by case, on the CONSTRUCTED records of cases.ts; real-record numbers
 * are in corpus.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classify, classifyWithDetail } from '../../src/classify/classifier.js';
import { loadKeywordRules, searchTerms, type KeywordRules } from '../../src/classify/keywords.js';
import { STRICT_KEYWORDS_DIR, cases, strictCases } from './cases.js';

let rules: KeywordRules;
let strict: KeywordRules;
beforeAll(async () => {
  rules = await loadKeywordRules();
  strict = await loadKeywordRules(STRICT_KEYWORDS_DIR);
});

describe('classify with the strict rule (constructed records)', () => {
  it.each(strictCases)('%s', (_name, title, abstract, isAi, isMedical, mustMatch) => {
    const c = classify({ title, abstract }, strict);
    expect({ isAi: c.isAi, isMedical: c.isMedical, isMedicalAi: c.isMedicalAi }).toEqual({ isAi, isMedical, isMedicalAi: isAi && isMedical });
    for (const t of mustMatch) expect(c.matchedTerms).toContain(t);
    // The shipped rule, one term anywhere, tags every one of these medical.
    expect(classify({ title, abstract }, rules).isMedical).toBe(true);
  });

  it.each(strictCases)('detail agrees with the fast path: %s', (_name, title, abstract) => {
    const { masked: _m, vetoed: _v, hits: _h, ...slow } = classifyWithDetail({ title, abstract }, strict);
    expect(slow).toEqual(classify({ title, abstract }, strict));
  });

  it('knows which terms sit inside others', () => {
    const within = (label: string) => strict.terms.find((t) => t.label === label)?.within;
    expect(within('medical:drug')).toContain('medical:drug discovery');
    expect(within('medical:drug discovery')).toEqual([]);
    expect(within('ai:神经网络')).toContain('ai:卷积神经网络');
    expect(within('ai:neural network')).not.toContain('ai:神经网络');
  });
});

describe('classify (constructed records)', () => {
  it.each(cases)('%s', (_name, title, abstract, isAi, isMedical, mustMatch) => {
    const c = classify({ title, abstract }, rules);
    expect({ isAi: c.isAi, isMedical: c.isMedical }).toEqual({ isAi, isMedical });
    expect(c.isMedicalAi).toBe(isAi && isMedical);
    for (const t of mustMatch) expect(c.matchedTerms).toContain(t);
    // Every reported term belongs to a half that is on.
    for (const t of c.matchedTerms) expect(t.startsWith('ai:') ? isAi : isMedical).toBe(true);
    expect(c.matchedTerms).toEqual([...new Set(c.matchedTerms)].sort());
  });

  it.each(cases)('detail agrees with the fast path: %s', (_name, title, abstract) => {
    const fast = classify({ title, abstract }, rules);
    const { masked: _m, vetoed: _v, hits, ...slow } = classifyWithDetail({ title, abstract }, rules);
    expect(slow).toEqual(fast);
    expect(hits.map((h) => h.label)).toEqual(fast.matchedTerms);
  });

  it('reports the veto and the mask that changed the answer', () => {
    const d = classifyWithDetail({ title: 'AI and neural network activity', abstract: 'aortic insufficiency' }, rules);
    expect(d.vetoed).toEqual([expect.objectContaining({ label: 'ai:AI', phrase: 'aortic insufficiency' })]);
    expect(d.masked.map((m) => m.phrase)).toContain('neural network activity');
    expect(d.isAi).toBe(false);
  });
});

describe('searchTerms', () => {
  it('lists every positive term as a plain phrase, per group', () => {
    const s = searchTerms(rules);
    expect(s.ai).toContain('deep learning');
    expect(s.ai).toContain('人工智能');
    expect(s.medical).toContain('patient');
    expect(s.medical).toContain('COVID 19');
    expect(s.ai.length + s.medical.length).toBe(rules.terms.length);
    for (const p of [...s.ai, ...s.medical]) expect(p).not.toMatch(/[\\[\]()|*?]/);
  });
});
