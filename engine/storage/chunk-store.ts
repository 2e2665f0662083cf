// The one interface a download, an import and a reader need from a model store. Two
// implementations, one per host: IndexedDB in the browser (worker/storage/store.ts) and a file
// beside its sidecar for the `edgewise pull` command (cli/file-store.ts); the download code
// (engine/storage/download.ts) is the same for both.
import type { ModelManifest } from './manifest.ts';

export interface ChunkStore {
  getManifest(id: string): Promise<ModelManifest | undefined>;
  /** Records `m`. A manifest with `complete: true` publishes the model: only then is it loadable
   *  (the file store moves FILE.part to FILE at this point). */
  putManifest(m: ModelManifest): Promise<void>;
  /** Stores chunk `index` and the manifest that counts it, so that `chunksStored` never runs
   *  ahead of the bytes. `bytes` must be exactly the chunk. A full disk or quota throws an error
   *  that `isQuotaError` recognises, and leaves the earlier chunks as they were. */
  putChunk(m: ModelManifest, index: number, bytes: Uint8Array): Promise<void>;
  getChunk(id: string, index: number): Promise<Uint8Array | undefined>;
  /** Drops every chunk of the model and writes `m` (typically chunksStored 0). */
  replace(m: ModelManifest): Promise<void>;
  remove(id: string): Promise<void>;
}
