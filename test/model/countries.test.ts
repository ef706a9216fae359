import { describe, expect, it } from 'vitest';
import { countriesOf, type CountryPolicy } from '../../src/classify/countries.js';
import { normalizeWork, type Authorship } from '../../src/model/work.js';

const a = (countries: string[] | null, inst: (string | null)[] = []): Authorship => ({ countries, institutionCountries: inst });

// Constructed authorship lists, one edge case per row.
const cases: [string, Authorship[], CountryPolicy, string[]][] = [
  ['one US author', [a(['US'], ['US'])], 'separate', ['US']],
  ['US and CN co-authors count for both (full counting)', [a(['US'], ['US']), a(['CN'], ['CN'])], 'separate', ['CN', 'US']],
  ['multi-affiliation author counts for every country', [a(['US', 'CN'], ['US', 'CN'])], 'separate', ['CN', 'US']],
  ['duplicated institutions count once', [a(['CN'], ['CN', 'CN']), a(['CN'], ['CN'])], 'separate', ['CN']],
  ['authors without countries or institutions', [a([], []), a(null, [])], 'separate', []],
  ['institution with missing country code', [a([], [null]), a(['US'], ['US', null])], 'separate', ['US']],
  ['old schema: no authorships[].countries, institutions only', [a(null, ['CN']), a(null, ['GB'])], 'separate', ['CN', 'GB']],
  ['countries without institution record still count', [a(['DE'], [])], 'separate', ['DE']],
  ['HK, MO and TW stay apart from CN by default', [a(['HK']), a(['MO']), a(['TW']), a(['CN'])], 'separate', ['CN', 'HK', 'MO', 'TW']],
  ['fold-hk-mo maps HK and MO into CN, keeps TW', [a(['HK']), a(['MO']), a(['TW'])], 'fold-hk-mo', ['CN', 'TW']],
  ['fold-hk-mo: HK with CN counts CN once', [a(['HK'], ['HK']), a(['CN'], ['CN'])], 'fold-hk-mo', ['CN']],
  ['no authorships at all', [], 'separate', []],
];

describe('countriesOf (full counting)', () => {
  it.each(cases)('%s', (_name, authorships, policy, expected) => {
    expect(countriesOf(authorships, policy)).toEqual(expected);
  });

  it('reads both sources from a raw record, upper-casing codes and ignoring junk', () => {
    const n = normalizeWork({
      id: 'https://openalex.org/W1',
      publication_year: 2020,
      authorships: [
        { countries: ['us'], institutions: [{ country_code: 'cn' }, { country_code: null }, {}] },
        { institutions: [{ country_code: 'XXX' }] },
      ],
    });
    expect(n.ok).toBe(true);
    if (n.ok) expect(countriesOf(n.work.authorships, 'separate')).toEqual(['CN', 'US']);
  });
});
