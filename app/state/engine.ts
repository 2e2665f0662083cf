// The one engine the app talks to: the worker, started on first use (worker/client.ts).
import type { EngineApi } from '../../engine/api.ts';
import { connectEngine, type EngineConnection } from '../../worker/client.ts';

let connection: EngineConnection | undefined;

export function engine(): EngineApi {
  connection ??= connectEngine();
  return connection.engine;
}
