// The EngineApi implementation, usable in-page (tests) or behind comlink (engine.worker.ts).
// It owns the model store and the downloads in flight; inference is delegated to an injected
// ModelRuntime, which gets a stored model as a chunk-backed ByteSource and its parsed header.
import { EdgewiseError } from '../model/errors.ts';
import { readGguf } from '../model/gguf/reader.ts';
import type {
  Capabilities, CatalogEntry, DownloadLink, EngineApi, FitReport, FitTarget, GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress, StoredModel, TransferProgress,
} from '../engine/api.ts';
import { checkArchitecture } from '../engine/architectures.ts';
import { probeCapabilities } from './capabilities.ts';
import { fitOf } from '../gpu/fit.ts';
import { memoryBudgetBytes } from '../gpu/memory-budget.ts';
import { HUB_BASE, splitParts } from '../engine/hub-links.ts';
import { listHubGgufs } from '../engine/storage/hub.ts';
import { openHttpFile } from '../engine/storage/http-source.ts';
import { joinSplitParts } from '../model/gguf/split.ts';
import { CATALOG } from './catalog.ts';
import type { ModelRuntime } from '../engine/backend.ts';
import { chunkSource } from '../engine/storage/chunk-source.ts';
import { DEFAULT_CHUNK_SIZE, storedBytes } from '../engine/storage/chunks.ts';
import { DEFAULT_RETRY, downloadModel, type RetryPolicy } from '../engine/storage/download.ts';
import { percent } from '../engine/storage/format.ts';
import { normalizeSha256 } from '../engine/storage/hash.ts';
import type { Fetch } from '../engine/storage/http.ts';
import { fileNameFromUrl, modelIdForFile, modelIdForUrl } from '../engine/model-ids.ts';
import { importModelFile } from './storage/import.ts';
import { toStoredModel } from '../engine/storage/manifest.ts';
import { downloadSplit, openSplit, partsOf, storedModels } from '../engine/storage/split.ts';
import type { StorageAccess } from '../engine/storage/quota.ts';
import { ModelStore } from './storage/store.ts';

export interface EngineOptions {
  /** The inference runtime; without one, load() validates the stored model and then refuses. */
  readonly runtime?: ModelRuntime;
  /** Bytes per stored chunk (default 32 MiB); tests use small chunks. */
  readonly chunkSize?: number;
  readonly dbName?: string;
  readonly fetch?: Fetch;
  readonly retry?: RetryPolicy;
  readonly storage?: StorageAccess;
  /** The Hugging Face origin repository listings go to (tests point it at a loopback server). */
  readonly hubBase?: string;
  /** This device's capabilities (default: probed from navigator); tests give an adapter's. */
  readonly capabilities?: () => Promise<Capabilities>;
}

export interface Engine extends EngineApi {
  setRuntime(runtime: ModelRuntime | undefined): void;
}

const noRuntime = () => new EdgewiseError('usage',
  'this build of Edgewise has no inference engine installed, so models can be stored but not run');

/** The parts of a split GGUF a link names (any one part's link names them all), or undefined. */
function splitTarget(link: DownloadLink): { id: string; parts: NonNullable<DownloadLink['parts']> } | undefined {
  const urls = link.parts?.map((p) => p.url) ?? splitParts(link.url)?.urls;
  if (!urls || urls.length < 2) return undefined;
  return { id: modelIdForUrl(urls[0]), parts: link.parts ?? urls.map((url) => ({ url })) };
}

