// The fit verdict from a header alone: read through HTTP Range requests (as checkFit does before
// a download) and planned for an adapter's limits and memory estimate.
import { describe, expect, it } from 'vitest';
import { openHttpFile } from '../../../engine/storage/http-source.ts';
import { effectiveContext, fitOf } from '../../../gpu/fit.ts';
import { memoryBudgetBytes } from '../../../gpu/memory-budget.ts';
import { planMemory } from '../../../gpu/memory-plan.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { randomModel } from '../../support/random-model.ts';

const BIG = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };

/** A server of `bytes` that honours Range, counting the body bytes it sends. */
function rangeServer(bytes: Uint8Array) {
  const served = { bodyBytes: 0, requests: 0 };
  const fetchFn = async (_url: string, init?: RequestInit) => {
    served.requests++;
    const range = /bytes=(\d+)-(\d*)/.exec(new Headers(init?.headers).get('Range') ?? '');
    const from = Number(range![1]);
    const to = Math.min(bytes.byteLength - 1, range![2] ? Number(range![2]) : bytes.byteLength - 1);
    const body = bytes.slice(from, to + 1);
    served.bodyBytes += body.byteLength;
    return new Response(body, { status: 206, headers: { 'Content-Range': `bytes ${from}-${to}/${bytes.byteLength}`, ETag: '"v1"' } });
  };
  return { fetchFn, served };
}

describe('fit before a download', () => {
  it('plans from a header read by Range, fetching only the header', async () => {
    const { bytes } = await randomModel('llama', 7, 'F32', 8);
    const { fetchFn, served } = rangeServer(bytes);
    const remote = await openHttpFile(fetchFn, 'https://huggingface.co/o/m/resolve/main/m.gguf', { blockSize: 4096 });
    const file = await readGguf(remote.source);
    const plan = planModel(file);
    const expected = planMemory({ plan, file, contextLength: effectiveContext(plan.nCtxTrain, 64), chunkTokens: Math.min(256, effectiveContext(plan.nCtxTrain, 64)), kvBytesPerElement: 2, limits: BIG });

    const fits = fitOf(file, { contextLength: 64, limits: BIG, f16: true, memoryBudgetBytes: memoryBudgetBytes(4) });
    expect(fits).toMatchObject({ verdict: 'fits', needsBytes: expected.totalBytes, hasBytes: 2 * 2 ** 30 });
    expect(fits.reason).toMatch(/needs about .* this device has about 2\.0 GiB/);
    expect(served.bodyBytes).toBeLessThan(bytes.byteLength);
  });

  it('says "too large" with both sizes, for memory and for one buffer over the adapter limit', async () => {
    const { bytes } = await randomModel('llama', 8, 'F32', 8);
    const file = await readGguf(memorySource(bytes));
    const need = fitOf(file, { contextLength: 64, limits: BIG, f16: true }).needsBytes!;
    const small = fitOf(file, { contextLength: 64, limits: BIG, f16: true, memoryBudgetBytes: need - 1 });
    expect(small).toMatchObject({ verdict: 'too-large', needsBytes: need, hasBytes: need - 1 });
    expect(small.reason).toMatch(/needs .* this device has about/);

    const tinyBuffers = { maxBufferSize: 1024, maxStorageBufferBindingSize: 1024 };
    const overBuffer = fitOf(file, { contextLength: 4096, limits: tinyBuffers, f16: false });
    expect(overBuffer).toMatchObject({ verdict: 'too-large', hasBytes: 1024 });
    expect(overBuffer.needsBytes).toBeGreaterThan(1024);
    expect(overBuffer.reason).toMatch(/choose a shorter context/);
  });

  it('reports an architecture the engine does not run as unsupported, not as a fit', async () => {
    const { bytes } = await randomModel('llama', 9, 'F32', 8);
    const file = await readGguf(memorySource(bytes));
    const other = { ...file, metadata: new Map([...file.metadata, ['general.architecture', 'gemma3']]) };
    expect(fitOf(other, { limits: BIG, f16: true })).toMatchObject({ verdict: 'unsupported', reason: expect.stringMatching(/gemma3/) });
  });

  it('plans the context gpu/model.ts loads with: the request within the trained length, 4096 by default', () => {
    expect(effectiveContext(32768, undefined)).toBe(4096);
    expect(effectiveContext(2048, undefined)).toBe(2048);
    expect(effectiveContext(2048, 8192)).toBe(2048);
    expect(effectiveContext(0, 8192)).toBe(8192);
    expect(effectiveContext(4096, 1)).toBe(2);
  });

  it('takes an exact request as it is, past the trained length too (the CLI\'s --ctx, as llama.cpp\'s -c)', () => {
    expect(effectiveContext(4, 64, true)).toBe(64);
    expect(effectiveContext(32768, 64, true)).toBe(64);
    expect(effectiveContext(4, undefined, true)).toBe(4);
    expect(effectiveContext(4096, 1, true)).toBe(2);
  });
});
