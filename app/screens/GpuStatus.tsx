// The WebGPU check shown on every screen: which adapter we got, or what to do without one.
import { createResource, Match, Switch } from 'solid-js';
import { acquireDevice } from '../../gpu/device.ts';

export function GpuStatus() {
  const [gpu] = createResource(async () => {
    const ctx = await acquireDevice(navigator.gpu);
    const info = ctx.adapterInfo;
    ctx.device.destroy();
    return { info, f16: ctx.features.f16 };
  });
  return (
    <section class="gpu-status" aria-live="polite">
      <Switch>
        <Match when={gpu.loading}><p>Looking for a GPU…</p></Match>
        <Match when={gpu.error}>
          <p role="alert" class="error" data-testid="gpu-error">{String((gpu.error as Error)?.message ?? gpu.error)}</p>
        </Match>
        <Match when={gpu()}>
          {(g) => (
            <p data-testid="adapter">
              GPU: {[g().info.vendor, g().info.architecture, g().info.description].filter(Boolean).join(' · ') || 'unnamed adapter'}
              {g().f16 ? ' · f16' : ''}
            </p>
          )}
        </Match>
      </Switch>
    </section>
  );
}
