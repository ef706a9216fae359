import { describe, expect, it } from 'vitest';
import { rebuildAbstract } from '../../src/model/abstract.js';
import { normalizeWork, shortWorkId } from '../../src/model/work.js';

describe('normalizeWork', () => {
  // Constructed records, each with one defect.
  it.each([
    ['not an object', 'hello', 'record is not a JSON object'],
    ['array', [1, 2], 'record is not a JSON object'],
    ['missing id', { publication_year: 2020 }, 'missing id'],
    ['author id instead of work id', { id: 'https://openalex.org/A5000', publication_year: 2020 }, 'id is not an OpenAlex work id: "https://openalex.org/A5000"'],
    ['missing year', { id: 'W1' }, 'missing publication_year'],
    ['year as string', { id: 'W1', publication_year: '2020' }, 'publication_year is not a year: "2020"'],
    ['title as number', { id: 'W1', publication_year: 2020, title: 7 }, 'title is not a string: number'],
    ['authorships as object', { id: 'W1', publication_year: 2020, authorships: {} }, 'authorships is not a list'],
    ['countries as string', { id: 'W1', publication_year: 2020, authorships: [{ countries: 'US' }] }, 'authorships[].countries is not a list'],
  ])('rejects %s with its reason', (_name, raw, reason) => {
    const n = normalizeWork(raw);
    expect(n.ok).toBe(false);
    if (!n.ok) expect(n.reason).toBe(reason);
  });

  it('keeps a work whose title is null (select= subsets) and reads display_name when title is absent', () => {
    const a = normalizeWork({ id: 'W2', publication_year: 2019, title: null });
    const b = normalizeWork({ id: 'W3', publication_year: 2019, display_name: 'Shown' });
    expect(a.ok && a.work.title).toBe(null);
    expect(b.ok && b.work.title).toBe('Shown');
  });

  it('repairs a non-list abstract entry and says so instead of rejecting the work', () => {
    const n = normalizeWork({ id: 'W4', publication_year: 2021, abstract_inverted_index: { Deep: [0], learning: [1], bad: 3 } });
    expect(n.ok).toBe(true);
    if (n.ok) {
      expect(n.work.abstract).toBe('Deep learning');
      expect(n.notes).toEqual(['abstract_inverted_index: 1 unusable entry skipped']);
    }
  });

  it('short ids', () => {
    expect(shortWorkId('https://openalex.org/W2741809807')).toBe('W2741809807');
    expect(shortWorkId('W12')).toBe('W12');
    expect(shortWorkId('https://openalex.org/works/W12')).toBe(null);
    expect(shortWorkId(12)).toBe(null);
  });
});

describe('rebuildAbstract', () => {
  it('orders words by position, including repeated words', () => {
    expect(rebuildAbstract({ the: [0, 3], model: [1], predicts: [2], outcome: [4] }).text).toBe('the model predicts the outcome');
  });
  it('reads the pre-2023 snapshot wrapper {IndexLength, InvertedIndex}', () => {
    expect(rebuildAbstract({ IndexLength: 2, InvertedIndex: { Hello: [0], world: [1] } }).text).toBe('Hello world');
  });
  it('null and empty give no abstract', () => {
    expect(rebuildAbstract(null)).toEqual({ text: null, badEntries: 0 });
    expect(rebuildAbstract({})).toEqual({ text: null, badEntries: 0 });
  });
});
