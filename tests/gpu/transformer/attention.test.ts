import { describe, expect, it } from 'vitest';
import { prepareAttentionDecode } from '../../../gpu/ops/attention-decode.ts';
import { prepareAttentionPrefill } from '../../../gpu/ops/attention-prefill.ts';
import { createKvCache, prepareKvWrite, type KvCache } from '../../../gpu/ops/kv-cache.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { createStepBuffer, writeStep } from '../../../gpu/ops/step.ts';
import { attention, attentionDecode, type AttentionShape } from '../../../model/reference/attention.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { needsF16 } from '../fixture.ts';
import { opEnv, randomF32 } from './env.ts';

// (head_dim, n_head, n_head_kv): GQA ratios 1, 4, 8 and MQA.
const SHAPES = [[32, 4, 4], [64, 8, 2], [128, 8, 1], [64, 16, 2]] as const;

function shape(headDim: number, nHead: number, nHeadKv: number): AttentionShape {
  return { headDim, nHead, nHeadKv, scale: 1 / Math.sqrt(headDim) };
}

/** Writes rows [from, to) of k, v (nKv, kvWidth) into the cache through the kernel, as the scheduler does. */
async function writeRows(env: OpEnv, cache: KvCache, step: GPUBuffer, k: Float32Array, v: Float32Array, from: number, to: number): Promise<void> {
  const { device } = env.ctx;
  const width = cache.nHeadKv * cache.headDim;
  writeStep(device.queue, step, from);
  const d = await prepareKvWrite(env, {
    label: `kv write ${from}..${to}`, cache, step, nTokens: to - from,
    k: { buffer: storageBuffer(device, 'k', k.subarray(from * width, to * width)) },
    v: { buffer: storageBuffer(device, 'v', v.subarray(from * width, to * width)) },
  });
  await runDispatches(device, [d]);
}

/** Prefill of query rows [from, to) (q is (n, nHead, headDim)) into out, as one chunk. */
async function prefillChunk(env: OpEnv, cache: KvCache, step: GPUBuffer, q: Float32Array, out: GPUBuffer, nHead: number, scale: number, from: number, to: number): Promise<void> {
  const { device } = env.ctx;
  const width = nHead * cache.headDim;
  writeStep(device.queue, step, from);
  const d = await prepareAttentionPrefill(env, {
    label: `prefill ${from}..${to}`, cache, step, nTokens: to - from, nHead, scale,
    q: { buffer: storageBuffer(device, 'q', q), offset: from * width }, out: { buffer: out, offset: from * width },
  });
  await runDispatches(device, [d]);
}

describe('KV cache write', () => {
  it('copies k and v rows to positions n_past.. from strided slices, leaving the rest', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const step = createStepBuffer(device);
    const nCtx = 50, nHeadKv = 2, headDim = 32, width = nHeadKv * headDim, nTokens = 7, nPast = 41;
    const cache = createKvCache(env, 'cache', nCtx, nHeadKv, headDim, false);
    // k and v are slices of a fused (q | k | v) row of width 4·width.
    const qkv = randomF32(nTokens * 4 * width, 3);
    const buf = storageBuffer(device, 'qkv', qkv);
    writeStep(device.queue, step, nPast);
    await runDispatches(device, [await prepareKvWrite(env, {
      label: 'kv write', cache, step, nTokens,
      k: { buffer: buf, offset: 2 * width, stride: 4 * width }, v: { buffer: buf, offset: 3 * width, stride: 4 * width },
    })]);
    for (const [name, buffer, col] of [['k', cache.k, 2], ['v', cache.v, 3]] as const) {
      const want = new Float32Array(nCtx * width);
      for (let t = 0; t < nTokens && nPast + t < nCtx; t++) want.set(qkv.subarray((t * 4 + col) * width, (t * 4 + col + 1) * width), (nPast + t) * width);
      expect(Array.from(await readF32(device, buffer, nCtx * width)), `${name} cache`).toEqual(Array.from(want));
    }
  });
});

