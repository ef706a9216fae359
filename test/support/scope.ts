/** A Scope for tests: the defaults of a command line with no flags, overridden where a test says. */
import { DEFAULT_KEYWORDS_DIR } from '../../src/classify/keywords.js';
import type { Scope } from '../../src/pipeline/scope.js';

export function scopeOf(over: Partial<Scope> = {}): Scope {
  return { from: 2010, to: 2021, countries: ['US', 'CN'], types: [], mergeVersions: false, countryPolicy: 'separate', keywordsDir: DEFAULT_KEYWORDS_DIR, ...over };
}
