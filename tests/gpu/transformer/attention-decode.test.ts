import { describe, it } from 'vitest';
import { defaultDecodeSplits, prepareAttentionDecode } from '../../../gpu/ops/attention-decode.ts';
import { createKvCache, prepareKvWrite } from '../../../gpu/ops/kv-cache.ts';
import { createStepBuffer, writeStep } from '../../../gpu/ops/step.ts';
import { attentionDecode } from '../../../model/reference/attention.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { needsF16 } from '../fixture.ts';
import { opEnv, randomF32 } from './env.ts';

// (n_head, n_head_kv): GQA ratios 1, 2, 4, 8, 6 (heads per workgroup not a power of two), and
// MQA with 16 query heads (two workgroups per KV head).
const HEADS = [[4, 4], [8, 4], [8, 2], [16, 2], [12, 2], [16, 1]] as const;
const HEAD_DIMS = [64, 128] as const;
const LENGTHS = [1, 7, 300, 2049] as const;
const N_CTX = 2049 + 15;

/**
 * Every shape, length and variant against the f64 reference. One recorded pair of dispatches per
 * (shape, variant, min chunk) serves every length, as in the decode loop: only the step uniform
 * changes. Min chunk 128 is the engine's; 16 puts up to 32 uneven splits on the same lengths.
 */
async function sweep(f16: boolean, tol: typeof TOLERANCE.f32): Promise<void> {
  const env = await opEnv();
  const { device } = env.ctx;
  const step = createStepBuffer(device);
  // Head dims not a multiple of 4 (tiny random models) take the element-wise K/V loads.
  const shapes = [...HEAD_DIMS.flatMap((d) => HEADS.map(([h, kv]) => [d, h, kv] as const)), [6, 4, 2], [18, 8, 2]] as const;
  for (const [headDim, nHead, nHeadKv] of shapes) {
    const scale = 1 / Math.sqrt(headDim);
    const seed = headDim * 31 + nHead * 7 + nHeadKv;
    const width = nHeadKv * headDim;
    const k = randomF32(N_CTX * width, seed, -2, 2);
    const v = randomF32(N_CTX * width, seed + 1, -2, 2);
    const cache = createKvCache(env, 'cache', N_CTX, nHeadKv, headDim, f16);
    writeStep(device.queue, step, 0);
    await runDispatches(device, [await prepareKvWrite(env, {
      label: 'kv write', cache, step, nTokens: N_CTX, k: { buffer: storageBuffer(device, 'k', k) }, v: { buffer: storageBuffer(device, 'v', v) },
    })]);
    // The query sits inside a wider row, as in the fused q|k|v projection output.
    const qOffset = 3 * headDim + 4;
    const qRow = randomF32(qOffset + nHead * headDim, seed + 2, -2, 2);
    const q = qRow.subarray(qOffset);
    const qb = storageBuffer(device, 'q', qRow);
    const out = storageBuffer(device, 'out', (8 + nHead * headDim) * 4);
    const want = LENGTHS.map((nKv) => attentionDecode(q, k, v, nKv, { nHead, nHeadKv, headDim, scale }));
    for (const subgroups of [true, false]) {
      if (subgroups && !(env.ctx.features.subgroups && env.ctx.features.subgroupId)) continue;
      for (const minChunk of [128, 16]) {
        const label = `decode hd${headDim} ${nHead}/${nHeadKv} ${f16 ? 'f16' : 'f32'} ${subgroups ? 'subgroups' : 'workgroup'} chunk ${minChunk}`;
        const dispatches = await prepareAttentionDecode(env, {
          label, cache, step, nHead, scale, minChunk, subgroups, nSplit: defaultDecodeSplits(N_CTX),
          q: { buffer: qb, offset: qOffset }, out: { buffer: out, offset: 8 },
        });
        for (const [i, nKv] of LENGTHS.entries()) {
          if (minChunk < 128 && nKv <= 128) continue; // one split either way
          writeStep(device.queue, step, nKv - 1);
          await runDispatches(device, dispatches);
          const got = (await readF32(device, out, 8 + nHead * headDim)).subarray(8);
          expectClose(got, want[i], tol, `${label} n_kv ${nKv}`);
        }
      }
    }
  }
}

describe('attention decode (one workgroup per KV head and split)', () => {
  it('matches the reference for GQA 1, 2, 4, 6, 8 and MQA, lengths 1..2049, head dims 64, 128, 6, 18, with and without subgroups', async () => {
    const env = await opEnv();
    // A pass on an adapter with subgroups must run the subgroup variant: say so if it cannot.
    if (!(env.ctx.features.subgroups && env.ctx.features.subgroupId)) console.warn(`attention decode: ${env.ctx.adapterInfo.architecture} lacks subgroups or subgroup_id; only the workgroup-memory variant ran`);
    await sweep(false, TOLERANCE.f32Transcendental);
  }, 600_000);

  it('f16 KV cache (shader-f16)', async (test) => {
    const env = await opEnv();
    needsF16(env.ctx, test, 'the f16 KV-cache decode path');
    await sweep(true, TOLERANCE.f16);
  }, 600_000);
});
