import { Show } from 'solid-js';
import { applyUpdate, updateReady } from '../pwa/register.ts';

export function UpdateBanner() {
  return (
    <Show when={updateReady()}>
      <div class="update" role="status" data-testid="update-banner">
        <span>A new version of Edgewise is ready.</span>
        <button type="button" onClick={applyUpdate}>Reload</button>
      </div>
    </Show>
  );
}