export function createEngine(options: EngineOptions = {}): Engine {
  const store = new ModelStore(options.dbName);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const storage = options.storage ?? (typeof navigator !== 'undefined' ? navigator.storage : undefined);
  const fetchFn: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = () => performance.now();
  const transfers = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  let runtime = options.runtime;
  const probeCaps = options.capabilities ?? probeCapabilities;
  let loaded: LoadedModelInfo | undefined;

  async function track<T>(id: string, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (transfers.has(id)) throw new EdgewiseError('usage', `${what} is already being fetched; wait for it or cancel it`);
    const controller = new AbortController();
    const done = run(controller.signal);
    transfers.set(id, { controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      transfers.delete(id);
    }
  }

  function requireLoaded(): ModelRuntime {
    if (!runtime) throw noRuntime();
    if (!loaded) throw new EdgewiseError('usage', 'no model is loaded; load one first');
    return runtime;
  }

  return {
    setRuntime(r) {
      runtime = r;
      loaded = undefined;
    },

    capabilities: () => probeCaps(),

    async checkFit(target: FitTarget, fitOptions?: { contextLength?: number }): Promise<FitReport> {
      const caps = await probeCaps();
      if (!caps.webgpu || !caps.limits) {
        return { verdict: 'needs-webgpu', reason: caps.problem ?? 'this browser offers no WebGPU, so no model can run here' };
      }
      if ('id' in target && !target.supported) {
        return { verdict: 'unsupported', reason: `${target.name}: the engine does not run the ${target.architecture} architecture yet` };
      }
      const urls = 'id' in target ? [target.url] : target.parts && target.parts.length > 0 ? target.parts : [target.url];
      const parts = await Promise.all(urls.map(async (u) => {
        const { source } = await openHttpFile(fetchFn, u);
        return { source, file: await readGguf(source) };
      }));
      const { file } = joinSplitParts(parts, fileNameFromUrl(urls[0]));
      return fitOf(file, {
        contextLength: fitOptions?.contextLength, limits: caps.limits, f16: caps.features.f16,
        memoryBudgetBytes: memoryBudgetBytes(caps.deviceMemoryGiB),
      });
    },

    listRepository: (repo: string, revision = 'main') => listHubGgufs(fetchFn, options.hubBase ?? HUB_BASE, repo, revision),

    catalog: async () => CATALOG,

    async models(): Promise<readonly StoredModel[]> {
      return storedModels(await store.listManifests());
    },

    async download(entry: CatalogEntry | DownloadLink, onProgress: (p: TransferProgress) => void): Promise<StoredModel> {
      let url: URL;
      try {
        url = new URL(entry.url);
      } catch {
        throw new EdgewiseError('usage', `"${entry.url}" is not a web address; paste the link to a .gguf file`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new EdgewiseError('usage', `${entry.url} is not an http(s) address; paste the link to a .gguf file`);
      }
      const fromCatalog = 'id' in entry;
      if (fromCatalog && !entry.supported) checkArchitecture(entry.architecture, entry.name);
      const id = fromCatalog ? entry.id : modelIdForUrl(entry.url);
      const name = (fromCatalog ? entry.name : entry.name) ?? fileNameFromUrl(entry.url);
      const sha256 = entry.sha256 === undefined ? undefined : normalizeSha256(entry.sha256, name);
      const ctx = { store, fetch: fetchFn, chunkSize, storage, retry: options.retry ?? DEFAULT_RETRY, now };
      const split = fromCatalog ? undefined : splitTarget(entry);
      if (split) {
        const first = entry.name ?? fileNameFromUrl(split.parts[0].url);
        return track(split.id, first, (signal) => downloadSplit(ctx, { ...split, name: first }, signal, onProgress));
      }
      const m = await track(id, name, (signal) => downloadModel(ctx, { id, name, url: entry.url, sha256 }, signal, onProgress));
      return toStoredModel(m);
    },

    async cancelDownload(id: string): Promise<void> {
      const t = transfers.get(id);
      if (!t) return;
      t.controller.abort();
      await t.done;
    },

    async importFile(file: File, onProgress: (p: TransferProgress) => void): Promise<StoredModel> {
      const m = await track(modelIdForFile(file), file.name,
        (signal) => importModelFile({ store, chunkSize, storage, now }, file, signal, onProgress));
      return toStoredModel(m);
    },

    async remove(id: string): Promise<void> {
      const t = transfers.get(id);
      if (t) {
        t.controller.abort();
        await t.done;
      }
      if (loaded?.id === id) loaded = undefined;
      await store.remove(id);
      for (const part of partsOf(await store.listManifests(), id)) await store.remove(part.id);
    },

    async load(id: string, onProgress: (p: LoadProgress) => void, loadOptions?: { contextLength?: number }): Promise<LoadedModelInfo> {
      const stored = await store.getManifest(id);
      onProgress({ phase: 'read', done: 0, total: 1 });
      const split = stored ? undefined : await openSplit(store, await store.listManifests(), id);
      const m = stored ?? split?.first;
      if (!m) throw new EdgewiseError('usage', `no stored model "${id}"; download or import it first`);
      if (m.part && !split) throw new EdgewiseError('usage', `${m.name} is one part of a split model; load the model, not its part`);
      if (!m.complete) {
        throw new EdgewiseError('usage',
          `${m.name} is only ${percent(storedBytes(m.chunksStored, m.sizeBytes, m.chunkSize), m.sizeBytes)} stored; finish its download before loading it`);
      }
      const source = split?.source ?? chunkSource(store, m);
      const file = split?.file ?? await readGguf(source);
      onProgress({ phase: 'read', done: 1, total: 1 });
      checkArchitecture(m.summary.architecture, m.name);
      if (!runtime) throw noRuntime();
      loaded = undefined;
      loaded = await runtime.load(source, file, onProgress, { id, contextLength: loadOptions?.contextLength });
      return loaded;
    },

    async countTokens(text: string): Promise<number> {
      return requireLoaded().countTokens(text);
    },

    async planDocument(tokens: number) {
      return requireLoaded().planDocument(tokens);
    },

    async generate(request: GenerateRequest, onToken: (text: string) => void): Promise<GenerateResult> {
      try {
        return await requireLoaded().generate(request, onToken);
      } catch (e) {
        // The runtime dropped the model with its device; the app loads it again (app/state/models.ts).
        if (e instanceof EdgewiseError && e.code === 'device-lost') loaded = undefined;
        throw e;
      }
    },

    async abort(sequence?: string): Promise<void> {
      runtime?.abort(sequence);
    },
  };
}

