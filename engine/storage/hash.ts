// SHA-256 of a model's bytes, computed as they are stored. WebCrypto has no incremental digest,
// so @noble/hashes supplies one (pure JS: no WASM for the CSP to allow; about 100 MB/s on one
// core of the build machines). The state lives in memory only: a resume in a new session hashes
// again the chunks already stored, read back from the store, which is simpler than persisting
// the hash state and checks those bytes as they are now.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EdgewiseError } from '../../model/errors.ts';
import type { ChunkStore } from './chunk-store.ts';
import { chunkRange } from './chunks.ts';
import type { ModelManifest } from './manifest.ts';

/** The hash of a model's first `chunks` chunks, extended one stored chunk at a time. */
export class ChunkHash {
  private readonly state = sha256.create();
  private count = 0;

  /** Chunks hashed so far, from chunk 0. */
  get chunks(): number {
    return this.count;
  }

  /** Adds chunk `index`; chunks must come in order, each exactly once. */
  add(index: number, bytes: Uint8Array): void {
    if (index !== this.count) throw new Error(`chunk ${index} hashed out of order (expected ${this.count})`);
    this.state.update(bytes);
    this.count++;
  }

  /** Hex digest of what was added so far; the running state is left as it was. */
  hex(): string {
    return bytesToHex(this.state.clone().digest());
  }
}

/** Hashes the first `m.chunksStored` stored chunks, reading each back from the store. Returns
 *  undefined when one is missing or has the wrong length: the partial copy cannot be trusted. */
export async function hashStored(
  store: ChunkStore, m: ModelManifest, onChunk: (bytesDone: number) => void = () => undefined,
): Promise<ChunkHash | undefined> {
  const hash = new ChunkHash();
  for (let i = 0; i < m.chunksStored; i++) {
    const bytes = await store.getChunk(m.id, i);
    const { start, end } = chunkRange(i, m.sizeBytes, m.chunkSize);
    if (!bytes || bytes.byteLength !== end - start) return undefined;
    hash.add(i, bytes);
    onChunk(end);
  }
  return hash;
}

/** A SHA-256 given by a user or the catalog, as lowercase hex; throws a usage error otherwise. */
export function normalizeSha256(text: string, what: string): string {
  const hex = text.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new EdgewiseError('usage', `${what}: "${text}" is not a SHA-256 (64 hexadecimal digits)`);
  return hex;
}
