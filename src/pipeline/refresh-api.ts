/**
 * `refresh` from the OpenAlex API. (Being written: replaced by the real module.)
 */
import type { KeywordRules } from '../classify/keywords.js';
import type { Effects } from '../effects/effects.js';
import type { Store } from '../store/store.js';
import type { DataRefresh } from './refresh-types.js';
import type { Scope } from './scope.js';
import type { ApiSettings } from './source.js';

export async function refreshFromApi(_store: Store, _scope: Scope, _rules: KeywordRules, _api: ApiSettings, _effects: Effects): Promise<DataRefresh> {
  throw new Error('refreshFromApi: not written yet');
}
