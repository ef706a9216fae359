/** The method sentence of the report follows the rule the works were classified with. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS_DIR, loadKeywordRules } from '../../src/classify/keywords.js';
import { methodText } from '../../src/pipeline/report.js';
import { STRICT_KEYWORDS_DIR } from '../classify/cases.js';

describe('methodText', () => {
  it('states the shipped rule for the shipped lists and for a database without a rule record', async () => {
    const rules = await loadKeywordRules(DEFAULT_KEYWORDS_DIR);
    const shipped = methodText({ dir: rules.dir, require: [...rules.require], strength: rules.strength });
    expect(shipped).toContain('contains at least one medical keyword and at least one AI keyword');
    expect(shipped).toContain('lists in data/keywords/)');
    expect(methodText(undefined)).toBe(shipped);
  });

  it('states the strict rule when the works were classified with it', async () => {
    const rules = await loadKeywordRules(STRICT_KEYWORDS_DIR);
    const text = methodText({ dir: rules.dir, require: [...rules.require], strength: rules.strength });
    expect(text).toContain('contains a medical keyword in the title or at least 2 different medical keywords and at least one AI keyword');
    expect(text).toContain('lists in data/keywords-strict/)');
  });

  it('says which OpenAlex types were counted and whether versions were merged, and nothing when neither option was given', () => {
    const rule = { dir: '/x/data/keywords', require: ['ai', 'medical'] as ('ai' | 'medical')[], strength: {} };
    expect(methodText(rule, ['article', 'review'])).toMatch(/Only OpenAlex works of type article, review are counted\.$/);
    expect(methodText(rule, [])).not.toContain('Only OpenAlex works');
    expect(methodText(rule, [], true)).toMatch(/A preprint and another version of one paper \(the same title, within two years\) count once: in the year of the earlier, for every country either has, with fractional weights averaged over the versions that have a country\.$/);
    expect(methodText(rule, [], false)).not.toContain('count once');
  });

  it('states fractional counting (authors without a country left out, truncated lists) and collaboration', () => {
    const text = methodText({ dir: '/x/data/keywords', require: ['ai', 'medical'], strength: {} });
    expect(text).toContain("Fractional counting (CWTS Leiden style) splits each paper into 1: equally over its authors with a known country, and each author's share equally over that author's countries");
    expect(text).toContain('authors with no country are left out');
    expect(text).toContain('OpenAlex truncates at 100, only the listed authors share it');
    expect(text).toContain('Collaboration counts the papers with authors in both countries of a pair.');
  });

  it('names a folder outside the project by its name only, so no local path is published', () => {
    const text = methodText({ dir: '/home/analyst/secret/my-lists', require: ['ai', 'medical'], strength: {} });
    expect(text).toContain("lists in my-lists/ (the user's lists))");
    expect(text).not.toContain('/home/analyst');
  });
});
