import { describe, expect, it } from 'vitest';
import { prepareElementwise, type ElementwiseKind } from '../../../gpu/ops/elementwise.ts';
import { prepareMoeRouter, prepareMoeTopK } from '../../../gpu/ops/moe-topk.ts';
import { prepareSoftmax } from '../../../gpu/ops/softmax.ts';
import { add, moeTopK, scale, softmaxRows, swiglu } from '../../../model/reference/elementwise.ts';
import { expectClose, readF32, readU32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { opEnv, randomF32 } from './env.ts';

/** Rows of `width` taken from a (nRows, stride) matrix at offset. */
function slice(m: Float32Array, nRows: number, width: number, offset: number, stride: number): Float32Array {
  const out = new Float32Array(nRows * width);
  for (let t = 0; t < nRows; t++) out.set(m.subarray(offset + t * stride, offset + t * stride + width), t * width);
  return out;
}

describe('elementwise', () => {
  it('add, add in place, scale, SwiGLU on strided slices, awkward sizes, both workgroup sizes', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const kinds: ElementwiseKind[] = ['add', 'add_inplace', 'scale_inplace', 'swiglu'];
    for (const [nRows, width] of [[1, 1], [3, 45], [2, 1000], [1, 2048 + 16], [5, 3]] as const) {
      for (const kind of kinds) {
        for (const wg of [64, 256]) {
          const seed = nRows * 1000 + width + wg;
          // a and b are slices of one fused buffer (gate | up), y a slice of a wider buffer.
          const stride = 2 * width + 3;
          const fused = randomF32(nRows * stride, seed, -4, 4);
          const yInit = randomF32(nRows * (width + 5) + 2, seed + 1, -4, 4);
          const fb = storageBuffer(device, 'fused', fused);
          const yb = storageBuffer(device, 'y', yInit);
          const s = kind === 'add' || kind === 'add_inplace' ? 0.25 : kind === 'scale_inplace' ? 1 / 7 : 1;
          const d = await prepareElementwise(env, {
            label: `${kind} ${nRows}x${width}`, kind, nRows, width, scale: s, workgroupSize: wg,
            y: { buffer: yb, offset: 2, stride: width + 5 },
            a: { buffer: fb, offset: 1, stride }, b: { buffer: fb, offset: 1 + width, stride },
          });
          await runDispatches(device, [d]);
          const a = slice(fused, nRows, width, 1, stride), b = slice(fused, nRows, width, 1 + width, stride);
          const y0 = slice(yInit, nRows, width, 2, width + 5);
          const want = kind === 'add' ? add(a, b, s) : kind === 'add_inplace' ? add(y0, b, s) : kind === 'scale_inplace' ? scale(y0, s) : swiglu(a, b);
          const got = await readF32(device, yb, yInit.length);
          expectClose(slice(got, nRows, width, 2, width + 5), want, kind === 'swiglu' ? TOLERANCE.f32Transcendental : TOLERANCE.f32, `${kind} ${nRows}x${width} wg${wg}`);
          // Elements between the strided rows are untouched.
          const untouched = Float32Array.from(got);
          for (let t = 0; t < nRows; t++) untouched.set(yInit.subarray(2 + t * (width + 5), 2 + t * (width + 5) + width), 2 + t * (width + 5));
          expect(Array.from(untouched)).toEqual(Array.from(yInit));
        }
      }
    }
  });
});

