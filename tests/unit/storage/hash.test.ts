import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../engine/sampler.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { chunkCount, chunkRange } from '../../../engine/storage/chunks.ts';
import { formatBytes, oneLine } from '../../../engine/storage/format.ts';
import { ChunkHash, hashStored, normalizeSha256 } from '../../../engine/storage/hash.ts';
import type { ModelManifest } from '../../../engine/storage/manifest.ts';
import { isQuotaError, quotaError } from '../../../engine/storage/quota.ts';
import { MemoryStore } from './support/memory-store.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function bytes(n: number, seed: number): Uint8Array {
  const r = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

describe('ChunkHash', () => {
  it('gives node:crypto\'s SHA-256 over chunks of odd sizes, and a digest mid-way leaves the state alone', () => {
    for (const [size, chunk] of [[0, 64], [1, 64], [1000, 64], [4097, 4096], [10_000, 333]]) {
      const data = bytes(size, size);
      const h = new ChunkHash();
      for (let i = 0; i < chunkCount(size, chunk); i++) {
        const { start, end } = chunkRange(i, size, chunk);
        h.add(i, data.subarray(start, end));
        expect(h.hex()).toBe(sha(data.subarray(0, end)));
      }
      expect(h.hex()).toBe(sha(data));
    }
  });
  it('refuses chunks out of order', () => {
    const h = new ChunkHash();
    expect(() => h.add(1, new Uint8Array(1))).toThrow(/out of order/);
  });
  it('re-hashes stored chunks, and refuses a missing or short one', async () => {
    const data = bytes(10_000, 7);
    const store = new MemoryStore();
    const m = { id: 'm', sizeBytes: data.byteLength, chunkSize: 4096, chunkCount: 3, chunksStored: 3 } as ModelManifest;
    for (let i = 0; i < 3; i++) {
      const { start, end } = chunkRange(i, data.byteLength, 4096);
      await store.putChunk(m, i, data.subarray(start, end));
    }
    expect((await hashStored(store, m))!.hex()).toBe(sha(data));
    expect((await hashStored(store, { ...m, chunksStored: 2 }))!.hex()).toBe(sha(data.subarray(0, 8192)));
    store.chunks.set('m/1', new Uint8Array(10));
    expect(await hashStored(store, m)).toBeUndefined();
    store.chunks.delete('m/1');
    expect(await hashStored(store, m)).toBeUndefined();
  });
  it('takes a SHA-256 in any case and refuses anything else', () => {
    expect(normalizeSha256(` ${'AB'.repeat(32)} `, 'x')).toBe('ab'.repeat(32));
    expect(() => normalizeSha256('abc', '--sha256')).toThrow(EdgewiseError);
    expect(() => normalizeSha256('g'.repeat(64), '--sha256')).toThrow(/64 hexadecimal digits/);
  });
});

describe('storage errors', () => {
  it('a quota error mid-download names the bytes still needed and that the partial is kept', () => {
    const e = quotaError('big.gguf', 700_000, 2_000_000, 'kept');
    expect(e.code).toBe('storage-quota');
    expect(e.message).toContain(`needs ${formatBytes(1_300_000)} more`);
    expect(e.message).toMatch(/kept and the download resumes once space is freed/);
  });
  it('a full disk counts as a quota error, as IndexedDB\'s QuotaExceededError does', () => {
    expect(isQuotaError(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(true);
    expect(isQuotaError(new DOMException('full', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(new Error('other'))).toBe(false);
  });
  it('oneLine keeps a parser message with raw file bytes on one short line', () => {
    const text = oneLine(`tensor "a\nb\u0000c${'x'.repeat(500)}"`);
    expect(text).not.toMatch(/[\n\u0000]/);
    expect(text.length).toBeLessThanOrEqual(200);
  });
});
