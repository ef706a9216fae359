/**
 * `refresh` from a snapshot folder. (Being written: replaced by the real module.)
 */
import type { Effects } from '../effects/effects.js';
import type { Store } from '../store/store.js';
import type { DataRefresh } from './refresh-types.js';

export async function refreshFromSnapshot(_store: Store, _specs: readonly string[], _effects: Effects): Promise<DataRefresh> {
  throw new Error('refreshFromSnapshot: not written yet');
}
