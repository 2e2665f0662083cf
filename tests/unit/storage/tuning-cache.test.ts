// The worker's GEMV tuning store (worker/storage/tuning-cache.ts) over idb-keyval, with an
// in-memory stand-in for its IndexedDB object store (Node has no IndexedDB): what idb-keyval's
// get and set ask of a store, values cloned as IndexedDB clones them.
import type { UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { gemvTuningKey } from '../../../gpu/gemv-tuning-cache.ts';
import { tuneGemvShapes } from '../../../gpu/gemv-tuning.ts';
import { idbGemvTuningCache } from '../../../worker/storage/tuning-cache.ts';
import { fakeGpuEnv, fixedTimer } from '../gpu/fake-gpu-env.ts';

/** An IDBRequest-like object whose success fires after the caller has attached its handlers. */
function request<T>(result: () => T): IDBRequest<T> {
  const r = {} as { result?: T; onsuccess?: () => void; oncomplete?: () => void };
  setTimeout(() => {
    r.result = result();
    r.onsuccess?.();
    r.oncomplete?.();
  });
  return r as unknown as IDBRequest<T>;
}

function memoryStore(): { store: UseStore; data: Map<IDBValidKey, unknown> } {
  const data = new Map<IDBValidKey, unknown>();
  const store: UseStore = (_mode, callback) => {
    const objectStore = {
      get: (key: IDBValidKey) => request(() => structuredClone(data.get(key))),
      put: (value: unknown, key: IDBValidKey) => { data.set(key, structuredClone(value)); },
      transaction: request(() => undefined),
    };
    return Promise.resolve(callback(objectStore as unknown as IDBObjectStore));
  };
  return { store, data };
}

describe('worker GEMV tuning store', () => {
  it('gets nothing for an unknown key, then what was set, per key', async () => {
    const { store, data } = memoryStore();
    const cache = idbGemvTuningCache(store);
    expect(await cache.get('gemv-v1:a')).toBeUndefined();
    const a = { key: 'gemv-v1:a', shapes: { '12:1024': [64, 4] as const } };
    await cache.set('gemv-v1:a', a);
    await cache.set('gemv-v1:b', { key: 'gemv-v1:b', shapes: {} });
    expect(await cache.get('gemv-v1:a')).toEqual(a);
    expect([...data.keys()]).toEqual(['gemv-v1:a', 'gemv-v1:b']);
  });

  it('an entry that is not one is replaced by the next tuning', async () => {
    const { store, data } = memoryStore();
    const env = fakeGpuEnv();
    const key = gemvTuningKey(env.ctx);
    data.set(key, 'not an entry');
    const timer = fixedTimer();
    const r = await tuneGemvShapes(env, [{ name: 'w', type: 12, dims: [1024, 1024], parts: [] }], { cache: idbGemvTuningCache(store), timer: timer.factory });
    expect(timer.prepared).toBe(6);
    expect(data.get(key)).toEqual({ key, shapes: { '12:1024': [r.report.shapes[0].workgroupSize, r.report.shapes[0].rowsPerWorkgroup] } });
  });
});
