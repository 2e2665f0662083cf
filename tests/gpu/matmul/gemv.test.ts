// GEMV on a real WebGPU device against model/reference/matmul.ts: every weight type, awkward
// shapes, every override value swept, bias, in-place accumulate, activation slices, split weights.
import { describe, expect, it } from 'vitest';
import { prepareGemv } from '../../../gpu/ops/gemv.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { gpuContext, needsF16, needsInt8Dot } from '../fixture.ts';
import { storageBuffer } from '../harness.ts';
import { BLOCK256_TYPES, checkMatmul, LEGACY_TYPES, type Case } from './check.ts';
import { randomWeight } from './data.ts';

const check = (c: Case) => checkMatmul('gemv', c);

describe('gemv', () => {
  it.each(LEGACY_TYPES)('%s: K=64 and K=2048+256, awkward N', async (type) => {
    await check({ type, k: 64, n: 45 });
    await check({ type, k: 2304, n: 3, seed: 7 });
  });

  it.each(BLOCK256_TYPES)('%s: K=256 and K=2048+256', async (type) => {
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

  // The chunked paths (32-weight chunks, quant/chunks.wgsl) with both reductions: K not a multiple
  // of 256 where the type allows, N = 1, 3 and a large N, 1..8 tokens.
  it.each([true, false])('32-weight chunks of every chunked type, odd shapes, subgroups %s', async (subgroups) => {
    await check({ type: 'Q8_0', k: 96, n: 1, subgroups });
    await check({ type: 'Q8_0', k: 2080, n: 3, tokens: 3, bias: true, subgroups, seed: 4 });
    await check({ type: 'Q4_K', k: 768, n: 3, tokens: 8, rows: 3, subgroups });
    await check({ type: 'Q6_K', k: 768, n: 1, tokens: 2, accumulate: true, subgroups, seed: 5 });
    await check({ type: 'Q6_K', k: 256, n: 2064, wg: 32, subgroups });
    await check({ type: 'Q4_0', k: 96, n: 3, tokens: 2, subgroups });
    await check({ type: 'Q4_1', k: 160, n: 1, tokens: 3, accumulate: true, subgroups, seed: 6 });
    await check({ type: 'Q5_0', k: 96, n: 5, tokens: 8, rows: 3, subgroups, seed: 7 });
    await check({ type: 'Q5_1', k: 2080, n: 3, bias: true, subgroups, seed: 8 });
    await check({ type: 'IQ4_NL', k: 96, n: 3, tokens: 2, subgroups, seed: 9 });
    await check({ type: 'Q5_K', k: 768, n: 3, tokens: 5, rows: 2, subgroups, seed: 10 });
  });

  // The 8-bit activation path (x quantized on the GPU, dot4I8Packed against the chunks' packed
  // integers): every chunked type, one token (x read once per chunk) and batches, both reductions.
  it('8-bit activations, every chunked type', async (test) => {
    needsInt8Dot(await gpuContext(), test, 'the gemv 8-bit activation path');
    for (const [i, type] of ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'IQ4_NL'].entries()) {
      await check({ type, k: 96, n: 5, int8: true, seed: 20 + i });
    }
    for (const [i, type] of ['Q4_K', 'Q5_K', 'Q6_K'].entries()) await check({ type, k: 768, n: 3, int8: true, rows: 2, seed: 30 + i });
    await check({ type: 'Q4_K', k: 512, n: 13, tokens: 3, int8: true, slack: 32, bias: true, seed: 40 });
    await check({ type: 'Q8_0', k: 2080, n: 3, tokens: 8, int8: true, accumulate: true, subgroups: false, seed: 41 });
  });

  it('8-bit activations refuse what they cannot read, saying so', async (test) => {
    const ctx = await gpuContext();
    needsInt8Dot(ctx, test, 'the gemv 8-bit activation path');
    const env = { ctx, pipelines: PipelineCache.for(ctx.device) };
    const x = storageBuffer(ctx.device, 'xq', 4096), y = storageBuffer(ctx.device, 'y', 64);
    const q2 = randomWeight(ctx.device, 'Q2_K', 256, 4, 1).gpu, q4 = randomWeight(ctx.device, 'Q4_0', 64, 4, 1).gpu;
    const args = { label: 'int8', x: { buffer: x }, y: { buffer: y }, variant: { int8Dot: true } };
    await expect(prepareGemv(env, { ...args, weight: q2 })).rejects.toThrow(/32-weight chunks; "test.Q2_K.256x4" is Q2_K/);
    await expect(prepareGemv(env, { ...args, weight: q4, norm: { weight: x, eps: 1e-5 } })).rejects.toThrow(/norm them when they are quantized/);
    await expect(prepareGemv(env, { ...args, weight: q4, x: { buffer: x, offset: 16 } })).rejects.toThrow(/whole blocks of 32/);
  });

  it('sweeps workgroup size, rows per workgroup and batch size', async () => {
    for (const wg of [1, 32, 64, 128, 256]) await check({ type: 'Q4_0', k: 512, n: 13, wg });
    for (const [rows, tokens] of [[1, 8], [3, 3], [4, 2]]) await check({ type: 'Q6_K', k: 512, n: 13, rows, tokens });
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
    const split = randomWeight(device, 'Q4_0', 64, 45, 3, 4 * 40 + 2);
    expect(split.gpu.parts.length).toBeGreaterThan(1);
    await check({ type: 'Q4_0', k: 64, n: 45, seed: 3, maxBytes: 4 * 40 + 2, bias: true, tokens: 2 });
    await check({ type: 'Q6_K', k: 256, n: 10, maxBytes: 3 * 210, accumulate: true });
  });

  it('MoE expert gating: computes when any token chose the expert, leaves y untouched otherwise', async () => {
    await check({ type: 'Q4_K', k: 512, n: 45, tokens: 1, gate: [true], accumulate: true });
    await check({ type: 'Q4_K', k: 512, n: 45, tokens: 1, gate: [false], accumulate: true });
    await check({ type: 'Q8_0', k: 256, n: 30, tokens: 3, gate: [false, true, false], bias: true });
    await check({ type: 'Q6_K', k: 256, n: 30, tokens: 3, gate: [false, false, false], bias: true });
  });

  it('f16 activations, every weight type (shader-f16)', async (test) => {
    const ctx = await gpuContext();
    needsF16(ctx, test, 'the gemv f16 variant');
    for (const type of [...LEGACY_TYPES, ...BLOCK256_TYPES]) await check({ type, k: 512, n: 45, f16: true, bias: true, tokens: 2, seed: 11 });
    for (const type of ['Q8_0', 'Q4_K', 'Q6_K']) await check({ type, k: 768, n: 3, f16: true, tokens: 3, subgroups: false, seed: 12 });
    if (ctx.features.int8Dot) await check({ type: 'Q4_K', k: 256, n: 7, f16: true, int8: true, tokens: 2, seed: 13 });
  });
});
