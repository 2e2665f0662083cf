// GEMV on a real WebGPU device against model/reference/matmul.ts: every weight type, awkward
// shapes, every override value swept, bias, in-place accumulate, activation slices.
import { describe, expect, it } from 'vitest';
import { prepareGemv, type GemvOptions } from '../../../gpu/ops/gemv.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { uploadWeight } from '../../../gpu/weights.ts';
import { matMul } from '../../../model/reference/matmul.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { gpuContext } from '../fixture.ts';
import { expectClose, runDispatches, storageBuffer } from '../harness.ts';
import { activationBuffer, randomF32, randomWeight, readActivations } from './data.ts';

const LEGACY = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL'];
const KQUANTS = ['Q4_K', 'Q5_K', 'Q6_K', 'Q2_K', 'Q3_K', 'IQ4_XS'];

interface Case {
  type: string;
  k: number;
  n: number;
  tokens?: number;
  wg?: number;
  rows?: number;
  bias?: boolean;
  accumulate?: boolean;
  /** Activations as a slice: extra elements before and between tokens. */
  slack?: number;
  f16?: boolean;
  maxBytes?: number;
  seed?: number;
}

async function check(c: Case): Promise<void> {
  const ctx = await gpuContext();
  const { device } = ctx;
  const cache = pipelineCache(device);
  const tokens = c.tokens ?? 1, slack = c.slack ?? 0, f16 = c.f16 ?? false, seed = c.seed ?? 1;
  const w = randomWeight(device, c.type, c.k, c.n, seed, c.maxBytes);
  const xStride = c.k + slack, yStride = c.n + slack;
  const xAll = randomF32(slack + tokens * xStride, seed + 1);
  const x = activationBuffer(device, 'x', xAll, f16);
  const yAll = randomF32(slack + tokens * yStride, seed + 2);
  const y = activationBuffer(device, 'y', yAll, f16);
  const biasValues = randomF32(c.n, seed + 3);
  const bias = c.bias ? uploadWeight(device, { name: 'bias', type: 0, dims: [c.n] }, new Uint8Array(biasValues.buffer)) : undefined;

  const opts: GemvOptions = {
    weight: w.gpu, x: x.buffer, xOffset: slack, xStride, y: y.buffer, yOffset: slack, yStride, tokens,
    bias, accumulate: c.accumulate, variant: { f16 }, workgroupSize: c.wg, rowsPerWorkgroup: c.rows,
  };
  await runDispatches(device, await prepareGemv(ctx, cache, opts));
  const got = await readActivations(device, y.buffer, slack + tokens * yStride, f16);

  const xs = new Float32Array(tokens * c.k), acc = new Float32Array(tokens * c.n);
  for (let t = 0; t < tokens; t++) {
    xs.set(x.seen.subarray(slack + t * xStride, slack + t * xStride + c.k), t * c.k);
    acc.set(y.seen.subarray(slack + t * yStride, slack + t * yStride + c.n), t * c.n);
  }
  const want = matMul(w.ref, xs, tokens, { bias: c.bias ? biasValues : undefined, accumulate: c.accumulate ? acc : undefined });
  const what = `gemv ${JSON.stringify(c)}`;
  for (let t = 0; t < tokens; t++) {
    expectClose(got.subarray(slack + t * yStride, slack + t * yStride + c.n), want.subarray(t * c.n, (t + 1) * c.n), f16 ? TOLERANCE.f16 : TOLERANCE.f32, `${what} token ${t}`);
    // The slack between token rows must be untouched.
    expectClose(got.subarray(slack + t * yStride + c.n, slack + (t + 1) * yStride), y.seen.subarray(slack + t * yStride + c.n, slack + (t + 1) * yStride), { abs: 0, rel: 0 }, `${what} gap ${t}`);
  }
  expectClose(got.subarray(0, slack), y.seen.subarray(0, slack), { abs: 0, rel: 0 }, `${what} before offset`);
}

const caches = new WeakMap<GPUDevice, PipelineCache>();
function pipelineCache(device: GPUDevice): PipelineCache {
  let c = caches.get(device);
  if (!c) caches.set(device, (c = new PipelineCache(device)));
  return c;
}

describe('gemv', () => {
  it.each(LEGACY)('%s: K=64 and K=2048+256, awkward N', async (type) => {
    await check({ type, k: 64, n: 45 });
    await check({ type, k: 2304, n: 3, seed: 7 });
  });

  it.each(KQUANTS)('%s: K=256 and K=2048+256', async (type) => {
    await check({ type, k: 256, n: 45 });
    await check({ type, k: 2304, n: 3, seed: 7 });
  });

  it('float rows of any length (Mamba dt_rank): K = 4, 13, 45', async () => {
    for (const type of ['F32', 'F16', 'BF16']) {
      for (const k of [4, 13, 45]) await check({ type, k, n: 7, seed: k });
    }
  });

  it('N = 1, 1000, 2048+16', async () => {
    await check({ type: 'Q4_0', k: 32, n: 1 });
    await check({ type: 'Q8_0', k: 64, n: 1000 });
    await check({ type: 'Q4_K', k: 256, n: 2064 });
  });

  it('sweeps workgroup size, rows per workgroup and batch size', async () => {
    for (const wg of [1, 32, 64, 128, 256]) await check({ type: 'Q4_0', k: 512, n: 13, wg });
    for (const rows of [1, 2, 3, 4]) await check({ type: 'Q6_K', k: 512, n: 13, rows });
    for (const tokens of [2, 3, 8]) await check({ type: 'Q5_1', k: 128, n: 11, tokens, rows: 3 });
    await check({ type: 'Q4_K', k: 256, n: 9, tokens: 8, rows: 4, wg: 256 });
  });

  it('bias, in-place accumulate and activation slices', async () => {
    await check({ type: 'Q8_0', k: 96, n: 37, bias: true });
    await check({ type: 'Q4_K', k: 256, n: 21, accumulate: true, tokens: 2 });
    await check({ type: 'F16', k: 40, n: 19, bias: true, accumulate: true, slack: 5, tokens: 3 });
  });

  it('real model dimensions: Qwen3-0.6B attn_q (K=1024, N=2048, Q8_0) and ffn_up (K=1024, N=3072, Q4_K)', async () => {
    await check({ type: 'Q8_0', k: 1024, n: 2048 });
    await check({ type: 'Q4_K', k: 1024, n: 3072 });
  });

  it('a weight split across buffers gives the same answer', async () => {
    const { device } = await gpuContext();
    const split = randomWeight(device, 'Q4_0', 64, 45, 3, 4 * 36 + 2);
    expect(split.gpu.parts.length).toBeGreaterThan(1);
    await check({ type: 'Q4_0', k: 64, n: 45, seed: 3, maxBytes: 4 * 36 + 2, bias: true, tokens: 2 });
    await check({ type: 'Q6_K', k: 256, n: 10, maxBytes: 3 * 210, accumulate: true });
  });

  it('f16 activations (runs only where the device has shader-f16)', async () => {
    const ctx = await gpuContext();
    if (!ctx.features.f16) {
      console.warn(`gemv f16 variant NOT RUN: adapter ${ctx.adapterInfo.vendor}/${ctx.adapterInfo.architecture} lacks shader-f16; it runs on a GPU machine`);
      return;
    }
    for (const type of ['F16', 'Q4_0', 'Q4_K']) await check({ type, k: 256, n: 45, f16: true, bias: true, tokens: 2 });
  });
});
