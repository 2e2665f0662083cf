// Work that persists: each screen's input and output live in a Solid store mirrored to IndexedDB
// (idb-keyval, its own database beside the model store), so that they survive screen switches
// (the stores live at module level, not in the screens) and reloads. Writes are coalesced; a page
// being hidden writes at once. Nothing here leaves the device.
import { createEffect, createRoot, createSignal } from 'solid-js';
import { createStore, reconcile, unwrap, type SetStoreFunction } from 'solid-js/store';
import { createStore as idbStore, del, get, set } from 'idb-keyval';

const db = idbStore('edgewise-work', 'work');
const pending = new Map<string, () => Promise<void>>();

if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => { void flushAll(); });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') void flushAll(); });
}

/** Writes every change not yet written (before a reload, or in tests). */
export async function flushAll(): Promise<void> {
  const writes = [...pending.values()];
  pending.clear();
  await Promise.all(writes.map((w) => w()));
}

/** Reads every field of a store, so that an effect runs again on any change (strings are not copied). */
function track(value: unknown): void {
  if (Array.isArray(value)) for (const v of value) track(v);
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) track((value as Record<string, unknown>)[k]);
}

export interface Persisted<T extends object> {
  readonly state: T;
  readonly set: SetStoreFunction<T>;
  /** True once what was stored has been read back (or there was nothing). */
  readonly loaded: () => boolean;
  readonly ready: Promise<void>;
  /** Back to the defaults, and forgotten on this device. */
  clear(): Promise<void>;
}

export function persistedStore<T extends object>(key: string, defaults: () => T, delayMs = 400): Persisted<T> {
  const [state, setState] = createStore<T>(defaults());
  const [loaded, setLoaded] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = async () => {
    clearTimeout(timer);
    pending.delete(key);
    try {
      await set(key, structuredClone(unwrap(state)), db);
    } catch {
      // Storage refused (private mode, quota): the work stays in memory for this session.
    }
  };
  const ready = get<Partial<T>>(key, db)
    .then((stored) => { if (stored && typeof stored === 'object') setState(reconcile({ ...defaults(), ...stored } as T)); })
    .catch(() => undefined)
    .finally(() => setLoaded(true));
  createRoot(() => createEffect(() => {
    track(state);
    if (!loaded()) return;
    pending.set(key, write);
    clearTimeout(timer);
    timer = setTimeout(() => { void write(); }, delayMs);
  }));
  return {
    state,
    set: setState,
    loaded,
    ready,
    async clear() {
      clearTimeout(timer);
      pending.delete(key);
      setState(reconcile(defaults()));
      await del(key, db).catch(() => undefined);
    },
  };
}
