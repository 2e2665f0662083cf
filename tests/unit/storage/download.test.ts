// The download defects of issue #15, one scripted case each (the property test in
// download-property.test.ts mixes them at random): wrong bytes never complete, a file swapped on
// a server without validators is never spliced, a kill before "complete" costs no refetch, an
// ETag that changes on every answer costs a few requests, a 200 on a resume, quota at chunk k.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { downloadModel, type DownloadContext } from '../../../engine/storage/download.ts';
import { IntegrityError } from '../../../engine/storage/verify.ts';
import { tinyModel } from '../../e2e/support/models.ts';
import { Killed, MemoryStore, withFaults, type StoreFaults } from './support/memory-store.ts';
import { ScriptedServer, type ValidatorKind } from './support/scripted-server.ts';

const CHUNK = 4096;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fileA = tinyModel({ seed: 71, dataBytes: 40_000 }).bytes;
const fileB = tinyModel({ seed: 72, dataBytes: 40_000 }).bytes;   // same size, other bytes
const noop = () => undefined;

function setup(validators: ValidatorKind, faults: StoreFaults = {}, honorsIfRange = true) {
  const server = new ScriptedServer(fileA, validators, honorsIfRange);
  const memory = new MemoryStore();
  const store = withFaults(memory, faults);
  const ctx: DownloadContext = {
    store, fetch: server.fetch, chunkSize: CHUNK, storage: undefined, now: () => 0,
    retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, restarts: 3 },
  };
  const download = (sha256?: string) =>
    downloadModel(ctx, { id: 'm', name: 'model.gguf', url: server.url, sha256 }, new AbortController().signal, noop);
  const stored = async () => {
    const m = (await memory.getManifest('m'))!;
    const out = new Uint8Array(m.sizeBytes);
    for (let i = 0; i < m.chunksStored; i++) out.set((await memory.getChunk('m', i))!, i * CHUNK);
    return out;
  };
  return { server, memory, download, stored };
}

describe('download', () => {
  it('a byte changed in transit fails the pinned hash: not complete, nothing kept, one line', async () => {
    const { server, memory, download } = setup('etag');
    server.faults.set(1, { corruptAt: 20_000 });
    const e = await download(sha(fileA)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as Error).message).toMatch(new RegExp(`^model\\.gguf arrived with SHA-256 [0-9a-f]{64}, not the expected ${sha(fileA)}; .*removed[^\\n]*$`));
    expect(await memory.getManifest('m')).toBeUndefined();
    expect(memory.chunks.size).toBe(0);
    // The next try fetches the file again and completes.
    const m = await download(sha(fileA));
    expect(m).toMatchObject({ complete: true, sha256: sha(fileA) });
  });

  it('without a pinned hash the hash of what arrived is recorded, never invented', async () => {
    const { server, download, stored } = setup('etag');
    server.faults.set(1, { corruptAt: 20_000 });
    const m = await download();
    expect(m.complete).toBe(true);
    expect(m.sha256).toBe(sha(await stored()));
    expect(m.sha256).not.toBe(sha(fileA));
  });

  it('a file swapped between a cut and the resume on a server without validators starts over, never splices', async () => {
    const { server, download, stored } = setup('none');
    server.faults.set(1, { cutAfter: 3 * CHUNK + 100 });
    server.swaps.set(2, fileB);
    const m = await download();
    expect(sha(await stored())).toBe(sha(fileB));
    expect(m.sha256).toBe(sha(fileB));
    // The resume is a fresh start: a header read and the body from byte 0, no If-Range to send.
    expect(server.log.slice(2).map((r) => [r.range, r.ifRange])).toEqual([['bytes=0-1048575', undefined], ['bytes=0-', undefined]]);
  });

  it('with an ETag, the resume sends If-Range; a swapped file answers 200 and the download starts over', async () => {
    const { server, download, stored } = setup('etag');
    server.faults.set(1, { cutAfter: 3 * CHUNK + 100 });
    server.swaps.set(2, fileB);
    await download();
    expect(server.log[2]).toMatchObject({ range: `bytes=${3 * CHUNK}-`, ifRange: `"${sha(fileA).slice(0, 16)}"`, status: 200 });
    expect(sha(await stored())).toBe(sha(fileB));
  });

  it('a weak ETag alone cannot resume (If-Range forbids it): the download starts over', async () => {
    const { server, download, stored } = setup('weak-etag');
    server.faults.set(1, { cutAfter: 5 * CHUNK });
    await download();
    expect(server.log.every((r) => r.ifRange === undefined)).toBe(true);
    expect(server.log.slice(2).map((r) => r.range)).toEqual(['bytes=0-1048575', 'bytes=0-']);
    expect(sha(await stored())).toBe(sha(fileA));
  });

  it('killed after the last chunk was stored, before "complete": the resume verifies and fetches nothing', async () => {
    const chunks = Math.ceil(fileA.byteLength / CHUNK);
    const { server, memory, download } = setup('etag', { killAfterChunk: chunks - 1 });
    await expect(download(sha(fileA))).rejects.toBeInstanceOf(Killed);
    expect(await memory.getManifest('m')).toMatchObject({ complete: false, chunksStored: chunks });
    const requests = server.log.length;
    const m = await download(sha(fileA));
    expect(m).toMatchObject({ complete: true, sha256: sha(fileA) });
    expect(server.log.length).toBe(requests);
  });

  it('an ETag that changes on every answer: a few requests, then one clear error', async () => {
    const { server, memory, download } = setup('changing-etag');
    const e = await download().catch((x: unknown) => x) as EdgewiseError;
    expect(e).toBeInstanceOf(EdgewiseError);
    expect(e.message).toBe('the download of model.gguf had to start over 4 times (the last time because model.gguf changed on the server: its ETag changed); try again later');
    expect(server.log.length).toBe(8);
    expect((await memory.getManifest('m'))?.complete).toBe(false);
  });

  it('a 200 to a resume is taken whole from byte 0', async () => {
    const { server, download, stored } = setup('both');
    server.faults.set(1, { cutAfter: 4 * CHUNK + 10 });
    server.faults.set(2, { ignoreRange: true });
    const m = await download(sha(fileA));
    expect(server.log.map((r) => r.status)).toEqual([206, 206, 200]);
    expect(server.log[2].bodyBytes).toBe(fileA.byteLength);
    expect(m.sha256).toBe(sha(fileA));
    expect(sha(await stored())).toBe(sha(fileA));
  });

  it('quota exhausted at chunk 3: the error names the bytes needed, the partial stays, the resume goes on from chunk 3', async () => {
    const { server, memory, download } = setup('last-modified', { quotaAtChunk: 3 });
    const e = await download().catch((x: unknown) => x) as EdgewiseError;
    expect(e.code).toBe('storage-quota');
    const remaining = fileA.byteLength - 3 * CHUNK;
    expect(e.message).toContain(`needs ${(remaining / 1000).toFixed(1)} kB more`);
    expect(await memory.getManifest('m')).toMatchObject({ complete: false, chunksStored: 3 });
    const before = server.log.length;
    const m = await download();
    expect(server.log[before]).toMatchObject({ range: `bytes=${3 * CHUNK}-`, status: 206 });
    expect(server.log[before].ifRange).toMatch(/GMT$/);
    expect(m.sha256).toBe(sha(fileA));
  });

  it('a complete model asked for with another hash is not handed out as that file', async () => {
    const { download } = setup('etag');
    await download();
    await expect(download('0'.repeat(64))).rejects.toThrow(/already stored with SHA-256 [0-9a-f]{64}, not the expected 0{64}/);
  });
});
