/**
 * Abstracts that are not the work's own: publisher placeholders and landing-page teasers are set
 * aside (the work is kept, classified on its title, and the repair is noted), on constructed
 * texts and on every real record of the corpus.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { abstractSetAsideReason, rebuildAbstract } from '../../src/model/abstract.js';
import { ABSTRACT_SET_ASIDE, normalizeWork } from '../../src/model/work.js';
import { readJsonLines } from '../support/openalex-data.js';
import { WORKS_FILE } from '../support/paths.js';

const index = (text: string): Record<string, number[]> => {
  const map: Record<string, number[]> = {};
  text.split(' ').forEach((word, i) => (map[word] ??= []).push(i));
  return map;
};

describe('abstractSetAsideReason (constructed texts)', () => {
  it.each([
    ['First Page', 'placeholder'],
    ['No abstract available.', 'placeholder'],
    ['[No abstract available]', 'placeholder'],
    ['N/A', 'placeholder'],
    ['An abstract is not available for this content so a preview has been provided. Please use the Get access link above.', 'placeholder'],
    ['A summary is not available for this content so a preview has been provided.', 'placeholder'],
    ['Central to this shift is the development of artificial intelligence approaches based on the dynamic, ...Read More', 'teaser'],
    ['Deep learning for retinal images … Read more', 'teaser'],
    ['Deep learning for retinal images ...read more.', 'teaser'],
  ])('sets aside %j', (text, kind) => {
    const reason = abstractSetAsideReason(text);
    expect(reason).not.toBeNull();
    expect(reason).toContain(kind === 'teaser' ? 'landing-page teaser' : 'publisher placeholder');
  });

  it.each([
    'Patients can read more about the trial on its website, and 40% did so before consenting.',
    'The drug was not available in 12 of 30 hospitals.',
    'First page views were counted for 1,200 patients.',
    'We propose a first-page ranking model. Readers who read more than one page were excluded.',
  ])('keeps a real abstract: %j', (text) => {
    expect(abstractSetAsideReason(text)).toBeNull();
  });

  it('normalizeWork drops the teaser, keeps the work and notes why', () => {
    const n = normalizeWork({
      id: 'W9',
      publication_year: 1977,
      title: 'Calcium in myocardium',
      abstract_inverted_index: index('Artificial intelligence approaches to drug discovery, ...Read More'),
    });
    expect(n.ok).toBe(true);
    if (!n.ok) return;
    expect(n.work.abstract).toBeNull();
    expect(n.work.title).toBe('Calcium in myocardium');
    expect(n.notes).toHaveLength(1);
    expect(n.notes[0]).toMatch(new RegExp(`^${ABSTRACT_SET_ASIDE}, classified on the title: landing-page teaser`));
  });
});

describe('abstracts set aside in the real corpus', () => {
  let setAside: { id: string; year: number; reason: string }[];
  let kept: number;
  beforeAll(() => {
    setAside = [];
    kept = 0;
    for (const raw of readJsonLines(WORKS_FILE) as { id: string; publication_year: number; abstract_inverted_index?: unknown }[]) {
      const text = rebuildAbstract(raw.abstract_inverted_index).text;
      if (text === null) continue;
      const reason = abstractSetAsideReason(text);
      if (reason === null) kept++;
      else setAside.push({ id: raw.id.replace('https://openalex.org/', ''), year: raw.publication_year, reason });
    }
  });

  it('finds the placeholders and teasers that are there, and nothing else', () => {
    // Read off the corpus: three "First Page", one "No abstract available.", two Cambridge
    // preview notices, and one AI drug-discovery teaser attached to two pharmacology papers.
    expect(setAside.map((s) => s.id).sort()).toEqual(
      ['W1631356911', 'W2023361928', 'W2120062331', 'W2146909058', 'W2173520866', 'W2341283081', 'W2764347725', 'W2900656925'].sort(),
    );
    expect(setAside.filter((s) => s.reason.includes('teaser')).map((s) => [s.id, s.year])).toEqual([
      ['W2146909058', 1995],
      ['W2173520866', 1977],
    ]);
    expect(kept).toBe(1458);
  });
});
