// The last step of a download or an import: the stored bytes must parse to the header that was
// checked before the first byte was stored; only then is the model marked complete (loadable).
// A stored copy that fails is removed, never left half-loadable.
import { EdgewiseError } from '../../model/errors.ts';
import { chunkSource } from './chunk-source.ts';
import type { ModelManifest } from './manifest.ts';
import type { ModelStore } from './store.ts';
import { validateGguf } from './validate.ts';

export async function verifyStored(store: ModelStore, m: ModelManifest): Promise<ModelManifest> {
  const stored = await validateGguf(chunkSource(store, m), m.name).catch(async (e) => {
    await store.remove(m.id);
    throw new EdgewiseError('gguf-malformed', `the stored copy of ${m.name} is damaged (${(e as Error).message}); it was removed, fetch it again`);
  });
  if (stored.summary.tensorCount !== m.summary.tensorCount || stored.summary.dataOffset !== m.summary.dataOffset) {
    await store.remove(m.id);
    throw new EdgewiseError('gguf-malformed', `the stored copy of ${m.name} differs from the header checked before it was stored; it was removed, fetch it again`);
  }
  const done: ModelManifest = { ...m, complete: true, updatedAt: Date.now() };
  await store.putManifest(done);
  return done;
}
