// The worker's store of tuned decode GEMV shapes (gpu/gemv-tuning-cache.ts): one small entry per
// adapter in an IndexedDB database of its own (idb-keyval makes one object store per database,
// and the model store's is taken), so that a page reload or a new version of the app with the
// same kernel finds its GPU's shapes without timing anything.
import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { GemvTuningCache } from '../../gpu/gemv-tuning-cache.ts';

export const TUNING_DB_NAME = 'edgewise-tuning';

/** `store` defaults to the app's database; tests give one of their own. */
export function idbGemvTuningCache(store: UseStore = createStore(TUNING_DB_NAME, 'gemv')): GemvTuningCache {
  return {
    get: (key) => get(key, store),
    set: (key, value) => set(key, value, store),
  };
}
