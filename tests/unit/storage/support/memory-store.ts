// A ChunkStore in memory, and a wrapper that makes any ChunkStore fail the way a browser or a
// disk does: space running out at chunk k, or the process dying right after chunk k is stored.
import type { ChunkStore } from '../../../../engine/storage/chunk-store.ts';
import type { ModelManifest } from '../../../../engine/storage/manifest.ts';

export class MemoryStore implements ChunkStore {
  readonly manifests = new Map<string, ModelManifest>();
  readonly chunks = new Map<string, Uint8Array>();

  async getManifest(id: string) { return this.manifests.get(id); }
  async putManifest(m: ModelManifest) { this.manifests.set(m.id, m); }
  async putChunk(m: ModelManifest, index: number, bytes: Uint8Array) {
    this.chunks.set(`${m.id}/${index}`, bytes.slice());
    this.manifests.set(m.id, m);
  }
  async getChunk(id: string, index: number) { return this.chunks.get(`${id}/${index}`)?.slice(); }
  async replace(m: ModelManifest) {
    this.dropChunks(m.id);
    this.manifests.set(m.id, m);
  }
  async remove(id: string) {
    this.dropChunks(id);
    this.manifests.delete(id);
  }
  private dropChunks(id: string) {
    for (const k of [...this.chunks.keys()]) if (k.startsWith(`${id}/`)) this.chunks.delete(k);
  }
}

/** The process "dies" here: thrown after a write has been committed. */
export class Killed extends Error {}

export interface StoreFaults {
  /** The put of this chunk index fails for lack of space (once). */
  quotaAtChunk?: number;
  /** The put of this chunk index is committed, then the process dies (once). */
  killAfterChunk?: number;
}

export function withFaults(inner: ChunkStore, faults: StoreFaults): ChunkStore & { readonly fired: string[] } {
  const fired: string[] = [];
  return {
    fired,
    getManifest: (id) => inner.getManifest(id),
    putManifest: (m) => inner.putManifest(m),
    getChunk: (id, i) => inner.getChunk(id, i),
    replace: (m) => inner.replace(m),
    remove: (id) => inner.remove(id),
    async putChunk(m, index, bytes) {
      if (faults.quotaAtChunk === index && !fired.includes('quota')) {
        fired.push('quota');
        throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
      }
      await inner.putChunk(m, index, bytes);
      if (faults.killAfterChunk === index && !fired.includes('kill')) {
        fired.push('kill');
        throw new Killed(`killed after chunk ${index} was stored`);
      }
    },
  };
}