describe('attention', () => {
  it('prefill (causal, GQA/MQA) matches the reference, and two chunks equal one', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const step = createStepBuffer(device);
    for (const [headDim, nHead, nHeadKv] of SHAPES) {
      for (const [n, split] of [[1, 0], [45, 17], [130, 64]] as const) {
        const s = shape(headDim, nHead, nHeadKv);
        const seed = headDim * 100 + nHead * 10 + n;
        const q = randomF32(n * nHead * headDim, seed, -2, 2);
        const k = randomF32(n * nHeadKv * headDim, seed + 1, -2, 2);
        const v = randomF32(n * nHeadKv * headDim, seed + 2, -2, 2);
        const cache = createKvCache(env, 'cache', n + 3, nHeadKv, headDim, false);
        await writeRows(env, cache, step, k, v, 0, n);
        const want = attention(q, k, v, n, 0, s);
        const label = `prefill hd${headDim} ${nHead}/${nHeadKv} n${n}`;
        const one = storageBuffer(device, 'out', q.byteLength);
        await prefillChunk(env, cache, step, q, one, nHead, s.scale, 0, n);
        const oneOut = await readF32(device, one, q.length);
        expectClose(oneOut, want, TOLERANCE.f32Transcendental, label);
        if (split > 0) {
          const two = storageBuffer(device, 'out2', q.byteLength);
          await prefillChunk(env, cache, step, q, two, nHead, s.scale, 0, split);
          await prefillChunk(env, cache, step, q, two, nHead, s.scale, split, n);
          expectClose(await readF32(device, two, q.length), oneOut, TOLERANCE.f32, `${label} in chunks ${split}+${n - split}`);
        }
      }
    }
  });

  it('decode over the cache matches the reference for every split count and lengths crossing split boundaries, and equals the last row of prefill', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const step = createStepBuffer(device);
    for (const [headDim, nHead, nHeadKv] of SHAPES) {
      const nCtx = 2048 + 16;
      const s = shape(headDim, nHead, nHeadKv);
      const seed = headDim + nHead * 3 + nHeadKv;
      const k = randomF32(nCtx * nHeadKv * headDim, seed, -2, 2);
      const v = randomF32(nCtx * nHeadKv * headDim, seed + 1, -2, 2);
      const cache = createKvCache(env, 'cache', nCtx, nHeadKv, headDim, false);
      await writeRows(env, cache, step, k, v, 0, nCtx);
      const q = randomF32(nHead * headDim, seed + 2, -2, 2);
      const qb = storageBuffer(device, 'q', q);
      const out = storageBuffer(device, 'out', q.byteLength);
      for (const nSplit of [1, 3, 8, 32]) {
        const dispatches = await prepareAttentionDecode(env, { label: `decode split${nSplit}`, cache, step, q: { buffer: qb }, out: { buffer: out }, nHead, scale: s.scale, nSplit });
        // The same prepared dispatches serve every length: only the step uniform changes.
        const lengths = nSplit === 3 || nSplit === 8 ? [1, 2, 45, 64, 65, 1000, nCtx] : [1, 65, nCtx];
        for (const nKv of lengths) {
          writeStep(device.queue, step, nKv - 1);
          await runDispatches(device, dispatches);
          expectClose(await readF32(device, out, q.length), attentionDecode(q, k, v, nKv, s), TOLERANCE.f32Transcendental,
            `decode hd${headDim} ${nHead}/${nHeadKv} n_kv ${nKv} split ${nSplit}`);
        }
      }
      // Decode of the token at position p equals row p of a prefill ending there.
      const nKv = 77;
      const qs = randomF32(nKv * nHead * headDim, seed + 3, -2, 2);
      const pre = storageBuffer(device, 'prefill out', qs.byteLength);
      await prefillChunk(env, cache, step, qs, pre, nHead, s.scale, 0, nKv);
      const last = (await readF32(device, pre, qs.length)).subarray((nKv - 1) * nHead * headDim);
      const qLast = storageBuffer(device, 'q last', qs.subarray((nKv - 1) * nHead * headDim));
      writeStep(device.queue, step, nKv - 1);
      await runDispatches(device, await prepareAttentionDecode(env, { label: 'decode last', cache, step, q: { buffer: qLast }, out: { buffer: out }, nHead, scale: s.scale, nSplit: 3 }));
      expectClose(await readF32(device, out, q.length), last, TOLERANCE.f32, `decode = last prefill row hd${headDim} ${nHead}/${nHeadKv}`);
    }
  });

  it('f16 KV cache (shader-f16)', async (test) => {
    const env = await opEnv();
    needsF16(env.ctx, test, 'the f16 KV-cache attention path');
    const { device } = env.ctx;
    const step = createStepBuffer(device);
    for (const [headDim, nHead, nHeadKv] of SHAPES) {
      const s = shape(headDim, nHead, nHeadKv);
      const n = 300, seed = headDim * 7 + nHead;
      const q = randomF32(n * nHead * headDim, seed, -2, 2);
      const k = randomF32(n * nHeadKv * headDim, seed + 1, -2, 2);
      const v = randomF32(n * nHeadKv * headDim, seed + 2, -2, 2);
      const cache = createKvCache(env, 'cache f16', n, nHeadKv, headDim, true);
      await writeRows(env, cache, step, k, v, 0, n);
      const out = storageBuffer(device, 'out', q.byteLength);
      await prefillChunk(env, cache, step, q, out, nHead, s.scale, 0, n);
      expectClose(await readF32(device, out, q.length), attention(q, k, v, n, 0, s), TOLERANCE.f16, `f16 prefill hd${headDim} ${nHead}/${nHeadKv}`);
      const qLast = q.subarray((n - 1) * nHead * headDim);
      writeStep(device.queue, step, n - 1);
      await runDispatches(device, await prepareAttentionDecode(env, { label: 'f16 decode', cache, step, q: { buffer: storageBuffer(device, 'q', qLast) }, out: { buffer: out }, nHead, scale: s.scale, nSplit: 4 }));
      expectClose(await readF32(device, out, qLast.length), attentionDecode(qLast, k, v, n, s), TOLERANCE.f16, `f16 decode hd${headDim} ${nHead}/${nHeadKv}`);
    }
  });
});
