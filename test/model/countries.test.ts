import { describe, expect, it } from 'vitest';
import { countriesOf, fractionalWeights, type CountryPolicy } from '../../src/classify/countries.js';
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

// Constructed authorship lists with the fractional weights worked out by hand: weight 1 split
// over the authors with a country, each author's share split over that author's countries.
const fractionalCases: [string, Authorship[], CountryPolicy, Record<string, number>][] = [
  ['one author, one country', [a(['US'], ['US'])], 'separate', { US: 1 }],
  ['two US authors and one CN author: 2/3 and 1/3', [a(['US']), a(['US']), a(['CN'])], 'separate', { CN: 1 / 3, US: 2 / 3 }],
  // A: US+CN (1/4 each of 1/2), B: US (1/2): US 3/4, CN 1/4.
  ['a multi-country author splits their share', [a(['US', 'CN']), a(['US'])], 'separate', { CN: 0.25, US: 0.75 }],
  // The author's countries are the union of their own and their institutions': US via both sources once.
  ['an author counted in both sources counts once per country', [a(['US'], ['US', 'GB']), a(['CN'], ['CN'])], 'separate', { CN: 0.5, GB: 0.25, US: 0.25 }],
  // Two of four authors have no country: the other two share the paper.
  ['authors with no country are left out', [a([], []), a(null, [null]), a(['DE']), a(['FR'])], 'separate', { DE: 0.5, FR: 0.5 }],
  ['no author with a country: no weights', [a([], []), a(null, [])], 'separate', {}],
  // Under fold-hk-mo the HK author is a CN author: CN 1/2 + 1/2, not split between CN and HK.
  ['fold-hk-mo: an HK author counts for CN', [a(['HK']), a(['CN'])], 'fold-hk-mo', { CN: 1 }],
  ['separate: HK keeps its own share', [a(['HK']), a(['CN'])], 'separate', { CN: 0.5, HK: 0.5 }],
  // An author in HK and CN is one CN author after folding: the whole share, not half of it twice.
  ['fold-hk-mo: an HK+CN author is one CN country', [a(['HK', 'CN']), a(['US'])], 'fold-hk-mo', { CN: 0.5, US: 0.5 }],
  ['fold-hk-mo keeps TW apart', [a(['TW']), a(['MO'])], 'fold-hk-mo', { CN: 0.5, TW: 0.5 }],
];

describe('fractionalWeights (fractional counting)', () => {
  it.each(fractionalCases)('%s', (_name, authorships, policy, expected) => {
    const countries = countriesOf(authorships, policy);
    const weights = fractionalWeights(authorships, policy);
    expect(countries).toEqual(Object.keys(expected).sort());
    expect(weights).toHaveLength(countries.length);
    countries.forEach((c, i) => expect(weights[i]).toBeCloseTo(expected[c] as number, 12));
  });

  it('splits a truncated author list over the 100 authors OpenAlex lists', () => {
    // OpenAlex lists the first 100 authors of a longer list and sets is_authors_truncated: here 75
    // US and 25 CN authors are listed (the rest are unknown), so US gets 0.75 and CN 0.25.
    const n = normalizeWork({
      id: 'W7',
      publication_year: 2021,
      is_authors_truncated: true,
      authorships: Array.from({ length: 100 }, (_, i) => ({ countries: [i < 75 ? 'US' : 'CN'] })),
    });
    expect(n.ok).toBe(true);
    if (!n.ok) return;
    expect(n.work.authorsTruncated).toBe(true);
    expect(countriesOf(n.work.authorships, 'separate')).toEqual(['CN', 'US']);
    const [cn, us] = fractionalWeights(n.work.authorships, 'separate');
    expect(cn).toBeCloseTo(0.25, 12);
    expect(us).toBeCloseTo(0.75, 12);
  });

  it('gives every country a positive weight and a paper weight 1 on random author lists', () => {
    const codes = ['US', 'CN', 'HK', 'MO', 'TW', 'GB'];
    let seed = 7;
    const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 500; k++) {
      const authors = Array.from({ length: next(8) }, () => a(Array.from({ length: next(3) }, () => codes[next(codes.length)] as string), next(2) === 0 ? [null] : [codes[next(codes.length)] as string]));
      for (const policy of ['separate', 'fold-hk-mo'] as const) {
        const w = fractionalWeights(authors, policy);
        expect(w).toHaveLength(countriesOf(authors, policy).length);
        expect(w.every((x) => x > 0)).toBe(true);
        if (w.length > 0) expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      }
    }
  });
});
