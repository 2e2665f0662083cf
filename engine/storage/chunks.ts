// Fixed-size chunk arithmetic shared by the store, the downloader, the importer and the reader.

/** Production chunk size: large enough that IndexedDB overhead is negligible, small enough that
 *  one chunk in flight (plus one being read) keeps the heap far below a phone's limit. */
export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;

export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** [start, end) of chunk `index` in a file of `size` bytes. */
export function chunkRange(index: number, size: number, chunkSize: number): { start: number; end: number } {
  const start = index * chunkSize;
  return { start, end: Math.min(size, start + chunkSize) };
}

/** Bytes held by the first `chunksStored` chunks. */
export function storedBytes(chunksStored: number, size: number, chunkSize: number): number {
  return Math.min(size, chunksStored * chunkSize);
}
