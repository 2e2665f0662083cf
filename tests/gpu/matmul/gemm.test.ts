// GEMM on a real WebGPU device against model/reference/matmul.ts: every weight type, awkward
// token and row counts (partial tiles), every tile shape, bias, accumulate, slices, split weights,
// f32 and f16 tiles (shader-f16: the lavapipe pass).
import { describe, expect, it } from 'vitest';
import { gemmTile, gemmTileCost } from '../../../gpu/ops/gemm.ts';
import { gpuContext, needsF16 } from '../fixture.ts';
import { BLOCK256_TYPES, checkMatmul, LEGACY_TYPES, type Case } from './check.ts';

const check = (c: Case) => checkMatmul('gemm', c);
/** The cases that loop over many pipelines: lavapipe compiles each one slowly on a loaded machine. */
const SLOW = 600_000;

describe('gemm', () => {
  it.each(LEGACY_TYPES)('%s: 3 tokens × 45 rows, K=96; 33 tokens × 40 rows, K=2048+256', async (type) => {
    await check({ type, k: 96, n: 45, tokens: 3 });
    await check({ type, k: 2304, n: 40, tokens: 33, seed: 5 });
  }, SLOW);

  it.each(BLOCK256_TYPES)('%s: 5 tokens × 45 rows, K=256; 33 × 36, K=2048+256', async (type) => {
    await check({ type, k: 256, n: 45, tokens: 5 });
    await check({ type, k: 2304, n: 36, tokens: 33, seed: 5 });
  }, SLOW);

  it('float rows of any length: K = 4, 13, 45', async () => {
    for (const type of ['F32', 'F16', 'BF16']) {
      for (const k of [4, 13, 45]) await check({ type, k, n: 7, tokens: 6, seed: k });
    }
  });

  it('sweeps the tile shape (tokens × rows × units per K step)', async () => {
    await check({ type: 'Q4_K', k: 512, n: 70, tokens: 19, tile: { tokens: 8, rows: 4, units: 1 } });
    await check({ type: 'Q5_0', k: 160, n: 70, tokens: 19, tile: { tokens: 16, rows: 64, units: 3 } });
    await check({ type: 'Q6_K', k: 512, n: 70, tokens: 19, tile: { tokens: 64, rows: 16, units: 2 } });
    await check({ type: 'Q8_0', k: 160, n: 70, tokens: 19, tile: { tokens: 32, rows: 32, units: 4 } });
  }, SLOW);

  it('the tile chosen from the limits: 64×64 or larger within 16 KiB of workgroup memory, f32 and f16', async () => {
    const { limits } = await gpuContext();
    for (const f16Math of [false, true]) {
      const tile = gemmTile(limits, f16Math);
      const cost = gemmTileCost(tile, f16Math);
      expect(cost.bytes, JSON.stringify(tile)).toBeLessThanOrEqual(limits.maxComputeWorkgroupStorageSize);
      expect(cost.threads).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
      expect(tile.tokens * tile.rows).toBeGreaterThanOrEqual(64 * 64);
    }
    // K steps of 32 in f16 within WebGPU's default limits; 16 in f32.
    const defaults = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupStorageSize: 16384 } as GPUSupportedLimits;
    expect(gemmTile(defaults, true)).toEqual({ tokens: 64, rows: 64, units: 4 });
    expect(gemmTile(defaults, false)).toEqual({ tokens: 64, rows: 64, units: 2 });
  });

  it('M = 7, 257 and 2048 tokens; K not a multiple of 64; N = 3', async () => {
    await check({ type: 'Q5_0', k: 96, n: 3, tokens: 2048, seed: 21 });
    await check({ type: 'Q8_0', k: 160, n: 70, tokens: 257, seed: 22 });
    await check({ type: 'Q4_K', k: 768, n: 3, tokens: 7, seed: 23 });
    await check({ type: 'F16', k: 45, n: 3, tokens: 257, seed: 24 });
  });

  it('a vocabulary-sized N: 151 936 rows (Qwen3 output), 9 tokens', async () => {
    await check({ type: 'Q4_0', k: 64, n: 151936, tokens: 9, seed: 25 });
  }, SLOW);

  it('N = 1 and 1000, 1 token; real dimensions: Qwen3-0.6B ffn_down (K=3072, N=1024, Q6_K) for 64 tokens', async () => {
    await check({ type: 'Q4_0', k: 32, n: 1, tokens: 1 });
    await check({ type: 'Q8_0', k: 64, n: 1000, tokens: 2 });
    await check({ type: 'Q6_K', k: 3072, n: 1024, tokens: 64 });
  });

  it('bias, in-place accumulate, activation slices and a split weight', async () => {
    await check({ type: 'Q8_0', k: 96, n: 37, tokens: 7, bias: true });
    await check({ type: 'Q4_1', k: 64, n: 21, tokens: 34, accumulate: true, slack: 3 });
    await check({ type: 'Q3_K', k: 256, n: 45, tokens: 9, bias: true, accumulate: true, maxBytes: 8 * 110 });
  }, SLOW);

  it('MoE expert gating: tiles where a token chose the expert compute, the others leave y untouched', async () => {
    const tile = { tokens: 8, rows: 16, units: 2 };
    const gate = Array.from({ length: 40 }, (_, t) => t === 3 || t === 20 || t === 21);  // tiles 0 and 2 of 5
    await check({ type: 'Q4_K', k: 512, n: 45, tokens: 40, tile, gate, accumulate: true });
    await check({ type: 'Q5_0', k: 128, n: 33, tokens: 40, tile, gate: gate.map(() => false), bias: true });
    await check({ type: 'F16', k: 64, n: 20, tokens: 9, gate: gate.slice(0, 9).map(() => true) });
  }, SLOW);

  it('f16 activations, every weight type (shader-f16)', async (test) => {
    needsF16(await gpuContext(), test, 'the gemm f16 variant');
    for (const type of [...LEGACY_TYPES, ...BLOCK256_TYPES]) await check({ type, k: 512, n: 45, tokens: 9, f16: true, bias: true, accumulate: true, seed: 12 });
  }, SLOW);

  it('f16 tiles (products and sums in f32) with f32 activations, every weight type, odd shapes (shader-f16)', async (test) => {
    needsF16(await gpuContext(), test, 'the gemm f16 tiles');
    for (const type of [...LEGACY_TYPES, ...BLOCK256_TYPES]) await check({ type, k: 512, n: 45, tokens: 71, f16Math: true, bias: true, accumulate: true, seed: 13 });
    await check({ type: 'Q5_0', k: 96, n: 3, tokens: 2048, f16Math: true, seed: 21 });
    await check({ type: 'Q8_0', k: 160, n: 70, tokens: 257, f16Math: true, slack: 3, seed: 22 });
    await check({ type: 'F32', k: 13, n: 7, tokens: 7, f16Math: true, seed: 26 });
    await check({ type: 'Q4_K', k: 512, n: 45, tokens: 40, f16Math: true, tile: { tokens: 8, rows: 16, units: 2 }, gate: Array.from({ length: 40 }, (_, t) => t === 3), accumulate: true });
  }, SLOW);
});
