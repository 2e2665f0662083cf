// What the app knows about models: device capabilities, the catalog, stored models, transfers
// in flight with their progress, and the loaded model. One store; the screens read it and call
// the actions, which talk to the engine. The last loaded model is loaded again on start.
import { createStore, produce } from 'solid-js/store';
import type { Capabilities, CatalogEntry, DownloadLink, FitReport, LoadedModelInfo, LoadProgress, StoredModel, TransferProgress } from '../../engine/api.ts';
import { splitParts } from '../../engine/hub-links.ts';
import { fileNameFromUrl, modelIdForFile, modelIdForUrl } from '../../engine/model-ids.ts';
import { errorMessage } from '../util/format.ts';
import { engine, onDeviceLost } from './engine.ts';
import { settings } from './settings.ts';

export interface ModelsState {
  capabilities?: Capabilities;
  catalog: readonly CatalogEntry[];
  stored: readonly StoredModel[];
  /** Transfers in flight by the model id the worker gives them (engine/model-ids.ts). */
  transfers: Record<string, { name: string; progress?: TransferProgress }>;
  loaded?: LoadedModelInfo;
  loading?: { id: string; progress?: LoadProgress };
  error?: string;
  /** Something the app did by itself that the user should know of (a model loaded again). */
  notice?: string;
  ready: boolean;
  /** Catalog entries checked against this device from their header (engine checkFit), by id. */
  fits: Record<string, { checking?: boolean; report?: FitReport; error?: string }>;
}

const LAST_MODEL_KEY = 'edgewise.lastModel';

const [models, setModels] = createStore<ModelsState>({ catalog: [], stored: [], transfers: {}, ready: false, fits: {} });
export { models };

let started: Promise<void> | undefined;

/** Asks the engine for everything once; loads the model used last time if it is stored. */
export function startModels(): Promise<void> {
  started ??= (async () => {
    try {
      const e = engine();
      const [capabilities, catalog, stored] = await Promise.all([e.capabilities(), e.catalog(), e.models()]);
      setModels({ capabilities, catalog, stored, ready: true });
      const last = localStorage.getItem(LAST_MODEL_KEY);
      if (last && stored.some((m) => m.id === last && m.complete) && capabilities.webgpu) await loadModel(last);
    } catch (e) {
      setModels({ error: errorMessage(e), ready: true });
    }
  })();
  return started;
}

export async function refreshModels(): Promise<void> {
  const e = engine();
  const [stored, capabilities] = await Promise.all([e.models(), e.capabilities()]);
  setModels({ stored, capabilities });
}

// Progress arrives over its own comlink port, so a last report can land after the call has
// returned; it is dropped once the transfer or load is over.
function setProgress(key: string, progress: TransferProgress) {
  if (models.transfers[key]) setModels('transfers', key, 'progress', progress);
}

async function transfer(key: string, name: string, run: (onProgress: (p: TransferProgress) => void) => Promise<StoredModel>): Promise<StoredModel | undefined> {
  setModels(produce((s) => { s.transfers[key] = { name }; s.error = undefined; }));
  try {
    return await run((p) => setProgress(key, p));
  } catch (e) {
    const msg = errorMessage(e);
    if (!/cancel/i.test(msg)) setModels({ error: msg });
    return undefined;
  } finally {
    setModels(produce((s) => { delete s.transfers[key]; }));
    await refreshModels().catch(() => undefined);
  }
}

export function downloadModel(entry: CatalogEntry | DownloadLink): Promise<StoredModel | undefined> {
  // A split model is keyed by its first part, as the engine keys it.
  const key = 'id' in entry ? entry.id : modelIdForUrl(entry.parts?.[0]?.url ?? splitParts(entry.url)?.urls[0] ?? entry.url);
  return transfer(key, entry.name ?? fileNameFromUrl(entry.url), (onProgress) => engine().download(entry, onProgress));
}

/** Reads a catalog model's header (a few Range requests, asked for by the user) and plans it for this device. */
export async function checkCatalogFit(entry: CatalogEntry): Promise<void> {
  setModels('fits', entry.id, { checking: true });
  try {
    const report = await engine().checkFit(entry, { contextLength: settings.contextLength });
    setModels('fits', entry.id, { report });
  } catch (e) {
    setModels('fits', entry.id, { error: errorMessage(e) });
  }
}

/** Resumes a partly stored download (the store keeps its URL). */
export function resumeModel(m: StoredModel): Promise<StoredModel | undefined> {
  if (m.source.kind !== 'url') return Promise.resolve(undefined);
  const entry = models.catalog.find((c) => c.id === m.id);
  return downloadModel(entry ?? { url: m.source.url, name: m.name });
}

export function importModel(file: File): Promise<StoredModel | undefined> {
  return transfer(modelIdForFile(file), file.name, (onProgress) => engine().importFile(file, onProgress));
}

export async function cancelTransfer(id: string): Promise<void> {
  await engine().cancelDownload(id);
}

export async function removeModel(id: string): Promise<void> {
  try {
    await engine().remove(id);
    if (models.loaded?.id === id) setModels({ loaded: undefined });
    if (localStorage.getItem(LAST_MODEL_KEY) === id) localStorage.removeItem(LAST_MODEL_KEY);
  } catch (e) {
    setModels({ error: errorMessage(e) });
  }
  await refreshModels();
}

/** Loads a stored model, at the settings' context unless `contextLength` names another (a long document in one pass). */
export async function loadModel(id: string, contextLength = settings.contextLength): Promise<LoadedModelInfo | undefined> {
  setModels({ loading: { id }, error: undefined, loaded: undefined });
  try {
    const info = await engine().load(id, (progress) => {
      if (models.loading?.id === id) setModels('loading', { id, progress });
    }, { contextLength });
    setModels({ loaded: info });
    localStorage.setItem(LAST_MODEL_KEY, id);
    return info;
  } catch (e) {
    setModels({ error: errorMessage(e) });
    return undefined;
  } finally {
    setModels({ loading: undefined });
  }
}

// The GPU was lost mid-request (driver reset, tab in the background): the engine has dropped the
// model; load it again on a new device, and say so. The request itself failed and can be re-run.
onDeviceLost(() => {
  const id = models.loaded?.id;
  if (!id || models.loading) return;
  const name = storedName(id);
  setModels({ notice: `The GPU was reset; loading ${name} again…` });
  void loadModel(id).then((info) => setModels({
    notice: info ? `The GPU was reset, so ${name} was loaded again. Nothing you wrote was lost; run the last request again.` : undefined,
  }));
});

export function storedName(id: string): string {
  return models.stored.find((m) => m.id === id)?.name ?? id;
}
