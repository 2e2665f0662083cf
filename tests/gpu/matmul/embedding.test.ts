// Embedding lookup on a real WebGPU device against model/reference/matmul.ts: every weight type,
// repeated and edge ids, output slices, a table split across buffers.
import { describe, expect, it } from 'vitest';
import { prepareEmbedding } from '../../../gpu/ops/embedding.ts';
import { embeddingRows } from '../../../model/reference/matmul.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { gpuContext, needsF16 } from '../fixture.ts';
import { expectClose, runDispatches, storageBuffer } from '../harness.ts';
import { BLOCK256_TYPES, LEGACY_TYPES } from './check.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { activationBuffer, randomF32, randomWeight, readActivations, rng } from './data.ts';

interface Case {
  type: string;
  k: number;
  vocab: number;
  tokens: number;
  slack?: number;
  maxBytes?: number;
  wg?: number;
  f16?: boolean;
  /** The embedding multiplier (Granite). */
  scale?: number;
}

async function check(c: Case): Promise<number> {
  const ctx = await gpuContext();
  const { device } = ctx;
  const slack = c.slack ?? 0, f16 = c.f16 ?? false;
  const w = randomWeight(device, c.type, c.k, c.vocab, c.k + c.vocab, c.maxBytes);
  const r = rng(c.tokens);
  const ids = Uint32Array.from({ length: c.tokens }, (_, i) => (i === 0 ? 0 : i === 1 ? c.vocab - 1 : Math.floor(r() * c.vocab)));
  const stride = c.k + slack;
  const y = activationBuffer(device, 'y', randomF32(slack + c.tokens * stride, 9), f16);
  const idsBuffer = storageBuffer(device, 'ids', Uint32Array.from([7, ...ids]));
  const dispatches = await prepareEmbedding({ ctx, pipelines: PipelineCache.for(device) }, {
    label: `embedding ${c.type}`, weight: w.gpu, ids: { buffer: idsBuffer, offset: 1 }, tokens: c.tokens,
    y: { buffer: y.buffer, offset: slack, stride }, variant: { f16 }, workgroupSize: c.wg, scale: c.scale,
  });
  await runDispatches(device, dispatches);
  const got = await readActivations(device, y.buffer, slack + c.tokens * stride, f16);
  // An f32 product is correctly rounded on the GPU, as Math.fround of the exact product is here.
  const scale = Math.fround(c.scale ?? 1);
  const want = embeddingRows(w.ref, ids).map((v) => Math.fround(v * scale));
  const seenWant = f16 ? Float32Array.from(activationBuffer(device, 'round', want, true).seen) : want;
  const what = `embedding ${JSON.stringify(c)}`;
  for (let t = 0; t < c.tokens; t++) {
    expectClose(got.subarray(slack + t * stride, slack + t * stride + c.k), seenWant.subarray(t * c.k, (t + 1) * c.k), f16 ? TOLERANCE.f16 : { abs: 0, rel: 0 }, `${what} token ${t}`);
    expectClose(got.subarray(slack + t * stride + c.k, slack + (t + 1) * stride), y.seen.subarray(slack + t * stride + c.k, slack + (t + 1) * stride), { abs: 0, rel: 0 }, `${what} gap ${t}`);
  }
  expectClose(got.subarray(0, slack), y.seen.subarray(0, slack), { abs: 0, rel: 0 }, `${what} before offset`);
  return w.gpu.parts.length;
}

describe('embedding', () => {
  // Dequantization is exact arithmetic on the same f32 operations, so the f32 path must match
  // the CPU bit for bit (abs 0): a wrong nibble or scale shows as an exact mismatch.
  it.each([...LEGACY_TYPES, ...BLOCK256_TYPES])('%s rows, bit-exact', async (type) => {
    await check({ type, k: type.endsWith('_K') || type === 'IQ4_XS' ? 512 : 96, vocab: 45, tokens: 5 });
  });

  it('float rows of any length, slices, workgroup sizes', async () => {
    await check({ type: 'F16', k: 13, vocab: 7, tokens: 3, slack: 2 });
    await check({ type: 'BF16', k: 4, vocab: 1000, tokens: 9, wg: 1 });
    await check({ type: 'Q8_0', k: 1024, vocab: 300, tokens: 17, wg: 256 });
  });

  it('times the embedding multiplier, bit-exact', async () => {
    await check({ type: 'Q4_K', k: 512, vocab: 45, tokens: 5, scale: 12 });
    await check({ type: 'F32', k: 13, vocab: 7, tokens: 3, slack: 2, scale: 0.3 });
  });

  it('a table split across buffers', async () => {
    expect(await check({ type: 'Q6_K', k: 256, vocab: 45, tokens: 12, maxBytes: 7 * 210 })).toBeGreaterThan(1);
  });

  it('f16 output, every weight type (shader-f16)', async (test) => {
    needsF16(await gpuContext(), test, 'the embedding f16 variant');
    for (const type of [...LEGACY_TYPES, ...BLOCK256_TYPES]) await check({ type, k: 256, vocab: 45, tokens: 5, f16: true });
  });
});
