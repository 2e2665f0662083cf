// Models: the first-run path (WebGPU check, catalog with what fits first, one-click download,
// a URL, a local .gguf) and the manager (stored models, storage, resume/cancel/delete, load).
import { createSignal, For, Show } from 'solid-js';
import type { StoredModel } from '../../engine/api.ts';
import { TransferBar } from '../components/TransferBar.tsx';
import { clearLink, downloadPending, fitText, link, pickChoice, submitLink } from '../state/model-link.ts';
import {
  cancelTransfer, checkCatalogFit, downloadModel, importModel, loadModel, models, removeModel, resumeModel,
} from '../state/models.ts';
import { fitLabel, sortByFit } from '../tasks/catalog-fit.ts';
import { formatBytes } from '../util/format.ts';

export default function Models() {
  const [url, setUrl] = createSignal('');
  const noWebGpu = () => models.capabilities !== undefined && !models.capabilities.webgpu;
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
                  <span class="muted">{formatBytes(m.sizeBytes)}{m.parts ? ` in ${m.parts} parts` : ''}{m.architecture ? ` · ${m.architecture}` : ''}{m.contextLength ? ` · ${m.contextLength.toLocaleString('en')} context` : ''}</span>
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
      <p class="muted">Models that fit this device come first. Sizes are download sizes; each model keeps its own licence.
        "Check fit" reads the model's header from Hugging Face and plans it for this GPU at your context length.</p>
      <Show when={noWebGpu()}><p class="warning" data-testid="download-warning">Without WebGPU a model can be downloaded and kept, but it will not run in this browser.</p></Show>
      <ul class="cards" aria-label="Catalog">
        <For each={sortByFit(models.catalog, models.capabilities)}>
          {({ entry, fit }) => (
            <li class={`card fit-${fit}`} data-testid="catalog-entry">
              <div class="card-head">
                <strong>{entry.name}</strong>
                <span class="muted">{entry.quant} · {formatBytes(entry.sizeBytes)} · licence {entry.license} · {entry.contextLength.toLocaleString('en')} context</span>
              </div>
              <Show when={models.fits[entry.id]?.report} fallback={
                <p class={`fit ${fit}`} data-testid="fit">{fitLabel(entry, fit, models.capabilities, formatBytes)}{fit === 'fits' || fit === 'tight' || fit === 'too-big' ? ' (estimate)' : ''}</p>}>
                {(r) => <p class={`fit ${r().verdict}`} data-testid="fit" title={r().reason}>{fitText(r())} <span class="muted">— {r().reason}</span></p>}
              </Show>
              <Show when={models.fits[entry.id]?.error}><p class="error" role="alert">{models.fits[entry.id]!.error}</p></Show>
              <Show when={entry.notes}><p class="muted">{entry.notes}</p></Show>
              <Show when={transfersFor(entry.id)}>{(t) => <TransferBar name={entry.name} progress={t().progress} />}</Show>
              <Show when={!storedById(entry.id)?.complete}>
                <div class="row">
                  <Show when={!transfersFor(entry.id)} fallback={
                    <button type="button" class="secondary" onClick={() => void cancelTransfer(entry.id)} aria-label={`Cancel ${entry.name}`}>Cancel</button>}>
                    <button type="button" disabled={!entry.supported} onClick={() => void downloadModel(entry)} aria-label={`Download ${entry.name}`}>
                      {storedById(entry.id) ? 'Resume download' : noWebGpu() ? 'Download anyway' : 'Download'}
                    </button>
                    <Show when={entry.supported && !noWebGpu() && !models.fits[entry.id]?.report}>
                      <button type="button" class="secondary" disabled={models.fits[entry.id]?.checking} onClick={() => void checkCatalogFit(entry)}
                        aria-label={`Check whether ${entry.name} fits`}>{models.fits[entry.id]?.checking ? 'Checking…' : 'Check fit'}</button>
                    </Show>
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
        void submitLink(u).then(() => { if (!link.problem && !link.pending && !link.repo) setUrl(''); });
      }}>
        <label for="model-url">Link to a .gguf file</label>
        <input id="model-url" type="url" inputmode="url" placeholder="https://huggingface.co/owner/model-GGUF" value={url()}
          onInput={(e) => { setUrl(e.currentTarget.value); clearLink(); }} aria-describedby="model-url-hint model-url-problem" />
        <button type="submit" disabled={!url().trim() || !!link.busy}>Download</button>
      </form>
      <p class="muted" id="model-url-hint">A Hugging Face file link (page or download) or a repository link, whose .gguf files are then listed.</p>
      <Show when={link.busy}><p role="status" data-testid="model-link-busy">{link.busy}</p></Show>
      <Show when={link.problem}><p role="alert" class="error" id="model-url-problem" data-testid="model-url-problem">{link.problem}</p></Show>
      <Show when={link.pending}>{(p) => (
        <div class="card" data-testid="model-link-fit">
          <p class={`fit ${p().fit.verdict}`} role="alert">{p().target.name}: {fitText(p().fit)}. <span class="muted">{p().fit.reason}</span></p>
          <Show when={p().fit.verdict !== 'unsupported'}>
            <div class="row">
              <button type="button" onClick={() => void downloadPending()}>Download anyway</button>
              <button type="button" class="secondary" onClick={() => clearLink()}>Don't download</button>
            </div>
          </Show>
        </div>
      )}</Show>
      <Show when={link.repo}>{(r) => (
        <fieldset class="card" data-testid="repo-files">
          <legend>.gguf files in {r().repo}{r().revision !== 'main' ? ` (${r().revision})` : ''}</legend>
          <ul class="choices">
            <For each={r().choices}>{(c) => (
              <li>
                <button type="button" class={c.suggested ? '' : 'secondary'} disabled={!!link.busy} onClick={() => void pickChoice(c)}
                  aria-label={`Download ${c.name}, ${formatBytes(c.sizeBytes)}${c.suggested ? ', suggested' : ''}`}>
                  {c.name}
                </button>
                <span class="muted"> {formatBytes(c.sizeBytes)}{c.parts.length > 1 ? ` in ${c.parts.length} parts` : ''}{c.suggested ? ' · suggested' : ''}</span>
              </li>
            )}</For>
          </ul>
          <p class="muted">Each file is checked against this device from its header before it downloads.</p>
        </fieldset>
      )}</Show>

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
