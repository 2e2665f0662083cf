// The one engine the app talks to: the worker, started on first use (worker/client.ts). A lost GPU
// device (driver reset, the tab sent to the background on a phone) fails the request in flight
// with 'device-lost'; whoever registered with onDeviceLost loads the model again.
import type { EngineApi } from '../../engine/api.ts';
import { EdgewiseError } from '../../model/errors.ts';
import { connectEngine, type EngineConnection } from '../../worker/client.ts';

let connection: EngineConnection | undefined;
let recovering: EngineApi | undefined;
const deviceLostHandlers: ((e: EdgewiseError) => void)[] = [];

export function onDeviceLost(handler: (e: EdgewiseError) => void): void {
  deviceLostHandlers.push(handler);
}

export function engine(): EngineApi {
  connection ??= connectEngine();
  const inner = connection.engine;
  recovering ??= new Proxy(inner, {
    get(target, key) {
      const method = target[key as keyof EngineApi] as unknown;
      if (typeof method !== 'function') return method;
      return async (...args: unknown[]) => {
        try {
          return await (method as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (e) {
          if (e instanceof EdgewiseError && e.code === 'device-lost') for (const h of deviceLostHandlers) h(e);
          throw e;
        }
      };
    },
  });
  return recovering;
}
