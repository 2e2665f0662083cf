// EngineApi.checkFit as the worker serves it: capabilities first (no request at all without
// WebGPU or for an architecture the engine does not run), then the header by Range and the plan.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Capabilities, CatalogEntry } from '../../../engine/api.ts';
import { createEngine } from '../../../worker/engine.ts';
import { randomModel } from '../../support/random-model.ts';

beforeAll(() => {
  // The model store opens IndexedDB when the engine is made; checkFit never touches it.
  (globalThis as { indexedDB?: unknown }).indexedDB ??= { open: () => ({}) };
});

const GPU = (deviceMemoryGiB?: number): Capabilities => ({
  webgpu: true, features: { f16: true, subgroups: false }, deviceMemoryGiB,
  limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 },
});

function server(bytes: Uint8Array) {
  const log: string[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    log.push(url);
    const m = /bytes=(\d+)-(\d*)/.exec(new Headers(init?.headers).get('Range') ?? '')!;
    const from = Number(m[1]), to = Math.min(bytes.byteLength - 1, m[2] ? Number(m[2]) : bytes.byteLength - 1);
    return new Response(bytes.slice(from, to + 1), { status: 206, headers: { 'Content-Range': `bytes ${from}-${to}/${bytes.byteLength}`, ETag: '"1"' } });
  };
  return { fetch, log };
}

const URL_ = 'https://huggingface.co/o/m-GGUF/resolve/main/m-Q8_0.gguf';

describe('checkFit', () => {
  it('says "needs WebGPU" without a request where the browser has none', async () => {
    const s = server(new Uint8Array(0));
    const engine = createEngine({ fetch: s.fetch, dbName: 'fit-1', capabilities: async () => ({ webgpu: false, features: { f16: false, subgroups: false }, problem: 'This browser has no WebGPU.' }) });
    expect(await engine.checkFit({ url: URL_ })).toEqual({ verdict: 'needs-webgpu', reason: 'This browser has no WebGPU.' });
    expect(s.log).toEqual([]);
  });

  it('says an unsupported catalog architecture without a request', async () => {
    const s = server(new Uint8Array(0));
    const engine = createEngine({ fetch: s.fetch, dbName: 'fit-2', capabilities: async () => GPU() });
    const entry = { id: 'x', name: 'X', url: URL_, architecture: 'gemma3', supported: false } as CatalogEntry;
    expect(await engine.checkFit(entry)).toMatchObject({ verdict: 'unsupported', reason: expect.stringMatching(/gemma3/) });
    expect(s.log).toEqual([]);
  });

  it('plans a link from its header for this device: fits with room, too large with little memory', async () => {
    const { bytes } = await randomModel('qwen3', 3, 'Q8_0', 8);
    const s = server(bytes);
    const roomy = await createEngine({ fetch: s.fetch, dbName: 'fit-3', capabilities: async () => GPU(4) }).checkFit({ url: URL_ }, { contextLength: 256 });
    expect(roomy).toMatchObject({ verdict: 'fits', hasBytes: 2 * 2 ** 30, contextLength: 256 });
    expect(s.log.every((u) => u === URL_)).toBe(true);

    const tight = await createEngine({ fetch: s.fetch, dbName: 'fit-4', capabilities: async () => GPU(roomy.needsBytes! / 2 ** 30) }).checkFit({ url: URL_ }, { contextLength: 256 });
    expect(tight).toMatchObject({ verdict: 'too-large', hasBytes: Math.floor(roomy.needsBytes! / 2) });
    // With little memory the prefill chunk shrinks (gpu/chunk-size.ts), so what the model needs
    // is its smallest plan: less than the roomy one, still more than the device has.
    expect(tight.needsBytes).toBeGreaterThan(tight.hasBytes!);
    expect(tight.needsBytes).toBeLessThan(roomy.needsBytes!);
  });
});
