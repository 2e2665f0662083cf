// The last step of a download or an import: the stored bytes must hash to the expected SHA-256
// (when one is known) and parse to the header that was checked before the first byte was stored;
// only then is the model marked complete (loadable), with the hash of its bytes recorded. A stored
// copy that fails is removed, never left half-loadable.
import { EdgewiseError } from '../../model/errors.ts';
import { chunkSource } from './chunk-source.ts';
import type { ChunkStore } from './chunk-store.ts';
import { oneLine } from './format.ts';
import type { ModelManifest } from './manifest.ts';
import { validateGguf } from './validate.ts';

/** The bytes are not the file that was asked for; retrying the same way cannot fix that. */
export class IntegrityError extends EdgewiseError {
  constructor(message: string) {
    super('network', message);
  }
}

/** `sha256`: the digest of every stored byte, in order (lowercase hex). */
export async function verifyStored(store: ChunkStore, m: ModelManifest, sha256: string): Promise<ModelManifest> {
  if (m.expectedSha256 !== undefined && sha256 !== m.expectedSha256) {
    await store.remove(m.id);
    throw new IntegrityError(`${m.name} arrived with SHA-256 ${sha256}, not the expected ${m.expectedSha256}; `
      + 'the copy was removed and nothing was kept: download it again, or check the link and its checksum');
  }
  const stored = await validateGguf(chunkSource(store, m), m.name, m.part).catch(async (e) => {
    await store.remove(m.id);
    throw new EdgewiseError('gguf-malformed', `the stored copy of ${m.name} is damaged (${oneLine((e as Error).message)}); it was removed, fetch it again`);
  });
  if (stored.summary.tensorCount !== m.summary.tensorCount || stored.summary.dataOffset !== m.summary.dataOffset) {
    await store.remove(m.id);
    throw new EdgewiseError('gguf-malformed', `the stored copy of ${m.name} differs from the header checked before it was stored; it was removed, fetch it again`);
  }
  const done: ModelManifest = { ...m, complete: true, sha256, updatedAt: Date.now() };
  await store.putManifest(done);
  return done;
}
