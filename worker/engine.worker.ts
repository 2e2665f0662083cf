// The engine's Web Worker: exposes EngineApi over comlink. Callbacks arrive as Comlink proxies
// (worker/client.ts wraps them); a failure leaves as a plain {code, message} so that the client
// can rebuild the EdgewiseError (comlink would keep only an Error's message).
import * as Comlink from 'comlink';
import type { EngineApi } from '../engine/api.ts';
import { acquireDevice } from '../gpu/device.ts';
import { EngineRuntime } from '../engine/runtime.ts';
import { GpuBackend } from '../gpu/backend.ts';
import { memoryBudgetBytes } from '../gpu/memory-budget.ts';
import { createEngine } from './engine.ts';
import { serializeError } from './errors.ts';
import { idbGemvTuningCache } from './storage/tuning-cache.ts';

declare const __EDGEWISE_HUB_BASE__: string | undefined;

const engine = createEngine({ hubBase: typeof __EDGEWISE_HUB_BASE__ === 'string' && __EDGEWISE_HUB_BASE__ ? __EDGEWISE_HUB_BASE__ : undefined, runtime: new EngineRuntime(new GpuBackend(() => acquireDevice(navigator.gpu), {
  memoryBudgetBytes: memoryBudgetBytes((navigator as Navigator & { deviceMemory?: number }).deviceMemory),
  gemvTuning: { cache: idbGemvTuningCache() },
})) });

/** Every method of `api`, rethrowing failures as SerializedError. */
function serializingErrors(api: EngineApi): EngineApi {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(api) as (keyof EngineApi)[]) {
    const method = api[key] as (...args: unknown[]) => Promise<unknown>;
    out[key] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (e) {
        throw serializeError(e);
      }
    };
  }
  return out as unknown as EngineApi;
}

Comlink.expose(serializingErrors(engine));
