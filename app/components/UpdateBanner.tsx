import { Show } from 'solid-js';
import { applyUpdate, updateReady } from '../pwa/register.ts';
import { runningCount } from '../state/generation.ts';
import { flushAll } from '../state/persist.ts';

/** Reloading stops whatever is generating: ask first when something is. */
async function reload() {
  const n = runningCount();
  if (n > 0 && !confirm(`${n === 1 ? 'A generation is' : `${n} generations are`} still running; reloading stops ${n === 1 ? 'it' : 'them'}. Reload now?`)) return;
  await flushAll();
  applyUpdate();
}

export function UpdateBanner() {
  return (
    <Show when={updateReady()}>
      <div class="update" role="status" data-testid="update-banner">
        <span>A new version of Edgewise is ready.</span>
        <button type="button" onClick={() => void reload()}>Reload</button>
      </div>
    </Show>
  );
}
