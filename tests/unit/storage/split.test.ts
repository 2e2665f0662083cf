// A split GGUF through the store: every part downloaded, verified and resumable as a file of its
// own; the model listed once (parts hidden) and loaded as the parts joined, tensor for tensor the
// bytes of the unsplit file; a part that is missing, wrong or misplaced never makes it loadable.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../../engine/api.ts';
import type { DownloadContext } from '../../../engine/storage/download.ts';
import { downloadSplit, openSplit, partId, storedModels } from '../../../engine/storage/split.ts';
import { IntegrityError } from '../../../engine/storage/verify.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { splitGguf } from '../../support/gguf-edit.ts';
import { randomModel } from '../../support/random-model.ts';
import { Killed, MemoryStore } from './support/memory-store.ts';
import { ScriptedServer } from './support/scripted-server.ts';

const CHUNK = 4096;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const urlOf = (k: number, n = 3) => `http://127.0.0.1/models/m-Q8_0-${String(k + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.gguf`;

async function setup(options: { killPart?: number; killAfterChunk?: number } = {}) {
  const { bytes } = await randomModel('llama', 31, 'Q8_0', 8);
  const parts = await splitGguf(bytes, 3);
  const servers = parts.map((p) => new ScriptedServer(p, 'etag'));
  const store = new MemoryStore();
  let killed = false;
  const faulty: MemoryStore = Object.assign(Object.create(store), {
    async putChunk(m: Parameters<MemoryStore['putChunk']>[0], index: number, chunk: Uint8Array) {
      await store.putChunk(m, index, chunk);
      if (!killed && m.id === partId('m', options.killPart ?? -1, 3) && index === options.killAfterChunk) {
        killed = true;
        throw new Killed(`killed after chunk ${index} of ${m.id}`);
      }
    },
  });
  const ctx: DownloadContext = {
    store: faulty, chunkSize: CHUNK, storage: undefined, now: () => 0, retry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0, restarts: 2 },
    fetch: (url, init) => servers[parts.findIndex((_, k) => urlOf(k) === String(url))].fetch(url, init),
  };
  const progress: TransferProgress[] = [];
  const download = (shas: (string | undefined)[] = parts.map(sha)) => downloadSplit(ctx, {
    id: 'm', name: 'm-Q8_0-00001-of-00003.gguf', parts: parts.map((_, k) => ({ url: urlOf(k), sha256: shas[k] })),
  }, new AbortController().signal, (p) => progress.push(p));
  return { bytes, parts, servers, store, download, progress };
}

describe('a split GGUF in the store', () => {
  it('stores every part verified, lists the model once and loads it as the unsplit file', async () => {
    const { bytes, parts, store, download, progress } = await setup();
    const model = await download();
    const total = parts.reduce((a, p) => a + p.byteLength, 0);
    expect(model).toMatchObject({ id: 'm', name: 'm-Q8_0-00001-of-00003.gguf', complete: true, parts: 3, sizeBytes: total, storedBytes: total, architecture: 'llama' });
    for (const [k, p] of parts.entries()) {
      expect(store.manifests.get(partId('m', k, 3))).toMatchObject({ complete: true, sha256: sha(p), part: { model: 'm', index: k, count: 3 } });
    }
    // The parts are not models of their own.
    expect(storedModels([...store.manifests.values()]).map((m) => m.id)).toEqual(['m']);
    // Progress counts all parts' bytes and ends at their total.
    const downloads = progress.filter((p) => p.phase === 'download');
    expect(downloads.at(-1)).toMatchObject({ bytes: total, totalBytes: total });
    expect(downloads.every((p, i) => i === 0 || p.bytes >= downloads[i - 1].bytes)).toBe(true);

    const joined = (await openSplit(store, [...store.manifests.values()], 'm'))!;
    const whole = await readGguf(memorySource(bytes));
    expect(joined.file.tensors.map((t) => t.name)).toEqual(whole.tensors.map((t) => t.name));
    for (const t of whole.tensors) {
      const j = joined.file.tensors.find((x) => x.name === t.name)!;
      expect(await joined.source.read(j.offset, j.byteSize), t.name).toEqual(bytes.slice(t.offset, t.offset + t.byteSize));
    }
    expect(joined.file.metadata.get('general.architecture')).toBe('llama');
  });

  it('a kill inside part 2 leaves part 1 complete and the model unloadable; the next run fetches only the rest', async () => {
    const { parts, servers, store, download } = await setup({ killPart: 1, killAfterChunk: 1 });
    await expect(download()).rejects.toThrow(Killed);
    const listed = storedModels([...store.manifests.values()]);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: 'm', complete: false, storedBytes: parts[0].byteLength + 2 * CHUNK });
    await expect(openSplit(store, [...store.manifests.values()], 'm')).rejects.toThrow(/only \d+(\.\d+)?% stored \(1 of 3 parts\); finish its download/);

    const before = servers.map((s) => s.log.length);
    const model = await download();
    expect(model.complete).toBe(true);
    // Part 1 is not asked for again; part 2 resumes at its third chunk with If-Range.
    expect(servers[0].log.length).toBe(before[0]);
    expect(servers[1].log.slice(before[1])[0]).toMatchObject({ range: `bytes=${2 * CHUNK}-`, status: 206, ifRange: expect.stringMatching(/^"/) });
    for (const [k, p] of parts.entries()) expect(store.manifests.get(partId('m', k, 3))?.sha256).toBe(sha(p));
  });

  it('a part with the wrong bytes is removed; the others stay and the model is not loadable', async () => {
    const { parts, store, download } = await setup();
    const shas = parts.map(sha);
    shas[2] = 'e'.repeat(64);
    await expect(download(shas)).rejects.toThrow(IntegrityError);
    expect(store.manifests.get(partId('m', 2, 3))).toBeUndefined();
    expect(store.manifests.get(partId('m', 1, 3))?.complete).toBe(true);
    expect(storedModels([...store.manifests.values()])[0]).toMatchObject({ complete: false });
    await expect(openSplit(store, [...store.manifests.values()], 'm')).rejects.toThrow(/2 of 3 parts/);
    // A resume that knows no sha256s (the app's Resume keeps only the link) still checks the
    // third part against the one the first download was given.
    await expect(download([undefined, undefined, undefined])).rejects.toThrow(new RegExp(`not the expected ${'e'.repeat(64)}`));
    expect(store.manifests.get(partId('m', 2, 3))).toBeUndefined();
  });

  it('a file that is not the part its place says is refused before a byte of it is stored', async () => {
    const { parts, servers, store } = await setup();
    // The second part's link serves the third part's file.
    const served = [0, 2, 1];
    const ctx: DownloadContext = {
      store, chunkSize: CHUNK, storage: undefined, now: () => 0, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      fetch: (url, init) => servers[served[parts.findIndex((_, k) => urlOf(k) === String(url))]].fetch(url, init),
    };
    const run = downloadSplit(ctx, { id: 'm', name: 'm', parts: parts.map((_, k) => ({ url: urlOf(k) })) }, new AbortController().signal, () => {});
    await expect(run).rejects.toThrow(/should be part 2 of 3 of a split model, but its header says part 3 of 3/);
    expect(store.manifests.get(partId('m', 1, 3))).toBeUndefined();
    expect([...store.chunks.keys()].some((k) => k.startsWith(partId('m', 1, 3)))).toBe(false);
  });
});
