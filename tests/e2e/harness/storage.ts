// Test-only page that drives the model store in real Chromium. Playwright calls `window.harness`
// through page.evaluate; results are plain data (errors as {code, message}) so they cross back.
// The in-page engine uses small chunks (?chunk=N) and a fast retry; `via: 'worker'` goes through
// the real engine worker over comlink instead. The ModelRuntime here is a stub that only reads:
// it hashes every tensor's bytes through the chunk-backed ByteSource it is handed.
import type { EngineApi, LoadProgress, TransferProgress } from '../../../engine/api.ts';
import { connectEngine } from '../../../worker/client.ts';
import { createEngine } from '../../../worker/engine.ts';
import { serializeError } from '../../../worker/errors.ts';
import type { ModelRuntime } from '../../../engine/backend.ts';
import { chunkSource } from '../../../engine/storage/chunk-source.ts';
import type { ModelManifest } from '../../../engine/storage/manifest.ts';
import { ModelStore } from '../../../worker/storage/store.ts';

const params = new URLSearchParams(location.search);
const chunkSize = Number(params.get('chunk') ?? 65536);

async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.byteLength; }
  const digest = await crypto.subtle.digest('SHA-256', all);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const loads: { tensorsSha256: string; tensorCount: number; sourceSize: number }[] = [];
const stubRuntime: ModelRuntime = {
  async load(source, file, onProgress, options) {
    const parts: Uint8Array[] = [];
    for (const [i, t] of file.tensors.entries()) {
      parts.push(await source.read(t.offset, t.byteSize));
      onProgress({ phase: 'upload', done: i + 1, total: file.tensors.length });
    }
    loads.push({ tensorsSha256: await sha256Hex(parts), tensorCount: file.tensors.length, sourceSize: source.size });
    const arch = String(file.metadata.get('general.architecture'));
    return { id: options.id, architecture: arch, contextLength: Number(file.metadata.get(`${arch}.context_length`)), vocabSize: 0 };
  },
  async generate() { throw new Error('the stub runtime does not generate'); },
  async countTokens(text) { return text.length; },
  async planDocument() { throw new Error('the stub runtime does not plan documents'); },
  abort() {},
  unload() {},
};

const pageEngine = createEngine({ chunkSize, runtime: stubRuntime, retry: { attempts: 40, baseDelayMs: 5, maxDelayMs: 50 } });
const bareEngine = createEngine({ chunkSize });
let workerEngine: EngineApi | undefined;
const engines = {
  page: () => pageEngine,
  bare: () => bareEngine,
  worker: () => (workerEngine ??= connectEngine().engine),
};
type Via = keyof typeof engines;

type Outcome<T> = { ok: true; value: T; progress: TransferProgress[] | LoadProgress[] } | { ok: false; error: { code: string; message: string; isEdgewiseError: boolean }; progress: unknown[] };

async function outcome<T>(run: (progress: (p: unknown) => void) => Promise<T>): Promise<Outcome<T>> {
  const progress: unknown[] = [];
  try {
    const value = await run((p) => progress.push(p));
    return { ok: true, value, progress: progress as TransferProgress[] };
  } catch (e) {
    return { ok: false, error: { ...serializeError(e), isEdgewiseError: (e as Error)?.name === 'EdgewiseError' }, progress };
  }
}

const running = new Map<string, Promise<Outcome<unknown>>>();
const live = new Map<string, TransferProgress[]>();
const store = new ModelStore();

const harness = {
  download(url: string, via: Via = 'page', name?: string, sha256?: string) {
    return outcome((p) => engines[via]().download({ url, name, sha256 }, p));
  },
  downloadEntry(entry: Parameters<EngineApi['download']>[0], via: Via = 'page') {
    return outcome((p) => engines[via]().download(entry, p));
  },
  /** Starts a download and returns at once; `wait(key)` gets its outcome, `progressOf(key)` what it reported so far. */
  start(key: string, url: string, via: Via = 'page') {
    const seen: TransferProgress[] = [];
    live.set(key, seen);
    running.set(key, outcome((p) => engines[via]().download({ url }, (x) => { seen.push(x); p(x); })));
  },
  progressOf: (key: string) => live.get(key) ?? [],
  wait: (key: string) => running.get(key)!,
  cancel: (id: string, via: Via = 'page') => engines[via]().cancelDownload(id),
  models: (via: Via = 'page') => engines[via]().models(),
  catalog: (via: Via = 'page') => engines[via]().catalog(),
  remove: (id: string, via: Via = 'page') => outcome(() => engines[via]().remove(id)),
  load: (id: string, via: Via = 'page') => outcome((p) => engines[via]().load(id, p)),
  generate: (via: Via = 'page') => outcome(() => engines[via]().generate({ prompt: 'hi' }, () => undefined)),
  capabilities: (via: Via = 'page') => engines[via]().capabilities(),
  loads: () => loads,
  async estimate() {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  },
  /** SHA-256 of the stored bytes of a model, read back through the chunk source. */
  async storedSha256(id: string): Promise<string> {
    const m = await store.getManifest(id);
    if (!m) throw new Error(`no manifest for ${id}`);
    const src = chunkSource(store, m);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < m.sizeBytes; at += m.chunkSize) parts.push(await src.read(at, Math.min(m.chunkSize, m.sizeBytes - at)));
    return sha256Hex(parts);
  },
  manifest: (id: string) => store.getManifest(id),
  putManifest: (m: ModelManifest) => store.putManifest(m),
  importResult: undefined as Promise<Outcome<unknown>> | undefined,
};

document.querySelector<HTMLInputElement>('#pick')!.addEventListener('change', (ev) => {
  const file = (ev.target as HTMLInputElement).files![0];
  harness.importResult = outcome((p) => pageEngine.importFile(file, p));
});

declare global {
  interface Window { harness: typeof harness }
}
window.harness = harness;
document.body.dataset.ready = 'true';
