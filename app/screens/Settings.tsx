// Settings: sampling, context size, system prompt, theme, and what this device offers.
import { For, Show } from 'solid-js';
import { models } from '../state/models.ts';
import { formatBytes } from '../util/format.ts';
import { DEFAULT_SETTINGS, resetSettings, settings, updateSettings, type Settings, type Theme } from '../state/settings.ts';

type NumberKey = { [K in keyof Settings]: Settings[K] extends number ? K : never }[keyof Settings];

const NUMBERS: readonly { key: NumberKey; label: string; min: number; max: number; step: number; hint: string }[] = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.05, hint: '0 always picks the most likely token' },
  { key: 'topK', label: 'Top-k', min: 1, max: 200, step: 1, hint: 'consider only the k most likely tokens' },
  { key: 'topP', label: 'Top-p', min: 0, max: 1, step: 0.01, hint: 'smallest set of tokens with this total probability' },
  { key: 'minP', label: 'Min-p', min: 0, max: 1, step: 0.01, hint: 'drop tokens less likely than this times the best' },
  { key: 'repetitionPenalty', label: 'Repetition penalty', min: 1, max: 2, step: 0.01, hint: '1 is off' },
  { key: 'maxTokens', label: 'Max tokens', min: 1, max: 32768, step: 1, hint: 'longest answer' },
  { key: 'maxReasoningTokens', label: 'Max reasoning tokens', min: 16, max: 32768, step: 1, hint: 'how long a reasoning model may think first; not counted in the answer' },
  { key: 'contextLength', label: 'Context size (tokens)', min: 256, max: 262144, step: 256, hint: 'applies when a model is loaded; more uses more GPU memory' },
];

export default function SettingsScreen() {
  const caps = () => models.capabilities;
  return (
    <section aria-labelledby="settings-title" class="screen">
      <h2 id="settings-title">Settings</h2>
      <form class="settings" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Generation</legend>
          <div class="grid">
            <For each={NUMBERS}>
              {(n) => (
                <div>
                  <label for={`set-${n.key}`}>{n.label}</label>
                  <input id={`set-${n.key}`} type="number" min={n.min} max={n.max} step={n.step} value={settings[n.key]}
                    aria-describedby={`hint-${n.key}`}
                    onChange={(e) => {
                      const v = Number(e.currentTarget.value);
                      updateSettings({ [n.key]: Number.isFinite(v) ? Math.min(n.max, Math.max(n.min, v)) : DEFAULT_SETTINGS[n.key] } as Partial<Settings>);
                    }} />
                  <small id={`hint-${n.key}`} class="muted">{n.hint}</small>
                </div>
              )}
            </For>
          </div>
          <div class="row">
            <input id="set-seed-random" type="checkbox" checked={settings.seed === 'random'}
              onChange={(e) => updateSettings({ seed: e.currentTarget.checked ? 'random' : 0 })} />
            <label for="set-seed-random">Random seed (Regenerate gives a new answer)</label>
          </div>
          <Show when={settings.seed !== 'random'}>
            <label for="set-seed">Seed</label>
            <input id="set-seed" type="number" min="0" max={2 ** 31 - 1} step="1" value={settings.seed} aria-describedby="hint-seed"
              onChange={(e) => {
                const v = Math.floor(Number(e.currentTarget.value));
                updateSettings({ seed: Number.isFinite(v) ? Math.min(2 ** 31 - 1, Math.max(0, v)) : 0 });
              }} />
            <small id="hint-seed" class="muted">same seed, same settings, same text</small>
          </Show>
          <label for="set-system">System prompt (chat)</label>
          <textarea id="set-system" class="short" value={settings.systemPrompt} onChange={(e) => updateSettings({ systemPrompt: e.currentTarget.value })} />
        </fieldset>
        <fieldset>
          <legend>Appearance</legend>
          <label for="set-theme">Theme</label>
          <select id="set-theme" onChange={(e) => updateSettings({ theme: e.currentTarget.value as Theme })}>
            <For each={['system', 'light', 'dark'] as const}>{(t) => <option value={t} selected={settings.theme === t}>{t[0].toUpperCase() + t.slice(1)}</option>}</For>
          </select>
        </fieldset>
        <button type="button" class="secondary" onClick={() => resetSettings()}>Reset to defaults</button>
      </form>
      <h3>This device</h3>
      <Show when={caps()} fallback={<p>Checking…</p>}>
        {(c) => (
          <dl class="device" data-testid="device-info">
            <dt>WebGPU</dt><dd>{c().webgpu ? 'available' : c().problem ?? 'not available'}</dd>
            <Show when={c().adapter}>{(a) => <><dt>Adapter</dt><dd>{[a().vendor, a().architecture, a().device, a().description].filter(Boolean).join(' · ') || 'unnamed'}</dd></>}</Show>
            <dt>Features</dt><dd>shader-f16: {c().features.f16 ? 'yes' : 'no'} · subgroups: {c().features.subgroups ? 'yes' : 'no'}</dd>
            <Show when={c().limits}>{(l) => <><dt>Limits</dt><dd>max buffer {formatBytes(l().maxBufferSize)} · max storage binding {formatBytes(l().maxStorageBufferBindingSize)}</dd></>}</Show>
            <Show when={c().deviceMemoryGiB}><dt>Memory</dt><dd>{c().deviceMemoryGiB} GiB (as the browser reports it)</dd></Show>
          </dl>
        )}
      </Show>
    </section>
  );
}
