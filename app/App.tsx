import { createResource, Match, Switch } from 'solid-js';
import { acquireDevice } from '../gpu/device.ts';

export function App() {
  const [gpu] = createResource(() => acquireDevice(navigator.gpu));
  return (
    <main>
      <h1>Edgewise</h1>
      <Switch>
        <Match when={gpu.loading}><p>Looking for a GPU…</p></Match>
        <Match when={gpu.error}>
          <p role="alert" data-testid="gpu-error">{String((gpu.error as Error)?.message ?? gpu.error)}</p>
        </Match>
        <Match when={gpu()}>
          {(ctx) => (
            <p data-testid="adapter">
              GPU: {ctx().adapterInfo.vendor} {ctx().adapterInfo.architecture} {ctx().adapterInfo.description}
              {ctx().features.f16 ? ' · f16' : ''}
            </p>
          )}
        </Match>
      </Switch>
    </main>
  );
}
