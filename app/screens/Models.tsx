// Models: the first-run path (WebGPU check, catalog with what fits first, one-click download,
// a URL, a local .gguf) and the manager (stored models, storage, resume/cancel/delete, load).
import { createSignal, For, Show } from 'solid-js';
import type { StoredModel } from '../../engine/api.ts';
import { TransferBar } from '../components/TransferBar.tsx';
import {
  cancelTransfer, downloadModel, importModel, loadModel, models, removeModel, resumeModel,
} from '../state/models.ts';
import { FIT_LABEL, sortByFit } from '../tasks/catalog-fit.ts';
import { modelUrlProblem } from '../tasks/model-url.ts';
import { formatBytes } from '../util/format.ts';

export default function Models() {
  const [url, setUrl] = createSignal('');
  const [urlProblem, setUrlProblem] = createSignal<string>();
  const transfersFor = (key: string) => models.transfers[key];
  const transferOf = (m: StoredModel) => models.transfers[m.id];
  // Transfers with no stored entry or catalog card to show them yet.
  const otherTransfers = () => Object.entries(models.transfers).filter(([k]) => !models.catalog.some((c) => c.id === k) && !models.stored.some((m) => m.id === k));
  const storedById = (id: string) => models.stored.find((m) => m.id === id);

  return (
    <section aria-labelledby="models-title" class="screen">
      <h2 id="models-title">Models</h2>
      <Show when={models.capabilities?.problem}>
        <p role="alert" class="error" data-testid="webgpu-problem">{models.capabilities!.problem}</p>
      </Show>
      <Show when={models.error}><p role="alert" class="error" data-testid="models-error">{models.error}</p></Show>

      <h3>On this device</h3>
      <Show when={models.capabilities?.storage}>
        {(s) => <p class="muted" data-testid="storage">Storage: {formatBytes(s().usage)} used, {formatBytes(Math.max(0, s().quota - s().usage))} free{s().persisted ? ' (kept by the browser)' : ''}</p>}
      </Show>
      <Show when={models.stored.length > 0} fallback={<p>No models stored yet. Pick one below: it downloads once and then works offline.</p>}>
        <ul class="cards" aria-label="Stored models">
          <For each={models.stored}>
            {(m) => (
              <li class="card" data-testid="stored-model">
                <div class="card-head">
                  <strong>{m.name}</strong>
                  <span class="muted">{formatBytes(m.sizeBytes)}{m.architecture ? ` · ${m.architecture}` : ''}{m.contextLength ? ` · ${m.contextLength.toLocaleString('en')} context` : ''}</span>
                </div>
                <Show when={!m.complete}><p class="muted">{formatBytes(m.storedBytes)} of {formatBytes(m.sizeBytes)} stored — download paused</p></Show>
                <Show when={transferOf(m)}>{(t) => <TransferBar name={m.name} progress={t().progress} />}</Show>
                <div class="row">
                  <Show when={m.complete}>
                    <button type="button" onClick={() => void loadModel(m.id)} disabled={!!models.loading}
                      aria-label={`Load ${m.name}`}>{models.loaded?.id === m.id ? 'Loaded' : 'Load'}</button>
                  </Show>
                  <Show when={!m.complete && !transferOf(m) && m.source.kind === 'url'}>
                    <button type="button" onClick={() => void resumeModel(m)} aria-label={`Resume ${m.name}`}>Resume</button>
                  </Show>
                  <Show when={transferOf(m)}>
                    <button type="button" class="secondary" onClick={() => void cancelTransfer(m.id)} aria-label={`Cancel ${m.name}`}>Cancel</button>
                  </Show>
                  <button type="button" class="secondary" onClick={() => { if (confirm(`Delete ${m.name} from this device?`)) void removeModel(m.id); }}
                    aria-label={`Delete ${m.name}`}>Delete</button>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <For each={otherTransfers()}>{([key, t]) => (
        <div class="card"><TransferBar name={t.name} progress={t.progress} />
          <button type="button" class="secondary" onClick={() => void cancelTransfer(key)} aria-label={`Cancel ${t.name}`}>Cancel</button></div>
      )}</For>

      <h3>Get a model</h3>
      <p class="muted">Models that fit this device come first. Sizes are download sizes; each model keeps its own licence.</p>
      <ul class="cards" aria-label="Catalog">
        <For each={sortByFit(models.catalog, models.capabilities)}>
          {({ entry, fit }) => (
            <li class={`card fit-${fit}`} data-testid="catalog-entry">
              <div class="card-head">
                <strong>{entry.name}</strong>
                <span class="muted">{entry.quant} · {formatBytes(entry.sizeBytes)} · licence {entry.license} · {entry.contextLength.toLocaleString('en')} context</span>
              </div>
              <p class={`fit ${fit}`}>{FIT_LABEL[fit]}</p>
              <Show when={entry.notes}><p class="muted">{entry.notes}</p></Show>
              <Show when={transfersFor(entry.id)}>{(t) => <TransferBar name={entry.name} progress={t().progress} />}</Show>
              <Show when={!storedById(entry.id)?.complete}>
                <div class="row">
                  <Show when={!transfersFor(entry.id)} fallback={
                    <button type="button" class="secondary" onClick={() => void cancelTransfer(entry.id)} aria-label={`Cancel ${entry.name}`}>Cancel</button>}>
                    <button type="button" disabled={!entry.supported} onClick={() => void downloadModel(entry)} aria-label={`Download ${entry.name}`}>
                      {storedById(entry.id) ? 'Resume download' : 'Download'}
                    </button>
                  </Show>
                </div>
              </Show>
            </li>
          )}
        </For>
      </ul>

      <h3>From a web address</h3>
      <form class="row" onSubmit={(e) => {
        e.preventDefault();
        const u = url().trim();
        if (!u) return;
        setUrlProblem(modelUrlProblem(u));
        if (!urlProblem()) { setUrl(''); void downloadModel({ url: u }); }
      }}>
        <label for="model-url">Link to a .gguf file</label>
        <input id="model-url" type="url" inputmode="url" placeholder="https://huggingface.co/…/model.gguf" value={url()}
          onInput={(e) => { setUrl(e.currentTarget.value); setUrlProblem(undefined); }} aria-describedby="model-url-problem" />
        <button type="submit" disabled={!url().trim()}>Download</button>
      </form>
      <Show when={urlProblem()}><p role="alert" class="error" id="model-url-problem" data-testid="model-url-problem">{urlProblem()}</p></Show>

      <h3>From this device</h3>
      <div
        class="drop" data-testid="gguf-drop"
        onDragOver={(e) => { e.preventDefault(); }}
        onDrop={(e) => { e.preventDefault(); const f = e.dataTransfer?.files[0]; if (f) void importModel(f); }}
      >
        <p>Drop a .gguf file here, or</p>
        <label class="file-button">
          <span>Open a .gguf file…</span>
          <input type="file" accept=".gguf" data-testid="gguf-file" onChange={(e) => { const f = e.currentTarget.files?.[0]; e.currentTarget.value = ''; if (f) void importModel(f); }} />
        </label>
      </div>
    </section>
  );
}
