// The model store of `edgewise pull` (Node only): the same ChunkStore the browser's IndexedDB
// store implements, over one file. Bytes go to FILE.part at their offset, the manifest to the
// sidecar FILE.part.json; a chunk is written and flushed before the sidecar that counts it is
// replaced (write a temporary file, rename), so a killed process leaves a sidecar that never
// runs ahead of the bytes. A complete manifest publishes the model: FILE.part is renamed to FILE
// (atomic within its folder) and the sidecar removed. Nothing is ever written under FILE's name
// before its bytes are verified.
import { constants } from 'node:fs';
import { open, readFile, rename, rm, statfs, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChunkStore } from '../engine/storage/chunk-store.ts';
import { chunkRange } from '../engine/storage/chunks.ts';
import type { ModelManifest } from '../engine/storage/manifest.ts';
import type { StorageAccess } from '../engine/storage/quota.ts';

const isMissing = (e: unknown) => (e as { code?: unknown } | null)?.code === 'ENOENT';

export class FileStore implements ChunkStore {
  readonly partPath: string;
  readonly sidecarPath: string;

  constructor(readonly outPath: string) {
    this.partPath = `${outPath}.part`;
    this.sidecarPath = `${outPath}.part.json`;
  }

  /** The sidecar's manifest when it is for model `id`; a sidecar of another download is ignored
   *  (and overwritten by the next replace). */
  async getManifest(id: string): Promise<ModelManifest | undefined> {
    let text: string;
    try {
      text = await readFile(this.sidecarPath, 'utf8');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    let m: ModelManifest;
    try {
      m = JSON.parse(text) as ModelManifest;
    } catch {
      return undefined;  // a sidecar cut short by a crash of an older writer: start afresh
    }
    return m.id === id ? m : undefined;
  }

  async putManifest(m: ModelManifest): Promise<void> {
    if (!m.complete) {
      // A new download: whatever FILE.part held (a run killed before its first sidecar) goes.
      if (m.chunksStored === 0) await writeFile(this.partPath, new Uint8Array(0));
      return this.writeSidecar(m);
    }
    // Bytes past the end would be left by nothing this store writes; cut them anyway so that
    // FILE is exactly the bytes that were hashed.
    await truncate(this.partPath, m.sizeBytes);
    await rename(this.partPath, this.outPath);
    await rm(this.sidecarPath, { force: true });
  }

  async putChunk(m: ModelManifest, index: number, bytes: Uint8Array): Promise<void> {
    const { start } = chunkRange(index, m.sizeBytes, m.chunkSize);
    const fh = await open(this.partPath, constants.O_RDWR | constants.O_CREAT);
    try {
      for (let done = 0; done < bytes.byteLength;) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, start + done);
        done += bytesWritten;
      }
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await this.writeSidecar(m);
  }

  async getChunk(id: string, index: number): Promise<Uint8Array | undefined> {
    const m = await this.getManifest(id);
    if (!m || index >= m.chunksStored) return undefined;
    const { start, end } = chunkRange(index, m.sizeBytes, m.chunkSize);
    let fh;
    try {
      fh = await open(this.partPath, 'r');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    try {
      const out = new Uint8Array(end - start);
      let done = 0;
      while (done < out.byteLength) {
        const { bytesRead } = await fh.read(out, done, out.byteLength - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === out.byteLength ? out : out.slice(0, done);
    } finally {
      await fh.close();
    }
  }

  async replace(m: ModelManifest): Promise<void> {
    await writeFile(this.partPath, new Uint8Array(0));
    await this.writeSidecar(m);
  }

  async remove(_id: string): Promise<void> {
    await rm(this.partPath, { force: true });
    await rm(this.sidecarPath, { force: true });
  }

  private async writeSidecar(m: ModelManifest): Promise<void> {
    const tmp = `${this.sidecarPath}.tmp`;
    await writeFile(tmp, JSON.stringify(m));
    await rename(tmp, this.sidecarPath);
  }
}

/** Free space of the disk that holds `path`, in the shape of navigator.storage.estimate(). */
export function diskStorage(path: string): StorageAccess {
  return {
    async estimate() {
      const s = await statfs(dirname(path));
      return { usage: 0, quota: s.bavail * s.bsize };
    },
  };
}
