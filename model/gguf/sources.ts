// ByteSource implementations that work in the browser and in Node: bytes already in memory, and a
// Blob/File read slice by slice (so a multi-GB file is never whole in JS memory).
import type { ByteSource } from './types.ts';

function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`read of ${length} bytes at ${offset} is outside a source of ${size} bytes`);
  }
}

/** A view of bytes already in memory; reads return subarrays, not copies. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(offset, length) {
      checkRange(bytes.length, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A Blob or File, read with Blob.slice so only the requested range is materialized. */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    async read(offset, length) {
      checkRange(blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}
