// A ByteSource over a stored model's chunks: a read fetches only the chunks it overlaps, and the
// last chunk read is kept so that the many small reads of a header parse or a tensor walk cost one
// IndexedDB get per chunk. At most one chunk (plus the bytes being returned) is held in memory.
import { EdgewiseError } from '../../model/errors.ts';
import type { ByteSource } from '../../model/gguf/types.ts';
import type { ChunkStore } from './chunk-store.ts';
import type { ModelManifest } from './manifest.ts';

export function chunkSource(store: ChunkStore, m: ModelManifest): ByteSource {
  let cached: { index: number; bytes: Uint8Array } | undefined;

  async function chunk(index: number): Promise<Uint8Array> {
    if (cached?.index === index) return cached.bytes;
    const bytes = await store.getChunk(m.id, index);
    const expected = Math.min(m.chunkSize, m.sizeBytes - index * m.chunkSize);
    if (!bytes || bytes.byteLength !== expected) {
      throw new EdgewiseError('gguf-malformed',
        `chunk ${index} of model "${m.name}" is ${bytes ? `${bytes.byteLength} bytes, expected ${expected}` : 'missing'}; remove the model and download it again`);
    }
    cached = { index, bytes };
    return bytes;
  }

  return {
    size: m.sizeBytes,
    async read(offset, length) {
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > m.sizeBytes) {
        throw new RangeError(`read of ${length} bytes at ${offset} is outside a source of ${m.sizeBytes} bytes`);
      }
      const first = Math.floor(offset / m.chunkSize);
      const end = offset + length;
      const firstChunk = await chunk(first);
      const within = offset - first * m.chunkSize;
      if (within + length <= firstChunk.byteLength) return firstChunk.slice(within, within + length);
      const out = new Uint8Array(length);
      for (let at = offset; at < end;) {
        const index = Math.floor(at / m.chunkSize);
        const bytes = await chunk(index);
        const from = at - index * m.chunkSize;
        const n = Math.min(bytes.byteLength - from, end - at);
        out.set(bytes.subarray(from, from + n), at - offset);
        at += n;
      }
      return out;
    },
  };
}