describe('MoE router', () => {
  it('softmax over rows, every workgroup size', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const [nRows, rowLen] of [[1, 1], [3, 16], [45, 3], [2, 1000], [1, 2048 + 16]] as const) {
      for (const wg of [64, 256]) {
        const x = randomF32(nRows * rowLen, nRows + rowLen + wg, -8, 8);
        const y = storageBuffer(device, 'probs', x.byteLength);
        await runDispatches(device, [await prepareSoftmax(env, { label: `softmax ${nRows}x${rowLen}`, x: { buffer: storageBuffer(device, 'x', x) }, y: { buffer: y }, nRows, rowLen, workgroupSize: wg })]);
        expectClose(await readF32(device, y, x.length), softmaxRows(x, rowLen), TOLERANCE.f32Transcendental, `softmax ${nRows}x${rowLen} wg${wg}`);
      }
    }
  });

  it('top-k experts with their unnormalized probabilities; ties go to the lower id', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const [nRows, nExperts, k] of [[1, 1, 1], [3, 16, 2], [45, 16, 8], [7, 8, 8], [5, 64, 3]] as const) {
      const probs = softmaxRows(randomF32(nRows * nExperts, nRows * 13 + nExperts, -3, 3), nExperts);
      // Force ties: copy expert 0's probability onto the last expert in every other row.
      for (let r = 0; r < nRows; r += 2) probs[r * nExperts + nExperts - 1] = probs[r * nExperts];
      const ids = storageBuffer(device, 'ids', nRows * k * 4);
      const weights = storageBuffer(device, 'weights', nRows * k * 4);
      await runDispatches(device, [await prepareMoeTopK(env, {
        label: `moe top-${k} of ${nExperts}`, probs: { buffer: storageBuffer(device, 'probs', probs) }, ids, weights, nRows, nExperts, k,
      })]);
      const want = moeTopK(probs, nExperts, k);
      expect(Array.from(await readU32(device, ids, nRows * k)), `ids ${nRows}x${nExperts} k${k}`).toEqual(Array.from(want.ids));
      expect(Array.from(await readF32(device, weights, nRows * k))).toEqual(Array.from(want.weights));
    }
  });

  it('softmax + top-k in one dispatch equals the two dispatches and the reference', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    for (const [nRows, nExperts, k] of [[1, 1, 1], [3, 16, 2], [45, 16, 8], [7, 8, 8], [5, 64, 3], [2, 256, 8]] as const) {
      const stride = nExperts + 3;
      const logits = randomF32(2 + nRows * stride, nRows * 17 + nExperts, -3, 3);
      // Ties: expert 0's logit copied onto the last expert in every other row.
      for (let r = 0; r < nRows; r += 2) logits[2 + r * stride + nExperts - 1] = logits[2 + r * stride];
      const lb = storageBuffer(device, 'router logits', logits);
      const view = { buffer: lb, offset: 2, stride };
      const label = `moe router top-${k} of ${nExperts}`;
      const ids = storageBuffer(device, 'ids', nRows * k * 4), weights = storageBuffer(device, 'weights', nRows * k * 4);
      await runDispatches(device, [await prepareMoeRouter(env, { label, logits: view, ids, weights, nRows, nExperts, k })]);
      const probs = storageBuffer(device, 'probs', nRows * nExperts * 4);
      const ids2 = storageBuffer(device, 'ids2', nRows * k * 4), weights2 = storageBuffer(device, 'weights2', nRows * k * 4);
      await runDispatches(device, [
        await prepareSoftmax(env, { label: `${label} softmax`, x: view, y: { buffer: probs }, nRows, rowLen: nExperts }),
        await prepareMoeTopK(env, { label: `${label} top-k`, probs: { buffer: probs }, ids: ids2, weights: weights2, nRows, nExperts, k }),
      ]);
      const gotIds = Array.from(await readU32(device, ids, nRows * k)), gotW = await readF32(device, weights, nRows * k);
      expect(gotIds, `${label}: ids, one vs two dispatches`).toEqual(Array.from(await readU32(device, ids2, nRows * k)));
      expect(Array.from(gotW), `${label}: weights, one vs two dispatches`).toEqual(Array.from(await readF32(device, weights2, nRows * k)));
      const want = moeTopK(softmaxRows(slice(logits, nRows, nExperts, 2, stride), nExperts), nExperts, k);
      expect(gotIds, `${label}: ids vs reference`).toEqual(Array.from(want.ids));
      expectClose(gotW, want.weights, TOLERANCE.f32Transcendental, `${label}: weights vs reference`);
    }
  });
});
