// GEMV on a real WebGPU device against model/reference/matmul.ts: every weight type, awkward
// shapes, every override value swept, bias, in-place accumulate, activation slices, split weights.
import { describe, expect, it } from 'vitest';
import { gpuContext, needsF16 } from '../fixture.ts';
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
    needsF16(await gpuContext(), test, 'the gemv f16 variant');
    for (const type of [...LEGACY_TYPES, ...BLOCK256_TYPES]) await check({ type, k: 512, n: 45, f16: true, bias: true, tokens: 2, seed: 11 });
    for (const type of ['Q8_0', 'Q4_K', 'Q6_K']) await check({ type, k: 768, n: 3, f16: true, tokens: 3, subgroups: false, seed: 12 });
  });
});
