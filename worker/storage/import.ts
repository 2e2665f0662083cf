// Import of a local .gguf (file picker or drag and drop): the same header checks as a download,
// then the file is streamed through Blob.slice, one chunk in memory at a time, and hashed on the
// way so that the manifest records its SHA-256. An import that fails part-way is removed (the
// file must be picked again anyway), never left half-loadable.
import { EdgewiseError } from '../../model/errors.ts';
import { blobSource } from '../../model/gguf/sources.ts';
import type { TransferProgress } from '../../engine/api.ts';
import { modelIdForFile } from '../../engine/model-ids.ts';
import type { ChunkStore } from '../../engine/storage/chunk-store.ts';
import { chunkCount, chunkRange } from '../../engine/storage/chunks.ts';
import { ChunkHash } from '../../engine/storage/hash.ts';
import type { ModelManifest } from '../../engine/storage/manifest.ts';
import { ProgressMeter, throttled } from '../../engine/storage/progress.ts';
import { checkSpace, isQuotaError, quotaError, requestPersistence, type StorageAccess } from '../../engine/storage/quota.ts';
import { validateGguf } from '../../engine/storage/validate.ts';
import { verifyStored } from '../../engine/storage/verify.ts';

export interface ImportContext {
  readonly store: ChunkStore;
  readonly chunkSize: number;
  readonly storage: StorageAccess | undefined;
  readonly now: () => number;
}

export async function importModelFile(
  ctx: ImportContext, file: File, signal: AbortSignal, onProgress: (p: TransferProgress) => void,
): Promise<ModelManifest> {
  if (!/\.gguf$/i.test(file.name)) {
    throw new EdgewiseError('usage', `${file.name} is not a .gguf file; Edgewise imports GGUF models (llama.cpp, Ollama, LM Studio)`);
  }
  const id = modelIdForFile(file);
  const existing = await ctx.store.getManifest(id);
  if (existing?.complete) return existing;

  const emit = throttled(onProgress, ctx.now);
  emit(new ProgressMeter('header', file.size).update(0, ctx.now()), true);
  const { summary } = await validateGguf(blobSource(file), file.name);
  await checkSpace(ctx.storage, file.size, file.name);
  await requestPersistence(ctx.storage);

  const now = Date.now();
  let m: ModelManifest = {
    id,
    name: file.name,
    source: { kind: 'file', fileName: file.name, lastModified: file.lastModified },
    sizeBytes: file.size,
    validators: {},
    chunkSize: ctx.chunkSize,
    chunkCount: chunkCount(file.size, ctx.chunkSize),
    chunksStored: 0,
    complete: false,
    summary,
    createdAt: now,
    updatedAt: now,
  };
  const meter = new ProgressMeter('import', file.size);
  const hash = new ChunkHash();
  try {
    await ctx.store.replace(m);
    for (let i = 0; i < m.chunkCount; i++) {
      if (signal.aborted) throw new EdgewiseError('aborted', `the import of ${file.name} was cancelled`);
      const { start, end } = chunkRange(i, file.size, ctx.chunkSize);
      const bytes = new Uint8Array(await file.slice(start, end).arrayBuffer());
      if (bytes.byteLength !== end - start) {
        throw new EdgewiseError('usage', `${file.name} changed or became unreadable while it was imported; pick it again`);
      }
      const next: ModelManifest = { ...m, chunksStored: i + 1, updatedAt: Date.now() };
      await ctx.store.putChunk(next, i, bytes);
      hash.add(i, bytes);
      m = next;
      emit(meter.update(end, ctx.now()), i === m.chunkCount - 1);
    }
  } catch (e) {
    await ctx.store.remove(id).catch(() => undefined);
    if (isQuotaError(e)) throw quotaError(file.name, 0, file.size, 'removed');
    throw e;
  }
  emit(new ProgressMeter('verify', file.size).update(file.size, ctx.now()), true);
  return verifyStored(ctx.store, m, hash.hex());
}
