// quantize-q8: activations to the 8-bit blocks of the GEMV's packed integer path, optionally
// RMS-normed first, against the CPU reference (model/reference/quantize-q8.ts, norm.ts).
import { describe, expect, it } from 'vitest';
import { prepareQuantizeQ8, Q8_BLOCK_WORDS, q8Bytes } from '../../../gpu/ops/quantize-q8.ts';
import { PipelineCache } from '../../../gpu/pipelines.ts';
import { rmsNorm } from '../../../model/reference/norm.ts';
import { quantizeQ8, roundHalfAway } from '../../../model/reference/quantize-q8.ts';
import { gpuContext, needsF16 } from '../fixture.ts';
import { readU32, runDispatches, storageBuffer } from '../harness.ts';
import { q8BlocksFromWords } from './check.ts';
import { activationBuffer, randomF32 } from './data.ts';

interface Case { tokens: number; k: number; slack?: number; f16?: boolean; norm?: boolean; wg?: number; seed?: number }

async function check(c: Case): Promise<void> {
  const ctx = await gpuContext();
  const { device } = ctx;
  const slack = c.slack ?? 0, xStride = c.k + slack, seed = c.seed ?? 1, eps = 1e-5;
  const values = randomF32(slack + c.tokens * xStride, seed, 3);
  values.fill(0, slack, slack + 32);  // token 0's first block: all zeros (d = 0)
  const x = activationBuffer(device, 'x', values, c.f16 ?? false);
  const normWeight = randomF32(c.k, seed + 1);
  const y = device.createBuffer({ label: 'xq', size: c.tokens * q8Bytes(c.k), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const dispatch = await prepareQuantizeQ8({ ctx, pipelines: PipelineCache.for(device) }, {
    label: 'quantize', x: { buffer: x.buffer, offset: slack, stride: xStride }, y, tokens: c.tokens, k: c.k,
    norm: c.norm ? { weight: storageBuffer(device, 'norm', normWeight), eps } : undefined, variant: { f16: c.f16 }, workgroupSize: c.wg,
  });
  await runDispatches(device, [dispatch]);
  const words = await readU32(device, y);
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const got = q8BlocksFromWords(words);
  const what = JSON.stringify(c);
  const blocks = c.k / 32;
  for (let t = 0; t < c.tokens; t++) {
    const row = x.seen.subarray(slack + t * xStride, slack + t * xStride + c.k);
    const v = c.norm ? rmsNorm(row, c.k, eps, normWeight) : row;
    const ref = quantizeQ8(v);
    for (let b = 0; b < blocks; b++) {
      const at = (t * blocks + b) * Q8_BLOCK_WORDS, d = got.d[t * blocks + b];
      const where = `${what} token ${t} block ${b}`;
      // d = max|x| / 127 (normed values differ from the CPU's by a few ulp of the norm's scale).
      expect(Math.abs(d - ref.d[b]), `${where}: d ${d} want ${ref.d[b]}`).toBeLessThanOrEqual((c.norm ? 1e-5 : 1e-7) * ref.d[b]);
      let sumLo = 0, sumHi = 0;
      for (let i = 0; i < 32; i++) {
        const q = got.q[(t * blocks + b) * 32 + i], e = b * 32 + i;
        // q is x/d rounded half away from zero: the CPU's q wherever x/d is not within float
        // noise of a tie, and within half a step of x/d everywhere.
        const exact = d > 0 ? v[e] / d : 0;
        const nearTie = Math.abs(Math.abs(exact % 1) - 0.5) < 2e-3;
        if (!nearTie) expect(q, `${where} element ${i}: x ${v[e]} / d ${d}`).toBe(d > 0 ? roundHalfAway(exact) : 0);
        expect(Math.abs(q - exact), `${where} element ${i}`).toBeLessThanOrEqual(0.5 + 2e-3);
        if (!nearTie && !c.norm) expect(q, `${where} element ${i} against quantizeQ8`).toBe(ref.q[e]);
        if (i < 16) sumLo += q; else sumHi += q;
      }
      expect(floats[at + 9], `${where}: d·Σq of 0..15`).toBeCloseTo(d * sumLo, 5);
      expect(floats[at + 10], `${where}: d·Σq of 16..31`).toBeCloseTo(d * sumHi, 5);
      expect(words[at + 11], `${where}: spare word`).toBe(0);
    }
  }
  expect([got.d[0], ...got.q.subarray(0, 32)].every((z) => z === 0), `${what}: an all-zero block is d = 0, q = 0`).toBe(true);
}

describe('quantize-q8', () => {
  it('blocks of 32 with d = max|x|/127 and q rounded half away from zero; offsets, strides, several tokens', async () => {
    await check({ tokens: 3, k: 96, slack: 5 });
    await check({ tokens: 1, k: 2048 + 256, wg: 32, seed: 2 });
    await check({ tokens: 8, k: 64, wg: 256, seed: 3 });
  });

  it('RMS-normed on the way (the decode layer input of the 8-bit path)', async () => {
    await check({ tokens: 2, k: 768, slack: 3, norm: true, seed: 4 });
    await check({ tokens: 1, k: 32, norm: true, wg: 256, seed: 5 });
  });

  it('f16 activations (shader-f16)', async (test) => {
    needsF16(await gpuContext(), test, 'the quantize-q8 f16 variant');
    await check({ tokens: 3, k: 96, slack: 7, f16: true, seed: 6 });
    await check({ tokens: 2, k: 256, f16: true, norm: true, seed: 7 });
  });

  it('says what is wrong with a row that is not whole blocks, or a y too small', async () => {
    const ctx = await gpuContext();
    const env = { ctx, pipelines: PipelineCache.for(ctx.device) };
    const x = storageBuffer(ctx.device, 'x', new Float32Array(96)), y = storageBuffer(ctx.device, 'y', 4);
    await expect(prepareQuantizeQ8(env, { label: 'q', x: { buffer: x }, y, tokens: 1, k: 48 })).rejects.toThrow(/48 elements are not whole 8-bit blocks of 32/);
    await expect(prepareQuantizeQ8(env, { label: 'q', x: { buffer: x }, y, tokens: 1, k: 96 })).rejects.toThrow(/y needs/);
  });
});
