// The WebGPU check shown on every screen: which adapter the engine got, or what to do without one.
// It asks the engine (capabilities()), which owns the GPU; the page opens no device of its own.
import { Match, Switch } from 'solid-js';
import { models } from '../state/models.ts';

export function GpuStatus() {
  const caps = () => models.capabilities;
  return (
    <section class="gpu-status" aria-live="polite">
      <Switch>
        <Match when={models.ready && models.error && !caps()}>
          <p role="alert" class="error" data-testid="gpu-error">{models.error}</p>
        </Match>
        <Match when={!caps()}><p>Looking for a GPU…</p></Match>
        <Match when={caps()?.problem}>
          {(problem) => <p role="alert" class="error" data-testid="gpu-error">{problem()}</p>}
        </Match>
        <Match when={caps()?.adapter}>
          {(a) => (
            <p data-testid="adapter">
              GPU: {[a().vendor, a().architecture, a().description].filter(Boolean).join(' · ') || 'unnamed adapter'}
              {caps()?.features.f16 ? ' · f16' : ''}
            </p>
          )}
        </Match>
      </Switch>
    </section>
  );
}
