// The model a task screen will use: the loaded one, or a choice of stored ones to load, or a
// pointer to the Models screen on first run.
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { loadModel, models, storedName } from '../state/models.ts';

export function ModelBar() {
  const complete = () => models.stored.filter((m) => m.complete);
  const [choice, setChoice] = createSignal<string>();
  const selected = () => choice() ?? complete()[0]?.id;
  return (
    <section class="model-bar" aria-label="Model" data-testid="model-bar">
      <Switch>
        <Match when={models.loading}>
          {(l) => (
            <p aria-live="polite">
              Loading {storedName(l().id)}…
              <Show when={l().progress}>{(p) => <> {p().phase} <progress max={p().total || 1} value={p().done} aria-label="Loading progress" /></>}</Show>
            </p>
          )}
        </Match>
        <Match when={models.loaded}>
          {(m) => <p data-testid="loaded-model">Model: <strong>{storedName(m().id)}</strong> · {m().architecture} · context {m().contextLength.toLocaleString('en')} tokens</p>}
        </Match>
        <Match when={models.ready && complete().length === 0}>
          <p>No model yet. <a href="#/models">Get one on the Models screen</a> — it downloads once and then works offline.</p>
        </Match>
        <Match when={complete().length > 0}>
          <div class="row">
            <label for="model-choice">Model</label>
            <select id="model-choice" onChange={(e) => setChoice(e.currentTarget.value)}>
              <For each={complete()}>{(m) => <option value={m.id} selected={m.id === selected()}>{m.name}</option>}</For>
            </select>
            <button type="button" onClick={() => { const id = selected(); if (id) void loadModel(id); }}>Load</button>
          </div>
        </Match>
      </Switch>
      <Show when={models.notice}><p role="status" class="notice" data-testid="model-notice">{models.notice}</p></Show>
      <Show when={models.error}><p role="alert" class="error" data-testid="model-error">{models.error}</p></Show>
    </section>
  );
}
