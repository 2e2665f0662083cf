// The app's side of the engine worker: starts it, wraps it with comlink, turns every function
// argument into a Comlink proxy (callbacks: progress, tokens) and rebuilds EdgewiseErrors from the
// {code, message} the worker throws. persist() is asked here because StorageManager.persist()
// exists only on the main thread; it is asked before any call that may store bytes.
import * as Comlink from 'comlink';
import type { EngineApi } from '../engine/api.ts';
import { rebuildError } from './errors.ts';

export interface EngineConnection {
  readonly engine: EngineApi;
  terminate(): void;
}

/** Calls that store model bytes: ask for persistent storage first, so the browser keeps them. */
const STORING_METHODS: ReadonlySet<string> = new Set<keyof EngineApi>(['download', 'importFile']);

export function connectEngine(worker: Worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' })): EngineConnection {
  const remote = Comlink.wrap<EngineApi>(worker);
  const engine = new Proxy({} as EngineApi, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      return async (...args: unknown[]) => {
        if (STORING_METHODS.has(key)) await navigator.storage?.persist?.().catch(() => false);
        const sent = args.map((a) => (typeof a === 'function' ? Comlink.proxy(a) : a));
        try {
          return await (remote[key as keyof EngineApi] as (...a: unknown[]) => Promise<unknown>)(...sent);
        } catch (e) {
          throw rebuildError(e);
        }
      };
    },
  });
  return {
    engine,
    terminate() {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
