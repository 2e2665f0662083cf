// The model store: one IndexedDB object store (through idb-keyval's custom store) holding
// manifests under ['manifest', id] and chunks under ['chunk', id, index]. Array keys keep a
// model's chunks in one key range, so removing a model is one delete, and a chunk and its manifest
// update go into one transaction (atomic: a failed write, e.g. QuotaExceededError, changes nothing).
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import type { ChunkStore } from '../../engine/storage/chunk-store.ts';
import type { ModelManifest } from '../../engine/storage/manifest.ts';

export const DEFAULT_DB_NAME = 'edgewise-models';

const manifestKey = (id: string): IDBValidKey => ['manifest', id];
const chunkKey = (id: string, index: number): IDBValidKey => ['chunk', id, index];
/** All keys ['manifest', *]: arrays sort after strings, and [] after every string. */
const ALL_MANIFESTS = () => IDBKeyRange.bound(['manifest', ''], ['manifest', []]);
const chunksOf = (id: string) => IDBKeyRange.bound(['chunk', id, 0], ['chunk', id, Infinity]);

export class ModelStore implements ChunkStore {
  private readonly db: UseStore;

  constructor(dbName = DEFAULT_DB_NAME) {
    this.db = createStore(dbName, 'models');
  }

  getManifest(id: string): Promise<ModelManifest | undefined> {
    return this.db('readonly', (s) => promisifyRequest(s.get(manifestKey(id)) as IDBRequest<ModelManifest | undefined>));
  }

  listManifests(): Promise<ModelManifest[]> {
    return this.db('readonly', (s) => promisifyRequest(s.getAll(ALL_MANIFESTS()) as IDBRequest<ModelManifest[]>));
  }

  putManifest(m: ModelManifest): Promise<void> {
    return this.db('readwrite', (s) => {
      s.put(m, manifestKey(m.id));
      return promisifyRequest(s.transaction);
    });
  }

  /** Stores chunk `index` and the manifest that counts it, atomically. `bytes` must be exactly the chunk. */
  putChunk(m: ModelManifest, index: number, bytes: Uint8Array): Promise<void> {
    return this.db('readwrite', (s) => {
      s.put(bytes, chunkKey(m.id, index));
      s.put(m, manifestKey(m.id));
      return promisifyRequest(s.transaction);
    });
  }

  async getChunk(id: string, index: number): Promise<Uint8Array | undefined> {
    return this.db('readonly', (s) => promisifyRequest(s.get(chunkKey(id, index)) as IDBRequest<Uint8Array | undefined>));
  }

  /** Drops every chunk of the model and writes `m` (typically chunksStored 0), atomically. */
  replace(m: ModelManifest): Promise<void> {
    return this.db('readwrite', (s) => {
      s.delete(chunksOf(m.id));
      s.put(m, manifestKey(m.id));
      return promisifyRequest(s.transaction);
    });
  }

  remove(id: string): Promise<void> {
    return this.db('readwrite', (s) => {
      s.delete(chunksOf(id));
      s.delete(manifestKey(id));
      return promisifyRequest(s.transaction);
    });
  }
}
