/**
 * Abstracts that are not the work's own: publisher placeholders and landing-page teasers are set
 * aside (the work is kept, classified on its title, and the repair is noted), on constructed
 * texts and on every real record of the corpus.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { abstractSetAsideReason, rebuildAbstract } from '../../src/model/abstract.js';
import { ABSTRACT_SET_ASIDE, normalizeWork } from '../../src/model/work.js';
import { seededRandom } from '../../src/random.js';
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

/**
 * abstractSetAsideReason() as it was before it looked at the text's two ends first: the answer the
 * quick look must never change.
 */
function setAsideBefore(text: string): string | null {
  const lower = text.toLowerCase();
  if (!(lower.includes('first') || lower.includes('abstract') || lower.includes('available') || lower.includes('n/a') || (lower.includes('more') && /read\s+more/.test(lower)))) {
    return null;
  }
  const flat = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const bare = flat.replace(/^[\s[(]+|[\s.\])]+$/g, '');
  const placeholders = ['first page', 'no abstract available', 'abstract not available', 'no abstract', 'not available', 'n/a'];
  const openings = ['an abstract is not available for this content', 'a summary is not available for this content'];
  if (placeholders.includes(bare) || openings.some((p) => flat.startsWith(p))) {
    return `publisher placeholder, not an abstract: "${text.trim().slice(0, 60)}${text.trim().length > 60 ? '…' : ''}"`;
  }
  if (/(?:\.\.\.|…|\s)\s*read more[\s.…]*$/i.test(flat)) return 'landing-page teaser cut off with "Read More", a page snippet rather than the work\'s abstract';
  return null;
}

describe('abstractSetAsideReason gives the answers it gave before its quick look at the ends', () => {
  it('on every real abstract', () => {
    let n = 0;
    for (const raw of readJsonLines(WORKS_FILE) as { abstract_inverted_index?: unknown }[]) {
      const text = rebuildAbstract(raw.abstract_inverted_index).text;
      if (text === null) continue;
      n++;
      expect(abstractSetAsideReason(text), text.slice(0, 80)).toBe(setAsideBefore(text));
    }
    expect(n).toBe(1466);
  });

  it('on 200,000 texts made of the placeholders, teasers, brackets, dots, unicode spaces and case changes', () => {
    const random = seededRandom(20261202);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const pieces = [
      'First Page', 'first page', 'No abstract available', 'NO ABSTRACT', 'Abstract not available', 'Not available', 'N/A', 'n/a',
      'An abstract is not available for this content', 'A summary is not available for this content', 'a', 'A', 'an', 'ab', 'fi', 'no', 'n/',
      'read more', 'Read More', 'READ MORE', 'more', 'MORE', 'read\tmore', 'Deep learning', 'patients', 'İ', 'ﬁrst', 'K',
      ' ', '  ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff', '.', '...', '…', '[', ']', '(', ')', '-', ',',
    ];
    let setAside = 0;
    for (let i = 0; i < 200_000; i++) {
      const length = 1 + Math.floor(random() * 7);
      let text = '';
      for (let k = 0; k < length; k++) text += pick(pieces);
      const before = setAsideBefore(text);
      if (before !== null) setAside++;
      if (abstractSetAsideReason(text) !== before) expect({ text, reason: abstractSetAsideReason(text) }).toEqual({ text, reason: before });
    }
    // Enough of them are set aside for the comparison to mean something.
    expect(setAside).toBeGreaterThan(5_000);
  });
});
